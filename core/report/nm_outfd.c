/*
 * nm_outfd.c - nommu's own descriptors: parked out of the program's range, checked
 * before each write, stepped around by the program's close/dup2/close_range.
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_outfd.h"
#include <errno.h>
#include <string.h>

/*
 * Where our descriptors go.  Natively the program can use 0 .. soft limit - 1; when the
 * hard limit leaves room, ours go just above the soft limit (raised for the dup and put
 * back at once), where the program's open() and dup2() cannot reach and a program's
 * "ulimit -n 64" world is exactly as large as natively.  Otherwise they go to the top of
 * the program's range, below 1024 so a huge limit does not grow the descriptor table;
 * a dup2() onto them moves them (nm_engine_fd_vacate).  *outside says which: a log
 * that cannot be outside is opened for each record instead of held (nm_engine_write).
 */
int nm_fd_park(int fd, bool *outside)
{
	struct rlimit lim, raised;
	long to = -1;
	*outside = false;
	if (fd < 0 || nm_os_prlimit(RLIMIT_NOFILE, NULL, &lim) < 0)
		return fd;
	if (lim.rlim_cur < 4096 && lim.rlim_max > lim.rlim_cur + 16) {
		raised = lim;
		raised.rlim_cur = lim.rlim_cur + 16;
		if (nm_os_prlimit(RLIMIT_NOFILE, &raised, NULL) == 0) {
			to = nm_os_fcntl(fd, F_DUPFD_CLOEXEC, (long)lim.rlim_cur);
			nm_os_prlimit(RLIMIT_NOFILE, &lim, NULL);
			*outside = to >= 0;
		}
	}
	if (to < 0) {
		long top = lim.rlim_cur > 1024 ? 1024 : (long)lim.rlim_cur;
		to = nm_os_fcntl(fd, F_DUPFD_CLOEXEC, top > 19 ? top - 16 : 3);
	}
	if (to < 0)
		return fd;
	nm_os_close(fd);
	return (int)to;
}

void nm_outfd_set(struct nm_outfd *o, int fd)
{
	struct stat st;
	o->fd = fd;
	o->dev = 0;
	o->ino = 0;
	if (fd >= 0 && nm_os_fstat(fd, &st) == 0) {
		o->dev = st.st_dev;
		o->ino = st.st_ino;
	}
}

bool nm_outfd_intact(struct nm_outfd *o)
{
	struct stat st;
	if (o->fd < 0)
		return false;
	if (nm_os_fstat(o->fd, &st) == 0 && st.st_dev == o->dev && st.st_ino == o->ino)
		return true;
	o->fd = -1; /* closed behind our back (a raw syscall), or the number is the program's now */
	return false;
}

bool nm_engine_fd_is_own(struct nm_engine *e, int fd)
{
	return fd >= 0 && (fd == e->rep.report.fd || fd == e->rep.log.fd);
}

static void vacate(struct nm_outfd *o, int fd)
{
	if (o->fd != fd || !nm_outfd_intact(o))
		return;
	long to = nm_os_fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
	if (to < 0)
		return;
	bool outside;
	int parked = nm_fd_park((int)to, &outside); /* fd is still open here: it cannot land there */
	nm_os_close(fd);
	o->fd = parked;
}

void nm_engine_fd_vacate(struct nm_engine *e, int fd)
{
	pthread_mutex_lock(&e->rep.report_lock);
	vacate(&e->rep.report, fd);
	vacate(&e->rep.log, fd);
	pthread_mutex_unlock(&e->rep.report_lock);
}

/* close_range(first, last) minus our descriptors and the extra ones (the preload's
 * own, libunwind's pipe): at most one real call per piece */
int nm_engine_close_range(struct nm_engine *e, unsigned first, unsigned last, int flags,
			  int (*call)(unsigned, unsigned, int), const int *extra, int nextra)
{
	unsigned own[2 + NM_EXTRA_FDS];
	int n = 0;
	pthread_mutex_lock(&e->rep.report_lock);
	if (e->rep.report.fd >= 0 && nm_outfd_intact(&e->rep.report))
		own[n++] = (unsigned)e->rep.report.fd;
	if (e->rep.log.fd >= 0 && nm_outfd_intact(&e->rep.log))
		own[n++] = (unsigned)e->rep.log.fd;
	for (int i = 0; i < nextra && i < NM_EXTRA_FDS; i++)
		if (extra[i] >= 0)
			own[n++] = (unsigned)extra[i];
	for (int i = 1; i < n; i++) /* a handful: insertion sort */
		for (int k = i; k > 0 && own[k - 1] > own[k]; k--) {
			unsigned t = own[k];
			own[k] = own[k - 1];
			own[k - 1] = t;
		}
	int r = 0;
	unsigned from = first;
	for (int i = 0; i < n && r == 0; i++) {
		if (own[i] < from || own[i] > last || first > last)
			continue;
		if (own[i] > from)
			r = call(from, own[i] - 1, flags);
		from = own[i] + 1;
	}
	/* the rest (or all of it: the kernel checks first <= last and the flags) */
	if (r == 0 && (from <= last || first > last))
		r = call(from, last, flags);
	pthread_mutex_unlock(&e->rep.report_lock);
	return r;
}
