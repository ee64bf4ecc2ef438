/* test_format.c - the report writer's text buffers: JSON escapes, cut fields, growth. */
#include "nm_format.h"
#include "nm_os.h"
#include "test_util.h"

/* A field cut at its limit never splits a UTF-8 character or an escape, and says so. */
START_TEST(cut_fields_end_at_a_character)
{
	char text[64];
	struct nm_buf b = { .p = text, .cap = sizeof(text) };
	ck_assert(put_json_field(&b, "ab\xc3\xa9\xc3\xa9", 5)); /* a b é é: 6 bytes, 5 allowed */
	ck_assert_str_eq(text, "\"ab\xc3\xa9\"");
	b.len = 0;
	ck_assert(put_json_field(&b, "a\"b", 2)); /* the escape \" takes 2: only a fits */
	ck_assert_str_eq(text, "\"a\"");
	b.len = 0;
	ck_assert(!put_json_field(&b, "x\ny", 8));
	ck_assert_str_eq(text, "\"x\\u000ay\"");
	ck_assert(!b.full);
}
END_TEST

/* A growing buffer takes a text of any length; a fixed one drops the rest and says so. */
START_TEST(growing_buffers_take_any_length)
{
	size_t cap = 4096;
	struct nm_buf b = { .p = nm_os_table_alloc(cap), .cap = cap, .grows = true };
	ck_assert_ptr_nonnull(b.p);
	for (int i = 0; i < 100000; i++)
		put(&b, "0123456789");
	ck_assert(!b.full);
	ck_assert_uint_eq(b.len, 1000000);
	ck_assert_uint_gt(b.cap, b.len);
	ck_assert_int_eq(b.p[b.len], 0);
	ck_assert_int_eq(b.p[999999], '9');
	nm_os_munmap((uintptr_t)b.p, b.cap);

	char small[8];
	struct nm_buf f = { .p = small, .cap = sizeof(small) };
	put(&f, "0123456789");
	ck_assert(f.full);
	ck_assert_str_eq(small, "0123456");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("buffers");
	tcase_add_test(tc, cut_fields_end_at_a_character);
	tcase_add_test(tc, growing_buffers_take_any_length);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
