/*
 * check_relations.c - one process with every common layout in it (a
 * private file copied on write, pages only read, shmem, fork-shared pages,
 * a THP region) held against smaps and against what pmstat tells without
 * privilege (as nobody) and without the kpage files (--no-kpage).
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


START_TEST(test_relations_all)
{
	struct tk_child c;
	char path[64];
	json_t *root;

	make_seed_file(path, sizeof(path));
	spawn("all", path, -1, &c);
	root = pmstat_json(-1, NULL, c.pid, c.rep.pids[0]);
	expect_seed_mapping(mapping_of(root, c.pid, c.rep.addr[AT_SEED], NULL),
	    0);
	expect_zero_mapping(mapping_of(root, c.pid, c.rep.addr[AT_ZERO], NULL),
	    0);
	expect_fork_mapping(mapping_of(root, c.pid, c.rep.addr[AT_FORK], NULL),
	    0);
	expect_fork_mapping(mapping_of(root, c.rep.pids[0], c.rep.addr[AT_FORK],
	    NULL), 0);
	relations(root, &c, "all");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

START_TEST(test_unprivileged)
{
	struct tk_child c;
	char path[64];
	json_t *root, *full, *m;
	struct tk_smaps s;
	pid_t b;

	if (!can_be_nobody("unprivileged"))
		return;
	make_seed_file(path, sizeof(path));
	spawn("all", path, NOBODY_UID, &c);
	b = c.rep.pids[0];

	root = pmstat_json(NOBODY_UID, NULL, c.pid, b);
	ck_assert_msg(json_is_false(json_object_get(root, "privileged")),
	    "pmstat as nobody claims privilege");
	expect_seed_mapping(mapping_of(root, c.pid, c.rep.addr[AT_SEED], NULL),
	    KP_NOBODY);
	expect_zero_mapping(mapping_of(root, c.pid, c.rep.addr[AT_ZERO], NULL),
	    KP_NOBODY);
	expect_fork_mapping(mapping_of(root, c.pid, c.rep.addr[AT_FORK], NULL),
	    KP_NOBODY);
	expect_fork_mapping(mapping_of(root, b, c.rep.addr[AT_FORK], NULL),
	    KP_NOBODY);
	m = mapping_of(root, c.pid, c.rep.addr[AT_SHM], NULL);
	EXPECT(m, "file", SHM_N);
	EXPECT_K(m, "anon", 0, KP_NOBODY);
	/* Whether or not the kernel gave a huge page: as smaps says. */
	m = mapping_of(root, c.pid, c.rep.addr[AT_THP], &s);
	EXPECT_K(m, "thp", s.anon_huge / pk, KP_NOBODY);

	full = pmstat_json(-1, NULL, c.pid, b);
	compare_runs(full, root, c.pid, KP_NOBODY, "nobody vs root");
	compare_runs(full, root, b, KP_NOBODY, "nobody vs root");
	relations(root, &c, "unprivileged");
	json_decref(full);
	json_decref(root);

	root = pmstat_pages(NOBODY_UID, c.pid, c.rep.addr[AT_SEED], SEED_PAGES);
	expect_seed_pages(root, c.pid, c.rep.addr[AT_SEED], KP_NOBODY);
	json_decref(root);

	/* A root process (this test) is not nobody's to read: an error entry. */
	{
		char pa[16], pr[16];
		const char *args[] = { "--json", pidarg(pr, sizeof(pr), getpid()),
		    pidarg(pa, sizeof(pa), c.pid), NULL };
		int status;

		root = tk_pmstat_json(NOBODY_UID, NOBODY_GID, &status, args);
		ck_assert_msg(status == 1, "exit status %d, expected 1", status);
		ck_assert_msg(json_is_string(json_object_get(tk_json_process(root,
		    getpid()), "error")), "no error for a root process");
		expect_seed_mapping(mapping_of(root, c.pid, c.rep.addr[AT_SEED],
		    NULL), KP_NOBODY);
		json_decref(root);
	}
	tk_kill(&c);
}
END_TEST

START_TEST(test_no_kpage)
{
	struct tk_child c;
	json_t *full, *lesser;

	spawn("fork", NULL, -1, &c);
	full = pmstat_json(-1, NULL, c.pid, c.rep.pids[0]);
	lesser = pmstat_json(-1, "--no-kpage", c.pid, c.rep.pids[0]);
	for (int i = 0; i < 2; i++) {
		pid_t pid = i ? c.rep.pids[0] : c.pid;

		expect_fork_mapping(mapping_of(lesser, pid, c.rep.addr[0], NULL),
		    KP_NOBODY);
		compare_runs(full, lesser, pid, KP_NO_KPAGE,
		    "--no-kpage vs full");
	}
	relations(lesser, &c, "--no-kpage");
	json_decref(full);
	json_decref(lesser);
	tk_kill(&c);
}
END_TEST


static Suite *
relations_suite(void)
{
	Suite *s = suite_create("relations");

	tcase_add_test(itest_tcase(s, "relations", NULL, NULL),
	    test_relations_all);
	tcase_add_test(itest_tcase(s, "unprivileged", NULL, NULL),
	    test_unprivileged);
	tcase_add_test(itest_tcase(s, "no_kpage", NULL, NULL), test_no_kpage);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "all", layout_all },
	{ "fork", layout_fork },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, relations_suite);
}
