/*
 * calls.c - interposition of the rest of the no-MMU surface: the memory calls that do
 * not exist, fork/daemon/clone, SysV shared memory, brk/sbrk and memfd_create.
 * Each asks the engine (nm_call_begin .. answered); NM_DESKTOP means "make the real call".
 */
#include "nommu.h"
#include "preload.h"
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

/*
 * End the engine call begun with nm_call_begin: true when the engine answered r (a
 * -errno: errno is set and *ret is the call's failure value), false when the call
 * goes on to the real function (NM_DESKTOP).
 */
static bool answered(long r, int *ret)
{
	nm_call_end();
	if (r == NM_DESKTOP)
		return false;
	errno = (int)-r;
	*ret = -1;
	return true;
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mprotect(e, &site, "mprotect", addr, len, prot), &ret))
		return ret;
	return REAL(mprotect)(addr, len, prot);
}

EXPORT int pkey_mprotect(void *addr, size_t len, int prot, int pkey)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mprotect(e, &site, "pkey_mprotect", addr, len, prot), &ret))
		return ret;
	return REAL(pkey_mprotect)(addr, len, prot, pkey);
}

EXPORT int msync(void *addr, size_t len, int flags)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_msync(e, &site, addr, len, flags), &ret))
		return ret;
	return REAL(msync)(addr, len, flags);
}

EXPORT int madvise(void *addr, size_t len, int advice)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_madvise(e, &site, addr, len, advice), &ret))
		return ret;
	return REAL(madvise)(addr, len, advice);
}

/* returns an error number, errno untouched */
EXPORT int posix_madvise(void *addr, size_t len, int advice)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	if (e) {
		long r = nm_posix_madvise(e, &site, addr, len, advice);
		nm_call_end();
		if (r != NM_DESKTOP)
			return (int)-r;
	}
	return REAL(posix_madvise)(addr, len, advice);
}

EXPORT int mlock(const void *addr, size_t len)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mlock(e, &site, "mlock", 2, (uintptr_t)addr, len, 0), &ret))
		return ret;
	return REAL(mlock)(addr, len);
}

EXPORT int mlock2(const void *addr, size_t len, unsigned flags)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mlock(e, &site, "mlock2", 3, (uintptr_t)addr, len, flags), &ret))
		return ret;
	return REAL(mlock2)(addr, len, flags);
}

EXPORT int munlock(const void *addr, size_t len)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mlock(e, &site, "munlock", 2, (uintptr_t)addr, len, 0), &ret))
		return ret;
	return REAL(munlock)(addr, len);
}

EXPORT int mlockall(int flags)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mlock(e, &site, "mlockall", 1, (uintptr_t)flags, 0, 0), &ret))
		return ret;
	return REAL(mlockall)(flags);
}

EXPORT int munlockall(void)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mlock(e, &site, "munlockall", 0, 0, 0, 0), &ret))
		return ret;
	return REAL(munlockall)();
}

EXPORT int mincore(void *addr, size_t len, unsigned char *vec)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_mincore(e, &site, addr, len), &ret))
		return ret;
	return REAL(mincore)(addr, len, vec);
}

EXPORT int remap_file_pages(void *addr, size_t size, int prot, size_t pgoff, int flags)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_remap_file_pages(e, &site, addr, size), &ret))
		return ret;
	return REAL(remap_file_pages)(addr, size, prot, pgoff, flags);
}

EXPORT int memfd_create(const char *name, unsigned flags)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_memfd_create(e, &site, name, flags), &ret))
		return ret;
	return REAL(memfd_create)(name, flags);
}

/* fork: report mode goes ahead; pthread_atfork handlers keep the engine consistent */
EXPORT pid_t fork(void)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_fork(e, &site, "fork"), &ret))
		return ret;
	return REAL(fork)();
}

EXPORT int daemon(int nochdir, int noclose)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_fork(e, &site, "daemon"), &ret))
		return ret;
	return REAL(daemon)(nochdir, noclose);
}

EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	void *ptid = va_arg(ap, void *), *tls = va_arg(ap, void *), *ctid = va_arg(ap, void *);
	va_end(ap);
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_clone(e, &site, (unsigned long)flags), &ret))
		return ret;
	return REAL(clone)(fn, stack, flags, arg, ptid, tls, ctid);
}

EXPORT int brk(void *addr)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_brk(e, &site, addr, REAL(sbrk)(0)), &ret))
		return ret;
	return REAL(brk)(addr);
}

EXPORT void *sbrk(intptr_t increment)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_sbrk(e, &site, increment), &ret))
		return (void *)-1;
	return REAL(sbrk)(increment);
}

EXPORT int shmget(key_t key, size_t size, int flags)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e;
	int ret;
	/* only a new segment gets a block; a lookup allocates nothing */
	if ((flags & IPC_CREAT) && (e = nm_call_begin(site.caller)) && answered(nm_shmget_check(e, &site, size), &ret))
		return ret;
	int id = REAL(shmget)(key, size, flags);
	if (id >= 0 && (flags & IPC_CREAT) && (e = nm_call_begin(site.caller)) &&
	    answered(nm_shmget_created(e, &site, id, size), &ret))
		return ret;
	return id;
}

EXPORT void *shmat(int id, const void *addr, int flags)
{
	struct nm_site site = { CALLER };
	struct nm_engine *e = nm_call_begin(site.caller);
	int ret;
	if (e && answered(nm_shmat(e, &site, id, addr, flags), &ret))
		return (void *)-1;
	return REAL(shmat)(id, addr, flags);
}

EXPORT int shmctl(int id, int cmd, struct shmid_ds *buf)
{
	int r = REAL(shmctl)(id, cmd, buf);
	struct nm_engine *e = nm_call_begin(CALLER);
	if (e) {
		if (r == 0 && cmd == IPC_RMID)
			nm_shm_removed(e, id);
		nm_call_end();
	}
	return r;
}
