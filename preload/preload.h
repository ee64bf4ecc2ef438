/* preload.h - what the preload's parts share (the malloc layer uses the engine too). */
#ifndef NM_PRELOAD_H
#define NM_PRELOAD_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>

struct nm_engine;

#define EXPORT __attribute__((visibility("default")))
/* The 64-bit variant of an exported call: the same function (off_t is 64-bit here). */
#define EXPORT_ALIAS(name, variant) EXPORT __typeof__(name) variant __attribute__((alias(#name)))
_Static_assert(sizeof(off_t) == 8, "the 64-bit variants are aliases: off_t must be 64-bit");

/* The real functions (hooks.def), found once by the constructor; NULL before it ran
 * (calls from other constructors, or from dlsym itself: callers then make the raw
 * system call, or resolve on the spot with REAL). */
struct nm_real {
#define HOOK(name, ret, params) ret(*name) params;
#include "hooks.def"
#undef HOOK
};
extern struct nm_real nm_real;
void nm_preload_resolve(void);
#define REAL(name) (nm_real.name ? nm_real.name : (nm_preload_resolve(), nm_real.name))

/* The process's engine, created on first use; NULL while it is being created. */
struct nm_engine *nm_preload_engine(void);

/* The engine for a call coming from the program, or NULL when the call must pass
 * through (the tool's own calls, or the engine not there yet). */
struct nm_engine *nm_preload_engine_outside(void);
/* Bracket a call into the engine: the engine's own OS calls then pass through. */
void nm_preload_enter(void);
void nm_preload_leave(void);

/* Where the program called us from: evaluated in the exported function itself. */
#define CALLER __builtin_return_address(0)
/*
 * Begin a call from the program: its engine, with the guard raised (end it with
 * nm_call_end), or NULL when the call passes through unchecked: nommu's own calls
 * (made inside another one, or from libunwind), no engine yet, an unchecked process.
 */
struct nm_engine *nm_call_begin(const void *caller);
/* Is this call nommu's own (made inside one of its calls, or from libunwind)? */
bool nm_preload_own_call(const void *caller);
static inline void nm_call_end(void)
{
	nm_preload_leave();
}
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
/* procfs.c: whether opening /proc/self/maps shows the device's view */
void nm_preload_procfs_init(struct nm_engine *e);

static inline void sched_yield_raw(void)
{
	sched_yield();
}

#endif
