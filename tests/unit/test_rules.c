/*
 * test_rules.c - every rule of policies/rules.def fires where the kernel differs, with
 * the device's errno in strict mode, desktop Linux's answer in report mode, and not at
 * all when set off.  Test names are the rule ids.
 */
#include "test_util.h"

static unsigned long count(struct nm_engine *e, enum nm_rule r)
{
	return nm_engine_rule_count(e, r);
}

START_TEST(mmap_fixed)
{
	struct nm_engine *e = engine_with("", -1);
	long p = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt(p, 0);
	long r = nm_mmap(e, &here, (void *)p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0);
	ck_assert(is_err(r, EINVAL));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_FIXED), 1);
	nm_engine_destroy(e);

	/* report mode: desktop answer, the host maps at the fixed address (outside the device RAM) */
	e = engine_with("mode=report", -1);
	void *h = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = nm_mmap(e, &here, h, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ck_assert_int_eq(r, (long)h);
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_FIXED), 1);
	ck_assert_int_eq(nm_munmap(e, &here, h, PG), 0); /* host memory goes back quietly */
	ck_assert_uint_eq(nm_engine_violations(e), 1);
	nm_engine_destroy(e);

	/* off: desktop answer, nothing counted */
	e = engine_with("rule=mmap-fixed=off", -1);
	h = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = nm_mmap(e, &here, h, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ck_assert_int_eq(r, (long)h);
	ck_assert_uint_eq(nm_engine_violations(e), 0);
	munmap(h, PG);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mmap_fixed_noreplace)
{
	struct nm_engine *e = engine_with("", -1);
	void *h = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(h, PG);
	long r = nm_mmap(e, &here, h, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0);
	ck_assert_int_gt(r, 0);
	ck_assert_int_ne(r, (long)h); /* a plain hint: elsewhere (A05) */
	ck_assert(nm_engine_owns(e, (void *)r));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_FIXED_NOREPLACE), 1);
	/* over an existing map: never EEXIST (A06) */
	long r2 = nm_mmap(e, &here, (void *)r, PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_int_gt(r2, 0);
	ck_assert_int_ne(r2, r);
	nm_engine_destroy(e);

	e = engine_with("mode=report", -1);
	h = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* a free host address, now */
	munmap(h, PG);
	r = nm_mmap(e, &here, h, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ck_assert_int_eq(r, (long)h); /* desktop: exactly there */
	nm_munmap(e, &here, h, PG);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mmap_hint)
{
	struct nm_engine *e = engine_with("", -1);
	long r = nm_mmap(e, &here, (void *)0x10000000, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(nm_engine_owns(e, (void *)r));           /* hint ignored (A02) */
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_HINT), 0); /* quiet by default */
	nm_engine_destroy(e);
	e = engine_with("rule=mmap-hint=strict", -1);
	r = nm_mmap(e, &here, (void *)0x10000000, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(nm_engine_owns(e, (void *)r));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_HINT), 1);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mmap_map_type)
{
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "sv", 1, 1, NULL);
	long r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE, fd, 0);
	ck_assert(is_err(r, EINVAL)); /* A09: only MAP_SHARED and MAP_PRIVATE exist */
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_MAP_TYPE), 1);
	/* refused by desktop Linux too, so not violations: no type (A08), anonymous SHARED_VALIDATE */
	r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(r, EINVAL));
	r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(r, EINVAL));
	ck_assert_uint_eq(nm_engine_violations(e), 1);
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE, fd, 0);
	ck_assert_int_gt(r, 0); /* the desktop's shared file map */
	ck_assert_int_eq(nm_munmap(e, &here, (void *)r, PG), 0);
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

START_TEST(mmap_too_big)
{
	struct nm_engine *e = engine_with("", -1);
	long r = nm_mmap(e, &here, NULL, 1025 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(r, ENOMEM));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_TOO_BIG), 1);
	r = nm_mmap(e, &here, NULL, 1024 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt(r, 0); /* exactly the largest block is fine */
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	r = nm_mmap(e, &here, NULL, 1025 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt(r, 0);
	ck_assert(!nm_engine_owns(e, (void *)r)); /* served from the host */
	((char *)r)[1025 * PG - 1] = 1;
	ck_assert_int_eq(nm_munmap(e, &here, (void *)r, 1025 * PG), 0);
	ck_assert_uint_eq(nm_engine_violations(e), 1);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mmap_no_memory)
{
	struct nm_engine *e = engine_with("mem=1M", -1);
	long r;
	for (int i = 0; i < 4; i++) {
		r = nm_mmap(e, &here, NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert_int_gt(r, 0);
	}
	r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(r, ENOMEM));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_NO_MEMORY), 1);
	nm_engine_destroy(e);
	e = engine_with("mem=1M:mode=report", -1);
	for (int i = 0; i < 4; i++)
		nm_mmap(e, &here, NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt(r, 0);
	ck_assert(!nm_engine_owns(e, (void *)r));
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mmap_shared_file)
{
	const char *dir = disk_dir();
	if (!dir)
		return; /* no disk filesystem to test on */
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, dir, "disk", 3, 1, NULL);
	long r = nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(is_err(r, ENODEV));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_SHARED_FILE), 1);
	int z = open("/dev/zero", O_RDWR);
	r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	ck_assert(is_err(r, ENODEV)); /* MMU Linux gives shared anonymous memory */
	r = nm_mmap(e, &here, NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
	ck_assert_int_gt(r, 0); /* a zero-filled copy */
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_SHARED_FILE), 2);
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	r = nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_int_gt(r, 0);
	ck_assert_int_eq(((char *)r)[1], (char)8);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)r, PG), 0);
	nm_engine_destroy(e);
	close(fd);
	close(z);
}
END_TEST

START_TEST(mmap_shared_range)
{
	struct nm_engine *e = engine_with("", -1);
	int written = make_file(e, "/dev/shm", "w", 3, 0, NULL);
	int sized = make_file(e, "/dev/shm", "t", 3, 1, NULL);
	/* filled by write(): pages not contiguous -> ENODEV (TF03) */
	long r = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, written, 0);
	ck_assert(is_err(r, ENODEV));
	/* sized by ftruncate from 0: works, coherent with pwrite (TF04) */
	r = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, sized, 0);
	ck_assert_int_gt(r, 0);
	ck_assert(nm_engine_owns(e, (void *)r));
	ck_assert_int_eq(pwrite(sized, "Z", 1, PG), 1);
	ck_assert_int_eq(((char *)r)[PG], 'Z');
	/* beyond EOF -> ENODEV (TF07, TF22) */
	ck_assert(is_err(nm_mmap(e, &here, NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, sized, 0), ENODEV));
	ck_assert(is_err(nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_SHARED, sized, 100 * PG), ENODEV));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_SHARED_RANGE), 3);
	nm_engine_destroy(e);
	e = engine_with("shared-tmpfs=always", -1);
	r = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, written, 0);
	ck_assert_int_gt(r, 0);
	nm_engine_destroy(e);
	close(written);
	close(sized);
}
END_TEST

START_TEST(mmap_overlap)
{
	const char *dir = disk_dir();
	if (!dir)
		return;
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, dir, "ov", 3, 0, NULL);
	long a = nm_mmap(e, &here, NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_int_gt(a, 0);
	/* contained: shares the copy, same memory */
	long b = nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG);
	ck_assert_int_eq(b, a + (long)PG);
	/* partial overlap of a copy region: mismatched mappings */
	long c = nm_mmap(e, &here, NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, PG);
	ck_assert(is_err(c, EINVAL));
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_OVERLAP), 1);
	/* a writable private map is never shared: always a fresh copy */
	long d = nm_mmap(e, &here, NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
	ck_assert_int_gt(d, 0);
	ck_assert_int_ne(d, b);
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

START_TEST(mmap_prot_none)
{
	struct nm_engine *e = engine_with("", -1);
	long r = nm_mmap(e, &here, NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt(r, 0);
	((volatile char *)r)[0] = 1; /* accessible, as on the device (A16) */
	ck_assert_uint_eq(count(e, NM_RULE_MMAP_PROT_NONE), 1);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(munmap_unmapped)
{
	struct nm_engine *e = engine_with("", -1);
	ck_assert(is_err(nm_munmap(e, &here, (void *)0x1000, PG), EINVAL)); /* U16 */
	ck_assert_uint_eq(count(e, NM_RULE_MUNMAP_UNMAPPED), 1);
	long p = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(p + PG), PG), 0);
	ck_assert(is_err(nm_munmap(e, &here, (void *)(p + PG), PG), EINVAL)); /* U03 */
	ck_assert_uint_eq(count(e, NM_RULE_MUNMAP_UNMAPPED), 2);
	/* len 0 and unaligned start fail on desktop Linux too: not violations (U05, U06) */
	ck_assert(is_err(nm_munmap(e, &here, (void *)p, 0), EINVAL));
	ck_assert(is_err(nm_munmap(e, &here, (void *)(p + 1), PG), EINVAL));
	ck_assert_uint_eq(nm_engine_violations(e), 2);
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	p = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(p + PG), PG), 0);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(p + PG), PG), 0);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(munmap_file_partial)
{
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "fp", 3, 1, NULL);
	long m = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ck_assert(is_err(nm_munmap(e, &here, (void *)(m + 2 * PG), PG), EINVAL)); /* RF34 */
	ck_assert(is_err(nm_munmap(e, &here, (void *)m, PG), EINVAL));
	ck_assert_uint_eq(count(e, NM_RULE_MUNMAP_FILE_PARTIAL), 2);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)m, 3 * PG), 0); /* RF35 */
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	m = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(m + 2 * PG), PG), 0);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)m, 2 * PG), 0);
	struct nm_ram_stats st;
	nm_engine_ram_stats(e, &st);
	ck_assert_uint_eq(st.used, 0); /* every piece gone: the copy is freed */
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

START_TEST(munmap_span)
{
	struct nm_engine *e = engine_with("", -1);
	long a = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(nm_munmap(e, &here, (void *)(a + PG), 5 * PG), EINVAL)); /* U25 */
	ck_assert(is_err(nm_munmap(e, &here, (void *)a, 3 * PG + 1), EINVAL));    /* U23 */
	ck_assert_uint_eq(count(e, NM_RULE_MUNMAP_SPAN), 2);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mremap_grow)
{
	struct nm_engine *e = engine_with("", -1);
	long a = nm_mmap(e, &here, NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(nm_mremap(e, &here, (void *)a, 5 * PG, 6 * PG, MREMAP_MAYMOVE, NULL), ENOMEM)); /* R17 */
	ck_assert_uint_eq(count(e, NM_RULE_MREMAP_GROW), 1);
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	a = nm_mmap(e, &here, NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)a, 0x5A, 5 * PG);
	long b = nm_mremap(e, &here, (void *)a, 5 * PG, 6 * PG, MREMAP_MAYMOVE, NULL);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(((char *)b)[5 * PG - 1], 0x5A); /* moved with its bytes */
	ck_assert_int_eq(((char *)b)[5 * PG], 0);
	/* without MAYMOVE desktop Linux can't promise growth either */
	ck_assert(is_err(nm_mremap(e, &here, (void *)b, 6 * PG, 20 * PG, 0, NULL), ENOMEM));
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mremap_shared)
{
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "ms", 3, 1, NULL);
	long m = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_int_gt(m, 0);
	ck_assert(is_err(nm_mremap(e, &here, (void *)m, 3 * PG, PG, 0, NULL), EPERM)); /* RF11 */
	long r = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_int_eq(r, m); /* the R/O private map overlays the same page cache (RF26) */
	ck_assert(is_err(nm_mremap(e, &here, (void *)r, 3 * PG, PG, 0, NULL), EPERM)); /* RF28 */
	ck_assert_uint_eq(count(e, NM_RULE_MREMAP_SHARED), 2);
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

START_TEST(mremap_fixed)
{
	struct nm_engine *e = engine_with("", -1);
	long a = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(nm_mremap(e, &here, (void *)a, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
				   (void *)(a + 256 * PG)),
			 EINVAL)); /* R06 */
	ck_assert_int_eq(nm_mremap(e, &here, (void *)a, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)a),
			 a); /* R07 */
	ck_assert_uint_eq(count(e, NM_RULE_MREMAP_FIXED), 1);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mremap_range)
{
	struct nm_engine *e = engine_with("", -1);
	long a = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(is_err(nm_mremap(e, &here, (void *)a, 2 * PG, PG, 0, NULL), EINVAL)); /* R03 */
	ck_assert_uint_eq(count(e, NM_RULE_MREMAP_RANGE), 1);
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	a = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_eq(nm_mremap(e, &here, (void *)a, 2 * PG, PG, 0, NULL), a); /* desktop: shrinks the part */
	nm_engine_destroy(e);
}
END_TEST

START_TEST(ftruncate_shrink_mapped)
{
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "ft", 3, 1, NULL);
	long m = nm_mmap(e, &here, NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_int_gt(m, 0);
	ck_assert(is_err(nm_ftruncate(e, &here, fd, PG), ETXTBSY)); /* RF14 */
	ck_assert_int_eq(nm_ftruncate(e, &here, fd, 4 * PG), 0);    /* RF15 */
	ck_assert_int_eq(nm_ftruncate(e, &here, fd, 3 * PG), 0);    /* RF16 */
	ck_assert_uint_eq(count(e, NM_RULE_FTRUNCATE_MAPPED), 1);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)m, 3 * PG), 0);
	ck_assert_int_eq(nm_ftruncate(e, &here, fd, PG), 0);
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

/* What an engine writing its reports to pipe p said (the write end is closed here). */
static void read_reports(int p[2], char *buf, size_t cap)
{
	close(p[1]);
	memset(buf, 0, cap);
	ck_assert_int_gt(read(p[0], buf, cap - 1), 0);
	close(p[0]);
}

/* The heap's events, as the engine reports them (heap_glue.h): the request and the RAM
 * figures that tell exhaustion from fragmentation; the device answer is ENOMEM. */
START_TEST(malloc_no_memory)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct nm_engine *e = engine_with("mem=1M", p[1]);
	nm_heap_violation(e, NM_HEAP_NO_MEMORY, NULL, 3 << 20, &here);
	ck_assert_uint_eq(count(e, NM_RULE_MALLOC_NO_MEMORY), 1);
	char buf[4096];
	read_reports(p, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "nommu: malloc-no-memory: ") && strstr(buf, "= ENOMEM on the device"), "%s", buf);
	nm_engine_destroy(e);
}
END_TEST

/* A bad free is noted (the memory is the same in every mode: the heap ignores it). */
START_TEST(free_invalid)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct nm_engine *e = engine_with("mode=report", p[1]);
	nm_heap_violation(e, NM_HEAP_DOUBLE_FREE, (void *)0x1000, 0, &here);
	nm_heap_violation(e, NM_HEAP_INVALID_FREE, (void *)0x2000, 0, &here);
	ck_assert_uint_eq(count(e, NM_RULE_FREE_INVALID), 2);
	char buf[8192];
	read_reports(p, buf, sizeof(buf));
	ck_assert_msg(strstr(buf,
			     "nommu: free-invalid: free(4096): double free = heap corruption on the device [noted]"),
		      "%s", buf);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(report_line_names_rule_call_and_fix)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct nm_engine *e = engine_with("", p[1]);
	for (volatile int i = 0; i < 2; i++) /* one call site, twice (volatile: not unrolled) */
		nm_mmap(e, &here, (void *)0x1000, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	close(p[1]);
	char buf[4096] = { 0 };
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf,
				     "nommu: mmap-fixed: mmap(0x1000, 4096, PROT_READ, "
				     "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = EINVAL on the device"));
	ck_assert_ptr_nonnull(strstr(buf, "fix: drop MAP_FIXED"));
	/* same rule, same call stack: one report block (with its backtrace), counted twice */
	char *first = strstr(buf, "nommu: mmap-fixed: ");
	ck_assert_ptr_nonnull(first);
	ck_assert_msg(strstr(first + 1, "nommu: mmap-fixed: ") == NULL, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "nommu:     #0 "));
	ck_assert_uint_eq(nm_engine_violations(e), 2);
	close(p[0]);
	nm_engine_destroy(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");
	tcase_add_test(tc, mmap_fixed);
	tcase_add_test(tc, mmap_fixed_noreplace);
	tcase_add_test(tc, mmap_hint);
	tcase_add_test(tc, mmap_map_type);
	tcase_add_test(tc, mmap_too_big);
	tcase_add_test(tc, mmap_no_memory);
	tcase_add_test(tc, mmap_shared_file);
	tcase_add_test(tc, mmap_shared_range);
	tcase_add_test(tc, mmap_overlap);
	tcase_add_test(tc, mmap_prot_none);
	tcase_add_test(tc, munmap_unmapped);
	tcase_add_test(tc, munmap_file_partial);
	tcase_add_test(tc, munmap_span);
	tcase_add_test(tc, mremap_grow);
	tcase_add_test(tc, mremap_shared);
	tcase_add_test(tc, mremap_fixed);
	tcase_add_test(tc, mremap_range);
	tcase_add_test(tc, ftruncate_shrink_mapped);
	tcase_add_test(tc, malloc_no_memory);
	tcase_add_test(tc, free_invalid);
	tcase_add_test(tc, report_line_names_rule_call_and_fix);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
