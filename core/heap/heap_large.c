/* core/heap_large.c - large allocations: one page-source mapping each.
 *
 * Requests above the largest size class (and, in the simple model, every
 * request) get their own mapping.  The block starts at the mapping (or hdr
 * bytes into it, or at an aligned offset for memalign), so the table that
 * records blocks is keyed by the program's pointer: an open-addressing hash
 * (tombstones for removals) that starts inside struct nm_heap and grows into
 * page-source mappings.  Under large_lock; page-source calls happen unlocked,
 * except when the table itself grows.
 *
 * A freed pointer that is not in the table is a double free if it is among the
 * last NM_RING large blocks freed, else an invalid free.
 *
 * Fast model only: up to NM_LCACHE freed mappings (1 MiB in all, 512 KiB each)
 * are kept and reused for a request of about the same size, so a program that
 * mallocs and frees a 64 KiB buffer in a loop does not ask the engine (and
 * have it zero the block) every time.  Held device RAM is small and counted
 * as mapped; the heap gives it back before any page-source call that could
 * fail or report (nm_source_map trims).
 */
#include "heap.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define BIG_EMPTY 0
#define BIG_TOMB 1

static size_t big_hash(uintptr_t p, size_t cap)
{
	return (size_t)(((uint64_t)(p >> 4) * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* The table's own memory: host memory when the page source offers it (see meta_map). */
static void *table_map(struct nm_heap *h, size_t len)
{
	int err = 0;
	if (h->src.meta_map)
		return h->src.meta_map(h->src.ctx, len);
	return nm_source_map(h, len, &err, 1);
}
static void table_unmap(struct nm_heap *h, void *p, size_t len)
{
	if (h->src.meta_unmap)
		h->src.meta_unmap(h->src.ctx, p, len);
	else
		nm_source_unmap(h, p, len);
}

static struct nm_big *big_find(struct nm_heap *h, uintptr_t p)
{
	if (!h->big)
		return NULL;
	size_t i = big_hash(p, h->big_cap);
	for (;;) {
		struct nm_big *e = &h->big[i];
		if (e->ptr == p)
			return e;
		if (e->ptr == BIG_EMPTY)
			return NULL;
		i = (i + 1) & (h->big_cap - 1);
	}
}

static void big_put(struct nm_big *tab, size_t cap, const struct nm_big *v)
{
	size_t i = big_hash(v->ptr, cap);
	while (tab[i].ptr > BIG_TOMB)
		i = (i + 1) & (cap - 1);
	tab[i] = *v;
}

/* Make room for one more entry.  Called with large_lock held; drops it while
   mapping a bigger table, so the heap never calls the page source with a lock
   held (the engine's own lock then never nests inside a heap lock, and fork
   handlers can take them in any order).  -1 if the table cannot grow. */
static int big_reserve(struct nm_heap *h)
{
	for (;;) {
		if (!h->big) {
			h->big = h->big_inline;
			h->big_cap = NM_BIG_INLINE;
		}
		if ((h->big_fill + 1) * 4 <= h->big_cap * 3)
			return 0;
		size_t cap = h->big_cap;
		while ((h->big_live + 1) * 2 > cap)
			cap *= 2;
		if (cap == NM_BIG_INLINE && h->big == h->big_inline) {
			/* few live blocks, many tombstones: rehash the inline table in place */
			struct nm_big keep[NM_BIG_INLINE];
			size_t k = 0;
			for (size_t i = 0; i < NM_BIG_INLINE; i++)
				if (h->big[i].ptr > BIG_TOMB)
					keep[k++] = h->big[i];
			for (size_t i = 0; i < NM_BIG_INLINE; i++)
				h->big[i].ptr = BIG_EMPTY;
			for (size_t i = 0; i < k; i++)
				big_put(h->big, cap, &keep[i]);
			h->big_fill = k;
			return 0;
		}
		/* grow (or just drop tombstones) into a fresh mapping */
		size_t len = (cap * sizeof(struct nm_big) + h->page_size - 1) & ~(h->page_size - 1);
		nm_unlock(&h->large_lock);
		struct nm_big *tab = table_map(h, len);
		nm_lock(&h->large_lock);
		if (!tab)
			return -1;
		if ((h->big_fill + 1) * 4 <= h->big_cap * 3 || (h->big_live + 1) * 2 > cap) {
			/* another thread changed the table meanwhile: start over */
			nm_unlock(&h->large_lock);
			table_unmap(h, tab, len);
			nm_lock(&h->large_lock);
			continue;
		}
		for (size_t i = 0; i < h->big_cap; i++)
			if (h->big[i].ptr > BIG_TOMB)
				big_put(tab, cap, &h->big[i]);
		struct nm_big *old = h->big;
		size_t old_len = h->big_map_len;
		h->big = tab;
		h->big_cap = cap;
		h->big_map_len = len;
		h->big_fill = h->big_live;
		if (old_len) {
			nm_unlock(&h->large_lock);
			table_unmap(h, old, old_len);
			nm_lock(&h->large_lock);
		}
		return 0;
	}
}

/* Under large_lock; read unlocked as a hint by nm_large_alloc. */
static void lcache_bytes_add(struct nm_heap *h, intptr_t d)
{
	__atomic_store_n(&h->lcache_bytes, h->lcache_bytes + (size_t)d, __ATOMIC_RELAXED);
}

/* A cached free mapping of len in [need, need + need/4], taken out of the
   cache; under large_lock.  Keeps the device footprint close to a fresh map. */
static uintptr_t lcache_take(struct nm_heap *h, size_t need, size_t *len)
{
	for (unsigned i = 0; i < NM_LCACHE; i++) {
		struct nm_big *c = &h->lcache[i];
		if (c->base && c->len >= need && c->len <= need + need / 4) {
			uintptr_t base = c->base;
			*len = c->len;
			lcache_bytes_add(h, -(intptr_t)c->len);
			c->base = 0;
			return base;
		}
	}
	return 0;
}

/* Keep a freed mapping for reuse.  Fills drop[] with the mappings to unmap
   (the oldest cached one it replaces, and v itself if it does not fit the
   budget); returns how many.  Under large_lock. */
static unsigned lcache_put(struct nm_heap *h, struct nm_big v, struct nm_big drop[2])
{
	unsigned n = 0;
	if (!h->lcache_on || v.len > NM_LCACHE_MAX) {
		drop[n++] = v;
		return n;
	}
	struct nm_big *c = &h->lcache[h->lcache_pos++ % NM_LCACHE]; /* oldest first */
	if (c->base) {
		drop[n++] = *c;
		lcache_bytes_add(h, -(intptr_t)c->len);
		c->base = 0;
	}
	if (h->lcache_bytes + v.len > NM_LCACHE_BYTES) {
		drop[n++] = v;
		return n;
	}
	*c = v;
	lcache_bytes_add(h, (intptr_t)v.len);
	return n;
}

size_t nm_large_trim(struct nm_heap *h)
{
	struct nm_big drop[NM_LCACHE];
	size_t bytes = 0;
	unsigned n = 0;
	nm_lock(&h->large_lock);
	for (unsigned i = 0; i < NM_LCACHE; i++) {
		if (h->lcache[i].base) {
			drop[n++] = h->lcache[i];
			bytes += h->lcache[i].len;
			h->lcache[i].base = 0;
		}
	}
	__atomic_store_n(&h->lcache_bytes, 0, __ATOMIC_RELAXED);
	nm_unlock(&h->large_lock);
	for (unsigned i = 0; i < n; i++)
		nm_source_unmap(h, (void *)drop[i].base, drop[i].len);
	return bytes;
}

void *nm_large_alloc(struct nm_heap *h, size_t n, size_t align, size_t hdr, int zero, const void *caller)
{
	size_t page = h->page_size;
	nm_stat_request(h, n);
	nm_heap_note_request(n, caller);
	if (n > PTRDIFF_MAX - hdr - 2 * (page + align)) {
		/* no machine could: fail like glibc, nothing device-specific to report */
		atomic_fetch_add_explicit(&h->st_failed, 1, memory_order_relaxed);
		errno = ENOMEM;
		return NULL;
	}
	if (align <= NM_ALIGN)
		align = NM_ALIGN;
	else
		hdr = 0; /* aligned blocks keep no header: the table knows their size */
	size_t need = (hdr + n + page - 1) & ~(page - 1);
	if (need == 0)
		need = page;
	size_t len = need;
	if (align > page && len < align)
		len = align; /* a block of >= align bytes comes naturally aligned from the engine */

	/* a recently freed mapping of about the size: no page-source call */
	char *base = NULL;
	int reused = 0;
	if (align <= page && __atomic_load_n(&h->lcache_bytes, __ATOMIC_RELAXED)) {
		nm_lock(&h->large_lock);
		base = (char *)lcache_take(h, need, &len);
		nm_unlock(&h->large_lock);
		reused = base != NULL;
	}
	int err = 0;
	if (!base) /* malloc's blocks need no zeros: nothing cleared, nothing faulted in */
		base = nm_source_map_ex(h, len, &err, 1, !zero);
	uintptr_t p = (uintptr_t)base + hdr;
	if (base && align > page && ((uintptr_t)base & (align - 1))) {
		/* the source did not align it (host memory): map more, align inside */
		nm_source_unmap(h, base, len);
		len = need + align - page;
		base = nm_source_map_ex(h, len, &err, 1, !zero);
		p = ((uintptr_t)base + align - 1) & ~(uintptr_t)(align - 1);
	}
	if (!base) {
		nm_heap_report(h, NM_HEAP_NO_MEMORY, NULL, n, caller);
		errno = err ? err : ENOMEM;
		return NULL;
	}
	if (reused && zero)
		memset((void *)p, 0, n);
	if (hdr >= sizeof(size_t))
		*(size_t *)(p - hdr) = n; /* the size word uClibc-ng keeps there */

	struct nm_big e = { p, (uintptr_t)base, len, (uintptr_t)base + len - p };
	nm_lock(&h->large_lock);
	if (big_reserve(h) != 0) {
		nm_unlock(&h->large_lock);
		nm_source_unmap(h, base, len);
		nm_heap_report(h, NM_HEAP_NO_MEMORY, NULL, n, caller);
		errno = ENOMEM;
		return NULL;
	}
	struct nm_big *slot = &h->big[big_hash(p, h->big_cap)];
	while (slot->ptr > BIG_TOMB)
		slot = slot + 1 == h->big + h->big_cap ? h->big : slot + 1;
	if (slot->ptr == BIG_EMPTY)
		h->big_fill++;
	*slot = e;
	h->big_live++;
	nm_unlock(&h->large_lock);
	atomic_fetch_add_explicit(&h->st_large_in_use, e.size, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->st_large_count, 1, memory_order_relaxed);
	nm_stat_in_use(h, (intptr_t)e.size);
	return (void *)p;
}

int nm_large_free(struct nm_heap *h, void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	nm_lock(&h->large_lock);
	struct nm_big *e = big_find(h, p);
	if (!e) {
		enum nm_heap_event kind = NM_HEAP_INVALID_FREE;
		for (unsigned i = 0; i < NM_RING; i++)
			if (h->ring[i] == p)
				kind = NM_HEAP_DOUBLE_FREE;
		nm_unlock(&h->large_lock);
		return kind;
	}
	struct nm_big v = *e;
	e->ptr = BIG_TOMB;
	h->big_live--;
	h->ring[h->ring_pos++ % NM_RING] = p;
	struct nm_big drop[2];
	unsigned ndrop = lcache_put(h, v, drop);
	nm_unlock(&h->large_lock);
	for (unsigned i = 0; i < ndrop; i++)
		nm_source_unmap(h, (void *)drop[i].base, drop[i].len);
	atomic_fetch_sub_explicit(&h->st_large_in_use, v.size, memory_order_relaxed);
	atomic_fetch_sub_explicit(&h->st_large_count, 1, memory_order_relaxed);
	nm_stat_in_use(h, -(intptr_t)v.size);
	return 0;
}

int nm_large_grow(struct nm_heap *h, void *ptr, size_t n)
{
	uintptr_t p = (uintptr_t)ptr;
	if (!h->src.grow)
		return 0;
	nm_lock(&h->large_lock);
	struct nm_big *e = big_find(h, p);
	struct nm_big v = e ? *e : (struct nm_big){ 0 };
	nm_unlock(&h->large_lock);
	size_t off = p - v.base, page = h->page_size;
	if (!e || n > PTRDIFF_MAX - off - page)
		return 0;
	size_t need = (off + n + page - 1) & ~(page - 1);
	/* the page source is called unlocked (lock order); p is the caller's own
       block, so only the table may change meanwhile: look the entry up again */
	if (need <= v.len || h->src.grow(h->src.ctx, (void *)v.base, v.len, need) != 0)
		return 0;
	nm_stat_mapped(h, (intptr_t)(need - v.len), 0);
	nm_stat_request(h, n);
	size_t size = v.base + need - p;
	nm_lock(&h->large_lock);
	e = big_find(h, p);
	e->len = need;
	e->size = size;
	nm_unlock(&h->large_lock);
	atomic_fetch_add_explicit(&h->st_large_in_use, size - v.size, memory_order_relaxed);
	nm_stat_in_use(h, (intptr_t)(need - v.len));
	return 1;
}

size_t nm_large_usable(struct nm_heap *h, const void *p)
{
	nm_lock(&h->large_lock);
	struct nm_big *e = big_find(h, (uintptr_t)p);
	size_t n = e ? e->size : 0;
	nm_unlock(&h->large_lock);
	return n;
}

void nm_large_destroy_all(struct nm_heap *h)
{
	nm_large_trim(h);
	/* single-threaded by contract (nm_heap_destroy) */
	if (h->big) {
		for (size_t i = 0; i < h->big_cap; i++)
			if (h->big[i].ptr > BIG_TOMB)
				nm_source_unmap(h, (void *)h->big[i].base, h->big[i].len);
		if (h->big_map_len)
			table_unmap(h, h->big, h->big_map_len);
	}
	h->big = NULL;
	h->big_cap = h->big_live = h->big_fill = h->big_map_len = 0;
}
