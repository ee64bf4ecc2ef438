/*
 * nm_check.c - the engine's invariants, walked after every call in debug builds
 * (NM_DEBUG; the unit tests are built so), as the kernel's validate_nommu_regions()
 * walks its region tree.  A broken invariant is a bug of nommu's: say which, abort.
 *
 *   free lists   each block aligned to its size, inside the RAM, its head marked with
 *                its order, linked both ways, on one list only
 *   fresh range  whole largest blocks, on no list
 *   free count   the pages on the lists plus the fresh range are free_pages
 *   ownership    no page is both free and held by a live region, page cache or shm
 *                segment, and held pages plus free pages are all the RAM
 *   page index   every entry points at a live vma that covers the page
 *   vmas         inside their region's memory; vma_count is the number of live ones
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_text.h"
#include <string.h>

#ifdef NM_DEBUG

static void broken(const char *what, unsigned long a, unsigned long b)
{
	char line[256];
	size_t n = 0;
	const char *head = "nommu: engine invariant broken: ";
	for (const char *p = head; *p && n < sizeof(line) - 64; p++)
		line[n++] = *p;
	for (const char *p = what; *p && n < sizeof(line) - 64; p++)
		line[n++] = *p;
	unsigned long v[2] = { a, b };
	for (int k = 0; k < 2; k++) {
		line[n++] = ' ';
		n += nm_utoa(line + n, v[k]);
	}
	line[n++] = '\n';
	nm_os_write(2, line, n);
	__builtin_trap();
}

/* Mark [pfn, pfn+pages) in owner[], which must be unowned so far. */
static void own(uint8_t *owner, uint32_t npages, uint32_t pfn, uint32_t pages, uint8_t who)
{
	if (pfn > npages || pages > npages - pfn)
		broken("range outside the RAM (pfn, pages)", pfn, pages);
	for (uint32_t i = 0; i < pages; i++) {
		if (owner[pfn + i])
			broken("page held twice (pfn, first holder)", pfn + i, owner[pfn + i]);
		owner[pfn + i] = who;
	}
}

enum {
	FREE = 1,
	FRESH,
	REGION,
	PCACHE,
	SHM
};

static void check_ram(const struct nm_ram *r, uint8_t *owner)
{
	size_t free = 0;
	for (unsigned o = 0; o <= NM_MAX_ORDER; o++) {
		uint32_t prev = NM_NONE, n = 0;
		for (uint32_t p = r->free_head[o]; p != NM_NONE; p = r->next[p]) {
			if (o > r->max_order || (p & (((uint32_t)1 << o) - 1)))
				broken("free block misaligned (pfn, order)", p, o);
			if (r->order[p] != o + 1)
				broken("free block head not marked with its order (pfn, order)", p, o);
			if (r->prev[p] != prev)
				broken("free list back link wrong (pfn, order)", p, o);
			if (++n > r->npages)
				broken("free list loops (order, length)", o, n);
			own(owner, r->npages, p, (uint32_t)1 << o, FREE);
			free += (size_t)1 << o;
			prev = p;
		}
	}
	uint32_t block = (uint32_t)1 << r->max_order;
	if (r->fresh > r->fresh_end || (r->fresh & (block - 1)) || (r->fresh_end & (block - 1)))
		broken("fresh range not whole largest blocks (fresh, end)", r->fresh, r->fresh_end);
	own(owner, r->npages, r->fresh, r->fresh_end - r->fresh, FRESH);
	free += r->fresh_end - r->fresh;
	if (free != r->free_pages)
		broken("free pages miscounted (on lists and fresh, counted)", free, r->free_pages);
}

static void check_holders(const struct nm_engine *e, uint8_t *owner)
{
	const struct nm_ram *r = &e->ram;
	for (uint32_t ri = 0; ri < e->region_hw; ri++) {
		const struct nm_region *rg = &e->regions[ri];
		if (!rg->users || rg->kind == NM_REGION_DIRECT)
			continue; /* free, or a window on a page cache counted below */
		if (rg->start > rg->end || rg->end > rg->top)
			broken("region bounds out of order (start, top)", rg->start, rg->top);
		own(owner, r->npages, rg->start, rg->top - rg->start, REGION);
	}
	for (uint32_t pi = 0; pi < e->pcache_cap; pi++)
		if (e->pcaches[pi].live)
			own(owner, r->npages, e->pcaches[pi].pfn, e->pcaches[pi].kept, PCACHE);
	for (unsigned i = 0; i < NM_SHM_SEGS; i++)
		if (e->shm[i].kept)
			own(owner, r->npages, e->shm[i].pfn, e->shm[i].kept, SHM);
	for (uint32_t p = 0; p < r->npages; p++)
		if (!owner[p])
			broken("page neither free nor held (pfn, 0)", p, 0);
}

static void check_vmas(const struct nm_engine *e)
{
	const struct nm_ram *r = &e->ram;
	uint32_t live = 0;
	for (uint32_t vi = 0; vi < e->vma_hw; vi++) {
		const struct nm_vma *v = &e->vmas[vi];
		if (!v->live)
			continue;
		live++;
		const struct nm_region *rg = &e->regions[v->region];
		if (v->start >= v->end || !rg->users)
			broken("live vma empty or on a free region (vma, region)", vi, v->region);
		uintptr_t lo = (uintptr_t)nm_ram_addr(r, rg->start), hi = (uintptr_t)nm_ram_addr(r, rg->top);
		if (v->start < lo || v->end > hi + rg->xip_off)
			broken("vma outside its region's memory (vma, region)", vi, v->region);
	}
	if (live != e->vma_count)
		broken("vma_count wrong (live, counted)", live, e->vma_count);
	for (uint32_t p = 0; p < r->npages; p++) {
		uint32_t at = e->vma_at[p];
		if (!at)
			continue;
		const struct nm_vma *v = &e->vmas[at - 1];
		uintptr_t a = (uintptr_t)nm_ram_addr(r, p);
		if (!v->live || a + r->page_size <= v->start || a >= v->end)
			broken("page index points at a vma not covering the page (pfn, vma)", p, at - 1);
	}
}

/* After every call while the walks are short (up to 128 MiB of 4 KiB pages and a few
 * thousand mappings); past that every 1024th call, or a stress test would go quadratic. */
void nm_engine_check(const struct nm_engine *e)
{
	static unsigned long calls;
	if ((size_t)e->ram.npages + e->vma_hw > 36000 && (++calls & 1023))
		return;
	size_t len = e->ram.npages ? e->ram.npages : 1;
	uint8_t *owner = nm_os_table_alloc(len);
	if (!owner)
		return;
	check_ram(&e->ram, owner);
	check_holders(e, owner);
	check_vmas(e);
	nm_os_munmap((uintptr_t)owner, len);
}

#endif
