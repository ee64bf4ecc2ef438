/* core/heap_uclibc.c - the "uclibc" heap model: uClibc-ng's default no-MMU malloc.
 *
 * What a program gets on a uClinux board whose uClibc-ng is built with its
 * default allocator (MALLOC, libc/stdlib/malloc/ in uClibc-ng; not
 * malloc-simple, not malloc-standard).  Reimplemented from the description of
 * its behaviour below, file by file; the code here is our own.
 *
 *  - The heap is a list of free areas kept sorted by address.  Each free area
 *    holds its descriptor {size, next, prev} in its last bytes (a "footer", so
 *    allocating from the front of an area only changes its size).  [heap.h]
 *  - malloc is first fit: the lowest-addressed area that is large enough gives
 *    its front; an area that would be left smaller than HEAP_MIN_FREE_AREA_SIZE
 *    is handed out whole.  [heap_alloc.c, heap.h __heap_free_area_alloc]
 *  - Every block starts with a header of MALLOC_HEADER_SIZE bytes whose first
 *    word is the block's total size (header included).  [malloc.h]
 *  - free puts the block back in address order, merging it with the areas just
 *    before and after it.  [heap_free.c]
 *  - When no area fits, the heap grows by one mmap of
 *    max(MALLOC_HEAP_EXTEND_SIZE, size rounded up to pages) - here one
 *    page-source mapping - which is freed into the heap; then the allocation
 *    is retried.  [malloc.c __malloc_from_heap]
 *  - uClinux's munmap can only unmap whole mappings exactly as mapped
 *    (__UCLIBC_UCLINUX_BROKEN_MUNMAP__), so malloc records every mapping it took
 *    (the malloc_mmb list, sorted by address) and free, once the merged free
 *    area reaches MALLOC_UNMAP_THRESHOLD, unmaps the recorded mappings that lie
 *    wholly inside it, keeping MALLOC_MIN_SIZE if the heap would otherwise be
 *    left with no free memory at all.  [malloc.c, free.c, malloc.h]
 *  - realloc shrinks in place (giving the tail back when at least
 *    MALLOC_REALLOC_MIN_FREE_SIZE is freed), grows in place through
 *    __heap_alloc_at, else mallocs, copies and frees.  [realloc.c, heap_alloc_at.c]
 *  - memalign mallocs size + 2 * alignment and gives the unused head and tail
 *    back to the heap.  [memalign.c]
 *  - One lock for the heap, dropped around mmap and munmap.  [malloc.c, free.c]
 *
 * Sizes: uClibc-ng's MALLOC_ALIGNMENT / HEAP_GRANULARITY / MALLOC_HEADER_SIZE
 * are the word size (8 on a 64-bit target, 4 or 8 on 32-bit boards); here they
 * are all 16 so that programs keep glibc's x86_64 alignment guarantee.  The
 * derived sizes follow uClibc-ng's formulas with that granularity.
 *
 * Differences, all deliberate:
 *  - Checks that uClibc-ng does not make: free/realloc of a pointer that is not
 *    a live block is reported (NM_HEAP_DOUBLE_FREE / NM_HEAP_INVALID_FREE) and
 *    ignored.  The header's second word (unused in uClibc-ng) holds a tag
 *    derived from the heap's random key, the block address and its size; a
 *    freed block's header is re-tagged as free.  A pointer must also be
 *    16-aligned and lie in one of the heap's mappings, and the block must not
 *    overlap a free area, before anything is changed.
 *  - The mapping records live in a sorted array (inside struct nm_heap, then
 *    in a page-source mapping of its own when it outgrows that) instead of a
 *    list allocated from a second small heap (__malloc_mmb_heap); the array
 *    also answers "is this pointer in the heap" by binary search.
 *  - uClibc-ng starts with a 256-byte static free area in .bss; not modelled
 *    (the first allocation maps a page).
 *  - nm_heap_trim (malloc_trim) unmaps every mapping lying wholly in a free
 *    area; uClibc-ng's malloc has no malloc_trim.
 *
 * Kept as uClibc-ng does it, though it looks unintended: __heap_alloc_at scans
 * the (ascending) free list and stops at the first area that starts at or
 * below the end of the block, so realloc grows a block in place only when no
 * free area lies below it.  See heap_alloc_at() below.
 *
 * Locking: everything is under h->uc_lock.  The page source is never called
 * with it held: it is dropped around map (growth, and the mapping table's own
 * growth) and unmap, as uClibc-ng drops its heap lock around mmap / munmap.
 * Memory being added or unmapped is in no list while the lock is dropped, so
 * no other thread can reach it.
 */
#include "heap.h"

#include <errno.h>
#include <string.h>

typedef struct nm_uc_area area_t;

/* MALLOC_HEADER_SIZE and HEAP_GRANULARITY (malloc.h, heap.h): 16 here. */
#define UC_HDR ((size_t)NM_ALIGN)
#define UC_GRAN ((size_t)NM_ALIGN)
/* HEAP_ADJUST_SIZE (heap.h) */
#define UC_ADJUST(n) (((n) + UC_GRAN - 1) & ~(UC_GRAN - 1))
/* HEAP_MIN_SIZE (heap.h): every block can hold a free-area footer (32 bytes) */
#define UC_MIN_SIZE UC_ADJUST(sizeof(area_t))
/* HEAP_MIN_FREE_AREA_SIZE (heap.h): smaller leftovers go with the block (64) */
#define UC_MIN_FREE_AREA UC_ADJUST(sizeof(area_t) + 32)
/* MALLOC_REALLOC_MIN_FREE_SIZE (malloc.h): HEAP_MIN_SIZE + 16 */
#define UC_REALLOC_MIN_FREE (UC_MIN_SIZE + 16)
/* MALLOC_HEAP_EXTEND_SIZE (malloc.h): one page */
#define UC_EXTEND(h) ((h)->page_size)
/* MALLOC_UNMAP_THRESHOLD (malloc.h): 8 pages */
#define UC_UNMAP_THRESHOLD(h) (8 * (h)->page_size)
/* MALLOC_MIN_SIZE (malloc.h): kept when unmapping would empty the heap */
#define UC_KEEP(h) (2 * (h)->page_size)

/* ---- free areas (uClibc-ng heap.h, heap_alloc.c, heap_free.c) ---- */

static inline uintptr_t fa_end(const area_t *fa)
{
	return (uintptr_t)(fa + 1);
}
static inline uintptr_t fa_start(const area_t *fa)
{
	return (uintptr_t)(fa + 1) - fa->size;
}

static void fa_unlink(struct nm_heap *h, area_t *fa)
{
	if (fa->next)
		fa->next->prev = fa->prev;
	if (fa->prev)
		fa->prev->next = fa->next;
	else
		h->uc_free = fa->next;
}

static void fa_link(struct nm_heap *h, area_t *fa, area_t *prev, area_t *next)
{
	fa->prev = prev;
	fa->next = next;
	if (prev)
		prev->next = fa;
	else
		h->uc_free = fa;
	if (next)
		next->prev = fa;
}

/* Take size bytes from the front of fa; returns what was taken (all of fa when
   the rest would be too small to be worth keeping as an area). */
static size_t fa_take(struct nm_heap *h, area_t *fa, size_t size)
{
	if (fa->size < size + UC_MIN_FREE_AREA) {
		fa_unlink(h, fa);
		return fa->size;
	}
	fa->size -= size;
	return size;
}

/* First fit.  *size (granularity-adjusted, >= UC_MIN_SIZE) becomes the size
   actually taken.  0 if no area is large enough. */
static uintptr_t heap_alloc(struct nm_heap *h, size_t *size)
{
	for (area_t *fa = h->uc_free; fa; fa = fa->next) {
		if (fa->size >= *size) {
			uintptr_t mem = fa_start(fa);
			*size = fa_take(h, fa, *size);
			return mem;
		}
	}
	return 0;
}

/* Extend the block ending at mem by size bytes from the free area starting
   exactly there; returns the bytes added (0 = cannot).
   uClibc-ng's __heap_alloc_at walks the list from its (lowest) head and stops
   at the first area that starts at or below mem; the list being in ascending
   order, that is the head unless every free area lies above the block.  So on
   the board a block grows in place only when no free area lies below it; this
   does the same. */
static size_t heap_alloc_at(struct nm_heap *h, uintptr_t mem, size_t size)
{
	size = UC_ADJUST(size);
	for (area_t *fa = h->uc_free; fa; fa = fa->next) {
		uintptr_t s = fa_start(fa);
		if (s <= mem) {
			if (s == mem && fa->size >= size)
				return fa_take(h, fa, size);
			break;
		}
	}
	return 0;
}

/* Put [mem, mem + size) back in the heap, merging with its neighbours.
   Returns the area that now holds it, or NULL (nothing changed) when the
   range overlaps a free area - a corrupt or forged block. */
static area_t *heap_free(struct nm_heap *h, uintptr_t mem, size_t size)
{
	uintptr_t end = mem + size;
	area_t *prev = NULL, *fa = h->uc_free;
	/* the first area ending at or after mem (the one to merge with or insert before) */
	while (fa && fa_end(fa) < mem) {
		prev = fa;
		fa = fa->next;
	}
	if (fa && fa_end(fa) > mem && fa_start(fa) < end)
		return NULL;
	if (fa && fa_end(fa) == mem) {
		/* fa is just before the block: it grows up over it */
		area_t *next = fa->next;
		size_t total = fa->size + size;
		if (next && fa_start(next) == end) {
			/* and the block closes the gap to next: one area, next's footer */
			total += next->size;
			next->prev = prev;
			if (prev)
				prev->next = next;
			else
				h->uc_free = next;
			fa = next;
		} else {
			/* the footer moves to the new end */
			area_t *moved = (area_t *)((char *)fa + size);
			fa_link(h, moved, prev, next);
			fa = moved;
		}
		fa->size = total;
	} else if (fa && fa_start(fa) == end) {
		/* fa is just after the block: it grows down (its footer stays) */
		fa->size += size;
	} else {
		/* a separate area between prev and fa */
		area_t *n = (area_t *)(end - sizeof(area_t));
		n->size = size;
		fa_link(h, n, prev, fa);
		fa = n;
	}
	return fa;
}

/* ---- the mappings the heap took (uClibc-ng's malloc_mmb list) ---- */

/* Index of the first mapping whose base is >= a. */
static size_t map_lower(const struct nm_heap *h, uintptr_t a)
{
	size_t lo = 0, hi = h->uc_nmaps;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h->uc_maps[mid].base < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does one of the heap's mappings contain address a? */
static int map_has(const struct nm_heap *h, uintptr_t a)
{
	size_t i = map_lower(h, a + 1); /* first base above a */
	return i > 0 && a - h->uc_maps[i - 1].base < h->uc_maps[i - 1].len;
}

/* Room for one more record; called locked, may drop the lock to map a larger
   table (as heap_large.c's big_reserve).  -1 if the table cannot grow. */
static int map_reserve(struct nm_heap *h)
{
	for (;;) {
		if (!h->uc_maps) {
			h->uc_maps = h->uc_maps_inline;
			h->uc_cap = NM_UC_INLINE;
		}
		if (h->uc_nmaps < h->uc_cap)
			return 0;
		size_t len = (2 * h->uc_cap * sizeof(struct nm_uc_map) + h->page_size - 1) & ~(h->page_size - 1);
		int err = 0;
		nm_unlock(&h->uc_lock);
		struct nm_uc_map *tab = nm_source_map(h, len, &err, 1);
		nm_lock(&h->uc_lock);
		if (!tab)
			return -1;
		if (h->uc_nmaps < h->uc_cap || h->uc_cap >= len / sizeof *tab) {
			/* another thread made room meanwhile */
			nm_unlock(&h->uc_lock);
			nm_source_unmap(h, tab, len);
			nm_lock(&h->uc_lock);
			continue;
		}
		memcpy(tab, h->uc_maps, h->uc_nmaps * sizeof *tab);
		struct nm_uc_map *old = h->uc_maps;
		size_t old_len = h->uc_maps_len;
		h->uc_maps = tab;
		h->uc_cap = len / sizeof *tab;
		h->uc_maps_len = len;
		if (old_len) {
			nm_unlock(&h->uc_lock);
			nm_source_unmap(h, old, old_len);
			nm_lock(&h->uc_lock);
		}
		/* others may have filled it while the lock was dropped: check again */
	}
}

static void map_insert(struct nm_heap *h, uintptr_t base, size_t len)
{
	size_t i = map_lower(h, base);
	memmove(&h->uc_maps[i + 1], &h->uc_maps[i], (h->uc_nmaps - i) * sizeof *h->uc_maps);
	h->uc_maps[i].base = base;
	h->uc_maps[i].len = len;
	h->uc_nmaps++;
}

static void map_remove(struct nm_heap *h, size_t i)
{
	h->uc_nmaps--;
	memmove(&h->uc_maps[i], &h->uc_maps[i + 1], (h->uc_nmaps - i) * sizeof *h->uc_maps);
}

/* ---- block headers ---- */

/* word 0: the block's size, header included (MALLOC_SIZE in uClibc-ng);
   word 1: tag of a live block.  A freed block gets freed_tag in word 0. */
static inline uintptr_t live_tag(const struct nm_heap *h, uintptr_t base, size_t size)
{
	return (uintptr_t)h->key ^ base ^ ((uintptr_t)size * 0x9E3779B97F4A7C15ull);
}
static inline uintptr_t freed_tag(const struct nm_heap *h, uintptr_t base)
{
	return ~((uintptr_t)h->key ^ base);
}
static inline void set_header(const struct nm_heap *h, uintptr_t base, size_t size)
{
	uintptr_t *w = (uintptr_t *)base;
	w[0] = size;
	w[1] = live_tag(h, base, size);
}

static int ring_has(const struct nm_heap *h, uintptr_t a)
{
	for (unsigned i = 0; i < NM_RING; i++)
		if (h->uc_ring[i] == a)
			return 1;
	return 0;
}

/* Locked.  0 if a is a live block (its base and size out), else the kind of
   violation a free of a is.  Reads memory only inside the heap's mappings. */
static int block_check(const struct nm_heap *h, uintptr_t a, uintptr_t *base_out, size_t *size_out)
{
	uintptr_t base = a - UC_HDR;
	if ((a & (UC_GRAN - 1)) || a < UC_HDR || !map_has(h, base))
		return ring_has(h, a) ? NM_HEAP_DOUBLE_FREE : NM_HEAP_INVALID_FREE;
	const uintptr_t *w = (const uintptr_t *)base;
	size_t size = w[0];
	if (w[1] == live_tag(h, base, size) && size >= UC_MIN_SIZE && !(size & (UC_GRAN - 1)) && size <= PTRDIFF_MAX &&
	    map_has(h, base + size - 1)) {
		*base_out = base;
		*size_out = size;
		return 0;
	}
	return w[0] == freed_tag(h, base) || ring_has(h, a) ? NM_HEAP_DOUBLE_FREE : NM_HEAP_INVALID_FREE;
}

/* ---- giving mappings back (uClibc-ng free.c, __UCLIBC_UCLINUX_BROKEN_MUNMAP__) ---- */

/* fa has grown to MALLOC_UNMAP_THRESHOLD or more: take it out of the heap,
   unmap the recorded mappings wholly inside it, put the rest back.  Called
   locked; returns unlocked. */
static void release(struct nm_heap *h, area_t *fa)
{
	uintptr_t start = fa_start(fa), end = fa_end(fa);
	fa_unlink(h, fa);
	if (!h->uc_free) {
		/* the heap would have no free memory left: keep MALLOC_MIN_SIZE of it */
		heap_free(h, start, UC_KEEP(h));
		start += UC_KEEP(h);
	}
	size_t i = map_lower(h, start);
	while (i < h->uc_nmaps && h->uc_maps[i].base + h->uc_maps[i].len <= end) {
		uintptr_t ms = h->uc_maps[i].base, me = ms + h->uc_maps[i].len;
		/* a gap before the mapping must be large enough to stay a free area */
		if (ms == start || ms - start > UC_MIN_FREE_AREA) {
			/* ...and so must what is left after it, else stop here */
			if (me != end && me + UC_MIN_FREE_AREA > end)
				break;
			if (ms != start)
				heap_free(h, start, ms - start);
			map_remove(h, i);
			start = me;
			/* munmap unlocked; [start, end) is in no list meanwhile */
			nm_unlock(&h->uc_lock);
			nm_source_unmap(h, (void *)ms, me - ms);
			nm_lock(&h->uc_lock);
			/* the table may have changed: look again from start (uClibc-ng
               restarts its list walk too) */
			i = map_lower(h, start);
		} else {
			i++;
		}
	}
	if (start != end)
		heap_free(h, start, end - start);
	nm_unlock(&h->uc_lock);
}

/* ---- malloc / free ---- */

/* Requests no machine could serve: fail as glibc does, nothing to report. */
static void *impossible(struct nm_heap *h)
{
	atomic_fetch_add_explicit(&h->st_failed, 1, memory_order_relaxed);
	errno = ENOMEM;
	return NULL;
}

/* malloc(n); req = the program's request, for the stats and the report. */
static void *uc_alloc(struct nm_heap *h, size_t n, size_t req, const void *caller)
{
	nm_stat_request(h, req);
	nm_heap_note_request(req, caller);
	if (n > PTRDIFF_MAX - 2 * h->page_size)
		return impossible(h); /* uClibc-ng: size > -2 * MALLOC_HEADER_SIZE -> ENOMEM */
	if (n == 0)
		n = 1; /* uClibc-ng's malloc(0) is malloc(1) */
	size_t need = UC_ADJUST(n + UC_HDR);
	if (need < UC_MIN_SIZE)
		need = UC_MIN_SIZE;
	size_t size = need;
	nm_lock(&h->uc_lock);
	uintptr_t base = heap_alloc(h, &size);
	nm_unlock(&h->uc_lock);
	if (NM_UNLIKELY(!base)) {
		/* grow: one mapping of max(extend size, the block rounded to pages) */
		size_t len = (need + h->page_size - 1) & ~(h->page_size - 1);
		if (len < UC_EXTEND(h))
			len = UC_EXTEND(h);
		int err = 0;
		/* uClibc-ng maps with MAP_UNINITIALIZED: the area's old bytes stay (its
           calloc clears what it hands out) */
		void *blk = nm_source_map_ex(h, len, &err, 1, 1);
		if (!blk)
			goto oom;
		nm_lock(&h->uc_lock);
		if (map_reserve(h) != 0) {
			nm_unlock(&h->uc_lock);
			nm_source_unmap(h, blk, len);
			goto oom;
		}
		map_insert(h, (uintptr_t)blk, len);
		heap_free(h, (uintptr_t)blk, len);
		size = need;
		base = heap_alloc(h, &size); /* cannot fail: blk's area alone fits */
		nm_unlock(&h->uc_lock);
	}
	set_header(h, base, size);
	nm_stat_in_use(h, (intptr_t)(size - UC_HDR));
	return (void *)(base + UC_HDR);
oom:
	nm_heap_report(h, NM_HEAP_NO_MEMORY, NULL, req, caller);
	errno = ENOMEM;
	return NULL;
}

void *nm_uc_malloc(struct nm_heap *h, size_t n, const void *caller)
{
	return uc_alloc(h, n, n, caller);
}

void nm_uc_free(struct nm_heap *h, void *p, const void *caller)
{
	uintptr_t a = (uintptr_t)p, base = 0;
	size_t size = 0;
	int saved = errno;
	if (!p)
		return;
	nm_lock(&h->uc_lock);
	int bad = block_check(h, a, &base, &size);
	if (!bad) {
		uintptr_t *w = (uintptr_t *)base, w0 = w[0], w1 = w[1];
		w[0] = freed_tag(h, base);
		w[1] = 0;
		area_t *fa = heap_free(h, base, size);
		if (NM_UNLIKELY(!fa)) {
			/* a good header on a block that overlaps free memory: forged */
			w[0] = w0;
			w[1] = w1;
			bad = NM_HEAP_INVALID_FREE;
		} else {
			h->uc_ring[h->uc_ring_pos++ % NM_RING] = a;
			nm_stat_in_use(h, -(intptr_t)(size - UC_HDR));
			if (fa->size >= UC_UNMAP_THRESHOLD(h)) {
				release(h, fa); /* unlocks */
				errno = saved;
				return;
			}
		}
	}
	nm_unlock(&h->uc_lock);
	if (bad)
		nm_heap_report(h, bad, p, 0, caller);
	errno = saved;
}

/* ---- calloc / realloc / memalign ---- */

void *nm_uc_calloc(struct nm_heap *h, size_t nmemb, size_t size, const void *caller)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM; /* uClibc-ng's calloc checks the product too */
		return NULL;
	}
	void *p = uc_alloc(h, n, n, caller);
	if (p)
		memset(p, 0, n); /* uClinux maps heap memory MAP_UNINITIALIZED, and it is reused */
	return p;
}

void *nm_uc_realloc(struct nm_heap *h, void *p, size_t n, const void *caller)
{
	if (!p)
		return uc_alloc(h, n, n, caller);
	if (n == 0) {
		nm_uc_free(h, p, caller); /* uClibc-ng (and glibc): free, return NULL */
		return NULL;
	}
	nm_stat_request(h, n);
	if (n > PTRDIFF_MAX - 2 * h->page_size)
		return impossible(h);
	size_t need = UC_ADJUST(n + UC_HDR), size = 0;
	uintptr_t base = 0;
	if (need < UC_MIN_SIZE)
		need = UC_MIN_SIZE;
	nm_lock(&h->uc_lock);
	int bad = block_check(h, (uintptr_t)p, &base, &size);
	if (bad) {
		/* glibc would abort; report and fail, leaving the block alone */
		nm_unlock(&h->uc_lock);
		nm_heap_report(h, bad, p, 0, caller);
		errno = ENOMEM;
		return NULL;
	}
	if (need > size) {
		size_t extra = heap_alloc_at(h, base + size, need - size);
		if (extra) {
			set_header(h, base, size + extra);
			nm_unlock(&h->uc_lock);
			nm_stat_in_use(h, (intptr_t)extra);
			return p;
		}
		nm_unlock(&h->uc_lock);
		void *q = uc_alloc(h, n, n, caller);
		if (!q)
			return NULL; /* p untouched */
		memcpy(q, p, size - UC_HDR);
		nm_uc_free(h, p, caller);
		return q;
	}
	if (need + UC_REALLOC_MIN_FREE <= size) {
		/* shrink: the tail goes back to the heap (no unmapping, as uClibc-ng) */
		heap_free(h, base + need, size - need);
		set_header(h, base, need);
		nm_unlock(&h->uc_lock);
		nm_stat_in_use(h, -(intptr_t)(size - need));
		return p;
	}
	nm_unlock(&h->uc_lock);
	return p;
}

/*      ______________________ TOTAL _________________________
 *     |    head     |        the block            |   tail   |
 *     base     aligned addr - header         addr + size   tot_end
 * head and tail (when large enough) go back to the heap (uClibc-ng memalign.c). */
void *nm_uc_memalign(struct nm_heap *h, size_t align, size_t n, const void *caller)
{
	if (align <= UC_GRAN)
		return uc_alloc(h, n, n, caller); /* malloc's blocks are aligned already */
	if (align > ((size_t)1 << 40) || n > PTRDIFF_MAX - 2 * align - 2 * h->page_size) {
		nm_stat_request(h, n);
		return impossible(h);
	}
	size_t size = UC_ADJUST(n);
	if (size < UC_MIN_SIZE - UC_HDR)
		size = UC_MIN_SIZE - UC_HDR; /* uClibc-ng lets memalign(a, 0) make a block too small to free */
	uintptr_t mem = (uintptr_t)uc_alloc(h, size + 2 * align, n, caller);
	if (!mem)
		return NULL;
	nm_lock(&h->uc_lock);
	uintptr_t base = mem - UC_HDR;
	size_t old = *(const size_t *)base;
	uintptr_t tot_end = base + old;
	uintptr_t addr = (mem + align - 1) & ~(uintptr_t)(align - 1);
	if (addr != mem) {
		size_t init = addr - mem;
		if (init < UC_MIN_SIZE) {
			/* the head must be able to hold a free area */
			addr = (mem + UC_MIN_SIZE + align - 1) & ~(uintptr_t)(align - 1);
			init = addr - mem;
		}
		((uintptr_t *)base)[0] = ((uintptr_t *)base)[1] = 0; /* no longer a block */
		heap_free(h, base, init);
		base += init;
	}
	uintptr_t end = addr + size;
	if (end + UC_REALLOC_MIN_FREE < tot_end)
		heap_free(h, end, tot_end - end);
	else
		end = tot_end;
	set_header(h, base, end - base);
	nm_unlock(&h->uc_lock);
	nm_stat_in_use(h, (intptr_t)(end - base) - (intptr_t)old);
	return (void *)addr;
}

/* ---- queries ---- */

int nm_uc_classify(struct nm_heap *h, const void *p, size_t *usable)
{
	uintptr_t base;
	size_t size = 0;
	nm_lock(&h->uc_lock);
	int bad = block_check(h, (uintptr_t)p, &base, &size);
	nm_unlock(&h->uc_lock);
	*usable = bad ? 0 : size - UC_HDR;
	return bad;
}

size_t nm_uc_usable(struct nm_heap *h, const void *p)
{
	size_t n;
	return nm_uc_classify(h, p, &n) ? 0 : n;
}

/* ---- trim, destroy, fork ---- */

/* Unmap every mapping lying wholly in a free area (leftovers on either side
   must stay valid areas).  Not in uClibc-ng: what malloc_trim does here. */
int nm_uc_trim(struct nm_heap *h)
{
	int saved = errno, any = 0;
	for (;;) {
		nm_lock(&h->uc_lock);
		area_t *fa = h->uc_free;
		size_t i = 0;
		while (fa && i < h->uc_nmaps) {
			uintptr_t ms = h->uc_maps[i].base, me = ms + h->uc_maps[i].len;
			if (fa_end(fa) < me) {
				fa = fa->next; /* ends before the mapping does: cannot hold it */
				continue;
			}
			uintptr_t s = fa_start(fa), e = fa_end(fa);
			if (s <= ms && (s == ms || ms - s > UC_MIN_FREE_AREA) && (e == me || e - me > UC_MIN_FREE_AREA))
				break;
			i++;
		}
		if (!fa || i >= h->uc_nmaps) {
			nm_unlock(&h->uc_lock);
			break;
		}
		uintptr_t s = fa_start(fa), e = fa_end(fa);
		uintptr_t ms = h->uc_maps[i].base, me = ms + h->uc_maps[i].len;
		fa_unlink(h, fa);
		if (ms != s)
			heap_free(h, s, ms - s);
		if (e != me)
			heap_free(h, me, e - me);
		map_remove(h, i);
		nm_unlock(&h->uc_lock);
		nm_source_unmap(h, (void *)ms, me - ms);
		any = 1;
	}
	errno = saved;
	return any;
}

void nm_uc_destroy(struct nm_heap *h)
{
	/* single-threaded by contract (nm_heap_destroy) */
	for (size_t i = 0; i < h->uc_nmaps; i++)
		nm_source_unmap(h, (void *)h->uc_maps[i].base, h->uc_maps[i].len);
	if (h->uc_maps_len)
		nm_source_unmap(h, h->uc_maps, h->uc_maps_len);
	h->uc_free = NULL;
	h->uc_maps = NULL;
	h->uc_nmaps = h->uc_cap = h->uc_maps_len = 0;
	memset(h->uc_ring, 0, sizeof h->uc_ring);
}

void nm_uc_atfork_prepare(struct nm_heap *h)
{
	nm_lock(&h->uc_lock);
}

void nm_uc_atfork_parent(struct nm_heap *h)
{
	nm_unlock(&h->uc_lock);
}

void nm_uc_atfork_child(struct nm_heap *h)
{
	atomic_store_explicit(&h->uc_lock.v, 0, memory_order_relaxed);
}
