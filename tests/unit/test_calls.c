/*
 * test_calls.c - the rest of the no-MMU surface (rules mprotect ... brk), the device's
 * /proc maps view, and XIP file maps.  Test names are rule_<rule id>.
 */
#include "test_util.h"
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* strict: the device's errno; report: the real call is wanted */
static void strict_and_report(long (*call)(struct nm_engine *), enum nm_rule rule, long device)
{
	struct nm_engine *e = engine_with("", -1);
	ck_assert_int_eq(call(e), device);
	ck_assert_uint_eq(nm_engine_rule_count(e, rule), 1);
	nm_engine_destroy(e);
	e = engine_with("mode=report", -1);
	ck_assert_int_eq(call(e), NM_DESKTOP);
	ck_assert_uint_eq(nm_engine_rule_count(e, rule), 1);
	nm_engine_destroy(e);
	e = engine_with("rule=all=off", -1);
	ck_assert_int_eq(call(e), NM_DESKTOP);
	ck_assert_uint_eq(nm_engine_violations(e), 0);
	nm_engine_destroy(e);
}

static long do_mprotect(struct nm_engine *e)
{
	return nm_mprotect(e, &here, "mprotect", (void *)0x1000, PG, PROT_READ);
}
static long do_msync(struct nm_engine *e)
{
	return nm_msync(e, &here, (void *)0x1000, PG, MS_SYNC);
}
static long do_madvise(struct nm_engine *e)
{
	return nm_madvise(e, &here, (void *)0x1000, PG, MADV_DONTNEED);
}
static long do_mlock(struct nm_engine *e)
{
	return nm_mlock(e, &here, "mlock", 2, 0x1000, PG, 0);
}
static long do_mincore(struct nm_engine *e)
{
	return nm_mincore(e, &here, (void *)0x1000, PG);
}
static long do_remap(struct nm_engine *e)
{
	return nm_remap_file_pages(e, &here, (void *)0x1000, PG);
}
static long do_memfd(struct nm_engine *e)
{
	return nm_memfd_create(e, &here, "x", 0);
}
static long do_fork(struct nm_engine *e)
{
	return nm_fork(e, &here, "fork");
}
static long do_clone(struct nm_engine *e)
{
	return nm_clone(e, &here, SIGCHLD);
}
static long do_shmat(struct nm_engine *e)
{
	return nm_shmat(e, &here, 1, NULL, 0);
}
static long do_sbrk(struct nm_engine *e)
{
	return nm_sbrk(e, &here, 4096);
}

START_TEST(rule_mprotect)
{
	strict_and_report(do_mprotect, NM_RULE_MPROTECT, -ENOSYS);
}
END_TEST
START_TEST(rule_msync)
{
	strict_and_report(do_msync, NM_RULE_MSYNC, -ENOSYS);
}
END_TEST
START_TEST(rule_madvise)
{
	strict_and_report(do_madvise, NM_RULE_MADVISE, -ENOSYS);
}
END_TEST
START_TEST(rule_mlock)
{
	strict_and_report(do_mlock, NM_RULE_MLOCK, -ENOSYS);
}
END_TEST
START_TEST(rule_mincore)
{
	strict_and_report(do_mincore, NM_RULE_MINCORE, -ENOSYS);
}
END_TEST
START_TEST(rule_remap_file_pages)
{
	strict_and_report(do_remap, NM_RULE_REMAP_FILE_PAGES, -ENOSYS);
}
END_TEST
START_TEST(rule_fork)
{
	strict_and_report(do_fork, NM_RULE_FORK, -ENOSYS);
}
END_TEST
START_TEST(rule_shmat)
{
	strict_and_report(do_shmat, NM_RULE_SHMAT, -ENODEV);
}
END_TEST
START_TEST(rule_brk)
{
	strict_and_report(do_sbrk, NM_RULE_BRK, -ENOMEM);
}
END_TEST

START_TEST(rule_memfd_create)
{
	strict_and_report(do_memfd, NM_RULE_MEMFD_CREATE, -EFBIG); /* riscv64 6.12 (S07) */
	struct nm_engine *e = engine_with("profile=coldfire-6.12", -1);
	ck_assert_int_eq(do_memfd(e), -ENOSYS); /* ColdFire run */
	nm_engine_destroy(e);
}
END_TEST

START_TEST(rule_clone_no_vm)
{
	strict_and_report(do_clone, NM_RULE_CLONE_NO_VM, -ENOSYS);
	struct nm_engine *e = engine_with("", -1);
	ck_assert_int_eq(nm_clone(e, &here, CLONE_VM | CLONE_VFORK | SIGCHLD), NM_DESKTOP); /* vfork is fine */
	ck_assert_uint_eq(nm_engine_violations(e), 0);
	nm_engine_destroy(e);
	e = engine_with("fork-errno=EINVAL", -1);
	ck_assert_int_eq(nm_fork(e, &here, "fork"), -EINVAL); /* the m68k fork syscall (P06) */
	nm_engine_destroy(e);
}
END_TEST

START_TEST(rule_shm_size)
{
	struct nm_engine *e = engine_with("", -1);
	ck_assert_int_eq(nm_shmget_check(e, &here, 2 * PG), NM_DESKTOP); /* S08 */
	ck_assert_int_eq(nm_shmget_check(e, &here, 1025 * PG), -EFBIG);
	ck_assert_uint_eq(nm_engine_rule_count(e, NM_RULE_SHM_SIZE), 1);
	/* a created segment's pages come out of the device RAM until IPC_RMID */
	int id = shmget(IPC_PRIVATE, 64 * PG, IPC_CREAT | 0600);
	ck_assert_int_ge(id, 0);
	struct nm_ram_stats st;
	nm_engine_ram_stats(e, &st);
	size_t before = st.used;
	ck_assert_int_eq(nm_shmget_created(e, &here, id, 64 * PG), NM_DESKTOP);
	nm_engine_ram_stats(e, &st);
	ck_assert_uint_eq(st.used - before, 64 * PG);
	shmctl(id, IPC_RMID, NULL);
	nm_shm_removed(e, id);
	nm_engine_ram_stats(e, &st);
	ck_assert_uint_eq(st.used, before);
	ck_assert_int_eq(nm_shmat(e, &here, id, (void *)0x10000000, 0), -EINVAL); /* any address: MAP_FIXED */
	/* POSIX shm: sizing a memory file from 0 makes one block, so past the largest: EFBIG */
	int fd = make_file(e, "/dev/shm", "big", 0, 1, NULL);
	ck_assert_int_eq(nm_ftruncate(e, &here, fd, 1025 * PG), -EFBIG);
	ck_assert_int_eq(nm_ftruncate(e, &here, fd, 1024 * PG), 0);
	ck_assert_uint_eq(nm_engine_rule_count(e, NM_RULE_SHM_SIZE), 2);
	close(fd);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(posix_madvise_dontneed_is_a_no_op)
{
	struct nm_engine *e = engine_with("", -1);
	ck_assert_int_eq(nm_posix_madvise(e, &here, (void *)0x1000, PG, POSIX_MADV_DONTNEED), NM_DESKTOP);
	ck_assert_int_eq(nm_posix_madvise(e, &here, (void *)0x1000, PG, POSIX_MADV_WILLNEED), -ENOSYS);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(brk_may_shrink_never_grow)
{
	struct nm_engine *e = engine_with("", -1);
	ck_assert_int_eq(nm_brk(e, &here, (void *)0x1000, (void *)0x2000), NM_DESKTOP);
	ck_assert_int_eq(nm_brk(e, &here, (void *)0x3000, (void *)0x2000), -ENOMEM); /* K02 */
	ck_assert_int_eq(nm_sbrk(e, &here, 0), NM_DESKTOP);
	nm_engine_destroy(e);
}
END_TEST

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(maps_view_lists_device_mappings_in_nommu_format)
{
	static char buf[65536];
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "view", 3, 1, NULL);
	size_t n = nm_proc_maps(e, buf, sizeof(buf) - 1);
	buf[n] = 0;
	int base = count_lines(buf); /* the [stack] line */
	long a = nm_mmap(e, &here, NULL, 3 * PG, RW, ANON, -1, 0);
	long m = nm_mmap(e, &here, NULL, 3 * PG, RW, MAP_SHARED, fd, 0);
	long m2 = nm_mmap(e, &here, NULL, 3 * PG, RW, MAP_SHARED, fd, 0);
	ck_assert_int_eq(m, m2);
	n = nm_proc_maps(e, buf, sizeof(buf) - 1);
	buf[n] = 0;
	ck_assert_int_eq(count_lines(buf), base + 2); /* the identical range shows once (RF19) */
	char expect[64];
	snprintf(expect, sizeof(expect), "%08lx-%08lx rw-p 00000000 00:00 0 \n", a, a + 3 * PG);
	ck_assert_ptr_nonnull(strstr(buf, expect));
	snprintf(expect, sizeof(expect), "%08lx-%08lx rw-S 00000000 ", m, m + 3 * PG);
	ck_assert_ptr_nonnull(strstr(buf, expect));
	ck_assert_ptr_nonnull(strstr(buf, "/dev/shm/nommu-unit-"));
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

START_TEST(xip_file_maps_are_not_page_aligned)
{
	struct nm_engine *e = engine_with("xip=yes", -1);
	int fd = make_file(e, "/dev/shm", "xip", 2, 0, NULL);
	long m = nm_mmap(e, &here, NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_int_gt(m, 0);
	ck_assert_int_ne(m % (long)PG, 0);
	ck_assert_int_eq(((char *)m)[1], (char)8); /* the file's bytes, from the returned address */
	ck_assert_int_eq(nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG), m + (long)PG);
	/* writable private maps are ordinary copies */
	long w = nm_mmap(e, &here, NULL, PG, RW, MAP_PRIVATE, fd, 0);
	ck_assert_int_eq(w % (long)PG, 0);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(m + PG), PG), 0);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)m, 2 * PG), 0);
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("calls");
	TCase *tc = tcase_create("calls");
	tcase_add_test(tc, rule_mprotect);
	tcase_add_test(tc, rule_msync);
	tcase_add_test(tc, rule_madvise);
	tcase_add_test(tc, rule_mlock);
	tcase_add_test(tc, rule_mincore);
	tcase_add_test(tc, rule_remap_file_pages);
	tcase_add_test(tc, rule_memfd_create);
	tcase_add_test(tc, rule_fork);
	tcase_add_test(tc, rule_clone_no_vm);
	tcase_add_test(tc, rule_shmat);
	tcase_add_test(tc, rule_shm_size);
	tcase_add_test(tc, rule_brk);
	tcase_add_test(tc, posix_madvise_dontneed_is_a_no_op);
	tcase_add_test(tc, brk_may_shrink_never_grow);
	tcase_add_test(tc, maps_view_lists_device_mappings_in_nommu_format);
	tcase_add_test(tc, xip_file_maps_are_not_page_aligned);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
