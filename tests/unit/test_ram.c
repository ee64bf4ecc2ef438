/* test_ram.c - the device RAM allocator: blocks, alignment, trimming, the largest block. */
#include "nm_core.h"
#include "test_util.h"
#include <string.h>

static struct nm_ram ram;

static void setup_64k_pages(unsigned trim)
{
	ck_assert_int_eq(nm_ram_init(&ram, 256 * PG, PG, 10, trim), 0);
}

static void teardown(void)
{
	nm_ram_fini(&ram);
}

START_TEST(blocks_are_naturally_aligned)
{
	uint32_t kept;
	setup_64k_pages(1);
	/* two 5-page maps land 8 pages apart (oracle A22) */
	uint32_t a = nm_ram_alloc(&ram, 5, &kept);
	ck_assert_uint_eq(kept, 5);
	uint32_t b = nm_ram_alloc(&ram, 5, &kept);
	ck_assert_uint_eq(a % 8, 0);
	ck_assert_uint_eq(b % 8, 0);
	ck_assert_uint_eq(ram.max_order, 8); /* capped: no block larger than the RAM */
	ck_assert_uint_eq(ram.base % ((uintptr_t)PG << ram.max_order), 0);
	teardown();
}
END_TEST

START_TEST(trimming_returns_the_excess)
{
	uint32_t kept;
	setup_64k_pages(1);
	size_t before = ram.free_pages;
	nm_ram_alloc(&ram, 5, &kept);
	ck_assert_uint_eq(kept, 5);
	ck_assert_uint_eq(before - ram.free_pages, 5);
	teardown();

	/* nr_trim_pages = 0: the power-of-two slack stays allocated */
	setup_64k_pages(0);
	before = ram.free_pages;
	nm_ram_alloc(&ram, 5, &kept);
	ck_assert_uint_eq(kept, 8);
	ck_assert_uint_eq(before - ram.free_pages, 8);
	teardown();

	/* nr_trim_pages = 4: an excess of 3 pages is below the threshold, kept */
	setup_64k_pages(4);
	nm_ram_alloc(&ram, 5, &kept);
	ck_assert_uint_eq(kept, 8);
	nm_ram_alloc(&ram, 9, &kept); /* 16 - 9 = 7 >= 4: trimmed */
	ck_assert_uint_eq(kept, 9);
	teardown();
}
END_TEST

START_TEST(largest_block_is_the_limit)
{
	uint32_t kept;
	ck_assert_int_eq(nm_ram_init(&ram, 4096 * PG, PG, 10, 1), 0);
	ck_assert_uint_ne(nm_ram_alloc(&ram, 1024, &kept), NM_NONE);
	ck_assert_uint_eq(nm_ram_alloc(&ram, 1025, &kept), NM_NONE);
	teardown();
}
END_TEST

START_TEST(free_coalesces_back_to_whole_blocks)
{
	uint32_t kept, p[64];
	setup_64k_pages(1);
	size_t largest = nm_ram_largest_free(&ram);
	for (int i = 0; i < 64; i++)
		p[i] = nm_ram_alloc(&ram, 1 + (uint32_t)(i % 3), &kept);
	for (int i = 0; i < 64; i++)
		nm_ram_free(&ram, p[i], 1 + (uint32_t)(i % 3));
	ck_assert_uint_eq(ram.free_pages, 256);
	ck_assert_uint_eq(nm_ram_largest_free(&ram), largest);
	teardown();
}
END_TEST

START_TEST(fragmentation_fails_with_ram_free)
{
	uint32_t kept, p[128];
	setup_64k_pages(1);
	/* fill with 2-page blocks, free every other one: half the RAM free, no 4-page block */
	for (int i = 0; i < 128; i++)
		p[i] = nm_ram_alloc(&ram, 2, &kept);
	for (int i = 0; i < 128; i += 2)
		nm_ram_free(&ram, p[i], 2);
	ck_assert_uint_eq(ram.free_pages, 128);
	ck_assert_uint_eq(nm_ram_alloc(&ram, 3, &kept), NM_NONE);
	ck_assert_uint_eq(nm_ram_largest_free(&ram), 2 * PG);
	teardown();
}
END_TEST

/* The largest blocks are opened lazily (ram.fresh): every page must still be
   handed out exactly once, including a tail smaller than a largest block. */
START_TEST(every_page_is_handed_out_once)
{
	uint32_t kept, n = 0, pfn;
	ck_assert_int_eq(nm_ram_init(&ram, 4196 * PG, PG, 10, 1), 0);
	static uint8_t seen[4196];
	memset(seen, 0, sizeof(seen));
	while ((pfn = nm_ram_alloc(&ram, 1, &kept)) != NM_NONE) {
		ck_assert_uint_lt(pfn, 4196);
		ck_assert_uint_eq(seen[pfn], 0);
		seen[pfn] = 1;
		n++;
	}
	ck_assert_uint_eq(n, 4196);
	ck_assert_uint_eq(ram.free_pages, 0);
	ck_assert_uint_eq(nm_ram_largest_free(&ram), 0);
	for (pfn = 0; pfn < 4196; pfn++)
		nm_ram_free(&ram, pfn, 1);
	ck_assert_uint_eq(nm_ram_largest_free(&ram), 1024 * PG);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_ne(nm_ram_alloc(&ram, 1024, &kept), NM_NONE);
	ck_assert_uint_eq(nm_ram_alloc(&ram, 1024, &kept), NM_NONE);
	ck_assert_uint_ne(nm_ram_alloc(&ram, 64, &kept), NM_NONE); /* from the tail */
	teardown();
}
END_TEST

/* A large freed range stays with the process (no fault to get it back) while the
   dirty free pages stay under the keep limit; pages never touched are dropped so
   that "dirty" is exact; past the limit the whole range goes back to the host. */
START_TEST(large_frees_keep_touched_pages_up_to_the_limit)
{
	uint32_t kept;
	ck_assert_int_eq(nm_ram_init(&ram, 1024 * PG, PG, 10, 1), 0);
	size_t limit = ram.keep_limit_pages;
	ck_assert_uint_eq(limit, 256); /* a quarter of the RAM */
	uint32_t a = nm_ram_alloc(&ram, 128, &kept);
	nm_ram_mark_dirty(&ram, a, 128);
	memset(nm_ram_addr(&ram, a), 7, 10 * PG); /* the program touches 10 pages */
	nm_ram_free(&ram, a, 128);
	ck_assert_uint_eq(ram.kept_free_pages, 10);
	ck_assert_uint_eq(ram.dirty[a + 9], 1);
	ck_assert_uint_eq(ram.dirty[a + 10], 0);
	ck_assert_int_eq(((char *)nm_ram_addr(&ram, a))[0], 7); /* still there */

	/* reallocated: the kept pages leave the free pool, and zeroing clears them */
	uint32_t b = nm_ram_alloc(&ram, 128, &kept);
	ck_assert_uint_eq(b, a);
	ck_assert_uint_eq(ram.kept_free_pages, 0);
	nm_ram_zero(&ram, b, 128);
	ck_assert_int_eq(((char *)nm_ram_addr(&ram, b))[0], 0);

	/* 300 touched pages freed at once: over the limit, dropped to the host */
	uint32_t c = nm_ram_alloc(&ram, 300, &kept);
	nm_ram_mark_dirty(&ram, c, 300);
	memset(nm_ram_addr(&ram, c), 9, 300 * PG);
	nm_ram_free(&ram, c, 300);
	ck_assert_uint_eq(ram.kept_free_pages, 0);
	ck_assert_uint_eq(ram.dirty[c], 0);
	ck_assert_int_eq(((char *)nm_ram_addr(&ram, c))[0], 0);
	teardown();
}
END_TEST

START_TEST(zeroing_clears_only_dirty_pages)
{
	uint32_t kept;
	setup_64k_pages(1);
	uint32_t a = nm_ram_alloc(&ram, 2, &kept);
	char *p = nm_ram_addr(&ram, a);
	nm_ram_mark_dirty(&ram, a, 2);
	memset(p, 0xAB, 2 * PG);
	nm_ram_free(&ram, a, 2);
	uint32_t b = nm_ram_alloc(&ram, 2, &kept);
	ck_assert_uint_eq(a, b); /* LIFO: the same block comes back dirty */
	nm_ram_zero(&ram, b, 2);
	for (unsigned i = 0; i < 2 * PG; i++)
		ck_assert_int_eq(p[i], 0);
	teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ram");
	TCase *tc = tcase_create("buddy");
	tcase_add_test(tc, blocks_are_naturally_aligned);
	tcase_add_test(tc, trimming_returns_the_excess);
	tcase_add_test(tc, largest_block_is_the_limit);
	tcase_add_test(tc, free_coalesces_back_to_whole_blocks);
	tcase_add_test(tc, fragmentation_fails_with_ram_free);
	tcase_add_test(tc, every_page_is_handed_out_once);
	tcase_add_test(tc, large_frees_keep_touched_pages_up_to_the_limit);
	tcase_add_test(tc, zeroing_clears_only_dirty_pages);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
