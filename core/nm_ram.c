/*
 * nm_ram.c - the device RAM: one host reservation carved by a binary buddy allocator.
 *
 * This models what do_mmap_private() gets from alloc_pages_exact(): a block of
 * 2^order physically contiguous pages, naturally aligned to its size (two 5-page maps
 * land 8 pages apart, oracle A22), whose excess pages are given back when
 * vm.nr_trim_pages says so.  No block is larger than 2^max_order pages.
 *
 * Freed pages are dirty; a page is zeroed when a mapping that needs zeros gets it.
 * Large freed ranges are dropped back to the host instead (MADV_DONTNEED), which
 * zeroes them for free later and keeps the tool's RSS close to the device's use.
 */
#include "nm_core.h"
#include "nm_os.h"
#include <string.h>
#include <sys/mman.h>

/* Ranges at least this many bytes are dropped to the host when freed. */
#define NM_DROP_BYTES (256u << 10)

unsigned nm_ram_order_for(uint32_t pages)
{
	unsigned order = 0;
	while (((uint32_t)1 << order) < pages)
		order++;
	return order;
}

static void list_push(struct nm_ram *r, uint32_t pfn, unsigned order)
{
	r->order[pfn] = (uint8_t)(order + 1);
	r->prev[pfn] = NM_NONE;
	r->next[pfn] = r->free_head[order];
	if (r->free_head[order] != NM_NONE)
		r->prev[r->free_head[order]] = pfn;
	r->free_head[order] = pfn;
}

static void list_remove(struct nm_ram *r, uint32_t pfn)
{
	unsigned order = r->order[pfn] - 1u;
	if (r->prev[pfn] != NM_NONE)
		r->next[r->prev[pfn]] = r->next[pfn];
	else
		r->free_head[order] = r->next[pfn];
	if (r->next[pfn] != NM_NONE)
		r->prev[r->next[pfn]] = r->prev[pfn];
	r->order[pfn] = 0;
}

/* Free one aligned block, merging with its buddy while the buddy is free whole. */
static void free_block(struct nm_ram *r, uint32_t pfn, unsigned order)
{
	while (order < r->max_order) {
		uint32_t buddy = pfn ^ ((uint32_t)1 << order);
		if (buddy >= r->npages || r->order[buddy] != order + 1)
			break;
		list_remove(r, buddy);
		if (buddy < pfn)
			pfn = buddy;
		order++;
	}
	list_push(r, pfn, order);
}

void nm_ram_free(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	size_t bytes = (size_t)pages << r->page_shift;
	if (r->host_protected) /* a desktop-answered mprotect may have left these pages closed */
		nm_os_mprotect((uintptr_t)nm_ram_addr(r, pfn), bytes, PROT_READ | PROT_WRITE);
	if (bytes >= NM_DROP_BYTES) {
		/* give the pages back to the host: they read as zeros next time */
		nm_os_madvise((uintptr_t)nm_ram_addr(r, pfn), bytes, MADV_DONTNEED);
		memset(r->dirty + pfn, 0, pages);
	}
	r->free_pages += pages;
	/* split [pfn, pfn+pages) into maximal naturally aligned blocks */
	while (pages) {
		unsigned order = 0;
		while (order < r->max_order && !(pfn & ((uint32_t)1 << order)) &&
		       ((uint32_t)2 << order) <= pages)
			order++;
		free_block(r, pfn, order);
		pfn += (uint32_t)1 << order;
		pages -= (uint32_t)1 << order;
	}
}

uint32_t nm_ram_alloc(struct nm_ram *r, uint32_t pages, uint32_t *kept)
{
	unsigned want = nm_ram_order_for(pages), order = want;
	if (want > r->max_order)
		return NM_NONE;
	while (order <= r->max_order && r->free_head[order] == NM_NONE)
		order++;
	uint32_t pfn;
	if (order <= r->max_order) {
		pfn = r->free_head[order];
		list_remove(r, pfn);
	} else if (r->fresh < r->fresh_end) {
		/* the lists are empty from `want` up: open a never-used largest block */
		order = r->max_order;
		pfn = r->fresh;
		r->fresh += (uint32_t)1 << order;
	} else {
		return NM_NONE;
	}
	/* split down: the upper halves go back to their free lists */
	while (order > want) {
		order--;
		list_push(r, pfn + ((uint32_t)1 << order), order);
	}
	uint32_t total = (uint32_t)1 << want;
	r->free_pages -= total;
	*kept = total;
	/* trim the excess, as do_mmap_private() does when it is >= nr_trim_pages */
	if (r->trim && total - pages >= r->trim) {
		nm_ram_free(r, pfn + pages, total - pages);
		*kept = pages;
	}
	size_t used = r->npages - r->free_pages;
	if (used > r->peak_used_pages)
		r->peak_used_pages = used;
	return pfn;
}

void nm_ram_zero(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	uint32_t end = pfn + pages;
	while (pfn < end) {
		if (!r->dirty[pfn]) {
			pfn++;
			continue;
		}
		uint32_t run = pfn;
		while (run < end && r->dirty[run])
			run++;
		memset(nm_ram_addr(r, pfn), 0, (size_t)(run - pfn) << r->page_shift);
		pfn = run;
	}
}

void nm_ram_mark_dirty(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	memset(r->dirty + pfn, 1, pages);
}

size_t nm_ram_largest_free(const struct nm_ram *r)
{
	if (r->fresh < r->fresh_end)
		return (size_t)1 << (r->max_order + r->page_shift);
	for (int o = (int)r->max_order; o >= 0; o--)
		if (r->free_head[o] != NM_NONE)
			return (size_t)1 << (o + (int)r->page_shift);
	return 0;
}

int nm_ram_init(struct nm_ram *r, size_t size, size_t page_size, unsigned max_order, unsigned trim)
{
	memset(r, 0, sizeof(*r));
	r->page_size = page_size;
	while (((size_t)1 << r->page_shift) < page_size)
		r->page_shift++;
	r->npages = (uint32_t)(size >> r->page_shift);
	/* a block can't be larger than the RAM itself */
	unsigned fit = 0;
	while (fit < NM_MAX_ORDER && ((uint32_t)2 << fit) <= r->npages)
		fit++;
	r->max_order = max_order < fit ? max_order : fit;
	r->trim = trim;

	/* reserve RAM + one largest block, so the base can be aligned to the largest block */
	size_t block = (size_t)1 << (r->max_order + r->page_shift);
	size_t bytes = (size_t)r->npages << r->page_shift;
	r->reserve_len = bytes + block;
	long res = nm_os_mmap(0, r->reserve_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res < 0)
		return (int)res;
	r->reserve_base = (uintptr_t)res;
	/* small pages only: a transparent huge page would make a 4 KiB map fault in 2 MiB
	 * and drop back in 2 MiB pieces, far from what the device (or the program) does */
	nm_os_madvise(r->reserve_base, r->reserve_len, MADV_NOHUGEPAGE);
	r->base = (r->reserve_base + block - 1) & ~(uintptr_t)(block - 1);

	size_t meta = (size_t)r->npages * (2 * sizeof(uint32_t) + 2);
	uint8_t *m = nm_os_table_alloc(meta);
	if (!m) {
		nm_os_munmap(r->reserve_base, r->reserve_len);
		return -12;
	}
	r->next = (uint32_t *)m;
	r->prev = r->next + r->npages;
	r->order = (uint8_t *)(r->prev + r->npages);
	r->dirty = r->order + r->npages;
	/* the tables are fresh host memory, all zero: no page is a free block head
	 * and none is dirty.  The whole largest blocks start out "fresh" (on no list);
	 * only a tail smaller than one goes onto the lists now. */
	for (unsigned o = 0; o <= NM_MAX_ORDER; o++)
		r->free_head[o] = NM_NONE;
	r->fresh = 0;
	r->fresh_end = r->npages & ~(((uint32_t)1 << r->max_order) - 1);
	r->free_pages = r->fresh_end;
	if (r->fresh_end < r->npages)
		nm_ram_free(r, r->fresh_end, r->npages - r->fresh_end);
	r->peak_used_pages = 0;
	return 0;
}

void nm_ram_fini(struct nm_ram *r)
{
	if (r->reserve_base)
		nm_os_munmap(r->reserve_base, r->reserve_len);
	if (r->next)
		nm_os_munmap((uintptr_t)r->next, (size_t)r->npages * (2 * sizeof(uint32_t) + 2));
	memset(r, 0, sizeof(*r));
}
