/*
 * nm_engine.c - one emulated no-MMU process: create, lock, truncate checks, figures.
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_text.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* ptraced processes never get VM_MAYOVERLAY, so their R/O private maps are never shared */
static bool started_traced(void)
{
	char buf[2048];
	long fd = nm_os_openat(AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return false;
	long n = nm_os_read((int)fd, buf, sizeof(buf) - 1);
	nm_os_close((int)fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	const char *t = strstr(buf, "TracerPid:");
	if (!t)
		return false;
	for (t += 10; *t == ' ' || *t == '\t'; t++)
		;
	return *t != '0';
}

/*
 * Reports go to a copy of stderr kept out of the program's range, as the log is: many
 * programs close stderr on the way out (gnulib's close_stdout, in ls, sort and most of
 * coreutils) before the exit summary is written.  Close-on-exec: a program it runs
 * makes its own.  With a log, nothing goes to the program's stderr (the report is in
 * the log), so no copy is made.  Without an open stderr, there is none.
 */
static int stderr_copy(const struct nm_config *cfg)
{
	if (cfg->log_path[0] && !cfg->gen_suppressions)
		return -1;
	bool outside;
	long fd = nm_os_fcntl(2, F_DUPFD_CLOEXEC, 3);
	return fd >= 0 ? nm_fd_park((int)fd, &outside) : -1;
}

struct nm_engine *nm_engine_create(const struct nm_config *cfg, int *err)
{
	struct nm_engine *e = nm_os_table_alloc(sizeof(*e));
	if (!e) {
		*err = ENOMEM;
		return NULL;
	}
	e->cfg = *cfg;
	e->host_page = (size_t)sysconf(_SC_PAGESIZE);
	nm_outfd_set(&e->rep.report, stderr_copy(cfg));
	e->rep.log.fd = -1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->rep.report_lock, NULL);
	int r = nm_ram_init(&e->ram, cfg->ram_size, cfg->page_size, cfg->max_order, cfg->trim);
	if (r == 0)
		r = nm_tables_init(e);
	if (r < 0) {
		*err = -r;
		nm_engine_destroy(e);
		return NULL;
	}
	e->traced = started_traced();
	return e;
}

void nm_engine_destroy(struct nm_engine *e)
{
	if (!e)
		return;
	nm_tables_fini(e);
	nm_ram_fini(&e->ram);
	nm_report_release(e);
	if (e->rep.report.fd >= 0)
		nm_os_close(e->rep.report.fd);
	if (e->rep.log.fd >= 0)
		nm_os_close(e->rep.log.fd);
	nm_os_munmap((uintptr_t)e, sizeof(*e));
}

const struct nm_config *nm_engine_config(const struct nm_engine *e)
{
	return &e->cfg;
}

void nm_engine_lock(struct nm_engine *e)
{
	pthread_mutex_lock(&e->lock);
}

/* Release the lock, then write what the call reported (see nm_report.c). */
void nm_engine_unlock_then_report(struct nm_engine *e)
{
	nm_engine_check(e);
	pthread_mutex_unlock(&e->lock);
	nm_report_flush(e);
}

void nm_engine_after_fork_child(struct nm_engine *e)
{
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->rep.report_lock, NULL);
}

/* Expand %p (pid), %n (program base name) and %% in a log path; -ENAMETOOLONG when
 * the name does not fit (never a cut name: that would be another file). */
static int expand_log_path(char *out, size_t cap, const char *pattern, const char *program)
{
	const char *name = strrchr(program, '/');
	name = name ? name + 1 : program;
	char pid[20];
	size_t np = nm_utoa(pid, (unsigned long)nm_os_getpid());
	size_t k = 0;
	for (const char *p = pattern; *p; p++) {
		const char *piece = p, *q;
		size_t n = 1;
		if (p[0] == '%' && p[1] == 'p') {
			if (k + np >= cap)
				return -ENAMETOOLONG;
			memcpy(out + k, pid, np);
			k += np;
			p++;
			continue;
		} else if (p[0] == '%' && p[1] == 'n') {
			piece = name;
			n = strlen(name);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			p++;
		}
		if (k + n >= cap)
			return -ENAMETOOLONG;
		for (q = piece; q < piece + n; q++)
			out[k++] = *q;
	}
	if (k >= cap)
		return -ENAMETOOLONG;
	out[k] = 0;
	return 0;
}

/* Say in path_out why a log name is refused: "PATH (reason)". */
static void refused(char *path_out, size_t cap, const char *reason)
{
	size_t k = strlen(path_out), n = strlen(reason);
	if (k + n + 3 < cap) {
		path_out[k++] = ' ';
		path_out[k++] = '(';
		memcpy(path_out + k, reason, n);
		k += n;
		path_out[k++] = ')';
		path_out[k] = 0;
	}
}

/*
 * Open a log by name, never through a symbolic link at that name (a link planted there
 * would make nommu write to, or create, another file): a fresh name is created with
 * O_EXCL; an existing one is appended to (several runs in one file) only when it is a
 * regular file itself.  -errno, with the reason added to path when it is refused.
 */
static long open_log_file(char *path, size_t cap)
{
	for (int tries = 0; tries < 3; tries++) {
		long fd = nm_os_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
				       0644);
		if (fd != -EEXIST)
			return fd;
		/* O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead of hanging */
		fd = nm_os_openat(AT_FDCWD, path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
		if (fd == -ENOENT)
			continue; /* removed in between: create it again */
		if (fd == -ELOOP) {
			refused(path, cap, "a symbolic link: nommu does not write a log through one");
			return fd;
		}
		struct stat st;
		if (fd == -ENXIO || (fd >= 0 && (nm_os_fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode)))) {
			if (fd >= 0)
				nm_os_close((int)fd);
			refused(path, cap, "not a regular file: nommu writes a log only to one");
			return -EPERM;
		}
		if (fd >= 0)
			nm_os_fcntl((int)fd, F_SETFL, O_APPEND);
		return fd;
	}
	return -EEXIST;
}

/* The log's name as the engine keeps it (for its messages and the ".failed" marker):
 * absolute, since the program may change directory before it is needed. */
static void keep_log_name(struct nm_engine *e, const char *path)
{
	size_t k = 0, n = strlen(path);
	e->rep.log_file[0] = 0;
	if (path[0] != '/' && nm_os_ret(syscall(SYS_getcwd, e->rep.log_file, NM_LOG_FILE_MAX)) > 0) {
		k = strlen(e->rep.log_file);
		if (k > 1)
			e->rep.log_file[k++] = '/';
		if (k + n >= NM_LOG_FILE_MAX)
			k = 0; /* too long: the name as given */
	}
	if (k + n < NM_LOG_FILE_MAX)
		memcpy(e->rep.log_file + k, path, n + 1);
}

/*
 * Open this process's log (if the run asked for one) and write its start record;
 * say on stderr which file it is.  Called at start and again in a forked child.
 */
int nm_engine_open_log(struct nm_engine *e, const char *program, char *path_out, size_t cap)
{
	if (e->rep.log.fd >= 0) {
		nm_os_close(e->rep.log.fd);
		e->rep.log.fd = -1;
	}
	e->rep.nlogged_modules = 0;
	e->rep.log_failed = false;
	e->rep.log_file[0] = 0;
	if (cap)
		path_out[0] = 0;
	if (!e->cfg.log_path[0])
		return 0;
	int r = expand_log_path(path_out, cap, e->cfg.log_path, program);
	if (r < 0) {
		size_t n = strlen(e->cfg.log_path); /* the pattern, for the message */
		if (n < cap)
			memcpy(path_out, e->cfg.log_path, n + 1);
		return r;
	}
	keep_log_name(e, path_out);
	long fd = open_log_file(path_out, cap);
	if (fd < 0)
		return (int)fd;
	bool outside;
	fd = nm_fd_park((int)fd, &outside);
	if (outside) {
		nm_outfd_set(&e->rep.log, (int)fd);
	} else { /* within the program's descriptors: opened for each record instead */
		nm_os_close((int)fd);
		e->rep.log.fd = -1;
	}
	nm_report_start(e, program);
	return 0;
}

/* A forked child is a process of its own: its own log, its own contexts. */
void nm_engine_child_restart(struct nm_engine *e, const char *program)
{
	char path[512];
	memset(e->rep.contexts, 0, sizeof(e->rep.contexts));
	e->rep.contexts_used = 0;
	e->rep.violations = e->rep.suppressed = 0;
	memset(e->rep.rule_counts, 0, sizeof(e->rep.rule_counts));
	nm_engine_open_log(e, program, path, sizeof(path));
}

void nm_engine_set_report_fd(struct nm_engine *e, int fd)
{
	if (e->rep.report.fd >= 0 && e->rep.report.fd != fd)
		nm_os_close(e->rep.report.fd); /* the stderr copy made at creation */
	nm_outfd_set(&e->rep.report, fd);
}

unsigned long nm_engine_violations(const struct nm_engine *e)
{
	return e->rep.violations;
}

unsigned long nm_engine_rule_count(const struct nm_engine *e, enum nm_rule r)
{
	return e->rep.rule_counts[r];
}

int nm_engine_owns(const struct nm_engine *e, const void *p)
{
	return nm_ram_contains(&e->ram, (uintptr_t)p);
}

void nm_engine_ram_stats(struct nm_engine *e, struct nm_ram_stats *st)
{
	nm_engine_lock(e);
	size_t ps = e->ram.page_size;
	st->total = (size_t)e->ram.npages * ps;
	st->free = e->ram.free_pages * ps;
	st->used = st->total - st->free;
	st->peak_used = e->ram.peak_used_pages * ps;
	st->largest_free = nm_ram_largest_free(&e->ram);
	st->mappings = e->vma_count;
	nm_engine_unlock_then_report(e);
}

/*
 * ftruncate on a memory file (ramfs_nommu_resize): shrinking below a live MAP_SHARED
 * mapping is ETXTBSY (nommu_shrink_inode_mappings, RF14); growing from 0 allocates
 * the pages contiguously, which is what lets MAP_SHARED work on the file later, and
 * fails EFBIG when they would not fit in the largest block.
 */
static long truncate_locked(struct nm_engine *e, const struct nm_site *s, const struct nm_call *call,
			    const struct stat *st, bool memfs, off_t len)
{
	if (!memfs || !S_ISREG(st->st_mode) || len < 0)
		return 0;
	size_t page = e->ram.page_size;
	if (len < st->st_size) {
		uint64_t low = (uint64_t)len >> e->ram.page_shift;
		uint64_t high = ((uint64_t)st->st_size + page - 1) >> e->ram.page_shift;
		bool mapped = false;
		for (uint32_t i = 0; i < e->share_count && !mapped; i++) {
			struct nm_region *rg = &e->regions[e->share[i]];
			mapped = rg->dev == st->st_dev && rg->ino == st->st_ino;
		}
		/* only when the file has a shareable region is the full vma walk worth it */
		for (uint32_t vi = 0; mapped && vi < e->vma_hw; vi++) {
			struct nm_vma *v = &e->vmas[vi];
			if (!v->live || !v->shared)
				continue;
			struct nm_region *rg = &e->regions[v->region];
			uint64_t vlast = v->pgoff + ((v->end - v->start) >> e->ram.page_shift) - 1;
			if (rg->dev == st->st_dev && rg->ino == st->st_ino && v->pgoff <= high && vlast >= low) {
				if (nm_violation(e, NM_RULE_FTRUNCATE_MAPPED, s, call, -ETXTBSY) == NM_ACT_STRICT)
					return -ETXTBSY;
				break;
			}
		}
	}
	if (st->st_size == 0 && len > 0) {
		/* ramfs_nommu_expand_for_mapping(): the whole size becomes one block now */
		uint64_t pages = ((uint64_t)len + page - 1) >> e->ram.page_shift;
		if (pages > UINT32_MAX || nm_ram_order_for((uint32_t)pages) > e->ram.max_order) {
			if (nm_violation(e, NM_RULE_SHM_SIZE, s, call, -EFBIG) == NM_ACT_STRICT)
				return -EFBIG;
			return 0;
		}
		nm_contig_note(e, st->st_dev, st->st_ino, pages);
	}
	return 0;
}

long nm_ftruncate(struct nm_engine *e, const struct nm_site *s, int fd, off_t len)
{
	struct nm_call call = { NM_CALL_FTRUNCATE, { (uintptr_t)(long)fd, (uintptr_t)len }, NULL, 0, NULL };
	struct stat st;
	struct statfs sfs;
	if (nm_os_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || nm_os_fstatfs(fd, &sfs) < 0)
		return nm_os_ftruncate(fd, len);
	nm_engine_lock(e);
	long r = truncate_locked(e, s, &call, &st, nm_memfs(sfs.f_type), len);
	if (r == 0)
		r = nm_os_ftruncate(fd, len);
	nm_engine_unlock_then_report(e);
	return r;
}

long nm_truncate(struct nm_engine *e, const struct nm_site *s, const char *path, off_t len)
{
	struct nm_call call = { NM_CALL_FTRUNCATE, { 0, (uintptr_t)len }, path, 0, NULL };
	struct stat st;
	struct statfs sfs;
	if (nm_os_stat(path, &st) < 0 || !S_ISREG(st.st_mode) || nm_os_statfs(path, &sfs) < 0)
		return nm_os_truncate(path, len);
	nm_engine_lock(e);
	long r = truncate_locked(e, s, &call, &st, nm_memfs(sfs.f_type), len);
	if (r == 0)
		r = nm_os_truncate(path, len);
	nm_engine_unlock_then_report(e);
	return r;
}

/*
 * Write one whole record or line to one of our descriptors.  The descriptor is checked
 * first: a program's raw close_range(2) may have closed it, and its number may be the
 * program's file now.  The log is then opened for this record (appending), as it is
 * for every record when it could not be held outside the program's descriptors; a lost
 * stderr copy is not (the program's fd 2 may be anything by then): its lines are dropped.
 */
long nm_engine_write(struct nm_engine *e, struct nm_outfd *o, const void *buf, size_t n)
{
	if (nm_outfd_intact(o))
		return nm_os_write(o->fd, buf, n);
	if (o != &e->rep.log || !e->rep.log_file[0])
		return -EBADF;
	long fd = nm_os_openat(AT_FDCWD, e->rep.log_file, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	long r = nm_os_write((int)fd, buf, n);
	nm_os_close((int)fd);
	return r;
}

void nm_engine_say(struct nm_engine *e, const char *line, size_t n)
{
	nm_engine_write(e, &e->rep.report, line, n);
}
