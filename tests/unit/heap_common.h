/* tests/unit/heap_common.h - what the heap's Check suites share: the heap under test,
 * the violation-report hook with its counters, short malloc wrappers, and a byte
 * pattern to prove a block kept its contents.  Each suite brings its own page source
 * (test_heap.c: an engine-like one; test_heap_uclibc.c: one that counts mappings). */
#ifndef NOMMU_TESTS_HEAP_COMMON_H
#define NOMMU_TESTS_HEAP_COMMON_H

#include "heap.h"

#include <stdatomic.h>
#include <stddef.h>

static struct nm_heap heap;
static struct nm_heap *H = &heap;

/* violation reports */
static atomic_int n_double, n_invalid, n_nomem;
static size_t last_size;
static const void *last_ptr;
static void on_report(void *ctx, int kind, const void *p, size_t size, const void *caller)
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
static inline void *xmalloc(size_t n) { return nm_heap_malloc(H, n, CALLER); }
static inline void xfree(void *p) { nm_heap_free(H, p, CALLER); }
static inline void *xrealloc(void *p, size_t n) { return nm_heap_realloc(H, p, n, CALLER); }

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

#endif
