/*
 * nm_os.h - every host OS call the engine makes, in one small layer.
 *
 * They go straight to the kernel with syscall(2), never through libc's mmap family,
 * so they cannot come back into the preload's interposed functions.
 * Return values follow the kernel: -errno on failure.
 */
#ifndef NM_OS_H
#define NM_OS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static inline long nm_os_ret(long r)
{
	extern int *__errno_location(void);
	return r == -1 ? -(long)*__errno_location() : r;
}

static inline long nm_os_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return nm_os_ret(syscall(SYS_mmap, addr, len, prot, flags, fd, off));
}
static inline long nm_os_munmap(uintptr_t addr, size_t len)
{
	return nm_os_ret(syscall(SYS_munmap, addr, len));
}
static inline long nm_os_mremap(uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr)
{
	return nm_os_ret(syscall(SYS_mremap, old, old_len, new_len, flags, new_addr));
}
static inline long nm_os_madvise(uintptr_t addr, size_t len, int advice)
{
	return nm_os_ret(syscall(SYS_madvise, addr, len, advice));
}
static inline long nm_os_mincore(uintptr_t addr, size_t len, unsigned char *vec)
{
	return nm_os_ret(syscall(SYS_mincore, addr, len, vec));
}
static inline long nm_os_sysinfo(struct sysinfo *si)
{
	return nm_os_ret(syscall(SYS_sysinfo, si));
}
static inline long nm_os_mprotect(uintptr_t addr, size_t len, int prot)
{
	return nm_os_ret(syscall(SYS_mprotect, addr, len, prot));
}
static inline long nm_os_shmctl(int id, int cmd, void *buf)
{
	return nm_os_ret(syscall(SYS_shmctl, id, cmd, buf));
}
static inline long nm_os_fstat(int fd, struct stat *st)
{
	return nm_os_ret(syscall(SYS_fstat, fd, st));
}
static inline long nm_os_stat(const char *path, struct stat *st)
{
	return nm_os_ret(syscall(SYS_newfstatat, AT_FDCWD, path, st, 0));
}
static inline long nm_os_fstatfs(int fd, struct statfs *st)
{
	return nm_os_ret(syscall(SYS_fstatfs, fd, st));
}
static inline long nm_os_statfs(const char *path, struct statfs *st)
{
	return nm_os_ret(syscall(SYS_statfs, path, st));
}
static inline long nm_os_fcntl(int fd, int cmd, long arg)
{
	return nm_os_ret(syscall(SYS_fcntl, fd, cmd, arg));
}
static inline long nm_os_pread(int fd, void *buf, size_t n, off_t off)
{
	return nm_os_ret(syscall(SYS_pread64, fd, buf, n, off));
}
static inline long nm_os_write(int fd, const void *buf, size_t n)
{
	return nm_os_ret(syscall(SYS_write, fd, buf, n));
}
static inline long nm_os_openat(int dirfd, const char *path, int flags, int mode)
{
	return nm_os_ret(syscall(SYS_openat, dirfd, path, flags, mode));
}
static inline long nm_os_close(int fd)
{
	return nm_os_ret(syscall(SYS_close, fd));
}
static inline long nm_os_read(int fd, void *buf, size_t n)
{
	return nm_os_ret(syscall(SYS_read, fd, buf, n));
}
static inline long nm_os_ftruncate(int fd, off_t len)
{
	return nm_os_ret(syscall(SYS_ftruncate, fd, len));
}
static inline long nm_os_truncate(const char *path, off_t len)
{
	return nm_os_ret(syscall(SYS_truncate, path, len));
}
static inline long nm_os_prlimit(int resource, const struct rlimit *set, struct rlimit *old)
{
	return nm_os_ret(syscall(SYS_prlimit64, 0, resource, set, old));
}
static inline long nm_os_getpid(void)
{
	return syscall(SYS_getpid);
}

/* Host memory for the engine's own tables: zeroed, reserved lazily by the host. */
static inline void *nm_os_table_alloc(size_t len)
{
	long r = nm_os_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return r < 0 ? NULL : (void *)r;
}

#endif
