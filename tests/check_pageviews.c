/*
 * check_pageviews.c - the page views of issue 9: a run over transparent huge
 * pages, the file fact where the zero page cannot be told, every mapping of
 * --summary=mapping, and a --flags term that contradicts itself.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "layouts.h"

#define THP8_BYTES	(8UL << 20)	/* four PMD-sized huge pages */
#define EMPTY_RW	2		/* pages of each written mapping */
#define EMPTY_RO	4		/* pages of the untouched one between */

/* Bits a run leaves out of its comparison (src/view.c RUN_IGNORED). */
#define W_COMPOUND	((UINT64_C(1) << 15) | (UINT64_C(1) << 16))

/* THP8_BYTES aligned, MADV_HUGEPAGE, written on one CPU, the LRU drained. */
static void
layout_thp8(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(THP8_BYTES / ps, THP_ALIGN);

	(void)arg;
	if (pin_cpu() != 0 || m == NULL ||
	    mprotect(m, THP8_BYTES, PROT_READ | PROT_WRITE) != 0 ||
	    madvise(m, THP8_BYTES, MADV_HUGEPAGE) != 0) {
		tk_fail(rep, "thp8 layout: %s", strerror(errno));
		return;
	}
	memset(m, 'T', THP8_BYTES);
	if (drain_lru() != 0) {
		tk_fail(rep, "thp8 layout: drain: %s", strerror(errno));
		return;
	}
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/* Written, untouched read-only, written: three mappings, the middle empty. */
static void
layout_empty(const char *arg, struct tk_report *rep)
{
	char *p = tk_reserve(2 * EMPTY_RW + EMPTY_RO, 0);
	char *ro, *rw2;

	(void)arg;
	if (p == NULL) {
		tk_fail(rep, "empty layout: no room");
		return;
	}
	ro = p + EMPTY_RW * ps;
	rw2 = ro + EMPTY_RO * ps;
	if (mprotect(p, EMPTY_RW * ps, PROT_READ | PROT_WRITE) != 0 ||
	    mprotect(ro, EMPTY_RO * ps, PROT_READ) != 0 ||
	    mprotect(rw2, EMPTY_RW * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "empty layout: %s", strerror(errno));
		return;
	}
	memset(p, 'E', EMPTY_RW * ps);
	memset(rw2, 'E', EMPTY_RW * ps);
	rep->addr[0] = (uintptr_t)p;
	rep->addr[1] = (uintptr_t)ro;
	rep->addr[2] = (uintptr_t)rw2;
	rep->ok = 1;
}

/* The page rows of a --pages table: the lines that start with an address. */
static size_t
table_rows(char *out, char **rows, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *l = strtok_r(out, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save))
		if (strspn(l, "0123456789abcdef") == 16 && n < max)
			rows[n++] = l;
	return n;
}

/* The table of --pages (runs) over [a, b) of pid, with opt; exit 0. */
static char *
runs_table(pid_t pid, const char *opt, uint64_t a, uint64_t b)
{
	char r[64], p[16], cmd[256], *out = NULL;
	const char *args[] = { "--pages", "--range", rangearg(r, sizeof(r), a, b),
	    pidarg(p, sizeof(p), pid), NULL, NULL };
	int status;

	if (opt != NULL) {
		args[4] = args[3];
		args[3] = args[2];
		args[2] = args[1];
		args[1] = opt;
	}
	describe(cmd, sizeof(cmd), args);
	status = tk_run_pmstat(-1, -1, &out, args);
	ck_assert_msg(status == 0 && out != NULL, "%s: exit %d", cmd, status);
	return out;
}

/*
 * A huge-page region whose every page became part of a PMD-mapped THP: its
 * head and tail pages (and the pages of the next THP) are alike to a
 * person, so --pages shows one run, with or without the kpage files. As
 * root, the kpageflags of a region can still differ where the kernel ages
 * one huge page and not the next; the runs must then be told apart by
 * something other than head and tail.
 */
START_TEST(test_thp_one_run)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *runs;
	char *out, *rows[64];
	uint64_t a;
	size_t n;
	bool whole;
	size_t nruns;

	if (!kp_get()->thp.yes) {
		check_skip("thp runs: no THP here: %s", kp_get()->thp.why);
		return;
	}
	if (!spawn("thp8", NULL, -1, &c))
		return;
	a = c.rep.addr[0];
	ck_assert_msg(tk_smaps_one(c.pid, a, &s) == 0, "no smaps for 0x%" PRIx64,
	    a);
	if ((unsigned long)s.anon_huge * 1024 != THP8_BYTES) {
		check_skip("thp runs: only %ld of %lu kB became THPs",
		    s.anon_huge, THP8_BYTES / 1024);
		tk_kill(&c);
		return;
	}

	/* Without the kpage files the pages differ in nothing: one run. */
	out = runs_table(c.pid, "--no-kpage", a, a + THP8_BYTES);
	n = table_rows(out, rows, 64);
	ck_assert_msg(n == 1, "--no-kpage: %zu runs over %lu MiB of THPs, "
	    "expected 1:\n%s", n, THP8_BYTES >> 20, out);
	ck_assert_msg(strtoull(rows[0] + 17, NULL, 10) == THP8_BYTES / ps,
	    "--no-kpage: the run is not %lu pages: %s", THP8_BYTES / ps, rows[0]);
	free(out);

	/* As root: runs apart only where more than head and tail differ. */
	if (!am_root()) {
		check_skip("thp runs as root: not root (the thp flag needs "
		    "/proc/kpageflags)");
		tk_kill(&c);
		return;
	}
	root = pmstat_view(-1, OPTS("--pages=runs"), c.pid, a, a + THP8_BYTES);
	runs = items(root, c.pid, "runs");
	/*
	 * Adjacent runs must differ in what a row shows (checked below); a
	 * kernel whose head and tail pages differ in kpagecount (6.1) may
	 * keep them apart, one that does not (6.18) gives one run.
	 */
	ck_assert_msg(json_array_size(runs) >= 1, "no runs");
	whole = json_array_size(runs) <= THP8_BYTES / THP_ALIGN;
	for (size_t i = 1; i < json_array_size(runs); i++) {
		json_t *p = json_array_get(runs, i - 1), *q = json_array_get(runs, i);
		uint64_t keep = ~(W_AGING | W_COMPOUND);

		ck_assert_msg((tk_json_hex(p, "flags") & keep) !=
		    (tk_json_hex(q, "flags") & keep) ||
		    tk_json_int(p, "kpagecount") != tk_json_int(q, "kpagecount"),
		    "runs %zu and %zu differ only in head/tail or aging: "
		    "0x%" PRIx64 " 0x%" PRIx64, i - 1, i,
		    tk_json_hex(p, "flags"), tk_json_hex(q, "flags"));
	}
	for (size_t i = 0; i < json_array_size(runs); i++) {
		json_t *r = json_array_get(runs, i);

		/* A run spans whole huge pages and shows the bits all share. */
		ck_assert_msg(!whole || tk_json_int(r, "pages") %
		    (int64_t)(THP_ALIGN / ps) == 0, "run %zu: %" PRId64
		    " pages, not whole THPs", i, tk_json_int(r, "pages"));
		ck_assert_msg((!whole || !(tk_json_hex(r, "flags") & W_COMPOUND)) &&
		    flag_in(r, "thp"), "run %zu: flags 0x%" PRIx64, i,
		    tk_json_hex(r, "flags"));
	}
	nruns = json_array_size(runs);
	json_decref(root);
	/* The table's runs are JSON's. */
	out = runs_table(c.pid, NULL, a, a + THP8_BYTES);
	n = table_rows(out, rows, 64);
	ck_assert_msg(n == nruns, "%zu table rows, %zu runs in JSON:\n%s", n,
	    nruns, out);
	for (size_t i = 0; i < n && whole; i++)
		ck_assert_msg(strstr(rows[i], "compound_") == NULL,
		    "a run shows head or tail: %s", rows[i]);
	free(out);
	tk_kill(&c);
}
END_TEST

/* Whether mapping m (a JSON mapping object) is private and anonymous. */
static bool
private_anon(json_t *m)
{
	const char *perms = json_string_value(json_object_get(m, "perms"));

	return perms != NULL && perms[3] == 'p' && tk_json_int(m, "inode") == 0;
}

/* Mappings larger than this are not listed page by page (ASan's shadow). */
#define LIST_MAX	(64UL << 20)

/*
 * Check the pages of mapping m (of pid) as --no-scan --no-kpage lists them:
 * file is null exactly where the page may be the huge zero page, and clear
 * in its flags word there. Stats, asked over the mapping less its last page
 * (a --range that cuts a mapping has no smaps record to settle file with),
 * must say file is null exactly when one of those pages is. Returns whether
 * one was.
 */
static bool
check_file_facts(pid_t pid, json_t *m, const char *const *opts)
{
	uint64_t start = tk_json_hex(m, "start"), end = tk_json_hex(m, "end");
	json_t *root, *pages, *cut;
	bool any_null = false;

	root = pmstat_view(-1, (const char *const[]){ opts[0], opts[1],
	    "--pages=all", NULL }, pid, start, end);
	pages = items(root, pid, "pages");
	for (size_t j = 0; j < json_array_size(pages); j++) {
		json_t *pg = json_array_get(pages, j);
		uint64_t addr = tk_json_hex(pg, "addr");
		uint64_t pm = tk_json_hex(pg, "pagemap");
		bool may_be_zero = (pm & PM_PRESENT) && (pm & PM_FILE) &&
		    private_anon(m);

		ck_assert_msg(tk_json_is_null(pg, "file") == may_be_zero,
		    "page 0x%" PRIx64 " (pagemap 0x%" PRIx64 "): file is %s",
		    addr, pm, tk_json_is_null(pg, "file") ? "null" : "known");
		ck_assert_msg(!may_be_zero || !(tk_json_hex(pg, "flags") & W_FILE),
		    "page 0x%" PRIx64 ": file in the flags word", addr);
		/* Stats is asked below of all pages but the last. */
		any_null |= may_be_zero && addr + ps < end;
	}
	json_decref(root);
	if (end - start < 2 * ps)
		return false;
	cut = pmstat_view(-1, opts, pid, start, end - ps);
	ck_assert_msg(tk_json_is_null(json_array_get(items(cut, pid, "mappings"),
	    0), "file") == any_null, "mapping 0x%" PRIx64 " %s: file %s in "
	    "stats, but %s page's file is null", start,
	    json_string_value(json_object_get(m, "path")),
	    any_null ? "known" : "null", any_null ? "a" : "no");
	json_decref(cut);
	return any_null;
}

/*
 * --no-scan --no-kpage: the zero page cannot be told. A present page with
 * pagemap's bit 61 in a private anonymous mapping may be the huge zero page
 * (or a special page such as the vdso's): the page view and stats both say
 * its file is unknown, and agree on every other page. Each mapping is read
 * on its own, by --range, so that terabytes of reserved address space (an
 * ASan build's shadow) are not listed page by page.
 */
START_TEST(test_file_unknown)
{
	const char *opts[] = { "--no-scan", "--no-kpage", NULL };
	struct tk_child c;
	json_t *maps, *mlist;
	size_t unknown = 0;
	char path[64], p[16];
	int status;

	make_seed_file(path, sizeof(path));
	if (!spawn("mix", path, -1, &c))
		return;
	maps = tk_pmstat_json(-1, -1, &status, (const char *const[]){ "--json",
	    pidarg(p, sizeof(p), c.pid), NULL });
	ck_assert_int_eq(status, 0);
	mlist = items(maps, c.pid, "mappings");
	for (size_t i = 0; i < json_array_size(mlist); i++) {
		json_t *m = json_array_get(mlist, i);

		if (tk_json_hex(m, "end") - tk_json_hex(m, "start") <= LIST_MAX)
			unknown += check_file_facts(c.pid, m, opts);
	}
	json_decref(maps);
	tk_kill(&c);
	if (unknown == 0)
		check_skip("no page here whose file cannot be told (no [vdso], "
		    "no huge zero page: %s)", kp_get()->huge_zero_page.why);
}
END_TEST

/*
 * --summary=mapping: the untouched read-only mapping has no page counted and
 * keeps its line (table), an empty array (JSON) and a row with no word and
 * 0 pages (CSV).
 */
START_TEST(test_summary_keeps_empty_mapping)
{
	struct tk_child c;
	char r[64], p[16], want[128], *out = NULL;
	json_t *root, *items_;
	uint64_t a, ro, end;
	int status;

	if (!spawn("empty", NULL, -1, &c))
		return;
	a = c.rep.addr[0];
	ro = c.rep.addr[1];
	end = c.rep.addr[2] + EMPTY_RW * ps;

	root = pmstat_view(-1, OPTS("--summary=mapping"), c.pid, a, end);
	items_ = items(root, c.pid, "mappings");
	ck_assert_msg(json_array_size(items_) == 3, "%zu mappings summarized, "
	    "expected 3", json_array_size(items_));
	for (size_t i = 0; i < 3; i++) {
		json_t *m = json_array_get(items_, i);
		json_t *s = json_object_get(m, "summary");

		ck_assert_msg(json_is_array(s) && (json_array_size(s) == 0) ==
		    (tk_json_hex(m, "start") == ro), "mapping %zu: summary of "
		    "%zu entries", i, json_array_size(s));
	}
	json_decref(root);

	rangearg(r, sizeof(r), a, end);
	pidarg(p, sizeof(p), c.pid);
	status = tk_run_pmstat(-1, -1, &out, (const char *const[]){
	    "--summary=mapping", "--range", r, p, NULL });
	ck_assert_msg(status == 0 && out != NULL, "table: exit %d", status);
	snprintf(want, sizeof(want), "%016" PRIx64 "-%016" PRIx64 " r--p \n",
	    ro, ro + EMPTY_RO * ps);
	ck_assert_msg(strstr(out, want) != NULL &&
	    strncmp(strstr(out, want) + strlen(want), "  ", 2) != 0,
	    "table: no line, or rows, for the empty mapping:\n%s", out);
	free(out);

	status = tk_run_pmstat(-1, -1, &out, (const char *const[]){
	    "--summary=mapping", "--csv", "--range", r, p, NULL });
	ck_assert_msg(status == 0 && out != NULL, "csv: exit %d", status);
	snprintf(want, sizeof(want), "\n%d,0x%" PRIx64 ",,0,\r\n", c.pid, ro);
	ck_assert_msg(strstr(out, want) != NULL, "csv: no row for the empty "
	    "mapping:\n%s", out);
	free(out);
	tk_kill(&c);
}
END_TEST

/* A term that requires and forbids one flag: refused, exit 2, one line. */
START_TEST(test_flags_contradiction)
{
	char p[16], *out = NULL, *err = NULL;
	int status;

	pidarg(p, sizeof(p), getpid());
	status = tk_run_pmstat_err(-1, -1, &out, &err, (const char *const[]){
	    "--pages", "--flags", "anon,~anon", p, NULL });
	ck_assert_msg(status == 2, "exit %d, expected 2", status);
	ck_assert_msg(out != NULL && out[0] == '\0', "stdout: %s", out);
	ck_assert_msg(err != NULL && strstr(err, "contradiction") != NULL &&
	    strchr(err, '\n') == err + strlen(err) - 1, "stderr: %s", err);
	free(out);
	free(err);
	/* The same flag twice alike is no contradiction. */
	status = tk_run_pmstat_err(-1, -1, &out, &err, (const char *const[]){
	    "--pages", "--flags", "~anon,~anonymous", "--range", "0-1000", p,
	    NULL });
	/* Accepted; where this run cannot see anon, refused for that (exit 1). */
	if (kp_get()->pagemap_scan.yes || am_root())
		ck_assert_msg(status == 0, "~anon,~anonymous: exit %d: %s", status,
		    err);
	else
		ck_assert_msg(status == 1 && strstr(err, "--flags anon") != NULL &&
		    strstr(err, "contradiction") == NULL,
		    "~anon,~anonymous: exit %d: %s", status, err);
	free(out);
	free(err);
}
END_TEST

static Suite *
pageviews_suite(void)
{
	Suite *s = suite_create("pageviews");
	TCase *tc;

	tc = itest_tcase(s, "thp_one_run", NULL, NULL);
	tcase_add_test(tc, test_thp_one_run);
	tc = itest_tcase(s, "file_unknown", NULL, NULL);
	tcase_add_test(tc, test_file_unknown);
	tc = itest_tcase(s, "summary_empty_mapping", NULL, NULL);
	tcase_add_test(tc, test_summary_keeps_empty_mapping);
	tc = itest_tcase(s, "flags_contradiction", NULL, NULL);
	tcase_add_test(tc, test_flags_contradiction);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "thp8", layout_thp8 },
	{ "mix", layout_mix },
	{ "empty", layout_empty },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, pageviews_suite);
}
