/*
 * check_errors.c - a PID that is gone beside live ones (an error entry,
 * exit 1, the others still reported) and --range clipping a mapping.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "layouts.h"

START_TEST(test_missing_pid)
{
	struct tk_child c;
	char pa[16], pb[16], pd[16];
	json_t *root, *dead, *maps;
	pid_t gone;
	int status;

	spawn("fork", NULL, -1, &c);
	/* A PID that existed a moment ago and is reaped: nobody has it now. */
	gone = fork();
	ck_assert(gone >= 0);
	if (gone == 0)
		_exit(0);
	ck_assert(waitpid(gone, NULL, 0) == gone);
	{
		const char *args[] = { "--json", pidarg(pa, sizeof(pa), c.pid),
		    pidarg(pd, sizeof(pd), gone),
		    pidarg(pb, sizeof(pb), c.rep.pids[0]), NULL };

		root = tk_pmstat_json(-1, -1, &status, args);
	}
	ck_assert_msg(status == 1, "exit status %d, expected 1", status);
	ck_assert_int_eq(json_array_size(json_object_get(root, "processes")), 3);
	dead = tk_json_process(root, gone);
	ck_assert_msg(json_is_string(json_object_get(dead, "error")),
	    "no error for a missing process");
	maps = json_object_get(dead, "mappings");
	ck_assert_msg(maps == NULL || json_array_size(maps) == 0,
	    "a missing process has mappings");
	ck_assert_msg(json_is_null(json_object_get(dead, "totals")),
	    "a missing process has totals");
	for (int i = 0; i < 2; i++) {
		pid_t pid = i ? c.rep.pids[0] : c.pid;

		expect_fork_mapping(mapping_of(root, pid, c.rep.addr[0], NULL),
		    0);
		ck_assert(json_is_object(json_object_get(tk_json_process(root,
		    pid), "totals")));
	}
	relations(root, &c, "missing pid");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* pmstat --json --range START-END PID: exactly one mapping is expected. */
static json_t *
range_one(json_t **rootp, pid_t pid, uint64_t start, uint64_t end)
{
	char r[64], p[16];
	const char *args[] = { "--json", "--range",
	    rangearg(r, sizeof(r), start, end), pidarg(p, sizeof(p), pid), NULL };
	json_t *proc, *maps, *m, *totals;
	int status;

	*rootp = tk_pmstat_json(-1, -1, &status, args);
	ck_assert_int_eq(status, 0);
	proc = tk_json_process(*rootp, pid);
	maps = json_object_get(proc, "mappings");
	ck_assert_msg(json_array_size(maps) == 1, "--range %s: %zu mappings", r,
	    json_array_size(maps));
	m = json_array_get(maps, 0);
	ck_assert_msg(tk_json_hex(m, "start") == start &&
	    tk_json_hex(m, "end") == end, "--range %s: not clipped", r);
	totals = json_object_get(proc, "totals");
	/* Equal, unknown (null) alike. */
	for (size_t k = 0; scan_counters[k] != NULL; k++)
		ck_assert_msg(json_equal(json_object_get(totals, scan_counters[k]),
		    json_object_get(m, scan_counters[k])), "--range %s: totals %s",
		    r, scan_counters[k]);
	return m;
}

START_TEST(test_range)
{
	struct tk_child c, f;
	char path[64], hb[32];
	json_t *root, *m;
	uint64_t a;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	a = c.rep.addr[0];
	/*
	 * Pages 2 (a copy) and 3 (the file's page) of the seed mapping. The
	 * range cuts both mappings: no smaps record covers what it shows
	 * (KP_CUT), so anon and the cow counters need the scan or kpageflags.
	 */
	m = range_one(&root, c.pid, a + 2 * ps, a + 4 * ps);
	EXPECT(m, "pages", 2);
	EXPECT(m, "present", 2);
	EXPECT_K(m, "anon", 1, KP_CUT);
	EXPECT(m, "file", 1);
	EXPECT_K(m, "cow_copied", 1, KP_CUT);
	EXPECT_K(m, "zero", 0, KP_CUT);
	EXPECT_K(m, "shared", 0, KP_CUT);
	EXPECT_K(m, "cow_shared", 0, KP_CUT);
	EXPECT_K(m, "thp", 0, KP_CUT);
	EXPECT(m, "exclusive", 2);
	ck_assert_msg(tk_json_hex(m, "offset") == 2 * ps,
	    "clipped file offset %s, expected %s",
	    json_string_value(json_object_get(m, "offset")),
	    hexarg(hb, sizeof(hb), 2 * ps));
	json_decref(root);
	tk_kill(&c);

	spawn("fork", NULL, -1, &f);
	a = f.rep.addr[0];
	/* Pages 8..23: 8 copied by the child (exclusive), 8 still shared. */
	for (int i = 0; i < 2; i++) {
		pid_t pid = i ? f.rep.pids[0] : f.pid;

		m = range_one(&root, pid, a + 8 * ps, a + 24 * ps);
		EXPECT(m, "pages", 16);
		EXPECT(m, "present", 16);
		EXPECT_K(m, "anon", 16, KP_CUT);
		EXPECT(m, "exclusive", 8);
		EXPECT_K(m, "cow_shared", 8, KP_CUT);
		EXPECT_K(m, "shared", 8, KP_CUT);
		EXPECT_K(m, "zero", 0, KP_CUT);
		EXPECT_K(m, "cow_copied", 0, KP_CUT);
		EXPECT_K(m, "thp", 0, KP_CUT);
		if (kp_known("pss", KP_CUT))
			ck_assert_msg(tk_json_real(m, "pss") == 12.0, "pss %f",
			    tk_json_real(m, "pss"));
		json_decref(root);
	}
	tk_kill(&f);
}
END_TEST


static Suite *
errors_suite(void)
{
	Suite *s = suite_create("errors");

	tcase_add_test(itest_tcase(s, "missing_pid", NULL, NULL),
	    test_missing_pid);
	tcase_add_test(itest_tcase(s, "range", NULL, NULL), test_range);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "seed", layout_seed },
	{ "fork", layout_fork },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, errors_suite);
}
