/*
 * nm_calls.c - the rest of the no-MMU surface: calls that do not exist, fork and clone,
 * SysV shared memory, brk and memfd_create.
 *
 * Each function returns the device's answer (-errno), or NM_DESKTOP when the caller
 * must make the real call because the rule's action asks for desktop Linux's answer
 * (or because nothing differs).  The preload makes that call: it holds the real
 * functions.
 */
#include "nm_core.h"
#include "nm_os.h"
#include <errno.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#ifndef SHM_RND
#define SHM_RND 020000
#endif

static long decide(struct nm_engine *e, const struct nm_site *s, enum nm_rule rule, const char *name, int nargs,
		   uintptr_t a0, uintptr_t a1, uintptr_t a2, long device_ret)
{
	struct nm_call call = { NM_CALL_OTHER, { a0, a1, a2 }, name, nargs, NULL };
	nm_engine_lock(e);
	enum nm_action act = nm_violation(e, rule, s, &call, device_ret);
	nm_engine_unlock_then_report(e);
	return act == NM_ACT_STRICT ? device_ret : NM_DESKTOP;
}

/* mm/Makefile builds mprotect.o only with an MMU: ENOSYS (S01) */
long nm_mprotect(struct nm_engine *e, const struct nm_site *s, const char *name, void *addr, size_t len, int prot)
{
	long r = decide(e, s, NM_RULE_MPROTECT, name, 3, (uintptr_t)addr, len, (uintptr_t)prot, -ENOSYS);
	if (r == NM_DESKTOP && nm_ram_contains(&e->ram, (uintptr_t)addr))
		e->ram.host_protected = true; /* freed pages get their access back (nm_ram_free) */
	return r;
}

long nm_msync(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int flags)
{
	return decide(e, s, NM_RULE_MSYNC, "msync", 3, (uintptr_t)addr, len, (uintptr_t)flags, -ENOSYS);
}

long nm_madvise(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int advice)
{
	return decide(e, s, NM_RULE_MADVISE, "madvise", 3, (uintptr_t)addr, len, (uintptr_t)advice, -ENOSYS);
}

/* posix_madvise returns an error number instead of setting errno; uClibc-ng answers
 * POSIX_MADV_DONTNEED with 0 without asking the kernel, as glibc does. */
long nm_posix_madvise(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len, int advice)
{
	if (advice == POSIX_MADV_DONTNEED)
		return NM_DESKTOP;
	return decide(e, s, NM_RULE_MADVISE, "posix_madvise", 3, (uintptr_t)addr, len, (uintptr_t)advice, -ENOSYS);
}

long nm_mlock(struct nm_engine *e, const struct nm_site *s, const char *name, int nargs, uintptr_t a0, uintptr_t a1,
	      uintptr_t a2)
{
	return decide(e, s, NM_RULE_MLOCK, name, nargs, a0, a1, a2, -ENOSYS);
}

long nm_mincore(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len)
{
	return decide(e, s, NM_RULE_MINCORE, "mincore", 2, (uintptr_t)addr, len, 0, -ENOSYS);
}

long nm_remap_file_pages(struct nm_engine *e, const struct nm_site *s, void *addr, size_t size)
{
	return decide(e, s, NM_RULE_REMAP_FILE_PAGES, "remap_file_pages", 2, (uintptr_t)addr, size, 0, -ENOSYS);
}

/* memfd_create: EFBIG on 6.12's tiny shmem (S07), ENOSYS where not built (ColdFire run) */
long nm_memfd_create(struct nm_engine *e, const struct nm_site *s, const char *name, unsigned flags)
{
	return decide(e, s, NM_RULE_MEMFD_CREATE, "memfd_create", 2, (uintptr_t)name, flags, 0, -e->cfg.memfd_errno);
}

/* fork(), daemon(): no fork without an MMU */
long nm_fork(struct nm_engine *e, const struct nm_site *s, const char *name)
{
	return decide(e, s, NM_RULE_FORK, name, 0, 0, 0, 0, -e->cfg.fork_errno);
}

/* clone() is fine with CLONE_VM (vfork, threads, posix_spawn); without it the child
 * would run in the parent's memory, which a desktop process cannot give it. */
long nm_clone(struct nm_engine *e, const struct nm_site *s, unsigned long flags)
{
	if (flags & CLONE_VM)
		return NM_DESKTOP;
	return decide(e, s, NM_RULE_CLONE_NO_VM, "clone", 1, flags, 0, 0, -e->cfg.fork_errno);
}

/* brk: with ELF-FDPIC the brk window is empty, so the break never moves (K02, K03) */
long nm_brk(struct nm_engine *e, const struct nm_site *s, void *want, void *current)
{
	if ((uintptr_t)want <= (uintptr_t)current)
		return NM_DESKTOP;
	return decide(e, s, NM_RULE_BRK, "brk", 1, (uintptr_t)want, 0, 0, -ENOMEM);
}

long nm_sbrk(struct nm_engine *e, const struct nm_site *s, intptr_t increment)
{
	if (increment <= 0)
		return NM_DESKTOP;
	return decide(e, s, NM_RULE_BRK, "sbrk", 1, (uintptr_t)increment, 0, 0, -ENOMEM);
}

/* ---- SysV shared memory ---- */

/* Before shmget: a segment is one contiguous block, so one larger than the largest
 * block fails EFBIG (ramfs_nommu_expand_for_mapping via tiny shmem). */
long nm_shmget_check(struct nm_engine *e, const struct nm_site *s, size_t size)
{
	uint64_t pages = ((uint64_t)size + e->ram.page_size - 1) >> e->ram.page_shift;
	if (pages == 0 || pages > UINT32_MAX || nm_ram_order_for((uint32_t)pages) <= e->ram.max_order)
		return NM_DESKTOP;
	return decide(e, s, NM_RULE_SHM_SIZE, "shmget", 1, size, 0, 0, -EFBIG);
}

/* After a shmget that created segment id: its pages come out of the device RAM now. */
long nm_shmget_created(struct nm_engine *e, const struct nm_site *s, int id, size_t size)
{
	struct shmid_ds ds;
	if (nm_os_shmctl(id, IPC_STAT, &ds) < 0 || ds.shm_cpid != nm_os_getpid() || ds.shm_nattch)
		return NM_DESKTOP; /* someone else's segment: its RAM was counted when it was made */
	uint32_t pages = (uint32_t)(((uint64_t)size + e->ram.page_size - 1) >> e->ram.page_shift), kept;
	nm_engine_lock(e);
	int slot = -1;
	for (int i = 0; i < NM_SHM_SEGS; i++) {
		if (e->shm[i].kept && e->shm[i].id == id) {
			nm_engine_unlock_then_report(e);
			return NM_DESKTOP; /* already counted */
		}
		if (!e->shm[i].kept && slot < 0)
			slot = i;
	}
	uint32_t pfn = nm_ram_alloc(&e->ram, pages, &kept);
	if (pfn == NM_NONE) {
		struct nm_call call = { NM_CALL_OTHER, { size }, "shmget", 1, NULL };
		enum nm_action act = nm_violation(e, NM_RULE_SHM_SIZE, s, &call, -ENOMEM);
		nm_engine_unlock_then_report(e);
		if (act != NM_ACT_STRICT)
			return NM_DESKTOP;
		nm_os_shmctl(id, IPC_RMID, NULL);
		return -ENOMEM;
	}
	if (slot >= 0) {
		e->shm[slot].id = id;
		e->shm[slot].pfn = pfn;
		e->shm[slot].kept = kept;
	} else {
		nm_ram_free(&e->ram, pfn, kept); /* table full: not counted */
	}
	nm_engine_unlock_then_report(e);
	return NM_DESKTOP;
}

void nm_shm_removed(struct nm_engine *e, int id)
{
	nm_engine_lock(e);
	for (int i = 0; i < NM_SHM_SEGS; i++)
		if (e->shm[i].kept && e->shm[i].id == id) {
			nm_ram_free(&e->ram, e->shm[i].pfn, e->shm[i].kept);
			e->shm[i].kept = 0;
		}
	nm_engine_unlock_then_report(e);
}

/* shmat: shm_file_operations offer no mapping capabilities: ENODEV (S09); any address
 * adds MAP_FIXED: EINVAL. */
long nm_shmat(struct nm_engine *e, const struct nm_site *s, int id, const void *addr, int flags)
{
	long device = addr ? -EINVAL : -ENODEV;
	return decide(e, s, NM_RULE_SHMAT, "shmat", 3, (uintptr_t)id, (uintptr_t)addr, (uintptr_t)flags, device);
}
