/*
 * writer-small-stack.c - a thread with a small stack breaks rules (a munmap of nothing,
 * a MAP_FIXED map, an mremap that grows): the report must fit on that stack.
 *   writer-small-stack [BYTES]   the thread's stack (default 16384, PTHREAD_STACK_MIN
 *                                class); exit 0 when the thread ran to its end
 *   writer-small-stack measure   a 1 MiB stack painted beforehand: prints how many bytes
 *                                of it the rule-breaking calls used ("stack used N")
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define PAINT 0x5a

static char *stack_lo; /* lowest byte of the thread's stack (measure mode) */
static size_t used;

NOINLINE static void break_rules(void)
{
	munmap((void *)0x10000, 4096); /* nothing mapped there */
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(4);
	mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *q = mremap(p, 4096, 8192, MREMAP_MAYMOVE);
	munmap(q == MAP_FAILED ? p : q, q == MAP_FAILED ? 4096 : 8192);
}

/* Fill the unused stack below this frame with PAINT (a margin left for memset's own). */
NOINLINE static void paint(void)
{
	char here;
	memset(stack_lo, PAINT, (size_t)(&here - 512 - stack_lo));
}

static void *thread_main(void *measure)
{
	char top;
	if (measure) {
		paint();
		break_rules();
		char *p = stack_lo;
		while (*p == PAINT)
			p++;
		used = (size_t)(&top - p);
	} else {
		break_rules();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	bool measure = argc > 1 && strcmp(argv[1], "measure") == 0;
	size_t size = argc > 1 && !measure ? strtoul(argv[1], NULL, 0) : 16384;
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	if (measure) {
		size = 1 << 20;
		stack_lo = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (stack_lo == MAP_FAILED || pthread_attr_setstack(&attr, stack_lo, size) != 0)
			return 3;
	} else if (pthread_attr_setstacksize(&attr, size) != 0) {
		fprintf(stderr, "writer-small-stack: a stack of %zu bytes is refused\n", size);
		return 3;
	}
	if (pthread_create(&t, &attr, thread_main, measure ? &t : NULL) != 0 || pthread_join(t, NULL) != 0)
		return 3;
	if (measure)
		printf("stack used %zu\n", used);
	return 0;
}
