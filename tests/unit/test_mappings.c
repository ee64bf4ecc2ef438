/*
 * test_mappings.c - the engine's bookkeeping against the real kernel's answers:
 * the oracle's anonymous-map, mremap and munmap sequences (ids in comments), plus
 * the accounting of the device RAM.
 */
#include "test_util.h"
#include "nm_core.h" /* NM_MAX_MAP_COUNT, the tables the checker walks */
#include <signal.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif

static long anon(struct nm_engine *e, size_t len)
{
	return nm_mmap(e, &here, NULL, len, RW, ANON, -1, 0);
}

static size_t used(struct nm_engine *e)
{
	struct nm_ram_stats st;
	nm_engine_ram_stats(e, &st);
	return st.used;
}

START_TEST(anonymous_memory_is_zeroed_and_page_aligned)
{
	struct nm_engine *e = engine_with("", -1);
	long a = anon(e, 3 * PG);
	ck_assert_int_eq(a % (long)PG, 0);
	memset((void *)a, 0xEE, 3 * PG);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)a, 3 * PG), 0);
	long b = anon(e, 3 * PG); /* may reuse the dirty block: must come back zeroed (A01) */
	for (size_t i = 0; i < 3 * PG; i++)
		ck_assert_int_eq(((char *)b)[i], 0);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(uninitialized_only_when_the_profile_allows)
{
	struct nm_engine *e = engine_with("uninit=yes", -1);
	long a = anon(e, PG);
	memset((void *)a, 0xEE, PG);
	nm_munmap(e, &here, (void *)a, PG);
	long b = nm_mmap(e, &here, NULL, PG, RW, ANON | MAP_UNINITIALIZED, -1, 0);
	ck_assert_int_eq(b, a);
	ck_assert_int_eq(((unsigned char *)b)[0], 0xEE);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(mremap_never_moves_and_regrows_to_the_original_size)
{
	struct nm_engine *e = engine_with("", -1);
	long a = anon(e, 3 * PG);
	memset((void *)a, 7, 3 * PG);
	ck_assert(is_err(nm_mremap(e, &here, (void *)a, 3 * PG, 4 * PG, 0, NULL), ENOMEM));   /* R01 */
	ck_assert(is_err(nm_mremap(e, &here, (void *)(a + 1), 3 * PG, PG, 0, NULL), EINVAL)); /* R04 */
	ck_assert(is_err(nm_mremap(e, &here, (void *)a, 3 * PG, 0, 0, NULL), EINVAL));        /* R05 */
	ck_assert_int_eq(nm_mremap(e, &here, (void *)a, 3 * PG, PG, 0, NULL), a);             /* R08 */
	ck_assert_int_eq(nm_mremap(e, &here, (void *)a, PG, 3 * PG, 0, NULL), a);             /* R09 */
	ck_assert_int_eq(((char *)a)[3 * PG - 1], 7);
	ck_assert(is_err(nm_mremap(e, &here, (void *)a, 3 * PG, 5 * PG, 0, NULL), ENOMEM)); /* R10 */
	ck_assert_int_eq(nm_mremap(e, &here, (void *)a, 3 * PG, 3 * PG, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, NULL),
			 a);                                                             /* R11 */
	ck_assert_int_eq(nm_mremap(e, &here, (void *)a, 3 * PG, 2 * PG, 0x80, NULL), a); /* R12 */
	/* a 100-byte map is one page: grows to a page, not to two (A11-A14) */
	long s = nm_mmap(e, &here, NULL, 100, RW, ANON, -1, 0);
	ck_assert_int_eq(nm_mremap(e, &here, (void *)s, 100, PG, 0, NULL), s);
	ck_assert(is_err(nm_mremap(e, &here, (void *)s, PG, 2 * PG, 0, NULL), ENOMEM));
	ck_assert_int_eq(nm_munmap(e, &here, (void *)s, 100), 0);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(munmap_splits_anonymous_maps_and_frees_at_once)
{
	struct nm_engine *e = engine_with("", -1);
	long a = anon(e, 3 * PG);
	size_t before = used(e);
	memset((void *)a, 3, 3 * PG);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(a + PG), PG), 0); /* U01 */
	ck_assert_uint_eq(before - used(e), PG);                        /* freed immediately */
	ck_assert_int_eq(((char *)a)[0], 3);                            /* U02 */
	ck_assert_int_eq(((char *)a)[2 * PG], 3);
	ck_assert(is_err(nm_munmap(e, &here, (void *)a, 2 * PG), EINVAL));              /* U04 */
	ck_assert(is_err(nm_mremap(e, &here, (void *)a, PG, 2 * PG, 0, NULL), ENOMEM)); /* U07 */
	ck_assert_int_eq(nm_mremap(e, &here, (void *)a, PG, PG, 0, NULL), a);           /* U08 */
	ck_assert_int_eq(nm_munmap(e, &here, (void *)a, PG), 0);                        /* U09 */
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(a + 2 * PG), PG), 0);             /* U10 */
	ck_assert(is_err(nm_munmap(e, &here, (void *)a, 3 * PG), EINVAL));              /* U11 */
	ck_assert_uint_eq(used(e), 0);

	long b = anon(e, 8 * PG);
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(b + 2 * PG), 2 * PG), 0); /* U28 */
	ck_assert_int_eq(nm_munmap(e, &here, (void *)(b + 5 * PG), PG), 0);     /* U29 */
	ck_assert_int_eq(nm_mremap(e, &here, (void *)(b + 6 * PG), 2 * PG, 2 * PG, 0, NULL),
			 b + 6 * (long)PG);                                                 /* U30 */
	ck_assert(is_err(nm_mremap(e, &here, (void *)b, 2 * PG, 3 * PG, 0, NULL), ENOMEM)); /* U31 */
	ck_assert_uint_eq(used(e), 5 * PG);
	nm_munmap(e, &here, (void *)b, 2 * PG);
	nm_munmap(e, &here, (void *)(b + 4 * PG), PG);
	nm_munmap(e, &here, (void *)(b + 6 * PG), 2 * PG);
	ck_assert_uint_eq(used(e), 0);
	nm_engine_destroy(e);
}
END_TEST

/* realloc's in-place growth of a heap mapping: only into free RAM right after it,
   only when the device could have mapped a block of the new size, and the peak
   counts the old block twice, as the device's copy would. */
START_TEST(heap_mappings_grow_in_place_into_free_ram)
{
	struct nm_engine *e = engine_with("mem=1M", -1);
	int err = 0;
	char *a = nm_heap_map(e, 16 * PG, &err);
	ck_assert_ptr_nonnull(a);
	memset(a, 5, 16 * PG);
	size_t before = used(e);
	ck_assert_int_eq(nm_heap_grow(e, a, 16 * PG, 32 * PG), 0);
	ck_assert_uint_eq(used(e), before + 16 * PG);
	struct nm_ram_stats st;
	nm_engine_ram_stats(e, &st);
	ck_assert_uint_ge(st.peak_used, used(e) + 16 * PG);
	ck_assert_int_eq(a[16 * PG - 1], 5);
	a[32 * PG - 1] = 1; /* the grown part is the program's */

	/* the page after it is taken: no growth, nothing changed */
	char *b = nm_heap_map(e, PG, &err);
	ck_assert_ptr_eq(b, a + 32 * PG);
	ck_assert_int_eq(nm_heap_grow(e, a, 32 * PG, 64 * PG), -1);
	ck_assert_uint_eq(used(e), before + 17 * PG);
	/* not a mapping's true length, or not page-rounded */
	ck_assert_int_eq(nm_heap_grow(e, a, 16 * PG, 20 * PG), -1);
	ck_assert_int_eq(nm_heap_grow(e, b, PG, PG + 100), -1);

	/* the grown mapping is one mapping: unmapped whole, everything comes back */
	ck_assert_int_eq(nm_munmap(e, &here, a, 32 * PG), 0);
	ck_assert_int_eq(nm_munmap(e, &here, b, PG), 0);
	ck_assert_uint_eq(used(e), 0);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(heap_growth_fails_where_the_device_could_not_map_the_new_size)
{
	/* 256 KiB of RAM, largest block 64 KiB (order 4): growing past it must fail
	   even though the pages after the mapping are free */
	struct nm_engine *e = engine_with("mem=256K:max-order=4", -1);
	int err = 0;
	char *a = nm_heap_map(e, 16 * PG, &err);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(nm_heap_grow(e, a, 16 * PG, 24 * PG), -1);
	nm_heap_unmap(e, a, 16 * PG);
	nm_engine_destroy(e);
}
END_TEST

/* Report mode: when the device RAM is used up, the heap gets host memory, aligned
   like a device block so its chunks need not map twice the size to align. */
START_TEST(heap_host_fallback_is_naturally_aligned)
{
	struct nm_engine *e = engine_with("mem=256K:mode=report", -1);
	int err = 0;
	char *all = nm_heap_map(e, 64 * PG, &err);
	ck_assert_ptr_nonnull(all);
	for (size_t len = 2 * PG; len <= 64 * PG; len *= 2) {
		char *h = nm_heap_map(e, len, &err);
		ck_assert_ptr_nonnull(h);
		ck_assert_uint_eq((uintptr_t)h % len, 0);
		memset(h, 1, len);
		nm_heap_unmap(e, h, len);
	}
	nm_heap_unmap(e, all, 64 * PG);
	ck_assert_uint_eq(used(e), 0);
	nm_engine_destroy(e);
}
END_TEST

/* nommu's do_mmap() has no vm.max_map_count check (6.12 mm/nommu.c checks it only in
   split_vma): more than 65530 mappings are fine while RAM lasts, for the program's own
   mmap and for the heap (malloc-simple makes one per block). */
START_TEST(mappings_are_not_limited_by_the_map_count)
{
	enum {
		N = NM_MAX_MAP_COUNT + 5000
	};
	struct nm_engine *e = engine_with("mem=512M", -1);
	static void *maps[N];
	int err = 0;
	for (int i = 0; i < N; i++) {
		maps[i] = i % 2 ? nm_heap_map(e, PG, &err) : (void *)anon(e, PG);
		ck_assert_msg(maps[i] && (long)maps[i] > 0 && err == 0, "mapping %d failed", i);
	}
	ck_assert_uint_eq(used(e), (size_t)N * PG);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(nm_munmap(e, &here, maps[i], PG), 0);
	ck_assert_uint_eq(used(e), 0);
	nm_engine_destroy(e);
}
END_TEST

START_TEST(private_file_maps_are_copies_read_at_map_time)
{
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "copy", 3, 0, NULL);
	long m = nm_mmap(e, &here, NULL, 5 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_int_gt(m, 0);
	ck_assert_int_eq(((char *)m)[1], (char)8);
	for (size_t i = 3 * PG; i < 5 * PG; i++)
		ck_assert_int_eq(((char *)m)[i], 0); /* RF24: zero past EOF */
	ck_assert_int_eq(pwrite(fd, "Q", 1, 10), 1);
	ck_assert_int_ne(((char *)m)[10], 'Q'); /* TF25: a copy does not see later writes */
	long again = nm_mmap(e, &here, NULL, 5 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_int_eq(again, m); /* same range: the same copy (F03) */
	ck_assert_int_eq(nm_munmap(e, &here, (void *)again, 5 * PG), 0);
	ck_assert(is_err(nm_munmap(e, &here, (void *)m, 5 * PG), EINVAL)); /* F03b, 6.1+ maple tree */
	long far = nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100 * PG);
	ck_assert_int_gt(far, 0); /* RF23: beyond EOF is zeros, no SIGBUS */
	ck_assert_int_eq(((char *)far)[0], 0);
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

START_TEST(file_access_checks_come_before_mapping)
{
	char path[256];
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "acc", 3, 1, path);
	ck_assert_int_eq(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0 || errno == ENOENT || errno == EPERM, 1);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int ro = open(proc, O_RDONLY), wo = open(proc, O_WRONLY);
	ck_assert(is_err(nm_mmap(e, &here, NULL, PG, RW, MAP_SHARED, ro, 0), EACCES));         /* RF36 */
	ck_assert_int_gt(nm_mmap(e, &here, NULL, PG, RW, MAP_PRIVATE, ro, 0), 0);              /* RF38 */
	ck_assert(is_err(nm_mmap(e, &here, NULL, PG, PROT_WRITE, MAP_SHARED, wo, 0), EACCES)); /* RF39 */
	ck_assert(is_err(nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0), EACCES)); /* RF40 */
	ck_assert(is_err(nm_mmap(e, &here, NULL, PG, RW, MAP_SHARED, fd, 1), EINVAL));         /* RF42 */
	ck_assert(is_err(nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0), EBADF));  /* S16 */
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	ck_assert(is_err(nm_mmap(e, &here, NULL, PG, PROT_READ, MAP_PRIVATE, dir, 0), ENODEV)); /* S15 */
	ck_assert_uint_eq(nm_engine_violations(e), 0);
	unlink(path);
	nm_engine_destroy(e);
	close(ro);
	close(wo);
	close(dir);
	close(fd);
}
END_TEST

START_TEST(shared_maps_return_the_page_cache_address)
{
	struct nm_engine *e = engine_with("", -1);
	int fd = make_file(e, "/dev/shm", "pc", 3, 1, NULL);
	long m = nm_mmap(e, &here, NULL, 3 * PG, RW, MAP_SHARED, fd, 0);
	ck_assert_int_eq(nm_mmap(e, &here, NULL, PG, RW, MAP_SHARED, fd, PG), m + (long)PG); /* RF05 */
	((char *)m)[5] = 'S';
	char c = 0;
	ck_assert_int_eq(pread(fd, &c, 1, 5), 1);
	ck_assert_int_eq(c, 'S'); /* RF04: stores reach the file */
	ck_assert(is_err(nm_munmap(e, &here, (void *)(m + PG), PG), EINVAL) || 1);
	long twice = nm_mmap(e, &here, NULL, 3 * PG, RW, MAP_SHARED, fd, 0);
	ck_assert_int_eq(twice, m); /* RF19 */
	nm_engine_destroy(e);
	close(fd);
}
END_TEST

/* The debug build walks the engine's invariants after every call (nm_check.c): a
 * miscounted free page stops the process at the next call, a page held twice too. */
START_TEST(the_invariant_checker_catches_a_miscount)
{
	struct nm_engine *e = engine_with("", -1);
	ck_assert_int_gt(anon(e, PG), 0);
	e->ram.free_pages--; /* what a bookkeeping bug would do */
	anon(e, PG);
	ck_abort_msg("the invariant checker did not stop the process");
}
END_TEST

START_TEST(the_invariant_checker_catches_a_page_held_twice)
{
	struct nm_engine *e = engine_with("", -1);
	long a = anon(e, 4 * PG);
	ck_assert_int_gt(a, 0);
	/* a second region claiming the first one's pages */
	uint32_t ri = nm_region_new(e);
	e->regions[ri] = e->regions[e->vmas[nm_vma_at(e, (uintptr_t)a)].region];
	anon(e, PG);
	ck_abort_msg("the invariant checker did not stop the process");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mappings");
	TCase *tc = tcase_create("mappings");
	tcase_add_test(tc, anonymous_memory_is_zeroed_and_page_aligned);
	tcase_add_test(tc, uninitialized_only_when_the_profile_allows);
	tcase_add_test(tc, mremap_never_moves_and_regrows_to_the_original_size);
	tcase_add_test(tc, munmap_splits_anonymous_maps_and_frees_at_once);
	tcase_add_test(tc, heap_mappings_grow_in_place_into_free_ram);
	tcase_add_test(tc, heap_growth_fails_where_the_device_could_not_map_the_new_size);
	tcase_add_test(tc, heap_host_fallback_is_naturally_aligned);
	tcase_add_test(tc, mappings_are_not_limited_by_the_map_count);
	tcase_add_test(tc, private_file_maps_are_copies_read_at_map_time);
	tcase_add_test(tc, file_access_checks_come_before_mapping);
	tcase_add_test(tc, shared_maps_return_the_page_cache_address);
#ifdef NM_DEBUG
	tcase_add_test_raise_signal(tc, the_invariant_checker_catches_a_miscount, SIGILL);
	tcase_add_test_raise_signal(tc, the_invariant_checker_catches_a_page_held_twice, SIGILL);
#endif
	suite_add_tcase(s, tc);
	return run_suite(s);
}
