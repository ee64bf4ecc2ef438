/*
 * calls.c - interposition of the rest of the no-MMU surface: the memory calls that do
 * not exist, fork/daemon/clone, SysV shared memory, brk/sbrk and memfd_create.
 * Each asks the engine; NM_DESKTOP means "make the real call".
 */
#include "nommu.h"
#include "preload.h"
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* Resolved once, in nm_preload_resolve_calls() from the constructor. */
static struct {
	int (*mprotect)(void *, size_t, int);
	int (*pkey_mprotect)(void *, size_t, int, int);
	int (*msync)(void *, size_t, int);
	int (*madvise)(void *, size_t, int);
	int (*posix_madvise)(void *, size_t, int);
	int (*mlock)(const void *, size_t);
	int (*mlock2)(const void *, size_t, unsigned);
	int (*munlock)(const void *, size_t);
	int (*mlockall)(int);
	int (*munlockall)(void);
	int (*mincore)(void *, size_t, unsigned char *);
	int (*remap_file_pages)(void *, size_t, int, size_t, int);
	int (*memfd_create)(const char *, unsigned);
	pid_t (*fork)(void);
	int (*daemon)(int, int);
	int (*clone)(int (*)(void *), void *, int, void *, ...);
	int (*brk)(void *);
	void *(*sbrk)(intptr_t);
	int (*shmget)(key_t, size_t, int);
	void *(*shmat)(int, const void *, int);
	int (*shmctl)(int, int, struct shmid_ds *);
} real;

void nm_preload_resolve_calls(void)
{
#define RESOLVE(name) real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name)
	RESOLVE(mprotect);
	RESOLVE(pkey_mprotect);
	RESOLVE(msync);
	RESOLVE(madvise);
	RESOLVE(posix_madvise);
	RESOLVE(mlock);
	RESOLVE(mlock2);
	RESOLVE(munlock);
	RESOLVE(mlockall);
	RESOLVE(munlockall);
	RESOLVE(mincore);
	RESOLVE(remap_file_pages);
	RESOLVE(memfd_create);
	RESOLVE(fork);
	RESOLVE(daemon);
	RESOLVE(clone);
	RESOLVE(brk);
	RESOLVE(sbrk);
	RESOLVE(shmget);
	RESOLVE(shmat);
	RESOLVE(shmctl);
#undef RESOLVE
}

/* The real function; resolved here only if we are called before our constructor. */
#define REAL(name) (real.name ? real.name : (nm_preload_resolve_calls(), real.name))

/* -errno -> -1 with errno set; NM_DESKTOP never reaches here */
static int fail(long r)
{
	errno = (int)-r;
	return -1;
}

/* Ask the engine (expr uses e and site); if it wants the desktop answer, fall through. */
#define ASK(expr)                                                        \
	do {                                                             \
		struct nm_engine *e = nm_preload_engine_outside();       \
		if (e && !nm_preload_tool_caller(__builtin_return_address(0))) { \
			struct nm_site site = { __builtin_return_address(0) }; \
			nm_preload_enter();                              \
			long r_ = (expr);                                \
			nm_preload_leave();                              \
			if (r_ != NM_DESKTOP)                            \
				return fail(r_);                         \
		}                                                        \
	} while (0)

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	ASK(nm_mprotect(e, &site, "mprotect", addr, len, prot));
	return REAL(mprotect)(addr, len, prot);
}

EXPORT int pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
	ASK(nm_mprotect(e, &site, "pkey_mprotect", addr, len, prot));
	return REAL(pkey_mprotect)(addr, len, prot, pkey);
}

EXPORT int msync(void *addr, size_t len, int flags)
{
	ASK(nm_msync(e, &site, addr, len, flags));
	return REAL(msync)(addr, len, flags);
}

EXPORT int madvise(void *addr, size_t len, int advice)
{
	ASK(nm_madvise(e, &site, addr, len, advice));
	return REAL(madvise)(addr, len, advice);
}

/* returns an error number, errno untouched */
EXPORT int posix_madvise(void *addr, size_t len, int advice)
{
	struct nm_engine *e = nm_preload_engine_outside();
	if (e) {
		struct nm_site site = { __builtin_return_address(0) };
		nm_preload_enter();
		long r = nm_posix_madvise(e, &site, addr, len, advice);
		nm_preload_leave();
		if (r != NM_DESKTOP)
			return (int)-r;
	}
	return REAL(posix_madvise)(addr, len, advice);
}

EXPORT int mlock(const void *addr, size_t len)
{
	ASK(nm_mlock(e, &site, "mlock", 2, (uintptr_t)addr, len, 0));
	return REAL(mlock)(addr, len);
}

EXPORT int mlock2(const void *addr, size_t len, unsigned flags)
{
	ASK(nm_mlock(e, &site, "mlock2", 3, (uintptr_t)addr, len, flags));
	return REAL(mlock2)(addr, len, flags);
}

EXPORT int munlock(const void *addr, size_t len)
{
	ASK(nm_mlock(e, &site, "munlock", 2, (uintptr_t)addr, len, 0));
	return REAL(munlock)(addr, len);
}

EXPORT int mlockall(int flags)
{
	ASK(nm_mlock(e, &site, "mlockall", 1, (uintptr_t)flags, 0, 0));
	return REAL(mlockall)(flags);
}

EXPORT int munlockall(void)
{
	ASK(nm_mlock(e, &site, "munlockall", 0, 0, 0, 0));
	return REAL(munlockall)();
}

EXPORT int mincore(void *addr, size_t len, unsigned char *vec)
{
	ASK(nm_mincore(e, &site, addr, len));
	return REAL(mincore)(addr, len, vec);
}

EXPORT int remap_file_pages(void *addr, size_t size, int prot, size_t pgoff, int flags)
{
	ASK(nm_remap_file_pages(e, &site, addr, size));
	return REAL(remap_file_pages)(addr, size, prot, pgoff, flags);
}

EXPORT int memfd_create(const char *name, unsigned flags)
{
	ASK(nm_memfd_create(e, &site, name, flags));
	return REAL(memfd_create)(name, flags);
}

/* fork: report mode goes ahead; pthread_atfork handlers keep the engine consistent */
EXPORT pid_t fork(void)
{
	ASK(nm_fork(e, &site, "fork"));
	return REAL(fork)();
}

EXPORT int daemon(int nochdir, int noclose)
{
	ASK(nm_fork(e, &site, "daemon"));
	return REAL(daemon)(nochdir, noclose);
}

EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	void *ptid = va_arg(ap, void *), *tls = va_arg(ap, void *), *ctid = va_arg(ap, void *);
	va_end(ap);
	ASK(nm_clone(e, &site, (unsigned long)flags));
	return REAL(clone)(fn, stack, flags, arg, ptid, tls, ctid);
}

EXPORT int brk(void *addr)
{
	ASK(nm_brk(e, &site, addr, REAL(sbrk)(0)));
	return REAL(brk)(addr);
}

EXPORT void *sbrk(intptr_t increment)
{
	struct nm_engine *e = nm_preload_engine_outside();
	if (e) {
		struct nm_site site = { __builtin_return_address(0) };
		nm_preload_enter();
		long r = nm_sbrk(e, &site, increment);
		nm_preload_leave();
		if (r != NM_DESKTOP) {
			errno = (int)-r;
			return (void *)-1;
		}
	}
	return REAL(sbrk)(increment);
}

EXPORT int shmget(key_t key, size_t size, int flags)
{
	if (flags & IPC_CREAT) /* only a new segment gets a block; a lookup allocates nothing */
		ASK(nm_shmget_check(e, &site, size));
	int id = REAL(shmget)(key, size, flags);
	struct nm_engine *e = nm_preload_engine_outside();
	if (id >= 0 && e && (flags & IPC_CREAT)) {
		struct nm_site site = { __builtin_return_address(0) };
		nm_preload_enter();
		long r = nm_shmget_created(e, &site, id, size);
		nm_preload_leave();
		if (r != NM_DESKTOP)
			return fail(r);
	}
	return id;
}

EXPORT void *shmat(int id, const void *addr, int flags)
{
	struct nm_engine *e = nm_preload_engine_outside();
	if (e) {
		struct nm_site site = { __builtin_return_address(0) };
		nm_preload_enter();
		long r = nm_shmat(e, &site, id, addr, flags);
		nm_preload_leave();
		if (r != NM_DESKTOP) {
			errno = (int)-r;
			return (void *)-1;
		}
	}
	return REAL(shmat)(id, addr, flags);
}

EXPORT int shmctl(int id, int cmd, struct shmid_ds *buf)
{
	int r = REAL(shmctl)(id, cmd, buf);
	struct nm_engine *e = nm_preload_engine_outside();
	if (r == 0 && cmd == IPC_RMID && e)
		nm_shm_removed(e, id);
	return r;
}
