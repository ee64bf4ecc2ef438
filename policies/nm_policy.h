/*
 * nm_policy.h - rules, actions, profiles and the run's configuration.
 *
 * A rule is one difference between desktop Linux and a no-MMU kernel (rules.def).
 * Its action says what a call that breaks it gets:
 *   strict  the device's answer, and a report (the default mode)
 *   report  desktop Linux's answer so the program carries on, and a report
 *   off     desktop Linux's answer, no report
 * Rules whose device answer is not an error (an ignored hint, accessible PROT_NONE
 * memory) change nothing about the memory in any mode: only whether it is reported.
 *
 * Nothing here allocates: the preload parses its options before libc is ready.
 */
#ifndef NM_POLICY_H
#define NM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nm_rule {
#define RULE(name, id, quiet, answer, summary, fix) NM_RULE_##name,
#include "rules.def"
#undef RULE
	NM_RULE_COUNT
};

struct nm_rule_info {
	const char *id;
	int quiet;
	const char *device_answer;
	const char *summary;
	const char *fix;
};
extern const struct nm_rule_info nm_rules[NM_RULE_COUNT];

enum nm_mode {
	NM_MODE_STRICT,
	NM_MODE_REPORT
};
enum nm_action {
	NM_ACT_STRICT,
	NM_ACT_REPORT,
	NM_ACT_OFF
};

/* When does a MAP_SHARED map of a tmpfs/ramfs file find its pages contiguous? */
enum nm_contig {
	NM_CONTIG_TRUNCATED, /* the file was sized by ftruncate from 0 in this process */
	NM_CONTIG_ALWAYS,    /* any range inside EOF (allocation luck always good) */
	NM_CONTIG_NEVER,     /* never: shared tmpfs maps always ENODEV */
};

#define NM_PROFILE_NAME_MAX 24
#define NM_HEAP_NAME_MAX 16
#define NM_OPT_PATH_MAX 256
#define NM_SKIP_MAX 8

/* The engine numbers device pages in 32 bits (UINT32_MAX means "none"), and sums a
 * page number and a page count: at most 2^31 pages keeps every such sum in range. */
#define NM_RAM_MAX_PAGES ((size_t)1 << 31)
/* The largest device page size (Linux's largest is 256 KiB, on hexagon). */
#define NM_PAGE_SIZE_MAX ((size_t)1 << 20)

struct nm_config {
	enum nm_mode mode;
	uint8_t action[NM_RULE_COUNT];  /* enum nm_action, after nm_config_finish */
	bool action_set[NM_RULE_COUNT]; /* given explicitly with rule=ID=ACTION */
	char profile[NM_PROFILE_NAME_MAX];
	size_t ram_size;    /* device RAM, bytes */
	size_t page_size;   /* device page size, power of 2 */
	unsigned max_order; /* largest block is 2^max_order pages */
	unsigned trim;      /* vm.nr_trim_pages (0 = keep the slack) */
	bool uninit;        /* CONFIG_MMAP_ALLOW_UNINITIALIZED */
	enum nm_contig contig;
	int memfd_errno;             /* memfd_create's answer on this kernel config */
	int fork_errno;              /* what fork() fails with (the libc's stub: ENOSYS) */
	bool proc_maps;              /* /proc/self/maps shows the device's view */
	bool xip;                    /* R/O private file maps come back unaligned (XIP) */
	char heap[NM_HEAP_NAME_MAX]; /* malloc model: fast, simple, uclibc or host */

	/* reporting */
	char log_path[NM_OPT_PATH_MAX]; /* JSON Lines log, %p pid, %n program name */
	char suppressions[NM_OPT_PATH_MAX];
	bool gen_suppressions;                   /* print a ready-to-paste entry per new context */
	bool log_announce;                       /* say "logging to FILE" on stderr at start */
	bool mem_summary;                        /* print peak device RAM / heap at exit */
	bool quiet;                              /* quiet=yes: on stderr, violations only */
	long main_pid;                           /* the process nommu-run started (0: not known):
					      only it prints the exit line on stderr */
	char skip[NM_SKIP_MAX][NM_OPT_PATH_MAX]; /* programs left unchecked (globs on the path) */
	unsigned nskip;
	bool trace_children; /* false: only the first program is checked */
	char run_id[40];     /* the launcher's run id (NOMMU_RUN_ID), for logs */
};

/* Device parameters of one board/kernel configuration. */
struct nm_profile {
	const char *name;
	const char *description;
	size_t page_size;
	unsigned max_order;
	int memfd_errno;
	int fork_errno; /* m68k has a fork syscall that says EINVAL; riscv has none (libc stub) */
};
extern const struct nm_profile nm_profiles[];
const struct nm_profile *nm_profile_find(const char *name);

/* How an option's value is read (options.def). */
enum nm_opt_kind {
	NM_OPT_BOOL,         /* yes|no (also 1/0, on/off, true/false) */
	NM_OPT_SIZE,         /* bytes: 4096, 8K, 64M, 1G (KiB/MiB spellings too) */
	NM_OPT_ORDER,        /* a block order, 0..20 */
	NM_OPT_COUNT,        /* an unsigned number */
	NM_OPT_PID,          /* a process id */
	NM_OPT_PATH,         /* a path, the later one wins */
	NM_OPT_PATHS,        /* a path, repeatable (skip=) */
	NM_OPT_MODE,         /* strict|report */
	NM_OPT_RULE,         /* ID=strict|report|off, ID "all" */
	NM_OPT_PROFILE,      /* a profile's name: sets the device parameters */
	NM_OPT_PAGE_SIZE,    /* a power of 2 up to NM_PAGE_SIZE_MAX */
	NM_OPT_SHARED_TMPFS, /* truncated|always|never */
	NM_OPT_PROC_MAPS,    /* device|host */
	NM_OPT_FORK_ERRNO,   /* ENOSYS|EINVAL */
	NM_OPT_HEAP,         /* fast|simple|uclibc|host */
};

/* One option, from options.def. */
struct nm_option {
	const char *key;
	enum nm_opt_kind kind;
	size_t offset;    /* of its field in struct nm_config */
	const char *arg;  /* shape of its value in --help; "-": set by nommu-run, not a flag */
	const char *help; /* '\n' between lines */
};
extern const struct nm_option nm_options[];
extern const unsigned nm_option_count;
const struct nm_option *nm_option_find(const char *key, size_t len);

/* Defaults (profile riscv64-6.12, strict, 64 MiB). */
void nm_config_defaults(struct nm_config *c);

/*
 * Parse "key=value:key=value..." (NOMMU_OPTIONS) into c.  Returns 0, or -1 with a
 * one-line message in err.  Keys: mode, mem, rule, profile, page-size, max-order,
 * trim, uninit, shared-tmpfs, heap, proc-maps, xip, fork-errno, log, log-announce,
 * suppressions, gen-suppressions, skip (repeatable), trace-children, quiet, main-pid.
 */
int nm_config_parse(struct nm_config *c, const char *opts, char *err, size_t errlen);

/* Fill the actions of the rules not set explicitly from the mode; check consistency. */
int nm_config_finish(struct nm_config *c, char *err, size_t errlen);

int nm_rule_find(const char *id); /* index or -1 */
const char *nm_action_name(enum nm_action a);

#endif
