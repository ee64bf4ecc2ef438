/* core/heap_tcache.c - per-thread caches: the malloc/free fast paths.
 *
 * Each thread has, in initial-exec TLS, one LIFO list of free slots per size
 * class.  malloc pops, free pushes: no lock, no atomic.  A thread refills an
 * empty list with a batch from the class's central list and flushes half of a
 * full list back, so cross-thread frees just land in the freeing thread's
 * cache (like glibc's tcache).
 *
 * Free-slot marking: a cached or central free slot holds the heap's random key
 * in word 1; malloc clears it.  free() of a slot whose word 1 equals the key is
 * a double free (the program would have to have stored that exact random value
 * itself for this to be wrong).  Other checks on free, all cheap: the pointer
 * is 16-aligned, inside a registered chunk of this heap, in a span in use, on a
 * slot boundary (multiply by the class's reciprocal), and below the span's
 * bump index (handed out at least once).
 *
 * Thread exit: a pthread key destructor flushes the cache and marks it dead;
 * later calls from that thread go to the central lists directly.
 */
#include "heap.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

static __thread struct nm_tcache nm_tc __attribute__((tls_model("initial-exec")));

static pthread_key_t tc_key;
static atomic_int tc_key_state; /* 0 none, 1 creating, 2 ready, 3 failed */

static void tc_flush_bin(struct nm_heap *h, struct nm_tcache *tc, unsigned cls, unsigned keep);

static void tc_thread_exit(void *arg)
{
	struct nm_tcache *tc = arg;
	struct nm_heap *h = tc->heap;
	if (h) {
		for (unsigned c = 0; c < NM_NCLASS; c++)
			tc_flush_bin(h, tc, c, 0);
		nm_stat_in_use(h, tc->delta);
		tc->delta = 0;
	}
	tc->heap = NULL;
	tc->state = NM_TC_DEAD;
}

static void tc_key_setup(void)
{
	int s = atomic_load_explicit(&tc_key_state, memory_order_acquire);
	if (s >= 2)
		return;
	int zero = 0;
	if (atomic_compare_exchange_strong(&tc_key_state, &zero, 1)) {
		int ok = pthread_key_create(&tc_key, tc_thread_exit) == 0;
		atomic_store_explicit(&tc_key_state, ok ? 2 : 3, memory_order_release);
		return;
	}
	while (atomic_load_explicit(&tc_key_state, memory_order_acquire) == 1)
		;
}

/* Bind the calling thread's cache to h (flushing it from another heap first). */
static int tc_bind(struct nm_heap *h, struct nm_tcache *tc)
{
	if (tc->state == NM_TC_DEAD || h->model != NM_HEAP_MODEL_FAST)
		return 0;
	if (tc->heap && tc->heap != h) {
		struct nm_heap *old = tc->heap;
		for (unsigned c = 0; c < NM_NCLASS; c++)
			tc_flush_bin(old, tc, c, 0);
		nm_stat_in_use(old, tc->delta);
	}
	memset(tc->bins, 0, sizeof tc->bins);
	for (unsigned c = 0; c < NM_NCLASS; c++)
		tc->bins[c].cap = h->cls[c].cap;
	tc->key = h->key;
	tc->max_small = h->max_small;
	tc->delta = 0;
	tc->max_req = 0;
	/* spread threads over the central shards; the first thread gets shard 0 */
	tc->shard = atomic_fetch_add_explicit(&h->next_shard, 1, memory_order_relaxed) % NM_SHARDS;
	if (tc->state == NM_TC_NEW) {
		/* mark live first: pthread_setspecific may calloc for high keys */
		tc->state = NM_TC_LIVE;
		tc_key_setup();
		if (atomic_load_explicit(&tc_key_state, memory_order_acquire) == 2)
			pthread_setspecific(tc_key, tc);
	}
	tc->heap = h;
	return 1;
}

/* Give all but `keep` slots of a bin back to the central list. */
static void tc_flush_bin(struct nm_heap *h, struct nm_tcache *tc, unsigned cls, unsigned keep)
{
	struct nm_bin *b = &tc->bins[cls];
	if (b->count <= keep)
		return;
	void **p = b->head, *rest;
	if (keep == 0) {
		rest = p;
		b->head = NULL;
	} else {
		for (unsigned i = 1; i < keep; i++)
			p = p[0];
		rest = p[0];
		p[0] = NULL;
	}
	unsigned n = b->count - keep;
	b->count = (uint16_t)keep;
	nm_central_put(h, cls, rest, n);
}

/* Rare bookkeeping after a fast-path malloc or free: fold the in-use delta
   into the heap (peak tracking) and note a new largest request. */
static __attribute__((noinline)) void tc_note(struct nm_heap *h, struct nm_tcache *tc, size_t n)
{
	if (n > tc->max_req) {
		tc->max_req = n;
		nm_stat_request(h, n);
	}
	if ((uintptr_t)(tc->delta + NM_FOLD) > (uintptr_t)(2 * NM_FOLD)) {
		nm_stat_in_use(h, tc->delta);
		tc->delta = 0;
	}
}

void nm_tcache_fold_self(struct nm_heap *h)
{
	struct nm_tcache *tc = &nm_tc;
	if (tc->heap == h && tc->delta) {
		nm_stat_in_use(h, tc->delta);
		tc->delta = 0;
	}
}

void nm_tcache_flush_self(struct nm_heap *h, int unbind)
{
	struct nm_tcache *tc = &nm_tc;
	if (tc->heap != h)
		return;
	for (unsigned c = 0; c < NM_NCLASS; c++)
		tc_flush_bin(h, tc, c, 0);
	nm_tcache_fold_self(h);
	if (unbind)
		tc->heap = NULL;
}

/* ---- malloc ---- */

static __attribute__((noinline)) void *malloc_slow(struct nm_heap *h, size_t n, const void *caller)
{
	struct nm_tcache *tc = &nm_tc;
	nm_heap_note_request(n, caller);
	if (h->model == NM_HEAP_MODEL_SIMPLE)
		return nm_simple_malloc(h, n, caller);
	if (h->model == NM_HEAP_MODEL_UCLIBC)
		return nm_uc_malloc(h, n, caller);
	/* max_small 0: no size classes on this device (its largest block cannot hold
       a chunk), so even malloc(0) is a block of its own */
	if (n > h->max_small || h->max_small == 0)
		return nm_large_alloc(h, n, NM_ALIGN, 0, 0, caller);
	if (tc->heap != h && !tc_bind(h, tc)) {
		/* exiting thread: straight from the central list */
		unsigned cls = nm_size_class(n);
		void *p;
		nm_stat_request(h, n);
		if (!nm_central_take(h, cls, tc->shard % NM_SHARDS, 1, &p))
			goto oom;
		((void **)p)[1] = NULL;
		nm_stat_in_use(h, (intptr_t)h->cls[cls].size);
		return p;
	}
	/* bound: the bin is empty, refill it with a batch */
	unsigned cls = nm_size_class(n);
	struct nm_bin *b = &tc->bins[cls];
	if (!b->head) {
		void *list;
		unsigned want = b->cap / 2u + 1u;
		unsigned got = nm_central_take(h, cls, tc->shard, want, &list);
		if (!got)
			goto oom;
		b->head = list;
		b->count = (uint16_t)got;
	}
	void **p = b->head;
	b->head = p[0];
	b->count--;
	p[1] = NULL;
	tc->delta += (intptr_t)h->cls[cls].size;
	tc_note(h, tc, n);
	return p;
oom:
	nm_stat_request(h, n);
	nm_heap_report(h, NM_HEAP_NO_MEMORY, NULL, n, caller);
	errno = ENOMEM;
	return NULL;
}

void *nm_heap_malloc(struct nm_heap *h, size_t n, const void *caller)
{
	struct nm_tcache *tc = &nm_tc;
	/* fast path: thread cache bound to h, a small size, a slot in the bin */
	if (NM_LIKELY(tc->heap == h && n <= tc->max_small)) {
		unsigned cls = nm_size_class(n);
		struct nm_bin *b = &tc->bins[cls];
		void **p = b->head;
		if (NM_LIKELY(p != NULL)) {
			b->head = p[0]; /* pop */
			b->count--;
			p[1] = NULL; /* clear the free mark (key) */
			tc->delta += (intptr_t)nm_class_size[cls];
			if (NM_UNLIKELY(n > tc->max_req || (uintptr_t)(tc->delta + NM_FOLD) > (uintptr_t)(2 * NM_FOLD)))
				tc_note(h, tc, n);
			return p;
		}
	}
	return malloc_slow(h, n, caller);
}

/* ---- free ---- */

/* Classify a pointer of the fast model.  Returns 0 and the class if p is a slot
   start of a span in use, else NM_HEAP_INVALID_FREE; -1 if p is in no chunk. */
static int slot_check(struct nm_heap *h, uintptr_t a, unsigned *cls_out)
{
	if (a & (NM_ALIGN - 1))
		return -1;
	struct nm_chunk *c = nm_chunk_of(h, a, h->gshift);
	if (!c)
		return -1;
	struct nm_span *s = nm_span_of(c, a);
	unsigned cls = __atomic_load_n(&s->cls, __ATOMIC_ACQUIRE);
	if (cls >= NM_NCLASS)
		return NM_HEAP_INVALID_FREE;
	uintptr_t off = a - nm_span_start(c, s);
	uint32_t idx = (uint32_t)((off * h->cls[cls].inv) >> 32);
	if ((uintptr_t)idx * h->cls[cls].size != off || idx >= __atomic_load_n(&s->bump, __ATOMIC_ACQUIRE))
		return NM_HEAP_INVALID_FREE;
	*cls_out = cls;
	return 0;
}

int nm_small_lookup(struct nm_heap *h, const void *p, size_t *usable)
{
	unsigned cls;
	if (h->model != NM_HEAP_MODEL_FAST || slot_check(h, (uintptr_t)p, &cls) != 0)
		return 0;
	if (((void *const *)p)[1] == (void *)(uintptr_t)h->key)
		return 0; /* a free slot */
	*usable = h->cls[cls].size;
	return 1;
}

static __attribute__((noinline)) void free_slow(struct nm_heap *h, void *p, const void *caller)
{
	int saved = errno;
	struct nm_tcache *tc = &nm_tc;
	uintptr_t a = (uintptr_t)p;
	unsigned cls = 0;
	int bad;
	if (h->model == NM_HEAP_MODEL_SIMPLE) {
		nm_simple_free(h, p, caller);
		errno = saved;
		return;
	}
	if (h->model == NM_HEAP_MODEL_UCLIBC) {
		nm_uc_free(h, p, caller); /* keeps errno */
		return;
	}
	bad = slot_check(h, a, &cls);
	if (bad < 0) {
		/* not in a chunk: a large block, or not ours at all */
		bad = nm_large_free(h, p);
	} else if (bad == 0 && ((void **)p)[1] == (void *)(uintptr_t)h->key) {
		bad = NM_HEAP_DOUBLE_FREE;
	} else if (bad == 0) {
		unsigned size = h->cls[cls].size;
		((void **)p)[1] = (void *)(uintptr_t)h->key;
		if (tc->heap == h || tc_bind(h, tc)) {
			struct nm_bin *b = &tc->bins[cls];
			((void **)p)[0] = b->head;
			b->head = p;
			if (++b->count > b->cap)
				tc_flush_bin(h, tc, cls, b->cap / 2u);
			tc->delta -= (intptr_t)size;
			tc_note(h, tc, 0);
		} else {
			nm_central_put(h, cls, p, 1); /* exiting thread */
			nm_stat_in_use(h, -(intptr_t)size);
		}
	}
	if (bad > 0)
		nm_heap_report(h, bad, p, 0, caller);
	errno = saved;
}

void nm_heap_free(struct nm_heap *h, void *p, const void *caller)
{
	struct nm_tcache *tc = &nm_tc;
	uintptr_t a = (uintptr_t)p;
	struct nm_chunk *c;
	if (NM_UNLIKELY(p == NULL))
		return;
	/* fast path: bound cache, 16-aligned pointer inside one of our chunks */
	if (NM_LIKELY(tc->heap == h && !(a & (NM_ALIGN - 1)) && (c = nm_chunk_of(h, a, h->gshift)) != NULL)) {
		struct nm_span *s = nm_span_of(c, a);
		unsigned cls = __atomic_load_n(&s->cls, __ATOMIC_RELAXED);
		if (NM_LIKELY(cls < NM_NCLASS)) {
			const struct nm_class *k = &h->cls[cls];
			uintptr_t off = a - nm_span_start(c, s);
			uint32_t idx = (uint32_t)((off * k->inv) >> 32); /* off / size */
			/* a slot start, handed out before, and not already free */
			if (NM_LIKELY((uintptr_t)idx * k->size == off &&
				      idx < __atomic_load_n(&s->bump, __ATOMIC_RELAXED) &&
				      ((void **)p)[1] != (void *)(uintptr_t)tc->key)) {
				struct nm_bin *b = &tc->bins[cls];
				((void **)p)[0] = b->head;                    /* push */
				((void **)p)[1] = (void *)(uintptr_t)tc->key; /* mark free */
				b->head = p;
				tc->delta -= (intptr_t)k->size;
				if (NM_UNLIKELY(++b->count > b->cap)) {
					int saved = errno;
					tc_flush_bin(h, tc, cls, b->cap / 2u);
					errno = saved;
				}
				if (NM_UNLIKELY((uintptr_t)(tc->delta + NM_FOLD) > (uintptr_t)(2 * NM_FOLD)))
					tc_note(h, tc, 0);
				return;
			}
		}
	}
	free_slow(h, p, caller);
}
