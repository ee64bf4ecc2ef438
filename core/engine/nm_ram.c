/*
 * nm_ram.c - the device RAM: one host reservation carved by a binary buddy allocator.
 *
 * This models what do_mmap_private() gets from alloc_pages_exact(): a block of
 * 2^order physically contiguous pages, naturally aligned to its size (two 5-page maps
 * land 8 pages apart, oracle A22), whose excess pages are given back when
 * vm.nr_trim_pages says so.  No block is larger than 2^max_order pages.
 *
 * Freed pages are dirty; a page is zeroed when a mapping that needs zeros gets it.
 * A page fault costs far more than zeroing a page that is already there (10 us
 * against 0.1 us in a VM), so freed memory stays with the process while the
 * dirty free pages stay under keep_limit_pages (a quarter of the RAM, at most
 * 64 MiB); past that, large freed ranges are dropped back to the host
 * (MADV_DONTNEED), which keeps the tool's RSS near the device's use.  A large
 * range that is kept first loses the pages the program never touched (mincore),
 * so "dirty" stays exact and zeroing never faults in a page.
 */
#include "nm_core.h"
#include "nm_os.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Put [pfn, pfn+pages) on the free lists as maximal naturally aligned blocks. */
static void free_range(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	while (pages) {
		unsigned order = 0;
		while (order < r->max_order && !(pfn & ((uint32_t)1 << order)) && ((uint32_t)2 << order) <= pages)
			order++;
		free_block(r, pfn, order);
		pfn += (uint32_t)1 << order;
		pages -= (uint32_t)1 << order;
	}
}

static uint32_t count_dirty(const struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < pages; i++)
		n += r->dirty[pfn + i];
	return n;
}

/* Give [pfn, pfn+pages) back to the host: the pages read as zeros next time. */
static void drop_pages(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	nm_os_madvise((uintptr_t)nm_ram_addr(r, pfn), (size_t)pages << r->page_shift, MADV_DONTNEED);
	memset(r->dirty + pfn, 0, pages);
}

/* Does the host hold device page i of a mincore() vector (any of its host pages)? */
static bool page_resident(const unsigned char *vec, uint32_t i, uint32_t per)
{
	for (uint32_t k = 0; k < per; k++)
		if (vec[i * per + k] & 1)
			return true;
	return false;
}

/* Drop the dirty pages of a freed range that the host does not hold (never touched,
 * or swapped out), so that only resident pages stay dirty.  Too scattered: drop all.
 * Without swap a page the host does not hold was never touched (or was dropped): it
 * reads as zero already, so it only stops being dirty, with no call to the host. */
static void drop_untouched(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	unsigned char vec[1024];
	uint32_t per = (uint32_t)(r->page_size / r->host_page), step = sizeof(vec) / per;
	unsigned calls = 0;
	struct sysinfo si;
	bool swap = nm_os_sysinfo(&si) != 0 || si.totalswap != 0;
	for (uint32_t done = 0; done < pages; done += step) {
		uint32_t n = pages - done < step ? pages - done : step, first = pfn + done, run = 0;
		if (nm_os_mincore((uintptr_t)nm_ram_addr(r, first), (size_t)n << r->page_shift, vec) < 0) {
			drop_pages(r, first, pages - done);
			return;
		}
		for (uint32_t i = 0; i <= n; i++) {
			if (i < n && r->dirty[first + i] && !page_resident(vec, i, per)) {
				run++;
				continue;
			}
			if (!run)
				continue;
			if (!swap) {
				memset(r->dirty + first + i - run, 0, run);
				run = 0;
				continue;
			}
			if (++calls > 16) {
				drop_pages(r, first + i - run, pages - (done + i - run));
				return;
			}
			drop_pages(r, first + i - run, run);
			run = 0;
		}
	}
}

void nm_ram_free(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	size_t bytes = (size_t)pages << r->page_shift;
	if (r->host_protected) /* a desktop-answered mprotect may have left these pages closed */
		nm_os_mprotect((uintptr_t)nm_ram_addr(r, pfn), bytes, PROT_READ | PROT_WRITE);
	uint32_t dirty = count_dirty(r, pfn, pages);
	if (bytes >= NM_DROP_BYTES && dirty) {
		if (r->kept_free_pages + dirty > r->keep_limit_pages) {
			drop_pages(r, pfn, pages);
			dirty = 0;
		} else if (r->host_page <= r->page_size) { /* mincore sees whole device pages */
			drop_untouched(r, pfn, pages);
			dirty = count_dirty(r, pfn, pages);
		}
	}
	r->kept_free_pages += dirty;
	r->free_pages += pages;
	free_range(r, pfn, pages);
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
	r->kept_free_pages -= count_dirty(r, pfn, total);
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

/* The free block holding page pfn: its head, or NM_NONE (*order set). */
static uint32_t free_block_of(const struct nm_ram *r, uint32_t pfn, unsigned *order)
{
	for (unsigned o = 0; o <= r->max_order; o++) {
		uint32_t head = pfn & ~(((uint32_t)1 << o) - 1);
		if (r->order[head] == o + 1) {
			*order = o;
			return head;
		}
	}
	return NM_NONE;
}

bool nm_ram_claim(struct nm_ram *r, uint32_t pfn, uint32_t pages)
{
	uint32_t end = pfn + pages, q;
	unsigned o;
	if (!pages || end > r->npages || end < pfn)
		return false;
	/* fresh largest blocks up to the last one the range touches go onto the lists */
	uint32_t big = (uint32_t)1 << r->max_order;
	while (r->fresh < r->fresh_end && r->fresh < end) {
		list_push(r, r->fresh, r->max_order);
		r->fresh += big;
	}
	for (q = pfn; q < end; q += (uint32_t)1 << o)
		if ((q = free_block_of(r, q, &o)) == NM_NONE)
			return false;
	/* take each block; give back its parts outside the range */
	for (q = pfn; q < end;) {
		uint32_t head = free_block_of(r, q, &o), tail = head + ((uint32_t)1 << o);
		list_remove(r, head);
		free_range(r, head, q - head);
		if (end < tail)
			free_range(r, end, tail - end);
		q = tail;
	}
	r->free_pages -= pages;
	r->kept_free_pages -= count_dirty(r, pfn, pages);
	size_t used = r->npages - r->free_pages;
	if (used > r->peak_used_pages)
		r->peak_used_pages = used;
	return true;
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
	/* nm_config_finish refuses such a size: never let the page count wrap */
	if ((size >> r->page_shift) > NM_RAM_MAX_PAGES)
		return -EFBIG;
	r->npages = (uint32_t)(size >> r->page_shift);
	/* a block can't be larger than the RAM itself */
	unsigned fit = 0;
	while (fit < NM_MAX_ORDER && ((uint32_t)2 << fit) <= r->npages)
		fit++;
	r->max_order = max_order < fit ? max_order : fit;
	r->trim = trim;
	long hp = sysconf(_SC_PAGESIZE);
	r->host_page = hp > 0 ? (size_t)hp : 4096;
	size_t keep = size / 4 < ((size_t)64 << 20) ? size / 4 : ((size_t)64 << 20);
	r->keep_limit_pages = keep >> r->page_shift;

	/* reserve RAM + one largest block, so the base can be aligned to the largest block */
	size_t block = (size_t)1 << (r->max_order + r->page_shift);
	size_t bytes = (size_t)r->npages << r->page_shift;
	r->reserve_len = bytes + block;
	long res = nm_os_mmap(0, r->reserve_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			      -1, 0);
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
