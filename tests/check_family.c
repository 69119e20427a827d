/*
 * check_family.c - a family of four processes counted as one (--tree,
 * --family), per process (--by process), per path and per user, and the
 * order --sort gives its rows: pmstat against a layout child, its three
 * fork children and /proc/PID/smaps.
 *
 * The layout: the parent writes FAM_N private anonymous pages, then forks
 * three children that write the first FAM_K1, FAM_K2 and none of them.
 * Page i of the parent's frames is then mapped by the parent, the third
 * child, the first child if i >= FAM_K1 and the second if i >= FAM_K2; each
 * writer maps a copy of its own for the pages it wrote. So:
 *   the family's distinct frames: N + K1 + K2, all anonymous;
 *   mapped twice or more (cow_shared): the N frames of the parent;
 *   cow_exposure, the copies the family would still make if every member
 *   wrote every shared page: sum of (mappings - 1) = 3N - K1 - K2;
 *   per member: exclusive (pagemap bit 56, mapped once) is what it wrote,
 *   K1, K2, 0, and 0 for the parent, whose every frame the third child
 *   maps too; cow_shared is the rest, N - exclusive.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"

#define FAM_N		64
#define FAM_K1		16
#define FAM_K2		8
#define FAM_MEMBERS	4

/* The members: the layout child (the parent) and its three children. */
enum { M_PARENT, M_C1, M_C2, M_C3 };

/* Pages each member wrote after the fork. */
static const size_t fam_own[FAM_MEMBERS] = { 0, FAM_K1, FAM_K2, 0 };

/* ---- the layout ---------------------------------------------------- */

static void
layout_family(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(FAM_N, 0), c;
	int pp[2];

	(void)arg;
	if (m == NULL || mprotect(m, FAM_N * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "family layout: %s", strerror(errno));
		return;
	}
	/*
	 * Small pages only: in a large folio kpagecount is the folio's average
	 * and a write may copy more than a page. EINVAL: no THP built in.
	 */
	if (madvise(m, FAM_N * ps, MADV_NOHUGEPAGE) != 0 && errno != EINVAL) {
		tk_fail(rep, "MADV_NOHUGEPAGE: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < FAM_N; i++)
		memset(m + i * ps, 'P', 64);
	if (pipe(pp) != 0) {
		tk_fail(rep, "pipe: %s", strerror(errno));
		return;
	}
	for (int k = M_C1; k <= M_C3; k++) {
		pid_t pid = tk_fork_member();

		if (pid < 0) {
			tk_fail(rep, "fork: %s", strerror(errno));
			return;
		}
		if (pid == 0) {
			close(pp[0]);
			for (size_t i = 0; i < fam_own[k]; i++)
				m[i * ps] = 'C';
			if (write(pp[1], "r", 1) != 1)
				_exit(1);
			tk_hold();
		}
		rep->pids[rep->npids++] = pid;
	}
	close(pp[1]);
	/* The parent touches its pages no more: each would be copied. */
	for (int k = M_C1; k <= M_C3; k++)
		if (read(pp[0], &c, 1) != 1) {
			tk_fail(rep, "a family child died before it was ready");
			return;
		}
	close(pp[0]);
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/* ---- expectations -------------------------------------------------- */

struct fam {
	struct tk_child	c;
	pid_t		pid[FAM_MEMBERS];
	uid_t		owner;
	uint64_t	start, end;
	char		range[64], root[16];
};

static bool
family_spawn(int uid, struct fam *f)
{
	if (!spawn("family", NULL, uid, &f->c))
		return false;
	ck_assert_int_eq(f->c.rep.npids, 3);
	f->pid[M_PARENT] = f->c.pid;
	for (int k = M_C1; k <= M_C3; k++)
		f->pid[k] = f->c.rep.pids[k - 1];
	f->owner = uid >= 0 ? (uid_t)uid : geteuid();
	f->start = f->c.rep.addr[0];
	f->end = f->start + FAM_N * ps;
	rangearg(f->range, sizeof(f->range), f->start, f->end);
	pidarg(f->root, sizeof(f->root), f->pid[M_PARENT]);
	return true;
}

/* How many members map the parent's frame of page i. */
static int
frame_maps(size_t i)
{
	int n = 0;

	for (int k = 0; k < FAM_MEMBERS; k++)
		n += i >= fam_own[k];
	return n;
}

/* Member k's PSS in pages: its own copies, and its share of the rest. */
static double
expected_pss(int k)
{
	double pss = (double)fam_own[k];

	for (size_t i = fam_own[k]; i < FAM_N; i++)
		pss += 1.0 / frame_maps(i);
	return pss;
}

static int
member_of(const struct fam *f, pid_t pid)
{
	for (int k = 0; k < FAM_MEMBERS; k++)
		if (f->pid[k] == pid)
			return k;
	return -1;
}

/*
 * pmstat OPTS --tree PARENT --range (the family's pages) as uid, with
 * format (--json, --csv, or NULL for the table); its exit status must be
 * 0. Returns its stdout.
 */
static char *
family_run(const struct fam *f, int uid, const char *format,
    const char *const *opts, char *cmd, size_t cmdlen)
{
	const char *args[24];
	size_t n = 0;
	char *out = NULL;
	int status;

	for (; *opts != NULL && n < 16; opts++)
		args[n++] = *opts;
	if (format != NULL)
		args[n++] = format;
	args[n++] = "--tree";
	args[n++] = f->root;
	args[n++] = "--range";
	args[n++] = f->range;
	args[n] = NULL;
	describe(cmd, cmdlen, args);
	status = tk_run_pmstat(uid, uid >= 0 ? NOBODY_GID : -1, &out, args);
	ck_assert_msg(status == 0 && out != NULL, "%s (uid %d): exit %d", cmd,
	    uid, status);
	return out;
}

static json_t *
family_json(const struct fam *f, int uid, const char *const *opts,
    char *cmd, size_t cmdlen)
{
	char *out = family_run(f, uid, "--json", opts, cmd, cmdlen);
	json_error_t jerr;
	json_t *root = json_loads(out, 0, &jerr);

	ck_assert_msg(root != NULL, "%s: not JSON: %s (line %d)", cmd, jerr.text,
	    jerr.line);
	free(out);
	return root;
}

/* o's keys are exactly those of keys (NULL-terminated), in any order. */
static void
expect_keys(json_t *o, const char *const *keys, const char *what)
{
	size_t n = 0;

	ck_assert_msg(json_is_object(o), "%s: not an object", what);
	for (; keys[n] != NULL; n++)
		ck_assert_msg(json_object_get(o, keys[n]) != NULL,
		    "%s: no \"%s\"", what, keys[n]);
	ck_assert_msg(json_object_size(o) == n, "%s: %zu keys, expected %zu",
	    what, json_object_size(o), n);
}

/*
 * A PSS of pmstat's (pages) against smaps' Pss (kB) of the same mapping,
 * as tk_check_relations() compares them: smaps drops the fraction of a kB.
 */
static void
expect_smaps_pss(double pss, pid_t pid, uint64_t start, const char *what)
{
	struct tk_smaps s;
	long kb = (long)floor(pss * (double)pk);

	ck_assert_msg(tk_smaps_one(pid, start, &s) == 0,
	    "%s: no smaps record at 0x%" PRIx64, what, start);
	ck_assert_msg(labs(kb - s.pss) <= 1, "%s: pss %.4f pages (%ld kB), "
	    "smaps Pss %ld kB", what, pss, kb, s.pss);
}

/*
 * Member k's totals over the family's pages, pmstat run as how. pss: its
 * exact value where pmstat reads kpagecount; where it must come from smaps
 * (whole kB), that of smaps. need_pss: a null pss fails.
 */
static void
expect_member(const struct fam *f, json_t *proc, int k, unsigned how,
    bool need_pss)
{
	static const char *const keys[] = { "pid", "ppid", "uid", "user",
	    "comm", "cmdline", "error", "totals", NULL };
	json_t *t = json_object_get(proc, "totals");
	int64_t own = (int64_t)fam_own[k];
	char what[64];

	snprintf(what, sizeof(what), "member %d (pid %d)", k, (int)f->pid[k]);
	expect_keys(proc, keys, what);
	ck_assert_msg(json_is_null(json_object_get(proc, "error")),
	    "%s: error %s", what, json_string_value(json_object_get(proc,
	    "error")));
	if (k != M_PARENT)
		ck_assert_msg(tk_json_int(proc, "ppid") == f->pid[M_PARENT],
		    "%s: ppid %" PRId64 ", expected %d", what,
		    tk_json_int(proc, "ppid"), (int)f->pid[M_PARENT]);
	EXPECT(proc, "uid", f->owner);
	ck_assert_msg(json_is_object(t), "%s: totals not an object", what);
	EXPECT(t, "pages", FAM_N);
	EXPECT(t, "present", FAM_N);
	EXPECT(t, "file", 0);
	EXPECT(t, "swapped", 0);
	EXPECT_K(t, "anon", FAM_N, how);
	EXPECT_K(t, "zero", 0, how);
	EXPECT(t, "exclusive", own);
	EXPECT_K(t, "shared", FAM_N - own, how);
	EXPECT_K(t, "cow_shared", FAM_N - own, how);
	EXPECT_K(t, "cow_copied", 0, how);
	if (json_is_null(json_object_get(t, "pss"))) {
		ck_assert_msg(!need_pss, "%s: pss is null, run as %s: PSS from "
		    "smaps for the mapping's owner (issue 8) is missing", what,
		    (how & KP_NOBODY) ? "the owner without root" : "root");
		return;
	}
	/* From kpagecount exactly; from smaps (without it) as smaps says. */
	if (kp_page_known("kpagecount", how))
		ck_assert_msg(fabs(tk_json_real(t, "pss") - expected_pss(k)) < 1e-6,
		    "%s: pss %f, expected %f", what, tk_json_real(t, "pss"),
		    expected_pss(k));
	expect_smaps_pss(tk_json_real(t, "pss"), f->pid[k], f->start, what);
}

/* Every member once in "processes", none else, none with mappings. */
static void
expect_members(const struct fam *f, json_t *root, unsigned how,
    bool need_pss)
{
	json_t *procs = json_object_get(root, "processes"), *p;
	bool seen[FAM_MEMBERS] = { false };
	size_t i;

	ck_assert_msg(json_is_array(procs), "no \"processes\" array");
	ck_assert_msg(json_array_size(procs) == FAM_MEMBERS,
	    "%zu processes, expected %d", json_array_size(procs), FAM_MEMBERS);
	json_array_foreach(procs, i, p) {
		int k = member_of(f, (pid_t)tk_json_int(p, "pid"));

		ck_assert_msg(k >= 0, "pid %" PRId64 " is no member",
		    tk_json_int(p, "pid"));
		ck_assert_msg(!seen[k], "pid %d twice", (int)f->pid[k]);
		seen[k] = true;
		ck_assert_msg(json_object_get(p, "mappings") == NULL,
		    "pid %d: \"mappings\" in --by process", (int)f->pid[k]);
		expect_member(f, p, k, how, need_pss);
	}
}

/*
 * The sums over the family's rows (top-level totals, a --by path or user
 * row): every counter the sum of the members'.
 */
static void
expect_sums(json_t *t, unsigned how, const char *what)
{
	ck_assert_msg(json_is_object(t), "%s: totals not an object", what);
	EXPECT(t, "pages", FAM_MEMBERS * FAM_N);
	EXPECT(t, "present", FAM_MEMBERS * FAM_N);
	EXPECT_K(t, "anon", FAM_MEMBERS * FAM_N, how);
	EXPECT(t, "exclusive", FAM_K1 + FAM_K2);
	EXPECT_K(t, "cow_shared", FAM_MEMBERS * FAM_N - FAM_K1 - FAM_K2, how);
	/* The family's frames are its own: their PSS adds up to their number. */
	if (kp_known("pss", how))
		ck_assert_msg(fabs(tk_json_real(t, "pss") -
		    (FAM_N + FAM_K1 + FAM_K2)) < 1e-6, "%s: pss %f, expected %d",
		    what, tk_json_real(t, "pss"), FAM_N + FAM_K1 + FAM_K2);
}

/*
 * The family object. exact: whether it must be (else it must not be, with
 * its four counts null).
 */
static void
expect_family(const struct fam *f, json_t *root, bool exact, unsigned how)
{
	static const char *const keys[] = { "root", "members", "exact",
	    "present", "anon", "cow_shared", "cow_exposure", "pss", NULL };
	json_t *fam = json_object_get(root, "family");

	ck_assert_msg(fam != NULL, "no \"family\" key");
	expect_keys(fam, keys, "family");
	EXPECT(fam, "root", f->pid[M_PARENT]);
	EXPECT(fam, "members", FAM_MEMBERS);
	ck_assert_msg(tk_json_bool(fam, "exact") == exact,
	    "family: exact is %d, expected %d", tk_json_bool(fam, "exact"), exact);
	if (exact) {
		EXPECT(fam, "present", FAM_N + FAM_K1 + FAM_K2);
		EXPECT(fam, "anon", FAM_N + FAM_K1 + FAM_K2);
		EXPECT(fam, "cow_shared", FAM_N);
		EXPECT(fam, "cow_exposure", 3 * FAM_N - FAM_K1 - FAM_K2);
	} else {
		EXPECT_NULL(fam, "present");
		EXPECT_NULL(fam, "anon");
		EXPECT_NULL(fam, "cow_shared");
		EXPECT_NULL(fam, "cow_exposure");
	}
	/*
	 * Exactly from kpagecount; from smaps, each member's Pss lost its
	 * fraction of a kB: at most a kB each below.
	 */
	if (kp_page_known("kpagecount", how))
		ck_assert_msg(fabs(tk_json_real(fam, "pss") -
		    (FAM_N + FAM_K1 + FAM_K2)) < 1e-6, "family: pss %f, expected %d",
		    tk_json_real(fam, "pss"), FAM_N + FAM_K1 + FAM_K2);
	else if (kp_known("pss", how))
		ck_assert_msg(tk_json_real(fam, "pss") <= FAM_N + FAM_K1 + FAM_K2 &&
		    tk_json_real(fam, "pss") * (double)pk >=
		    (FAM_N + FAM_K1 + FAM_K2) * (double)pk - FAM_MEMBERS,
		    "family: pss %f, expected %d less at most a kB a member",
		    tk_json_real(fam, "pss"), FAM_N + FAM_K1 + FAM_K2);
}

/* The family's pss is the sum of its members' (both known or both null). */
static void
expect_family_pss_sum(json_t *root)
{
	json_t *procs = json_object_get(root, "processes"), *p;
	json_t *fam = json_object_get(root, "family");
	bool known = !json_is_null(json_object_get(fam, "pss"));
	double sum = 0;
	size_t i;

	json_array_foreach(procs, i, p) {
		json_t *t = json_object_get(p, "totals");

		ck_assert_msg(known == !json_is_null(json_object_get(t, "pss")),
		    "family pss %s, member %" PRId64 "'s %s", known ? "known" :
		    "null", tk_json_int(p, "pid"), known ? "null" : "known");
		if (known)
			sum += tk_json_real(t, "pss");
	}
	if (known)
		ck_assert_msg(fabs(sum - tk_json_real(fam, "pss")) < 1e-3,
		    "family pss %f, members sum to %f", tk_json_real(fam, "pss"),
		    sum);
}

static bool
need_root(const char *test)
{
	if (am_root())
		return true;
	check_skip("%s: needs root (page frame numbers)", test);
	return false;
}

/* ---- tests --------------------------------------------------------- */

START_TEST(test_family_exact)
{
	static const char *const top[] = { "schema", "version", "page_size",
	    "privileged", "sources", "processes", "totals", "family", NULL };
	struct fam f;
	char cmd[512];
	json_t *root;

	if (!need_root("family_exact") || !family_spawn(-1, &f))
		return;
	root = family_json(&f, -1, OPTS("--by", "process"), cmd, sizeof(cmd));
	expect_keys(root, top, "top level");
	expect_members(&f, root, 0, true);
	expect_sums(json_object_get(root, "totals"), 0, "totals");
	expect_family(&f, root, true, 0);
	expect_family_pss_sum(root);
	json_decref(root);

	/* --by process is the default of a selection; --family changes nothing. */
	root = family_json(&f, -1, OPTS("--family"), cmd, sizeof(cmd));
	expect_members(&f, root, 0, true);
	expect_family(&f, root, true, 0);
	json_decref(root);
	tk_kill(&f.c);
}
END_TEST

/* The table's family line, in pages. */
START_TEST(test_family_table)
{
	struct fam f;
	char cmd[512], want[256], pss[64], *out;

	if (!need_root("family_table") || !family_spawn(-1, &f))
		return;
	out = family_run(&f, -1, NULL, OPTS("-U", "pages"), cmd, sizeof(cmd));
	snprintf(want, sizeof(want), "\nfamily of %d: %d members, each page "
	    "once: present %d, anon %d, cow_shared %d, cow_exposure %d; "
	    "pss %d.00\n", (int)f.pid[M_PARENT], FAM_MEMBERS,
	    FAM_N + FAM_K1 + FAM_K2, FAM_N + FAM_K1 + FAM_K2, FAM_N,
	    3 * FAM_N - FAM_K1 - FAM_K2, FAM_N + FAM_K1 + FAM_K2);
	ck_assert_msg(strstr(out, want) != NULL, "%s: no line\n%s\nin\n%s", cmd,
	    want + 1, out);
	ck_assert_msg(strstr(out, "\ntotal ") != NULL, "%s: no total row in\n%s",
	    cmd, out);
	free(out);

	/*
	 * Columns without pss: the family's pss is still the members' (or
	 * unknown, "-"), not some other sum.
	 */
	out = family_run(&f, -1, NULL, OPTS("-U", "pages", "-o", "present"), cmd,
	    sizeof(cmd));
	*strrchr(want, ';') = '\0';
	ck_assert_msg(strstr(out, want + 1) != NULL, "%s: no line\n%s\nin\n%s",
	    cmd, want + 1, out);
	snprintf(pss, sizeof(pss), "; pss %d.00\n", FAM_N + FAM_K1 + FAM_K2);
	ck_assert_msg(strstr(out, pss) != NULL || strstr(out, "; pss -\n") != NULL,
	    "%s: the family's pss is neither %d.00 nor -:\n%s", cmd,
	    FAM_N + FAM_K1 + FAM_K2, out);
	free(out);
	tk_kill(&f.c);
}
END_TEST

/*
 * Without PAGEMAP_SCAN the kpage files tell the zero page: as exact. Without
 * the kpage files pagemap still shows root the PFNs, and PAGEMAP_SCAN the
 * zero page: exact, pss unknown. Without either, nothing tells a frame from
 * the zero page but its PFN: whatever pmstat says, exact or not, must hold.
 */
START_TEST(test_family_sources)
{
	struct fam f;
	char cmd[512];
	json_t *root, *fam;
	bool exact;

	if (!need_root("family_sources") || !family_spawn(-1, &f))
		return;
	root = family_json(&f, -1, OPTS("--no-scan"), cmd, sizeof(cmd));
	expect_members(&f, root, KP_NO_SCAN, true);
	expect_family(&f, root, true, KP_NO_SCAN);
	expect_family_pss_sum(root);
	json_decref(root);

	root = family_json(&f, -1, OPTS("--no-kpage"), cmd, sizeof(cmd));
	expect_members(&f, root, KP_NO_KPAGE, false);
	expect_family(&f, root, kp_page_known("zero_page", KP_NO_KPAGE),
	    KP_NO_KPAGE);
	expect_family_pss_sum(root);
	json_decref(root);

	root = family_json(&f, -1, OPTS("--no-kpage", "--no-scan"), cmd,
	    sizeof(cmd));
	expect_members(&f, root, KP_NO_KPAGE | KP_NO_SCAN, false);
	fam = json_object_get(root, "family");
	ck_assert_msg(json_is_object(fam), "%s: no family object", cmd);
	exact = tk_json_bool(fam, "exact");
	fprintf(stderr, "# %s: family exact %s\n", cmd, exact ? "true" : "false");
	expect_family(&f, root, exact, KP_NO_KPAGE | KP_NO_SCAN);
	json_decref(root);
	tk_kill(&f.c);
}
END_TEST

START_TEST(test_family_by_path_user)
{
	static const char *const top_path[] = { "schema", "version",
	    "page_size", "privileged", "sources", "paths", "totals", "family",
	    NULL };
	static const char *const top_user[] = { "schema", "version",
	    "page_size", "privileged", "sources", "users", "totals", "family",
	    NULL };
	static const char *const path_keys[] = { "path", "processes",
	    "mappings", "totals", NULL };
	static const char *const user_keys[] = { "uid", "user", "processes",
	    "totals", NULL };
	struct fam f;
	char cmd[512];
	json_t *root, *rows, *row;

	if (!need_root("family_by_path_user") || !family_spawn(-1, &f))
		return;
	root = family_json(&f, -1, OPTS("--by", "path"), cmd, sizeof(cmd));
	expect_keys(root, top_path, cmd);
	rows = json_object_get(root, "paths");
	ck_assert_msg(json_array_size(rows) == 1, "%s: %zu paths, expected 1",
	    cmd, json_array_size(rows));
	row = json_array_get(rows, 0);
	expect_keys(row, path_keys, "paths[0]");
	ck_assert_str_eq(json_string_value(json_object_get(row, "path")),
	    "[anon]");
	EXPECT(row, "processes", FAM_MEMBERS);
	EXPECT(row, "mappings", FAM_MEMBERS);
	expect_sums(json_object_get(row, "totals"), 0, "paths[0]");
	expect_sums(json_object_get(root, "totals"), 0, "totals");
	expect_family(&f, root, true, 0);
	json_decref(root);

	root = family_json(&f, -1, OPTS("--by", "user"), cmd, sizeof(cmd));
	expect_keys(root, top_user, cmd);
	rows = json_object_get(root, "users");
	ck_assert_msg(json_array_size(rows) == 1, "%s: %zu users, expected 1",
	    cmd, json_array_size(rows));
	row = json_array_get(rows, 0);
	expect_keys(row, user_keys, "users[0]");
	EXPECT(row, "uid", 0);
	ck_assert_str_eq(json_string_value(json_object_get(row, "user")), "root");
	EXPECT(row, "processes", FAM_MEMBERS);
	expect_sums(json_object_get(row, "totals"), 0, "users[0]");
	expect_sums(json_object_get(root, "totals"), 0, "totals");
	expect_family(&f, root, true, 0);
	json_decref(root);
	tk_kill(&f.c);
}
END_TEST

/*
 * The owner without root: pagemap shows no PFNs, so the family cannot be
 * counted by frame: exact false, the four counts null. Its members' PSS the
 * owner may read from smaps, a whole mapping at a time.
 */
START_TEST(test_family_unprivileged)
{
	struct fam f;
	char cmd[512];
	json_t *root;
	int uid = -1;

	if (am_root()) {
		if (!can_be_nobody("family_unprivileged"))
			return;
		uid = NOBODY_UID;
	}
	if (!family_spawn(uid, &f))
		return;
	root = family_json(&f, uid, OPTS("--by", "process"), cmd, sizeof(cmd));
	ck_assert_msg(!tk_json_bool(root, "privileged"), "%s: privileged", cmd);
	expect_family(&f, root, false, KP_NOBODY);
	expect_members(&f, root, KP_NOBODY, false);
	expect_members(&f, root, KP_NOBODY, true);
	ck_assert_msg(!tk_json_is_null(json_object_get(root, "family"), "pss"),
	    "%s: family pss is null: PSS from smaps (issue 8) is missing", cmd);
	expect_family_pss_sum(root);
	json_decref(root);
	tk_kill(&f.c);
}
END_TEST

/* The pids, in row order, of --by process rows in CSV. */
static void
csv_order(const struct fam *f, const char *const *opts, pid_t *csv_pids)
{
	static const char header[] = "pid,ppid,uid,user,comm,cmdline,";
	char cmd[512], *out, *line, *save = NULL;
	size_t n = 0;

	out = family_run(f, -1, "--csv", opts, cmd, sizeof(cmd));
	ck_assert_msg(strncmp(out, header, sizeof(header) - 1) == 0,
	    "%s: header is not %s...:\n%s", cmd, header, out);
	for (line = strtok_r(strchr(out, '\n'), "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(n < FAM_MEMBERS, "%s: more than %d rows:\n%s", cmd,
		    FAM_MEMBERS, out);
		csv_pids[n++] = (pid_t)atoi(line);
	}
	ck_assert_msg(n == FAM_MEMBERS, "%s: %zu rows", cmd, n);
	free(out);
}

/* The pids, in row order, of --by process rows in JSON and in CSV. */
static void
rows_order(const struct fam *f, const char *const *opts, pid_t *json_pids,
    pid_t *csv_pids)
{
	char cmd[512];
	json_t *root, *procs, *p;
	size_t i;

	root = family_json(f, -1, opts, cmd, sizeof(cmd));
	procs = json_object_get(root, "processes");
	ck_assert_msg(json_array_size(procs) == FAM_MEMBERS, "%s: %zu rows", cmd,
	    json_array_size(procs));
	json_array_foreach(procs, i, p)
		json_pids[i] = (pid_t)tk_json_int(p, "pid");
	json_decref(root);
	csv_order(f, opts, csv_pids);
}

static void
expect_order(const struct fam *f, const char *const *opts,
    const int *want)
{
	pid_t jp[FAM_MEMBERS], cp[FAM_MEMBERS];
	char cmd[256], got[128] = "", exp[128] = "";

	rows_order(f, opts, jp, cp);
	describe(cmd, sizeof(cmd), opts);
	for (int i = 0; i < FAM_MEMBERS; i++) {
		char w[16];

		snprintf(w, sizeof(w), " %d", (int)f->pid[want[i]]);
		strlcat(exp, w, sizeof(exp));
		snprintf(w, sizeof(w), " %d", (int)jp[i]);
		strlcat(got, w, sizeof(got));
	}
	for (int i = 0; i < FAM_MEMBERS; i++) {
		ck_assert_msg(jp[i] == f->pid[want[i]], "%s --json: order%s, "
		    "expected%s", cmd, got, exp);
		ck_assert_msg(cp[i] == f->pid[want[i]], "%s --csv: row %d is "
		    "pid %d, expected%s", cmd, i, (int)cp[i], exp);
	}
}

/*
 * The order of --by process rows. The children were forked after the
 * parent, so their PIDs are larger unless PIDs wrapped between: the ties
 * are ordered by PID, which the expectations take from the PIDs themselves.
 */
START_TEST(test_sort)
{
	struct fam f;
	int by_pid[FAM_MEMBERS], want[FAM_MEMBERS];
	pid_t cp[FAM_MEMBERS];

	if (!family_spawn(-1, &f))
		return;
	for (int k = 0; k < FAM_MEMBERS; k++)
		by_pid[k] = k;
	for (int i = 1; i < FAM_MEMBERS; i++)	/* insertion sort by PID */
		for (int j = i; j > 0 && f.pid[by_pid[j]] < f.pid[by_pid[j - 1]];
		    j--) {
			int t = by_pid[j];

			by_pid[j] = by_pid[j - 1];
			by_pid[j - 1] = t;
		}
	expect_order(&f, OPTS("--by", "process", "--sort", "+pid"), by_pid);

	/* Exclusive: K1, K2, then the parent and the third child, 0 each. */
	want[0] = M_C1;
	want[1] = M_C2;
	want[2] = f.pid[M_PARENT] < f.pid[M_C3] ? M_PARENT : M_C3;
	want[3] = want[2] == M_PARENT ? M_C3 : M_PARENT;
	expect_order(&f, OPTS("--by", "process", "--sort", "-exclusive,pid"),
	    want);
	/* PSS: the first child's, the second's, then the parent's and the
	 * third child's, equal (the same frames). The default order too. */
	expect_order(&f, OPTS("--by", "process", "--sort=-pss"), want);
	expect_order(&f, OPTS("--by", "process"), want);

	/* The order by pss must not depend on whether pss is a column. */
	csv_order(&f, OPTS("--sort=-pss", "-o", "present"), cp);
	for (int i = 0; i < FAM_MEMBERS; i++)
		ck_assert_msg(cp[i] == f.pid[want[i]], "--csv --sort=-pss -o "
		    "present: row %d is pid %d, expected %d (as with pss shown)",
		    i, (int)cp[i], (int)f.pid[want[i]]);
	tk_kill(&f.c);
}
END_TEST

static Suite *
family_suite(void)
{
	Suite *s = suite_create("family");

	tcase_add_test(itest_tcase(s, "family_exact", NULL, NULL),
	    test_family_exact);
	tcase_add_test(itest_tcase(s, "family_table", NULL, NULL),
	    test_family_table);
	tcase_add_test(itest_tcase(s, "family_sources", NULL, NULL),
	    test_family_sources);
	tcase_add_test(itest_tcase(s, "family_by_path_user", NULL, NULL),
	    test_family_by_path_user);
	tcase_add_test(itest_tcase(s, "family_unprivileged", NULL, NULL),
	    test_family_unprivileged);
	tcase_add_test(itest_tcase(s, "sort", NULL, NULL), test_sort);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "family", layout_family },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, family_suite);
}
