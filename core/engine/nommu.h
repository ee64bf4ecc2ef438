/*
 * nommu.h - the no-MMU engine's public interface.
 *
 * One engine stands for one process on the device: its RAM (a flat region reserved
 * once), its mappings, and the rules it applies.  Every call returns what the syscall
 * would: an address or 0 on success, -errno on failure.  The engine takes its own
 * lock; callers only make sure the engine's own OS calls do not come back into it
 * (the preload's recursion guard).
 */
#ifndef NOMMU_H
#define NOMMU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "nm_policy.h"
#include "heap_glue.h"

struct nm_engine;

/* Where a call came from, for reports. */
struct nm_site {
	const void *caller; /* return address into the program */
};

/* Create an engine (reserves the device RAM from the host). NULL + *err on failure. */
struct nm_engine *nm_engine_create(const struct nm_config *cfg, int *err);
void nm_engine_destroy(struct nm_engine *e);
const struct nm_config *nm_engine_config(const struct nm_engine *e);

long nm_mmap(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int prot, int flags, int fd,
	     off_t off);
long nm_munmap(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len);
long nm_mremap(struct nm_engine *e, const struct nm_site *s, void *old, size_t old_len, size_t new_len, int flags,
	       void *new_addr);
/* ftruncate(fd, len) / truncate(path, len): checks, then does the host call. */
long nm_ftruncate(struct nm_engine *e, const struct nm_site *s, int fd, off_t len);
long nm_truncate(struct nm_engine *e, const struct nm_site *s, const char *path, off_t len);

/*
 * The rest of the no-MMU surface (nm_calls.c).  Each returns the device's answer
 * (-errno), or NM_DESKTOP: make the real call, desktop Linux's answer is wanted.
 */
#define NM_DESKTOP 1
long nm_mprotect(struct nm_engine *e, const struct nm_site *s, const char *name, void *addr, size_t len, int prot);
long nm_msync(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int flags);
long nm_madvise(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int advice);
long nm_posix_madvise(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int advice);
long nm_mlock(struct nm_engine *e, const struct nm_site *s, const char *name, int nargs, uintptr_t a0, uintptr_t a1,
	      uintptr_t a2);
long nm_mincore(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len);
long nm_remap_file_pages(struct nm_engine *e, const struct nm_site *s, void *addr, size_t size);
long nm_memfd_create(struct nm_engine *e, const struct nm_site *s, const char *name, unsigned flags);
long nm_fork(struct nm_engine *e, const struct nm_site *s, const char *name);
long nm_clone(struct nm_engine *e, const struct nm_site *s, unsigned long flags);
long nm_brk(struct nm_engine *e, const struct nm_site *s, void *want, void *current);
long nm_sbrk(struct nm_engine *e, const struct nm_site *s, intptr_t increment);
long nm_shmget_check(struct nm_engine *e, const struct nm_site *s, size_t size);
long nm_shmget_created(struct nm_engine *e, const struct nm_site *s, int id, size_t size);
void nm_shm_removed(struct nm_engine *e, int id);
long nm_shmat(struct nm_engine *e, const struct nm_site *s, int id, const void *addr, int flags);

/* The heap's calls (heap_glue.h), and nm_heap_map_ex without flags. */
void *nm_heap_map(struct nm_engine *e, size_t len, int *err);

/* /proc/self/maps as the device would show it; returns the length written. */
size_t nm_proc_maps(struct nm_engine *e, char *buf, size_t cap);

/* Device RAM figures, in bytes. */
struct nm_ram_stats {
	size_t total, used, peak_used, free, largest_free;
	unsigned long mappings;
};
void nm_engine_ram_stats(struct nm_engine *e, struct nm_ram_stats *st);

/* Is p inside the device RAM? (no lock: the region never moves) */
int nm_engine_owns(const struct nm_engine *e, const void *p);

/* fork safety: hold the engine lock across fork() */
void nm_engine_lock(struct nm_engine *e);
void nm_engine_unlock_then_report(struct nm_engine *e);
void nm_engine_after_fork_child(struct nm_engine *e);

/* Open the JSON Lines log named by the config (%p, %n expanded into path_out) and write
 * its start record; 0 if none is configured, -errno if it cannot be opened. */
int nm_engine_open_log(struct nm_engine *e, const char *program, char *path_out, size_t cap);
/* In a forked child: a log and contexts of its own. */
void nm_engine_child_restart(struct nm_engine *e, const char *program);

/* Print the end-of-run summary of violations (if any) on the report fd. */
/* What the malloc layer used, for the exit summary (the heap itself is not the engine's). */
struct nm_heap_usage {
	size_t peak_in_use, peak_mapped, largest_request;
	size_t refused; /* requests the device could not serve */
};
/* At exit: the violation summary on stderr and the summary record in the log, with the
 * heap's figures when heap is not NULL. */
void nm_engine_summary(struct nm_engine *e, const struct nm_heap_usage *heap);

/* Violations counted so far (all rules, all contexts). */
unsigned long nm_engine_violations(const struct nm_engine *e);
unsigned long nm_engine_rule_count(const struct nm_engine *e, enum nm_rule r);

/* Where reports go (default: a copy of stderr made at creation; none with a log). */
void nm_engine_set_report_fd(struct nm_engine *e, int fd);
/* Write a line to the report stream, if this process has one. */
void nm_engine_say(struct nm_engine *e, const char *line, size_t n);

/* nommu's own descriptors, for the preload's close/dup2/close_range wrappers: nm_outfd.h */

#endif
