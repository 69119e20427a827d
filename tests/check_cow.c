/*
 * check_cow.c - private file pages copied on write, anonymous pages shared
 * with a fork child until written, shared anonymous memory: pmstat against
 * layout children (see testkit.h) and /proc/PID/smaps.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "layouts.h"

START_TEST(test_seed_private_file)
{
	struct tk_child c;
	struct tk_smaps s;
	char path[64];
	json_t *root, *m;
	uint64_t addr;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	addr = c.rep.addr[0];
	ck_assert_msg(c.rep.val[0] == 'd', "page 3 read 0x%02x, not the file's",
	    (unsigned)c.rep.val[0]);

	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, addr, &s);
	expect_seed_mapping(m, 0);
	ck_assert_int_eq(s.anonymous, 2 * pk);
	relations(root, &c, "seed");
	json_decref(root);

	root = pmstat_pages(-1, c.pid, addr, SEED_PAGES);
	expect_seed_pages(root, c.pid, addr, 0);
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * Per page, in both processes: the first K pages are their own (kpagecount
 * 1, different frames), the others the same frame mapped twice. Neither the
 * zero page nor copies of a file: known so where a page run can tell
 * (kp_page_known()), else null.
 */
static void
expect_fork_pages(pid_t a, pid_t b, uint64_t addr, bool priv)
{
	json_t *ra = pmstat_pages(-1, a, addr, FORK_N);
	json_t *rb = pmstat_pages(-1, b, addr, FORK_N);
	json_t *pa = tk_json_process(ra, a), *pb = tk_json_process(rb, b);

	for (size_t i = 0; i < FORK_N; i++) {
		json_t *ga = tk_json_page(pa, addr + i * ps);
		json_t *gb = tk_json_page(pb, addr + i * ps);
		bool own = i < FORK_K;

		ck_assert_msg(tk_json_bool(ga, "exclusive") == own &&
		    tk_json_bool(gb, "exclusive") == own,
		    "page %zu: exclusive should be %d", i, own);
		ck_assert_msg(tk_json_bool(ga, "present") &&
		    tk_json_bool(gb, "present") && !tk_json_bool(ga, "file") &&
		    !tk_json_bool(gb, "file"),
		    "page %zu: not a present anonymous page", i);
		expect_page_bool(ga, "zero", false, 0, "fork parent", (long)i);
		expect_page_bool(gb, "zero", false, 0, "fork child", (long)i);
		/* An anonymous mapping has no file to copy: known false anywhere. */
		ck_assert_msg(json_is_false(json_object_get(ga, "cow_copied")) &&
		    json_is_false(json_object_get(gb, "cow_copied")),
		    "fork page %zu: cow_copied is not false", i);
		if (!priv)
			continue;
		ck_assert_msg(tk_json_int(ga, "kpagecount") == (own ? 1 : 2) &&
		    tk_json_int(gb, "kpagecount") == (own ? 1 : 2),
		    "page %zu: kpagecount %" PRId64 "/%" PRId64 ", expected %d", i,
		    tk_json_int(ga, "kpagecount"), tk_json_int(gb, "kpagecount"),
		    own ? 1 : 2);
		ck_assert_msg((tk_json_hex(ga, "pfn") == tk_json_hex(gb, "pfn")) ==
		    !own, "page %zu: frames should %s", i,
		    own ? "differ" : "be the same");
		ck_assert_msg(flag_in(ga, "anon") && flag_in(gb, "anon"),
		    "page %zu: kpageflags without anon", i);
	}
	json_decref(ra);
	json_decref(rb);
}

START_TEST(test_fork_cow)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;
	pid_t pids[2];

	spawn("fork", NULL, -1, &c);
	ck_assert_int_eq(c.rep.npids, 1);
	pids[0] = c.pid;
	pids[1] = c.rep.pids[0];
	root = pmstat_json(-1, NULL, pids[0], pids[1]);
	for (int i = 0; i < 2; i++) {
		m = mapping_of(root, pids[i], c.rep.addr[0], &s);
		expect_fork_mapping(m, 0);
		ck_assert_int_eq(s.private_dirty, FORK_K * pk);
		ck_assert_int_eq(s.shared_dirty, (FORK_N - FORK_K) * pk);
		ck_assert_int_eq(s.pss, (FORK_K + (FORK_N - FORK_K) / 2) * pk);
	}
	relations(root, &c, "fork");
	json_decref(root);
	expect_fork_pages(c.pid, c.rep.pids[0], c.rep.addr[0], am_root());
	tk_kill(&c);
}
END_TEST


START_TEST(test_shared_anon)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;

	spawn("shm", NULL, -1, &c);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", SHM_N);
	EXPECT(m, "present", SHM_N);
	EXPECT(m, "file", SHM_N);
	EXPECT_K(m, "anon", 0, 0);
	EXPECT_K(m, "zero", 0, 0);
	EXPECT_K(m, "cow_shared", 0, 0);
	EXPECT_K(m, "cow_copied", 0, 0);
	EXPECT(m, "exclusive", SHM_N);
	EXPECT_K(m, "dirty", SHM_N, 0);
	ck_assert_int_eq(s.rss, SHM_N * pk);
	ck_assert_int_eq(s.anonymous, 0);
	relations(root, &c, "shm");
	json_decref(root);
	tk_kill(&c);
}
END_TEST


static Suite *
cow_suite(void)
{
	Suite *s = suite_create("cow");

	tcase_add_test(itest_tcase(s, "seed_private_file", NULL, NULL),
	    test_seed_private_file);
	tcase_add_test(itest_tcase(s, "fork_cow", NULL, NULL), test_fork_cow);
	tcase_add_test(itest_tcase(s, "shared_anon", NULL, NULL),
	    test_shared_anon);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "seed", layout_seed },
	{ "fork", layout_fork },
	{ "shm", layout_shm },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, cow_suite);
}
