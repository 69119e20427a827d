/* check_delta.c - a watch's changes: counters less the last sample's, by key */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "delta.h"
#include "checkrun.h"

static struct counts
counts_of(uint64_t present, uint64_t pss_pages, uint32_t known)
{
	struct counts c = { .known = known };

	c.v[CTR_PRESENT] = present;
	c.v[CTR_PSS] = pss_pages << PSS_SHIFT;
	return c;
}

/* The first sample is absolute; the next, the change, negative included. */
START_TEST(test_change)
{
	struct delta d;
	struct delta_key k = { .kind = DELTA_PROCESS, .pid = 42 };
	struct counts c = counts_of(100, 10, CTR_ALL);

	delta_init(&d);
	ck_assert_int_eq(delta_apply(&d, &k, &c), 0);
	ck_assert_uint_eq(c.v[CTR_PRESENT], 100);
	delta_next(&d);
	c = counts_of(1100, 4, CTR_ALL);
	ck_assert_int_eq(delta_apply(&d, &k, &c), 0);
	ck_assert_uint_eq(c.v[CTR_PRESENT], 1000);
	/* PSS shrank by 6 pages: two's complement, read back signed. */
	ck_assert_int_eq((int64_t)c.v[CTR_PSS], -(INT64_C(6) << PSS_SHIFT));
	ck_assert_uint_eq(c.known, CTR_ALL);
	delta_next(&d);
	/* Against the last sample's values, not the one before it. */
	c = counts_of(1100, 4, CTR_ALL);
	ck_assert_int_eq(delta_apply(&d, &k, &c), 0);
	ck_assert_uint_eq(c.v[CTR_PRESENT], 0);
	delta_release(&d);
}
END_TEST

/* A counter unknown in either sample is unknown in the change. */
START_TEST(test_unknown)
{
	struct delta d;
	struct delta_key k = { .kind = DELTA_TOTALS };
	struct counts c = counts_of(5, 5, CTR_ALL & ~CTR_BIT(CTR_PSS));

	delta_init(&d);
	ck_assert_int_eq(delta_apply(&d, &k, &c), 0);
	delta_next(&d);
	c = counts_of(7, 7, CTR_ALL);
	ck_assert_int_eq(delta_apply(&d, &k, &c), 0);
	ck_assert_uint_eq(c.v[CTR_PRESENT], 2);
	ck_assert_uint_eq(c.known, CTR_ALL & ~CTR_BIT(CTR_PSS));
	delta_release(&d);
}
END_TEST

/*
 * Keys are kept apart by every field: kinds, PIDs, mappings, paths. A key
 * the last sample lacked keeps its values; one it had but this one lacks
 * is forgotten by the sample after.
 */
START_TEST(test_keys)
{
	struct delta d;
	char path[32];
	struct delta_key keys[] = {
		{ .kind = DELTA_PROCESS, .pid = 1 },
		{ .kind = DELTA_PROCESS, .pid = 2 },
		{ .kind = DELTA_MAPPING, .pid = 1, .a = 0x1000 },
		{ .kind = DELTA_MAPPING, .pid = 1, .a = 0x1000, .b = 7 },
		{ .kind = DELTA_USER, .a = 0 },
		{ .kind = DELTA_PATH, .s = "/lib/libc.so.6" },
		{ .kind = DELTA_PATH, .s = "/lib/libm.so.6" },
		{ .kind = DELTA_FAMILY },
	};
	size_t nk = sizeof(keys) / sizeof(keys[0]);
	struct counts c;

	delta_init(&d);
	for (size_t i = 0; i < nk; i++) {
		c = counts_of(10 * (i + 1), 0, CTR_ALL);
		ck_assert_int_eq(delta_apply(&d, &keys[i], &c), 0);
	}
	delta_next(&d);
	/* A path equal in bytes, not in pointer, is the same key. */
	strcpy(path, "/lib/libc.so.6");
	keys[5].s = path;
	for (size_t i = 0; i + 1 < nk; i++) {
		c = counts_of(10 * (i + 1) + i, 0, CTR_ALL);
		ck_assert_int_eq(delta_apply(&d, &keys[i], &c), 0);
		ck_assert_msg(c.v[CTR_PRESENT] == i, "key %zu: %llu", i,
		    (unsigned long long)c.v[CTR_PRESENT]);
	}
	delta_next(&d);
	/* The family sat out a sample: all of it is new again. */
	c = counts_of(3, 0, CTR_ALL);
	ck_assert_int_eq(delta_apply(&d, &keys[nk - 1], &c), 0);
	ck_assert_uint_eq(c.v[CTR_PRESENT], 3);
	delta_release(&d);
}
END_TEST

/* Many keys: the index grows and every one is still found. */
START_TEST(test_many)
{
	struct delta d;
	struct counts c;

	delta_init(&d);
	for (int round = 0; round < 3; round++) {
		for (int pid = 1; pid <= 20000; pid++) {
			struct delta_key k = { .kind = DELTA_MAPPING, .pid = pid,
			    .a = (uint64_t)pid << 12 };

			c = counts_of((uint64_t)(pid + round), 0, CTR_ALL);
			ck_assert_int_eq(delta_apply(&d, &k, &c), 0);
			ck_assert_uint_eq(c.v[CTR_PRESENT],
			    round == 0 ? (uint64_t)pid : 1);
		}
		delta_next(&d);
	}
	delta_release(&d);
}
END_TEST

static Suite *
delta_suite(void)
{
	Suite *s = suite_create("delta");
	TCase *tc = check_tcase(s, "delta");

	tcase_add_test(tc, test_change);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_many);
	return s;
}

int
main(void)
{
	return check_run(delta_suite(), CK_NORMAL);
}
