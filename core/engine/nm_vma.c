/*
 * nm_vma.c - the mapping table: regions, vmas, and the page index that finds them.
 *
 * The page index holds, for every device page, the vma stored there.  Storing a vma
 * overwrites what was there, as the 6.1+ maple tree does: mapping an identical file
 * range twice leaves one findable vma, so only one munmap of it succeeds (oracle
 * RF19-RF21).  Lookups are O(1) per page; stores are O(pages), cheap next to the
 * zeroing or copying every new mapping costs anyway.
 */
#include "nm_core.h"
#include <errno.h>
#include "nm_os.h"
#include <string.h>

/* Table sizes: every anonymous or copied mapping holds at least one page of RAM, and
 * do_mmap() has no map-count limit, so a table holds a mapping per page, plus room for
 * mappings that hold no RAM of their own (shared regions) and for vm.max_map_count.
 * Entries are handed out from a high-water mark: untouched ones cost no memory. */
static uint32_t table_cap(const struct nm_engine *e)
{
	uint32_t floor = NM_MAX_MAP_COUNT + 1024;
	return e->ram.npages + 4096 > floor ? e->ram.npages + 4096 : floor;
}
#define NM_PCACHE_CAP 1024
#define NM_HOST_CAP 65536

int nm_tables_init(struct nm_engine *e)
{
	e->region_cap = table_cap(e);
	e->vma_cap = table_cap(e);
	e->pcache_cap = NM_PCACHE_CAP;
	e->host_cap = NM_HOST_CAP;
	e->regions = nm_os_table_alloc(sizeof(struct nm_region) * e->region_cap);
	e->vmas = nm_os_table_alloc(sizeof(struct nm_vma) * e->vma_cap);
	e->vma_at = nm_os_table_alloc(sizeof(uint32_t) * e->ram.npages);
	e->pcaches = nm_os_table_alloc(sizeof(struct nm_pcache) * e->pcache_cap);
	e->host_maps = nm_os_table_alloc(sizeof(struct nm_host_map) * e->host_cap);
	e->paths = nm_os_table_alloc(sizeof(*e->paths) * NM_PATHS);
	e->share_cap = e->region_cap;
	e->share = nm_os_table_alloc(sizeof(uint32_t) * e->share_cap);
	if (!e->regions || !e->vmas || !e->vma_at || !e->pcaches || !e->host_maps || !e->share || !e->paths)
		return -12;
	/* entries are handed out from a high-water mark, then recycled through free lists:
	 * nothing is written at start, so the host never faults in the untouched tables */
	e->region_free = e->vma_free = NM_NONE;
	return 0;
}

void nm_tables_fini(struct nm_engine *e)
{
	if (e->regions)
		nm_os_munmap((uintptr_t)e->regions, sizeof(struct nm_region) * e->region_cap);
	if (e->vmas)
		nm_os_munmap((uintptr_t)e->vmas, sizeof(struct nm_vma) * e->vma_cap);
	if (e->vma_at)
		nm_os_munmap((uintptr_t)e->vma_at, sizeof(uint32_t) * e->ram.npages);
	if (e->pcaches)
		nm_os_munmap((uintptr_t)e->pcaches, sizeof(struct nm_pcache) * e->pcache_cap);
	if (e->host_maps)
		nm_os_munmap((uintptr_t)e->host_maps, sizeof(struct nm_host_map) * e->host_cap);
	if (e->share)
		nm_os_munmap((uintptr_t)e->share, sizeof(uint32_t) * e->share_cap);
	if (e->paths)
		nm_os_munmap((uintptr_t)e->paths, sizeof(*e->paths) * NM_PATHS);
}

/* The region tree of mm/nommu.c, reduced to what is searched: shareable regions. */
void nm_share_add(struct nm_engine *e, uint32_t ri)
{
	e->regions[ri].shareable = true;
	e->regions[ri].share_slot = e->share_count;
	e->share[e->share_count++] = ri;
}

static void share_remove(struct nm_engine *e, uint32_t ri)
{
	uint32_t slot = e->regions[ri].share_slot;
	uint32_t last = e->share[--e->share_count];
	e->share[slot] = last;
	e->regions[last].share_slot = slot;
	e->regions[ri].shareable = false;
}

uint32_t nm_region_new(struct nm_engine *e)
{
	uint32_t ri = e->region_free;
	if (ri != NM_NONE)
		e->region_free = e->regions[ri].next_free;
	else if (e->region_hw < e->region_cap)
		ri = e->region_hw++;
	else
		return NM_NONE;
	memset(&e->regions[ri], 0, sizeof(struct nm_region));
	e->regions[ri].pcache = NM_NONE;
	e->regions[ri].path = NM_NONE;
	e->regions[ri].users = 1;
	return ri;
}

/* Drop one user of a region; the last one frees its RAM (__put_nommu_region). */
void nm_region_put(struct nm_engine *e, uint32_t ri)
{
	struct nm_region *rg = &e->regions[ri];
	if (--rg->users)
		return;
	if (rg->shareable)
		share_remove(e, ri);
	if (rg->kind == NM_REGION_DIRECT)
		nm_pcache_put(e, rg->pcache);
	else if (rg->top > rg->start)
		nm_ram_free(&e->ram, rg->start, rg->top - rg->start);
	rg->next_free = e->region_free;
	e->region_free = ri;
}

uint32_t nm_vma_new(struct nm_engine *e)
{
	uint32_t vi = e->vma_free;
	if (vi != NM_NONE)
		e->vma_free = e->vmas[vi].next_free;
	else if (e->vma_hw < e->vma_cap)
		vi = e->vma_hw++;
	else
		return NM_NONE;
	memset(&e->vmas[vi], 0, sizeof(struct nm_vma));
	return vi;
}

static inline uint32_t pfn_of(const struct nm_engine *e, uintptr_t a)
{
	return (uint32_t)((a - e->ram.base) >> e->ram.page_shift);
}

static void index_store(struct nm_engine *e, uintptr_t start, uintptr_t end, uint32_t value)
{
	uint32_t p = pfn_of(e, start), last = pfn_of(e, end - 1);
	for (; p <= last; p++)
		e->vma_at[p] = value;
}

/* Store a vma in the page index (overwriting what was stored there). */
/*
 * All RAM of the board is executable; the device RAM here is reserved read-write, so a
 * mapping asked for with PROT_EXEC (a JIT's code buffer, libffi's closures) gets the
 * host protection it needs to run.  Its pages get read-write back when freed
 * (host_protected, nm_ram_free).  A direct view of a file opened read-only stays
 * read-only.
 */
static void host_exec(struct nm_engine *e, const struct nm_vma *v)
{
	uintptr_t lo = v->start & ~(uintptr_t)(e->host_page - 1);
	uintptr_t hi = (v->end + e->host_page - 1) & ~(uintptr_t)(e->host_page - 1);
	if (!nm_ram_contains(&e->ram, v->start))
		return;
	e->ram.host_protected = true;
	if (nm_os_mprotect(lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) == -EACCES)
		nm_os_mprotect(lo, hi - lo, PROT_READ | PROT_EXEC);
}

void nm_vma_insert(struct nm_engine *e, uint32_t vi)
{
	struct nm_vma *v = &e->vmas[vi];
	v->live = true;
	e->vma_count++;
	index_store(e, v->start, v->end, vi + 1);
	if (v->prot & PROT_EXEC)
		host_exec(e, v);
}

/* Remove a vma: clear the pages that still point at it, drop its region. */
void nm_vma_erase(struct nm_engine *e, uint32_t vi)
{
	struct nm_vma *v = &e->vmas[vi];
	uint32_t p = pfn_of(e, v->start), last = pfn_of(e, v->end - 1);
	for (; p <= last; p++)
		if (e->vma_at[p] == vi + 1)
			e->vma_at[p] = 0;
	v->live = false;
	e->vma_count--;
	nm_region_put(e, v->region);
	v->next_free = e->vma_free;
	e->vma_free = vi;
}

void nm_vma_set_end(struct nm_engine *e, uint32_t vi, uintptr_t new_end)
{
	struct nm_vma *v = &e->vmas[vi];
	if (new_end < v->end) {
		uint32_t p = pfn_of(e, new_end), last = pfn_of(e, v->end - 1);
		for (; p <= last; p++)
			if (e->vma_at[p] == vi + 1)
				e->vma_at[p] = 0;
	} else if (new_end > v->end) {
		index_store(e, v->end, new_end, vi + 1);
	}
	v->end = new_end;
}

uint32_t nm_vma_at(struct nm_engine *e, uintptr_t addr)
{
	if (!nm_ram_contains(&e->ram, addr))
		return NM_NONE;
	uint32_t x = e->vma_at[pfn_of(e, addr)];
	return x ? x - 1 : NM_NONE;
}

/* First vma overlapping [start, end) (vma_find): scan the pages of the range. */
uint32_t nm_vma_find(struct nm_engine *e, uintptr_t start, uintptr_t end)
{
	struct nm_ram *r = &e->ram;
	uintptr_t ram_end = r->base + ((uintptr_t)r->npages << r->page_shift);
	if (end <= r->base || start >= ram_end)
		return NM_NONE;
	if (start < r->base)
		start = r->base;
	if (end > ram_end)
		end = ram_end;
	uint32_t p = pfn_of(e, start), last = pfn_of(e, end - 1);
	for (; p <= last; p++)
		if (e->vma_at[p])
			return e->vma_at[p] - 1;
	return NM_NONE;
}

/*
 * Split a vma at addr (split_vma): the vma keeps [addr, end), a new vma takes
 * [start, addr).  A region used by this vma alone is split with it, so each piece
 * frees its own pages later; a region shared with others stays whole (its pages go
 * when the last piece goes).
 */
int nm_vma_split(struct nm_engine *e, uint32_t vi, uintptr_t addr, bool check_count)
{
	if (check_count && e->vma_count >= NM_MAX_MAP_COUNT)
		return -12;
	uint32_t ni = nm_vma_new(e);
	if (ni == NM_NONE)
		return -12;
	struct nm_vma *v = &e->vmas[vi], *n = &e->vmas[ni];
	struct nm_region *rg = &e->regions[v->region];
	uint32_t npages = (uint32_t)((addr - v->start) >> e->ram.page_shift);
	uint32_t split_pfn = pfn_of(e, addr);

	*n = *v;
	n->end = addr;
	if (rg->users == 1 && rg->kind != NM_REGION_DIRECT && !rg->shareable && split_pfn > rg->start &&
	    split_pfn < rg->end) {
		uint32_t nri = nm_region_new(e);
		if (nri == NM_NONE) {
			n->next_free = e->vma_free;
			e->vma_free = ni;
			return -12;
		}
		rg = &e->regions[v->region]; /* (tables never move, kept for clarity) */
		struct nm_region *lower = &e->regions[nri];
		*lower = *rg;
		lower->users = 1;
		lower->end = lower->top = split_pfn;
		rg->start = split_pfn;
		rg->pgoff += npages;
		n->region = nri;
	} else {
		rg->users++;
	}
	v->start = addr;
	v->pgoff += npages;
	nm_vma_insert(e, ni);
	return 0;
}
