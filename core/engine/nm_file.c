/*
 * nm_file.c - file mappings: capabilities, region sharing, copies and page cache windows.
 *
 * validate_mmap_request() decides from the file's type what a mapping may be:
 *   COPY    the kernel may read the file into a fresh block (regular files, /dev/zero)
 *   DIRECT  it may point at the backing memory itself (ramfs/tmpfs page cache)
 * A MAP_SHARED map needs DIRECT; a writable private map is always a copy.
 * Read-only private maps and shared maps are "shareable": a later map of the same or a
 * contained range of the same file gets the same memory (same address, F03, RF05),
 * and a partial overlap with a region that is not DIRECT is refused (mismatched
 * mappings).  A tmpfs range is DIRECT only when it lies inside EOF over contiguous
 * pages (ramfs_nommu_get_unmapped_area()), which the profile models (shared-tmpfs=).
 */
#include "nm_core.h"
#include "nm_os.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <linux/fs.h>

#define CAP_COPY 1u
#define CAP_DIRECT 2u

/* Contiguous-page notes: files sized by ftruncate from 0 (ramfs_nommu_expand_for_mapping). */
void nm_contig_note(struct nm_engine *e, dev_t dev, ino_t ino, uint64_t pages)
{
	for (uint32_t i = 0; i < NM_CONTIG_NOTES; i++)
		if (e->contig[i].dev == dev && e->contig[i].ino == ino) {
			e->contig[i].pages = pages;
			return;
		}
	struct nm_contig_note *n = &e->contig[e->contig_next++ % NM_CONTIG_NOTES];
	n->dev = dev;
	n->ino = ino;
	n->pages = pages;
}

static uint64_t contig_pages(struct nm_engine *e, const struct stat *st)
{
	for (uint32_t i = 0; i < NM_CONTIG_NOTES; i++)
		if (e->contig[i].dev == st->st_dev && e->contig[i].ino == st->st_ino)
			return e->contig[i].pages;
	return 0;
}

static bool append_only(int fd)
{
	int attr = 0;
	return syscall(SYS_ioctl, fd, FS_IOC_GETFLAGS, &attr) == 0 && (attr & FS_APPEND_FL);
}

static uint32_t pcache_find(struct nm_engine *e, dev_t dev, ino_t ino)
{
	for (uint32_t i = 0; i < e->pcache_cap; i++)
		if (e->pcaches[i].live && e->pcaches[i].dev == dev && e->pcaches[i].ino == ino)
			return i;
	return NM_NONE;
}

/*
 * The file's page cache, placed in device RAM: a block holding `pages` pages with the
 * host file mapped shared over it, so stores reach the file and pwrite() shows in the
 * map (RF04).  Opened afresh through /proc so the map allows what the file allows,
 * whatever fd the first caller had.
 */
static uint32_t pcache_get(struct nm_engine *e, int fd, const struct stat *st, uint64_t pages, int *rule)
{
	uint32_t pi = pcache_find(e, st->st_dev, st->st_ino);
	if (pi != NM_NONE) {
		e->pcaches[pi].users++;
		return pi;
	}
	for (pi = 0; pi < e->pcache_cap && e->pcaches[pi].live; pi++)
		;
	if (pi == e->pcache_cap || pages > UINT32_MAX) {
		*rule = NM_RULE_MMAP_NO_MEMORY;
		return NM_NONE;
	}
	if (nm_ram_order_for((uint32_t)pages) > e->ram.max_order) {
		*rule = NM_RULE_MMAP_TOO_BIG;
		return NM_NONE;
	}
	uint32_t kept, pfn = nm_ram_alloc(&e->ram, (uint32_t)pages, &kept);
	if (pfn == NM_NONE) {
		*rule = NM_RULE_MMAP_NO_MEMORY;
		return NM_NONE;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int prot = PROT_READ | PROT_WRITE;
	long own = nm_os_openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
	if (own < 0) {
		own = nm_os_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
		prot = PROT_READ;
	}
	/* map only the host pages inside EOF: host pages past it would fault */
	size_t in_file = ((size_t)st->st_size + e->host_page - 1) & ~(e->host_page - 1);
	size_t bytes = (size_t)pages << e->ram.page_shift;
	long r = own < 0 ? own
			 : nm_os_mmap((uintptr_t)nm_ram_addr(&e->ram, pfn), in_file < bytes ? in_file : bytes, prot,
				      MAP_SHARED | MAP_FIXED, (int)own, 0);
	if (own >= 0)
		nm_os_close((int)own);
	if (r < 0) {
		nm_ram_free(&e->ram, pfn, kept);
		*rule = NM_RULE_MMAP_NO_MEMORY;
		return NM_NONE;
	}
	struct nm_pcache *pc = &e->pcaches[pi];
	pc->dev = st->st_dev;
	pc->ino = st->st_ino;
	pc->pfn = pfn;
	pc->pages = (uint32_t)pages;
	pc->kept = kept;
	pc->users = 1;
	pc->live = true;
	return pi;
}

/* Last user gone: put private memory back under the block and free it. */
void nm_pcache_put(struct nm_engine *e, uint32_t pi)
{
	struct nm_pcache *pc = &e->pcaches[pi];
	if (--pc->users)
		return;
	nm_os_mmap((uintptr_t)nm_ram_addr(&e->ram, pc->pfn), (size_t)pc->kept << e->ram.page_shift,
		   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	memset(e->ram.dirty + pc->pfn, 0, pc->kept);
	nm_ram_free(&e->ram, pc->pfn, pc->kept);
	pc->live = false;
}

/* Read a file range into fresh RAM; bytes past EOF are zero, never SIGBUS (RF23, RF24). */
static long fill_copy(struct nm_engine *e, uint32_t ri, int fd, off_t off, size_t rlen)
{
	struct nm_region *rg = &e->regions[ri];
	char *p = (char *)nm_ram_addr(&e->ram, rg->start) + rg->xip_off;
	size_t done = 0;
	while (done < rlen) {
		long n = nm_os_pread(fd, p + done, rlen - done, off + (off_t)done);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	memset(p + done, 0, rlen - done);
	return 0;
}

static long new_vma(struct nm_engine *e, uint32_t ri, uintptr_t start, size_t rlen, uint64_t pgoff, int prot, int flags,
		    bool shareable)
{
	uint32_t vi = nm_vma_new(e);
	if (vi == NM_NONE) {
		nm_region_put(e, ri);
		return -ENOMEM;
	}
	struct nm_vma *v = &e->vmas[vi];
	v->start = start;
	v->end = start + rlen;
	v->region = ri;
	v->pgoff = pgoff;
	v->prot = prot;
	v->flags = flags;
	v->is_file = true;
	v->shareable = shareable;
	v->shared = (flags & MAP_TYPE) == MAP_SHARED;
	nm_vma_insert(e, vi);
	return (long)start;
}

/* What one file map request is, as the steps below need it. */
struct file_request {
	const struct nm_site *site;
	const struct nm_call *call;
	const struct stat *st;
	int fd, prot, flags;
	off_t off;
	size_t rlen;
	bool shared;    /* MAP_SHARED */
	bool shareable; /* VM_MAYSHARE or VM_MAYOVERLAY: may use an existing region */
	uint64_t pgoff, pages, pgend;
};

/* A rule broken: the device's answer in strict mode, else desktop Linux's. */
static long refuse(struct nm_engine *e, const struct file_request *q, enum nm_rule rule, long device_ret)
{
	enum nm_action act = nm_violation(e, rule, q->site, q->call, device_ret);
	if (act == NM_ACT_STRICT)
		return device_ret;
	return nm_host_mmap(e, 0, q->rlen, q->prot, q->flags, q->fd, q->off);
}

/*
 * validate_mmap_request() for a file: its capabilities (*caps) from its type and
 * filesystem, then the access checks.  true when that decides the call (*answer).
 */
static bool validate_file_request(struct nm_engine *e, const struct file_request *q, unsigned *caps, long *answer)
{
	struct statfs sfs;
	bool memfs = false, noexec = false;

	*caps = 0;
	switch (q->st->st_mode & S_IFMT) {
	case S_IFREG:
		if (nm_os_fstatfs(q->fd, &sfs) == 0) {
			memfs = nm_memfs(sfs.f_type);
			noexec = (sfs.f_flags & ST_NOEXEC) != 0;
		}
		*caps = memfs ? CAP_COPY | CAP_DIRECT : CAP_COPY;
		break;
	case S_IFBLK:
		*caps = CAP_COPY;
		break;
	case S_IFCHR:
		if (major(q->st->st_rdev) == 1 && minor(q->st->st_rdev) == 5) {
			*caps = CAP_COPY; /* /dev/zero: zero-filled copies only */
			break;
		}
		/* other devices map their own memory directly, or not at all: ask the host */
		*answer = q->shared ? nm_host_mmap(e, 0, q->rlen, q->prot, q->flags, q->fd, q->off) : -ENODEV;
		return true;
	case S_IFSOCK:
		*answer = -EINVAL; /* no default capabilities for sockets */
		return true;
	default:
		*answer = -ENODEV; /* directories, pipes: no f_op->mmap (S15) */
		return true;
	}

	long acc = nm_os_fcntl(q->fd, F_GETFL, 0);
	bool can_read = acc >= 0 && ((acc & O_ACCMODE) == O_RDONLY || (acc & O_ACCMODE) == O_RDWR);
	bool can_write = acc >= 0 && ((acc & O_ACCMODE) == O_WRONLY || (acc & O_ACCMODE) == O_RDWR);
	*answer = 0;
	if (!can_read)
		*answer = -EACCES; /* RF39, RF40 */
	else if (q->shared && (q->prot & PROT_WRITE) && !can_write)
		*answer = -EACCES; /* RF36 */
	else if (q->shared && can_write && append_only(q->fd))
		*answer = -EACCES; /* IS_APPEND(inode): chattr +a, not O_APPEND */
	else if (q->shared && !(*caps & CAP_DIRECT))
		*answer = refuse(e, q, NM_RULE_MMAP_SHARED_FILE, -ENODEV);
	if (*answer)
		return true;
	if (q->shared)
		*caps &= ~CAP_COPY;
	else if (q->prot & PROT_WRITE)
		*caps &= ~CAP_DIRECT; /* a writable private map is always a copy */
	if (noexec && (q->prot & PROT_EXEC)) {
		*answer = -EPERM;
		return true;
	}
	return false;
}

/*
 * do_mmap(): an existing region holding this range of the file is shared (same memory,
 * same address); a partial overlap with one that is not DIRECT is a mismatch.  true
 * when that decides the call.
 */
static bool share_region(struct nm_engine *e, const struct file_request *q, unsigned caps, long *answer)
{
	for (uint32_t i = 0; i < e->share_count; i++) {
		uint32_t ri = e->share[i];
		struct nm_region *rg = &e->regions[ri];
		if (rg->dev != q->st->st_dev || rg->ino != q->st->st_ino)
			continue;
		uint64_t rpgend = rg->pgoff + (rg->end - rg->start);
		if (rg->pgoff >= q->pgend || q->pgoff >= rpgend)
			continue;
		if (!(q->pgoff >= rg->pgoff && q->pgend <= rpgend)) {
			if (caps & CAP_DIRECT)
				continue; /* the driver handles direct overlaps */
			*answer = refuse(e, q, NM_RULE_MMAP_OVERLAP, -EINVAL);
			return true;
		}
		rg->users++;
		uintptr_t start = (uintptr_t)nm_ram_addr(&e->ram, rg->start) + rg->xip_off +
			((uintptr_t)(q->pgoff - rg->pgoff) << e->ram.page_shift);
		*answer = new_vma(e, ri, start, q->rlen, q->pgoff, q->prot, q->flags, q->shareable);
		return true;
	}
	return false;
}

/*
 * A DIRECT map: a window on the page cache (ramfs_nommu_get_unmapped_area()), if the
 * range is inside EOF over contiguous pages.  true when that decides the call; false
 * with *rule set when the device RAM could not hold the cache, false without it when
 * the driver says ENOSYS (a private map then falls back to a copy).
 */
static bool map_direct(struct nm_engine *e, const struct file_request *q, int *rule, long *answer)
{
	const struct stat *st = q->st;
	uint64_t eof_pages = ((uint64_t)st->st_size + e->ram.page_size - 1) >> e->ram.page_shift;
	uint64_t have = 0;
	switch (e->cfg.contig) {
	case NM_CONTIG_TRUNCATED:
		have = contig_pages(e, st);
		break;
	case NM_CONTIG_ALWAYS:
		have = eof_pages;
		break;
	case NM_CONTIG_NEVER:
		have = 0;
		break;
	}
	if (have > eof_pages)
		have = eof_pages;
	uint32_t pi = NM_NONE;
	if (q->pgoff < have && have - q->pgoff >= q->pages) {
		pi = pcache_get(e, q->fd, st, have, rule);
		if (pi != NM_NONE && e->pcaches[pi].pages < q->pgend) {
			nm_pcache_put(e, pi); /* the placed cache is shorter than the file now */
			pi = NM_NONE;
		}
	}
	if (pi == NM_NONE) {
		if (*rule >= 0 || !q->shared)
			return false;
		/* the driver said ENOSYS and a shared map cannot be a copy */
		*answer = refuse(e, q, NM_RULE_MMAP_SHARED_RANGE, -ENODEV);
		return true;
	}
	uint32_t ri = nm_region_new(e);
	if (ri == NM_NONE) {
		nm_pcache_put(e, pi);
		*answer = -ENOMEM;
		return true;
	}
	struct nm_region *rg = &e->regions[ri];
	rg->kind = NM_REGION_DIRECT;
	rg->pcache = pi;
	rg->start = e->pcaches[pi].pfn + (uint32_t)q->pgoff;
	rg->end = rg->top = rg->start + (uint32_t)q->pages;
	rg->dev = st->st_dev;
	rg->ino = st->st_ino;
	rg->pgoff = q->pgoff;
	rg->path = nm_path_remember(e, q->fd);
	nm_share_add(e, ri);
	*answer = new_vma(e, ri, (uintptr_t)nm_ram_addr(&e->ram, rg->start), q->rlen, q->pgoff, q->prot, q->flags,
			  q->shareable);
	return true;
}

/*
 * do_mmap_private(): a private copy read now.  With xip=yes a read-only private map
 * comes back where the data sits in flash, not page aligned (romfs on MTD): the copy
 * gets one more page and starts a little into it.  -ENOMEM with *rule when the device
 * RAM cannot hold it.
 */
static long map_copy(struct nm_engine *e, const struct file_request *q, int *rule)
{
	uint32_t ri, xip_off = 0;
	if (e->cfg.xip && q->shareable && !q->shared)
		xip_off = (uint32_t)((16 * (1 + q->st->st_ino % 255)) & (e->ram.page_size - 1));
	long r = nm_alloc_region(e, (uint32_t)q->pages + (xip_off ? 1 : 0), false, &ri, rule);
	if (r < 0)
		return r;
	struct nm_region *rg = &e->regions[ri];
	rg->kind = NM_REGION_COPY;
	rg->end = rg->start + (uint32_t)q->pages; /* the extra page is slack below top */
	rg->xip_off = xip_off;
	rg->dev = q->st->st_dev;
	rg->ino = q->st->st_ino;
	rg->pgoff = q->pgoff;
	rg->path = nm_path_remember(e, q->fd);
	r = fill_copy(e, ri, q->fd, q->off, q->rlen);
	if (r < 0) {
		nm_region_put(e, ri);
		return r;
	}
	if (q->shareable)
		nm_share_add(e, ri);
	return new_vma(e, ri, (uintptr_t)nm_ram_addr(&e->ram, rg->start) + xip_off, q->rlen, q->pgoff, q->prot,
		       q->flags, q->shareable);
}

/* A file map, at the kernel's seams: validate_mmap_request(), determine_vm_flags(),
 * do_mmap()'s region sharing, then a direct window or do_mmap_private(). */
long nm_map_file(struct nm_engine *e, const struct nm_site *s, const struct nm_call *call, const struct stat *st,
		 size_t rlen, int prot, int flags, int fd, off_t off)
{
	struct file_request q = {
		.site = s,
		.call = call,
		.st = st,
		.fd = fd,
		.prot = prot,
		.flags = flags,
		.off = off,
		.rlen = rlen,
		.shared = (flags & MAP_TYPE) == MAP_SHARED,
	};
	unsigned caps;
	int rule = -1;
	long answer;

	if (validate_file_request(e, &q, &caps, &answer))
		return answer;
	/* determine_vm_flags(): MAP_SHARED -> VM_MAYSHARE; R/O private -> VM_MAYOVERLAY unless traced */
	q.shareable = q.shared || (!(prot & PROT_WRITE) && !e->traced);
	q.pgoff = (uint64_t)off >> e->ram.page_shift;
	q.pages = rlen >> e->ram.page_shift;
	q.pgend = q.pgoff + q.pages;

	if (q.shareable && share_region(e, &q, caps, &answer))
		return answer;
	if ((caps & CAP_DIRECT) && map_direct(e, &q, &rule, &answer))
		return answer;
	if (rule < 0) {
		answer = map_copy(e, &q, &rule);
		if (answer != -ENOMEM || rule < 0)
			return answer;
	}
	return refuse(e, &q, (enum nm_rule)rule, -ENOMEM);
}
