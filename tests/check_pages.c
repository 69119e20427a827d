/*
 * check_pages.c - the page views (--pages, --pages=runs) of the seed
 * scenario, --flags selections, and --range at mapping edges, holes and the
 * top of the address space.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "layouts.h"

/*
 * The seed scenario page by page (--pages=all): 0 and 2 copied on write, 3
 * the file's page-cache page, 1 not present (or, by fault-around, the
 * file's page). priv: pmstat could read the kpage files.
 */
static void
check_seed_page_objects(json_t *root, pid_t pid, uint64_t addr,
    const char *path, bool priv, const char *what)
{
	json_t *pages = items(root, pid, "pages");
	unsigned how = priv ? 0 : KP_NOBODY;
	/* Per page, no smaps: the copies are told by the scan or kpageflags. */
	bool anon_known = kp_page_known("anon", how);
	/* Pagemap's bit 55, where the kernel tracks soft-dirty (6.1 does). */
	bool sd_known = kp_page_known("soft_dirty", how);

	ck_assert_msg(json_is_true(json_object_get(root, "privileged")) == priv,
	    "%s: privileged is not %d", what, priv);
	ck_assert_msg(json_array_size(pages) == SEED_PAGES,
	    "%s: %zu pages listed, expected %d", what, json_array_size(pages),
	    SEED_PAGES);
	for (long i = 0; i < SEED_PAGES; i++) {
		json_t *pg = json_array_get(pages, (size_t)i);
		bool copy = i == 0 || i == 2;
		bool present = known_bool(pg, "present", what, i);
		bool file = known_bool(pg, "file", what, i);
		bool cow;
		bool excl = known_bool(pg, "exclusive", what, i);
		uint64_t pm = tk_json_hex(pg, "pagemap");
		uint64_t w = tk_json_hex(pg, "flags");
		const char *pp = json_string_value(json_object_get(pg, "path"));

		ck_assert_msg(tk_json_hex(pg, "addr") == addr + (uint64_t)i * ps,
		    "%s: entry %ld is 0x%" PRIx64 ", expected page %ld", what, i,
		    tk_json_hex(pg, "addr"), i);
		ck_assert_msg(pp != NULL && strcmp(pp, path) == 0,
		    "%s page %ld: path %s, expected %s", what, i, pp, path);
		expect_page_bool(pg, "cow_copied", copy, how, what, i);
		expect_page_bool(pg, "zero", false, how, what, i);
		cow = json_is_true(json_object_get(pg, "cow_copied"));
		ck_assert_msg(!known_bool(pg, "swapped", what, i) &&
		    !known_bool(pg, "uffd_wp", what, i) &&
		    !known_bool(pg, "guard", what, i) &&
		    tk_json_is_null(pg, "swap_type") &&
		    tk_json_is_null(pg, "swap_offset"),
		    "%s page %ld: swapped, uffd_wp, guard or a swap entry", what,
		    i);
		if (copy)
			ck_assert_msg(present && (cow || !anon_known) && !file &&
			    excl,
			    "%s page %ld: present %d cow_copied %d file %d "
			    "exclusive %d, expected a private copy (1 1 0 1)", what,
			    i, present, cow, file, excl);
		else if (i == 3 || present)
			ck_assert_msg(present && file && !cow,
			    "%s page %ld: present %d file %d cow_copied %d, "
			    "expected the file's page (1 1 0)", what, i, present,
			    file, cow);
		else
			ck_assert_msg(!file && !excl, "%s page 1: absent but "
			    "file %d exclusive %d", what, file, excl);
		expect_page_bool(pg, "soft_dirty", (pm & PM_SOFTDIRTY) != 0, how,
		    what, i);
		ck_assert_msg(!!(w & W_SOFTDIRTY) == (sd_known &&
		    (pm & PM_SOFTDIRTY)), "%s page %ld: flags 0x%" PRIx64 ", "
		    "pagemap 0x%" PRIx64 ": soft_dirty should be %d", what, i, w,
		    pm, sd_known && (pm & PM_SOFTDIRTY));
		/* The raw pagemap entry and the flags word say the same. */
		ck_assert_msg(!!(pm & PM_PRESENT) == present &&
		    (!present || !!(pm & PM_FILE) == file) &&
		    !!(pm & PM_EXCLUSIVE) == excl,
		    "%s page %ld: pagemap 0x%" PRIx64 " disagrees with present "
		    "%d file %d exclusive %d", what, i, pm, present, file, excl);
		/* Without the scan or kpageflags a copy's anon bit is unknown: clear. */
		ck_assert_msg(!!(w & W_ANON) == (copy && anon_known) &&
		    !!(w & W_FILE) == file &&
		    !!(w & W_EXCLUSIVE) == excl && !(w & W_SWAP) &&
		    !(w & W_ZERO_PAGE) && (present || (w & ~W_SOFTDIRTY) == 0),
		    "%s page %ld: flags 0x%" PRIx64 " (anon %d file %d "
		    "mmap_exclusive %d), expected anon %d file %d mmap_exclusive "
		    "%d", what, i, w, !!(w & W_ANON), !!(w & W_FILE),
		    !!(w & W_EXCLUSIVE), copy && anon_known, file, excl);
		if (priv && present) {
			ck_assert_msg(!tk_json_is_null(pg, "pfn") &&
			    tk_json_hex(pg, "pfn") == (pm & PM_PFN) &&
			    tk_json_hex(pg, "pfn") != 0,
			    "%s page %ld: pfn %s, pagemap 0x%" PRIx64, what, i,
			    json_string_value(json_object_get(pg, "pfn")), pm);
			ck_assert_msg(tk_json_int(pg, "kpagecount") == 1,
			    "%s page %ld: kpagecount %" PRId64, what, i,
			    tk_json_int(pg, "kpagecount"));
			ck_assert_msg(json_is_array(json_object_get(pg,
			    "kpageflags")), "%s page %ld: kpageflags not a list",
			    what, i);
			ck_assert_msg(flag_in(pg, "anon") == copy &&
			    flag_in(pg, "swapbacked") == copy,
			    "%s page %ld: kpageflags anon %d swapbacked %d, "
			    "expected %d", what, i, flag_in(pg, "anon"),
			    flag_in(pg, "swapbacked"), copy);
		} else {
			EXPECT_NULL(pg, "pfn");
			EXPECT_NULL(pg, "kpagecount");
			EXPECT_NULL(pg, "kpageflags");
		}
		if (!priv) {
			/*
			 * Without CAP_SYS_ADMIN the PFN bits read 0 and the word
			 * is pagemap's alone: KPF_ANON for a present page
			 * without the file bit where PAGEMAP_SCAN tells it from
			 * the zero page, and the PF_* bits.
			 */
			uint64_t want = (copy && anon_known ? W_ANON : 0) |
			    (file ? W_FILE : 0) | (excl ? W_EXCLUSIVE : 0) |
			    (sd_known && (pm & PM_SOFTDIRTY) ? W_SOFTDIRTY : 0);

			ck_assert_msg((pm & PM_PFN) == 0, "%s page %ld: a PFN "
			    "without privilege: pagemap 0x%" PRIx64, what, i, pm);
			ck_assert_msg(w == want, "%s page %ld: flags 0x%" PRIx64
			    ", expected 0x%" PRIx64, what, i, w, want);
		}
	}
}

/*
 * The table (--pages: runs; --pages=all) as uid: the Flags column's fourth
 * letter is 'c' (copied on write) exactly on pages 0 and 2, its third 'z'
 * on none; where a page run cannot know them (kp_page_known()) both are
 * '?' on a present page. Rows are expanded by their page count and matched
 * by address; every page of the range must be covered once.
 */
static void
check_seed_table(int uid, const char *mode, pid_t pid, uint64_t addr)
{
	char r[64], p[16], cmd[256], *out = NULL, *line, *save = NULL;
	const char *args[] = { mode, "--range",
	    rangearg(r, sizeof(r), addr, addr + SEED_PAGES * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	int seen[SEED_PAGES] = { 0 }, status, rows = 0;
	unsigned how = uid >= 0 ? KP_NOBODY : 0;
	bool cow_known = kp_page_known("cow_copied", how);
	bool zero_known = kp_page_known("zero", how);

	describe(cmd, sizeof(cmd), args);
	status = tk_run_pmstat(uid, uid >= 0 ? NOBODY_GID : -1, &out, args);
	ck_assert_msg(status == 0 && out != NULL, "%s: exit %d", cmd, status);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char state[16], flags[16];
		uint64_t a, n;

		/* Page rows start with a 16-digit address. */
		if (strspn(line, "0123456789abcdef") != 16 ||
		    sscanf(line, "%" SCNx64 " %" SCNu64 " %15s %15s", &a, &n,
		    state, flags) != 4)
			continue;
		rows++;
		ck_assert_msg(strlen(flags) == 7, "%s: Flags column '%s'", cmd,
		    flags);
		ck_assert_msg(a >= addr && n >= 1 &&
		    a + n * ps <= addr + SEED_PAGES * ps && (a - addr) % ps == 0,
		    "%s: row 0x%" PRIx64 " x %" PRIu64 " outside the range", cmd,
		    a, n);
		for (uint64_t k = 0; k < n; k++) {
			size_t i = (size_t)((a - addr) / ps + k);
			bool copy = i == 0 || i == 2;
			bool present = strcmp(state, "present") == 0;
			/* A file page ('f') is no copy, zero page or not. */
			char want = !present || cow_known || flags[0] == 'f' ?
			    (copy ? 'c' : '.') : '?';

			seen[i]++;
			ck_assert_msg(flags[3] == want,
			    "%s: page %zu has Flags %s: cow_copied should be '%c'",
			    cmd, i, flags, want);
			want = !present || zero_known ? '.' : '?';
			ck_assert_msg(flags[2] == want,
			    "%s: page %zu has Flags %s: zero should be '%c'",
			    cmd, i, flags, want);
			ck_assert_msg(!copy || strcmp(state, "present") == 0,
			    "%s: page %zu is %s", cmd, i, state);
		}
	}
	for (size_t i = 0; i < SEED_PAGES; i++)
		ck_assert_msg(seen[i] == 1, "%s: page %zu in %d rows\n%s", cmd, i,
		    seen[i], out);
	ck_assert_msg(strcmp(mode, "--pages=all") != 0 || rows == SEED_PAGES,
	    "%s: %d rows", cmd, rows);
	free(out);
}

START_TEST(test_pages_seed)
{
	struct tk_child c;
	char path[64];
	json_t *root;
	uint64_t a;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	a = c.rep.addr[0];
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, a, a + SEED_PAGES * ps);
	check_seed_page_objects(root, c.pid, a, path, am_root(), "--pages=all");
	json_decref(root);
	/* JSON's default is one object per page too. */
	root = pmstat_view(-1, OPTS("--pages"), c.pid, a, a + SEED_PAGES * ps);
	check_seed_page_objects(root, c.pid, a, path, am_root(), "--pages");
	json_decref(root);
	check_seed_table(-1, "--pages", c.pid, a);
	tk_kill(&c);
}
END_TEST

/*
 * The seed note's question without root: nobody asks about its own
 * process. pagemap's file bit still tells the copies from the file's pages;
 * PFN, kpagecount and kpageflags are unknown (null), cow_copied is not.
 */
START_TEST(test_pages_seed_unprivileged)
{
	struct tk_child c;
	char path[64];
	json_t *root;
	uint64_t a;

	if (!can_be_nobody("pages_seed_unprivileged"))
		return;
	make_seed_file(path, sizeof(path));
	spawn("seed", path, NOBODY_UID, &c);
	a = c.rep.addr[0];
	ck_assert_msg(c.rep.val[0] == 'd', "page 3 read 0x%02x, not the file's",
	    (unsigned)c.rep.val[0]);
	root = pmstat_view(NOBODY_UID, OPTS("--pages=all"), c.pid, a,
	    a + SEED_PAGES * ps);
	check_seed_page_objects(root, c.pid, a, path, false,
	    "--pages=all as nobody");
	json_decref(root);
	check_seed_table(NOBODY_UID, "--pages", c.pid, a);
	check_seed_table(NOBODY_UID, "--pages=all", c.pid, a);
	tk_kill(&c);
}
END_TEST

/* The page indexes (from base) pmstat lists, in order, as a string. */
static const char *
listed(json_t *root, pid_t pid, uint64_t base, char *buf, size_t len)
{
	json_t *pages = items(root, pid, "pages"), *pg;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(pages, i, pg) {
		char one[32];

		snprintf(one, sizeof(one), "%s%" PRId64, i ? "," : "",
		    (int64_t)(tk_json_hex(pg, "addr") - base) / (int64_t)ps);
		strlcat(buf, one, len);
	}
	return buf;
}

/* pmstat ARGS as uid: exit status, stdout and stderr. */
static int
run_err(int uid, const char *const *args, char **out, char **err)
{
	int status = tk_run_pmstat_err(uid, uid >= 0 ? NOBODY_GID : -1, out, err,
	    args);

	ck_assert_msg(status >= 0 && *out != NULL && *err != NULL,
	    "cannot run pmstat");
	return status;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/*
 * pmstat --pages=all EXTRA... OPTS... --json --range (the seed mapping) as
 * uid, pmstat being run as how. needs: the flag OPTS select on whose bit a
 * page run may not see (kp_page_known()), or NULL. Where the run can see
 * it, the pages listed are exactly want; where it cannot, the selection is
 * refused: exit 1, nothing on stdout, one line on stderr naming the flag
 * and PAGEMAP_SCAN, which would show it.
 */
static void
expect_selected(int uid, unsigned how, pid_t pid, uint64_t a,
    const char *const *extra, const char *const *opts, const char *needs,
    const char *want)
{
	const char *args[24];
	char got[256], cmd[256], r[64], p[16], *out, *err;
	size_t n = 0;
	int status;
	json_t *root;

	args[n++] = "--pages=all";
	for (; *extra != NULL; extra++)
		args[n++] = *extra;
	for (; *opts != NULL; opts++)
		args[n++] = *opts;
	args[n] = NULL;
	describe(cmd, sizeof(cmd), args);
	if (needs == NULL || kp_page_known(needs, how)) {
		root = pmstat_view(uid, args, pid, a, a + SEED_PAGES * ps);
		ck_assert_msg(strcmp(listed(root, pid, a, got, sizeof(got)),
		    want) == 0, "%s (uid %d): pages %s listed, expected %s", cmd,
		    uid, got, want);
		json_decref(root);
		return;
	}
	args[n++] = "--json";
	args[n++] = "--range";
	args[n++] = rangearg(r, sizeof(r), a, a + SEED_PAGES * ps);
	args[n++] = pidarg(p, sizeof(p), pid);
	args[n] = NULL;
	status = run_err(uid, args, &out, &err);
	ck_assert_msg(status == 1 && count_lines(err) == 1 &&
	    strstr(err, needs) != NULL && strstr(err, "PAGEMAP_SCAN") != NULL &&
	    *out == '\0', "%s (uid %d), which cannot see %s: exit %d, stderr "
	    "\"%s\", stdout %zu bytes; expected 1, one line naming %s and "
	    "PAGEMAP_SCAN, nothing", cmd, uid, needs, status, err, strlen(out),
	    needs);
	free(out);
	free(err);
}

/*
 * The seed mapping's pages selected by flags, pmstat run as uid (how) with
 * extra options: anon only where a page run can see it (else refused),
 * file (pagemap's) always.
 */
static void
check_flag_selections(int uid, unsigned how, pid_t pid, uint64_t a,
    const char *const *extra)
{
	json_t *root = pmstat_view(uid, OPTS("--pages=all"), pid, a,
	    a + SEED_PAGES * ps);
	json_t *p1 = json_array_get(items(root, pid, "pages"), 1);
	bool p1_file = tk_json_bool(p1, "present");

	/* Page 1, when fault-around brought it in, is the file's page. */
	ck_assert_msg(!p1_file || tk_json_bool(p1, "file"), "page 1 present "
	    "but not a file page");
	json_decref(root);
	expect_selected(uid, how, pid, a, extra, OPTS("--flags", "anon"), "anon",
	    "0,2");
	expect_selected(uid, how, pid, a, extra, OPTS("--flags", "~anon"),
	    "anon", "1,3");
	expect_selected(uid, how, pid, a, extra, OPTS("--flags", "anon",
	    "--flags", "file"), "anon", p1_file ? "0,1,2,3" : "0,2,3");
	expect_selected(uid, how, pid, a, extra, OPTS("--flags", "file"), NULL,
	    p1_file ? "1,3" : "3");
	expect_selected(uid, how, pid, a, extra, OPTS("--flags", "~file"), NULL,
	    p1_file ? "0,2" : "0,1,2");
	expect_selected(uid, how, pid, a, extra, OPTS("--flags", "~anon,~file"),
	    "anon", p1_file ? "" : "1");
	/* page-types' long name for anon. */
	expect_selected(uid, how, pid, a, extra, OPTS("--flags", "anonymous"),
	    "anon", "0,2");
}

START_TEST(test_pages_flags)
{
	struct tk_child c;
	char path[64], r[64], p[16], *out, *err;
	uint64_t a;
	int status;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	a = c.rep.addr[0];
	check_flag_selections(-1, 0, c.pid, a, OPTS(NULL));
	/* Neither the scan nor kpageflags: anon is refused on any kernel. */
	check_flag_selections(-1, KP_NO_SCAN | KP_NO_KPAGE, c.pid, a,
	    OPTS("--no-scan", "--no-kpage"));
	/* An unknown flag is a usage error. */
	status = run_err(-1, OPTS("--pages=all", "--flags", "bogus", "--range",
	    rangearg(r, sizeof(r), a, a + SEED_PAGES * ps),
	    pidarg(p, sizeof(p), c.pid)), &out, &err);
	ck_assert_msg(status == 2 && count_lines(err) == 1 &&
	    strstr(err, "bogus") != NULL && *out == '\0',
	    "--flags bogus: exit %d, stderr \"%s\", stdout \"%s\"; expected 2, "
	    "one line naming bogus, nothing", status, err, out);
	free(out);
	free(err);
	tk_kill(&c);
}
END_TEST

/* The same as nobody, on a layout nobody owns. */
START_TEST(test_pages_flags_nobody)
{
	struct tk_child c;
	char path[64], r[64], p[16], *out, *err;
	uint64_t a;
	int status;

	if (!can_be_nobody("pages_flags_nobody"))
		return;
	make_seed_file(path, sizeof(path));
	spawn("seed", path, NOBODY_UID, &c);
	a = c.rep.addr[0];
	check_flag_selections(NOBODY_UID, KP_NOBODY, c.pid, a, OPTS(NULL));
	/* lru is kpageflags' alone: refused, not an empty selection. */
	status = run_err(NOBODY_UID, OPTS("--pages=all", "--json", "--flags",
	    "lru", "--range", rangearg(r, sizeof(r), a, a + SEED_PAGES * ps),
	    pidarg(p, sizeof(p), c.pid)), &out, &err);
	ck_assert_msg(status == 1 && count_lines(err) == 1 &&
	    strstr(err, "lru") != NULL && *out == '\0',
	    "--flags lru as nobody: exit %d, stderr \"%s\", stdout \"%s\"; "
	    "expected 1, one line naming lru, nothing", status, err, out);
	free(out);
	free(err);
	tk_kill(&c);
}
END_TEST

/* The pages listed must be exactly want[0..n) (addresses), in order. */
static void
expect_page_addrs(json_t *root, pid_t pid, const uint64_t *want,
    const char *const *paths, size_t n, const char *what)
{
	json_t *pages = items(root, pid, "pages");

	ck_assert_msg(json_array_size(pages) == n, "%s: %zu pages listed, "
	    "expected %zu", what, json_array_size(pages), n);
	for (size_t i = 0; i < n; i++) {
		json_t *pg = json_array_get(pages, i);
		const char *p = json_string_value(json_object_get(pg, "path"));

		ck_assert_msg(tk_json_hex(pg, "addr") == want[i], "%s: entry %zu "
		    "is 0x%" PRIx64 ", expected 0x%" PRIx64, what, i,
		    tk_json_hex(pg, "addr"), want[i]);
		ck_assert_msg(p != NULL && strcmp(p, paths[i]) == 0,
		    "%s: 0x%" PRIx64 " has path \"%s\", expected \"%s\"", what,
		    want[i], p, paths[i]);
	}
}

/* Whether pid maps [vsyscall] at 0xffffffffff600000. */
static bool
has_vsyscall(pid_t pid)
{
	struct tk_smaps *sm;
	ssize_t n = tk_smaps_read(pid, &sm);
	bool found = false;

	for (ssize_t i = 0; i < n; i++)
		if (sm[i].start == UINT64_C(0xffffffffff600000) &&
		    strcmp(sm[i].path, "[vsyscall]") == 0)
			found = true;
	free(sm);
	return found;
}

/* --pages=runs over [start, end): the runs' (address, pages) in order. */
static void
expect_runs(pid_t pid, uint64_t start, uint64_t end, const uint64_t *addr,
    const int64_t *n, size_t nruns, const char *what)
{
	json_t *root = pmstat_view(-1, OPTS("--pages=runs"), pid, start, end);
	json_t *runs = items(root, pid, "runs"), *run;
	size_t i;

	ck_assert_msg(json_array_size(runs) == nruns, "%s: %zu runs, expected "
	    "%zu", what, json_array_size(runs), nruns);
	json_array_foreach(runs, i, run)
		ck_assert_msg(tk_json_hex(run, "addr") == addr[i] &&
		    tk_json_int(run, "pages") == n[i], "%s: run %zu is %" PRId64
		    " pages at 0x%" PRIx64 ", expected %" PRId64 " at 0x%" PRIx64,
		    what, i, tk_json_int(run, "pages"), tk_json_hex(run, "addr"),
		    n[i], addr[i]);
	json_decref(root);
}

START_TEST(test_pages_range_edges)
{
	struct tk_child c;
	char path[64];
	uint64_t anon, file, hole, ro, tail, want[8];
	const char *paths[8];
	json_t *root;

	make_seed_file(path, sizeof(path));
	spawn("mix", path, -1, &c);
	anon = c.rep.addr[MIX_AT_ANON];
	file = c.rep.addr[MIX_AT_FILE];
	hole = c.rep.addr[MIX_AT_HOLE];
	ro = c.rep.addr[MIX_AT_RO];
	tail = c.rep.addr[MIX_AT_TAIL];
	ck_assert(file == anon + MIX_ANON * ps && hole == file + SEED_PAGES * ps &&
	    ro == hole + MIX_HOLE * ps && tail == ro + MIX_RO * ps);

	/* Across two adjacent mappings: both, in order, each its own path. */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, file - 2 * ps,
	    file + 2 * ps);
	for (size_t i = 0; i < 4; i++) {
		want[i] = file - 2 * ps + i * ps;
		paths[i] = i < 2 ? "" : path;
	}
	expect_page_addrs(root, c.pid, want, paths, 4, "across two mappings");
	json_decref(root);

	/*
	 * ro's pages and tail's first ones are in the same state (untouched
	 * anonymous, flags 0) on both sides of a mapping boundary: listed one
	 * by one, in order; as runs, one per mapping, never one across.
	 */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, ro,
	    tail + MIX_TAIL_NONE * ps);
	for (size_t i = 0; i < MIX_RO + MIX_TAIL_NONE; i++) {
		want[i] = ro + i * ps;
		paths[i] = "";
	}
	expect_page_addrs(root, c.pid, want, paths, MIX_RO + MIX_TAIL_NONE,
	    "across two mappings in the same state");
	json_decref(root);
	expect_runs(c.pid, ro, tail + MIX_TAIL_NONE * ps,
	    (const uint64_t[]){ ro, tail },
	    (const int64_t[]){ MIX_RO, MIX_TAIL_NONE }, 2,
	    "runs across two mappings in the same state");
	expect_runs(c.pid, ro, tail + MIX_TAIL * ps,
	    (const uint64_t[]){ ro, tail, tail + MIX_TAIL_NONE * ps },
	    (const int64_t[]){ MIX_RO, MIX_TAIL_NONE, MIX_TAIL - MIX_TAIL_NONE },
	    3, "runs over ro and tail");

	/*
	 * Across a hole: the last page of the file mapping, MIX_HOLE unmapped
	 * pages, the first two of ro. pmstat lists the pages of mappings; an
	 * address in no mapping has no page (pagemap would read 0 there, as
	 * for a page not present), so the hole's pages are left out, not
	 * shown as "not present".
	 */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, file + 3 * ps,
	    ro + 2 * ps);
	want[0] = file + 3 * ps;
	paths[0] = path;
	want[1] = ro;
	want[2] = ro + ps;
	paths[1] = paths[2] = "";
	expect_page_addrs(root, c.pid, want, paths, 3, "across a hole");
	json_decref(root);
	expect_runs(c.pid, file + 3 * ps, ro + 2 * ps,
	    (const uint64_t[]){ file + 3 * ps, ro }, (const int64_t[]){ 1, 2 }, 2,
	    "runs across a hole");
	/* The hole alone: nothing, and no error. */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, hole,
	    hole + MIX_HOLE * ps);
	expect_page_addrs(root, c.pid, want, paths, 0, "the hole alone");
	json_decref(root);

	/* The last page of the address space: no mapping, nothing listed. */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid,
	    UINT64_C(0xfffffffffffff000), 0);
	expect_page_addrs(root, c.pid, want, paths, 0, "the last page");
	json_decref(root);

	tk_kill(&c);
}
END_TEST


/* [vsyscall], above the task's address space: one page, not present. */
START_TEST(test_pages_vsyscall)
{
	const struct kp_fact *vs = &kp_get()->vsyscall;
	struct tk_child c;
	char path[64];
	uint64_t want[1] = { UINT64_C(0xffffffffff600000) };
	const char *paths[1] = { "[vsyscall]" };
	json_t *root, *pg;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	ck_assert_msg(has_vsyscall(c.pid) == vs->yes, "the layout child %s "
	    "[vsyscall], the probe: %s", vs->yes ? "lacks" : "has", vs->why);
	if (!vs->yes) {
		tk_kill(&c);
		check_skip("%s", vs->why);
		return;
	}
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, want[0], 0);
	expect_page_addrs(root, c.pid, want, paths, 1, "[vsyscall]");
	pg = json_array_get(items(root, c.pid, "pages"), 0);
	ck_assert_msg(!tk_json_bool(pg, "present") &&
	    !tk_json_bool(pg, "swapped") && tk_json_is_null(pg, "pfn"),
	    "[vsyscall]: present %d swapped %d",
	    tk_json_bool(pg, "present"), tk_json_bool(pg, "swapped"));
	json_decref(root);
	tk_kill(&c);
}
END_TEST

static Suite *
pages_suite(void)
{
	Suite *s = suite_create("pages");

	/* One TCase each: its name is the test's name in the TAP output. */
	tcase_add_test(itest_tcase(s, "pages_seed", NULL, NULL), test_pages_seed);
	tcase_add_test(itest_tcase(s, "pages_seed_unprivileged", NULL, NULL),
	    test_pages_seed_unprivileged);
	tcase_add_test(itest_tcase(s, "pages_flags", NULL, NULL),
	    test_pages_flags);
	tcase_add_test(itest_tcase(s, "pages_flags_nobody", NULL, NULL),
	    test_pages_flags_nobody);
	tcase_add_test(itest_tcase(s, "pages_range_edges", NULL, NULL),
	    test_pages_range_edges);
	tcase_add_test(itest_tcase(s, "pages_vsyscall", NULL, NULL),
	    test_pages_vsyscall);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "seed", layout_seed },
	{ "mix", layout_mix },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, pages_suite);
}
