/* core/heap_simple.c - the "simple" heap model.
 *
 * As uClibc-ng's malloc-simple does on a no-MMU board: every allocation is its
 * own mapping from the device (page-rounded, with a size word in front of the
 * block), and free gives the mapping back.  Nothing is ever shared or cached,
 * so this is the worst case for fragmentation and for the number of mappings:
 * a program that fits with it fits with anything.
 *
 * The block layout is the large-allocation one (heap_large.c) with a 16-byte
 * header (uClibc-ng keeps a size_t; 16 keeps malloc's x86_64 alignment).
 * memalign'd blocks have no header and sit at an aligned offset instead.
 */
#include "heap.h"

#define SIMPLE_HDR 16u

void *nm_simple_malloc(struct nm_heap *h, size_t n, const void *caller)
{
	return nm_large_alloc(h, n, NM_ALIGN, SIMPLE_HDR, 0, caller);
}

/* calloc: a mapping asked for zeroed (the others may hold old bytes) */
void *nm_simple_calloc(struct nm_heap *h, size_t n, const void *caller)
{
	return nm_large_alloc(h, n, NM_ALIGN, SIMPLE_HDR, 1, caller);
}

void *nm_simple_memalign(struct nm_heap *h, size_t align, size_t n, const void *caller)
{
	if (align <= NM_ALIGN)
		return nm_simple_malloc(h, n, caller);
	return nm_large_alloc(h, n, align, 0, 0, caller);
}

void nm_simple_free(struct nm_heap *h, void *p, const void *caller)
{
	int bad = nm_large_free(h, p);
	if (bad)
		nm_heap_report(h, bad, p, 0, caller);
}
