/*
 * nm_mremap.c - mremap() as do_mremap() in mm/nommu.c answers it.  Nothing ever moves:
 *
 *   old_len or new_len 0 after rounding -> EINVAL (R05); addr unaligned -> EINVAL (R04)
 *   MREMAP_FIXED to another address -> EINVAL (R06)
 *   no mapping starting at addr and ending at addr+old_len -> EINVAL (R03, R16)
 *   shareable mapping (MAP_SHARED file, read-only private file) -> EPERM (RF11, RF28)
 *   new_len beyond the region's size -> ENOMEM, even with MREMAP_MAYMOVE (R01, R02, R17)
 *   else only the end moves; shrinking frees nothing, so growing back keeps the bytes (R09)
 * MREMAP_MAYMOVE, MREMAP_DONTUNMAP and unknown flags are ignored (R11, R12).
 */
#include "nm_core.h"
#include "nm_os.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

/*
 * Desktop Linux's mremap of [addr, addr+old_len) for report mode: shrink in place,
 * grow in place when the region allows, else move when allowed (new memory from the
 * device RAM if it has it, else the host), copying the bytes.
 */
static long desktop_mremap(struct nm_engine *e, uintptr_t addr, size_t old_len, size_t new_len, int flags,
			   uintptr_t new_addr)
{
	if (!(flags & MREMAP_FIXED) && new_len <= old_len) {
		if (new_len < old_len)
			nm_desktop_munmap(e, addr + new_len, old_len - new_len);
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	long to;
	if (flags & MREMAP_FIXED) {
		if (nm_ram_contains(&e->ram, new_addr))
			return -EINVAL; /* would land on the device RAM itself */
		to = nm_host_mmap(e, new_addr, new_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				  -1, 0);
	} else {
		to = nm_anon_or_host(e, new_len);
	}
	if (to < 0)
		return to;
	memcpy((void *)to, (void *)addr, old_len < new_len ? old_len : new_len);
	nm_desktop_munmap(e, addr, old_len);
	return to;
}

static long mremap_locked(struct nm_engine *e, const struct nm_site *s, const struct nm_call *call, uintptr_t addr,
			  size_t old_len, size_t new_len, int flags, uintptr_t new_addr)
{
	size_t page = e->ram.page_size;
	enum nm_action act;

	if (!nm_ram_contains(&e->ram, addr) && nm_host_find(e, addr) >= 0)
		return nm_host_mremap(e, addr, old_len, new_len, flags, new_addr);

	old_len = (old_len + page - 1) & ~(page - 1);
	new_len = (new_len + page - 1) & ~(page - 1);
	if (old_len == 0 || new_len == 0)
		return -EINVAL;
	if (addr & (page - 1))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && new_addr != addr) {
		if (!(flags & MREMAP_MAYMOVE))
			return -EINVAL; /* desktop Linux refuses FIXED without MAYMOVE too */
		act = nm_violation(e, NM_RULE_MREMAP_FIXED, s, call, -EINVAL);
		return act == NM_ACT_STRICT ? -EINVAL : desktop_mremap(e, addr, old_len, new_len, flags, new_addr);
	}

	uint32_t vi = nm_vma_at(e, addr);
	if (vi == NM_NONE || e->vmas[vi].start != addr || e->vmas[vi].end != addr + old_len) {
		if (vi == NM_NONE && nm_ram_contains(&e->ram, addr))
			return -EINVAL; /* nothing there: desktop Linux fails too (EFAULT) */
		act = nm_violation(e, NM_RULE_MREMAP_RANGE, s, call, -EINVAL);
		if (act == NM_ACT_STRICT)
			return -EINVAL;
		if (vi == NM_NONE)
			return nm_os_mremap(addr, old_len, new_len, flags, new_addr);
		return desktop_mremap(e, addr, old_len, new_len, flags, new_addr);
	}
	struct nm_vma *v = &e->vmas[vi];
	if (v->shareable) {
		act = nm_violation(e, NM_RULE_MREMAP_SHARED, s, call, -EPERM);
		return act == NM_ACT_STRICT ? -EPERM : desktop_mremap(e, addr, old_len, new_len, flags, new_addr);
	}
	struct nm_region *rg = &e->regions[v->region];
	if (new_len > ((size_t)(rg->end - rg->start) << e->ram.page_shift)) {
		act = nm_violation(e, NM_RULE_MREMAP_GROW, s, call, -ENOMEM);
		return act == NM_ACT_STRICT ? -ENOMEM : desktop_mremap(e, addr, old_len, new_len, flags, new_addr);
	}
	nm_vma_set_end(e, vi, addr + new_len);
	return (long)addr;
}

long nm_mremap(struct nm_engine *e, const struct nm_site *s, void *old, size_t old_len, size_t new_len, int flags,
	       void *new_addr)
{
	struct nm_call call = { NM_CALL_MREMAP,
				{ (uintptr_t)old, old_len, new_len, (uintptr_t)flags, (uintptr_t)new_addr },
				NULL,
				0,
				NULL };
	nm_engine_lock(e);
	long r = mremap_locked(e, s, &call, (uintptr_t)old, old_len, new_len, flags, (uintptr_t)new_addr);
	nm_engine_unlock_then_report(e);
	return r;
}
