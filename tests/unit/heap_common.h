/* tests/unit/heap_common.h - what the heap's Check suites share: the heap under test,
 * the violation-report hook with its counters, short malloc wrappers, and a byte
 * pattern to prove a block kept its contents.  Each suite brings its own page source
 * (test_heap.c: an engine-like one; test_heap_uclibc.c: one that counts mappings). */
#ifndef NOMMU_TESTS_HEAP_COMMON_H
#define NOMMU_TESTS_HEAP_COMMON_H

#include "heap.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct nm_heap heap;
static struct nm_heap *H = &heap;

/* violation reports */
static atomic_int n_double, n_invalid, n_nomem;
static size_t last_size;
static const void *last_ptr;
static void on_report(void *ctx, enum nm_heap_event kind, const void *p, size_t size, const void *caller)
{
	(void)ctx;
	(void)caller;
	if (kind == NM_HEAP_DOUBLE_FREE)
		n_double++;
	else if (kind == NM_HEAP_INVALID_FREE)
		n_invalid++;
	else if (kind == NM_HEAP_NO_MEMORY)
		n_nomem++;
	last_size = size;
	last_ptr = p;
}

#define CALLER ((const void *)0)
static inline void *xmalloc(size_t n)
{
	return nm_heap_malloc(H, n, CALLER);
}
static inline void xfree(void *p)
{
	nm_heap_free(H, p, CALLER);
}
static inline void *xrealloc(void *p, size_t n)
{
	return nm_heap_realloc(H, p, n, CALLER);
}

/* a pattern that depends on the seed and the position */
static inline void fill(void *p, size_t n, unsigned seed)
{
	unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)(seed + i * 7);
}
static inline int check_fill(const void *p, size_t n, unsigned seed)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

/* ---- threads: blocks freed (and resized) by other threads than their owner ---- */

struct stress {
	int threads, slots, rounds;
	int resize;          /* also realloc (1 in 8) and memalign (1 in 2) */
	void *_Atomic *ring; /* threads x slots blocks; word 0 of a block = its size */
};
static struct stress stress;

static void *stress_body(void *arg)
{
	int me = (int)(intptr_t)arg;
	unsigned x = (unsigned)me * 2654435761u + 1;
	for (int round = 0; round < stress.rounds; round++) {
		x = x * 1103515245u + 12345u;
		int i = (int)((x >> 8) % (unsigned)stress.slots);
		int t = (int)((x >> 20) % (unsigned)stress.threads); /* someone else's block */
		void *old = atomic_exchange(&stress.ring[t * stress.slots + i], NULL);
		if (old) {
			size_t n = *(size_t *)old;
			if (!check_fill((char *)old + 8, n - 8, (unsigned)n))
				return (void *)1;
			if (stress.resize && (x & 7) == 0) {
				/* realloc, keeping the first half */
				size_t m = n / 2 + (x >> 4) % 2000 + 16;
				char *q = xrealloc(old, m);
				if (!q || !check_fill(q + 8, (m < n ? m : n) / 2 - 8, (unsigned)n))
					return (void *)2;
				old = q;
			}
			xfree(old);
		}
		size_t n = (x >> 4) % 3000 + 16;
		if ((x & 255) == 0)
			n = 100000;
		char *p = stress.resize && !(x & 16) ? nm_heap_memalign(H, 64, n, CALLER) : xmalloc(n);
		if (!p)
			return (void *)3;
		*(size_t *)p = n;
		fill(p + 8, n - 8, (unsigned)n);
		void *prev = atomic_exchange(&stress.ring[me * stress.slots + i], p);
		if (prev)
			xfree(prev);
	}
	return NULL;
}

/* Run the threads, check every block left and free it.  0 when all went well. */
static int run_stress(int threads, int slots, int rounds, int resize)
{
	pthread_t t[16];
	int bad = 0;
	stress = (struct stress){ threads, slots, rounds, resize, calloc((size_t)threads * slots, sizeof(void *)) };
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, stress_body, (void *)(intptr_t)i);
	for (int i = 0; i < threads; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad |= r != NULL;
	}
	for (int k = 0; k < threads * slots; k++) {
		char *p = stress.ring[k];
		if (p) {
			size_t n = *(size_t *)p;
			bad |= !check_fill(p + 8, n - 8, (unsigned)n);
			xfree(p);
		}
	}
	free((void *)stress.ring);
	return bad;
}

/* ---- fork with another thread in the heap ---- */

static atomic_int busy_stop;
static void *busy(void *arg)
{
	(void)arg;
	while (!atomic_load(&busy_stop)) {
		void *p = xmalloc(200);
		void *q = xmalloc(70000);
		xfree(p);
		xfree(q);
	}
	return NULL;
}

/* 20 forks while a thread mallocs; each child mallocs and frees 1000 blocks.
   source_lock is the page source's own lock, held across fork as the preload
   holds the engine's: heap locks first, then it. */
static void run_fork_with_busy_thread(pthread_mutex_t *source_lock)
{
	pthread_t t;
	atomic_store(&busy_stop, 0);
	pthread_create(&t, NULL, busy, NULL);
	for (int i = 0; i < 20; i++) {
		nm_heap_atfork_prepare(H);
		pthread_mutex_lock(source_lock);
		pid_t pid = fork();
		if (pid == 0) {
			pthread_mutex_init(source_lock, NULL);
			nm_heap_atfork_child(H);
			for (int k = 0; k < 1000; k++) {
				void *p = xmalloc((size_t)k * 10);
				if (!p)
					_exit(1);
				xfree(p);
			}
			_exit(0);
		}
		pthread_mutex_unlock(source_lock);
		nm_heap_atfork_parent(H);
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	atomic_store(&busy_stop, 1);
	pthread_join(t, NULL);
}

#endif
