/*
 * procfs.c - with proc-maps=device, opening /proc/self/maps (or /proc/<our pid>/maps)
 * gives the device's view of the process's mappings instead of the host's.  The text is
 * made by the engine and handed over in an anonymous memory file.  Every other open
 * goes straight to the real function; the check is one flag and, only for paths under
 * /proc, a short compare.
 */
#include "nommu.h"
#include "preload.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

static bool maps_view; /* set once the engine exists and asks for it */

static struct {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	FILE *(*fopen)(const char *, const char *);
} real;

void nm_preload_resolve_procfs(struct nm_engine *e)
{
	real.open = (__typeof__(real.open))dlsym(RTLD_NEXT, "open");
	real.openat = (__typeof__(real.openat))dlsym(RTLD_NEXT, "openat");
	real.fopen = (__typeof__(real.fopen))dlsym(RTLD_NEXT, "fopen");
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
 * is made in memory mapped for this call (lazily backed): threads may open at once. */
static int device_maps_fd(void)
{
	const size_t cap = 1 << 20;
	struct nm_engine *e = nm_preload_engine_outside();
	if (!e)
		return -1;
	nm_preload_enter();
	long m = syscall(SYS_mmap, 0, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int fd = -1;
	if (m != -1) {
		char *text = (char *)m;
		size_t n = nm_proc_maps(e, text, cap);
		fd = (int)syscall(SYS_memfd_create, "nommu-maps", MFD_CLOEXEC);
		if (fd >= 0 && (syscall(SYS_write, fd, text, n) != (long)n || syscall(SYS_lseek, fd, 0, SEEK_SET) != 0)) {
			syscall(SYS_close, fd);
			fd = -1;
		}
		syscall(SYS_munmap, m, cap);
	}
	nm_preload_leave();
	return fd;
}

static int open_common(int dirfd, const char *path, int flags, mode_t mode)
{
	if (maps_view && path && path[0] == '/' && !(flags & (O_WRONLY | O_RDWR)) && is_own_maps(path)) {
		int fd = device_maps_fd();
		if (fd >= 0)
			return fd;
	}
	if (dirfd == AT_FDCWD && real.open)
		return real.open(path, flags, mode);
	if (real.openat)
		return real.openat(dirfd, path, flags, mode);
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
	return open_common(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(AT_FDCWD, path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return open_common(dirfd, path, flags, mode);
}

static FILE *fopen_common(const char *path, const char *mode)
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
	if (!real.fopen)
		real.fopen = (__typeof__(real.fopen))dlsym(RTLD_NEXT, "fopen");
	return real.fopen(path, mode);
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	return fopen_common(path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return fopen_common(path, mode);
}
