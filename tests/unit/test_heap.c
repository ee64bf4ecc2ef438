/* tests/unit/test_heap.c - Check tests for the heap (core/heap_*.c), run over a
 * host-mmap page source that behaves like the engine: power-of-two blocks,
 * naturally aligned, excess pages trimmed, zeroed, at most max_block, with an
 * optional total limit standing for the device RAM.  It also checks that the
 * heap only ever unmaps whole mappings exactly as mapped.
 */
#include "heap.h"
#include "heap_common.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the test page source ---- */

#define TMAP_BITS 16
struct tsrc {
	pthread_mutex_t mu;
	size_t page, max_block;
	size_t limit;     /* total bytes the "device" has (0 = no limit) */
	size_t try_limit; /* a quiet try (NM_PS_TRY) fails above this length (0 = no limit) */
	size_t used;      /* bytes mapped now */
	size_t maps, unmaps, tries;
	size_t bad_unmaps; /* unmaps not matching a mapping exactly */
	uintptr_t tab_p[1u << TMAP_BITS];
	size_t tab_len[1u << TMAP_BITS];
};

static size_t slot_of(uintptr_t p)
{
	return (size_t)(((p >> 12) * 0x9E3779B97F4A7C15ull) >> (64 - TMAP_BITS));
}

static void *tmap_locked(struct tsrc *s, size_t len, int *err)
{
	if (len == 0 || len % s->page || len > s->max_block || (s->limit && s->used + len > s->limit)) {
		*err = ENOMEM;
		return NULL;
	}
	size_t blk = s->page;
	while (blk < len)
		blk *= 2;
	/* naturally aligned block of blk bytes, keep len of it (trimming) */
	char *raw = mmap(NULL, 2 * blk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		*err = errno;
		return NULL;
	}
	char *p = (char *)(((uintptr_t)raw + blk - 1) & ~(uintptr_t)(blk - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + 2 * blk > p + len)
		munmap(p + len, (size_t)(raw + 2 * blk - (p + len)));
	size_t i = slot_of((uintptr_t)p);
	while (s->tab_p[i] > 1)
		i = (i + 1) & ((1u << TMAP_BITS) - 1);
	s->tab_p[i] = (uintptr_t)p;
	s->tab_len[i] = len;
	s->used += len;
	s->maps++;
	return p;
}

static void *tmap_plain(void *ctx, size_t len, int *err)
{
	struct tsrc *s = ctx;
	pthread_mutex_lock(&s->mu);
	void *p = tmap_locked(s, len, err);
	pthread_mutex_unlock(&s->mu);
	return p;
}

static void *ttry(void *ctx, size_t len, int *err)
{
	struct tsrc *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->tries++;
	void *p = NULL;
	if (s->try_limit && len > s->try_limit)
		*err = ENOMEM;
	else
		p = tmap_locked(s, len, err);
	pthread_mutex_unlock(&s->mu);
	return p;
}

/* map: NM_PS_TRY goes to ttry (try_limit, counted); NM_PS_UNINIT memory holds old
   bytes (0xA5 here), as the engine's may, so a heap path that needs zeros and asks for
   uninitialised memory is caught. */
static void *tmap(void *ctx, size_t len, int flags, int *err)
{
	void *p = (flags & NM_PS_TRY) ? ttry(ctx, len, err) : tmap_plain(ctx, len, err);
	if (p && (flags & NM_PS_UNINIT))
		memset(p, 0xA5, len);
	*err = p ? 0 : (*err ? *err : ENOMEM);
	return p;
}
/* the same for a source without a quiet try (every map may "report") */
static void *tmap_notry(void *ctx, size_t len, int flags, int *err)
{
	return tmap(ctx, len, flags & ~NM_PS_TRY, err);
}

/* In-place growth as the engine's: the host pages right after the mapping must be
   free (MAP_FIXED_NOREPLACE); refused when no_grow is set. */
static int no_grow, grows;
static int tgrow(void *ctx, void *p, size_t old_len, size_t new_len)
{
	struct tsrc *s = ctx;
	int r = -1;
	pthread_mutex_lock(&s->mu);
	size_t i = slot_of((uintptr_t)p);
	while (s->tab_p[i] && s->tab_p[i] != (uintptr_t)p)
		i = (i + 1) & ((1u << TMAP_BITS) - 1);
	if (!no_grow && s->tab_p[i] == (uintptr_t)p && s->tab_len[i] == old_len &&
	    (!s->limit || s->used + new_len - old_len <= s->limit)) {
		char *want = (char *)p + old_len;
		void *q = mmap(want, new_len - old_len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (q == want) {
			s->tab_len[i] = new_len;
			s->used += new_len - old_len;
			grows++;
			r = 0;
		} else if (q != MAP_FAILED) {
			munmap(q, new_len - old_len);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

static void tunmap(void *ctx, void *p, size_t len)
{
	struct tsrc *s = ctx;
	pthread_mutex_lock(&s->mu);
	size_t i = slot_of((uintptr_t)p);
	for (;;) {
		if (s->tab_p[i] == (uintptr_t)p) {
			if (s->tab_len[i] != len) {
				s->bad_unmaps++;
			} else {
				s->tab_p[i] = 1;
				munmap(p, len);
				s->used -= len;
				s->unmaps++;
			}
			break;
		}
		if (s->tab_p[i] == 0) {
			s->bad_unmaps++;
			break;
		}
		i = (i + 1) & ((1u << TMAP_BITS) - 1);
	}
	pthread_mutex_unlock(&s->mu);
}

static struct tsrc *src;

static void heap_up(const char *model, size_t max_block, size_t limit, int with_try)
{
	static struct tsrc s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.mu, NULL);
	s.page = 4096;
	s.max_block = max_block;
	s.limit = limit;
	src = &s;
	struct nm_page_source ps = {
		.map = with_try ? tmap : tmap_notry,
		.unmap = tunmap,
		.ctx = &s,
		.page_size = 4096,
		.max_block = max_block,
	};
	n_double = n_invalid = n_nomem = 0;
	ck_assert_int_eq(nm_heap_init(H, &ps, model, on_report, NULL), 0);
}
static void fast_up(void)
{
	heap_up("fast", (size_t)4 << 20, 0, 1);
}
static void simple_up(void)
{
	heap_up("simple", (size_t)4 << 20, 0, 0);
}
static void device_up(void)
{
	heap_up("fast", (size_t)4 << 20, (size_t)1 << 20, 1);
}
static void heap_down(void)
{
	nm_heap_destroy(H);
	ck_assert_uint_eq(src->used, 0);
	ck_assert_uint_eq(src->bad_unmaps, 0);
}

/* ---- size classes ---- */

START_TEST(test_size_classes)
{
	unsigned prev = 0;
	for (size_t n = 1; n <= NM_CLASS_MAX; n++) {
		unsigned c = nm_size_class(n);
		ck_assert_uint_lt(c, NM_NCLASS);
		ck_assert_uint_ge(nm_class_size[c], n);
		if (c > 0)
			ck_assert_uint_lt(nm_class_size[c - 1], n); /* the smallest class that fits */
		ck_assert_uint_ge(c, prev);
		ck_assert_uint_eq(nm_class_size[c] % 16, 0);
		/* internal waste under 25 % above 128 bytes */
		if (n > 128)
			ck_assert_uint_lt((nm_class_size[c] - n) * 4, nm_class_size[c]);
		prev = c;
	}
	ck_assert_uint_eq(nm_size_class(0), 0);
	for (unsigned c = 0; c < NM_NCLASS; c++) {
		const struct nm_class *k = &H->cls[c];
		ck_assert_uint_ge(k->nslots, 1);
		ck_assert_uint_le(k->units, NM_SPAN_UNITS_MAX);
		ck_assert_uint_le((size_t)k->nslots * k->size, (size_t)k->units << NM_UNIT_SHIFT);
		/* the reciprocal gives exact slot indexes over the whole span */
		for (uint32_t off = 0; off < ((uint32_t)k->units << NM_UNIT_SHIFT); off += 16)
			ck_assert_uint_eq((uint32_t)(((uint64_t)off * k->inv) >> 32), off / k->size);
	}
	ck_assert_uint_eq(H->max_small, NM_CLASS_MAX);
}
END_TEST

START_TEST(test_malloc_sizes)
{
	static void *p[4000];
	size_t i = 0;
	for (size_t n = 0; n < 70000; n = n < 300 ? n + 1 : n * 9 / 8 + 1, i++) {
		p[i] = xmalloc(n);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_uint_eq((uintptr_t)p[i] % 16, 0);
		ck_assert_uint_ge(nm_heap_usable_size(H, p[i]), n);
		fill(p[i], n, (unsigned)n);
	}
	size_t k = 0;
	for (size_t n = 0; n < 70000; n = n < 300 ? n + 1 : n * 9 / 8 + 1, k++) {
		ck_assert(check_fill(p[k], n, (unsigned)n));
		xfree(p[k]);
	}
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.in_use, 0);
	ck_assert_uint_ge(st.peak_in_use, 600000);
	ck_assert_uint_ge(st.largest_request, 60000);
}
END_TEST

START_TEST(test_usable_size)
{
	for (size_t n = 1; n < 200000; n += n / 3 + 1) {
		void *p = xmalloc(n);
		size_t u = nm_heap_usable_size(H, p);
		ck_assert_uint_ge(u, n);
		memset(p, 0xab, u); /* all of it is usable */
		xfree(p);
	}
	ck_assert_uint_eq(nm_heap_usable_size(H, NULL), 0);
	int local;
	ck_assert_uint_eq(nm_heap_usable_size(H, &local), 0);
}
END_TEST

/* ---- alignment ---- */

static void check_memalign(void)
{
	for (size_t al = 1; al <= src->max_block; al *= 2) {
		size_t sizes[] = { 1, 24, al / 2 + 1, al, al + 100 };
		for (unsigned i = 0; i < 5; i++) {
			size_t n = sizes[i];
			if (n > src->max_block)
				continue;
			void *p = nm_heap_memalign(H, al, n, CALLER);
			ck_assert_msg(p != NULL, "memalign(%zu, %zu) failed", al, n);
			ck_assert_msg((uintptr_t)p % al == 0, "memalign(%zu, %zu) = %p", al, n, p);
			ck_assert_uint_ge(nm_heap_usable_size(H, p), n);
			fill(p, n, 3);
			ck_assert(check_fill(p, n, 3));
			xfree(p);
		}
	}
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
START_TEST(test_memalign_fast)
{
	check_memalign();
}
END_TEST
START_TEST(test_memalign_simple)
{
	check_memalign();
}
END_TEST

START_TEST(test_memalign_many_small)
{
	/* many aligned small blocks at once: all distinct and aligned */
	static void *p[2000];
	for (unsigned i = 0; i < 2000; i++) {
		size_t al = (size_t)16 << (i % 9); /* 16 .. 4096 */
		p[i] = nm_heap_memalign(H, al, 1 + i % 100, CALLER);
		ck_assert_uint_eq((uintptr_t)p[i] % al, 0);
		memset(p[i], (int)i, 1 + i % 100);
	}
	for (unsigned i = 0; i < 2000; i++) {
		ck_assert_uint_eq(((unsigned char *)p[i])[0], (unsigned char)i);
		xfree(p[i]);
	}
}
END_TEST

/* ---- realloc ---- */

START_TEST(test_realloc_grows_large_blocks_in_place)
{
	struct nm_page_source ps = {
		.map = tmap,
		.unmap = tunmap,
		.grow = tgrow,
		.ctx = src,
		.page_size = 4096,
		.max_block = (size_t)4 << 20,
	};
	nm_heap_destroy(H);
	ck_assert_int_eq(nm_heap_init(H, &ps, "fast", on_report, NULL), 0);
	no_grow = grows = 0;
	char *p = xmalloc(200000); /* 49 pages of a 64-page block: the tail is free */
	fill(p, 200000, 3);
	size_t mapped = src->used;
	char *q = nm_heap_realloc(H, p, 250000, CALLER);
	ck_assert_ptr_eq(q, p);
	ck_assert_int_eq(grows, 1);
	ck_assert_uint_ge(nm_heap_usable_size(H, p), 250000);
	/* the mapping grew by the pages the new size needs, no more */
	ck_assert_uint_eq(src->used, mapped + ((250000 + 4095) / 4096 - (200000 + 4095) / 4096) * 4096);
	ck_assert(check_fill(p, 200000, 3));
	fill(p, 250000, 4);
	/* the page source refuses: the block moves, contents kept */
	no_grow = 1;
	q = nm_heap_realloc(H, p, 400000, CALLER);
	ck_assert_ptr_ne(q, p);
	ck_assert(check_fill(q, 250000, 4));
	xfree(q);
	no_grow = 0;
	ck_assert_uint_eq(src->bad_unmaps, 0);
}
END_TEST

START_TEST(test_realloc)
{
	/* grows through every class and into large blocks: contents kept */
	char *p = xmalloc(10);
	fill(p, 10, 1);
	size_t n = 10;
	while (n < 300000) {
		size_t m = n * 3 / 2 + 7;
		char *q = nm_heap_realloc(H, p, m, CALLER);
		ck_assert_ptr_nonnull(q);
		ck_assert(check_fill(q, n, 1));
		fill(q, m, 1);
		p = q;
		n = m;
	}
	/* shrink back down */
	while (n > 5) {
		size_t m = n / 3;
		char *q = nm_heap_realloc(H, p, m, CALLER);
		ck_assert_ptr_nonnull(q);
		ck_assert(check_fill(q, m, 1));
		p = q;
		n = m;
	}
	xfree(p);

	/* in place: within the usable size */
	p = xmalloc(100);
	size_t u = nm_heap_usable_size(H, p);
	ck_assert_ptr_eq(nm_heap_realloc(H, p, u, CALLER), p);
	ck_assert_ptr_eq(nm_heap_realloc(H, p, u - 5, CALLER), p);
	xfree(p);
	p = xmalloc(200000); /* large: in place while it fits its mapping */
	fill(p, 200000, 9);
	ck_assert_ptr_eq(nm_heap_realloc(H, p, 150000, CALLER), p);
	ck_assert_ptr_eq(nm_heap_realloc(H, p, nm_heap_usable_size(H, p), CALLER), p);
	char *q = nm_heap_realloc(H, p, 1000000, CALLER); /* moves */
	ck_assert_ptr_ne(q, p);
	ck_assert(check_fill(q, 150000, 9));
	xfree(q);

	/* realloc(NULL, n) = malloc; realloc(p, 0) frees and returns NULL (glibc) */
	p = nm_heap_realloc(H, NULL, 50, CALLER);
	ck_assert_ptr_nonnull(p);
	errno = 1234;
	ck_assert_ptr_null(nm_heap_realloc(H, p, 0, CALLER));
	ck_assert_int_eq(errno, 1234);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.in_use, 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
}
END_TEST

/* ---- calloc ---- */

START_TEST(test_calloc)
{
	/* overflow fails with ENOMEM instead of wrapping */
	errno = 0;
	ck_assert_ptr_null(nm_heap_calloc(H, SIZE_MAX / 2, 3, CALLER));
	ck_assert_int_eq(errno, ENOMEM);
	errno = 0;
	ck_assert_ptr_null(nm_heap_calloc(H, (size_t)1 << 33, (size_t)1 << 31, CALLER));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(n_nomem, 0); /* not a device limit: nothing to report */

	/* zeroed, also when the memory was dirty before */
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
	unsigned char *p = nm_heap_calloc(H, 0, 10, CALLER);
	ck_assert_ptr_nonnull(p);
	xfree(p);
}
END_TEST

/* ---- double and invalid free ---- */

START_TEST(test_double_free_small)
{
	void *a = xmalloc(40);
	void *b = xmalloc(40);
	xfree(a);
	xfree(a); /* double: reported, ignored */
	ck_assert_int_eq(n_double, 1);
	ck_assert_ptr_eq(last_ptr, a);
	/* not corrupted: the next two allocations are distinct */
	void *c = xmalloc(40), *d = xmalloc(40);
	ck_assert_ptr_ne(c, d);
	ck_assert_ptr_ne(c, b);
	ck_assert_ptr_ne(d, b);
	xfree(b);
	xfree(c);
	xfree(d);

	/* after the slot went back to the central list (cache flushed) too */
	static void *many[1000];
	for (int i = 0; i < 1000; i++)
		many[i] = xmalloc(64);
	for (int i = 0; i < 1000; i++)
		xfree(many[i]);
	xfree(many[3]);
	xfree(many[999]);
	/* a double free is reported as such while its span lives; once every slot
       of the span came back and the span went back to its chunk, the pointer
       is just not a block any more: an invalid free */
	ck_assert_int_eq(n_double + n_invalid, 3);
	/* everything allocatable again exactly once */
	for (int i = 0; i < 1000; i++) {
		many[i] = xmalloc(64);
		memset(many[i], i, 64);
	}
	for (int i = 0; i < 1000; i++) {
		ck_assert_uint_eq(((unsigned char *)many[i])[63], (unsigned char)i);
		xfree(many[i]);
	}
	ck_assert_int_eq(n_double + n_invalid, 3);
}
END_TEST

START_TEST(test_double_free_large)
{
	void *a = xmalloc(500000);
	xfree(a);
	xfree(a);
	ck_assert_int_eq(n_double, 1);
	ck_assert_int_eq(n_invalid, 0);
	ck_assert_uint_eq(src->bad_unmaps, 0);
}
END_TEST

static int static_thing[8];
static void check_invalid(void)
{
	int local[4];
	char *a = xmalloc(64);
	char *big = xmalloc(300000);
	int before = n_invalid;
	xfree(local);        /* stack */
	xfree(static_thing); /* data */
	xfree(a + 8);        /* misaligned */
	xfree(a + 16);       /* inside a block */
	xfree(big + 4096);   /* inside a large block */
	xfree((void *)16);   /* nowhere */
	ck_assert_int_eq(n_invalid - before, 6);
	ck_assert_int_eq(n_double, 0);
	/* the heap still works and nothing was lost */
	memset(a, 1, 64);
	memset(big, 2, 300000);
	ck_assert_uint_ge(nm_heap_usable_size(H, a), 64);
	xfree(a);
	xfree(big);
	ck_assert_int_eq(n_invalid - before, 6);
	ck_assert_uint_eq(src->bad_unmaps, 0);
}
START_TEST(test_invalid_free_fast)
{
	check_invalid();
	/* a pointer to a slot that was never handed out */
	void *a = xmalloc(2048);
	xfree((char *)a + 2048 * 3);
	ck_assert_int_eq(n_invalid, 7);
	xfree(a);
}
END_TEST
START_TEST(test_invalid_free_simple)
{
	check_invalid();
}
END_TEST

START_TEST(test_invalid_realloc)
{
	int local;
	errno = 0;
	ck_assert_ptr_null(nm_heap_realloc(H, &local, 10, CALLER));
	ck_assert_int_eq(n_invalid, 1);
	void *a = xmalloc(32);
	xfree(a);
	ck_assert_ptr_null(nm_heap_realloc(H, a, 100, CALLER));
	ck_assert_int_eq(n_double, 1);
}
END_TEST

START_TEST(test_free_keeps_errno)
{
	void *p[300];
	for (int i = 0; i < 300; i++)
		p[i] = xmalloc(i < 150 ? 100 : 100000);
	for (int i = 0; i < 300; i++) {
		errno = 4321;
		xfree(p[i]);
		ck_assert_int_eq(errno, 4321);
	}
	int local;
	errno = 77;
	xfree(&local);
	ck_assert_int_eq(errno, 77);
}
END_TEST

/* ---- models and the device's limits ---- */

START_TEST(test_simple_one_mapping_each)
{
	static void *p[500];
	size_t maps0 = src->maps;
	for (int i = 0; i < 500; i++) {
		p[i] = xmalloc((size_t)i * 13 + 1);
		ck_assert_uint_eq((uintptr_t)p[i] % 16, 0);
	}
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	/* one mapping per block, plus the block table once it outgrew the heap struct */
	ck_assert_uint_eq(st.mappings, 500 + (H->big_map_len ? 1 : 0));
	ck_assert_uint_eq(st.large_count, 500);
	ck_assert_uint_le(src->maps - maps0, 500 + 6);
	ck_assert_int_eq(st.model, NM_HEAP_MODEL_SIMPLE);
	/* the size word sits in the mapping: 4096 bytes need two pages */
	size_t used0 = src->used;
	void *q = xmalloc(4096);
	ck_assert_uint_eq(src->used - used0, 8192);
	xfree(q);
	size_t unmaps0 = src->unmaps;
	for (int i = 0; i < 500; i++)
		xfree(p[i]);
	ck_assert_uint_eq(src->unmaps - unmaps0, 500);
	ck_assert_uint_eq(src->used, 0 + (H->big_map_len));
}
END_TEST

static void check_too_big(void)
{
	size_t max = src->max_block;
	errno = 0;
	void *p = xmalloc(max + 1);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(n_nomem, 1);
	ck_assert_uint_eq(last_size, max + 1);
	errno = 0;
	ck_assert_ptr_null(nm_heap_calloc(H, 1, max * 2, CALLER));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(n_nomem, 2);
	errno = 0;
	ck_assert_ptr_null(nm_heap_memalign(H, 4096, max + 4096, CALLER));
	ck_assert_int_eq(n_nomem, 3);
	/* exactly the largest block still works in the fast model (no header) */
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.failed, 3);
	ck_assert_uint_ge(st.largest_request, max * 2);
}
START_TEST(test_max_block_fast)
{
	check_too_big();
	void *p = xmalloc(src->max_block);
	ck_assert_ptr_nonnull(p);
	xfree(p);
}
END_TEST
START_TEST(test_max_block_simple)
{
	check_too_big();
	/* as on uClibc-ng: the size word makes max_block itself too big */
	ck_assert_ptr_null(xmalloc(src->max_block));
	void *p = xmalloc(src->max_block - 16);
	ck_assert_ptr_nonnull(p);
	xfree(p);
}
END_TEST

START_TEST(test_device_full)
{
	/* a 1 MiB "device": small allocations fail with a report, then work again */
	static void *p[100000];
	int n = 0;
	while (n < 100000 && (p[n] = xmalloc(100)) != NULL)
		n++;
	ck_assert_int_lt(n, 100000);
	ck_assert_int_gt(n, 5000);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_ge(n_nomem, 1);
	ck_assert_uint_le(src->used, src->limit);
	for (int i = 0; i < n; i++)
		xfree(p[i]);
	nm_heap_trim(H);
	void *big = xmalloc(700000); /* the freed chunks went back to the device */
	ck_assert_ptr_nonnull(big);
	xfree(big);
}
END_TEST

START_TEST(test_fragmented_device)
{
	/* the device has no block above 64 KiB: chunks shrink to fit */
	src->try_limit = 64 << 10;
	static void *p[3000];
	for (int i = 0; i < 3000; i++)
		ck_assert_ptr_nonnull(p[i] = xmalloc(200));
	for (int i = 0; i < 3000; i++)
		xfree(p[i]);
	ck_assert_int_eq(n_nomem, 0);
}
END_TEST

START_TEST(test_trim_and_stats)
{
	static void *p[5000];
	for (int i = 0; i < 5000; i++)
		p[i] = xmalloc((size_t)(i % 50) * 40 + 1);
	void *big = xmalloc(1 << 20);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_ge(st.in_use, 5000 * 40);
	ck_assert_uint_eq(st.largest_request, 1 << 20);
	ck_assert_uint_eq(st.large_count, 1);
	ck_assert_uint_ge(st.mapped, st.in_use);
	ck_assert_uint_eq(st.mapped, src->used);
	for (int i = 0; i < 5000; i++)
		xfree(p[i]);
	xfree(big);
	ck_assert_int_eq(nm_heap_trim(H), 1);
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.in_use, 0);
	ck_assert_uint_eq(st.mapped, 0);
	ck_assert_uint_eq(st.mappings, 0);
	ck_assert_uint_eq(src->used, 0);
	ck_assert_uint_ge(st.peak_in_use, 5000 * 40 + (1 << 20));
	ck_assert_uint_ge(st.peak_mapped, st.peak_in_use);
	char buf[1024];
	size_t len = nm_heap_format_stats(H, buf, sizeof buf);
	ck_assert_uint_gt(len, 100);
	ck_assert_ptr_nonnull(strstr(buf, "largest request"));
}
END_TEST

START_TEST(test_model_parse)
{
	ck_assert_int_eq(nm_heap_model_parse(NULL), NM_HEAP_MODEL_FAST);
	ck_assert_int_eq(nm_heap_model_parse("fast"), NM_HEAP_MODEL_FAST);
	ck_assert_int_eq(nm_heap_model_parse("simple"), NM_HEAP_MODEL_SIMPLE);
	ck_assert_int_eq(nm_heap_model_parse("bogus"), -1);
	struct nm_heap h2;
	struct nm_page_source ps = {
		.map = tmap_notry, .unmap = tunmap, .ctx = src, .page_size = 4096, .max_block = 4 << 20
	};
	ck_assert_int_eq(nm_heap_init(&h2, &ps, "bogus", NULL, NULL), EINVAL);
}
END_TEST

START_TEST(test_small_max_block)
{
	/* a device whose largest block is 32 KiB: fewer classes, still works */
	nm_heap_destroy(H);
	heap_up("fast", 32 << 10, 0, 0);
	ck_assert_uint_lt(H->max_small, 32 << 10);
	static void *p[2000];
	for (int i = 0; i < 2000; i++) {
		p[i] = xmalloc((size_t)(i * 37) % 8000 + 1);
		ck_assert_ptr_nonnull(p[i]);
		void *big = xmalloc((size_t)(i * 101) % 30000 + 1);
		ck_assert_ptr_nonnull(big);
		xfree(big);
	}
	for (int i = 0; i < 2000; i++)
		xfree(p[i]);
	ck_assert_ptr_null(xmalloc(40000));
	ck_assert_int_eq(n_nomem, 1);
	ck_assert_int_eq(n_double + n_invalid, 0);
}
END_TEST

/* A device whose largest block is one page has no size classes (a chunk does not fit):
   every request, malloc(0) included, is a block of its own. */
START_TEST(test_no_size_classes)
{
	nm_heap_destroy(H);
	heap_up("fast", 4096, 0, 1);
	ck_assert_uint_eq(H->max_small, 0);
	void *z = xmalloc(0), *one = xmalloc(1), *c = nm_heap_calloc(H, 0, 0, CALLER);
	ck_assert_ptr_nonnull(z);
	ck_assert_ptr_nonnull(one);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(z, one);
	char *p = xmalloc(4000);
	ck_assert_ptr_nonnull(p);
	fill(p, 4000, 3);
	ck_assert_ptr_null(xmalloc(5000)); /* more than the largest block */
	ck_assert_int_eq(n_nomem, 1);
	ck_assert(check_fill(p, 4000, 3));
	xfree(z);
	xfree(one);
	xfree(c);
	xfree(p);
	ck_assert_int_eq(n_double + n_invalid, 0);
}
END_TEST

/* ---- threads and fork ---- */

START_TEST(test_threads)
{
	ck_assert_int_eq(run_stress(4, 1024, 20000, 0), 0);
	ck_assert_int_eq(n_double + n_invalid + n_nomem, 0);
	struct nm_heap_stats st;
	nm_heap_get_stats(H, &st);
	ck_assert_uint_eq(st.in_use, 0); /* exited threads folded their counts */
}
END_TEST

START_TEST(test_fork)
{
	run_fork_with_busy_thread(&src->mu);
}
END_TEST

static Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *fast = tcase_create("fast");
	tcase_add_checked_fixture(fast, fast_up, heap_down);
	tcase_set_timeout(fast, 60);
	tcase_add_test(fast, test_size_classes);
	tcase_add_test(fast, test_malloc_sizes);
	tcase_add_test(fast, test_usable_size);
	tcase_add_test(fast, test_memalign_fast);
	tcase_add_test(fast, test_memalign_many_small);
	tcase_add_test(fast, test_realloc);
	tcase_add_test(fast, test_no_size_classes);
	tcase_add_test(fast, test_realloc_grows_large_blocks_in_place);
	tcase_add_test(fast, test_calloc);
	tcase_add_test(fast, test_double_free_small);
	tcase_add_test(fast, test_double_free_large);
	tcase_add_test(fast, test_invalid_free_fast);
	tcase_add_test(fast, test_invalid_realloc);
	tcase_add_test(fast, test_free_keeps_errno);
	tcase_add_test(fast, test_max_block_fast);
	tcase_add_test(fast, test_fragmented_device);
	tcase_add_test(fast, test_trim_and_stats);
	tcase_add_test(fast, test_model_parse);
	tcase_add_test(fast, test_small_max_block);
	tcase_add_test(fast, test_threads);
	tcase_add_test(fast, test_fork);
	suite_add_tcase(s, fast);

	TCase *simple = tcase_create("simple");
	tcase_add_checked_fixture(simple, simple_up, heap_down);
	tcase_set_timeout(simple, 60);
	tcase_add_test(simple, test_memalign_simple);
	tcase_add_test(simple, test_realloc);
	tcase_add_test(simple, test_calloc);
	tcase_add_test(simple, test_double_free_large);
	tcase_add_test(simple, test_invalid_free_simple);
	tcase_add_test(simple, test_free_keeps_errno);
	tcase_add_test(simple, test_simple_one_mapping_each);
	tcase_add_test(simple, test_max_block_simple);
	tcase_add_test(simple, test_threads);
	suite_add_tcase(s, simple);

	TCase *dev = tcase_create("device-1MiB");
	tcase_add_checked_fixture(dev, device_up, heap_down);
	tcase_add_test(dev, test_device_full);
	suite_add_tcase(s, dev);
	return s;
}

int main(void)
{
	Suite *s = heap_suite();
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
