/*
 * preload.c - the interposition layer: libc's mapping calls -> the no-MMU engine.
 *
 * What lives here and nowhere else:
 *   - the real functions, found with dlsym(RTLD_NEXT) once in the constructor; before
 *     that (calls from other constructors, or from dlsym itself) raw syscalls stand in;
 *   - the engine, created on first use (which may come before our constructor);
 *   - a per-thread guard: calls the tool itself causes (dladdr, libunwind, the engine's
 *     own needs) go to the real functions, never back into the engine;
 *   - fork safety: the engine lock is held across fork().
 * No policy is decided here: every answer comes from the engine.
 */
#include "nommu.h"
#include "preload.h"
#include "nm_suppress.h"
#include "heap.h"
#include "nm_os.h"
#include "nm_text.h"
#include <fcntl.h>
#include <sys/auxv.h>
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static __thread int in_tool __attribute__((tls_model("initial-exec")));

static struct nm_engine *engine;
/* the process the engine belongs to (a vfork child shares it but is not it), and
 * whether its summary was said (process_summary) */
static long engine_pid;
static bool summary_said;
static int engine_state; /* 0 none, 1 being created, 2 ready, 3 failed: pass through */

struct nm_real nm_real;

/* Find every real function of hooks.def (also called on the spot by REAL() for a call
 * that comes before the constructor). */
void nm_preload_resolve(void)
{
	in_tool++;
#define HOOK(name, ret, params) nm_real.name = (__typeof__(nm_real.name))dlsym(RTLD_NEXT, #name);
#include "hooks.def"
#undef HOOK
	in_tool--;
}

static void say(const char *a, const char *b)
{
	if (a)
		syscall(SYS_write, 2, a, strlen(a));
	if (b)
		syscall(SYS_write, 2, b, strlen(b));
}

static char program[512]; /* this process's executable, for logs and skip= */

static void read_program(void)
{
	long n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", program, sizeof(program) - 1);
	program[n > 0 ? n : 0] = 0;
}

/* skip=GLOB: this program runs unchecked, as on the desktop (its children are checked). */
static bool skipped(const struct nm_config *cfg)
{
	/* the resolved executable (/usr/bin/dash) or the path it was started by (/bin/sh) */
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	for (unsigned i = 0; i < cfg->nskip; i++)
		if (nm_glob_match(cfg->skip[i], program) || (execfn && nm_glob_match(cfg->skip[i], execfn)))
			return true;
	return false;
}

/* trace-children=no: take libnommu out of LD_PRELOAD for the programs we start.
 * Edited in place: nothing may be allocated this early. */
static void stop_tracing_children(void)
{
	extern char **environ;
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, "LD_PRELOAD=", 11) != 0)
			continue;
		char *list = *e + 11, *w = list;
		for (char *r = list; *r;) {
			size_t n = strcspn(r, ": ");
			bool ours = n >= 11 && memcmp(r + n - 11, "libnommu.so", 11) == 0;
			if (!ours) {
				if (w != list)
					*w++ = ':';
				memmove(w, r, n);
				w += n;
			}
			r += n;
			r += strspn(r, ": ");
		}
		*w = 0;
	}
}

static void create_engine(void)
{
	struct nm_config cfg;
	char err[512];
	int e;
	nm_config_defaults(&cfg);
	if (nm_config_parse(&cfg, getenv("NOMMU_OPTIONS"), err, sizeof(err)) < 0 ||
	    nm_config_finish(&cfg, err, sizeof(err)) < 0) {
		/* never a half-started program: stop before main runs */
		say("nommu: bad NOMMU_OPTIONS: ", err);
		say("\n", NULL);
		_exit(2);
	}
	const char *run = getenv("NOMMU_RUN_ID");
	if (run && strlen(run) < sizeof(cfg.run_id))
		strcpy(cfg.run_id, run);
	read_program();
	if (!cfg.trace_children)
		stop_tracing_children();
	if (skipped(&cfg))
		return; /* engine stays NULL: every call passes through */
	if (cfg.suppressions[0] && nm_suppressions_load(cfg.suppressions, err, sizeof(err)) < 0) {
		say("nommu: ", err);
		say("\n", NULL);
		_exit(2);
	}
	engine = nm_engine_create(&cfg, &e);
	engine_pid = nm_os_getpid();
	if (!engine) {
		say("nommu: cannot reserve the device RAM from the host: ", strerror(e));
		say("; try a smaller --mem\n", NULL);
		_exit(2);
	}
	char path[512] = ""; /* stays empty without a log */
	int r = nm_engine_open_log(engine, program, path, sizeof(path));
	if (r < 0) {
		say("nommu: cannot open the log file ", path);
		say(": ", strerror(-r));
		say("\n", NULL);
		_exit(2);
	}
	if (path[0] && cfg.log_announce) {
		say("nommu: logging to ", path);
		say("\n", NULL);
	}
}

/* The engine, or NULL while it is being created (callers then pass through). */
struct nm_engine *nm_preload_engine(void)
{
	int st = __atomic_load_n(&engine_state, __ATOMIC_ACQUIRE);
	if (st == 2)
		return engine;
	if (st == 0) {
		int expected = 0;
		if (__atomic_compare_exchange_n(&engine_state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			in_tool++;
			create_engine();
			in_tool--;
			__atomic_store_n(&engine_state, engine ? 2 : 3, __ATOMIC_RELEASE);
			return engine;
		}
	}
	/* another thread is creating it: wait, unless it is us (recursion) */
	if (in_tool)
		return NULL;
	while (__atomic_load_n(&engine_state, __ATOMIC_ACQUIRE) == 1)
		sched_yield_raw();
	return engine;
}

struct nm_engine *nm_preload_engine_ready(void)
{
	return __atomic_load_n(&engine_state, __ATOMIC_ACQUIRE) == 2 ? engine : NULL;
}

/*
 * The code of the libraries nommu itself uses while reporting: libunwind maps a cache
 * per thread when it first unwinds there, and unmaps it when that thread exits, from
 * a destructor of its own, outside any call of ours.  Its calls are nommu's, never
 * the program's.  Found once at start; two comparisons per range on each call.
 */
#define NM_TOOL_RANGES 4
static struct {
	uintptr_t lo, hi;
} tool_range[NM_TOOL_RANGES];
static int tool_ranges;

static int note_tool_library(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *name = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
	if (!name || strncmp(name, "/libunwind", 10) != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum && tool_ranges < NM_TOOL_RANGES; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		tool_range[tool_ranges].lo = info->dlpi_addr + ph->p_vaddr;
		tool_range[tool_ranges].hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		tool_ranges++;
	}
	return 0;
}

bool nm_preload_tool_caller(const void *pc)
{
	for (int i = 0; i < tool_ranges; i++)
		if ((uintptr_t)pc - tool_range[i].lo < tool_range[i].hi - tool_range[i].lo)
			return true;
	return false;
}

/* 1 when this process will never have an engine (skip=, bad start): malloc goes to glibc */
int nm_preload_engine_skipped(void)
{
	return __atomic_load_n(&engine_state, __ATOMIC_ACQUIRE) == 3;
}

struct nm_engine *nm_preload_engine_outside(void)
{
	return in_tool ? NULL : nm_preload_engine();
}

bool nm_preload_own_call(const void *caller)
{
	return in_tool || nm_preload_tool_caller(caller);
}

struct nm_engine *nm_call_begin(const void *caller)
{
	if (in_tool || nm_preload_tool_caller(caller))
		return NULL;
	struct nm_engine *e = nm_preload_engine();
	if (e)
		in_tool++;
	return e;
}

void nm_preload_enter(void)
{
	in_tool++;
}

void nm_preload_leave(void)
{
	in_tool--;
}

static void fork_prepare(void)
{
	nm_engine_lock(engine);
	nm_malloc_atfork_prepare();
}
static void fork_parent(void)
{
	nm_malloc_atfork_parent();
	nm_engine_unlock_then_report(engine);
}
static void fork_child(void)
{
	nm_malloc_atfork_child();
	nm_engine_after_fork_child(engine);
	engine_pid = nm_os_getpid();
	summary_said = false;
	in_tool++;
	nm_engine_child_restart(engine, program);
	in_tool--;
}

__attribute__((constructor(101))) static void preload_init(void)
{
	nm_preload_resolve();
	dl_iterate_phdr(note_tool_library, NULL);
	struct nm_engine *e = nm_preload_engine();
	nm_preload_procfs_init(e);
	if (e)
		pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* "name value KiB" pieces of the exit block, without stdio */
static char *put_kib(char *o, const char *name, size_t bytes)
{
	o = stpcpy(o, name);
	o += nm_utoa(o, (bytes + 1023) / 1024);
	return stpcpy(o, " KiB");
}

/*
 * At exit: what the run needed from the device, in one line on stderr, for the process
 * nommu-run started only (main-pid; every process when it is not known): the lines of
 * the programs it starts would land in whatever captures their stderr.  Never with a
 * log (the summary record has it) or quiet=yes.
 */
static bool prints_exit_line(const struct nm_config *cfg)
{
	if (!cfg->mem_summary || cfg->quiet || cfg->log_path[0])
		return false;
	return cfg->main_pid == 0 || cfg->main_pid == nm_os_getpid();
}

static void memory_block(void)
{
	struct nm_ram_stats ram;
	struct nm_heap_stats heap;
	char line[512], *o = line;
	nm_engine_ram_stats(engine, &ram);
	o = put_kib(o, "nommu: device RAM peak ", ram.peak_used);
	o = put_kib(o, " of ", ram.total);
	struct nm_heap *h = nm_preload_heap();
	if (h) {
		nm_heap_get_stats(h, &heap);
		o = put_kib(o, "; heap peak ", heap.peak_in_use);
		o = put_kib(o, " in use, ", heap.peak_mapped);
		o = put_kib(o, " mapped; largest request ", heap.largest_request);
	}
	*o++ = '\n';
	nm_engine_say(engine, line, (size_t)(o - line));
}

/*
 * The process's last words: the summary record (and the exit line), once, from the
 * destructor at exit() or from _exit().  Only the process the engine belongs to says
 * them: a vfork() child shares the parent's memory, engine included, but is not it.
 */
static void process_summary(void)
{
	if (__atomic_load_n(&engine_state, __ATOMIC_ACQUIRE) != 2 || nm_os_getpid() != engine_pid || summary_said)
		return;
	summary_said = true;
	struct nm_heap *h = nm_preload_heap();
	struct nm_heap_usage usage, *u = NULL;
	if (h) {
		struct nm_heap_stats st;
		nm_heap_get_stats(h, &st);
		usage = (struct nm_heap_usage){ st.peak_in_use, st.peak_mapped, st.largest_request, st.failed };
		u = &usage;
	}
	nm_engine_summary(engine, u);
	if (prints_exit_line(nm_engine_config(engine)))
		memory_block();
}

__attribute__((destructor)) static void preload_fini(void)
{
	process_summary();
}

/* _exit() runs no destructor: the summary is said here (a program's own _exit; libc's
 * internal ones, in posix_spawn's child say, do not come here). */
EXPORT void _exit(int status)
{
	process_summary();
	REAL(_exit)(status);
	__builtin_unreachable();
}

EXPORT_ALIAS(_exit, _Exit);

/* ---- pass-through: the tool's own calls, and calls before the engine exists ---- */
static void *pass_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (nm_real.mmap)
		return nm_real.mmap(addr, len, prot, flags, fd, off);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static long to_errno(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	if (!e)
		return pass_mmap(addr, len, prot, flags, fd, off);
	long r = nm_mmap(e, &site, addr, len, prot, flags, fd, off);
	nm_call_end();
	return to_errno(r) == -1 ? MAP_FAILED : (void *)r;
}

EXPORT_ALIAS(mmap, mmap64);

EXPORT int munmap(void *addr, size_t len)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	if (!e) {
		if (nm_real.munmap)
			return nm_real.munmap(addr, len);
		return (int)syscall(SYS_munmap, addr, len);
	}
	long r = nm_munmap(e, &site, addr, len);
	nm_call_end();
	return (int)to_errno(r);
}

EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	if (!e) {
		if (nm_real.mremap)
			return nm_real.mremap(old, old_len, new_len, flags, new_addr);
		return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
	}
	long r = nm_mremap(e, &site, old, old_len, new_len, flags, new_addr);
	nm_call_end();
	return to_errno(r) == -1 ? MAP_FAILED : (void *)r;
}

EXPORT int ftruncate(int fd, off_t len)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	if (!e) {
		if (nm_real.ftruncate)
			return nm_real.ftruncate(fd, len);
		return (int)syscall(SYS_ftruncate, fd, len);
	}
	long r = nm_ftruncate(e, &site, fd, len);
	nm_call_end();
	return (int)to_errno(r);
}

EXPORT_ALIAS(ftruncate, ftruncate64);

EXPORT int truncate(const char *path, off_t len)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	if (!e) {
		if (nm_real.truncate)
			return nm_real.truncate(path, len);
		return (int)syscall(SYS_truncate, path, len);
	}
	long r = nm_truncate(e, &site, path, len);
	nm_call_end();
	return (int)to_errno(r);
}

EXPORT_ALIAS(truncate, truncate64);
