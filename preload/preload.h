/* preload.h - what the preload's parts share (the malloc layer uses the engine too). */
#ifndef NM_PRELOAD_H
#define NM_PRELOAD_H

#include <sched.h>

struct nm_engine;

/* The process's engine, created on first use; NULL while it is being created. */
struct nm_engine *nm_preload_engine(void);

static inline void sched_yield_raw(void)
{
	sched_yield();
}

#endif
