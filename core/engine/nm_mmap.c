/*
 * nm_mmap.c - mmap() as Linux 6.12 without an MMU answers it.
 *
 * The checks run in the kernel's order (arch entry, ksys_mmap_pgoff, then
 * validate_mmap_request() and do_mmap() in mm/nommu.c); the first failing one wins.
 * A check that is a no-MMU difference is a rule: the call gets the device's answer
 * (strict) or desktop Linux's (report/off) and the difference is reported.
 * Checks that desktop Linux makes too (len 0, bad fd...) just fail, unreported.
 */
#include "nm_core.h"
#include "nm_os.h"
#include <errno.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#define NM_TASK_SIZE ((uintptr_t)1 << 47)

/*
 * Allocate a region of `pages` pages of device RAM (do_mmap_private's allocation).
 * On failure *rule says which device limit was hit.
 */
long nm_alloc_region(struct nm_engine *e, uint32_t pages, bool zero, uint32_t *ri_out, int *rule)
{
	uint32_t kept, pfn, ri;
	if (nm_ram_order_for(pages) > e->ram.max_order) {
		*rule = NM_RULE_MMAP_TOO_BIG;
		return -ENOMEM;
	}
	pfn = nm_ram_alloc(&e->ram, pages, &kept);
	if (pfn == NM_NONE) {
		*rule = NM_RULE_MMAP_NO_MEMORY;
		return -ENOMEM;
	}
	ri = nm_region_new(e);
	if (ri == NM_NONE) {
		nm_ram_free(&e->ram, pfn, kept);
		*rule = NM_RULE_MMAP_NO_MEMORY;
		return -ENOMEM;
	}
	struct nm_region *rg = &e->regions[ri];
	rg->kind = NM_REGION_ANON;
	rg->start = pfn;
	rg->end = pfn + pages;
	rg->top = pfn + kept;
	/* only [start, end) is cleared: untrimmed slack keeps old bytes, as on the device */
	if (zero)
		nm_ram_zero(&e->ram, pfn, pages);
	nm_ram_mark_dirty(&e->ram, pfn, pages);
	*ri_out = ri;
	return 0;
}

/* A new vma over the whole of region ri. */
static uint32_t vma_for_region(struct nm_engine *e, uint32_t ri, size_t len, int prot, int flags)
{
	uint32_t vi = nm_vma_new(e);
	if (vi == NM_NONE)
		return NM_NONE;
	struct nm_vma *v = &e->vmas[vi];
	v->start = (uintptr_t)nm_ram_addr(&e->ram, e->regions[ri].start);
	v->end = v->start + len;
	v->region = ri;
	v->prot = prot;
	v->flags = flags;
	nm_vma_insert(e, vi);
	return vi;
}

/* Anonymous mapping of len (page-rounded) bytes; -ENOMEM with *rule on failure. */
static long map_anon(struct nm_engine *e, size_t len, int prot, int flags, bool zero, int *rule)
{
	uint32_t ri, vi;
	/* no vm.max_map_count check here: nommu's do_mmap() has none (6.12's mm/nommu.c
	 * checks it only in split_vma()); the tables hold a mapping per page of RAM */
	long r = nm_alloc_region(e, (uint32_t)(len >> e->ram.page_shift), zero, &ri, rule);
	if (r < 0)
		return r;
	vi = vma_for_region(e, ri, len, prot, flags);
	if (vi == NM_NONE) {
		nm_region_put(e, ri);
		*rule = -1;
		return -ENOMEM;
	}
	return (long)e->vmas[vi].start;
}

static long mmap_locked(struct nm_engine *e, const struct nm_site *s, const struct nm_call *call, uintptr_t addr,
			size_t len, int prot, int flags, int fd, off_t off)
{
	size_t page = e->ram.page_size;
	struct stat st;
	int type = flags & MAP_TYPE;
	enum nm_action act;

	/* arch entry: the byte offset must be page aligned, anonymous maps too (A19) */
	if (off & (off_t)(page - 1))
		return -EINVAL;
	/* ksys_mmap_pgoff: a file map needs a valid fd (A18, S16) */
	if (!(flags & MAP_ANONYMOUS) && nm_os_fstat(fd, &st) < 0)
		return -EBADF;

	/* validate_mmap_request(), in order */
	if (flags & MAP_FIXED) {
		act = nm_violation(e, NM_RULE_MMAP_FIXED, s, call, -EINVAL);
		if (act == NM_ACT_STRICT)
			return -EINVAL;
		return nm_host_mmap(e, addr, len, prot, flags, fd, off);
	}
	if (type != MAP_SHARED && type != MAP_PRIVATE) {
		/* desktop Linux takes MAP_SHARED_VALIDATE for files, MAP_DROPPABLE for anonymous
		 * memory; anything else (no type at all...) it refuses too: no difference */
		bool anon = flags & MAP_ANONYMOUS;
		if (!(type == MAP_SHARED_VALIDATE && !anon) && !(type == MAP_DROPPABLE && anon))
			return -EINVAL;
		act = nm_violation(e, NM_RULE_MMAP_MAP_TYPE, s, call, -EINVAL);
		if (act == NM_ACT_STRICT)
			return -EINVAL;
		return nm_host_mmap(e, addr, len, prot, flags, fd, off);
	}
	if (len == 0)
		return -EINVAL;
	size_t rlen = (len + page - 1) & ~(page - 1);
	if (rlen == 0 || rlen > NM_TASK_SIZE)
		return -ENOMEM;
	uint64_t pgoff = (uint64_t)off >> e->ram.page_shift;
	if (pgoff + (rlen >> e->ram.page_shift) < pgoff)
		return -EOVERFLOW;

	/* do_mmap(): the address is only a hint, and it is ignored */
	if (addr && (flags & MAP_FIXED_NOREPLACE)) {
		act = nm_violation(e, NM_RULE_MMAP_FIXED_NOREPLACE, s, call, 0);
		if (act != NM_ACT_STRICT)
			return nm_host_mmap(e, addr, len, prot, flags, fd, off);
	} else if (addr) {
		nm_violation(e, NM_RULE_MMAP_HINT, s, call, 0);
	}
	if (prot == PROT_NONE)
		nm_violation(e, NM_RULE_MMAP_PROT_NONE, s, call, 0);

	if (!(flags & MAP_ANONYMOUS))
		return nm_map_file(e, s, call, &st, rlen, prot, flags, fd, off);

	/* anonymous: MAP_SHARED is the same as MAP_PRIVATE here (A10); never shareable */
	int rule = -1;
	bool zero = !(e->cfg.uninit && (flags & MAP_UNINITIALIZED));
	long r = map_anon(e, rlen, prot, flags, zero, &rule);
	if (r >= 0 || rule < 0)
		return r;
	act = nm_violation(e, (enum nm_rule)rule, s, call, r);
	if (act == NM_ACT_STRICT)
		return r;
	return nm_host_mmap(e, addr, len, prot, flags & ~MAP_FIXED_NOREPLACE, fd, off);
}

/* Anonymous memory for a desktop answer: device RAM while it has some, else the host. */
long nm_anon_or_host(struct nm_engine *e, size_t len)
{
	int rule = -1;
	long r = map_anon(e, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, true, &rule);
	if (r < 0)
		r = nm_host_mmap(e, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return r;
}

long nm_mmap(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int prot, int flags, int fd,
	     off_t off)
{
	struct nm_call call = { NM_CALL_MMAP,
				{ (uintptr_t)addr, len, (uintptr_t)prot, (uintptr_t)flags, (uintptr_t)(long)fd,
				  (uintptr_t)off },
				NULL,
				0,
				NULL };
	nm_engine_lock(e);
	long r = mmap_locked(e, s, &call, (uintptr_t)addr, len, prot, flags, fd, off);
	nm_engine_unlock_then_report(e);
	return r;
}

/* The malloc heap's pages: an anonymous private mapping like any other. */
/*
 * Host memory for the heap when the device has none (report mode), aligned like a
 * device block (to the power of two holding it), so the heap's chunks, which rely on
 * natural alignment, need not map twice the size to align themselves.
 */
static long host_block(struct nm_engine *e, size_t len)
{
	size_t block = e->ram.page_size, largest = e->ram.page_size << e->ram.max_order;
	while (block < len)
		block <<= 1;
	/* past the device's largest block nothing relies on the alignment: do not
	   reserve up to twice a huge length */
	if (block > largest || block == e->ram.page_size)
		return nm_host_mmap(e, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t span = len + block - e->ram.page_size;
	long r = nm_host_mmap(e, 0, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0)
		return r;
	uintptr_t start = ((uintptr_t)r + block - 1) & ~(uintptr_t)(block - 1);
	if (start > (uintptr_t)r)
		nm_host_munmap(e, (uintptr_t)r, start - (uintptr_t)r);
	if ((uintptr_t)r + span > start + len)
		nm_host_munmap(e, start + len, (uintptr_t)r + span - (start + len));
	return (long)start;
}

/*
 * Device RAM for the heap, counted exactly like an anonymous mmap.  flags:
 *   NM_PS_TRY     no report and no host memory when the device cannot (the heap
 *                       tries sizes, trims its caches, then asks again without it)
 *   NM_PS_UNINIT  the contents may be old bytes, as uClibc-ng's heap growth with
 *                       MAP_UNINITIALIZED: nothing is cleared, no page faulted in
 * Without TRY, report mode serves host memory when the device cannot and says so with
 * *err = ENOMEM on success: the heap reports it (it knows the request); else *err = 0.
 */
void *nm_heap_map_ex(struct nm_engine *e, size_t len, int flags, int *err)
{
	size_t page = e->ram.page_size;
	size_t rlen = (len + page - 1) & ~(page - 1);
	int rule = -1;
	bool host = false;
	nm_engine_lock(e);
	long r = rlen
		? map_anon(e, rlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, !(flags & NM_PS_UNINIT), &rule)
		: -EINVAL;
	/* any ENOMEM: no block, or no more mappings (the map count) */
	if (r == -ENOMEM && !(flags & NM_PS_TRY) && nm_action_of(e, NM_RULE_MALLOC_NO_MEMORY) != NM_ACT_STRICT) {
		r = host_block(e, rlen);
		host = r >= 0;
	}
	nm_engine_unlock_then_report(e);
	if (r < 0) {
		*err = (int)-r;
		return NULL;
	}
	*err = host ? ENOMEM : 0;
	return (void *)r;
}

void *nm_heap_map(struct nm_engine *e, size_t len, int *err)
{
	return nm_heap_map_ex(e, len, 0, err);
}

/* The heap's own tables: host memory, outside the device RAM and its accounting. */
void *nm_heap_meta_map(struct nm_engine *e, size_t len)
{
	(void)e;
	long r = nm_os_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return r < 0 ? NULL : (void *)r;
}

void nm_heap_meta_unmap(struct nm_engine *e, void *p, size_t len)
{
	(void)e;
	nm_os_munmap((uintptr_t)p, len);
}

void nm_heap_unmap(struct nm_engine *e, void *p, size_t len)
{
	struct nm_site site = { 0 };
	nm_munmap(e, &site, p, len);
}

/*
 * Grow the heap mapping [p, p+old_len) in place to new_len when the device RAM right
 * after it is free, so that realloc need not copy.  The device's realloc would map a
 * new block and copy, holding both for a moment; this answers the same way:
 *   - only when a block of the new size could have been mapped (the largest free
 *     block is at least that big), so it succeeds and fails where the device does;
 *   - the peak RAM in use counts the old block twice, as the copy would.
 * Untrimmed slack of the region is used first.  0 on success, -1 if it cannot.
 */
int nm_heap_grow(struct nm_engine *e, void *p, size_t old_len, size_t new_len)
{
	struct nm_ram *r = &e->ram;
	uintptr_t start = (uintptr_t)p;
	int ok = -1;
	if (new_len <= old_len || (new_len & (r->page_size - 1)) || !nm_ram_contains(r, start))
		return -1;
	nm_engine_lock(e);
	uint32_t vi = nm_vma_at(e, start);
	struct nm_vma *v = vi == NM_NONE ? NULL : &e->vmas[vi];
	struct nm_region *rg = v ? &e->regions[v->region] : NULL;
	uint32_t pages = (uint32_t)(new_len >> r->page_shift);
	unsigned order = nm_ram_order_for(pages);
	if (rg && v->start == start && v->end == start + old_len && rg->kind == NM_REGION_ANON && rg->users == 1 &&
	    !rg->shareable && nm_ram_addr(r, rg->end) == (void *)v->end && order <= r->max_order &&
	    nm_ram_largest_free(r) >= ((size_t)1 << (order + r->page_shift))) {
		uint32_t end = rg->start + pages;
		if (end <= rg->top || nm_ram_claim(r, rg->top, end - rg->top)) {
			uint32_t old_pages = rg->end - rg->start;
			nm_ram_mark_dirty(r, rg->end, end - rg->end);
			if (end > rg->top)
				rg->top = end;
			rg->end = end;
			nm_vma_set_end(e, vi, start + new_len);
			size_t used = r->npages - r->free_pages + old_pages;
			if (used > r->peak_used_pages)
				r->peak_used_pages = used;
			ok = 0;
		}
	}
	nm_engine_unlock_then_report(e);
	return ok;
}

/*
 * A heap violation found by the malloc layer: a bad free (rule free-invalid) or memory the
 * device could not give (malloc-no-memory, with the RAM figures that tell exhaustion from
 * fragmentation).  The caller is the program's return address into malloc/free.
 */
void nm_heap_violation(struct nm_engine *e, enum nm_heap_event kind, const void *ptr, size_t size, const void *caller)
{
	struct nm_site site = { caller };
	struct nm_call call = { NM_CALL_MALLOC, { size }, "malloc", 0, NULL };
	enum nm_rule rule = NM_RULE_MALLOC_NO_MEMORY;
	nm_engine_lock(e);
	if (kind == NM_HEAP_NO_MEMORY) {
		size_t ps = e->ram.page_size;
		call.a[1] = ((size_t)e->ram.npages - e->ram.free_pages) * ps;
		call.a[2] = (size_t)e->ram.npages * ps;
		call.a[3] = e->ram.free_pages * ps;
		call.a[4] = nm_ram_largest_free(&e->ram);
	} else {
		rule = NM_RULE_FREE_INVALID;
		call.kind = NM_CALL_OTHER;
		call.path = "free";
		call.note = kind == NM_HEAP_DOUBLE_FREE ? "double free" : "not a block malloc returned";
		call.a[0] = (uintptr_t)ptr;
		call.nargs = 1;
	}
	nm_violation(e, rule, &site, &call, kind == NM_HEAP_NO_MEMORY ? -ENOMEM : 0);
	nm_engine_unlock_then_report(e);
}
