/* tests/integration/malloc_api.c - the exported malloc surface, as glibc documents it.
 *
 * Usage: malloc_api
 * Run natively (the referee: every expectation here must hold for glibc 2.36
 * itself) and under the preload with each heap model.  Each check prints
 * "ok: ..." or "not ok: ..." on stdout; exits 1 if any check failed, else 0.
 *
 * Covered: malloc(0), free(NULL), free keeps errno, calloc zeroes and overflow,
 * huge requests (ENOMEM), realloc (NULL, grow/shrink keeping contents, size 0,
 * failure leaving the block alone), reallocarray overflow, alignment of malloc,
 * posix_memalign (good and bad alignments), aligned_alloc, memalign, valloc,
 * pvalloc, malloc_usable_size (and writing all of it), mallopt, malloc_trim,
 * mallinfo2, malloc_info, cross-thread free, and malloc in a forked child
 * (fork failing with ENOSYS, as in strict mode on the device, counts as skipped).
 *
 * Sizes stay below 4 MiB: the device's largest contiguous block by default
 * (4 KiB pages << max-order 10) must hold the block and the heap's header, so
 * under the simple and uclibc models malloc(4 MiB) itself fails in strict mode,
 * as it would on the board (a device limit, not what this test is about).
 * Built with -fno-builtin so the compiler does not fold calls (malloc(SIZE_MAX),
 * malloc/free pairs) whose real results are what is being tested.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

static int failed, passed;

static void check(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(cond ? "ok: " : "not ok: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	if (cond)
		passed++;
	else
		failed++;
}

/* A value the compiler cannot see through (no folding of huge requests). */
static size_t opaque(size_t n)
{
	volatile size_t v = n;
	return v;
}

/* pattern byte i of a block tagged `tag` */
static inline unsigned char pat(unsigned tag, size_t i)
{
	return (unsigned char)(tag * 37u + i * 131u + (i >> 9));
}

static void fill(void *p, size_t n, unsigned tag)
{
	unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		c[i] = pat(tag, i);
}

/* 1 if the first n bytes of p are the pattern of tag */
static int intact(const void *p, size_t n, unsigned tag)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != pat(tag, i))
			return 0;
	return 1;
}

static int all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != v)
			return 0;
	return 1;
}

static int aligned(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

/* sizes that cross the heaps' boundaries: tiny, size classes, pages, own mappings */
static const size_t sizes[] = { 1,     2,     7,      8,      15,     16,     17,   24,      31,     32,
				33,    48,    63,     64,     100,    127,    128,  255,     256,    500,
				1000,  1024,  2000,   4095,   4096,   4097,   8000, 16384,   32768,  65535,
				65536, 70000, 131072, 200000, 262144, 500000, MiB,  MiB + 1, 3 * MiB };
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* ---- malloc(0), free ---- */

static void test_malloc_zero_free(void)
{
	void *z[8];
	int nonnull = 1, unique = 1;
	for (int i = 0; i < 8; i++) {
		z[i] = malloc(opaque(0));
		if (!z[i])
			nonnull = 0;
	}
	for (int i = 0; i < 8; i++)
		for (int j = i + 1; j < 8; j++)
			if (z[i] && z[i] == z[j])
				unique = 0;
	check(nonnull, "malloc(0) returns non-NULL");
	check(unique, "malloc(0) returns a unique pointer each time");
	for (int i = 0; i < 8; i++)
		free(z[i]);
	check(1, "free accepts malloc(0)'s blocks");

	errno = EDOM;
	free(NULL);
	check(errno == EDOM, "free(NULL) is a no-op and keeps errno");

	/* glibc >= 2.33: free preserves errno, also when it returns memory to the OS */
	static const size_t fsz[] = { 16, 1000, 70000, 300000, MiB, 4 * MiB - 64 * KiB };
	for (size_t i = 0; i < sizeof fsz / sizeof fsz[0]; i++) {
		char *p = malloc(fsz[i]);
		if (!p) {
			check(0, "free keeps errno: malloc(%zu) failed", fsz[i]);
			continue;
		}
		memset(p, 1, fsz[i]);
		errno = EDOM;
		free(p);
		check(errno == EDOM, "free of a %zu-byte block keeps errno (got %d)", fsz[i], errno);
	}
}

/* ---- calloc ---- */

static void test_calloc(void)
{
	for (size_t i = 0; i < NSIZES; i++) {
		size_t n = sizes[i];
		unsigned char *p = calloc(1, n);
		int ok = p && all_bytes(p, n, 0);
		free(p);
		/* a block of the same size, dirtied and freed, then calloc'ed again:
           typically the same memory, which calloc must clear */
		unsigned char *d = malloc(n);
		if (d) {
			memset(d, 0xA5, n);
			free(d);
		}
		unsigned char *q = calloc(n, 1);
		int ok2 = q && all_bytes(q, n, 0);
		if (q)
			memset(q, 0x5A, n);
		free(q);
		unsigned char *r = calloc(1, n);
		int ok3 = r && all_bytes(r, n, 0);
		free(r);
		check(ok && ok2 && ok3, "calloc(%zu) is zeroed, also when reusing a dirtied block", n);
	}
	/* arrays: nmemb * size */
	int *a = calloc(opaque(1000), sizeof(int));
	int zero = a != NULL;
	for (int i = 0; a && i < 1000; i++)
		zero &= a[i] == 0;
	free(a);
	check(zero, "calloc(1000, sizeof(int)) is zeroed");

	errno = 0;
	void *p = calloc(opaque(SIZE_MAX / 2), 3);
	check(!p && errno == ENOMEM, "calloc(SIZE_MAX/2, 3) returns NULL with ENOMEM (errno %d)", errno);
	free(p);
	errno = 0;
	p = calloc(opaque((size_t)1 << 33), (size_t)1 << 33);
	check(!p && errno == ENOMEM, "calloc(2^33, 2^33) (overflow) returns NULL with ENOMEM (errno %d)", errno);
	free(p);
	errno = 0;
	p = calloc(opaque(SIZE_MAX), opaque(SIZE_MAX));
	check(!p && errno == ENOMEM, "calloc(SIZE_MAX, SIZE_MAX) returns NULL with ENOMEM (errno %d)", errno);
	free(p);
}

/* ---- huge requests ---- */

static void test_huge(void)
{
	errno = 0;
	void *p = malloc(opaque(SIZE_MAX));
	check(!p && errno == ENOMEM, "malloc(SIZE_MAX) returns NULL with ENOMEM (errno %d)", errno);
	free(p);
	errno = 0;
	p = malloc(opaque((size_t)PTRDIFF_MAX + 1));
	check(!p && errno == ENOMEM, "malloc(PTRDIFF_MAX+1) returns NULL with ENOMEM (errno %d)", errno);
	free(p);
}

/* ---- realloc, reallocarray ---- */

static void test_realloc(void)
{
	char *p = realloc(NULL, opaque(100));
	check(p && malloc_usable_size(p) >= 100, "realloc(NULL, 100) acts as malloc(100)");
	if (p) {
		fill(p, 100, 1);
		check(intact(p, 100, 1), "realloc(NULL, 100)'s block is writable");
	}
	free(p);

	/* up the ladder, then down: the common prefix survives every move */
	static const size_t ladder[] = { 1,    2,    3,     15,    16,     17,     100, 1000,    4095,
					 4096, 4097, 40000, 70000, 131072, 500000, MiB, 2 * MiB, 4 * MiB - 64 * KiB };
	const size_t nl = sizeof ladder / sizeof ladder[0];
	size_t cur = ladder[0];
	p = malloc(cur);
	if (!p) {
		check(0, "realloc ladder: malloc(1) failed");
		return;
	}
	fill(p, cur, 7);
	int ok = 1;
	size_t bad_from = 0, bad_to = 0;
	for (size_t step = 1; step < 2 * nl - 1 && ok; step++) {
		size_t next = step < nl ? ladder[step] : ladder[2 * nl - 2 - step];
		char *q = realloc(p, next);
		if (!q) {
			ok = 0;
			bad_from = cur;
			bad_to = next;
			break;
		}
		p = q;
		if (!intact(p, cur < next ? cur : next, 7)) {
			ok = 0;
			bad_from = cur;
			bad_to = next;
		}
		fill(p, next, 7);
		cur = next;
	}
	if (ok)
		check(1, "realloc keeps contents growing 1 -> %zu and shrinking back to 1", ladder[nl - 1]);
	else
		check(0, "realloc keeps contents: failed moving %zu -> %zu bytes", bad_from, bad_to);
	free(p);

	/* in place or not, a shrink of a large block keeps its head */
	p = malloc(2 * MiB);
	if (p) {
		fill(p, 2 * MiB, 9);
		char *q = realloc(p, 1000);
		check(q && intact(q, 1000, 9), "realloc(2 MiB -> 1000) keeps the first 1000 bytes");
		free(q ? q : p);
	}

	/* glibc 2.36 (REALLOC_ZERO_BYTES_FREES): realloc(p, 0) frees p, returns NULL */
	p = malloc(100);
	char *z = realloc(p, opaque(0));
	check(p && z == NULL, "realloc(p, 0) frees p and returns NULL");
	free(z);

	/* a failed realloc leaves the old block alone */
	static const size_t huge[] = { SIZE_MAX, (size_t)PTRDIFF_MAX + 1, SIZE_MAX - 4096 };
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		static const size_t base[] = { 100, 300000 };
		for (size_t b = 0; b < 2; b++) {
			p = malloc(base[b]);
			if (!p) {
				check(0, "realloc failure: malloc(%zu) failed", base[b]);
				continue;
			}
			fill(p, base[b], 3);
			errno = 0;
			char *q = realloc(p, opaque(huge[i]));
			int e = errno;
			check(!q && e == ENOMEM && intact(p, base[b], 3),
			      "realloc(%zu-byte block, %zu) fails with ENOMEM (errno %d), block intact", base[b],
			      huge[i], e);
			if (q)
				p = q;
			free(p); /* still a live block: free must accept it */
		}
	}

	p = malloc(64);
	if (p) {
		fill(p, 64, 4);
		errno = 0;
		char *q = reallocarray(p, opaque(SIZE_MAX / 2), 3);
		int e = errno;
		check(!q && e == ENOMEM && intact(p, 64, 4),
		      "reallocarray(p, SIZE_MAX/2, 3) fails with ENOMEM (errno %d), block intact", e);
		if (q)
			p = q;
		q = reallocarray(p, 10, 100);
		check(q && intact(q, 64, 4) && malloc_usable_size(q) >= 1000,
		      "reallocarray(p, 10, 100) grows to 1000 bytes keeping contents");
		free(q ? q : p);
	}
	p = reallocarray(NULL, 4, 8);
	check(p != NULL, "reallocarray(NULL, 4, 8) acts as malloc(32)");
	free(p);
}

/* ---- alignment ---- */

static void test_alignment(void)
{
	/* glibc on x86_64 and aarch64: MALLOC_ALIGNMENT = 16 */
	size_t bad = 0, count = 0;
	for (size_t n = 1; n <= 70000; n += n < 600 ? 1 : n < 5000 ? 7 : 97) {
		void *p = malloc(n);
		count++;
		if (!p || !aligned(p, 16)) {
			if (!bad)
				bad = n;
		}
		free(p);
	}
	check(!bad, "malloc is 16-aligned for %zu sizes in 1..70000%s", count, bad ? " (first failure below)" : "");
	if (bad)
		check(0, "malloc(%zu) is 16-aligned and non-NULL", bad);

	/* posix_memalign: every power of two from sizeof(void *) to 1 MiB */
	for (size_t a = sizeof(void *); a <= MiB; a <<= 1) {
		static const size_t ns[] = { 1, 100, 4096, 0 };
		int ok = 1;
		for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
			size_t n = ns[k] ? ns[k] : a + 1;
			void *p = NULL;
			errno = EDOM;
			int r = posix_memalign(&p, a, n);
			if (r != 0 || !p || !aligned(p, a) || malloc_usable_size(p) < n) {
				ok = 0;
			} else {
				fill(p, n, (unsigned)k);
				ok &= intact(p, n, (unsigned)k);
			}
			free(p);
		}
		check(ok, "posix_memalign(%zu) is aligned, writable and freeable", a);
	}

	/* glibc: EINVAL unless a power-of-two multiple of sizeof(void *); returned, not
       put in errno; *memptr left alone */
	static const size_t bad_al[] = { 0, 3, 4, 12, 24, 48, 4097 };
	for (size_t i = 0; i < sizeof bad_al / sizeof bad_al[0]; i++) {
		static int anchor;
		void *p = &anchor;
		errno = EDOM;
		int r = posix_memalign(&p, bad_al[i], 64);
		check(r == EINVAL && p == &anchor && errno == EDOM,
		      "posix_memalign(alignment %zu) returns EINVAL, *memptr and errno untouched "
		      "(r %d, errno %d)",
		      bad_al[i], r, errno);
		if (p != &anchor)
			free(p);
	}
	{
		static int anchor;
		void *p = &anchor;
		int r = posix_memalign(&p, 64, opaque(SIZE_MAX - 4096));
		check(r == ENOMEM && p == &anchor,
		      "posix_memalign(64, SIZE_MAX-4096) returns ENOMEM, *memptr untouched (r %d)", r);
		if (p != &anchor)
			free(p);
	}

	void *p = aligned_alloc(64, 100);
	check(p && aligned(p, 64) && malloc_usable_size(p) >= 100, "aligned_alloc(64, 100) is aligned");
	free(p);
	p = aligned_alloc(4096, 4096);
	check(p && aligned(p, 4096), "aligned_alloc(4096, 4096) is aligned");
	free(p);
	p = memalign(4096, 10);
	check(p && aligned(p, 4096) && malloc_usable_size(p) >= 10, "memalign(4096, 10) is aligned");
	free(p);
	p = memalign(256 * KiB, 1000);
	check(p && aligned(p, 256 * KiB), "memalign(256 KiB, 1000) is aligned");
	free(p);

	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	p = valloc(100);
	check(p && aligned(p, page) && malloc_usable_size(p) >= 100, "valloc(100) is page-aligned (page %zu)", page);
	free(p);
	p = valloc(3 * page + 1);
	check(p && aligned(p, page), "valloc(3 pages + 1) is page-aligned");
	free(p);
	p = pvalloc(1);
	check(p && aligned(p, page) && malloc_usable_size(p) >= page,
	      "pvalloc(1) is page-aligned with a whole page usable (%zu)", p ? malloc_usable_size(p) : 0);
	if (p)
		memset(p, 0x77, page);
	free(p);
	p = pvalloc(page + 1);
	check(p && aligned(p, page) && malloc_usable_size(p) >= 2 * page, "pvalloc(page + 1) rounds up to 2 pages");
	free(p);
}

/* ---- malloc_usable_size ---- */

static void test_usable_size(void)
{
	check(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) == 0");
	enum {
		K = 8
	};
	for (size_t i = 0; i < NSIZES; i++) {
		size_t n = sizes[i];
		unsigned char *b[K];
		size_t u[K];
		int ok = 1;
		for (int k = 0; k < K; k++) {
			b[k] = malloc(n);
			u[k] = b[k] ? malloc_usable_size(b[k]) : 0;
			if (!b[k] || u[k] < n)
				ok = 0;
		}
		/* fill every block's whole usable size; no neighbour may be hit */
		for (int k = 0; k < K; k++)
			if (b[k])
				memset(b[k], 0x10 + k, u[k]);
		for (int k = 0; k < K; k++)
			if (b[k] && !all_bytes(b[k], u[k], (unsigned char)(0x10 + k)))
				ok = 0;
		check(ok,
		      "malloc(%zu): usable size %zu >= request, all of it writable without "
		      "touching the neighbours",
		      n, u[0]);
		for (int k = 0; k < K; k++)
			free(b[k]);
	}
}

/* ---- glibc's extras ---- */

static size_t in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void test_extras(void)
{
	check(mallopt(M_TRIM_THRESHOLD, 256 * 1024) == 1, "mallopt(M_TRIM_THRESHOLD) returns 1");
	check(mallopt(M_MMAP_THRESHOLD, 256 * 1024) == 1, "mallopt(M_MMAP_THRESHOLD) returns 1");
	check(mallopt(M_TOP_PAD, 0) == 1, "mallopt(M_TOP_PAD) returns 1");
	/* glibc: an unknown parameter is not an error (mallopt(3), BUGS: "Specifying an
       invalid value for param does not generate an error") -- it returns 1, not 0 */
	check(mallopt(12345, 1) == 1, "mallopt(12345 (unknown), 1) returns 1, as glibc does");
	/* glibc: M_MXFAST above 80 * sizeof(size_t) / 4 is refused */
	check(mallopt(M_MXFAST, 1000) == 0, "mallopt(M_MXFAST, 1000) (above the maximum) returns 0");
	check(mallopt(M_MXFAST, 64) == 1, "mallopt(M_MXFAST, 64) returns 1");

	int r = malloc_trim(0);
	check(r == 0 || r == 1, "malloc_trim(0) returns 0 or 1 (%d)", r);

	/* mallinfo2: 10 MiB in 1 KiB blocks shows in uordblks + hblkhd, and leaves */
	enum {
		NB = 10240
	};
	static void *blk[NB];
	size_t before = in_use();
	int ok = 1;
	for (int i = 0; i < NB; i++) {
		blk[i] = malloc(1024);
		if (!blk[i])
			ok = 0;
		else
			memset(blk[i], i, 1024);
	}
	size_t during = in_use();
	check(ok && during >= before + 10 * MiB - 64 * KiB,
	      "mallinfo2: uordblks+hblkhd grows by ~10 MiB after 10240 x 1 KiB (%zu -> %zu)", before, during);
	for (int i = 0; i < NB; i++)
		free(blk[i]);
	size_t after = in_use();
	check(after + 9 * MiB <= during, "mallinfo2: uordblks+hblkhd falls back after freeing them (%zu -> %zu)",
	      during, after);
	r = malloc_trim(0);
	check(r == 0 || r == 1, "malloc_trim(0) after freeing 10 MiB returns 0 or 1 (%d)", r);

	/* malloc_stats: some text on stderr (its format is the allocator's own) */
	FILE *st = tmpfile();
	if (st) {
		fflush(stderr);
		int saved = dup(STDERR_FILENO);
		if (saved >= 0 && dup2(fileno(st), STDERR_FILENO) >= 0) {
			malloc_stats();
			fflush(stderr);
			dup2(saved, STDERR_FILENO);
		}
		if (saved >= 0)
			close(saved);
		fseek(st, 0, SEEK_END);
		long len = ftell(st);
		check(len > 0, "malloc_stats() writes its statistics to stderr (%ld bytes)", len);
		fclose(st);
	} else {
		check(0, "malloc_stats: tmpfile() failed (%s)", strerror(errno));
	}

	FILE *fp = tmpfile();
	if (!fp) {
		check(0, "malloc_info: tmpfile() failed (%s)", strerror(errno));
		return;
	}
	r = malloc_info(0, fp);
	fflush(fp);
	rewind(fp);
	char head[64] = "";
	size_t got = fread(head, 1, sizeof head - 1, fp);
	head[got] = 0;
	check(r == 0 && !strncmp(head, "<malloc version=", 16),
	      "malloc_info(0, fp) returns 0 and writes \"<malloc version=...\" (r %d)", r);
	/* glibc: a non-zero options is refused by returning EINVAL itself (not -1 with
       errno = EINVAL); nothing is written */
	long at = ftell(fp);
	errno = EDOM;
	r = malloc_info(1, fp);
	int e = errno;
	fflush(fp);
	check(r == EINVAL && ftell(fp) == at, "malloc_info(1, fp) returns EINVAL and writes nothing (r %d, errno %d)",
	      r, e);
	fclose(fp);
}

/* ---- threads: every block is freed by another thread ---- */

enum {
	NT = 4,
	PER = 300,
	ROUNDS = 20
};
static unsigned char *xblk[NT][PER];
static size_t xsize[NT][PER];
static pthread_barrier_t xbar;
static atomic_int xbad, xnull;

static size_t xpick(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	unsigned k = (unsigned)(*s % 100);
	size_t r = (size_t)(*s >> 20);
	if (k < 70)
		return 1 + r % 256;
	if (k < 95)
		return 257 + r % 8000;
	if (k < 99)
		return 8192 + r % 60000;
	return 70000 + r % 400000;
}

static void *xworker(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(t + 1);
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < PER; i++) {
			size_t n = xpick(&s);
			unsigned char *p = (i % 5 == 0) ? calloc(1, n) : malloc(n);
			if (!p) {
				atomic_fetch_add(&xnull, 1);
			} else {
				if (i % 5 == 0 && !all_bytes(p, n, 0))
					atomic_fetch_add(&xbad, 1);
				fill(p, n, (unsigned)(t * 1000 + round * 31 + i));
			}
			xblk[t][i] = p;
			xsize[t][i] = n;
		}
		pthread_barrier_wait(&xbar);
		int from = (t + 1) % NT;
		for (int i = 0; i < PER; i++) {
			unsigned char *p = xblk[from][i];
			if (p && !intact(p, xsize[from][i], (unsigned)(from * 1000 + round * 31 + i)))
				atomic_fetch_add(&xbad, 1);
			free(p);
			xblk[from][i] = NULL;
		}
		pthread_barrier_wait(&xbar);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[NT];
	int started = 0;
	pthread_barrier_init(&xbar, NULL, NT);
	for (int t = 0; t < NT; t++)
		if (pthread_create(&th[t], NULL, xworker, (void *)(intptr_t)t) == 0)
			started++;
	if (started != NT) {
		check(0, "threads: pthread_create failed");
		exit(1); /* the others wait at the barrier forever */
	}
	for (int t = 0; t < NT; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&xbar);
	check(!atomic_load(&xnull), "threads: %d x %d allocations all succeeded", NT, ROUNDS * PER);
	check(!atomic_load(&xbad), "threads: blocks freed by another thread kept their contents (%d bad)",
	      atomic_load(&xbad));
}

/* ---- fork ---- */

static void test_fork(void)
{
	size_t n = 5000;
	char *p = malloc(n);
	if (!p) {
		check(0, "fork: malloc failed");
		return;
	}
	fill(p, n, 11);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		/* strict mode on the no-MMU device: fork does not exist; natively it must work */
		const char *pre = getenv("LD_PRELOAD");
		int preloaded = pre && strstr(pre, "libnommu");
		check(e == ENOSYS && preloaded,
		      "fork failed with ENOSYS under the preload (no fork on the device): skipped "
		      "(errno %d)",
		      e);
		free(p);
		return;
	}
	if (pid == 0) {
		int bad = !intact(p, n, 11);
		free(p); /* the parent's block, in the child's copy of the heap */
		for (size_t i = 0; i < NSIZES; i++) {
			char *q = malloc(sizes[i]);
			if (!q) {
				bad = 1;
				continue;
			}
			fill(q, sizes[i], (unsigned)i);
			char *r = realloc(q, sizes[i] * 2);
			if (!r || !intact(r, sizes[i], (unsigned)i))
				bad = 1;
			free(r ? r : q);
		}
		_exit(bad ? 3 : 0);
	}
	int st = 0;
	pid_t w;
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	check(w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "fork: the child mallocs, reallocs and frees (also a parent's block) and exits 0 "
	      "(status %#x)",
	      st);
	check(intact(p, n, 11), "fork: the parent's block is intact after the child freed its copy");
	free(p);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_malloc_zero_free();
	test_calloc();
	test_huge();
	test_realloc();
	test_alignment();
	test_usable_size();
	test_extras();
	test_threads();
	test_fork();
	printf("malloc_api: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
