/*
 * probe.c - the host side of the no-MMU conformance suite.
 *
 * Performs the probes of the oracle program ../../../shared/oracle/nommu_probe.c
 * (a freestanding /init that was run on real Linux 6.12 no-MMU kernels) with the
 * same ids, descriptions and output format:
 *
 *   T <id> <description> ret=<raw return> err=<NAME>(<n>)|err=0 [key=value ...]
 *
 * The difference is that everything here goes through libc's public functions
 * (mmap, munmap, mremap, mprotect, shmat, fork, vfork, brk, sbrk ...), so that an
 * LD_PRELOAD library can intercept every call under test.  A libc failure
 * (-1 / MAP_FAILED and errno) is printed as the kernel's raw return, -errno.
 *
 * Usage: nommu_conformance_probe [BASE_DIR [DISK_DIR]]
 *   BASE_DIR (default /dev/shm) should be on tmpfs; a fresh directory is made
 *   under it for the files and removed at the end.
 *   DISK_DIR (or NOMMU_PROBE_DISK=dir): a directory on a disk filesystem (ext4, xfs,
 *   btrfs...; not tmpfs/ramfs) for the DF probes, which the oracle ran on ext2 (the
 *   recording results-riscv64-linux-6.12.117-nommu-disk.txt); a fresh directory is made
 *   under it and removed.  Without one (or on tmpfs) the DF probes are skipped, each
 *   with an "I DFnn skipped: ..." line.
 *   NOMMU_PROBE_PAGESIZE=n     use n instead of sysconf(_SC_PAGESIZE)
 *   NOMMU_PROBE_FORK_SYSCALL=1 also run P06..P08 (fork and vfork syscalls, as on m68k)
 *   NOMMU_PROBE_NO_GUARD=1     do not install the SIGSEGV/SIGBUS handler that turns
 *                              a faulting content check into key=-1
 *
 * Host stand-ins for the oracle's environment:
 *   /data.bin (initramfs)   -> BASE/nommu-probe.XXXXXX/data.bin, sized by ftruncate
 *                              from 0 then pwrite (the initramfs file's pages were
 *                              contiguous on the device)
 *   / (rootfs, RF*)          -> .../rf/      /mnt (tmpfs, TF*) -> .../tf/
 *   /mnt2 (ramfs, RM*)       -> .../rm/      fd 1 = /dev/console -> /dev/null O_RDWR
 *   M01..M03 (mounts)        -> /proc is procfs; mkdir of tf/ and rm/
 *   K01..K04 (raw brk)       -> libc brk()/sbrk(); ret = sbrk(0) after the call,
 *                              which is what the raw brk syscall returns
 *   P01 clone(SIGCHLD)       -> fork();   P03 clone(CLONE_VM|CLONE_VFORK) -> vfork()
 *   DF01 mount(devtmpfs)     -> mkdtemp of DISK_DIR/nommu-probe-disk.XXXXXX
 *   DF02 mount(ext2 /dev/vda,/disk) -> statfs of that directory (not tmpfs/ramfs)
 *   /disk/data.bin (mke2fs image) -> .../data.bin made by write(), then reopened
 * No K lines (kernel log) are printed: a process cannot read them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* uapi values, in case the libc headers are older than the flags */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define PROC_FS_MAGIC 0x9fa0

typedef unsigned long ul;
typedef long sl;

#define RW (PROT_READ | PROT_WRITE)
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define MAX_PG 65536ul

static ul PG;
static unsigned char iobuf[3 * MAX_PG]; /* the oracle's iobuf: 3 pages */

/* ------------------------------------------------------------------ output */

static char line[2048];
static size_t line_len;
static char cur_id[16] = "-"; /* last probe started, for crash reports */
static int probe_faults;      /* faults caught by the guard in this probe */
static int last_fault_sig;

/* append to the line being built (truncated, never overflowing, if too long) */
static void vout(const char *fmt, va_list ap)
{
	size_t room = sizeof(line) - line_len;
	int n = vsnprintf(line + line_len, room, fmt, ap);

	if (n > 0)
		line_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vout(fmt, ap);
	va_end(ap);
}

/* write the buffered line(s) straight to fd 1: nothing is lost if the probe dies */
static void flush_line(void)
{
	size_t off = 0;

	while (off < line_len) {
		ssize_t w = write(1, line + off, line_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	line_len = 0;
}

/* an "I ..." line (information, ignored by compare.py) */
static void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void info(const char *fmt, ...)
{
	va_list ap;

	line_len = 0;
	out("I ");
	va_start(ap, fmt);
	vout(fmt, ap);
	va_end(ap);
	if (line_len == sizeof(line) - 1)
		line_len--; /* keep room for the newline */
	out("\n");
	flush_line();
}

/* errno names as the oracle prints them (same spelling, "E?" if unknown) */
static const char *errno_name(long e)
{
	static const struct {
		int no;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },     { ENOENT, "ENOENT" },       { ESRCH, "ESRCH" },           { EINTR, "EINTR" },
		{ EIO, "EIO" },         { ENXIO, "ENXIO" },         { E2BIG, "E2BIG" },           { EBADF, "EBADF" },
		{ ECHILD, "ECHILD" },   { EAGAIN, "EAGAIN" },       { ENOMEM, "ENOMEM" },         { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" },   { EBUSY, "EBUSY" },         { EEXIST, "EEXIST" },         { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },       { EINVAL, "EINVAL" },         { ENFILE, "ENFILE" },
		{ EMFILE, "EMFILE" },   { ETXTBSY, "ETXTBSY" },     { EFBIG, "EFBIG" },           { ENOSPC, "ENOSPC" },
		{ ESPIPE, "ESPIPE" },   { EROFS, "EROFS" },         { ERANGE, "ERANGE" },         { ENOSYS, "ENOSYS" },
		{ EIDRM, "EIDRM" },     { EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].no == e)
			return names[i].name;
	return "E?";
}

static int iserr(sl r)
{
	return r < 0 && r > -4096;
}

/* start a T line; pointer-like results are printed in hex, as the oracle does */
static void rep(const char *id, const char *desc, sl r, int ptr)
{
	snprintf(cur_id, sizeof(cur_id), "%s", id);
	probe_faults = 0;
	line_len = 0;
	out("T %s %s ret=", id, desc);
	if (iserr(r))
		out("%ld err=%s(%ld)", r, errno_name(-r), -r);
	else if (ptr)
		out("0x%lx err=0", (ul)r);
	else
		out("%ld err=0", r);
}

static void kv(const char *key, sl v)
{
	out(" %s=%ld", key, v);
}

static void kx(const char *key, ul v)
{
	out(" %s=0x%lx", key, v);
}

static void end(void)
{
	out("\n");
	flush_line();
	if (probe_faults)
		info("%s: %d memory access(es) faulted (signal %d) during the checks; those keys print -1", cur_id,
		     probe_faults, last_fault_sig);
}

/* one-shot probe without keys */
static void R(const char *id, const char *desc, sl r, int ptr)
{
	rep(id, desc, r, ptr);
	end();
}

/* ------------------------------------------- libc results as raw kernel returns */

static sl from_ptr(void *p)
{
	return p == MAP_FAILED ? -(sl)errno : (sl)p;
}

static sl from_int(long r)
{
	return r == -1 ? -(sl)errno : r;
}

static sl do_mmap(ul addr, ul len, int prot, int flags, int fd, off_t off)
{
	return from_ptr(mmap((void *)addr, len, prot, flags, fd, off));
}

static sl do_munmap(ul addr, ul len)
{
	return from_int(munmap((void *)addr, len));
}

static sl do_mremap(ul addr, ul old_len, ul new_len, int flags, ul new_addr)
{
	return from_ptr(mremap((void *)addr, old_len, new_len, flags, (void *)new_addr));
}

static sl anon(ul len)
{
	return do_mmap(0, len, RW, ANON_PRIV, -1, 0);
}

/* ------------------------------------------- memory checks that survive faults */

/*
 * The oracle's checks read and write the returned memory directly.  On an MMU host
 * (native runs) some of them fault (pages beyond EOF give SIGBUS, a mapping moved by
 * mremap is gone), so every access goes through guarded(): a fault makes the check
 * print -1 instead of killing the probe.
 */
static sigjmp_buf guard_jmp;
static volatile sig_atomic_t guard_armed;
static int guard_installed;

enum access {
	READ_PATTERN,
	READ_ZERO,
	READ_BYTE,
	WRITE_BYTE,
	WRITE_PATTERN
};

/* test pattern; mkcpio.py 'pattern:' and the oracle use the same bytes */
static unsigned char pat(int seed, ul i)
{
	return (unsigned char)(seed + i * 7 + (i >> 12));
}

/* READ_*: 1 if the bytes are as expected, 0 if not; WRITE_*: 1 */
static __attribute__((noinline)) int access_bytes(enum access op, ul addr, ul n, int arg)
{
	volatile unsigned char *p = (volatile unsigned char *)addr;
	int ok = 1;
	ul i;

	for (i = 0; i < n && ok; i++) {
		switch (op) {
		case READ_PATTERN:
			ok = p[i] == pat(arg, i);
			break;
		case READ_ZERO:
			ok = p[i] == 0;
			break;
		case READ_BYTE:
			ok = p[i] == (unsigned char)arg;
			break;
		case WRITE_BYTE:
			p[i] = (unsigned char)arg;
			break;
		case WRITE_PATTERN:
			p[i] = pat(arg, i);
			break;
		}
	}
	return ok;
}

/* access_bytes(), or -1 if the access faulted */
static int guarded(enum access op, ul addr, ul n, int arg)
{
	int sig, ok;

	if (!guard_installed)
		return access_bytes(op, addr, n, arg);
	sig = sigsetjmp(guard_jmp, 1);
	if (sig) {
		probe_faults++;
		last_fault_sig = sig;
		return -1;
	}
	guard_armed = 1;
	ok = access_bytes(op, addr, n, arg);
	guard_armed = 0;
	return ok;
}

static int check(ul addr, ul n, int seed)
{
	return guarded(READ_PATTERN, addr, n, seed);
}
static int allzero(ul addr, ul n)
{
	return guarded(READ_ZERO, addr, n, 0);
}
static int byte_is(ul addr, unsigned char v)
{
	return guarded(READ_BYTE, addr, 1, v);
}
static void store(ul addr, unsigned char v)
{
	guarded(WRITE_BYTE, addr, 1, v);
}
static void fill(ul addr, ul n, int seed)
{
	guarded(WRITE_PATTERN, addr, n, seed);
}

/* ------------------------------------------------------------- files */

static char run_dir[PATH_MAX]; /* BASE/nommu-probe.XXXXXX */
static char made_paths[16][PATH_MAX + 16];
static int n_made;

/* path under the run directory; remembered (once) for cleanup */
static const char *path_of(const char *rel)
{
	int i;

	for (i = 0; i < n_made; i++)
		if (!strcmp(made_paths[i] + strlen(run_dir) + 1, rel))
			return made_paths[i];
	if (n_made == (int)(sizeof(made_paths) / sizeof(made_paths[0])))
		abort();
	snprintf(made_paths[n_made], sizeof(made_paths[0]), "%s/%s", run_dir, rel);
	return made_paths[n_made++];
}

static char disk_dir[PATH_MAX];           /* DISK_DIR/nommu-probe-disk.XXXXXX (DF probes) */
static char disk_paths[2][PATH_MAX + 16]; /* its files */

/* remove what path_of() named, deepest first (files before their directories), and the
 * DF files; only async-signal-safe calls: also used by the crash handler */
static void cleanup(void)
{
	int i;

	for (i = n_made - 1; i >= 0; i--)
		if (unlink(made_paths[i]) != 0)
			rmdir(made_paths[i]);
	if (run_dir[0])
		rmdir(run_dir);
	for (i = 0; i < 2; i++)
		if (disk_paths[i][0])
			unlink(disk_paths[i]);
	if (disk_dir[0])
		rmdir(disk_dir);
}

static void write_all(int fd, const unsigned char *buf, ul n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w <= 0)
			return;
		buf += w;
		n -= (ul)w;
	}
}

static void fill_iobuf(ul n, int seed)
{
	ul i;

	for (i = 0; i < n; i++)
		iobuf[i] = pat(seed, i);
}

/* "written file": filled by write() (page cache pages allocated one by one) */
static sl mkfile_write(const char *path, ul n, int seed)
{
	sl fd = from_int(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));

	if (fd < 0)
		return fd;
	fill_iobuf(n, seed);
	write_all((int)fd, iobuf, n);
	return fd;
}

/* "truncated file": sized by ftruncate() from 0 (one contiguous block on no-MMU
 * ramfs), then filled by pwrite() */
static sl mkfile_trunc(const char *path, ul n, int seed)
{
	sl fd = from_int(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)), r;

	if (fd < 0)
		return fd;
	r = from_int(ftruncate((int)fd, (off_t)n));
	if (r < 0)
		return r;
	fill_iobuf(n, seed);
	if (pwrite((int)fd, iobuf, n, 0) < 0)
		info("pwrite(%s) failed: %s", path, strerror(errno));
	return fd;
}

/* number of lines of /proc/self/maps (VMAs the kernel shows) */
static int nmaps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY), c = 0;
	ssize_t n, i;

	if (fd < 0)
		return -1;
	while ((n = read(fd, iobuf, 3 * PG)) > 0)
		for (i = 0; i < n; i++)
			c += iobuf[i] == '\n';
	close(fd);
	return c;
}

/* ------------------------------------------------------------- signals */

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		return;
}

static void on_fault(int sig)
{
	if (guard_armed) {
		guard_armed = 0;
		siglongjmp(guard_jmp, sig);
	}
	/* a real crash: say where, remove our files, die of the same signal */
	signal(sig, SIG_DFL);
	say(sig == SIGBUS ? "I probe crashed: SIGBUS after/during probe "
			  : "I probe crashed: SIGSEGV after/during probe ");
	say(cur_id);
	say("\n");
	cleanup();
	raise(sig);
}

static void install_guard(void)
{
	struct sigaction sa;

	if (getenv("NOMMU_PROBE_NO_GUARD"))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	if (sigaction(SIGSEGV, &sa, NULL) == 0 && sigaction(SIGBUS, &sa, NULL) == 0)
		guard_installed = 1;
}

/* ------------------------------------------------ MMU-host safety (native runs) */

/*
 * A few probes name memory the probe did not map: MAP_FIXED at A01+128pg,
 * MREMAP_FIXED to A01+256pg, munmap ranges running past a mapping's end (U23, U25)
 * or over the gap between two mappings (U15).  A no-MMU system refuses them; an MMU
 * host obeys and would overwrite or unmap whatever lives there (often the C
 * library).  So once MAP_FIXED has been seen to work (A03 succeeded: an MMU host,
 * or an emulator letting calls through), such a probe runs only if that extra range
 * is free in /proc/self/maps; otherwise it is skipped and an I line says why.
 */
static int map_fixed_honoured;
static char maps_buf[1 << 18];

/* 1 if no line of /proc/self/maps overlaps [lo, hi); 0 if one does or it is unreadable */
static int range_free(ul lo, ul hi)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t len = 0;
	ssize_t n;
	char *p;

	if (fd < 0)
		return 0;
	while (len < sizeof(maps_buf) - 1 && (n = read(fd, maps_buf + len, sizeof(maps_buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == sizeof(maps_buf) - 1)
		return 0;
	maps_buf[len] = 0;
	for (p = maps_buf; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		char *e;
		ul start = strtoul(p, &e, 16), stop;

		if (*e != '-')
			continue;
		stop = strtoul(e + 1, NULL, 16);
		if (start < hi && lo < stop)
			return 0;
	}
	return 1;
}

/* may the probe touch [addr, addr+len), memory it did not map itself? */
static int safe_extra_range(const char *id, ul addr, ul len)
{
	if (!map_fixed_honoured || len == 0 || range_free(addr, addr + len))
		return 1;
	info("%s skipped: MAP_FIXED works here (MMU behaviour) and 0x%lx-0x%lx, which the probe "
	     "did not map, is in use; running it could destroy the C library",
	     id, addr, addr + len);
	return 0;
}

/* --------------------------------------------------------------- probes */

static void probe_mounts(void)
{
	struct statfs sf;
	sl r;

	/* the oracle mounted these; here /proc must exist and the dirs are made */
	r = from_int(statfs("/proc", &sf));
	if (r == 0 && sf.f_type != PROC_FS_MAGIC)
		r = -ENODEV;
	R("M01", "mount(proc,/proc)", r, 0);
	R("M02", "mount(tmpfs,/mnt)", from_int(mkdir(path_of("tf"), 0755)), 0);
	R("M03", "mount(ramfs,/mnt2)", from_int(mkdir(path_of("rm"), 0755)), 0);
}

/* brk through libc: print the break after the call, as the raw syscall returns */
static void brk_probe(const char *id, const char *desc, ul target)
{
	sl r = from_int(brk((void *)target));

	if (iserr(r))
		info("%s: libc brk() = -1, %s(%ld)", id, errno_name(-r), -r);
	R(id, desc, from_ptr(sbrk(0)), 1);
}

static void probe_brk(void)
{
	sl cur = from_ptr(sbrk(0));

	R("K01", "brk(0)", cur, 1);
	if (iserr(cur)) /* no usable break: still ask, relative to 0 */
		cur = 0;
	brk_probe("K02", "brk(cur+1pg)", (ul)cur + PG);
	brk_probe("K03", "brk(cur+64MiB)", (ul)cur + (64ul << 20));
	brk_probe("K04", "brk(cur) restore", (ul)cur);
}

static sl a01; /* A01: 3 anonymous pages, used by the R* and U* probes */
static sl a10; /* A10: 2 pages MAP_SHARED|MAP_ANONYMOUS */

static void probe_anon(void)
{
	sl a, r, r2;

	a = anon(3 * PG);
	a01 = a;
	rep("A01", "mmap(NULL,3pg,RW,PRIVATE|ANON)", a, 1);
	if (!iserr(a)) {
		kv("page_aligned", (a & (sl)(PG - 1)) == 0);
		kv("zeroed", allzero(a, 3 * PG));
		fill(a, 3 * PG, 1);
	}
	end();

	r = do_mmap(a + 64 * PG, PG, RW, ANON_PRIV, -1, 0);
	rep("A02", "mmap(hint=A01+64pg,1pg,RW,PRIVATE|ANON) no FIXED", r, 1);
	kv("honours_hint", r == a + 64 * (sl)PG);
	end();
	if (!iserr(r))
		do_munmap(r, PG);

	r = do_mmap(a, PG, RW, ANON_PRIV | MAP_FIXED, -1, 0);
	R("A03", "mmap(A01,1pg,RW,PRIVATE|ANON|FIXED) over existing", r, 1);
	map_fixed_honoured = !iserr(r);
	if (safe_extra_range("A04", a + 128 * PG, PG)) {
		r = do_mmap(a + 128 * PG, PG, RW, ANON_PRIV | MAP_FIXED, -1, 0);
		R("A04", "mmap(A01+128pg,1pg,RW,PRIVATE|ANON|FIXED) free addr", r, 1);
	}

	r = do_mmap(a + 128 * PG, PG, RW, ANON_PRIV | MAP_FIXED_NOREPLACE, -1, 0);
	rep("A05", "mmap(A01+128pg,1pg,RW,PRIVATE|ANON|FIXED_NOREPLACE)", r, 1);
	kv("at_requested", r == a + 128 * (sl)PG);
	end();
	if (!iserr(r))
		do_munmap(r, PG);
	r = do_mmap(a, PG, RW, ANON_PRIV | MAP_FIXED_NOREPLACE, -1, 0);
	rep("A06", "mmap(A01,1pg,RW,PRIVATE|ANON|FIXED_NOREPLACE) over existing", r, 1);
	kv("at_requested", r == a);
	end();
	if (!iserr(r) && r != a)
		do_munmap(r, PG);

	R("A07", "mmap(NULL,0,RW,PRIVATE|ANON)", anon(0), 1);
	R("A08", "mmap(NULL,1pg,RW,ANON) no SHARED/PRIVATE", do_mmap(0, PG, RW, MAP_ANONYMOUS, -1, 0), 1);
	r = do_mmap(0, PG, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
	R("A09", "mmap(NULL,1pg,RW,SHARED_VALIDATE|ANON)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);

	a10 = do_mmap(0, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	rep("A10", "mmap(NULL,2pg,RW,SHARED|ANON)", a10, 1);
	if (!iserr(a10))
		kv("zeroed", allzero(a10, 2 * PG));
	end();

	r = anon(100);
	R("A11", "mmap(NULL,100 bytes,RW,PRIVATE|ANON)", r, 1);
	if (!iserr(r)) {
		R("A12", "mremap(100B map, 100 -> 4096)", do_mremap(r, 100, PG, 0, 0), 1);
		R("A13", "mremap(100B map, 4096 -> 8192)", do_mremap(r, PG, 2 * PG, 0, 0), 1);
		R("A14", "munmap(100B map, len=100)", do_munmap(r, 100), 0);
	}

	/* 1 TiB on 64-bit, 0xf0000000 on 32-bit: far beyond one contiguous block */
	R("A15", "mmap(NULL,huge(1<<40 on 64-bit, 0xf0000000 on 32-bit),RW,PRIVATE|ANON)",
	  anon(sizeof(ul) == 8 ? (ul)1 << (sizeof(ul) * 4 + 8) : 0xf0000000ul), 1);

	r = do_mmap(0, PG, PROT_NONE, ANON_PRIV, -1, 0);
	R("A16", "mmap(NULL,1pg,PROT_NONE,PRIVATE|ANON)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	r = do_mmap(0, PG, RW | PROT_EXEC, ANON_PRIV, -1, 0);
	R("A17", "mmap(NULL,1pg,RWX,PRIVATE|ANON)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	R("A18", "mmap(NULL,1pg,RW,PRIVATE) fd=-1 no ANON", do_mmap(0, PG, RW, MAP_PRIVATE, -1, 0), 1);
	R("A19", "mmap(NULL,1pg,RW,PRIVATE|ANON,off=100 bytes)", do_mmap(0, PG, RW, ANON_PRIV, -1, 100), 1);
	r = do_mmap(0, PG, RW, ANON_PRIV | MAP_POPULATE | MAP_NORESERVE, -1, 0);
	R("A20", "mmap(NULL,1pg,RW,PRIVATE|ANON|POPULATE|NORESERVE)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	r = do_mmap(0, PG, RW, ANON_PRIV | MAP_GROWSDOWN, -1, 0);
	R("A21", "mmap(NULL,1pg,RW,PRIVATE|ANON|GROWSDOWN)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);

	r = anon(5 * PG);
	r2 = anon(5 * PG);
	rep("A22", "two mmap(NULL,5pg) in a row", r2, 1);
	kx("first", (ul)r);
	kv("second_minus_first_pages", (r2 - r) / (sl)PG);
	end();
	do_munmap(r, 5 * PG);
	do_munmap(r2, 5 * PG);
}

static void probe_mremap(void)
{
	sl a = a01, b = a10, r;

	if (!iserr(a)) {
		R("R01", "mremap(A01,3pg->4pg,0)", do_mremap(a, 3 * PG, 4 * PG, 0, 0), 1);
		R("R02", "mremap(A01,3pg->4pg,MAYMOVE)", do_mremap(a, 3 * PG, 4 * PG, MREMAP_MAYMOVE, 0), 1);
		R("R03", "mremap(A01,2pg(wrong old_len)->1pg,0)", do_mremap(a, 2 * PG, PG, 0, 0), 1);
		R("R04", "mremap(A01+1,3pg->1pg) unaligned addr", do_mremap(a + 1, 3 * PG, PG, 0, 0), 1);
		R("R05", "mremap(A01,3pg->0)", do_mremap(a, 3 * PG, 0, 0, 0), 1);
		if (safe_extra_range("R06", a + 256 * PG, 3 * PG))
			R("R06", "mremap(A01,3pg->3pg,MAYMOVE|FIXED,new=A01+256pg)",
			  do_mremap(a, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, a + 256 * PG), 1);
		R("R07", "mremap(A01,3pg->3pg,MAYMOVE|FIXED,new=A01)",
		  do_mremap(a, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, a), 1);

		r = do_mremap(a, 3 * PG, PG, 0, 0);
		rep("R08", "mremap(A01,3pg->1pg,0) shrink", r, 1);
		kv("same_addr", r == a);
		end();
		r = do_mremap(a, PG, 3 * PG, 0, 0);
		rep("R09", "mremap(A01,1pg->3pg,0) regrow within original region", r, 1);
		kv("same_addr", r == a);
		kv("old_data_kept", check(a, 3 * PG, 1));
		end();

		R("R10", "mremap(A01,3pg->5pg,0) beyond region", do_mremap(a, 3 * PG, 5 * PG, 0, 0), 1);
		R("R11", "mremap(A01,3pg->3pg,DONTUNMAP|MAYMOVE)",
		  do_mremap(a, 3 * PG, 3 * PG, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0), 1);
		R("R12", "mremap(A01,3pg->2pg,flags=0x80 bogus)", do_mremap(a, 3 * PG, 2 * PG, 0x80, 0), 1);
		R("R13", "mremap(A01,2pg->3pg,0) regrow", do_mremap(a, 2 * PG, 3 * PG, 0, 0), 1);
	}
	if (!iserr(b)) {
		R("R14", "mremap(SHARED|ANON 2pg->1pg)", do_mremap(b, 2 * PG, PG, 0, 0), 1);
		R("R15", "mremap(SHARED|ANON 1pg->2pg) regrow", do_mremap(b, PG, 2 * PG, 0, 0), 1);
		R("R15b", "mremap(SHARED|ANON 2pg->3pg,MAYMOVE)", do_mremap(b, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0), 1);
	}
	r = anon(5 * PG);
	if (!iserr(r)) {
		R("R17", "mremap(fresh 5pg anon,5pg->6pg,0) (alloc rounded to 8pg internally)",
		  do_mremap(r, 5 * PG, 6 * PG, 0, 0), 1);
		R("R18", "mremap(fresh 5pg anon,5pg->2pg,0)", do_mremap(r, 5 * PG, 2 * PG, 0, 0), 1);
		R("R19", "mremap(same,2pg->5pg,0) regrow", do_mremap(r, 2 * PG, 5 * PG, 0, 0), 1);
		do_munmap(r, 5 * PG);
	}
	R("R16", "mremap(unmapped addr,1pg->1pg)", do_mremap(a + 512 * PG, PG, PG, 0, 0), 1);
}

static void probe_munmap(void)
{
	sl a = a01, b = a10, r, r2;

	if (!iserr(a)) {
		R("U01", "munmap(A01+1pg,1pg) middle page", do_munmap(a + PG, PG), 0);
		rep("U02", "after middle unmap: pages 0,2 still readable", 0, 0);
		kv("page0_ok", check(a, PG, 1));
		kv("page2_byte_ok", byte_is(a + 2 * PG, pat(1, 2 * PG)));
		end();
		R("U03", "munmap(A01+1pg,1pg) again (hole)", do_munmap(a + PG, PG), 0);
		R("U04", "munmap(A01,2pg) spans page0 + hole", do_munmap(a, 2 * PG), 0);
		R("U05", "munmap(A01+1,1pg) unaligned start", do_munmap(a + 1, PG), 0);
		R("U06", "munmap(A01,0)", do_munmap(a, 0), 0);
		R("U07", "mremap(A01 split piece,1pg->2pg)", do_mremap(a, PG, 2 * PG, 0, 0), 1);
		R("U08", "mremap(A01 split piece,1pg->1pg)", do_mremap(a, PG, PG, 0, 0), 1);
		R("U09", "munmap(A01,1pg) first piece", do_munmap(a, PG), 0);
		R("U10", "munmap(A01+2pg,1pg) last piece", do_munmap(a + 2 * PG, PG), 0);
		R("U11", "munmap(A01,3pg) all gone", do_munmap(a, 3 * PG), 0);
	}
	r = anon(4 * PG);
	if (!iserr(r)) {
		R("U12", "munmap(4pg map,first 1pg)", do_munmap(r, PG), 0);
		R("U13", "munmap(4pg map,last 1pg)", do_munmap(r + 3 * PG, PG), 0);
		R("U14", "munmap(4pg map, 2 middle pages+100B unaligned end)", do_munmap(r + PG, PG + 100), 0);
	}
	r = anon(2 * PG);
	r2 = anon(2 * PG);
	if (!iserr(r) && !iserr(r2)) {
		ul lo = (ul)(r < r2 ? r : r2), hi = (ul)(r < r2 ? r2 : r);

		if (safe_extra_range("U15", lo + 2 * PG, hi > lo + 2 * PG ? hi - lo - 2 * PG : 0)) {
			rep("U15", "munmap(range covering two whole anon maps)", do_munmap(lo, hi + 2 * PG - lo), 0);
			kv("adjacent", hi == lo + 2 * PG);
			end();
		}
		do_munmap(r, 2 * PG);
		do_munmap(r2, 2 * PG);
	}
	R("U16", "munmap(0x1000,1pg) never mapped", do_munmap(0x1000, PG), 0);
	if (!iserr(b)) {
		R("U17", "munmap(SHARED|ANON 2pg, 1st pg)", do_munmap(b, PG), 0);
		R("U18", "munmap(SHARED|ANON 2pg, rest)", do_munmap(b + PG, PG), 0);
		R("U19", "munmap(SHARED|ANON 2pg, whole)", do_munmap(b, 2 * PG), 0);
	}
	r = anon(3 * PG);
	if (!iserr(r)) {
		R("U20", "munmap(fresh 3pg anon, middle pg) [split]", do_munmap(r + PG, PG), 0);
		R("U21", "munmap(pg0) after split", do_munmap(r, PG), 0);
		R("U22", "munmap(pg2) after split", do_munmap(r + 2 * PG, PG), 0);
	}
	r = anon(3 * PG);
	if (!iserr(r)) {
		if (safe_extra_range("U23", r + 3 * PG, PG))
			R("U23", "munmap(fresh 3pg anon, len=3pg+1 byte)", do_munmap(r, 3 * PG + 1), 0);
		R("U24", "munmap(fresh 3pg anon, whole)", do_munmap(r, 3 * PG), 0);
	}
	r = anon(3 * PG);
	if (!iserr(r)) {
		if (safe_extra_range("U25", r + 3 * PG, 3 * PG))
			R("U25", "munmap(fresh 3pg anon, from pg1, len=5pg past end)", do_munmap(r + PG, 5 * PG), 0);
		R("U26", "munmap(fresh 3pg anon, pg1..pg2 tail)", do_munmap(r + PG, 2 * PG), 0);
		R("U27", "munmap(pg0)", do_munmap(r, PG), 0);
	}
	r = anon(8 * PG);
	if (!iserr(r)) {
		R("U28", "munmap(8pg anon, pg2..pg3)", do_munmap(r + 2 * PG, 2 * PG), 0);
		R("U29", "munmap(8pg anon, pg5) second hole", do_munmap(r + 5 * PG, PG), 0);
		R("U30", "mremap(8pg anon piece pg6..7, 2pg->2pg)", do_mremap(r + 6 * PG, 2 * PG, 2 * PG, 0, 0), 1);
		R("U31", "mremap(8pg anon piece pg0..1, 2pg->3pg) into hole", do_mremap(r, 2 * PG, 3 * PG, 0, 0), 1);
		do_munmap(r, 2 * PG);
		do_munmap(r + 4 * PG, PG);
		do_munmap(r + 6 * PG, 2 * PG);
	}
}

/* other memory calls, SysV shm, non-mappable fds */
static void probe_other(void)
{
	sl r, r2, r3, fd;

	r = anon(2 * PG);
	R("S01", "mprotect(anon,1pg,R)", from_int(mprotect((void *)r, PG, PROT_READ)), 0);
	R("S02", "msync(anon,1pg,MS_SYNC)", from_int(msync((void *)r, PG, MS_SYNC)), 0);
	R("S03", "madvise(anon,1pg,DONTNEED)", from_int(madvise((void *)r, PG, MADV_DONTNEED)), 0);
	R("S04", "mlock(anon,1pg)", from_int(mlock((void *)r, PG)), 0);
	R("S05", "mincore(anon,1pg)", from_int(mincore((void *)r, PG, iobuf)), 0);
	R("S06", "remap_file_pages(anon)", from_int(remap_file_pages((void *)r, PG, 0, 0, 0)), 0);
	fd = from_int(memfd_create("x", 0));
	R("S07", "memfd_create(\"x\",0)", fd, 0);
	if (!iserr(fd))
		close((int)fd);
	do_munmap(r, 2 * PG);

	r = from_int(shmget(IPC_PRIVATE, 2 * PG, IPC_CREAT | 0600));
	R("S08", "shmget(IPC_PRIVATE,2pg)", r, 0);
	if (!iserr(r)) {
		r2 = from_ptr(shmat((int)r, NULL, 0));
		R("S09", "shmat(id,NULL,0)", r2, 1);
		if (!iserr(r2)) {
			r3 = from_ptr(shmat((int)r, NULL, 0));
			rep("S10", "second shmat(id,NULL,0)", r3, 1);
			kv("same_addr", r3 == r2);
			end();
			R("S11", "shmdt(first)", from_int(shmdt((void *)r2)), 0);
			if (!iserr(r3))
				R("S12", "shmdt(second)", from_int(shmdt((void *)r3)), 0);
		}
		shmctl((int)r, IPC_RMID, NULL);
	}

	/* the oracle used fd 1 = /dev/console, a char device without ->mmap */
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		info("open(/dev/null) failed: %s", strerror(errno));
	R("S13", "mmap(fd 1 = /dev/console,1pg,R,SHARED)", do_mmap(0, PG, PROT_READ, MAP_SHARED, (int)fd, 0), 1);
	R("S14", "mmap(fd 1 = /dev/console,1pg,R,PRIVATE)", do_mmap(0, PG, PROT_READ, MAP_PRIVATE, (int)fd, 0), 1);
	if (fd >= 0)
		close((int)fd);
	fd = open(run_dir, O_RDONLY | O_DIRECTORY);
	R("S15", "mmap(dir fd,1pg,R,PRIVATE)", do_mmap(0, PG, PROT_READ, MAP_PRIVATE, (int)fd, 0), 1);
	if (fd >= 0)
		close((int)fd);
	if (fcntl(99, F_GETFD) != -1)
		info("S16: fd 99 is open in this process, the probe below is not about a bad fd");
	R("S16", "mmap(bad fd 99,1pg,R,PRIVATE)", do_mmap(0, PG, PROT_READ, MAP_PRIVATE, 99, 0), 1);
}

/* the initramfs file (contiguous pages): shared and private R/O maps */
static void probe_data_bin(void)
{
	sl fd, r2, r3;

	fd = from_int(open(path_of("data.bin"), O_RDONLY));
	R("F00", "open(/data.bin from initramfs cpio)", fd, 0);
	if (iserr(fd))
		return;
	r2 = do_mmap(0, 3 * PG, PROT_READ, MAP_SHARED, (int)fd, 0);
	rep("F01", "mmap(/data.bin 3pg,R,SHARED)", r2, 1);
	if (!iserr(r2))
		kv("content_ok", check(r2, 3 * PG, 33));
	end();
	if (!iserr(r2))
		do_munmap(r2, 3 * PG);

	r2 = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	rep("F02", "mmap(/data.bin 3pg,R,PRIVATE)", r2, 1);
	if (!iserr(r2))
		kv("content_ok", check(r2, 3 * PG, 33));
	end();
	r3 = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	rep("F03", "again mmap(/data.bin 3pg,R,PRIVATE)", r3, 1);
	kv("same_addr_as_F02", r3 == r2);
	end();
	if (!iserr(r2))
		R("F03a", "munmap(F02 map)", do_munmap(r2, 3 * PG), 0);
	if (!iserr(r3))
		R("F03b", "munmap(F03 map, same range)", do_munmap(r3, 3 * PG), 0);

	r2 = do_mmap(0, 3 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, (int)fd, 0);
	R("F04", "mmap(/data.bin 3pg,RX,PRIVATE)", r2, 1);
	if (!iserr(r2))
		do_munmap(r2, 3 * PG);
	close((int)fd);
}

/* ids of one file set: <tag>01, <tag>02, ... ; skipped probes keep their numbers */
struct idgen {
	const char *tag;
	int k;
	char buf[16];
};

static const char *next_id(struct idgen *g)
{
	g->k++;
	snprintf(g->buf, sizeof(g->buf), "%.2s%02d", g->tag, g->k);
	return g->buf;
}

static void skip_ids(struct idgen *g, int n)
{
	g->k += n;
}

static sl shmap(sl fd, ul len, int prot, ul off_pages)
{
	return do_mmap(0, len, prot, MAP_SHARED, (int)fd, (off_t)(off_pages * PG));
}

/* 05..17: probes against the live 3-page shared mapping r of the truncated file */
static void live_shared_map_probes(struct idgen *g, sl ft, sl r)
{
	sl x;

	x = shmap(ft, PG, RW, 1);
	rep(next_id(g), "mmap(truncated file,1pg,RW,SHARED,off=1pg) subset of live map", x, 1);
	kv("addr_is_map_plus_1pg", x == r + (sl)PG);
	end();
	if (!iserr(x))
		R(next_id(g), "munmap(that 1pg subset map)", do_munmap(x, PG), 0);
	else
		skip_ids(g, 1);
	x = shmap(ft, 4 * PG, RW, 0);
	R(next_id(g), "mmap(truncated file,4pg>size,RW,SHARED) while mapped", x, 1);
	if (!iserr(x))
		do_munmap(x, 4 * PG);
	R(next_id(g), "munmap(file map, first 1pg)", do_munmap(r, PG), 0);
	R(next_id(g), "munmap(file map, last 1pg)", do_munmap(r + 2 * PG, PG), 0);
	R(next_id(g), "munmap(file map, middle 1pg)", do_munmap(r + PG, PG), 0);
	R(next_id(g), "mremap(file map,3pg->1pg,0)", do_mremap(r, 3 * PG, PG, 0, 0), 1);
	R(next_id(g), "mremap(file map,3pg->3pg,0)", do_mremap(r, 3 * PG, 3 * PG, 0, 0), 1);
	R(next_id(g), "mremap(file map,3pg->6pg,MAYMOVE)", do_mremap(r, 3 * PG, 6 * PG, MREMAP_MAYMOVE, 0), 1);
	R(next_id(g), "ftruncate(file, 1pg) shrink while shared-mapped", from_int(ftruncate((int)ft, (off_t)PG)), 0);
	R(next_id(g), "ftruncate(file, 4pg) grow while shared-mapped", from_int(ftruncate((int)ft, (off_t)(4 * PG))),
	  0);
	R(next_id(g), "ftruncate(file, 3pg) back while shared-mapped", from_int(ftruncate((int)ft, (off_t)(3 * PG))),
	  0);
	R(next_id(g), "munmap(file map, whole 3pg)", do_munmap(r, 3 * PG), 0);
}

/* pwrite one byte at off into the file, report whether the map at r sees it, restore */
static void later_pwrite_visible(sl fd, sl r, ul off, unsigned char v, int seed)
{
	iobuf[0] = v;
	pwrite((int)fd, iobuf, 1, (off_t)off);
	kv("later_pwrite_visible", byte_is(r + off, v));
	iobuf[0] = pat(seed, off);
	pwrite((int)fd, iobuf, 1, (off_t)off);
}

/* the oracle's file_probes(): the same set on one filesystem (RF, TF or RM) */
static void file_probes(const char *tag, const char *wpath, const char *tpath)
{
	struct idgen g = { tag, 0, "" };
	sl fw, ft, r, r2, x;
	int n0;

	fw = mkfile_write(wpath, 3 * PG, 11);
	R(next_id(&g), "create file by write() 3pg -> fd", fw, 0);
	ft = mkfile_trunc(tpath, 3 * PG, 22);
	R(next_id(&g), "create file by ftruncate(3pg)+pwrite -> fd", ft, 0);

	/* 03: shared RW on the written file */
	r = do_mmap(0, 3 * PG, RW, MAP_SHARED, (int)fw, 0);
	rep(next_id(&g), "mmap(written file,3pg,RW,SHARED)", r, 1);
	if (!iserr(r))
		kv("content_ok", check(r, 3 * PG, 11));
	end();
	if (!iserr(r))
		do_munmap(r, 3 * PG);

	/* 04: shared RW on the truncated file, coherence with pread/pwrite */
	r = shmap(ft, 3 * PG, RW, 0);
	rep(next_id(&g), "mmap(truncated file,3pg,RW,SHARED)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check(r, 3 * PG, 22));
		store(r + 5, 0xAB);
		iobuf[5] = 0;
		pread((int)ft, iobuf, 8, 0);
		kv("store_visible_to_pread", iobuf[5] == 0xAB);
		iobuf[0] = 0xCD;
		pwrite((int)ft, iobuf, 1, (off_t)PG);
		kv("pwrite_visible_in_map", byte_is(r + PG, 0xCD));
		store(r + 5, pat(22, 5));
		store(r + PG, pat(22, PG));
	}
	end();
	if (!iserr(r))
		live_shared_map_probes(&g, ft, r);
	else
		skip_ids(&g, 13);

	/* 18: subset map with no other live mapping */
	x = shmap(ft, PG, RW, 1);
	rep(next_id(&g), "mmap(truncated file,1pg,RW,SHARED,off=1pg) alone", x, 1);
	if (!iserr(x))
		kv("page1_content_ok", byte_is(x + 1, pat(22, PG + 1)));
	end();
	if (!iserr(x))
		do_munmap(x, PG);

	/* 19..21: the same shared range mapped twice */
	n0 = nmaps();
	r = shmap(ft, 3 * PG, RW, 0);
	r2 = shmap(ft, 3 * PG, RW, 0);
	rep(next_id(&g), "mmap same file range SHARED twice", r2, 1);
	kv("same_addr", r2 == r);
	kv("maps_lines_added", nmaps() - n0);
	end();
	R(next_id(&g), "munmap(2nd of the two)", do_munmap(r2, 3 * PG), 0);
	rep(next_id(&g), "munmap(1st of the two)", do_munmap(r, 3 * PG), 0);
	kv("maps_lines_vs_start", nmaps() - n0);
	end();

	/* 22..23: beyond EOF */
	R(next_id(&g), "mmap(file,SHARED,off=100pg beyond EOF)", shmap(ft, PG, PROT_READ, 100), 1);
	x = do_mmap(0, PG, PROT_READ, MAP_PRIVATE, (int)ft, (off_t)(100 * PG));
	rep(next_id(&g), "mmap(file,PRIVATE,off=100pg beyond EOF)", x, 1);
	if (!iserr(x))
		kv("zero", allzero(x, PG));
	end();
	if (!iserr(x))
		do_munmap(x, PG);

	/* 24: private R/O map of a range partly beyond EOF */
	x = do_mmap(0, 5 * PG, PROT_READ, MAP_PRIVATE, (int)ft, 0);
	rep(next_id(&g), "mmap(3pg file,len=5pg,R,PRIVATE)", x, 1);
	if (!iserr(x))
		kv("tail_zero", allzero(x + 3 * PG, 2 * PG));
	end();
	if (!iserr(x))
		do_munmap(x, 5 * PG);

	/* 25..29: private R/O maps (overlay or copy?) */
	r = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)fw, 0);
	rep(next_id(&g), "mmap(written file,3pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check(r, 3 * PG, 11));
		later_pwrite_visible(fw, r, 10, 0x5A, 11);
	}
	end();
	if (!iserr(r))
		do_munmap(r, 3 * PG);
	r = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)ft, 0);
	rep(next_id(&g), "mmap(truncated file,3pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check(r, 3 * PG, 22));
		later_pwrite_visible(ft, r, 10, 0x5A, 22);
		end();
		R(next_id(&g), "munmap(R PRIVATE file map, 1st pg)", do_munmap(r, PG), 0);
		R(next_id(&g), "mremap(R PRIVATE file map, 3pg->1pg)", do_mremap(r, 3 * PG, PG, 0, 0), 1);
		R(next_id(&g), "munmap(R PRIVATE file map, whole)", do_munmap(r, 3 * PG), 0);
	} else {
		end();
		skip_ids(&g, 3);
	}

	/* 30..35: private writable map: always a copy */
	r = do_mmap(0, 3 * PG, RW, MAP_PRIVATE, (int)ft, 0);
	rep(next_id(&g), "mmap(truncated file,3pg,RW,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check(r, 3 * PG, 22));
		store(r + 7, 0x77);
		iobuf[7] = 0;
		pread((int)ft, iobuf, 8, 0);
		kv("store_leaks_to_file", iobuf[7] == 0x77);
		later_pwrite_visible(ft, r, 20, 0x66, 22);
	}
	end();
	if (!iserr(r)) {
		R(next_id(&g), "mremap(RW PRIVATE file map,3pg->4pg,MAYMOVE)",
		  do_mremap(r, 3 * PG, 4 * PG, MREMAP_MAYMOVE, 0), 1);
		R(next_id(&g), "mremap(RW PRIVATE file map,3pg->1pg)", do_mremap(r, 3 * PG, PG, 0, 0), 1);
		R(next_id(&g), "mremap(RW PRIVATE file map,1pg->3pg) regrow", do_mremap(r, PG, 3 * PG, 0, 0), 1);
		R(next_id(&g), "munmap(RW PRIVATE file map, last pg)", do_munmap(r + 2 * PG, PG), 0);
		R(next_id(&g), "munmap(RW PRIVATE file map, whole)", do_munmap(r, 3 * PG), 0);
	} else
		skip_ids(&g, 5);

	/* 36..42: permission checks */
	x = from_int(open(tpath, O_RDONLY));
	r = do_mmap(0, PG, RW, MAP_SHARED, (int)x, 0);
	R(next_id(&g), "mmap(O_RDONLY fd,RW,SHARED)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	r = do_mmap(0, PG, PROT_READ, MAP_SHARED, (int)x, 0);
	R(next_id(&g), "mmap(O_RDONLY fd,R,SHARED)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	r = do_mmap(0, PG, RW, MAP_PRIVATE, (int)x, 0);
	R(next_id(&g), "mmap(O_RDONLY fd,RW,PRIVATE)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	if (x >= 0)
		close((int)x);
	x = from_int(open(tpath, O_WRONLY));
	r = do_mmap(0, PG, PROT_WRITE, MAP_SHARED, (int)x, 0);
	R(next_id(&g), "mmap(O_WRONLY fd,W,SHARED)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	r = do_mmap(0, PG, PROT_READ, MAP_PRIVATE, (int)x, 0);
	R(next_id(&g), "mmap(O_WRONLY fd,R,PRIVATE)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	if (x >= 0)
		close((int)x);
	r = do_mmap(0, PG, PROT_READ | PROT_EXEC, MAP_SHARED, (int)ft, 0);
	R(next_id(&g), "mmap(truncated file,1pg,RX,SHARED)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	R(next_id(&g), "mmap(truncated file,1pg,RW,SHARED,off=1 byte)", do_mmap(0, PG, RW, MAP_SHARED, (int)ft, 1), 1);
	if (fw >= 0)
		close((int)fw);
	if (ft >= 0)
		close((int)ft);
}

static volatile sl shared_word;

static void probe_fork(void)
{
	pid_t pid;
	sl r, r2;
	int st;

	/* fork(): on no-MMU the child shares the parent's memory */
	shared_word = 1;
	pid = fork();
	if (pid == 0) {
		shared_word = 2;
		_exit(7);
	}
	r = from_int(pid);
	rep("P01", "clone(SIGCHLD) [fork]", r, 0);
	kv("is_child_pid", r > 0);
	end();
	if (r > 0) {
		st = 0;
		r2 = from_int(waitpid((pid_t)r, &st, 0));
		rep("P02", "wait4(fork child)", r2, 0);
		kv("same_pid", r2 == r);
		kv("exit_code", (st >> 8) & 0xff);
		kv("child_store_visible_in_parent", shared_word == 2);
		end();
	}

	shared_word = 1;
	pid = vfork();
	if (pid == 0) {
		shared_word = 3;
		_exit(42);
	}
	r = from_int(pid);
	rep("P03", "clone(CLONE_VM|CLONE_VFORK|SIGCHLD) [vfork]", r, 0);
	kv("is_child_pid", r > 0);
	kv("child_store_visible_right_after_return", shared_word == 3);
	end();
	if (r > 0) {
		st = 0;
		r2 = from_int(waitpid((pid_t)r, &st, 0));
		rep("P04", "wait4(vfork child)", r2, 0);
		kv("exit_code", (st >> 8) & 0xff);
		end();
	}
	/* P06..P08: the m68k oracle also calls the fork and vfork syscalls, which the ColdFire
	 * profile's libc reaches through fork() and vfork() (NOMMU_PROBE_FORK_SYSCALL=1) */
	if (getenv("NOMMU_PROBE_FORK_SYSCALL")) {
		shared_word = 1;
		pid = fork();
		if (pid == 0)
			_exit(9);
		R("P06", "fork() syscall", from_int(pid), 0);
		if (pid > 0)
			waitpid(pid, &st, 0);
		shared_word = 1;
		pid = vfork();
		if (pid == 0) {
			shared_word = 5;
			_exit(43);
		}
		r = from_int(pid);
		rep("P07", "vfork() syscall", r, 0);
		kv("child_store_visible", shared_word == 5);
		end();
		if (r > 0) {
			st = 0;
			r2 = from_int(waitpid((pid_t)r, &st, 0));
			rep("P08", "wait4(vfork child)", r2, 0);
			kv("exit_code", (st >> 8) & 0xff);
			end();
		}
	} else {
		info("no fork/vfork syscall numbers on this arch (asm-generic ABI): fork = clone(SIGCHLD)");
	}
	R("P05", "wait4(-1) no children", from_int(waitpid(-1, &st, 0)), 0);
}

/* ------------------------------------------------ regular files on a disk filesystem */

/*
 * The DF section of the project's oracle kit (tests/oracle/kit/nommu_probe.c), recorded
 * with an ext2 image on virtio-blk: MAP_SHARED is ENODEV; a R/O private map is a copy
 * that later R/O private maps of a contained range of the same inode share (same
 * address, stale after a write); a partial overlap is EINVAL; a writable private map is
 * a fresh copy.  Here the files live in a directory on the host's disk filesystem.
 */
#define DF_COUNT 23
#define DISK_SEED 44

static void skip_df(int from, int to, const char *why)
{
	int i;

	for (i = from; i <= to; i++)
		info("DF%02d skipped: %s", i, why);
}

/* 0 if the DF probes can run in a fresh directory under dir, else -1 (skip lines printed) */
static int setup_disk(const char *dir)
{
	struct statfs sf;
	char why[PATH_MAX + 128];
	sl r;

	if (!dir || !*dir) {
		skip_df(1, DF_COUNT, "no disk directory (argv[2] or NOMMU_PROBE_DISK)");
		return -1;
	}
	if (statfs(dir, &sf) != 0) {
		snprintf(why, sizeof(why), "disk directory %s: %s", dir, strerror(errno));
		skip_df(1, DF_COUNT, why);
		return -1;
	}
	if ((ul)sf.f_type == 0x01021994 || (ul)sf.f_type == 0x858458f6) {
		snprintf(why, sizeof(why), "%s is on tmpfs/ramfs, not on a disk filesystem", dir);
		skip_df(1, DF_COUNT, why);
		return -1;
	}
	snprintf(disk_dir, sizeof(disk_dir), "%s/nommu-probe-disk.XXXXXX", dir);
	r = mkdtemp(disk_dir) ? 0 : -(sl)errno;
	R("DF01", "mount(devtmpfs,/dev)", r, 0);
	if (iserr(r)) {
		disk_dir[0] = 0;
		skip_df(2, DF_COUNT, "mkdtemp in the disk directory failed");
		return -1;
	}
	info("disk: %s (f_type=0x%lx)", disk_dir, (ul)sf.f_type);
	R("DF02", "mount(ext2 disk,/disk)", from_int(statfs(disk_dir, &sf)), 0);
	snprintf(disk_paths[0], sizeof(disk_paths[0]), "%s/data.bin", disk_dir);
	snprintf(disk_paths[1], sizeof(disk_paths[1]), "%s/w.bin", disk_dir);
	/* the image's /data.bin: 3 pages of pattern seed 44 */
	r = mkfile_write(disk_paths[0], 3 * PG, DISK_SEED);
	if (iserr(r))
		info("creating %s failed: %s", disk_paths[0], errno_name(-r));
	else
		close((int)r);
	return 0;
}

static void probe_disk(const char *dir)
{
	sl fd, fd2, fw, a, b, c, x, r;
	int n0, shrunk;

	if (setup_disk(dir) != 0)
		return;
	fd = from_int(open(disk_paths[0], O_RDWR));
	R("DF03", "open(/disk/data.bin 3pg in the ext2 image,O_RDWR) -> fd", fd, 0);

	r = do_mmap(0, 3 * PG, PROT_READ, MAP_SHARED, (int)fd, 0);
	rep("DF04", "mmap(disk file 3pg,R,SHARED)", r, 1);
	if (!iserr(r))
		kv("content_ok", check(r, 3 * PG, DISK_SEED));
	end();
	if (!iserr(r))
		do_munmap(r, 3 * PG);
	r = do_mmap(0, 3 * PG, RW, MAP_SHARED, (int)fd, 0);
	R("DF05", "mmap(disk file 3pg,RW,SHARED)", r, 1);
	if (!iserr(r))
		do_munmap(r, 3 * PG);

	/* a: the first R/O private copy, kept until the end of the section */
	n0 = nmaps();
	a = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	rep("DF06", "mmap(disk file 3pg,R,PRIVATE) copy", a, 1);
	if (!iserr(a))
		kv("content_ok", check(a, 3 * PG, DISK_SEED));
	end();
	iobuf[0] = 0x5A;
	r = from_int(pwrite((int)fd, iobuf, 1, 10));
	rep("DF07", "pwrite(disk file,1 byte,off=10) while R PRIVATE copy live", r, 0);
	if (!iserr(a))
		kv("later_pwrite_visible", byte_is(a + 10, 0x5A));
	end();
	b = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	rep("DF08", "again mmap(disk file 3pg,R,PRIVATE) after that pwrite", b, 1);
	kv("same_addr", b == a);
	if (!iserr(b))
		kv("sees_pwrite", byte_is(b + 10, 0x5A));
	kv("maps_lines_added", nmaps() - n0);
	end();
	iobuf[0] = pat(DISK_SEED, 10);
	pwrite((int)fd, iobuf, 1, 10); /* the file is the pattern again */

	fd2 = from_int(open(disk_paths[0], O_RDONLY));
	c = do_mmap(0, PG, PROT_READ, MAP_PRIVATE, (int)fd2, (off_t)PG);
	rep("DF09", "mmap(disk file 1pg,R,PRIVATE,off=1pg) 2nd fd O_RDONLY, subset of live copy", c, 1);
	kv("addr_is_first_plus_1pg", c == a + (sl)PG);
	if (!iserr(c))
		kv("page1_content_ok", byte_is(c + 1, pat(DISK_SEED, PG + 1)));
	end();
	if (!iserr(c))
		R("DF10", "munmap(that 1pg subset map)", do_munmap(c, PG), 0);
	else
		info("DF10 skipped: DF09 failed");
	x = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)fd2, (off_t)PG);
	R("DF11", "mmap(disk file 3pg,R,PRIVATE,off=1pg) pg1..3 partial overlap of live copy", x, 1);
	if (!iserr(x))
		do_munmap(x, 3 * PG);
	if (!iserr(fd2))
		close((int)fd2);

	x = do_mmap(0, 3 * PG, RW, MAP_PRIVATE, (int)fd, 0);
	rep("DF12", "mmap(disk file 3pg,RW,PRIVATE) while R copy live", x, 1);
	kv("same_addr_as_first", x == a);
	if (!iserr(x)) {
		kv("content_ok", check(x, 3 * PG, DISK_SEED));
		store(x + 7, 0x77);
		iobuf[7] = 0;
		pread((int)fd, iobuf, 8, 0);
		kv("store_leaks_to_file", iobuf[7] == 0x77);
		if (!iserr(a))
			kv("store_visible_in_first", byte_is(a + 7, 0x77));
	}
	end();
	if (!iserr(x))
		do_munmap(x, 3 * PG);

	r = 0;
	if (!iserr(a))
		R("DF13", "mremap(R PRIVATE disk copy,3pg->1pg)", r = do_mremap(a, 3 * PG, PG, 0, 0), 1);
	else
		info("DF13 skipped: DF06 failed");
	/* an MMU host shrank a: its last 2 pages are no longer the probe's (DF15) */
	shrunk = !iserr(a) && !iserr(r);
	if (!iserr(b)) {
		rep("DF14", "munmap(2nd R PRIVATE map of the shared copy)", do_munmap(b, 3 * PG), 0);
		if (!iserr(a))
			kv("first_content_ok", check(a, 3 * PG, DISK_SEED));
		end();
	} else
		info("DF14 skipped: DF08 failed");
	if (iserr(a))
		info("DF15 skipped: DF06 failed");
	else if (!shrunk || safe_extra_range("DF15", a + PG, 2 * PG))
		R("DF15", "munmap(1st R PRIVATE map, same range)", do_munmap(a, 3 * PG), 0);

	/* a second file, made by write() on the disk */
	fw = mkfile_write(disk_paths[1], 3 * PG, 55);
	R("DF16", "create disk file by write() 3pg -> fd", fw, 0);
	r = do_mmap(0, 3 * PG, RW, MAP_SHARED, (int)fw, 0);
	R("DF17", "mmap(written disk file,3pg,RW,SHARED)", r, 1);
	if (!iserr(r))
		do_munmap(r, 3 * PG);
	r = do_mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, (int)fw, 0);
	rep("DF18", "mmap(written disk file,3pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check(r, 3 * PG, 55));
		later_pwrite_visible(fw, r, 10, 0x5A, 55);
	}
	end();
	if (!iserr(r))
		R("DF19", "munmap(that R PRIVATE map, whole)", do_munmap(r, 3 * PG), 0);
	else
		info("DF19 skipped: DF18 failed");
	r = do_mmap(0, 5 * PG, PROT_READ, MAP_PRIVATE, (int)fw, 0);
	rep("DF20", "mmap(3pg disk file,len=5pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check(r, 3 * PG, 55));
		kv("tail_zero", allzero(r + 3 * PG, 2 * PG));
	}
	end();
	if (!iserr(r))
		do_munmap(r, 5 * PG);
	r = do_mmap(0, PG, PROT_READ, MAP_PRIVATE, (int)fw, (off_t)(100 * PG));
	rep("DF21", "mmap(disk file,1pg,R,PRIVATE,off=100pg beyond EOF)", r, 1);
	if (!iserr(r))
		kv("zero", allzero(r, PG));
	end();
	if (!iserr(r))
		do_munmap(r, PG);
	r = do_mmap(0, PG, PROT_READ, MAP_SHARED, (int)fw, (off_t)(100 * PG));
	R("DF22", "mmap(disk file,1pg,R,SHARED,off=100pg beyond EOF)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	x = from_int(open(disk_paths[1], O_RDONLY));
	r = do_mmap(0, PG, RW, MAP_SHARED, (int)x, 0);
	R("DF23", "mmap(O_RDONLY disk fd,RW,SHARED)", r, 1);
	if (!iserr(r))
		do_munmap(r, PG);
	if (!iserr(x))
		close((int)x);
	if (!iserr(fw))
		close((int)fw);
	if (!iserr(fd))
		close((int)fd);
}

/* --------------------------------------------------------------- setup, main */

static ul page_size(void)
{
	const char *e = getenv("NOMMU_PROBE_PAGESIZE");
	ul v;

	if (!e || !*e)
		return (ul)sysconf(_SC_PAGESIZE);
	v = strtoul(e, NULL, 0);
	if (v < 1024 || v > MAX_PG || (v & (v - 1))) {
		fprintf(stderr, "NOMMU_PROBE_PAGESIZE=%s: need a power of two in [1024, %lu]\n", e, MAX_PG);
		exit(2);
	}
	return v;
}

/* the run directory with the rootfs stand-in and /data.bin */
static int setup_files(const char *base)
{
	struct statfs sf;
	sl fd;

	snprintf(run_dir, sizeof(run_dir), "%s/nommu-probe.XXXXXX", base);
	if (!mkdtemp(run_dir)) {
		fprintf(stderr, "nommu_conformance_probe: mkdtemp(%s): %s\n", run_dir, strerror(errno));
		run_dir[0] = 0;
		return -1;
	}
	if (statfs(run_dir, &sf) == 0)
		info("host files in %s (f_type=0x%lx%s)", run_dir, (ul)sf.f_type,
		     sf.f_type == 0x01021994 ? " tmpfs" : ", not tmpfs");
	if (mkdir(path_of("rf"), 0755) != 0)
		info("mkdir(%s): %s", path_of("rf"), strerror(errno));
	/* initramfs file: its pages were contiguous, i.e. "sized by ftruncate from 0" */
	fd = mkfile_trunc(path_of("data.bin"), 3 * PG, 33);
	if (fd < 0)
		info("creating %s failed: %s", path_of("data.bin"), errno_name(-fd));
	else
		close((int)fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/dev/shm";
	const char *disk = argc > 2 ? argv[2] : getenv("NOMMU_PROBE_DISK");
	int stack_marker;

	PG = page_size();
	install_guard();
	line_len = 0;
	out("=== nommu_probe start ===\n");
	out("I pagesize=%lu argc=%d sp_low12=0x%lx\n", PG, argc, (ul)&stack_marker & 0xfff);
	flush_line();
	if (setup_files(base) != 0)
		return 2;

	probe_mounts();
	probe_brk();
	probe_anon();
	probe_mremap();
	probe_munmap();
	probe_other();
	probe_data_bin();
	file_probes("RF", path_of("rf/w.bin"), path_of("rf/t.bin"));
	file_probes("TF", path_of("tf/w.bin"), path_of("tf/t.bin"));
	file_probes("RM", path_of("rm/w.bin"), path_of("rm/t.bin"));
	probe_disk(disk);
	probe_fork();

	cleanup();
	line_len = 0;
	out("=== nommu_probe done ===\n");
	flush_line();
	return 0;
}
