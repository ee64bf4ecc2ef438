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
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	if (nm_real.close)
		return nm_real.close(fd); /* a cancellation point, as the program expects */
	return (int)syscall(SYS_close, fd);
}

EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if (e)
		return nm_engine_close_range(e, first, last, flags, raw_close_range);
	return raw_close_range(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if (lowfd >= 0 && e && nm_engine_close_range(e, (unsigned)lowfd, ~0U, 0, raw_close_range) == 0)
		return;
	if (nm_real.closefrom)
		nm_real.closefrom(lowfd);
}

EXPORT int dup2(int oldfd, int newfd)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if (e) {
		if (nm_engine_fd_is_own(e, oldfd))
			return bad_fd();
		if (nm_engine_fd_is_own(e, newfd))
			nm_engine_fd_vacate(e, newfd);
	}
	if (nm_real.dup2)
		return nm_real.dup2(oldfd, newfd);
	return (int)syscall(SYS_dup2, oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	struct nm_engine *e = nm_preload_engine_ready();
	if (e) {
		if (nm_engine_fd_is_own(e, oldfd))
			return bad_fd();
		if (nm_engine_fd_is_own(e, newfd))
			nm_engine_fd_vacate(e, newfd);
	}
	if (nm_real.dup3)
		return nm_real.dup3(oldfd, newfd, flags);
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}
