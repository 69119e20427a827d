/*
 * check_thp.c - transparent huge pages: counted as smaps' AnonHugePages,
 * alone and shared with a fork child that split one of them.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "layouts.h"

/*
 * A THP region written, then fork(); the child writes one page of the
 * first huge page (page 5, or with arg "head" its first page), which splits
 * its PMD there (the parent keeps its own).
 */
static void
layout_thp_fork(const char *arg, struct tk_report *rep)
{
	char *m, c;
	int pp[2];
	pid_t pid;

	size_t page = arg != NULL && strcmp(arg, "head") == 0 ? 0 : 5;

	if (build_thp_at(rep, 0) != 0)
		return;
	m = (char *)(uintptr_t)rep->addr[0];
	if (pipe(pp) != 0 || (pid = tk_fork_member()) < 0) {
		tk_fail(rep, "pipe/fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		m[page * ps] = 'C';
		if (write(pp[1], "r", 1) != 1)
			_exit(1);
		tk_hold();
	}
	close(pp[1]);
	if (read(pp[0], &c, 1) != 1) {
		tk_fail(rep, "the fork child died");
		return;
	}
	close(pp[0]);
	rep->pids[rep->npids++] = pid;
	rep->ok = 1;
}

/*
 * After the counts held (thp as smaps' AnonHugePages, 0 if no huge page):
 * the test is skipped if it could not see a THP counted, because the kernel
 * gave none (anon_huge kB) or pmstat cannot know thp here.
 */
static void
skip_unless_thp(long anon_huge, const char *what)
{
	if (anon_huge <= 0)
		check_skip("%s: the kernel gave no huge page to the MADV_HUGEPAGE "
		    "region (AnonHugePages 0 kB; probe: %s)", what,
		    kp_get()->thp.why);
	else if (!kp_known("thp", 0))
		check_skip("%s: pmstat cannot know thp here (%s)", what,
		    kp_get()->pagemap_scan.why);
}

START_TEST(test_thp)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;
	int64_t thp;

	spawn("thp", NULL, -1, &c);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", THP_BYTES / ps);
	EXPECT(m, "present", THP_BYTES / ps);
	EXPECT_K(m, "anon", THP_BYTES / ps, 0);
	EXPECT_K(m, "zero", 0, 0);
	EXPECT(m, "exclusive", THP_BYTES / ps);
	EXPECT_K(m, "thp", s.anon_huge / pk, 0);
	if (kp_known("thp", 0)) {
		thp = tk_json_int(m, "thp");
		ck_assert_msg(thp % (int64_t)(THP_ALIGN / ps) == 0,
		    "thp %" PRId64 " is not whole huge pages", thp);
	}
	relations(root, &c, "thp");
	json_decref(root);
	tk_kill(&c);
	skip_unless_thp(s.anon_huge, "thp");
}
END_TEST

/*
 * A huge page shared with a fork child that wrote into it: the child's PMD
 * is split, the parent's is not; the folio is mapped shared in both. thp and
 * pss (kpagecount of a large folio is its average map count) still agree
 * with smaps in each process.
 */
START_TEST(test_thp_fork)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;
	pid_t pids[2];
	long parent_huge = 0;

	spawn("thp_fork", NULL, -1, &c);
	pids[0] = c.pid;
	pids[1] = c.rep.pids[0];
	root = pmstat_json(-1, NULL, pids[0], pids[1]);
	for (int i = 0; i < 2; i++) {
		m = mapping_of(root, pids[i], c.rep.addr[0], &s);
		EXPECT(m, "present", THP_BYTES / ps);
		EXPECT_K(m, "anon", THP_BYTES / ps, 0);
		if (i == 1) {
			/* The child's own copy of the page it wrote. */
			EXPECT(m, "exclusive", 1);
			EXPECT_K(m, "cow_shared", THP_BYTES / ps - 1, 0);
		} else if (s.anon_huge > 0) {
			/*
			 * The parent's copy of that page is mapped once, the
			 * rest of its huge page twice: counted page by page
			 * whatever bit 56 of the PMD says.
			 */
			EXPECT(m, "exclusive", 1);
			EXPECT_K(m, "cow_shared", THP_BYTES / ps - 1, 0);
		}
		EXPECT_K(m, "thp", s.anon_huge / pk, 0);
		if (i == 0)
			parent_huge = s.anon_huge;
	}
	relations(root, &c, "thp_fork");
	json_decref(root);
	tk_kill(&c);
	skip_unless_thp(parent_huge, "thp_fork");
}
END_TEST


/*
 * The case pagemap gets wrong (seen on 6.1 and 6.18): the child rewrote the
 * head of a huge page the parent still maps whole, so the parent's PMD
 * carries the exclusive bit of its head on all 512 pages though 511 are
 * mapped twice. pmstat must count them as smaps does, with kpagecount when
 * privileged and with smaps as the owner: exclusive 1, shared 511, and pss
 * 256.5 where it is known.
 */
static void
expect_head_rewritten(json_t *root, const struct tk_child *c, bool whole)
{
	bool priv = json_is_true(json_object_get(root, "privileged"));
	int64_t n = (int64_t)(THP_BYTES / ps);
	struct tk_smaps s;
	json_t *m = mapping_of(root, c->pid, c->rep.addr[0], &s);

	if (s.anon_huge == 0)
		return;
	EXPECT(m, "present", n);
	EXPECT(m, "exclusive", 1);
	EXPECT(m, "shared", n - 1);
	EXPECT(m, "cow_shared", n - 1);
	if (priv)
		ck_assert_msg(fabs(tk_json_real(m, "pss") - (1 + (n - 1) / 2.0))
		    < 1e-6, "thp_fork_head parent: pss %.4f",
		    tk_json_real(m, "pss"));
	if (whole)
		relations(root, c, priv ? "thp_fork_head" :
		    "thp_fork_head nobody");
}

START_TEST(test_thp_fork_head)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root;
	long huge;

	spawn("thp_fork", "head", -1, &c);
	root = pmstat_json(-1, NULL, c.pid, c.rep.pids[0]);
	expect_head_rewritten(root, &c, true);
	json_decref(root);
	/*
	 * Without the scan's huge bit: PMD-mapped pages told by their PFNs.
	 * Over the mapping only: a run without the scan reads every page, and
	 * under ASan a child reserves terabytes of shadow memory.
	 */
	root = pmstat_json_range(-1, "--no-scan", c.pid, c.rep.addr[0],
	    THP_BYTES / ps);
	expect_head_rewritten(root, &c, false);
	json_decref(root);
	ck_assert_int_eq(tk_smaps_one(c.pid, c.rep.addr[0], &s), 0);
	huge = s.anon_huge;
	tk_kill(&c);
	if (can_be_nobody("thp_fork_head")) {
		spawn("thp_fork", "head", NOBODY_UID, &c);
		root = pmstat_json(NOBODY_UID, NULL, c.pid, c.rep.pids[0]);
		expect_head_rewritten(root, &c, true);
		json_decref(root);
		root = pmstat_json_range(NOBODY_UID, "--no-scan", c.pid,
		    c.rep.addr[0], THP_BYTES / ps);
		expect_head_rewritten(root, &c, false);
		json_decref(root);
		tk_kill(&c);
	}
	skip_unless_thp(huge, "thp_fork_head");
}
END_TEST

/*
 * A THP region larger than pmstat's batch (128 MiB), so that it is read
 * mapping by mapping and, past its first PMD, a word per huge page: 256 MiB
 * written, then fork(); the child rewrites the head of huge page 100 and
 * page 5 of huge page 101, past the first batch.
 */
#define BIG_THP_BYTES	(256UL << 20)
#define BIG_THP_N	(BIG_THP_BYTES / ps)

static void
layout_thp_big(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(BIG_THP_BYTES / ps, THP_ALIGN), c;
	int pp[2];
	pid_t pid;

	(void)arg;
	if (m == NULL || mprotect(m, BIG_THP_BYTES, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "thp_big layout: %s", strerror(errno));
		return;
	}
	if (madvise(m, BIG_THP_BYTES, MADV_HUGEPAGE) != 0) {
		tk_fail(rep, "MADV_HUGEPAGE: %s", strerror(errno));
		return;
	}
	for (size_t off = 0; off < BIG_THP_BYTES; off += ps)
		m[off] = 'T';
	rep->addr[0] = (uintptr_t)m;
	if (pipe(pp) != 0 || (pid = tk_fork_member()) < 0) {
		tk_fail(rep, "pipe/fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		m[100 * THP_ALIGN] = 'C';
		m[101 * THP_ALIGN + 5 * ps] = 'C';
		if (write(pp[1], "r", 1) != 1)
			_exit(1);
		tk_hold();
	}
	close(pp[1]);
	if (read(pp[0], &c, 1) != 1) {
		tk_fail(rep, "the fork child died");
		return;
	}
	close(pp[0]);
	rep->pids[rep->npids++] = pid;
	rep->ok = 1;
}

/*
 * The parent maps every huge page whole; two of its pages are its own, the
 * rest shared with the child, whatever bit 56 of the PMD with the
 * rewritten head says. The same as --full-join, page by page, and as smaps.
 */
START_TEST(test_thp_big)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;
	int64_t n = (int64_t)BIG_THP_N;

	spawn("thp_big", NULL, -1, &c);
	root = pmstat_json(-1, NULL, c.pid, c.rep.pids[0]);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "present", n);
	EXPECT_K(m, "thp", s.anon_huge / pk, 0);
	if (s.anon_huge == (long)(BIG_THP_BYTES / 1024)) {
		EXPECT(m, "exclusive", 2);
		EXPECT(m, "shared", n - 2);
		EXPECT_K(m, "cow_shared", n - 2, 0);
		if (json_is_true(json_object_get(root, "privileged")))
			ck_assert_msg(fabs(tk_json_real(m, "pss") -
			    (2 + (n - 2) / 2.0)) < 1e-6, "thp_big parent: pss %.4f",
			    tk_json_real(m, "pss"));
	}
	relations(root, &c, "thp_big");
	json_decref(root);
	tk_kill(&c);
	skip_unless_thp(s.anon_huge, "thp_big");
}
END_TEST

static Suite *
thp_suite(void)
{
	Suite *s = suite_create("thp");

	tcase_add_test(itest_tcase(s, "thp", NULL, NULL), test_thp);
	tcase_add_test(itest_tcase(s, "thp_fork", NULL, NULL), test_thp_fork);
	tcase_add_test(itest_tcase(s, "thp_big", NULL, NULL), test_thp_big);
	tcase_add_test(itest_tcase(s, "thp_fork_head", NULL, NULL),
	    test_thp_fork_head);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "thp", layout_thp },
	{ "thp_fork", layout_thp_fork },
	{ "thp_big", layout_thp_big },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, thp_suite);
}
