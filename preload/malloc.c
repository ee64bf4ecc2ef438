/* preload/malloc.c - the malloc API the preload exports.
 *
 * Replaces glibc's malloc family with the heap of core/heap_*.c, whose pages
 * come from the engine (device RAM).  Everything glibc's manual lists for
 * replacing malloc is here, plus the glibc extras programs call (mallopt,
 * malloc_trim, mallinfo, mallinfo2, malloc_stats).  glibc's own __libc_malloc
 * & co are deliberately not replaced: they are the pass-through for a process
 * the tool does not check (skip=, untraced children), where every call goes
 * to glibc.
 *
 * Start-up: the heap is set up at the first call, which may come before any
 * constructor ran.  While it is being set up (the engine's own set-up may call
 * dlsym, which callocs), calls from the initialising thread are served from a
 * small static bootstrap arena; its blocks are never freed (free ignores them)
 * and realloc copies them out.  No stdio, no dlsym, no lock needing init here.
 *
 * Fork: the preload's fork handlers call nm_malloc_atfork_prepare/parent/child
 * (below) right after taking / before releasing the engine lock.  The heap
 * never holds one of its locks while calling the engine, and the engine does
 * not malloc under its lock, so "engine lock, then heap locks" cannot deadlock.
 */
#include "heap.h"
#include "nommu.h"
#include "preload.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* glibc's own allocator (exported by libc.so.6, not in its headers): the pass
   through for processes the tool does not check. */
extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t nmemb, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

/* ---- the process's heap ---- */

static struct nm_heap g_heap;
static atomic_int g_state; /* 0 not set up, 1 setting up, 2 ready, 3 pass through to glibc */
#define READY 2
#define PASS 3
static __thread int t_init __attribute__((tls_model("initial-exec")));

/* ---- bootstrap arena: calls made while the heap is being set up ---- */

#define BOOT_SIZE ((size_t)256 << 10)
static char boot[BOOT_SIZE] __attribute__((aligned(4096)));
static atomic_size_t boot_top;

static inline int in_boot(const void *p)
{
	return (uintptr_t)p - (uintptr_t)boot < BOOT_SIZE;
}

/* 16 bytes of header (the size) before each block; bump only. */
static void *boot_alloc(size_t n, size_t align)
{
	if (align < 16)
		align = 16;
	if (n > BOOT_SIZE || align > BOOT_SIZE / 4) {
		errno = ENOMEM;
		return NULL;
	}
	size_t top = atomic_load_explicit(&boot_top, memory_order_relaxed);
	for (;;) {
		size_t start = (top + 16 + align - 1) & ~(align - 1);
		size_t end = (start + n + 15) & ~(size_t)15;
		if (end > BOOT_SIZE) {
			errno = ENOMEM;
			return NULL;
		}
		if (atomic_compare_exchange_weak_explicit(&boot_top, &top, end, memory_order_relaxed,
							  memory_order_relaxed)) {
			*(size_t *)(boot + start - 16) = n;
			return boot + start; /* static storage: already zero */
		}
	}
}
static size_t boot_size(const void *p)
{
	return *(const size_t *)((const char *)p - 16);
}

/* ---- set-up ---- */

/* The page source.  Calls into the engine are bracketed like the preload's
   other calls, so the engine's own OS calls (and libunwind's, when it reports)
   pass through instead of coming back into it. */
static void *src_map(void *ctx, size_t len, int flags, int *err)
{
	nm_preload_enter();
	void *p = nm_heap_map_ex(ctx, len, flags, err);
	nm_preload_leave();
	return p;
}
static void *src_meta_map(void *ctx, size_t len)
{
	return nm_heap_meta_map(ctx, len); /* a raw mmap: nothing comes back into the preload */
}
static void src_meta_unmap(void *ctx, void *p, size_t len)
{
	nm_heap_meta_unmap(ctx, p, len);
}
static int src_grow(void *ctx, void *p, size_t old_len, size_t new_len)
{
	nm_preload_enter();
	int r = nm_heap_grow(ctx, p, old_len, new_len);
	nm_preload_leave();
	return r;
}
static void src_unmap(void *ctx, void *p, size_t len)
{
	nm_preload_enter();
	nm_heap_unmap(ctx, p, len);
	nm_preload_leave();
}
static void src_report(void *ctx, enum nm_heap_event kind, const void *p, size_t n, const void *caller)
{
	nm_preload_enter();
	nm_heap_violation(ctx, kind, p, n, caller);
	nm_preload_leave();
}

/* Called by the preload's fork handlers (after the engine lock is taken; before
   it is released).  No-ops until the heap is set up. */
void nm_malloc_atfork_prepare(void)
{
	if (atomic_load_explicit(&g_state, memory_order_acquire) == READY)
		nm_heap_atfork_prepare(&g_heap);
}
void nm_malloc_atfork_parent(void)
{
	if (atomic_load_explicit(&g_state, memory_order_acquire) == READY)
		nm_heap_atfork_parent(&g_heap);
}
void nm_malloc_atfork_child(void)
{
	if (atomic_load_explicit(&g_state, memory_order_acquire) == READY)
		nm_heap_atfork_child(&g_heap);
}

/* Set the heap up.  Returns READY, PASS, or 0 when this call must use the
   bootstrap arena (the engine is being created, maybe by this very thread). */
static __attribute__((noinline)) int heap_setup(void)
{
	int s = atomic_load_explicit(&g_state, memory_order_acquire);
	if (s == READY || s == PASS)
		return s;
	if (t_init)
		return 0; /* a call from inside the set-up */
	int zero = 0;
	if (!atomic_compare_exchange_strong(&g_state, &zero, 1)) {
		while ((s = atomic_load_explicit(&g_state, memory_order_acquire)) == 1)
			sched_yield();
		return s == READY || s == PASS ? s : 0;
	}
	int saved = errno;
	t_init = 1;
	struct nm_engine *e = nm_preload_engine();
	if (!e) {
		/* not checked at all (pass through), or still being created */
		s = nm_preload_engine_skipped() ? PASS : 0;
		t_init = 0;
		atomic_store_explicit(&g_state, s, memory_order_release);
		errno = saved;
		return s;
	}
	const struct nm_config *cfg = nm_engine_config(e);
	if (!strcmp(cfg->heap, "host")) {
		/* heap=host: glibc's malloc on host memory, not counted as device RAM */
		t_init = 0;
		atomic_store_explicit(&g_state, PASS, memory_order_release);
		errno = saved;
		return PASS;
	}
	struct nm_page_source ps = {
		.map = src_map,
		.unmap = src_unmap,
		.grow = src_grow,
		.meta_map = src_meta_map,
		.meta_unmap = src_meta_unmap,
		.ctx = e,
		.page_size = cfg->page_size,
		.max_block = cfg->page_size << cfg->max_order,
	};
	/* cfg->heap is fast, simple or uclibc (the option parser rejects other
       names with a message), so this does not fail; should it ever, the
       default model is better than no heap at all */
	if (nm_heap_init(&g_heap, &ps, cfg->heap, src_report, e) != 0)
		nm_heap_init(&g_heap, &ps, NULL, src_report, e);
	t_init = 0;
	atomic_store_explicit(&g_state, READY, memory_order_release);
	errno = saved;
	return READY;
}

/* READY (use g_heap), PASS (use glibc) or 0 (use the bootstrap arena). */
static inline int heap_state(void)
{
	int s = atomic_load_explicit(&g_state, memory_order_acquire);
	if (NM_LIKELY(s == READY))
		return s;
	return heap_setup();
}

/* For the engine: the process's heap once set up (exit summary), else NULL. */
struct nm_heap *nm_preload_heap(void)
{
	return atomic_load_explicit(&g_state, memory_order_acquire) == READY ? &g_heap : NULL;
}

/* ---- the malloc family ----
 * Each entry: READY -> the heap (the hot path, one load and a compare ahead of
 * it); PASS -> glibc's __libc_* functions; 0 -> the bootstrap arena. */

EXPORT void *malloc(size_t n)
{
	int s = heap_state();
	if (NM_LIKELY(s == READY))
		return nm_heap_malloc(&g_heap, n, CALLER);
	return s == PASS ? __libc_malloc(n) : boot_alloc(n, 16);
}

EXPORT void free(void *p)
{
	/* hot path: heap ready, not a bootstrap block (never freed) */
	int s = atomic_load_explicit(&g_state, memory_order_acquire);
	if (NM_LIKELY(s == READY && !in_boot(p))) {
		nm_heap_free(&g_heap, p, CALLER);
		return;
	}
	if (s == PASS && p && !in_boot(p))
		__libc_free(p);
	/* else NULL, a bootstrap block, or before set-up: nothing to do */
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
	int s = heap_state();
	if (NM_LIKELY(s == READY))
		return nm_heap_calloc(&g_heap, nmemb, size, CALLER);
	if (s == PASS)
		return __libc_calloc(nmemb, size);
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return boot_alloc(n, 16); /* static storage: already zero */
}

static void *realloc_impl(void *p, size_t n, const void *caller)
{
	int s = heap_state();
	if (NM_UNLIKELY(p && in_boot(p))) {
		/* out of the bootstrap arena: copy into a real block (glibc frees on 0) */
		if (n == 0)
			return NULL;
		void *q = s == READY ? nm_heap_malloc(&g_heap, n, caller)
			: s == PASS  ? __libc_malloc(n)
				     : boot_alloc(n, 16);
		if (q) {
			size_t old = boot_size(p);
			memcpy(q, p, old < n ? old : n);
		}
		return q;
	}
	if (NM_LIKELY(s == READY))
		return nm_heap_realloc(&g_heap, p, n, caller);
	if (s == PASS)
		return __libc_realloc(p, n);
	return p ? NULL : boot_alloc(n, 16);
}

EXPORT void *realloc(void *p, size_t n)
{
	return realloc_impl(p, n, CALLER);
}

EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc_impl(p, n, CALLER);
}

/* memalign's rules (glibc 2.36): a non-power-of-two alignment is rounded up,
   one above SIZE_MAX / 2 + 1 is EINVAL.  aligned_alloc follows them too. */
static void *memalign_impl(size_t align, size_t n, const void *caller)
{
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (align & (align - 1))
		align = (size_t)1 << (64 - __builtin_clzl(align));
	int s = heap_state();
	if (NM_LIKELY(s == READY))
		return nm_heap_memalign(&g_heap, align, n, caller);
	return s == PASS ? __libc_memalign(align, n) : boot_alloc(n, align);
}

EXPORT void *memalign(size_t align, size_t n)
{
	return memalign_impl(align, n, CALLER);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return memalign_impl(align, n, CALLER);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	int saved = errno; /* posix_memalign reports through its result only */
	void *p = memalign_impl(align, n, CALLER);
	int r = p ? 0 : errno;
	errno = saved;
	if (!p)
		return r ? r : ENOMEM;
	*out = p;
	return 0;
}

/* The device's page size for valloc/pvalloc (the host's before set-up). */
static size_t page_size(void)
{
	return heap_state() == READY ? g_heap.page_size : (size_t)sysconf(_SC_PAGESIZE);
}

EXPORT void *valloc(size_t n)
{
	return memalign_impl(page_size(), n, CALLER);
}

EXPORT void *pvalloc(size_t n)
{
	size_t page = page_size();
	if (n > SIZE_MAX - page) {
		errno = ENOMEM;
		return NULL;
	}
	n = n ? (n + page - 1) & ~(page - 1) : page;
	return memalign_impl(page, n, CALLER);
}

EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (in_boot(p))
		return boot_size(p);
	int s = heap_state();
	if (s == READY)
		return nm_heap_usable_size(&g_heap, p);
	if (s == PASS) {
		/* glibc's, by its chunk header (what its malloc_usable_size reads) */
		size_t head = ((const size_t *)p)[-1];
		return (head & ~(size_t)7) - ((head & 2) ? 2 : 1) * sizeof(size_t);
	}
	return 0;
}

/* ---- glibc's extras ---- */

/* A process the tool does not check (PASS) uses glibc's malloc: its extras must be
   glibc's too.  Found when first needed: these are rare calls, not hot paths. */
static void *glibc_extra(const char *name)
{
	return heap_state() == PASS ? dlsym(RTLD_NEXT, name) : NULL;
}

EXPORT int mallopt(int param, int value)
{
	int (*next)(int, int) = (int (*)(int, int))glibc_extra("mallopt");
	if (next)
		return next(param, value);
	/* glibc 2.36's answers; this heap has nothing to tune.  Only M_MXFAST above
       80 * sizeof(size_t) / 4 (a negative value too: glibc takes it as size_t) is
       refused; every other parameter, unknown ones included, is accepted (1). */
	if (param == M_MXFAST)
		return (size_t)value <= 80 * sizeof(size_t) / 4;
	return 1;
}

EXPORT int malloc_trim(size_t pad)
{
	int (*next)(size_t) = (int (*)(size_t))glibc_extra("malloc_trim");
	if (next)
		return next(pad);
	return heap_state() == READY ? nm_heap_trim(&g_heap) : 0;
}

EXPORT struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 (*next)(void) = (struct mallinfo2(*)(void))glibc_extra("mallinfo2");
	if (next)
		return next();
	struct mallinfo2 mi;
	struct nm_heap_stats st;
	memset(&mi, 0, sizeof mi);
	memset(&st, 0, sizeof st);
	if (heap_state() == READY)
		nm_heap_get_stats(&g_heap, &st);
	/* glibc's meaning: arena = heap bytes not in own mappings, hblkhd = bytes in
       own mappings, uordblks/fordblks = in use / free in the arena */
	mi.hblks = st.large_count;
	mi.hblkhd = st.large_in_use;
	mi.arena = st.mapped > st.large_in_use ? st.mapped - st.large_in_use : 0;
	mi.ordblks = 1;
	mi.uordblks = st.in_use - st.large_in_use;
	mi.fordblks = mi.arena > mi.uordblks ? mi.arena - mi.uordblks : 0;
	return mi;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
EXPORT struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo mi;
	mi.arena = (int)m2.arena;
	mi.ordblks = (int)m2.ordblks;
	mi.smblks = (int)m2.smblks;
	mi.hblks = (int)m2.hblks;
	mi.hblkhd = (int)m2.hblkhd;
	mi.usmblks = (int)m2.usmblks;
	mi.fsmblks = (int)m2.fsmblks;
	mi.uordblks = (int)m2.uordblks;
	mi.fordblks = (int)m2.fordblks;
	mi.keepcost = (int)m2.keepcost;
	return mi;
}
#pragma GCC diagnostic pop

EXPORT void malloc_stats(void)
{
	void (*next)(void) = (void (*)(void))glibc_extra("malloc_stats");
	if (next) {
		next();
		return;
	}
	char buf[1024];
	if (heap_state() != READY)
		return;
	int saved = errno;
	size_t n = nm_heap_format_stats(&g_heap, buf, sizeof buf);
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	for (size_t off = 0; off < n;) {
		ssize_t w = write(STDERR_FILENO, buf + off, n - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	errno = saved;
}

/* glibc's XML description of the heap: the same figures as mallinfo2, in the
   elements tools look for (total mmap/rest, system current/max, aspace). */
EXPORT int malloc_info(int options, FILE *fp)
{
	int (*next)(int, FILE *) = (int (*)(int, FILE *))glibc_extra("malloc_info");
	if (next)
		return next(options, fp);
	if (options != 0)
		return EINVAL; /* as glibc: the error number is the result, errno untouched */
	struct nm_heap_stats st;
	memset(&st, 0, sizeof st);
	if (heap_state() == READY)
		nm_heap_get_stats(&g_heap, &st);
	size_t rest = st.in_use - st.large_in_use;
	static const char *const model[] = { "fast", "simple", "uclibc" };
	const char *name = st.model >= 0 && st.model < 3 ? model[st.model] : "fast";
	fprintf(fp,
		"<malloc version=\"1\">\n"
		"<heap nr=\"0\" model=\"%s\">\n"
		"<total type=\"rest\" count=\"0\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<system type=\"max\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n"
		"</heap>\n"
		"<total type=\"rest\" count=\"0\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<system type=\"max\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n"
		"</malloc>\n",
		name, rest, st.large_count, st.large_in_use, st.mapped, st.peak_mapped, st.mapped, rest, st.large_count,
		st.large_in_use, st.mapped, st.peak_mapped, st.mapped);
	return 0;
}
