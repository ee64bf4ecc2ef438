/*
 * nommu_probe.c - freestanding (no libc) probe of Linux no-MMU memory syscalls.
 * Runs as /init on a CONFIG_MMU=n kernel and prints one line per probe:
 *   T <id> <description> ret=<decimal or 0xhex> err=<ERRNO|0> [extra]
 * Built as a static-PIE ELF (riscv64) that the kernel's binfmt_elf_fdpic loads
 * at a constant displacement (Linux >= 6.x on nommu RISC-V), or converted to bFLT.
 * The code must not need any load-time relocation: no tables of pointers,
 * no jump tables (-fno-jump-tables), everything PC-relative.
 *
 * nommu project copy (tests/oracle/kit/): the shared kit's nommu_probe.c, unchanged
 * except for the parts marked "nommu kit:" -- the DF section (regular files on an
 * ext2 disk: virtio-blk /dev/vda on riscv64, or a brd ramdisk /dev/ram0 filled from
 * /disk.img where there is no virtio), two more words in the kernel-log filter, and
 * the syscall numbers those need.
 */
typedef unsigned long ul;
typedef long sl;

/* ---------------- arch layer ---------------- */
#if defined(__riscv) && __riscv_xlen == 64
#define NR_mkdirat 34
#define NR_fsync 82 /* nommu kit: DF section */
#define NR_unlinkat 35
#define NR_ioctl 29
#define NR_mount 40
#define NR_ftruncate 46
#define NR_openat 56
#define NR_close 57
#define NR_lseek 62
#define NR_read 63
#define NR_write 64
#define NR_pread64 67
#define NR_pwrite64 68
#define NR_exit 93
#define NR_syslog 116
#define NR_exit_group 94
#define NR_reboot 142
#define NR_getpid 172
#define NR_shmget 194
#define NR_shmctl 195
#define NR_shmat 196
#define NR_shmdt 197
#define NR_brk 214
#define NR_munmap 215
#define NR_mremap 216
#define NR_clone 220
#define NR_mmap 222
#define NR_mprotect 226
#define NR_msync 227
#define NR_mlock 228
#define NR_mincore 232
#define NR_madvise 233
#define NR_remap_file_pages 234
#define NR_wait4 260
#define NR_memfd_create 279
#define NR_fork_none (-1)

static inline sl sc6(sl n, sl a, sl b, sl c, sl d, sl e, sl f)
{
	register sl a0 __asm__("a0") = a;
	register sl a1 __asm__("a1") = b;
	register sl a2 __asm__("a2") = c;
	register sl a3 __asm__("a3") = d;
	register sl a4 __asm__("a4") = e;
	register sl a5 __asm__("a5") = f;
	register sl a7 __asm__("a7") = n;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
	return a0;
}

/* clone(flags, newsp=0, ...) ; child stores val at *ptr then exit(code)
 * without touching the stack (safe even when the child shares our memory). */
static sl clone_store_exit(ul flags, sl *ptr, sl val, sl code)
{
	register sl a0 __asm__("a0") = (sl)flags;
	register sl a1 __asm__("a1") = 0;
	register sl a2 __asm__("a2") = 0;
	register sl a3 __asm__("a3") = 0;
	register sl a4 __asm__("a4") = 0;
	register sl a7 __asm__("a7") = NR_clone;
	register sl t0 __asm__("t0") = (sl)ptr;
	register sl t1 __asm__("t1") = val;
	register sl t2 __asm__("t2") = code;
	__asm__ volatile(
		"ecall\n\t"
		"bnez a0, 1f\n\t"
		"sd t1, 0(t0)\n\t"
		"mv a0, t2\n\t"
		"li a7, 93\n\t"
		"ecall\n"
		"1:"
		: "+r"(a0), "+r"(a7)
		: "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(t0), "r"(t1), "r"(t2)
		: "memory");
	return a0;
}

__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"  mv a0, sp\n"
	"  andi sp, sp, -16\n"
	"  call cmain\n"
	"1: j 1b\n");
#elif defined(__mcoldfire__) || defined(__m68k__)
/* m68k / ColdFire: trap #0, d0 = nr, d1..d5 = args 1..5, a0 = arg 6 */
#define NR_exit 1
#define NR_fork 2
#define NR_read 3
#define NR_write 4
#define NR_close 6
#define NR_mount 21
#define NR_brk 45
#define NR_ioctl 54
#define NR_reboot 88
#define NR_old_mmap 90
#define NR_munmap 91
#define NR_ftruncate 93
#define NR_syslog 103
#define NR_wait4 114
#define NR_clone 120
#define NR_mprotect 125
#define NR_msync 144
#define NR_mlock 150
#define NR_mremap 163
#define NR_pread64 180
#define NR_pwrite64 181
#define NR_vfork 190
#define NR_mmap2 192
#define NR_mincore 237
#define NR_madvise 238
#define NR_exit_group 247
#define NR_remap_file_pages 252
#define NR_openat 288
#define NR_mkdirat 289
#define NR_fsync 118 /* nommu kit: DF section */
#define NR_memfd_create 353
#define NR_shmget 395
#define NR_shmctl 396
#define NR_shmat 397
#define NR_shmdt 398
#define O_DIRECTORY_ARCH 040000

static inline sl sc6(sl n, sl a, sl b, sl c, sl d, sl e, sl f)
{
	register sl d0 __asm__("d0") = n;
	register sl d1 __asm__("d1") = a;
	register sl d2 __asm__("d2") = b;
	register sl d3 __asm__("d3") = c;
	register sl d4 __asm__("d4") = d;
	register sl d5 __asm__("d5") = e;
	register sl a0 __asm__("a0") = f;
	__asm__ volatile("trap #0" : "+r"(d0) : "r"(d1), "r"(d2), "r"(d3), "r"(d4), "r"(d5), "r"(a0) : "memory");
	return d0;
}

/* syscall nr (clone with flags, or fork/vfork); child stores val at *ptr, then exit(code),
 * without touching the stack */
static sl raw_fork_store_exit(sl nr, ul flags, sl *ptr, sl val, sl code)
{
	register sl d0 __asm__("d0") = nr;
	register sl d1 __asm__("d1") = (sl)flags;
	register sl d2 __asm__("d2") = 0;
	register sl d3 __asm__("d3") = 0;
	register sl d4 __asm__("d4") = 0;
	register sl d5 __asm__("d5") = 0;
	register sl a1 __asm__("a1") = (sl)ptr;
	register sl d6 __asm__("d6") = val;
	register sl d7 __asm__("d7") = code;
	__asm__ volatile(
		"trap #0\n\t"
		"tst.l %%d0\n\t"
		"jbne 1f\n\t"
		"move.l %%d6, (%%a1)\n\t"
		"move.l %%d7, %%d1\n\t"
		"moveq #1, %%d0\n\t"
		"trap #0\n"
		"1:"
		: "+r"(d0), "+r"(d1)
		: "r"(d2), "r"(d3), "r"(d4), "r"(d5), "r"(a1), "r"(d6), "r"(d7)
		: "memory");
	return d0;
}
static sl clone_store_exit(ul flags, sl *ptr, sl val, sl code)
{
	return raw_fork_store_exit(NR_clone, flags, ptr, val, code);
}
#define HAVE_FORK_SYSCALL 1

__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"  move.l %sp, %d0\n"
	"  move.l %d0, -(%sp)\n"
	"  jbsr cmain\n"
	"1: jra 1b\n");
#else
#error "add an arch layer"
#endif

#define sc0(n) sc6(n, 0, 0, 0, 0, 0, 0)
#define sc1(n, a) sc6(n, (sl)(a), 0, 0, 0, 0, 0)
#define sc2(n, a, b) sc6(n, (sl)(a), (sl)(b), 0, 0, 0, 0)
#define sc3(n, a, b, c) sc6(n, (sl)(a), (sl)(b), (sl)(c), 0, 0, 0)
#define sc4(n, a, b, c, d) sc6(n, (sl)(a), (sl)(b), (sl)(c), (sl)(d), 0, 0)
#define sc5(n, a, b, c, d, e) sc6(n, (sl)(a), (sl)(b), (sl)(c), (sl)(d), (sl)(e), 0)

/* ---------------- constants (asm-generic) ---------------- */
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#ifdef O_DIRECTORY_ARCH
#define O_DIRECTORY O_DIRECTORY_ARCH
#else
#define O_DIRECTORY 0200000
#endif
#define AT_FDCWD (-100)
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define SIGCHLD 17
#define MS_ASYNC 1
#define MS_SYNC 4
#define MADV_DONTNEED 4
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_RMID 0
#define AT_PAGESZ 6

/* ---------------- tiny runtime ---------------- */
void *memset(void *d, int c, ul n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, ul n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static char obuf[512];
static int olen;
static void flush(void)
{
	if (olen) {
		sc3(NR_write, 1, obuf, olen);
		sc3(NR_ioctl, 1, 0x5409 /* TCSBRK */, 1); /* = tcdrain(): wait until sent */
	}
	olen = 0;
}
static void putc_(char c)
{
	if (olen >= (int)sizeof(obuf) - 1)
		flush();
	obuf[olen++] = c;
	if (c == '\n')
		flush();
}
static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}
static void putu(ul v)
{
	char t[24];
	int i = 0;
	do {
		t[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		putc_(t[--i]);
}
static void putd(sl v)
{
	if (v < 0) {
		putc_('-');
		putu((ul)-v);
	} else
		putu((ul)v);
}
static void putx(ul v)
{
	int i, started = 0;
	puts_("0x");
	for (i = (int)sizeof(ul) * 8 - 4; i >= 0; i -= 4) {
		int d = (int)((v >> i) & 15);
		if (d || started || i == 0) {
			putc_((char)(d < 10 ? '0' + d : 'a' + d - 10));
			started = 1;
		}
	}
}
static const char *ename(sl e)
{
	if (e == 1) return "EPERM";
	if (e == 2) return "ENOENT";
	if (e == 9) return "EBADF";
	if (e == 10) return "ECHILD";
	if (e == 11) return "EAGAIN";
	if (e == 12) return "ENOMEM";
	if (e == 13) return "EACCES";
	if (e == 14) return "EFAULT";
	if (e == 16) return "EBUSY";
	if (e == 17) return "EEXIST";
	if (e == 19) return "ENODEV";
	if (e == 21) return "EISDIR";
	if (e == 22) return "EINVAL";
	if (e == 26) return "ETXTBSY";
	if (e == 27) return "EFBIG";
	if (e == 38) return "ENOSYS";
	if (e == 75) return "EOVERFLOW";
	if (e == 95) return "EOPNOTSUPP";
	return "E?";
}
static const char *cur_id; /* no initializer: would need a load-time relocation */
static int iserr(sl r) { return r < 0 && r > -4096; }

static ul PG = 4096;

/* print a probe result; pointer-like results printed in hex */
static void rep(const char *id, const char *desc, sl r, int ptr)
{
	cur_id = id;
	puts_("T ");
	puts_(id);
	puts_(" ");
	puts_(desc);
	puts_(" ret=");
	if (iserr(r)) {
		putd(r);
		puts_(" err=");
		puts_(ename(-r));
		putc_('(');
		putd(-r);
		putc_(')');
	} else {
		if (ptr)
			putx((ul)r);
		else
			putd(r);
		puts_(" err=0");
	}
}
#define KBUF_SZ 8192
static char *kbuf;
static int has(const char *h, int n, const char *needle)
{
	int i, j;
	for (i = 0; i < n; i++) {
		for (j = 0; needle[j] && i + j < n && h[i + j] == needle[j]; j++)
			;
		if (!needle[j])
			return 1;
	}
	return 0;
}
/* print kernel log lines produced since the last call, tagged with the probe id
 * (console loglevel is lowered at start so they don't interleave on the console) */
static void klog_drain(const char *id)
{
	sl n, i, st, other = 0;
	if (!id)
		id = "-";
	while (sc3(NR_syslog, 9 /* SIZE_UNREAD */, 0, 0) > 0) {
		n = sc3(NR_syslog, 2 /* READ */, kbuf, KBUF_SZ);
		if (n <= 0)
			break;
		for (st = 0, i = 0; i < n; i++) {
			if (kbuf[i] != '\n')
				continue;
			if (has(kbuf + st, (int)(i - st), "WARNING") || has(kbuf + st, (int)(i - st), "nommu") ||
			    has(kbuf + st, (int)(i - st), "BUG") || has(kbuf + st, (int)(i - st), "Oops") ||
			    has(kbuf + st, (int)(i - st), "MAP_SHARED") || has(kbuf + st, (int)(i - st), "munmap") ||
			    has(kbuf + st, (int)(i - st), "Allocation") ||
			    /* nommu kit: "Attempt to share mismatched mappings", ext2 mount messages */
			    has(kbuf + st, (int)(i - st), "mismatched") || has(kbuf + st, (int)(i - st), "EXT2-fs")) {
				puts_("K ");
				puts_(id);
				putc_(' ');
				for (; st <= i; st++)
					putc_(kbuf[st]);
			} else
				other++;
			st = i + 1;
		}
	}
	if (other) {
		puts_("K ");
		puts_(id);
		puts_(" (+");
		putd(other);
		puts_(" more kernel log lines: stack dump/meminfo)\n");
	}
}
static void end(void)
{
	putc_('\n');
	klog_drain(cur_id);
}
static void kv(const char *k, sl v)
{
	putc_(' ');
	puts_(k);
	putc_('=');
	putd(v);
}
static void kx(const char *k, ul v)
{
	putc_(' ');
	puts_(k);
	putc_('=');
	putx(v);
}
static void R(const char *id, const char *desc, sl r, int ptr)
{
	rep(id, desc, r, ptr);
	end();
}

#ifdef NR_old_mmap
static sl mmap_(ul a, ul l, sl p, sl f, sl fd, sl off)
{
	ul args[6];
	args[0] = a; args[1] = l; args[2] = (ul)p; args[3] = (ul)f; args[4] = (ul)fd; args[5] = (ul)off;
	return sc1(NR_old_mmap, args); /* old_mmap: byte offset, must be page aligned */
}
#else
static sl mmap_(ul a, ul l, sl p, sl f, sl fd, sl off) { return sc6(NR_mmap, (sl)a, (sl)l, p, f, fd, off); }
#endif
static sl munmap_(ul a, ul l) { return sc2(NR_munmap, a, l); }
static sl mremap_(ul a, ul ol, ul nl, sl f, ul na) { return sc5(NR_mremap, a, ol, nl, f, na); }
/* pread64/pwrite64: on 32-bit m68k the 64-bit offset is a register pair (d4 = high, d5 = low) */
#if defined(__m68k__) || defined(__mcoldfire__)
#define PREAD(fd, b, n, off) sc5(NR_pread64, (fd), (b), (n), 0, (off))
#define PWRITE(fd, b, n, off) sc5(NR_pwrite64, (fd), (b), (n), 0, (off))
#else
#define PREAD(fd, b, n, off) sc4(NR_pread64, (fd), (b), (n), (off))
#define PWRITE(fd, b, n, off) sc4(NR_pwrite64, (fd), (b), (n), (off))
#endif
static sl open_(const char *p, sl fl, sl mode) { return sc4(NR_openat, AT_FDCWD, p, fl, mode); }
static sl close_(sl fd) { return sc1(NR_close, fd); }

/* test pattern; mkcpio.py 'pattern:' writes the same bytes */
static unsigned char pat(int seed, ul i) { return (unsigned char)(seed + i * 7 + (i >> 12)); }
static void fill(unsigned char *p, ul n, int seed)
{
	ul i;
	for (i = 0; i < n; i++)
		p[i] = pat(seed, i);
}
static int check(const unsigned char *p, ul n, int seed)
{
	ul i;
	for (i = 0; i < n; i++)
		if (p[i] != pat(seed, i))
			return 0;
	return 1;
}
static int allzero(const unsigned char *p, ul n)
{
	ul i;
	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

#define IOBUF_SZ (3 * PG) /* PG is known (from AT_PAGESZ) before iobuf is mmap()ed */
static unsigned char *iobuf; /* mmap()ed at start: keeps the image small (m68k -mpcrel has +-32K reach) */

static sl mkfile_write(const char *path, ul n, int seed)
{
	sl fd = open_(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fd;
	fill(iobuf, n, seed);
	sc3(NR_write, fd, iobuf, n);
	return fd;
}
static sl mkfile_trunc(const char *path, ul n, int seed)
{
	sl fd = open_(path, O_RDWR | O_CREAT | O_TRUNC, 0644), r;
	if (fd < 0)
		return fd;
	r = sc2(NR_ftruncate, fd, n);
	if (r < 0)
		return r;
	fill(iobuf, n, seed);
	PWRITE(fd, iobuf, n, 0);
	return fd;
}

/* count lines of /proc/self/maps (number of VMAs visible in the mm's tree) */
static int nmaps(void)
{
	sl fd = open_("/proc/self/maps", O_RDONLY, 0), n, i;
	int c = 0;
	if (fd < 0)
		return -1;
	while ((n = sc3(NR_read, fd, iobuf, IOBUF_SZ)) > 0)
		for (i = 0; i < n; i++)
			c += iobuf[i] == '\n';
	close_(fd);
	return c;
}

/* file mapping probes; tag is 2 chars; wpath: file filled with write(),
 * tpath: file sized with ftruncate() from 0 (ramfs then allocates contiguous pages) */
static void file_probes(const char *tag, const char *wpath, const char *tpath)
{
	sl fw, ft, r, r2, x;
	char id[8];
	int k = 0, n0;
#define ID() (k++, id[0] = tag[0], id[1] = tag[1], id[2] = (char)('0' + k / 10), id[3] = (char)('0' + k % 10), id[4] = 0, id)
#define SHMAP(len, prot, offpg) mmap_(0, (len), (prot), MAP_SHARED, ft, (sl)((offpg) * PG))
#define RW (PROT_READ | PROT_WRITE)

	fw = mkfile_write(wpath, 3 * PG, 11);
	R(ID(), "create file by write() 3pg -> fd", fw, 0);
	ft = mkfile_trunc(tpath, 3 * PG, 22);
	R(ID(), "create file by ftruncate(3pg)+pwrite -> fd", ft, 0);

	/* 03: shared RW on written file */
	r = mmap_(0, 3 * PG, RW, MAP_SHARED, fw, 0);
	rep(ID(), "mmap(written file,3pg,RW,SHARED)", r, 1);
	if (!iserr(r)) kv("content_ok", check((void *)r, 3 * PG, 11));
	end();
	if (!iserr(r)) munmap_(r, 3 * PG);

	/* 04: shared RW on ftruncate'd file, coherence with pread/pwrite */
	r = SHMAP(3 * PG, RW, 0);
	rep(ID(), "mmap(truncated file,3pg,RW,SHARED)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check((void *)r, 3 * PG, 22));
		((unsigned char *)r)[5] = 0xAB;
		iobuf[5] = 0;
		PREAD(ft, iobuf, 8, 0);
		kv("store_visible_to_pread", iobuf[5] == 0xAB);
		iobuf[0] = 0xCD;
		PWRITE(ft, iobuf, 1, PG);
		kv("pwrite_visible_in_map", ((unsigned char *)r)[PG] == 0xCD);
		((unsigned char *)r)[5] = pat(22, 5);
		((unsigned char *)r)[PG] = pat(22, PG);
	}
	end();
	if (!iserr(r)) {
		/* 05..: probes against the live 3pg shared mapping r */
		x = SHMAP(PG, RW, 1);
		rep(ID(), "mmap(truncated file,1pg,RW,SHARED,off=1pg) subset of live map", x, 1);
		kv("addr_is_map_plus_1pg", x == r + (sl)PG);
		end();
		if (!iserr(x)) R(ID(), "munmap(that 1pg subset map)", munmap_(x, PG), 0);
		else k++;
		x = SHMAP(4 * PG, RW, 0);
		R(ID(), "mmap(truncated file,4pg>size,RW,SHARED) while mapped", x, 1);
		if (!iserr(x)) munmap_(x, 4 * PG);
		R(ID(), "munmap(file map, first 1pg)", munmap_(r, PG), 0);
		R(ID(), "munmap(file map, last 1pg)", munmap_(r + 2 * PG, PG), 0);
		R(ID(), "munmap(file map, middle 1pg)", munmap_(r + PG, PG), 0);
		R(ID(), "mremap(file map,3pg->1pg,0)", mremap_(r, 3 * PG, PG, 0, 0), 1);
		R(ID(), "mremap(file map,3pg->3pg,0)", mremap_(r, 3 * PG, 3 * PG, 0, 0), 1);
		R(ID(), "mremap(file map,3pg->6pg,MAYMOVE)", mremap_(r, 3 * PG, 6 * PG, MREMAP_MAYMOVE, 0), 1);
		R(ID(), "ftruncate(file, 1pg) shrink while shared-mapped", sc2(NR_ftruncate, ft, PG), 0);
		R(ID(), "ftruncate(file, 4pg) grow while shared-mapped", sc2(NR_ftruncate, ft, 4 * PG), 0);
		R(ID(), "ftruncate(file, 3pg) back while shared-mapped", sc2(NR_ftruncate, ft, 3 * PG), 0);
		R(ID(), "munmap(file map, whole 3pg)", munmap_(r, 3 * PG), 0);
	} else
		k += 13;

	/* 18: subset map with no other live mapping */
	x = SHMAP(PG, RW, 1);
	rep(ID(), "mmap(truncated file,1pg,RW,SHARED,off=1pg) alone", x, 1);
	if (!iserr(x)) kv("page1_content_ok", ((unsigned char *)x)[1] == pat(22, PG + 1));
	end();
	if (!iserr(x)) munmap_(x, PG);

	/* 19..21: the same shared range mapped twice */
	n0 = nmaps();
	r = SHMAP(3 * PG, RW, 0);
	r2 = SHMAP(3 * PG, RW, 0);
	rep(ID(), "mmap same file range SHARED twice", r2, 1);
	kv("same_addr", r2 == r);
	kv("maps_lines_added", nmaps() - n0);
	end();
	R(ID(), "munmap(2nd of the two)", munmap_(r2, 3 * PG), 0);
	rep(ID(), "munmap(1st of the two)", munmap_(r, 3 * PG), 0);
	kv("maps_lines_vs_start", nmaps() - n0);
	end();

	/* 22..23: beyond EOF */
	R(ID(), "mmap(file,SHARED,off=100pg beyond EOF)", SHMAP(PG, PROT_READ, 100), 1);
	x = mmap_(0, PG, PROT_READ, MAP_PRIVATE, ft, (sl)(100 * PG));
	rep(ID(), "mmap(file,PRIVATE,off=100pg beyond EOF)", x, 1);
	if (!iserr(x)) kv("zero", allzero((void *)x, PG));
	end();
	if (!iserr(x)) munmap_(x, PG);
	/* 24: private RO of a partially-beyond-EOF range */
	x = mmap_(0, 5 * PG, PROT_READ, MAP_PRIVATE, ft, 0);
	rep(ID(), "mmap(3pg file,len=5pg,R,PRIVATE)", x, 1);
	if (!iserr(x)) kv("tail_zero", allzero((unsigned char *)x + 3 * PG, 2 * PG));
	end();
	if (!iserr(x)) munmap_(x, 5 * PG);

	/* 25..: private mappings */
	r = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, fw, 0);
	rep(ID(), "mmap(written file,3pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check((void *)r, 3 * PG, 11));
		iobuf[0] = 0x5A;
		PWRITE(fw, iobuf, 1, 10);
		kv("later_pwrite_visible", ((unsigned char *)r)[10] == 0x5A);
		iobuf[0] = pat(11, 10);
		PWRITE(fw, iobuf, 1, 10);
	}
	end();
	if (!iserr(r)) munmap_(r, 3 * PG);
	r = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, ft, 0);
	rep(ID(), "mmap(truncated file,3pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check((void *)r, 3 * PG, 22));
		iobuf[0] = 0x5A;
		PWRITE(ft, iobuf, 1, 10);
		kv("later_pwrite_visible", ((unsigned char *)r)[10] == 0x5A);
		iobuf[0] = pat(22, 10);
		PWRITE(ft, iobuf, 1, 10);
		end();
		R(ID(), "munmap(R PRIVATE file map, 1st pg)", munmap_(r, PG), 0);
		R(ID(), "mremap(R PRIVATE file map, 3pg->1pg)", mremap_(r, 3 * PG, PG, 0, 0), 1);
		R(ID(), "munmap(R PRIVATE file map, whole)", munmap_(r, 3 * PG), 0);
	} else {
		end();
		k += 3;
	}
	r = mmap_(0, 3 * PG, RW, MAP_PRIVATE, ft, 0);
	rep(ID(), "mmap(truncated file,3pg,RW,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check((void *)r, 3 * PG, 22));
		((unsigned char *)r)[7] = 0x77;
		iobuf[7] = 0;
		PREAD(ft, iobuf, 8, 0);
		kv("store_leaks_to_file", iobuf[7] == 0x77);
		iobuf[0] = 0x66;
		PWRITE(ft, iobuf, 1, 20);
		kv("later_pwrite_visible", ((unsigned char *)r)[20] == 0x66);
		iobuf[0] = pat(22, 20);
		PWRITE(ft, iobuf, 1, 20);
	}
	end();
	if (!iserr(r)) {
		R(ID(), "mremap(RW PRIVATE file map,3pg->4pg,MAYMOVE)", mremap_(r, 3 * PG, 4 * PG, MREMAP_MAYMOVE, 0), 1);
		R(ID(), "mremap(RW PRIVATE file map,3pg->1pg)", mremap_(r, 3 * PG, PG, 0, 0), 1);
		R(ID(), "mremap(RW PRIVATE file map,1pg->3pg) regrow", mremap_(r, PG, 3 * PG, 0, 0), 1);
		R(ID(), "munmap(RW PRIVATE file map, last pg)", munmap_(r + 2 * PG, PG), 0);
		R(ID(), "munmap(RW PRIVATE file map, whole)", munmap_(r, 3 * PG), 0);
	} else
		k += 5;

	/* permission checks */
	x = open_(tpath, O_RDONLY, 0);
	r = mmap_(0, PG, RW, MAP_SHARED, x, 0);
	R(ID(), "mmap(O_RDONLY fd,RW,SHARED)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(0, PG, PROT_READ, MAP_SHARED, x, 0);
	R(ID(), "mmap(O_RDONLY fd,R,SHARED)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(0, PG, RW, MAP_PRIVATE, x, 0);
	R(ID(), "mmap(O_RDONLY fd,RW,PRIVATE)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	close_(x);
	x = open_(tpath, O_WRONLY, 0);
	r = mmap_(0, PG, PROT_WRITE, MAP_SHARED, x, 0);
	R(ID(), "mmap(O_WRONLY fd,W,SHARED)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(0, PG, PROT_READ, MAP_PRIVATE, x, 0);
	R(ID(), "mmap(O_WRONLY fd,R,PRIVATE)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	close_(x);
	r = mmap_(0, PG, PROT_READ | PROT_EXEC, MAP_SHARED, ft, 0);
	R(ID(), "mmap(truncated file,1pg,RX,SHARED)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	R(ID(), "mmap(truncated file,1pg,RW,SHARED,off=1 byte)", mmap_(0, PG, RW, MAP_SHARED, ft, 1), 1);
	close_(fw);
	close_(ft);
#undef ID
#undef SHMAP
#undef RW
}

/* ---- nommu kit: regular files on a disk filesystem (ext2) ----
 * /disk/data.bin: 3 pages of pattern seed 44, put into the ext2 image by mke2fs -d.
 * Rules under test (spec section 1.3/2.3): MAP_SHARED -> ENODEV; a R/O private map is a
 * copy, shared (same address) by later R/O private maps of a contained range of the same
 * inode, through any fd; a partial overlap -> EINVAL "Attempt to share mismatched
 * mappings"; a writable private map is a fresh copy; later writes to the file are not
 * seen by a copy. */
#define DISK_SEED 44
static void disk_probes(void)
{
	sl fd, fd2, fw, a, b, c, x, r;
	int n0;
	const char *dev = "/dev/vda";
#define RW (PROT_READ | PROT_WRITE)

	R("DF01", "mount(devtmpfs,/dev)", sc5(NR_mount, "devtmpfs", "/dev", "devtmpfs", 0, 0), 0);
	r = open_(dev, O_RDONLY, 0);
	if (iserr(r)) {
		/* no virtio-blk (ColdFire board): copy /disk.img into the brd ramdisk */
		sl img = open_("/disk.img", O_RDONLY, 0), n, w = 0;
		dev = "/dev/ram0";
		fd = open_(dev, O_RDWR, 0);
		if (!iserr(img) && !iserr(fd)) {
			while ((n = sc3(NR_read, img, iobuf, IOBUF_SZ)) > 0)
				if (sc3(NR_write, fd, iobuf, n) != n)
					break;
				else
					w += n;
			sc1(NR_fsync, fd);
		}
		puts_("I disk: ");
		puts_(dev);
		puts_(" filled from /disk.img, bytes=");
		putd(w);
		puts_("\n");
		if (!iserr(img)) close_(img);
		if (!iserr(fd)) close_(fd);
	} else {
		close_(r);
		puts_("I disk: /dev/vda (virtio-blk)\n");
	}
	sc3(NR_mkdirat, AT_FDCWD, "/disk", 0755);
	R("DF02", "mount(ext2 disk,/disk)", sc5(NR_mount, dev, "/disk", "ext2", 0, 0), 0);
	fd = open_("/disk/data.bin", O_RDWR, 0);
	R("DF03", "open(/disk/data.bin 3pg in the ext2 image,O_RDWR) -> fd", fd, 0);

	r = mmap_(0, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
	rep("DF04", "mmap(disk file 3pg,R,SHARED)", r, 1);
	if (!iserr(r)) kv("content_ok", check((void *)r, 3 * PG, DISK_SEED));
	end();
	if (!iserr(r)) munmap_(r, 3 * PG);
	r = mmap_(0, 3 * PG, RW, MAP_SHARED, fd, 0);
	R("DF05", "mmap(disk file 3pg,RW,SHARED)", r, 1);
	if (!iserr(r)) munmap_(r, 3 * PG);

	/* a: the first R/O private copy, kept until the end of the section */
	n0 = nmaps();
	a = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	rep("DF06", "mmap(disk file 3pg,R,PRIVATE) copy", a, 1);
	if (!iserr(a)) kv("content_ok", check((void *)a, 3 * PG, DISK_SEED));
	end();
	iobuf[0] = 0x5A;
	r = PWRITE(fd, iobuf, 1, 10);
	rep("DF07", "pwrite(disk file,1 byte,off=10) while R PRIVATE copy live", r, 0);
	if (!iserr(a)) kv("later_pwrite_visible", ((unsigned char *)a)[10] == 0x5A);
	end();
	b = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	rep("DF08", "again mmap(disk file 3pg,R,PRIVATE) after that pwrite", b, 1);
	kv("same_addr", b == a);
	if (!iserr(b)) kv("sees_pwrite", ((unsigned char *)b)[10] == 0x5A);
	kv("maps_lines_added", nmaps() - n0);
	end();
	iobuf[0] = pat(DISK_SEED, 10);
	PWRITE(fd, iobuf, 1, 10); /* the file is the pattern again */

	fd2 = open_("/disk/data.bin", O_RDONLY, 0);
	c = mmap_(0, PG, PROT_READ, MAP_PRIVATE, fd2, (sl)PG);
	rep("DF09", "mmap(disk file 1pg,R,PRIVATE,off=1pg) 2nd fd O_RDONLY, subset of live copy", c, 1);
	kv("addr_is_first_plus_1pg", c == a + (sl)PG);
	if (!iserr(c)) kv("page1_content_ok", ((unsigned char *)c)[1] == pat(DISK_SEED, PG + 1));
	end();
	if (!iserr(c)) R("DF10", "munmap(that 1pg subset map)", munmap_(c, PG), 0);
	else puts_("I DF10 skipped: DF09 failed\n");
	x = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, fd2, (sl)PG);
	R("DF11", "mmap(disk file 3pg,R,PRIVATE,off=1pg) pg1..3 partial overlap of live copy", x, 1);
	if (!iserr(x)) munmap_(x, 3 * PG);
	close_(fd2);

	x = mmap_(0, 3 * PG, RW, MAP_PRIVATE, fd, 0);
	rep("DF12", "mmap(disk file 3pg,RW,PRIVATE) while R copy live", x, 1);
	kv("same_addr_as_first", x == a);
	if (!iserr(x)) {
		kv("content_ok", check((void *)x, 3 * PG, DISK_SEED));
		((unsigned char *)x)[7] = 0x77;
		iobuf[7] = 0;
		PREAD(fd, iobuf, 8, 0);
		kv("store_leaks_to_file", iobuf[7] == 0x77);
		if (!iserr(a)) kv("store_visible_in_first", ((unsigned char *)a)[7] == 0x77);
	}
	end();
	if (!iserr(x)) munmap_(x, 3 * PG);

	if (!iserr(a)) R("DF13", "mremap(R PRIVATE disk copy,3pg->1pg)", mremap_(a, 3 * PG, PG, 0, 0), 1);
	else puts_("I DF13 skipped: DF06 failed\n");
	if (!iserr(b)) {
		rep("DF14", "munmap(2nd R PRIVATE map of the shared copy)", munmap_(b, 3 * PG), 0);
		if (!iserr(a)) kv("first_content_ok", check((void *)a, 3 * PG, DISK_SEED));
		end();
	} else
		puts_("I DF14 skipped: DF08 failed\n");
	if (!iserr(a)) R("DF15", "munmap(1st R PRIVATE map, same range)", munmap_(a, 3 * PG), 0);
	else puts_("I DF15 skipped: DF06 failed\n");

	/* a second file, made by write() on the disk */
	fw = open_("/disk/w.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!iserr(fw)) {
		fill(iobuf, 3 * PG, 55);
		sc3(NR_write, fw, iobuf, 3 * PG);
	}
	R("DF16", "create disk file by write() 3pg -> fd", fw, 0);
	r = mmap_(0, 3 * PG, RW, MAP_SHARED, fw, 0);
	R("DF17", "mmap(written disk file,3pg,RW,SHARED)", r, 1);
	if (!iserr(r)) munmap_(r, 3 * PG);
	r = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, fw, 0);
	rep("DF18", "mmap(written disk file,3pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check((void *)r, 3 * PG, 55));
		iobuf[0] = 0x5A;
		PWRITE(fw, iobuf, 1, 10);
		kv("later_pwrite_visible", ((unsigned char *)r)[10] == 0x5A);
		iobuf[0] = pat(55, 10);
		PWRITE(fw, iobuf, 1, 10);
	}
	end();
	if (!iserr(r)) R("DF19", "munmap(that R PRIVATE map, whole)", munmap_(r, 3 * PG), 0);
	else puts_("I DF19 skipped: DF18 failed\n");
	r = mmap_(0, 5 * PG, PROT_READ, MAP_PRIVATE, fw, 0);
	rep("DF20", "mmap(3pg disk file,len=5pg,R,PRIVATE)", r, 1);
	if (!iserr(r)) {
		kv("content_ok", check((void *)r, 3 * PG, 55));
		kv("tail_zero", allzero((unsigned char *)r + 3 * PG, 2 * PG));
	}
	end();
	if (!iserr(r)) munmap_(r, 5 * PG);
	r = mmap_(0, PG, PROT_READ, MAP_PRIVATE, fw, (sl)(100 * PG));
	rep("DF21", "mmap(disk file,1pg,R,PRIVATE,off=100pg beyond EOF)", r, 1);
	if (!iserr(r)) kv("zero", allzero((void *)r, PG));
	end();
	if (!iserr(r)) munmap_(r, PG);
	R("DF22", "mmap(disk file,1pg,R,SHARED,off=100pg beyond EOF)", mmap_(0, PG, PROT_READ, MAP_SHARED, fw, (sl)(100 * PG)), 1);
	x = open_("/disk/w.bin", O_RDONLY, 0);
	r = mmap_(0, PG, RW, MAP_SHARED, x, 0);
	R("DF23", "mmap(O_RDONLY disk fd,RW,SHARED)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	close_(x);
	if (!iserr(fw)) close_(fw);
	if (!iserr(fd)) close_(fd);
#undef RW
}

static sl shared_word;

void cmain(ul *sp)
{
	ul argc = sp[0], *p;
	sl r, r2, r3, a, b, st;
	int i;

	p = sp + 1 + argc + 1; /* envp */
	while (*p)
		p++;
	p++; /* auxv */
	for (; p[0]; p += 2)
		if (p[0] == AT_PAGESZ)
			PG = p[1];

	iobuf = (unsigned char *)mmap_(0, IOBUF_SZ + KBUF_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kbuf = (char *)iobuf + IOBUF_SZ;
	sc3(NR_syslog, 8 /* CONSOLE_LEVEL */, 0, 1);
	while (sc3(NR_syslog, 9, 0, 0) > 0)
		if (sc3(NR_syslog, 2, kbuf, KBUF_SZ) <= 0)
			break;
	puts_("=== nommu_probe start ===\n");
	puts_("I pagesize=");
	putu(PG);
	puts_(" argc=");
	putu(argc);
	puts_(" sp_low12=");
	putx((ul)sp & 0xfff);
	puts_("\n");

	sc3(NR_mkdirat, AT_FDCWD, "/proc", 0755);
	sc3(NR_mkdirat, AT_FDCWD, "/mnt", 0755);
	R("M01", "mount(proc,/proc)", sc5(NR_mount, "proc", "/proc", "proc", 0, 0), 0);
	R("M02", "mount(tmpfs,/mnt)", sc5(NR_mount, "tmpfs", "/mnt", "tmpfs", 0, 0), 0);
	R("M03", "mount(ramfs,/mnt2)", (sc3(NR_mkdirat, AT_FDCWD, "/mnt2", 0755), sc5(NR_mount, "ramfs", "/mnt2", "ramfs", 0, 0)), 0);

	/* ---- brk ---- */
	a = sc1(NR_brk, 0);
	R("K01", "brk(0)", a, 1);
	R("K02", "brk(cur+1pg)", sc1(NR_brk, a + (sl)PG), 1);
	R("K03", "brk(cur+64MiB)", sc1(NR_brk, a + (64l << 20)), 1);
	R("K04", "brk(cur) restore", sc1(NR_brk, a), 1);

	/* ---- anonymous mmap ---- */
	a = mmap_(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rep("A01", "mmap(NULL,3pg,RW,PRIVATE|ANON)", a, 1);
	if (!iserr(a)) {
		kv("page_aligned", (a & (sl)(PG - 1)) == 0);
		kv("zeroed", allzero((void *)a, 3 * PG));
		fill((void *)a, 3 * PG, 1);
	}
	end();
	r = mmap_(a + 64 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rep("A02", "mmap(hint=A01+64pg,1pg,RW,PRIVATE|ANON) no FIXED", r, 1);
	kv("honours_hint", r == a + 64 * (sl)PG);
	end();
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(a, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	R("A03", "mmap(A01,1pg,RW,PRIVATE|ANON|FIXED) over existing", r, 1);
	r = mmap_(a + 128 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	R("A04", "mmap(A01+128pg,1pg,RW,PRIVATE|ANON|FIXED) free addr", r, 1);
	r = mmap_(a + 128 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	rep("A05", "mmap(A01+128pg,1pg,RW,PRIVATE|ANON|FIXED_NOREPLACE)", r, 1);
	kv("at_requested", r == a + 128 * (sl)PG);
	end();
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(a, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	rep("A06", "mmap(A01,1pg,RW,PRIVATE|ANON|FIXED_NOREPLACE) over existing", r, 1);
	kv("at_requested", r == a);
	end();
	if (!iserr(r) && r != a) munmap_(r, PG);
	R("A07", "mmap(NULL,0,RW,PRIVATE|ANON)", mmap_(0, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 1);
	R("A08", "mmap(NULL,1pg,RW,ANON) no SHARED/PRIVATE", mmap_(0, PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS, -1, 0), 1);
	r = mmap_(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
	R("A09", "mmap(NULL,1pg,RW,SHARED_VALIDATE|ANON)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	b = mmap_(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	rep("A10", "mmap(NULL,2pg,RW,SHARED|ANON)", b, 1);
	if (!iserr(b)) kv("zeroed", allzero((void *)b, 2 * PG));
	end();
	r = mmap_(0, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	R("A11", "mmap(NULL,100 bytes,RW,PRIVATE|ANON)", r, 1);
	if (!iserr(r)) {
		R("A12", "mremap(100B map, 100 -> 4096)", mremap_(r, 100, PG, 0, 0), 1);
		R("A13", "mremap(100B map, 4096 -> 8192)", mremap_(r, PG, 2 * PG, 0, 0), 1);
		R("A14", "munmap(100B map, len=100)", munmap_(r, 100), 0);
	}
	R("A15", "mmap(NULL,huge(1<<40 on 64-bit, 0xf0000000 on 32-bit),RW,PRIVATE|ANON)", mmap_(0, sizeof(ul) == 8 ? (ul)1 << (sizeof(ul) * 4 + 8) : 0xf0000000ul, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 1);
	r = mmap_(0, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	R("A16", "mmap(NULL,1pg,PROT_NONE,PRIVATE|ANON)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(0, PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	R("A17", "mmap(NULL,1pg,RWX,PRIVATE|ANON)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	R("A18", "mmap(NULL,1pg,RW,PRIVATE) fd=-1 no ANON", mmap_(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, 0), 1);
	R("A19", "mmap(NULL,1pg,RW,PRIVATE|ANON,off=100 bytes)", mmap_(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 100), 1);
	r = mmap_(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_NORESERVE, -1, 0);
	R("A20", "mmap(NULL,1pg,RW,PRIVATE|ANON|POPULATE|NORESERVE)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	R("A21", "mmap(NULL,1pg,RW,PRIVATE|ANON|GROWSDOWN)", r, 1);
	if (!iserr(r)) munmap_(r, PG);
	r = mmap_(0, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r2 = mmap_(0, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rep("A22", "two mmap(NULL,5pg) in a row", r2, 1);
	kx("first", (ul)r);
	kv("second_minus_first_pages", (r2 - r) / (sl)PG);
	end();
	munmap_(r, 5 * PG);
	munmap_(r2, 5 * PG);

	/* ---- mremap on anon ---- */
	if (!iserr(a)) {
		R("R01", "mremap(A01,3pg->4pg,0)", mremap_(a, 3 * PG, 4 * PG, 0, 0), 1);
		R("R02", "mremap(A01,3pg->4pg,MAYMOVE)", mremap_(a, 3 * PG, 4 * PG, MREMAP_MAYMOVE, 0), 1);
		R("R03", "mremap(A01,2pg(wrong old_len)->1pg,0)", mremap_(a, 2 * PG, PG, 0, 0), 1);
		R("R04", "mremap(A01+1,3pg->1pg) unaligned addr", mremap_(a + 1, 3 * PG, PG, 0, 0), 1);
		R("R05", "mremap(A01,3pg->0)", mremap_(a, 3 * PG, 0, 0, 0), 1);
		R("R06", "mremap(A01,3pg->3pg,MAYMOVE|FIXED,new=A01+256pg)", mremap_(a, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, a + 256 * PG), 1);
		R("R07", "mremap(A01,3pg->3pg,MAYMOVE|FIXED,new=A01)", mremap_(a, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, a), 1);
		r = mremap_(a, 3 * PG, PG, 0, 0);
		rep("R08", "mremap(A01,3pg->1pg,0) shrink", r, 1);
		kv("same_addr", r == a);
		end();
		r = mremap_(a, PG, 3 * PG, 0, 0);
		rep("R09", "mremap(A01,1pg->3pg,0) regrow within original region", r, 1);
		kv("same_addr", r == a);
		kv("old_data_kept", check((void *)a, 3 * PG, 1));
		end();
		R("R10", "mremap(A01,3pg->5pg,0) beyond region", mremap_(a, 3 * PG, 5 * PG, 0, 0), 1);
		R("R11", "mremap(A01,3pg->3pg,DONTUNMAP|MAYMOVE)", mremap_(a, 3 * PG, 3 * PG, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0), 1);
		R("R12", "mremap(A01,3pg->2pg,flags=0x80 bogus)", mremap_(a, 3 * PG, 2 * PG, 0x80, 0), 1);
		R("R13", "mremap(A01,2pg->3pg,0) regrow", mremap_(a, 2 * PG, 3 * PG, 0, 0), 1);
	}
	if (!iserr(b)) {
		R("R14", "mremap(SHARED|ANON 2pg->1pg)", mremap_(b, 2 * PG, PG, 0, 0), 1);
		R("R15", "mremap(SHARED|ANON 1pg->2pg) regrow", mremap_(b, PG, 2 * PG, 0, 0), 1);
		R("R15b", "mremap(SHARED|ANON 2pg->3pg,MAYMOVE)", mremap_(b, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0), 1);
	}
	r = mmap_(0, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!iserr(r)) {
		R("R17", "mremap(fresh 5pg anon,5pg->6pg,0) (alloc rounded to 8pg internally)", mremap_(r, 5 * PG, 6 * PG, 0, 0), 1);
		R("R18", "mremap(fresh 5pg anon,5pg->2pg,0)", mremap_(r, 5 * PG, 2 * PG, 0, 0), 1);
		R("R19", "mremap(same,2pg->5pg,0) regrow", mremap_(r, 2 * PG, 5 * PG, 0, 0), 1);
		munmap_(r, 5 * PG);
	}
	R("R16", "mremap(unmapped addr,1pg->1pg)", mremap_(a + 512 * PG, PG, PG, 0, 0), 1);

	/* ---- munmap on anon ---- */
	if (!iserr(a)) {
		R("U01", "munmap(A01+1pg,1pg) middle page", munmap_(a + PG, PG), 0);
		rep("U02", "after middle unmap: pages 0,2 still readable", 0, 0);
		kv("page0_ok", check((void *)a, PG, 1));
		kv("page2_byte_ok", ((unsigned char *)a)[2 * PG] == pat(1, 2 * PG));
		end();
		R("U03", "munmap(A01+1pg,1pg) again (hole)", munmap_(a + PG, PG), 0);
		R("U04", "munmap(A01,2pg) spans page0 + hole", munmap_(a, 2 * PG), 0);
		R("U05", "munmap(A01+1,1pg) unaligned start", munmap_(a + 1, PG), 0);
		R("U06", "munmap(A01,0)", munmap_(a, 0), 0);
		R("U07", "mremap(A01 split piece,1pg->2pg)", mremap_(a, PG, 2 * PG, 0, 0), 1);
		R("U08", "mremap(A01 split piece,1pg->1pg)", mremap_(a, PG, PG, 0, 0), 1);
		R("U09", "munmap(A01,1pg) first piece", munmap_(a, PG), 0);
		R("U10", "munmap(A01+2pg,1pg) last piece", munmap_(a + 2 * PG, PG), 0);
		R("U11", "munmap(A01,3pg) all gone", munmap_(a, 3 * PG), 0);
	}
	r = mmap_(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!iserr(r)) {
		R("U12", "munmap(4pg map,first 1pg)", munmap_(r, PG), 0);
		R("U13", "munmap(4pg map,last 1pg)", munmap_(r + 3 * PG, PG), 0);
		R("U14", "munmap(4pg map, 2 middle pages+100B unaligned end)", munmap_(r + PG, PG + 100), 0);
	}
	r = mmap_(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r2 = mmap_(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!iserr(r) && !iserr(r2)) {
		ul lo = (ul)(r < r2 ? r : r2), hi = (ul)(r < r2 ? r2 : r);
		rep("U15", "munmap(range covering two whole anon maps)", munmap_(lo, hi + 2 * PG - lo), 0);
		kv("adjacent", hi == lo + 2 * PG);
		end();
		munmap_(r, 2 * PG);
		munmap_(r2, 2 * PG);
	}
	R("U16", "munmap(0x1000,1pg) never mapped", munmap_(0x1000, PG), 0);
	if (!iserr(b)) {
		R("U17", "munmap(SHARED|ANON 2pg, 1st pg)", munmap_(b, PG), 0);
		R("U18", "munmap(SHARED|ANON 2pg, rest)", munmap_(b + PG, PG), 0);
		R("U19", "munmap(SHARED|ANON 2pg, whole)", munmap_(b, 2 * PG), 0);
	}
	r = mmap_(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!iserr(r)) {
		R("U20", "munmap(fresh 3pg anon, middle pg) [split]", munmap_(r + PG, PG), 0);
		R("U21", "munmap(pg0) after split", munmap_(r, PG), 0);
		R("U22", "munmap(pg2) after split", munmap_(r + 2 * PG, PG), 0);
	}
	r = mmap_(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!iserr(r)) {
		R("U23", "munmap(fresh 3pg anon, len=3pg+1 byte)", munmap_(r, 3 * PG + 1), 0);
		R("U24", "munmap(fresh 3pg anon, whole)", munmap_(r, 3 * PG), 0);
	}
	r = mmap_(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!iserr(r)) {
		R("U25", "munmap(fresh 3pg anon, from pg1, len=5pg past end)", munmap_(r + PG, 5 * PG), 0);
		R("U26", "munmap(fresh 3pg anon, pg1..pg2 tail)", munmap_(r + PG, 2 * PG), 0);
		R("U27", "munmap(pg0)", munmap_(r, PG), 0);
	}
	r = mmap_(0, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!iserr(r)) {
		R("U28", "munmap(8pg anon, pg2..pg3)", munmap_(r + 2 * PG, 2 * PG), 0);
		R("U29", "munmap(8pg anon, pg5) second hole", munmap_(r + 5 * PG, PG), 0);
		R("U30", "mremap(8pg anon piece pg6..7, 2pg->2pg)", mremap_(r + 6 * PG, 2 * PG, 2 * PG, 0, 0), 1);
		R("U31", "mremap(8pg anon piece pg0..1, 2pg->3pg) into hole", mremap_(r, 2 * PG, 3 * PG, 0, 0), 1);
		munmap_(r, 2 * PG);
		munmap_(r + 4 * PG, PG);
		munmap_(r + 6 * PG, 2 * PG);
	}

	/* ---- other mm syscalls ---- */
	r = mmap_(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	R("S01", "mprotect(anon,1pg,R)", sc3(NR_mprotect, r, PG, PROT_READ), 0);
	R("S02", "msync(anon,1pg,MS_SYNC)", sc3(NR_msync, r, PG, MS_SYNC), 0);
	R("S03", "madvise(anon,1pg,DONTNEED)", sc3(NR_madvise, r, PG, MADV_DONTNEED), 0);
	R("S04", "mlock(anon,1pg)", sc2(NR_mlock, r, PG), 0);
	R("S05", "mincore(anon,1pg)", sc3(NR_mincore, r, PG, iobuf), 0);
	R("S06", "remap_file_pages(anon)", sc5(NR_remap_file_pages, r, PG, 0, 0, 0), 0);
	R("S07", "memfd_create(\"x\",0)", sc2(NR_memfd_create, "x", 0), 0);
	munmap_(r, 2 * PG);
	r = sc3(NR_shmget, IPC_PRIVATE, 2 * PG, IPC_CREAT | 0600);
	R("S08", "shmget(IPC_PRIVATE,2pg)", r, 0);
	if (!iserr(r)) {
		r2 = sc3(NR_shmat, r, 0, 0);
		rep("S09", "shmat(id,NULL,0)", r2, 1);
		end();
		if (!iserr(r2)) {
			r3 = sc3(NR_shmat, r, 0, 0);
			rep("S10", "second shmat(id,NULL,0)", r3, 1);
			kv("same_addr", r3 == r2);
			end();
			R("S11", "shmdt(first)", sc1(NR_shmdt, r2), 0);
			if (!iserr(r3)) R("S12", "shmdt(second)", sc1(NR_shmdt, r3), 0);
		}
		sc3(NR_shmctl, r, IPC_RMID, 0);
	}
	/* mmap of a char device without mmap (console) and of a directory */
	R("S13", "mmap(fd 1 = /dev/console,1pg,R,SHARED)", mmap_(0, PG, PROT_READ, MAP_SHARED, 1, 0), 1);
	R("S14", "mmap(fd 1 = /dev/console,1pg,R,PRIVATE)", mmap_(0, PG, PROT_READ, MAP_PRIVATE, 1, 0), 1);
	r = open_("/", O_RDONLY | O_DIRECTORY, 0);
	R("S15", "mmap(dir fd,1pg,R,PRIVATE)", mmap_(0, PG, PROT_READ, MAP_PRIVATE, r, 0), 1);
	close_(r);
	R("S16", "mmap(bad fd 99,1pg,R,PRIVATE)", mmap_(0, PG, PROT_READ, MAP_PRIVATE, 99, 0), 1);

	/* ---- file mappings: initramfs rootfs (ramfs), tmpfs (=ramfs on nommu) ---- */
	r = open_("/data.bin", O_RDONLY, 0);
	R("F00", "open(/data.bin from initramfs cpio)", r, 0);
	if (!iserr(r)) {
		r2 = mmap_(0, 3 * PG, PROT_READ, MAP_SHARED, r, 0);
		rep("F01", "mmap(/data.bin 3pg,R,SHARED)", r2, 1);
		if (!iserr(r2)) kv("content_ok", check((void *)r2, 3 * PG, 33));
		end();
		if (!iserr(r2)) munmap_(r2, 3 * PG);
		r2 = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, r, 0);
		rep("F02", "mmap(/data.bin 3pg,R,PRIVATE)", r2, 1);
		if (!iserr(r2)) kv("content_ok", check((void *)r2, 3 * PG, 33));
		end();
		r3 = mmap_(0, 3 * PG, PROT_READ, MAP_PRIVATE, r, 0);
		rep("F03", "again mmap(/data.bin 3pg,R,PRIVATE)", r3, 1);
		kv("same_addr_as_F02", r3 == r2);
		end();
		if (!iserr(r2)) R("F03a", "munmap(F02 map)", munmap_(r2, 3 * PG), 0);
		if (!iserr(r3)) R("F03b", "munmap(F03 map, same range)", munmap_(r3, 3 * PG), 0);
		r2 = mmap_(0, 3 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, r, 0);
		R("F04", "mmap(/data.bin 3pg,RX,PRIVATE)", r2, 1);
		if (!iserr(r2)) munmap_(r2, 3 * PG);
		close_(r);
	}
	file_probes("RF", "/rw.bin", "/rt.bin");
	file_probes("TF", "/mnt/w.bin", "/mnt/t.bin");
	file_probes("RM", "/mnt2/w.bin", "/mnt2/t.bin");
	disk_probes(); /* nommu kit */

	/* ---- fork / vfork ---- */
	shared_word = 1;
	r = clone_store_exit(SIGCHLD, &shared_word, 2, 7);
	rep("P01", "clone(SIGCHLD) [fork]", r, 0);
	kv("is_child_pid", r > 0);
	end();
	if (r > 0) {
		st = 0;
		r2 = sc4(NR_wait4, r, &st, 0, 0);
		rep("P02", "wait4(fork child)", r2, 0);
		kv("same_pid", r2 == r);
		kv("exit_code", (st >> 8) & 0xff);
		kv("child_store_visible_in_parent", shared_word == 2);
		end();
	}
	shared_word = 1;
	r = clone_store_exit(CLONE_VM | CLONE_VFORK | SIGCHLD, &shared_word, 3, 42);
	rep("P03", "clone(CLONE_VM|CLONE_VFORK|SIGCHLD) [vfork]", r, 0);
	kv("is_child_pid", r > 0);
	kv("child_store_visible_right_after_return", shared_word == 3);
	end();
	if (r > 0) {
		st = 0;
		r2 = sc4(NR_wait4, r, &st, 0, 0);
		rep("P04", "wait4(vfork child)", r2, 0);
		kv("exit_code", (st >> 8) & 0xff);
		end();
	}
#ifdef HAVE_FORK_SYSCALL
	shared_word = 1;
	r = raw_fork_store_exit(NR_fork, 0, &shared_word, 4, 9);
	R("P06", "fork() syscall", r, 0);
	if (r > 0)
		sc4(NR_wait4, r, &st, 0, 0);
	shared_word = 1;
	r = raw_fork_store_exit(NR_vfork, 0, &shared_word, 5, 43);
	rep("P07", "vfork() syscall", r, 0);
	kv("child_store_visible", shared_word == 5);
	end();
	if (r > 0) {
		st = 0;
		r2 = sc4(NR_wait4, r, &st, 0, 0);
		rep("P08", "wait4(vfork child)", r2, 0);
		kv("exit_code", (st >> 8) & 0xff);
		end();
	}
#else
	puts_("I no fork/vfork syscall numbers on this arch (asm-generic ABI): fork = clone(SIGCHLD)\n");
#endif
	R("P05", "wait4(-1) no children", sc4(NR_wait4, -1, &st, 0, 0), 0);

	/* ---- maps dump ---- */
	puts_("=== /proc/self/maps ===\n");
	flush();
	r = open_("/proc/self/maps", O_RDONLY, 0);
	if (!iserr(r)) {
		for (i = 0; i < 64; i++) {
			r2 = sc3(NR_read, r, iobuf, IOBUF_SZ);
			if (r2 <= 0)
				break;
			sc3(NR_write, 1, iobuf, r2);
		}
		close_(r);
	}
	puts_("=== nommu_probe done ===\n");
	flush();
	/* power off (LINUX_REBOOT_CMD_POWER_OFF) so qemu exits */
	sc4(NR_reboot, 0xfee1dead, 672274793, 0x4321fedc, 0);
	sc1(NR_exit_group, 0);
	for (;;)
		;
}
