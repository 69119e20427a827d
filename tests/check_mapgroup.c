/* check_mapgroup.c - which mappings are read together, and what is kept */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mapgroup.h"
#include "checkrun.h"

#define SHIFT	12
#define PG(n)	((uint64_t)(n) << SHIFT)

static struct maps_entry
entry(uint64_t first, uint64_t pages, const char *path)
{
	struct maps_entry e = {
		.start = PG(first), .end = PG(first + pages), .perms = "rw-p",
		.path = path, .path_len = strlen(path),
	};

	return e;
}

START_TEST(test_neighbours_join)
{
	struct mapgroup g;
	struct maps_entry a = entry(100, 4, ""), b = entry(104, 4, "");
	struct maps_entry c = entry(108 + 512, 4, "");	/* a gap of 512: in */
	struct maps_entry d = entry(624 + 513, 4, "");	/* 513: out */
	uint64_t first, last;

	ck_assert_int_eq(mapgroup_init(&g, 8, 1024, 512, SHIFT), 0);
	ck_assert(mapgroup_fits(&g, &a));
	ck_assert_int_eq(mapgroup_add(&g, &a, false), 0);
	ck_assert(mapgroup_fits(&g, &b));
	ck_assert_int_eq(mapgroup_add(&g, &b, false), 0);
	ck_assert(mapgroup_fits(&g, &c));
	ck_assert_int_eq(mapgroup_add(&g, &c, false), 0);
	ck_assert(!mapgroup_fits(&g, &d));
	mapgroup_window(&g, &first, &last);
	ck_assert_uint_eq(first, 100);
	ck_assert_uint_eq(last, 624);
	ck_assert_uint_eq(g.n, 3);
	ck_assert(!g.need_scan);
	mapgroup_clear(&g);
	ck_assert(mapgroup_fits(&g, &d));
	mapgroup_release(&g);
}
END_TEST

START_TEST(test_limits)
{
	struct mapgroup g;
	struct maps_entry big = entry(0, 1025, ""), whole = entry(0, 1024, "");
	struct maps_entry e;

	ck_assert_int_eq(mapgroup_init(&g, 3, 1024, 512, SHIFT), 0);
	/* Larger than a window: never grouped, not even alone. */
	ck_assert(!mapgroup_fits(&g, &big));
	ck_assert(mapgroup_fits(&g, &whole));
	/* The window may not outgrow max_pages... */
	e = entry(0, 1000, "");
	ck_assert_int_eq(mapgroup_add(&g, &e, false), 0);
	e = entry(1000, 24, "");
	ck_assert(mapgroup_fits(&g, &e));
	e = entry(1000, 25, "");
	ck_assert(!mapgroup_fits(&g, &e));
	/* ...nor hold more than max entries. */
	mapgroup_clear(&g);
	for (int i = 0; i < 3; i++) {
		e = entry((uint64_t)i, 1, "");
		ck_assert(mapgroup_fits(&g, &e));
		ck_assert_int_eq(mapgroup_add(&g, &e, i == 1), 0);
	}
	ck_assert(g.need_scan);
	e = entry(3, 1, "");
	ck_assert(!mapgroup_fits(&g, &e));
	/* Out of address order (cannot happen in maps) starts a new group. */
	mapgroup_clear(&g);
	ck_assert(!g.need_scan);
	e = entry(10, 1, "");
	ck_assert_int_eq(mapgroup_add(&g, &e, false), 0);
	e = entry(5, 1, "");
	ck_assert(!mapgroup_fits(&g, &e));
	mapgroup_release(&g);
}
END_TEST

START_TEST(test_paths_are_copied)
{
	struct mapgroup g;
	char buf[5000];
	struct maps_entry e;

	ck_assert_int_eq(mapgroup_init(&g, 4, 1024, 512, SHIFT), 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++) {
			/* Short, then long: a slot's buffer must grow. */
			size_t len = round == 0 ? 3 : sizeof(buf) - 1 - (size_t)i;

			memset(buf, 'a' + i, len);
			buf[len] = '\0';
			e = entry((uint64_t)i * 2, 1, buf);
			e.deleted = i % 2;
			ck_assert_int_eq(mapgroup_add(&g, &e, false), 0);
			memset(buf, 'z', len);	/* the reader reuses its line */
		}
		for (int i = 0; i < 4; i++) {
			const struct maps_entry *k = &g.slot[i].e;
			size_t len = round == 0 ? 3 : sizeof(buf) - 1 - (size_t)i;

			ck_assert_uint_eq(k->path_len, len);
			ck_assert_uint_eq(strlen(k->path), len);
			ck_assert_int_eq(k->path[0], 'a' + i);
			ck_assert_int_eq(k->path[len - 1], 'a' + i);
			ck_assert_int_eq(k->deleted, i % 2);
			ck_assert_uint_eq(k->start, PG(i * 2));
		}
		mapgroup_clear(&g);
	}
	mapgroup_release(&g);
}
END_TEST

static Suite *
mapgroup_suite(void)
{
	Suite *s = suite_create("mapgroup");
	TCase *tc = check_tcase(s, "mapgroup");

	tcase_add_test(tc, test_neighbours_join);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_paths_are_copied);
	return s;
}

int
main(void)
{
	return check_run(mapgroup_suite(), CK_NORMAL);
}
