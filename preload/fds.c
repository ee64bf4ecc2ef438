/*
 * fds.c - the program's descriptor calls, stepped around nommu's own descriptors.
 *
 * nommu keeps two descriptors (the stderr copy reports go to, and the log), parked
 * where the program does not look (nm_outfd.c).  A program that closes every
 * descriptor (closefrom, close_range, a close loop up to the limit) or dup2()s onto a
 * number must get exactly its native answers, and nommu must keep its own: close() of
 * one of ours is EBADF as natively (the program never opened it), close_range() is made
 * around them, and dup2()/dup3() onto one of ours moves ours first.
 * Nothing here allocates or takes a lock on the program's ordinary calls.
 */
#include "nommu.h"
#include "preload.h"
#include "nm_outfd.h"
#include <stdbool.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The descriptors of the libraries nommu uses: libunwind opens a pipe (on the lowest free
 * numbers, 3 and 4 in most programs) to check addresses it reads, and closes and opens
 * it again when a read fails.  Left there, the program would see them, and a program
 * that moves its own file onto 4 after closing 3 would have it closed by libunwind.
 * So a pipe made by nommu or libunwind is parked like nommu's own descriptors, and the
 * program's close/close_range steps around it.
 */
static int tool_fd[NM_EXTRA_FDS] = { -1, -1, -1, -1 };

static bool is_tool_fd(int fd)
{
	for (int i = 0; i < NM_EXTRA_FDS; i++)
		if (fd >= 0 && __atomic_load_n(&tool_fd[i], __ATOMIC_RELAXED) == fd)
			return true;
	return false;
}

static void park_tool_pipe(int fds[2])
{
	for (int k = 0; k < 2; k++) {
		bool outside;
		fds[k] = nm_fd_park(fds[k], &outside);
		for (int i = 0; i < NM_EXTRA_FDS; i++) {
			int none = -1;
			if (__atomic_compare_exchange_n(&tool_fd[i], &none, fds[k], 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				break;
		}
	}
}

static void forget_tool_fd(int fd)
{
	for (int i = 0; i < NM_EXTRA_FDS; i++) {
		int was = fd;
		__atomic_compare_exchange_n(&tool_fd[i], &was, -1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

EXPORT int pipe2(int fds[2], int flags)
{
	int r = nm_real.pipe2 ? nm_real.pipe2(fds, flags) : (int)syscall(SYS_pipe2, fds, flags);
	if (r == 0 && nm_preload_own_call(CALLER))
		park_tool_pipe(fds);
	return r;
}

EXPORT int pipe(int fds[2])
{
	int r = nm_real.pipe ? nm_real.pipe(fds) : (int)syscall(SYS_pipe2, fds, 0);
	if (r == 0 && nm_preload_own_call(CALLER))
		park_tool_pipe(fds);
	return r;
}

static int raw_close_range(unsigned first, unsigned last, int flags)
{
	if (nm_real.close_range)
		return nm_real.close_range(first, last, flags);
	return (int)syscall(SYS_close_range, first, last, flags);
}

static int bad_fd(void)
{
	errno = EBADF;
	return -1;
}

EXPORT int close(int fd)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if (e && nm_engine_fd_is_own(e, fd))
		return bad_fd();
	if (is_tool_fd(fd)) {
		if (!nm_preload_own_call(CALLER))
			return bad_fd(); /* the program never opened it */
		forget_tool_fd(fd);
	}
	if (nm_real.close)
		return nm_real.close(fd); /* a cancellation point, as the program expects */
	return (int)syscall(SYS_close, fd);
}

EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if (e)
		return nm_engine_close_range(e, first, last, flags, raw_close_range, tool_fd, NM_EXTRA_FDS);
	return raw_close_range(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if (lowfd >= 0 && e &&
	    nm_engine_close_range(e, (unsigned)lowfd, ~0U, 0, raw_close_range, tool_fd, NM_EXTRA_FDS) == 0)
		return;
	if (nm_real.closefrom)
		nm_real.closefrom(lowfd);
}

/* Before the program's dup2/dup3: false (EBADF, as natively) when oldfd is not the
 * program's to copy; newfd, if it is nommu's, is moved out of the way first. */
static bool make_way(int oldfd, int newfd)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if ((e && nm_engine_fd_is_own(e, oldfd)) || is_tool_fd(oldfd))
		return false;
	if (e && nm_engine_fd_is_own(e, newfd))
		nm_engine_fd_vacate(e, newfd);
	return true;
}

EXPORT int dup2(int oldfd, int newfd)
{
	if (!make_way(oldfd, newfd))
		return bad_fd();
	if (nm_real.dup2)
		return nm_real.dup2(oldfd, newfd);
	return (int)syscall(SYS_dup2, oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (!make_way(oldfd, newfd))
		return bad_fd();
	if (nm_real.dup3)
		return nm_real.dup3(oldfd, newfd, flags);
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}
