/* preload.h - what the preload's parts share (the malloc layer uses the engine too). */
#ifndef NM_PRELOAD_H
#define NM_PRELOAD_H

#include <sched.h>
#include <stdbool.h>

struct nm_engine;

/* The process's engine, created on first use; NULL while it is being created. */
struct nm_engine *nm_preload_engine(void);

/* The engine for a call coming from the program, or NULL when the call must pass
 * through (the tool's own calls, or the engine not there yet). */
struct nm_engine *nm_preload_engine_outside(void);
/* Bracket a call into the engine: the engine's own OS calls then pass through. */
void nm_preload_enter(void);
void nm_preload_leave(void);
void nm_preload_resolve_calls(void);
void nm_preload_resolve_fds(void);
/* The engine if it is ready, else NULL; never creates it (for calls that only need
 * to know nommu's own descriptors). */
struct nm_engine *nm_preload_engine_ready(void);
/* Is pc inside a library nommu itself uses (libunwind)?  Its calls are nommu's own,
 * never the program's: they pass through unchecked. */
bool nm_preload_tool_caller(const void *pc);
/* malloc.c: the heap's fork handlers and the process's heap */
struct nm_heap;
void nm_malloc_atfork_prepare(void);
void nm_malloc_atfork_parent(void);
void nm_malloc_atfork_child(void);
struct nm_heap *nm_preload_heap(void);
int nm_preload_engine_skipped(void);
void nm_preload_resolve_procfs(struct nm_engine *e);

static inline void sched_yield_raw(void)
{
	sched_yield();
}

#endif
