/*
 * nm_report_state.h - what the reports keep for one process: its descriptors, the
 * contexts seen, the counts, the record buffer.  Part of the engine (struct nm_engine
 * holds one, as rep) but only core/report reads or writes it, under report_lock, which
 * is never held with the engine lock.
 */
#ifndef NM_REPORT_STATE_H
#define NM_REPORT_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nm_policy.h"
#include "nm_outfd.h"

/* One violation context (a rule at one call stack's top frames), for dedup. */
struct nm_context {
	uint16_t rule; /* enum nm_rule */
	bool used, suppressed;
	uint8_t npcs;
	uint32_t id;
	uintptr_t hash;
	void *pcs[8];
	unsigned long count;
	char top[192]; /* frame 0 as "function+0x.. (module+0x..)" */
	char suppression[64];
};
#define NM_CONTEXTS 1024
#define NM_LOGGED_MODULES 256
#define NM_LOG_FILE_MAX 4096

struct nm_report_state {
	struct nm_outfd report;      /* the stderr copy reports go to (none with a log) */
	struct nm_outfd log;         /* JSON Lines log, or fd -1 */
	pthread_mutex_t report_lock; /* contexts and log records (never held with the engine lock) */
	unsigned long violations;    /* counted under the engine lock (nm_violation) */
	unsigned long rule_counts[NM_RULE_COUNT];
	unsigned long suppressed;
	uintptr_t logged_modules[NM_LOGGED_MODULES]; /* module bases already in the log */
	unsigned nlogged_modules;
	struct nm_context contexts[NM_CONTEXTS];
	unsigned long contexts_used;

	/* the report writer's own (nm_report.c) */
	char *rec; /* where records are built: host memory, grown as needed */
	size_t rec_cap;
	bool log_failed;                    /* a log write failed: no more records; marker made */
	char log_file[NM_LOG_FILE_MAX + 8]; /* the log's expanded name, absolute; room for ".failed" */
};

#endif
