/* itest.c - what the integration programs share (see itest.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

size_t	ps;
long	pk;

int
itest_main(int argc, char **argv, const struct tk_layout *layouts,
    Suite *(*suite)(void))
{
	ps = (size_t)sysconf(_SC_PAGESIZE);
	pk = (long)(ps / 1024);
	tk_layout_main(argc, argv, layouts);	/* returns unless a layout */

	tk_init();
	atexit(tk_cleanup);
	if (getenv("PMSTAT") == NULL)
		fprintf(stderr, "PMSTAT not set, using %s\n", tk_pmstat_path());
	/* Once, in the runner: every forked test inherits the facts. */
	kp_log();
	return check_run(suite(), CK_ENV);
}

TCase *
itest_tcase(Suite *s, const char *name, void (*setup)(void),
    void (*teardown)(void))
{
	TCase *tc = check_tcase(s, name);

	/* Checked: runs in the test when it passes; unchecked: in the runner. */
	tcase_add_checked_fixture(tc, NULL, tk_cleanup);
	if (setup != NULL || teardown != NULL)
		tcase_add_unchecked_fixture(tc, setup, teardown);
	else
		tcase_add_unchecked_fixture(tc, NULL, tk_cleanup);
	tcase_set_timeout(tc, 60);
	return tc;
}

int
itest_lock(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -1;
	if (flock(*fd, LOCK_EX) != 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

void
itest_unlock(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

bool
am_root(void)
{
	return geteuid() == 0;
}

/* Start a layout or fail the test (a layout that cannot be built skips). */
bool
spawn(const char *name, const char *arg, int uid, struct tk_child *c)
{
	char err[256];

	ck_assert_msg(tk_spawn(name, arg, uid, uid >= 0 ? NOBODY_GID : -1, c,
	    err, sizeof(err)) == 0, "%s", err);
	if (c->rep.skip) {
		check_skip("%s: %s", name, c->rep.msg);
		return false;
	}
	ck_assert_msg(c->rep.ok, "layout %s: %s", name, c->rep.msg);
	return true;
}

/* A 4-page file of known content, readable by anyone; its path in path. */
void
make_seed_file(char *path, size_t len)
{
	char page[65536];
	int fd;

	ck_assert(ps <= sizeof(page));
	strlcpy(path, "/tmp/pmstat-itest.XXXXXX", len);
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	tk_register_path(path);
	for (int i = 0; i < SEED_PAGES; i++) {
		memset(page, 'a' + i, ps);
		ck_assert_msg(write(fd, page, ps) == (ssize_t)ps, "write %s: %s",
		    path, strerror(errno));
	}
	/* Written back, so its page-cache pages are clean: dirty counts only copies. */
	ck_assert_msg(fdatasync(fd) == 0, "fdatasync: %s", strerror(errno));
	ck_assert(fchmod(fd, 0644) == 0);
	close(fd);
}

char *
hexarg(char *buf, size_t len, uint64_t a)
{
	snprintf(buf, len, "0x%" PRIx64, a);
	return buf;
}

char *
rangearg(char *buf, size_t len, uint64_t start, uint64_t end)
{
	snprintf(buf, len, "0x%" PRIx64 "-0x%" PRIx64, start, end);
	return buf;
}

char *
pidarg(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "%d", (int)pid);
	return buf;
}

/* pmstat --json PID... as root (uid -1) or uid; fails on a bad exit status. */
json_t *
pmstat_json(int uid, const char *opt, pid_t a, pid_t b)
{
	char pa[16], pb[16];
	const char *args[6];
	int n = 0, status;
	json_t *root;

	args[n++] = "--json";
	if (opt != NULL)
		args[n++] = opt;
	args[n++] = pidarg(pa, sizeof(pa), a);
	if (b > 0)
		args[n++] = pidarg(pb, sizeof(pb), b);
	args[n] = NULL;
	root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status, args);
	ck_assert_msg(status == 0, "pmstat --json%s%s exited %d",
	    opt ? " " : "", opt ? opt : "", status);
	if (uid < 0 && opt == NULL && am_root())
		ck_assert_msg(json_is_true(json_object_get(root, "privileged")),
		    "pmstat as root is not privileged");
	return root;
}

/*
 * pmstat --json OPT --range over npages at addr, as root or uid. Runs that
 * read every page (--no-scan) need the range: under ASan a child reserves
 * terabytes of shadow memory.
 */
json_t *
pmstat_json_range(int uid, const char *opt, pid_t pid, uint64_t addr,
    size_t npages)
{
	char r[64], p[16];
	const char *args[] = { "--json", opt, "--range",
	    rangearg(r, sizeof(r), addr, addr + npages * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	int status;
	json_t *root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status,
	    args);

	ck_assert_msg(status == 0, "pmstat --json %s --range exited %d", opt,
	    status);
	return root;
}

/* pmstat --pages --range over npages at addr, as root or uid. */
json_t *
pmstat_pages(int uid, pid_t pid, uint64_t addr, size_t npages)
{
	char r[64], p[16];
	const char *args[] = { "--pages", "--json", "--range",
	    rangearg(r, sizeof(r), addr, addr + npages * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	json_t *root;
	int status;

	root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status, args);
	ck_assert_msg(status == 0, "pmstat --pages exited %d", status);
	return root;
}

/* The mapping of pid that starts at addr, and its smaps. */
json_t *
mapping_of(json_t *root, pid_t pid, uint64_t addr, struct tk_smaps *s)
{
	json_t *proc = tk_json_process(root, pid);

	ck_assert_msg(json_is_null(json_object_get(proc, "error")),
	    "pmstat reported an error for %d", (int)pid);
	if (s != NULL)
		ck_assert_msg(tk_smaps_one(pid, addr, s) == 0,
		    "no smaps mapping at 0x%" PRIx64, addr);
	return tk_json_mapping(proc, addr);
}

/*
 * The need-driven kpage join must give exactly what --full-join gives, on
 * every mapping the layout built (shared libraries' map counts move with the
 * processes around, so they are left out).
 */
/* The mapping of proc that starts at start, or NULL (no assertion). */
json_t *
mapping_at(json_t *proc, uint64_t start)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(proc, "mappings"), i, m) {
		const char *s = json_string_value(json_object_get(m, "start"));

		if (s != NULL && strtoull(s, NULL, 16) == start)
			return m;
	}
	return NULL;
}

static void
same_as_full_join(json_t *root, pid_t pid, const struct tk_child *c,
    const char *what)
{
	static const char *const counters[] = {
		"pages", "present", "swapped", "file", "anon", "zero", "exclusive",
		"shared", "dirty", "cow_copied", "cow_shared", "thp", "ksm",
		"soft_dirty", "pss",
	};
	char p[16];
	const char *args[] = { "--json", "--full-join", pidarg(p, sizeof(p), pid),
	    NULL };
	json_t *full, *proc, *fproc;
	int status;

	if (!json_is_true(json_object_get(root, "privileged")))
		return;
	full = tk_pmstat_json(-1, -1, &status, args);
	ck_assert_msg(status == 0, "%s: --full-join exited %d", what, status);
	proc = tk_json_process(root, pid);
	fproc = tk_json_process(full, pid);
	for (int k = 0; k < TK_MAX_ADDR; k++) {
		json_t *m, *f;

		if (c->rep.addr[k] == 0 ||
		    (m = mapping_at(proc, c->rep.addr[k])) == NULL ||
		    (f = mapping_at(fproc, c->rep.addr[k])) == NULL)
			continue;
		for (size_t i = 0; i < sizeof(counters) / sizeof(*counters); i++) {
			/*
			 * Without a zero page, KSM merges pages of zeros with
			 * any other process's: their map count, and so pss,
			 * can change between the two runs.
			 */
			if (strcmp(counters[i], "pss") == 0 &&
			    !kp_get()->zero_page.yes &&
			    json_integer_value(json_object_get(m, "ksm")) > 0)
				continue;
			ck_assert_msg(json_equal(json_object_get(m, counters[i]),
			    json_object_get(f, counters[i])),
			    "%s: pid %d mapping 0x%" PRIx64 ": %s differs from "
			    "--full-join", what, (int)pid, c->rep.addr[k], counters[i]);
		}
	}
	json_decref(full);
}

void
relations(json_t *root, const struct tk_child *c, const char *what)
{
	bool priv = json_is_true(json_object_get(root, "privileged"));

	tk_check_relations(c->pid, tk_json_process(root, c->pid), priv, what);
	same_as_full_join(root, c->pid, c, what);
	for (int i = 0; i < c->rep.npids; i++) {
		tk_check_relations(c->rep.pids[i],
		    tk_json_process(root, c->rep.pids[i]), priv, what);
		same_as_full_join(root, c->rep.pids[i], c, what);
	}
}

void
expect_page_bool(json_t *pg, const char *key, bool want, unsigned how,
    const char *what, long i)
{
	json_t *v = json_object_get(pg, key);
	/*
	 * An absent page is neither the zero page nor a copy; a file page is
	 * no copy either, whether or not the zero page can be told.
	 */
	bool known = kp_page_known(key, how) ||
	    ((strcmp(key, "zero") == 0 || strcmp(key, "cow_copied") == 0) &&
	    !tk_json_bool(pg, "present")) ||
	    (strcmp(key, "cow_copied") == 0 && json_is_true(json_object_get(pg,
	    "file")));

	if (known)
		ck_assert_msg(json_is_boolean(v) && json_is_true(v) == want,
		    "%s page %ld: %s is %s, expected %s", what, i, key,
		    v == NULL ? "missing" : json_is_null(v) ? "null" :
		    json_is_true(v) ? "true" : json_is_false(v) ? "false" :
		    "not a boolean", want ? "true" : "false");
	else
		ck_assert_msg(v != NULL && json_is_null(v), "%s page %ld: %s is "
		    "%s, expected null: a page run (how 0x%x) cannot know it "
		    "here", what, i, key, v == NULL ? "missing" :
		    json_is_true(v) ? "true" : json_is_false(v) ? "false" :
		    "not null", how);
}

bool
flag_in(json_t *page, const char *flag)
{
	json_t *a = json_object_get(page, "kpageflags"), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (strcmp(json_string_value(v), flag) == 0)
			return true;
	}
	return false;
}

/* pss where pmstat run as how knows it, else null. */
static void
expect_pss(json_t *m, double want, unsigned how, const char *what)
{
	if (!kp_known("pss", how)) {
		EXPECT_NULL(m, "pss");
		return;
	}
	ck_assert_msg(tk_json_real(m, "pss") == want, "%s: pss %f, expected %f",
	    what, tk_json_real(m, "pss"), want);
}

/* Expected counts of the seed mapping; present is 3 or 4 (fault-around). */
void
expect_seed_mapping(json_t *m, unsigned how)
{
	int64_t present = tk_json_int(m, "present");

	EXPECT(m, "pages", SEED_PAGES);
	ck_assert_msg(present == 3 || present == 4, "seed: present %" PRId64,
	    present);
	EXPECT_K(m, "cow_copied", 2, how);
	EXPECT_K(m, "anon", 2, how);
	EXPECT(m, "file", present - 2);
	EXPECT_K(m, "zero", 0, how);
	EXPECT(m, "swapped", 0);
	EXPECT_K(m, "cow_shared", 0, how);
	/* Only this process maps the file and the copies. */
	EXPECT(m, "exclusive", present);
	EXPECT_K(m, "shared", 0, how);
	EXPECT_K(m, "thp", 0, how);
	EXPECT_K(m, "dirty", 2, how);
	EXPECT_K(m, "ksm", 0, how);
	expect_pss(m, (double)present, how, "seed");
}

/* Per page: 0 and 2 copied, 3 the file's page, 1 absent or the file's. */
void
expect_seed_pages(json_t *root, pid_t pid, uint64_t addr, unsigned how)
{
	json_t *proc = tk_json_process(root, pid);
	json_t *pages = json_object_get(proc, "pages");
	bool priv = kp_page_known("kpagecount", how);

	ck_assert_msg(json_array_size(pages) == SEED_PAGES,
	    "--pages gave %zu pages", json_array_size(pages));
	for (int i = 0; i < SEED_PAGES; i++) {
		json_t *pg = tk_json_page(proc, addr + (uint64_t)i * ps);
		bool present = tk_json_bool(pg, "present");

		ck_assert_msg(!tk_json_bool(pg, "swapped"), "page %d swapped", i);
		/* Per page, no smaps: known with the scan or kpageflags only. */
		expect_page_bool(pg, "cow_copied", i == 0 || i == 2, how,
		    "seed", i);
		expect_page_bool(pg, "zero", false, how, "seed", i);
		if (i == 0 || i == 2) {
			ck_assert_msg(present && !tk_json_bool(pg, "file") &&
			    tk_json_bool(pg, "exclusive"),
			    "page %d: not a private copy", i);
		} else if (i == 3 || present) {
			/* Page 1 may have come in by fault-around, as a file page. */
			ck_assert_msg(present && tk_json_bool(pg, "file"),
			    "page %d: not the file's page", i);
		}
		if (!present)
			continue;
		if (priv) {
			ck_assert_msg(!tk_json_is_null(pg, "pfn"), "page %d: no pfn", i);
			ck_assert_msg(tk_json_int(pg, "kpagecount") == 1,
			    "page %d: kpagecount %" PRId64, i,
			    tk_json_int(pg, "kpagecount"));
			ck_assert_msg(flag_in(pg, "anon") == (i == 0 || i == 2) &&
			    flag_in(pg, "swapbacked") == (i == 0 || i == 2),
			    "page %d: kpageflags anon/swapbacked wrong", i);
		} else {
			EXPECT_NULL(pg, "pfn");
			EXPECT_NULL(pg, "kpagecount");
			EXPECT_NULL(pg, "kpageflags");
		}
	}
}

void
expect_fork_mapping(json_t *m, unsigned how)
{
	EXPECT(m, "pages", FORK_N);
	EXPECT(m, "present", FORK_N);
	EXPECT_K(m, "anon", FORK_N, how);
	EXPECT(m, "file", 0);
	EXPECT_K(m, "zero", 0, how);
	EXPECT(m, "swapped", 0);
	EXPECT(m, "exclusive", FORK_K);
	EXPECT_K(m, "shared", FORK_N - FORK_K, how);
	EXPECT_K(m, "cow_shared", FORK_N - FORK_K, how);
	EXPECT_K(m, "cow_copied", 0, how);
	EXPECT_K(m, "thp", 0, how);
	EXPECT_K(m, "dirty", FORK_N, how);
	EXPECT_K(m, "ksm", 0, how);
	expect_pss(m, FORK_K + (FORK_N - FORK_K) / 2.0, how, "fork");
}

/*
 * The zero layout's ZERO_N pages, only read: the shared zero page where the
 * kernel maps it (not anon, not in Rss, pss 0); else exclusive anonymous
 * pages of their own, counted like written ones.
 */
void
expect_zero_mapping(json_t *m, unsigned how)
{
	bool zp = kp_get()->zero_page.yes;

	EXPECT(m, "pages", ZERO_N);
	EXPECT(m, "present", ZERO_N);
	EXPECT_K(m, "zero", zp ? ZERO_N : 0, how);
	EXPECT_K(m, "anon", zp ? 0 : ZERO_N, how);
	EXPECT(m, "file", 0);
	EXPECT(m, "exclusive", zp ? 0 : ZERO_N);
	EXPECT_K(m, "shared", 0, how);
	EXPECT_K(m, "cow_shared", 0, how);
	EXPECT_K(m, "dirty", zp ? 0 : ZERO_N, how);
	expect_pss(m, zp ? 0.0 : (double)ZERO_N, how, "zero");
}

/* A number from a one-number file (/proc/sys, sysfs), or -1. */
long
read_long_file(const char *path)
{
	FILE *fp = fopen(path, "re");
	long v = -1;

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

/* Write v to a one-number file; 0 or -1 (errno). */
int
write_long_file(const char *path, long v)
{
	FILE *fp = fopen(path, "we");
	int r;

	if (fp == NULL)
		return -1;
	r = fprintf(fp, "%ld\n", v) < 0 ? -1 : 0;
	if (fclose(fp) != 0)
		r = -1;
	return r;
}

/* ==== unprivileged (8) ================================================== */

/* What pagemap and PAGEMAP_SCAN give without privilege. */
const char *const scan_counters[] = {
	"pages", "present", "swapped", "file", "exclusive",
	"zero", "anon", "shared", "cow_copied", "cow_shared", "thp", NULL
};

/*
 * Both runs must agree on every mapping of pid; the kpage counters (which
 * lesser takes from smaps, where it can) null where lesser (run as how)
 * cannot know them.
 */
void
compare_runs(json_t *full, json_t *lesser, pid_t pid, unsigned how,
    const char *what)
{
	static const char *const by_kpage[] = { "dirty", "ksm", "pss", NULL };
	json_t *fp = tk_json_process(full, pid), *lp = tk_json_process(lesser, pid);
	json_t *fm = json_object_get(fp, "mappings");
	json_t *lm = json_object_get(lp, "mappings"), *m;
	size_t i;

	ck_assert_msg(json_array_size(fm) == json_array_size(lm),
	    "%s: %zu vs %zu mappings", what, json_array_size(fm),
	    json_array_size(lm));
	json_array_foreach(lm, i, m) {
		json_t *f = tk_json_mapping(fp, tk_json_hex(m, "start"));
		bool stable = tk_json_mapping_stable(f);

		for (size_t k = 0; scan_counters[k] != NULL; k++) {
			const char *key = scan_counters[k];

			if (!kp_known(key, how)) {
				EXPECT_NULL(m, key);
				continue;
			}
			/* See tk_json_mapping_stable(): other processes' doing. */
			if (!stable && (strcmp(key, "exclusive") == 0 ||
			    strcmp(key, "shared") == 0 ||
			    strcmp(key, "cow_shared") == 0))
				continue;
			ck_assert_msg(tk_json_int(m, key) == tk_json_int(f, key),
			    "%s: 0x%" PRIx64 " %s: %" PRId64 " vs %" PRId64, what,
			    tk_json_hex(m, "start"), key, tk_json_int(m, key),
			    tk_json_int(f, key));
		}
		/* The kpage counters come from smaps here: tk_smaps.c holds them to it. */
		for (size_t k = 0; by_kpage[k] != NULL; k++)
			if (!kp_known(by_kpage[k], how))
				EXPECT_NULL(m, by_kpage[k]);
	}
	for (size_t k = 0; by_kpage[k] != NULL; k++)
		if (!kp_known(by_kpage[k], how))
			EXPECT_NULL(json_object_get(lp, "totals"), by_kpage[k]);
}

/* The test's own reading of /proc/PID/pagemap (as root: with PFNs). */
int
open_pagemap(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* The pagemap entry of the page at addr. */
uint64_t
pagemap_word(int fd, uint64_t addr)
{
	uint64_t w;

	ck_assert_msg(pread(fd, &w, sizeof(w), (off_t)(addr / ps * sizeof(w))) ==
	    (ssize_t)sizeof(w), "pread pagemap at 0x%" PRIx64 ": %s", addr,
	    strerror(errno));
	return w;
}

bool
nobody_ok(char *why, size_t len)
{
	if (!am_root()) {
		strlcpy(why, "not root: cannot become nobody", len);
		return false;
	}
	return tk_can_exec_as(NOBODY_UID, NOBODY_GID, tk_pmstat_path(), why,
	    len) && tk_can_exec_as(NOBODY_UID, NOBODY_GID, "/proc/self/exe",
	    why, len);
}

bool
can_be_nobody(const char *test)
{
	char why[256];

	if (nobody_ok(why, sizeof(why)))
		return true;
	check_skip("%s: %s", test, why);
	return false;
}

long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The command line of a run, for messages. */
void
describe(char *buf, size_t len, const char *const *args)
{
	buf[0] = '\0';
	strlcat(buf, "pmstat", len);
	for (; *args != NULL; args++) {
		strlcat(buf, " ", len);
		strlcat(buf, *args, len);
	}
}

/*
 * pmstat OPTS... --json --range START[-END] PID as uid (-1: as we are),
 * which must exit 0. end 0: the range is the page at start alone.
 */
json_t *
pmstat_view(int uid, const char *const *opts, pid_t pid, uint64_t start,
    uint64_t end)
{
	const char *args[24];
	char r[64], p[16], cmd[512];
	size_t n = 0;
	json_t *root;
	int status;

	for (; *opts != NULL && n < 16; opts++)
		args[n++] = *opts;
	args[n++] = "--json";
	args[n++] = "--range";
	args[n++] = end ? rangearg(r, sizeof(r), start, end) :
	    hexarg(r, sizeof(r), start);
	args[n++] = pidarg(p, sizeof(p), pid);
	args[n] = NULL;
	describe(cmd, sizeof(cmd), args);
	root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status, args);
	ck_assert_msg(status == 0, "%s (uid %d): exit %d", cmd, uid, status);
	return root;
}

/* The array key of pid's entry; "runs" must not be there when key is "pages". */
json_t *
items(json_t *root, pid_t pid, const char *key)
{
	json_t *proc = tk_json_process(root, pid);
	json_t *a = json_object_get(proc, key);

	ck_assert_msg(json_is_null(json_object_get(proc, "error")),
	    "pmstat reported an error for %d", (int)pid);
	ck_assert_msg(json_is_array(a), "no \"%s\" array for %d", key, (int)pid);
	ck_assert_msg(json_object_get(proc, "mappings") == NULL ||
	    strcmp(key, "mappings") == 0, "\"mappings\" next to \"%s\"", key);
	ck_assert_msg(strcmp(key, "pages") != 0 ||
	    json_object_get(proc, "runs") == NULL, "both pages and runs");
	ck_assert_msg(strcmp(key, "runs") != 0 ||
	    json_object_get(proc, "pages") == NULL, "both runs and pages");
	return a;
}

/* A boolean that must be known (true or false, not null). */
bool
known_bool(json_t *pg, const char *key, const char *what, long i)
{
	json_t *v = json_object_get(pg, key);

	ck_assert_msg(json_is_boolean(v), "%s page %ld: %s is %s, expected "
	    "true or false", what, i, key, v == NULL ? "missing" :
	    json_is_null(v) ? "null" : "not a boolean");
	return json_is_true(v);
}

