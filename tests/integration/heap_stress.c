/* tests/integration/heap_stress.c - threaded malloc stress test.
 *
 * Usage: heap_stress [threads=4] [ops per thread=1000000]
 * Run natively or under the preload (nommu-run / LD_PRELOAD); exits 0 when
 * every block kept its contents, 1 (with a message on stderr) otherwise.
 *
 * Each thread keeps a table of live blocks and, at random: mallocs (mostly
 * small, some medium, a few large), callocs (checks zeroes), reallocs (grows
 * or shrinks, checks the kept part), memaligns / posix_memaligns (checks the
 * alignment), frees, or hands a block to another thread through a shared
 * exchange table (so blocks are freed by threads that did not allocate them).
 * Every block starts with a header {size, seed}; its bytes are a pattern of
 * the seed, verified before the block is freed or resized.  The sums of the
 * patterns written and verified are compared at the end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE 512     /* live blocks per thread */
#define EXCHANGE 256 /* shared hand-over slots */

struct hdr {
	size_t size; /* bytes in the block, header included */
	uint64_t seed;
};

static _Atomic(struct hdr *) exchange[EXCHANGE];
static atomic_ullong written_sum, checked_sum;
static atomic_int failed;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fail(const char *what, const void *p, size_t n)
{
	if (atomic_fetch_add(&failed, 1) < 10)
		fprintf(stderr, "heap_stress: %s (block %p, %zu bytes)\n", what, p, n);
}

/* pattern byte i of a block with this seed */
static inline unsigned char pat(uint64_t seed, size_t i)
{
	return (unsigned char)((seed >> (i & 31)) + i * 131u);
}

static uint64_t fill(struct hdr *b, size_t n, uint64_t seed)
{
	b->size = n;
	b->seed = seed;
	unsigned char *c = (unsigned char *)(b + 1);
	uint64_t sum = 0;
	for (size_t i = 0; i < n - sizeof *b; i++) {
		c[i] = pat(seed, i);
		sum += c[i];
	}
	return sum;
}

/* Verify the first `upto` bytes (header included) of b; returns their sum. */
static uint64_t verify(const struct hdr *b, size_t upto)
{
	const unsigned char *c = (const unsigned char *)(b + 1);
	uint64_t sum = 0;
	if (upto > b->size)
		upto = b->size;
	for (size_t i = 0; i < upto - sizeof *b; i++) {
		if (c[i] != pat(b->seed, i)) {
			fail("corrupted contents", b, b->size);
			return 0;
		}
		sum += c[i];
	}
	return sum;
}

static size_t pick_size(uint64_t *s)
{
	uint64_t r = rnd(s);
	unsigned k = (unsigned)(r % 1000);
	size_t n;
	if (k < 700)
		n = 16 + (r >> 12) % 240; /* small */
	else if (k < 950)
		n = 256 + (r >> 12) % 3800; /* medium */
	else if (k < 998)
		n = 4096 + (r >> 12) % 28000; /* larger classes */
	else
		n = 40000 + (r >> 12) % 400000; /* own mapping */
	return n;
}

struct worker {
	int id;
	long ops;
	uint64_t written, checked; /* pattern sums (exact: per-byte values) */
};

static void drop(struct worker *w, struct hdr *b)
{
	w->checked += verify(b, b->size);
	free(b);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct hdr *live[LIVE] = { 0 };
	uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(w->id + 1);
	for (long op = 0; op < w->ops && !atomic_load_explicit(&failed, memory_order_relaxed); op++) {
		uint64_t r = rnd(&s);
		unsigned i = (unsigned)(r % LIVE);
		unsigned what = (unsigned)((r >> 16) % 100);
		struct hdr *b = live[i];
		if (b && what < 45) { /* free */
			drop(w, b);
			live[i] = NULL;
		} else if (b && what < 55) { /* realloc */
			size_t n = pick_size(&s);
			size_t keep = n < b->size ? n : b->size;
			if (keep < sizeof *b)
				keep = sizeof *b;
			if (n < sizeof *b)
				n = sizeof *b;
			w->checked += verify(b, b->size);
			uint64_t seed = b->seed;
			struct hdr *nb = realloc(b, n);
			if (!nb) {
				fail("realloc failed", b, n);
				break;
			}
			/* the kept bytes must be the old pattern */
			const unsigned char *c = (const unsigned char *)(nb + 1);
			for (size_t k = 0; k < keep - sizeof *nb; k++)
				if (c[k] != pat(seed, k)) {
					fail("realloc lost contents", nb, n);
					break;
				}
			w->written += fill(nb, n, rnd(&s));
			live[i] = nb;
		} else if (b && what < 62) { /* hand to another thread */
			unsigned x = (unsigned)((r >> 24) % EXCHANGE);
			struct hdr *got = atomic_exchange(&exchange[x], b);
			live[i] = got; /* maybe another thread's block */
		} else if (!b) {       /* allocate */
			size_t n = pick_size(&s);
			unsigned how = (unsigned)((r >> 32) % 20);
			if (how == 0) {
				unsigned char *z = calloc(1, n);
				if (z)
					for (size_t k = 0; k < n; k++)
						if (z[k]) {
							fail("calloc memory not zero", z, n);
							break;
						}
				b = (struct hdr *)z;
			} else if (how == 1) {
				size_t al = (size_t)16 << ((r >> 40) % 9); /* 16 .. 4096 */
				void *p = NULL;
				if (posix_memalign(&p, al, n) != 0)
					p = NULL;
				if (p && (uintptr_t)p % al)
					fail("posix_memalign misaligned", p, n);
				b = p;
			} else if (how == 2) {
				size_t al = (size_t)32 << ((r >> 40) % 12); /* 32 .. 64 KiB */
				b = memalign(al, n);
				if (b && (uintptr_t)b % al)
					fail("memalign misaligned", b, n);
			} else {
				b = malloc(n);
			}
			if (!b) {
				fail("allocation failed", NULL, n);
				break;
			}
			if (malloc_usable_size(b) < n)
				fail("usable size below request", b, n);
			w->written += fill(b, n, rnd(&s));
			live[i] = b;
		}
	}
	for (unsigned i = 0; i < LIVE; i++)
		if (live[i])
			drop(w, live[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	long ops = argc > 2 ? atol(argv[2]) : 1000000;
	if (threads < 1 || threads > 256 || ops < 1) {
		fprintf(stderr, "usage: heap_stress [threads] [ops per thread]\n");
		return 2;
	}
	pthread_t *t = calloc((size_t)threads, sizeof *t);
	struct worker *w = calloc((size_t)threads, sizeof *w);
	if (!t || !w) {
		fprintf(stderr, "heap_stress: out of memory\n");
		return 1;
	}
	for (int i = 0; i < threads; i++) {
		w[i].id = i;
		w[i].ops = ops;
		if (pthread_create(&t[i], NULL, run, &w[i]) != 0) {
			fprintf(stderr, "heap_stress: pthread_create failed\n");
			return 1;
		}
	}
	uint64_t written = 0, checked = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		written += w[i].written;
		checked += w[i].checked;
	}
	for (unsigned x = 0; x < EXCHANGE; x++) {
		struct hdr *b = atomic_exchange(&exchange[x], NULL);
		if (b) {
			checked += verify(b, b->size);
			free(b);
		}
	}
	atomic_store(&written_sum, written);
	atomic_store(&checked_sum, checked);
	if (!atomic_load(&failed) && written != checked)
		fail("checksum mismatch: blocks written and blocks verified differ", NULL, 0);
	free(t);
	free(w);
	if (atomic_load(&failed)) {
		fprintf(stderr, "heap_stress: FAILED\n");
		return 1;
	}
	printf("heap_stress: %d threads x %ld ops: ok (checksum %llu)\n", threads, ops, (unsigned long long)written);
	return 0;
}
