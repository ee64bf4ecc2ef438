/*
 * bench.c - micro workloads for nommu's benchmark: each prints "<name> <ns per op>".
 * Run natively and under nommu-run by run.sh, which prints the ratios.
 *
 *   bench mmap4k | mmap1m | malloc | malloc4t | realloc | realloc-big
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* anonymous mmap + munmap pairs, touching one byte so the page is really used */
static double mmap_pairs(size_t len, long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			abort();
		p[0] = 1;
		munmap(p, len);
	}
	return (now_ns() - t0) / n;
}

/* a small-size malloc/free mix: a window of live blocks, sizes 8..512 */
static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double malloc_mix(long n, uint64_t seed)
{
	enum {
		WINDOW = 1024
	};
	void *live[WINDOW] = { 0 };
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		unsigned k = (unsigned)(rng(&seed) % WINDOW);
		free(live[k]);
		size_t sz = 8 + rng(&seed) % 505;
		live[k] = malloc(sz);
		((char *)live[k])[0] = (char)i;
	}
	for (int k = 0; k < WINDOW; k++)
		free(live[k]);
	return (now_ns() - t0) / n;
}

static void *thread_mix(void *arg)
{
	double *out = arg;
	*out = malloc_mix(2000000, (uint64_t)(uintptr_t)arg | 1);
	return NULL;
}

/* a buffer doubling from `from` to `to` bytes by realloc, then freed */
static double realloc_growth(long n, size_t from, size_t to)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = NULL;
		for (size_t sz = from; sz <= to; sz *= 2) {
			p = realloc(p, sz);
			p[sz - 1] = 1;
		}
		free(p);
	}
	return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	const char *w = argc > 1 ? argv[1] : "";
	double ns;
	if (!strcmp(w, "mmap4k"))
		ns = mmap_pairs(4096, 200000);
	else if (!strcmp(w, "mmap1m"))
		ns = mmap_pairs(1 << 20, 20000);
	else if (!strcmp(w, "malloc"))
		ns = malloc_mix(5000000, 88172645463325252ull);
	else if (!strcmp(w, "malloc4t")) {
		pthread_t t[4];
		double r[4];
		double t0 = now_ns();
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, thread_mix, &r[i]);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		ns = (now_ns() - t0) / (4 * 2000000.0);
	} else if (!strcmp(w, "realloc"))
		ns = realloc_growth(20000, 16, 256 << 10);
	else if (!strcmp(w, "realloc-big"))
		ns = realloc_growth(500, 256 << 10, 4 << 20);
	else {
		fprintf(stderr, "usage: bench mmap4k|mmap1m|malloc|malloc4t|realloc|realloc-big\n");
		return 2;
	}
	printf("%s %.1f\n", w, ns);
	return 0;
}
