/*
 * procfs.c - with proc-maps=device, opening /proc/self/maps (or /proc/<our pid>/maps)
 * gives the device's view of the process's mappings instead of the host's.  The text is
 * made by the engine and handed over in an anonymous memory file.  Every other open
 * goes straight to the real function; the check is one flag and, only for paths under
 * /proc, a short compare.
 */
#include "nommu.h"
#include "preload.h"
#include "nm_os.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool maps_view; /* set once the engine exists and asks for it */

void nm_preload_procfs_init(struct nm_engine *e)
{
	maps_view = e && nm_engine_config(e)->proc_maps;
}

static bool is_own_maps(const char *path)
{
	if (strncmp(path, "/proc/", 6) != 0)
		return false;
	const char *p = path + 6;
	if (strncmp(p, "self/", 5) == 0)
		p += 5;
	else if (strncmp(p, "thread-self/", 12) == 0)
		p += 12;
	else {
		long pid = 0;
		for (; *p >= '0' && *p <= '9'; p++)
			pid = pid * 10 + (*p - '0');
		if (*p != '/' || pid != getpid())
			return false;
		p++;
	}
	return strcmp(p, "maps") == 0;
}

/* An fd reading the device's maps text, or -1 to fall back to the real file.  The text
 * is made in host memory mapped for this open (threads may open at once). */
static int device_maps_fd(void)
{
	const size_t cap = (size_t)1 << 20;
	struct nm_engine *e = nm_preload_engine_outside();
	if (!e)
		return -1;
	nm_preload_enter();
	int fd = -1;
	char *text = nm_os_table_alloc(cap);
	if (text) {
		size_t n = nm_proc_maps(e, text, cap);
		fd = (int)syscall(SYS_memfd_create, "nommu-maps", MFD_CLOEXEC);
		if (fd >= 0 &&
		    (syscall(SYS_write, fd, text, n) != (long)n || syscall(SYS_lseek, fd, 0, SEEK_SET) != 0)) {
			syscall(SYS_close, fd);
			fd = -1;
		}
		nm_os_munmap((uintptr_t)text, cap);
	}
	nm_preload_leave();
	return fd;
}

static int open_at(int dirfd, const char *path, int flags, mode_t mode)
{
	if (maps_view && path && path[0] == '/' && !(flags & (O_WRONLY | O_RDWR)) && is_own_maps(path)) {
		int fd = device_maps_fd();
		if (fd >= 0)
			return fd;
	}
	if (dirfd == AT_FDCWD && nm_real.open)
		return nm_real.open(path, flags, mode);
	if (nm_real.openat)
		return nm_real.openat(dirfd, path, flags, mode);
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_at(AT_FDCWD, path, flags, mode);
}

EXPORT_ALIAS(open, open64);

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_at(dirfd, path, flags, mode);
}

EXPORT_ALIAS(openat, openat64);

EXPORT FILE *fopen(const char *path, const char *mode)
{
	if (maps_view && path && mode && mode[0] == 'r' && !strchr(mode, '+') && is_own_maps(path)) {
		int fd = device_maps_fd();
		if (fd >= 0) {
			FILE *f = fdopen(fd, "r");
			if (f)
				return f;
			close(fd);
		}
	}
	return REAL(fopen)(path, mode);
}

EXPORT_ALIAS(fopen, fopen64);
