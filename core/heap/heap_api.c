/* core/heap_api.c - heap set-up, the page-source layer, and the malloc family
 * built on the fast paths: calloc, realloc, memalign, usable size, trim, fork.
 */
#include "heap.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

/* ---- locks ---- */

void nm_lock_wait(nm_lock_t *l)
{
	for (unsigned spins = 0;; spins++) {
		if (!atomic_load_explicit(&l->v, memory_order_relaxed) &&
		    !atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
			return;
		if (spins < 64)
			__builtin_ia32_pause();
		else
			sched_yield(); /* never fails, leaves errno alone */
	}
}

/* ---- the page-source layer: the heap's only way to the OS ---- */

static int trim_caches(struct nm_heap *h)
{
	nm_tcache_flush_self(h, 0);
	size_t spans = nm_central_trim(h);
	size_t bytes = nm_chunk_trim(h, 0) + nm_large_trim(h);
	return spans || bytes;
}

static __thread struct {
	size_t n;
	const void *caller;
} t_request __attribute__((tls_model("initial-exec")));

void nm_heap_note_request(size_t n, const void *caller)
{
	t_request.n = n;
	t_request.caller = caller;
}

void *nm_source_map(struct nm_heap *h, size_t len, int *err, int final)
{
	return nm_source_map_ex(h, len, err, final, 0);
}

void *nm_source_map_ex(struct nm_heap *h, size_t len, int *err, int final, int uninit)
{
	int u = uninit ? NM_PS_UNINIT : 0;
	*err = 0;
	void *p = h->src.map(h->src.ctx, len, NM_PS_TRY | u, err);
	if (!p && final) {
		*err = 0; /* on success, *err says whether the memory is the host's */
		if (trim_caches(h))
			p = h->src.map(h->src.ctx, len, NM_PS_TRY | u, err);
		if (!p) {
			*err = 0;
			p = h->src.map(h->src.ctx, len, u, err); /* may report / use host memory */
		}
	}
	if (p) {
		nm_stat_mapped(h, (intptr_t)len, 1);
		if (*err) {
			/* report mode: the device could not, the host did; the program carries on */
			nm_heap_report(h, NM_HEAP_NO_MEMORY, NULL, t_request.n, t_request.caller);
			*err = 0;
		}
	} else if (!*err) {
		*err = ENOMEM;
	}
	return p;
}

void nm_source_unmap(struct nm_heap *h, void *p, size_t len)
{
	h->src.unmap(h->src.ctx, p, len);
	nm_stat_mapped(h, -(intptr_t)len, -1);
}

/* ---- set-up ---- */

int nm_heap_model_parse(const char *name)
{
	if (!name || !*name || !strcmp(name, "fast"))
		return NM_HEAP_MODEL_FAST;
	if (!strcmp(name, "simple"))
		return NM_HEAP_MODEL_SIMPLE;
	if (!strcmp(name, "uclibc"))
		return NM_HEAP_MODEL_UCLIBC;
	return -1;
}

static size_t pow2_floor(size_t v)
{
	return v ? (size_t)1 << (63 - __builtin_clzl(v)) : 0;
}

int nm_heap_init(struct nm_heap *h, const struct nm_page_source *src, const char *model, nm_heap_report_fn report,
		 void *report_ctx)
{
	static atomic_uint serial;
	int m = nm_heap_model_parse(model);
	if (m < 0 || !src || !src->map || !src->unmap)
		return EINVAL;
	memset(h, 0, sizeof *h);
	h->model = m;
	h->src = *src;
	h->report = report;
	h->report_ctx = report_ctx;
	h->page_size = src->page_size ? pow2_floor(src->page_size) : 4096;
	h->max_block = src->max_block ? src->max_block : (size_t)4 << 20;

	/* chunks: powers of two, page multiples, no larger than the device's block */
	size_t maxc = pow2_floor(h->max_block);
	if (maxc > NM_CHUNK_MAX)
		maxc = NM_CHUNK_MAX;
	size_t minc = maxc < NM_CHUNK_MIN ? maxc : NM_CHUNK_MIN;
	if (minc < h->page_size)
		minc = h->page_size;
	h->min_chunk = minc;
	h->max_chunk = maxc;
	h->gshift = (unsigned)(63 - __builtin_clzl(minc));
	h->lcache_on = m == NM_HEAP_MODEL_FAST;
	nm_class_setup(h);
	/* no size classes on a device whose blocks are too small to hold chunks */
	if (m != NM_HEAP_MODEL_FAST || maxc < ((size_t)16 << 10) || minc > maxc)
		h->max_small = 0;

	/* the free-slot mark: random enough, odd so it is never a valid pointer */
	uint64_t k = (uint64_t)(uintptr_t)h ^ ((uint64_t)(uintptr_t)&k << 17) ^
		((uint64_t)atomic_fetch_add(&serial, 1) << 40) ^ __builtin_ia32_rdtsc();
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 29;
	h->key = k | 1;
	return 0;
}

void nm_heap_destroy(struct nm_heap *h)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC) {
		nm_uc_destroy(h);
		return;
	}
	nm_tcache_flush_self(h, 1);
	nm_large_destroy_all(h);
	nm_chunk_destroy_all(h);
	memset(h->central, 0, sizeof h->central);
}

/* ---- the malloc family ---- */

/* 0 if p is a live block (usable size in *usable), else the violation kind a
   free of p would be. */
static int classify(struct nm_heap *h, const void *p, size_t *usable)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC)
		return nm_uc_classify(h, p, usable);
	if (nm_small_lookup(h, p, usable))
		return 0;
	if ((*usable = nm_large_usable(h, p)) != 0)
		return 0;
	/* not live: ask free's own checks which violation it would be, via a
       lookup that does not free (a live block was ruled out above) */
	if (h->model == NM_HEAP_MODEL_FAST && !((uintptr_t)p & (NM_ALIGN - 1)) &&
	    nm_chunk_of(h, (uintptr_t)p, h->gshift)) {
		return ((void *const *)p)[1] == (void *)(uintptr_t)h->key ? NM_HEAP_DOUBLE_FREE : NM_HEAP_INVALID_FREE;
	}
	for (unsigned i = 0; i < NM_RING; i++)
		if (h->ring[i] == (uintptr_t)p)
			return NM_HEAP_DOUBLE_FREE;
	return NM_HEAP_INVALID_FREE;
}

void *nm_heap_calloc(struct nm_heap *h, size_t nmemb, size_t size, const void *caller)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC)
		return nm_uc_calloc(h, nmemb, size, caller);
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		/* would wrap: fail as glibc does (no device-specific report) */
		errno = ENOMEM;
		return NULL;
	}
	if (n <= h->max_small) {
		void *p = nm_heap_malloc(h, n, caller);
		if (p)
			memset(p, 0, n);
		return p;
	}
	/* its own mapping: zeroed by the page source (or cleared if reused) */
	if (h->model == NM_HEAP_MODEL_SIMPLE)
		return nm_simple_calloc(h, n, caller);
	return nm_large_alloc(h, n, NM_ALIGN, 0, 1, caller);
}

void *nm_heap_realloc(struct nm_heap *h, void *p, size_t n, const void *caller)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC)
		return nm_uc_realloc(h, p, n, caller);
	if (!p)
		return nm_heap_malloc(h, n, caller);
	if (n == 0) {
		/* glibc: realloc(p, 0) frees p and returns NULL */
		nm_heap_free(h, p, caller);
		return NULL;
	}
	size_t old;
	int bad = classify(h, p, &old);
	if (bad) {
		/* glibc would abort; report and fail, leaving the block alone */
		nm_heap_report(h, bad, p, 0, caller);
		errno = ENOMEM;
		return NULL;
	}
	/* in place when it fits and does not waste most of the block */
	if (n <= old) {
		if (old <= 64 || n > old / 2)
			return p;
	}
	/* a large block of the fast model grows in place when the RAM after it is free */
	if (n > old && h->model == NM_HEAP_MODEL_FAST && old > h->max_small && nm_large_grow(h, p, n))
		return p;
	void *q = nm_heap_malloc(h, n, caller);
	if (!q)
		return NULL; /* p untouched, errno = ENOMEM */
	memcpy(q, p, n < old ? n : old);
	nm_heap_free(h, p, caller);
	return q;
}

void *nm_heap_memalign(struct nm_heap *h, size_t align, size_t n, const void *caller)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC)
		return nm_uc_memalign(h, align, n, caller);
	if (align <= NM_ALIGN)
		return nm_heap_malloc(h, n, caller);
	if (align > ((size_t)1 << 40)) {
		nm_stat_request(h, n);
		errno = ENOMEM;
		return NULL;
	}
	if (h->model == NM_HEAP_MODEL_SIMPLE)
		return nm_simple_memalign(h, align, n, caller);
	if (align <= NM_UNIT && n <= h->max_small) {
		/* spans start on 4 KiB units: a class whose size is a multiple of
           align has every slot aligned */
		for (unsigned c = nm_size_class(n); c < NM_NCLASS; c++) {
			size_t size = nm_class_size[c];
			if (size > h->max_small)
				break;
			if (!(size & (align - 1))) {
				void *p = nm_heap_malloc(h, size, caller);
				return p;
			}
		}
	}
	return nm_large_alloc(h, n, align, 0, 0, caller);
}

size_t nm_heap_usable_size(struct nm_heap *h, const void *p)
{
	size_t n = 0;
	if (!p)
		return 0;
	if (h->model == NM_HEAP_MODEL_UCLIBC)
		return nm_uc_usable(h, p);
	if (nm_small_lookup(h, p, &n))
		return n;
	return nm_large_usable(h, p);
}

int nm_heap_owns(struct nm_heap *h, const void *p)
{
	size_t n;
	return p && classify(h, p, &n) == 0;
}

int nm_heap_trim(struct nm_heap *h)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC)
		return nm_uc_trim(h); /* keeps errno */
	int saved = errno;
	int r = trim_caches(h);
	errno = saved;
	return r;
}

/* ---- fork ---- */

void nm_heap_atfork_prepare(struct nm_heap *h)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC) {
		nm_uc_atfork_prepare(h); /* its only lock; the other models' are unused */
		return;
	}
	/* the order locks nest everywhere else: classes, then chunks, then the
       registry; the large lock never nests.  No heap lock is held while the
       heap calls the page source, so the engine's lock may be taken before or
       after these. */
	nm_lock(&h->large_lock);
	for (unsigned c = 0; c < NM_NCLASS; c++)
		for (unsigned k = 0; k < NM_SHARDS; k++)
			nm_lock(&h->central[c][k].lock);
	nm_lock(&h->chunk_lock);
	nm_lock(&nm_registry_lock);
}

void nm_heap_atfork_parent(struct nm_heap *h)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC) {
		nm_uc_atfork_parent(h);
		return;
	}
	nm_unlock(&nm_registry_lock);
	nm_unlock(&h->chunk_lock);
	for (unsigned c = NM_NCLASS; c-- > 0;)
		for (unsigned k = NM_SHARDS; k-- > 0;)
			nm_unlock(&h->central[c][k].lock);
	nm_unlock(&h->large_lock);
}

void nm_heap_atfork_child(struct nm_heap *h)
{
	if (h->model == NM_HEAP_MODEL_UCLIBC) {
		nm_uc_atfork_child(h);
		return;
	}
	/* only this thread exists now: plain resets (other threads' caches leak) */
	atomic_store_explicit(&h->large_lock.v, 0, memory_order_relaxed);
	atomic_store_explicit(&nm_registry_lock.v, 0, memory_order_relaxed);
	atomic_store_explicit(&h->chunk_lock.v, 0, memory_order_relaxed);
	for (unsigned c = 0; c < NM_NCLASS; c++)
		for (unsigned k = 0; k < NM_SHARDS; k++)
			atomic_store_explicit(&h->central[c][k].lock.v, 0, memory_order_relaxed);
}
