/*
 * nm_host.c - desktop Linux's answers, for report mode and rules set to off.
 *
 * Memory the host hands out is remembered so that unmapping or resizing it later is
 * not mistaken for a new violation: the call that created it was already reported.
 * A MAP_FIXED aimed inside the device RAM is answered on the device RAM itself,
 * since the host must not replace pages the engine hands out.
 */
#include "nm_core.h"
#include "nm_os.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static void remember(struct nm_engine *e, uintptr_t start, size_t len)
{
	size_t hp = e->host_page;
	if (e->host_count == e->host_cap)
		return; /* table full: later munmaps of it will be reported, nothing worse */
	e->host_maps[e->host_count].start = start;
	e->host_maps[e->host_count].end = start + ((len + hp - 1) & ~(hp - 1));
	e->host_count++;
}

int nm_host_find(struct nm_engine *e, uintptr_t addr)
{
	for (uint32_t i = 0; i < e->host_count; i++)
		if (addr >= e->host_maps[i].start && addr < e->host_maps[i].end)
			return (int)i;
	return -1;
}

/* Forget [start, end) (whole entries inside it are dropped, partial ones trimmed). */
void nm_host_forget(struct nm_engine *e, uintptr_t start, uintptr_t end)
{
	for (uint32_t i = 0; i < e->host_count;) {
		struct nm_host_map *m = &e->host_maps[i];
		if (m->end <= start || m->start >= end) {
			i++;
			continue;
		}
		if (m->start < start && m->end > end) { /* a hole in the middle: keep both ends */
			uintptr_t tail = m->end;
			m->end = start;
			remember(e, end, tail - end);
			i++;
		} else if (m->start < start) {
			m->end = start;
			i++;
		} else if (m->end > end) {
			m->start = end;
			i++;
		} else {
			*m = e->host_maps[--e->host_count];
		}
	}
}

/* MAP_FIXED into device RAM in report mode: fresh contents at that place, as the
 * desktop would give; the mapping bookkeeping stays the device's. */
static long fixed_inside_ram(struct nm_engine *e, uintptr_t addr, size_t len, int flags, int fd, off_t off)
{
	uint32_t vi = nm_vma_at(e, addr);
	if (vi == NM_NONE || addr + len > e->vmas[vi].end || (flags & MAP_TYPE) == MAP_SHARED)
		return -EINVAL; /* cannot be emulated without handing device RAM to the host */
	if (flags & MAP_ANONYMOUS) {
		memset((void *)addr, 0, len);
		return (long)addr;
	}
	size_t done = 0;
	while (done < len) {
		long n = nm_os_pread(fd, (char *)addr + done, len - done, off + (off_t)done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	memset((char *)addr + done, 0, len - done);
	return (long)addr;
}

long nm_host_mmap(struct nm_engine *e, uintptr_t addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if ((flags & MAP_FIXED) && len && (nm_ram_contains(&e->ram, addr) || nm_ram_contains(&e->ram, addr + len - 1)))
		return fixed_inside_ram(e, addr, len, flags, fd, off);
	long r = nm_os_mmap(addr, len, prot, flags, fd, off);
	if (r >= 0) {
		nm_host_forget(e, (uintptr_t)r, (uintptr_t)r + len);
		remember(e, (uintptr_t)r, len);
	}
	return r;
}

long nm_host_munmap(struct nm_engine *e, uintptr_t addr, size_t len)
{
	long r = nm_os_munmap(addr, len);
	if (r == 0)
		nm_host_forget(e, addr, addr + len);
	return r;
}

long nm_host_mremap(struct nm_engine *e, uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr)
{
	long r = nm_os_mremap(old, old_len, new_len, flags, new_addr);
	if (r >= 0) {
		nm_host_forget(e, old, old + old_len);
		remember(e, (uintptr_t)r, new_len);
	}
	return r;
}
