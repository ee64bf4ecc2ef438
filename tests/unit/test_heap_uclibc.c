/* tests/unit/test_heap_uclibc.c - Check tests for the "uclibc" heap model
 * (core/heap_uclibc.c: uClibc-ng's first-fit, address-ordered free list over
 * page-source mappings), driven through the public nm_heap_* API over a fake
 * page source that counts mappings, checks that every unmap matches a mapping
 * exactly, and can stand for a device of limited RAM.
 *
 * By default each mapping is followed by an inaccessible guard page, so no two
 * mappings are adjacent and free areas never merge across them (the layout the
 * tests reason about).  The "contiguous" source hands out adjacent mappings in
 * ascending order instead, as device RAM often does.
 */
#include "heap.h"
#include "heap_common.h"
#include "test_util.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>

/* ---- the fake page source ---- */

#define NSLOT 4096
#define CONTIG_SPAN ((size_t)64 << 20)
struct fsrc {
	pthread_mutex_t mu;
	size_t max_block, limit;    /* limit: device RAM in bytes, 0 = none */
	char *contig, *contig_next; /* contiguous mode: reserved span, next mapping */
	size_t used, maps, unmaps, bad_unmaps;
	size_t last_len; /* length of the last successful map */
	uintptr_t base[NSLOT];
	size_t len[NSLOT];
};
static struct fsrc fs;

/* NM_PS_TRY and a map for good are alike here; NM_PS_UNINIT memory holds old bytes
   (0xA5), as the engine's may. */
static void *fmap(void *ctx, size_t len, int flags, int *err)
{
	struct fsrc *s = ctx;
	pthread_mutex_lock(&s->mu);
	void *p = NULL;
	if (len == 0 || len % 4096 || len > s->max_block || (s->limit && s->used + len > s->limit)) {
		*err = ENOMEM;
	} else {
		if (s->contig) {
			p = s->contig_next + len <= s->contig + CONTIG_SPAN
				? mmap(s->contig_next, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
				: MAP_FAILED;
			if (p != MAP_FAILED)
				s->contig_next += len;
		} else {
			/* len + a guard page, the guard left inaccessible */
			p = mmap(NULL, len + 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED && mprotect(p, len, PROT_READ | PROT_WRITE) != 0) {
				munmap(p, len + 4096);
				p = MAP_FAILED;
			}
		}
		if (p == MAP_FAILED) {
			*err = ENOMEM;
			p = NULL;
		} else {
			unsigned i = 0;
			while (i < NSLOT && s->base[i])
				i++;
			ck_assert_uint_lt(i, NSLOT);
			s->base[i] = (uintptr_t)p;
			s->len[i] = len;
			s->used += len;
			s->maps++;
			s->last_len = len;
			if (flags & NM_PS_UNINIT)
				memset(p, 0xA5, len);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return p;
}

static void funmap(void *ctx, void *p, size_t len)
{
	struct fsrc *s = ctx;
	pthread_mutex_lock(&s->mu);
	unsigned i = 0;
	while (i < NSLOT && s->base[i] != (uintptr_t)p)
		i++;
	if (i == NSLOT || s->len[i] != len) {
		s->bad_unmaps++;
	} else {
		if (s->contig) /* keep the span reserved: never reused */
			mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		else
			munmap(p, len + 4096);
		s->base[i] = 0;
		s->used -= len;
		s->unmaps++;
	}
	pthread_mutex_unlock(&s->mu);
}

/* Is [p, p + n) inside one of the source's live mappings? */
static int in_mapping(const void *p, size_t n)
{
	for (unsigned i = 0; i < NSLOT; i++)
		if (fs.base[i] && (uintptr_t)p >= fs.base[i] && (uintptr_t)p + n <= fs.base[i] + fs.len[i])
			return 1;
	return 0;
}

static void heap_up_with(size_t max_block, size_t limit, int contig)
{
	pthread_mutex_init(&fs.mu, NULL);
	memset(fs.base, 0, sizeof fs.base);
	fs.contig = fs.contig_next = NULL;
	if (contig) {
		fs.contig = mmap(NULL, CONTIG_SPAN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		ck_assert(fs.contig != MAP_FAILED);
		fs.contig_next = fs.contig;
	}
	fs.max_block = max_block;
	fs.limit = limit;
	fs.used = fs.maps = fs.unmaps = fs.bad_unmaps = fs.last_len = 0;
	struct nm_page_source ps = {
		.map = fmap,
		.unmap = funmap,
		.ctx = &fs,
		.page_size = 4096,
		.max_block = max_block,
	};
	n_double = n_invalid = n_nomem = 0;
	last_size = 0;
	ck_assert_int_eq(nm_heap_init(H, &ps, "uclibc", on_report, NULL), 0);
	ck_assert_int_eq(H->model, NM_HEAP_MODEL_UCLIBC);
}
static void heap_up(void)
{
	heap_up_with((size_t)4 << 20, 0, 0);
}
static void device_up(void)
{
	heap_up_with((size_t)1 << 20, (size_t)1 << 20, 0);
}
static void contig_up(void)
{
	heap_up_with((size_t)4 << 20, 0, 1);
}
static void heap_down(void)
{
	nm_heap_destroy(H);
	ck_assert_uint_eq(fs.used, 0);
	ck_assert_uint_eq(fs.bad_unmaps, 0);
}

static char *cp(void *p)
{
	return p;
}

static size_t in_use(void)
{
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	return st.in_use;
}

/* ---- allocation: header, first fit, merging ---- */

START_TEST(test_model_and_header)
{
	ck_assert_int_eq(nm_heap_model_parse("uclibc"), NM_HEAP_MODEL_UCLIBC);
	char *a = xmalloc(100);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq((uintptr_t)a % 16, 0);
	/* 16-byte header + 100 rounded to 16 = a 128-byte block, 112 usable */
	ck_assert_uint_eq(nm_heap_usable_size(H, a), 112);
	ck_assert_uint_eq(*(size_t *)(a - 16), 128); /* the size word, as MALLOC_SIZE */
	char *b = xmalloc(0);                        /* malloc(0) is malloc(1) */
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_eq(b, a + 128); /* carved from the same area, in order */
	ck_assert_uint_eq(nm_heap_usable_size(H, b), 16);
	ck_assert_uint_eq(in_use(), 112 + 16);
	ck_assert(nm_heap_owns(H, a));
	ck_assert(!nm_heap_owns(H, a + 16));
	xfree(a);
	xfree(b);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert(!nm_heap_owns(H, a));
	char buf[1024];
	nm_heap_format_stats(H, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "uclibc model"));
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

START_TEST(test_first_fit_hole)
{
	char *a = xmalloc(200), *b = xmalloc(200), *c = xmalloc(200);
	ck_assert_ptr_eq(b, a + 224);
	ck_assert_ptr_eq(c, b + 224);
	xfree(b);
	/* the hole is the lowest free area that fits: reused first */
	char *d = xmalloc(200);
	ck_assert_ptr_eq(d, b);
	xfree(d);
	char *e = xmalloc(40); /* smaller: still the hole (first fit, not best fit) */
	ck_assert_ptr_eq(e, b);
	/* what is left of the hole (224 - 64 = 160) is kept as an area (>= 64 bytes) */
	char *f = xmalloc(100);
	ck_assert_ptr_eq(f, b + 64);
	/* a request larger than any hole goes past them */
	char *g = xmalloc(300);
	ck_assert_ptr_eq(g, c + 224);
	xfree(a);
	xfree(c);
	xfree(e);
	xfree(f);
	xfree(g);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

START_TEST(test_small_leftover_goes_with_block)
{
	char *a = xmalloc(200), *b = xmalloc(200), *c = xmalloc(10);
	(void)c;
	xfree(b); /* a 224-byte hole */
	/* 224 - 176 = 48 < 64: the block gets the whole hole */
	char *d = xmalloc(150);
	ck_assert_ptr_eq(d, b);
	ck_assert_uint_eq(nm_heap_usable_size(H, d), 224 - 16);
	xfree(a);
	xfree(c);
	xfree(d);
	ck_assert_uint_eq(in_use(), 0);
}
END_TEST

START_TEST(test_merge_neighbours)
{
	char *p[6];
	for (int i = 0; i < 6; i++)
		p[i] = xmalloc(300); /* 320-byte blocks, consecutive in the first page */
	for (int i = 1; i < 6; i++)
		ck_assert_ptr_eq(p[i], p[i - 1] + 320);
	xfree(p[1]);
	xfree(p[3]);
	/* two separate 320-byte holes: 600 bytes fit in neither */
	char *x = xmalloc(600);
	ck_assert(x != p[1] && x != p[3]);
	ck_assert_ptr_eq(x, p[5] + 320);
	xfree(x);
	/* freeing p[2] joins p[1] .. p[3] into one area (merge before and after) */
	xfree(p[2]);
	char *y = xmalloc(900);
	ck_assert_ptr_eq(y, p[1]);
	ck_assert_uint_eq(nm_heap_usable_size(H, y), 960 - 16); /* took all 960 (32 left < 64) */
	xfree(y);
	/* p[5] merges with the free rest of the page after it, then p[4] joins
       both sides: p[1] to the end of the page is one area */
	xfree(p[5]);
	xfree(p[4]);
	char *z = xmalloc(4 * 320 + 500);
	ck_assert_ptr_eq(z, p[1]);
	ck_assert_uint_eq(fs.maps, 1);
	xfree(z);
	xfree(p[0]);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

/* ---- growth and giving memory back ---- */

START_TEST(test_growth_one_mapping)
{
	ck_assert_uint_eq(fs.maps, 0);
	void *a = xmalloc(100);
	/* nothing in the heap: one mapping of MALLOC_HEAP_EXTEND_SIZE (a page) */
	ck_assert_uint_eq(fs.maps, 1);
	ck_assert_uint_eq(fs.last_len, 4096);
	void *b = xmalloc(3000); /* fits in the rest of that page */
	ck_assert_uint_eq(fs.maps, 1);
	void *c = xmalloc(10000); /* does not: one mapping of the block rounded to pages */
	ck_assert_uint_eq(fs.maps, 2);
	ck_assert_uint_eq(fs.last_len, 12288);
	ck_assert(in_mapping((char *)c - 16, 10016));
	void *d = xmalloc(4080); /* exactly a page with its header */
	ck_assert_uint_eq(fs.maps, 3);
	ck_assert_uint_eq(fs.last_len, 4096);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.mappings, 3);
	ck_assert_uint_eq(st.mapped, 4096 + 12288 + 4096);
	ck_assert_uint_eq(st.mapped, fs.used);
	ck_assert_uint_eq(st.largest_request, 10000);
	ck_assert_int_eq(st.model, NM_HEAP_MODEL_UCLIBC);
	ck_assert_uint_eq(st.in_use, 112 + 3008 + 10000 + 4080);
	ck_assert_uint_ge(st.peak_in_use, st.in_use);
	xfree(a);
	xfree(b);
	xfree(c);
	xfree(d);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

START_TEST(test_unmap_only_whole)
{
	/* m1: one page, all in a block (the leftover would be < 64 bytes) */
	void *a = xmalloc(4080);
	ck_assert_uint_eq(fs.maps, 1);
	/* m2: 25 pages for a 100000-byte block; the rest (2384 bytes) stays free */
	char *big = xmalloc(100000);
	ck_assert_uint_eq(fs.maps, 2);
	ck_assert_uint_eq(fs.last_len, 102400);
	char *tail = xmalloc(2000); /* the rest of m2 */
	ck_assert_ptr_eq(tail, big + 100016);
	ck_assert_uint_eq(fs.maps, 2);

	/* m1 wholly free but under MALLOC_UNMAP_THRESHOLD (8 pages): kept */
	xfree(a);
	ck_assert_uint_eq(fs.unmaps, 0);
	/* m2 has a 100016-byte free area now, but tail is still in it: kept */
	xfree(big);
	ck_assert_uint_eq(fs.unmaps, 0);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.mappings, 2);
	/* the free area is reused meanwhile */
	char *again = xmalloc(50000);
	ck_assert_ptr_eq(again, big);
	xfree(again);
	ck_assert_uint_eq(fs.unmaps, 0);
	/* the last block of m2: m2 wholly free and over the threshold: unmapped,
       and m1 (a free area of its own) stays */
	xfree(tail);
	ck_assert_uint_eq(fs.unmaps, 1);
	ck_assert_uint_eq(fs.used, 4096);
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.mappings, 1);
	ck_assert_uint_eq(st.mapped, 4096);
	ck_assert_uint_eq(fs.bad_unmaps, 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

START_TEST(test_keep_min_when_empty)
{
	/* the only memory of the heap: freeing it would leave no free area at
       all, so MALLOC_MIN_SIZE (2 pages) of it is kept - and since that is the
       start of the only mapping, the mapping cannot go back */
	char *big = xmalloc(200000);
	ck_assert_uint_eq(fs.maps, 1);
	ck_assert_uint_eq(fs.last_len, 200704);
	/* take the leftover so that the heap has no free area */
	void *rest = xmalloc(200704 - 200016 - 16);
	ck_assert_uint_eq(fs.maps, 1);
	xfree(rest);
	ck_assert_uint_eq(fs.unmaps, 0);
	xfree(big);
	ck_assert_uint_eq(fs.unmaps, 0);
	/* malloc_trim gives it back (not in uClibc-ng; nm_heap_trim) */
	ck_assert_int_eq(nm_heap_trim(H), 1);
	ck_assert_uint_eq(fs.unmaps, 1);
	ck_assert_uint_eq(fs.used, 0);
	ck_assert_int_eq(nm_heap_trim(H), 0);
	/* and the heap still works */
	void *p = xmalloc(100);
	ck_assert_ptr_nonnull(p);
	xfree(p);
}
END_TEST

START_TEST(test_many_mappings)
{
	/* more mappings than the table holds inline: it moves to a mapping of its own */
	static char *p[200];
	for (int i = 0; i < 200; i++) {
		p[i] = xmalloc(40000);
		ck_assert_ptr_nonnull(p[i]);
		fill(p[i], 40000, (unsigned)i);
	}
	ck_assert_uint_ge(fs.maps, 201);
	ck_assert_uint_gt(H->uc_maps_len, 0);
	for (int i = 0; i < 200; i++) {
		ck_assert(check_fill(p[i], 40000, (unsigned)i));
		ck_assert(nm_heap_owns(H, p[i]));
	}
	size_t unmaps0 = fs.unmaps;
	for (int i = 0; i < 200; i += 2)
		xfree(p[i]);
	/* each freed block was a mapping of 10 pages of its own (over the threshold) */
	ck_assert_uint_eq(fs.unmaps - unmaps0, 100);
	for (int i = 1; i < 200; i += 2) {
		ck_assert(check_fill(p[i], 40000, (unsigned)i));
		xfree(p[i]);
	}
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

/* ---- realloc ---- */

START_TEST(test_realloc_in_place)
{
	char *a = xmalloc(100), *b = xmalloc(100);
	fill(a, 100, 5);
	xfree(b); /* a is followed by free memory; nothing free lies below a */
	char *q = xrealloc(a, 1000);
	ck_assert_ptr_eq(q, a); /* grown in place (__heap_alloc_at) */
	ck_assert(check_fill(a, 100, 5));
	ck_assert_uint_eq(nm_heap_usable_size(H, a), 1008);
	fill(a, 1000, 6);
	/* blocked by a live neighbour: moves, contents kept */
	char *c = xmalloc(100);
	ck_assert_ptr_eq(c, a + 1024);
	q = xrealloc(a, 3000);
	ck_assert_ptr_ne(q, a);
	ck_assert(check_fill(q, 1000, 6));
	ck_assert(!nm_heap_owns(H, a)); /* the old block was freed */
	ck_assert_uint_eq(in_use(), 112 + 3008);
	xfree(c);
	xfree(q);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

START_TEST(test_realloc_shrink)
{
	char *p = xmalloc(2000), *after = xmalloc(100);
	fill(p, 2000, 7);
	/* same pointer; the tail (2016 - 128 bytes) goes back to the heap */
	char *r = xrealloc(p, 100);
	ck_assert_ptr_eq(r, p);
	ck_assert(check_fill(r, 100, 7));
	ck_assert_uint_eq(nm_heap_usable_size(H, r), 112);
	ck_assert_uint_eq(in_use(), 112 + 112);
	char *e = xmalloc(1000);
	ck_assert_ptr_eq(e, r + 128); /* first fit: into the freed tail */
	/* a shrink freeing less than MALLOC_REALLOC_MIN_FREE_SIZE (48) keeps the block */
	ck_assert_ptr_eq(xrealloc(e, 990), e);
	ck_assert_uint_eq(nm_heap_usable_size(H, e), 1008);
	ck_assert_ptr_eq(xrealloc(e, 900), e);
	ck_assert_uint_eq(nm_heap_usable_size(H, e), 912);
	xfree(after);
	xfree(e);
	xfree(r);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

START_TEST(test_contiguous_mappings)
{
	/* adjacent mappings: free areas merge across them and a block may span
       several, as on the board; unmapping still goes mapping by mapping */
	char *a = xmalloc(4080), *b = xmalloc(4080), *c = xmalloc(4080);
	ck_assert_uint_eq(fs.maps, 3);
	ck_assert_ptr_eq(b, a + 4096);
	ck_assert_ptr_eq(c, b + 4096);
	xfree(a);
	xfree(b);
	xfree(c); /* one 12 KiB area: under the unmap threshold */
	ck_assert_uint_eq(fs.unmaps, 0);
	/* 40016 bytes do not fit in 12 KiB: a 40 KiB mapping right after them
       merges with the area, and the block starts at a */
	char *big = xmalloc(40000);
	ck_assert_uint_eq(fs.maps, 4);
	ck_assert_ptr_eq(big, a);
	fill(big, 40000, 3);
	ck_assert(check_fill(big, 40000, 3));
	ck_assert(nm_heap_owns(H, big));
	/* all free: 52 KiB, the heap's only area, so the first 8 KiB (MALLOC_MIN_SIZE,
       the first two mappings) stay and the other two mappings are unmapped */
	xfree(big);
	ck_assert_uint_eq(fs.unmaps, 2);
	ck_assert_uint_eq(fs.used, 8192);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.mappings, 2);
	/* the kept part serves the next allocations */
	char *d = xmalloc(6000);
	ck_assert_ptr_eq(d, a);
	ck_assert_uint_eq(fs.maps, 4);
	xfree(d);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

START_TEST(test_realloc_free_below)
{
	/* uClibc-ng's __heap_alloc_at stops at the first free area that starts at
       or below the block: with a free area below, a block does not grow in
       place even into a free neighbour - it moves */
	char *x = xmalloc(100), *y = xmalloc(100), *z = xmalloc(100);
	xfree(x);
	xfree(z);
	fill(y, 100, 9);
	char *q = xrealloc(y, 500);
	ck_assert_ptr_ne(q, y);
	ck_assert(check_fill(q, 100, 9));
	xfree(q);
	ck_assert_uint_eq(in_use(), 0);
}
END_TEST

START_TEST(test_realloc_grow_loop)
{
	char *p = xmalloc(10);
	fill(p, 10, 1);
	size_t n = 10;
	while (n < 600000) {
		size_t m = n * 3 / 2 + 7;
		char *q = xrealloc(p, m);
		ck_assert_ptr_nonnull(q);
		ck_assert(check_fill(q, n, 1));
		fill(q, m, 1);
		p = q;
		n = m;
	}
	while (n > 5) {
		size_t m = n / 3;
		char *q = xrealloc(p, m);
		ck_assert_ptr_eq(q, p);
		ck_assert(check_fill(q, m, 1));
		n = m;
	}
	p = cp(xrealloc(p, 0)); /* frees, NULL */
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

/* ---- memalign, calloc ---- */

START_TEST(test_memalign)
{
	for (size_t al = 16; al <= 65536; al *= 2) {
		size_t sizes[] = { 0, 1, 24, al / 2 + 1, al, al + 100 };
		void *keep[6];
		for (unsigned i = 0; i < 6; i++) {
			size_t n = sizes[i];
			void *p = nm_heap_memalign(H, al, n, CALLER);
			ck_assert_msg(p != NULL, "memalign(%zu, %zu) failed", al, n);
			ck_assert_msg((uintptr_t)p % al == 0, "memalign(%zu, %zu) = %p", al, n, p);
			ck_assert_uint_ge(nm_heap_usable_size(H, p), n);
			fill(p, n, (unsigned)(al + i));
			keep[i] = p;
		}
		/* all live at once: no block overlaps another */
		for (unsigned i = 0; i < 6; i++) {
			ck_assert(check_fill(keep[i], sizes[i], (unsigned)(al + i)));
			xfree(keep[i]);
		}
		ck_assert_uint_eq(in_use(), 0);
	}
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
	/* the over-allocation is given back: a small aligned block leaves room */
	void *p = nm_heap_memalign(H, 4096, 100, CALLER);
	ck_assert_uint_le(nm_heap_usable_size(H, p), 100 + 16 + 48);
	xfree(p);
}
END_TEST

START_TEST(test_calloc)
{
	errno = 0;
	ck_assert_ptr_null(nm_heap_calloc(H, SIZE_MAX / 2, 3, CALLER));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(nm_heap_calloc(H, (size_t)1 << 33, (size_t)1 << 31, CALLER));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(n_nomem, 0); /* not a device limit: no report */
	/* zeroed, also over reused (dirty) memory */
	for (size_t n = 1; n < 100000; n = n * 2 + 3) {
		for (int round = 0; round < 3; round++) {
			unsigned char *p = nm_heap_calloc(H, n, 1, CALLER);
			ck_assert_ptr_nonnull(p);
			for (size_t i = 0; i < n; i++)
				ck_assert_uint_eq(p[i], 0);
			memset(p, 0xff, n);
			xfree(p);
		}
	}
}
END_TEST

/* ---- violations ---- */

static int static_thing[8];
START_TEST(test_double_and_invalid_free)
{
	char *a = xmalloc(64), *b = xmalloc(64);
	xfree(a);
	xfree(a);
	ck_assert_int_eq(n_double, 1);
	ck_assert_ptr_eq(last_ptr, a);
	/* merged into a larger area, and after many other frees: still a double free */
	char *c = xmalloc(300), *d = xmalloc(300);
	xfree(c);
	for (int i = 0; i < 100; i++)
		xfree(xmalloc(16));
	xfree(c);
	ck_assert_int_eq(n_double, 2);

	int local[4];
	char *big = xmalloc(300000);
	xfree(local);          /* stack */
	xfree(static_thing);   /* data */
	xfree(b + 8);          /* misaligned */
	((size_t *)b)[0] = 64; /* inside a block, where the data looks like a size word */
	((size_t *)b)[1] = 0;
	xfree(b + 16);
	xfree(big + 4096); /* inside a large block */
	xfree((void *)16); /* nowhere */
	ck_assert_int_eq(n_invalid, 6);
	ck_assert_int_eq(n_double, 2);
	errno = 0;
	ck_assert_ptr_null(xrealloc(local, 10));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(n_invalid, 7);
	ck_assert_ptr_null(xrealloc(a, 100));
	ck_assert_int_eq(n_double, 3);
	ck_assert_uint_eq(nm_heap_usable_size(H, b + 16), 0);
	errno = 4321;
	xfree(local);
	ck_assert_int_eq(errno, 4321);

	/* nothing was corrupted: every block keeps its contents while many come and go */
	memset(b, 0x11, 64);
	memset(d, 0x22, 300);
	memset(big, 0x33, 300000);
	static char *p[500];
	for (int i = 0; i < 500; i++) {
		p[i] = xmalloc((size_t)(i % 37) * 24 + 1);
		fill(p[i], (size_t)(i % 37) * 24 + 1, (unsigned)i);
	}
	for (int i = 0; i < 500; i++) {
		ck_assert(check_fill(p[i], (size_t)(i % 37) * 24 + 1, (unsigned)i));
		xfree(p[i]);
	}
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq((unsigned char)b[i], 0x11);
	ck_assert_uint_eq((unsigned char)d[299], 0x22);
	ck_assert_uint_eq((unsigned char)big[299999], 0x33);
	xfree(b);
	xfree(d);
	xfree(big);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(n_invalid, 8); /* the bad free of local above */
	ck_assert_int_eq(n_double, 3);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.double_frees, 3);
	ck_assert_uint_eq(st.invalid_frees, 8);
	ck_assert_uint_eq(fs.bad_unmaps, 0);
}
END_TEST

START_TEST(test_no_memory)
{
	/* a 1 MiB device whose largest block is 1 MiB */
	errno = 0;
	ck_assert_ptr_null(xmalloc((1 << 20) + 1));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(n_nomem, 1);
	ck_assert_uint_eq(last_size, (1 << 20) + 1);
	/* the header makes exactly 1 MiB too big, as on uClibc-ng */
	ck_assert_ptr_null(xmalloc(1 << 20));
	ck_assert_uint_eq(last_size, 1 << 20);
	/* memalign reports the program's size, not the over-allocation */
	ck_assert_ptr_null(nm_heap_memalign(H, 65536, 1000000, CALLER));
	ck_assert_uint_eq(last_size, 1000000);
	ck_assert_int_eq(n_nomem, 3);
	/* fill the device with small blocks */
	static void *p[2000];
	int n = 0;
	while (n < 2000 && (p[n] = xmalloc(1000)) != NULL)
		n++;
	ck_assert_int_lt(n, 2000);
	ck_assert_int_gt(n, 900);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(n_nomem, 4);
	ck_assert_uint_eq(last_size, 1000);
	ck_assert_uint_le(fs.used, fs.limit);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.failed, 4);
	ck_assert_uint_eq(st.largest_request, (1 << 20) + 1);
	for (int i = 0; i < n; i++)
		xfree(p[i]);
	ck_assert_uint_eq(in_use(), 0);
	nm_heap_trim(H);
	void *big = xmalloc(700000); /* the device's RAM came back */
	ck_assert_ptr_nonnull(big);
	xfree(big);
	ck_assert_int_eq(n_double + n_invalid, 0);
}
END_TEST

/* ---- threads and fork ---- */

START_TEST(test_threads)
{
	/* realloc and memalign too: the free list is shared by every thread */
	ck_assert_int_eq(run_stress(2, 256, 30000, 1), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_uint_eq(fs.bad_unmaps, 0);
}
END_TEST

START_TEST(test_fork)
{
	run_fork_with_busy_thread(&fs.mu);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("heap-uclibc");
	TCase *tc = tcase_create("uclibc");
	tcase_add_checked_fixture(tc, heap_up, heap_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_model_and_header);
	tcase_add_test(tc, test_first_fit_hole);
	tcase_add_test(tc, test_small_leftover_goes_with_block);
	tcase_add_test(tc, test_merge_neighbours);
	tcase_add_test(tc, test_growth_one_mapping);
	tcase_add_test(tc, test_unmap_only_whole);
	tcase_add_test(tc, test_keep_min_when_empty);
	tcase_add_test(tc, test_many_mappings);
	tcase_add_test(tc, test_realloc_in_place);
	tcase_add_test(tc, test_realloc_shrink);
	tcase_add_test(tc, test_realloc_free_below);
	tcase_add_test(tc, test_realloc_grow_loop);
	tcase_add_test(tc, test_memalign);
	tcase_add_test(tc, test_calloc);
	tcase_add_test(tc, test_double_and_invalid_free);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_fork);
	suite_add_tcase(s, tc);
	TCase *con = tcase_create("contiguous");
	tcase_add_checked_fixture(con, contig_up, heap_down);
	tcase_add_test(con, test_contiguous_mappings);
	suite_add_tcase(s, con);
	TCase *dev = tcase_create("device-1MiB");
	tcase_add_checked_fixture(dev, device_up, heap_down);
	tcase_add_test(dev, test_no_memory);
	suite_add_tcase(s, dev);
	return run_suite(s);
}
