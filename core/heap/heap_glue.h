/*
 * heap_glue.h - the heap's one contact with the engine: what crosses between them,
 * defined once.
 *
 * The heap (core/heap) never includes the engine's headers: it gets pages through its
 * nm_page_source (heap.h) and says what went wrong through its report hook.  The
 * preload (preload/malloc.c) builds both from the engine's heap calls declared here.
 * Lock order: the heap never holds one of its locks while calling these, and the
 * engine does not malloc under its lock.
 */
#ifndef NM_HEAP_GLUE_H
#define NM_HEAP_GLUE_H

#include <stddef.h>

struct nm_engine;

/* Flags of a page-source map (nm_page_source.map, nm_heap_map_ex). */
enum nm_ps_flags {
	NM_PS_TRY = 1,    /* when the device cannot give the block, just fail: no report,
			     no host memory */
	NM_PS_UNINIT = 2, /* the memory may hold old bytes (MAP_UNINITIALIZED): nothing
			     cleared, no page faulted in */
};

/* What the heap reports through its hook (nm_heap_violation maps it to a rule). */
enum nm_heap_event {
	NM_HEAP_DOUBLE_FREE = 1,  /* free of a block that is already free: free-invalid */
	NM_HEAP_INVALID_FREE = 2, /* not from this heap, or not a block's start: free-invalid */
	NM_HEAP_NO_MEMORY = 3,    /* the device cannot give the memory; size = the request:
				     malloc-no-memory */
};

/* The engine's side (core/engine/nm_mmap.c). */
/* Anonymous device RAM for the heap, counted exactly like an anonymous mmap. */
void *nm_heap_map_ex(struct nm_engine *e, size_t len, int flags, int *err);
void nm_heap_unmap(struct nm_engine *e, void *p, size_t len);
/* Host memory for the heap's own tables (not device RAM, not counted). */
void *nm_heap_meta_map(struct nm_engine *e, size_t len);
void nm_heap_meta_unmap(struct nm_engine *e, void *p, size_t len);
/* Grow the heap mapping at p in place when the RAM after it is free (realloc); 0 or -1. */
int nm_heap_grow(struct nm_engine *e, void *p, size_t old_len, size_t new_len);
void nm_heap_violation(struct nm_engine *e, enum nm_heap_event event, const void *ptr, size_t size, const void *caller);

#endif
