/*
 * check_runs.c - --pages=runs over 1 GiB of blocks in three states, held
 * against the per-page CSV, page by page, with and without kpageflags.
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

/*
 * The blocks layout: a 1 GiB mapping (MADV_NOHUGEPAGE: no THP, one PTE per
 * page) in blocks of BLK_PAGES pages that cycle written / read (the zero
 * page, where the kernel maps it) / untouched.
 */
#define BLK_PAGES	1024
#define BLK_N		256
#define BLK_TOTAL	((size_t)BLK_PAGES * BLK_N)	/* 262,144 pages */

enum blk_state { BLK_WRITTEN, BLK_ZERO, BLK_NONE };

static enum blk_state
blk_state(size_t block)
{
	return (enum blk_state)(block % 3);
}

static const char *const blk_names[] = { "written", "zero page", "untouched" };

/*
 * The state pmstat sees: where a read fault maps no zero page (kprobe.h),
 * a block only read holds exclusive anonymous pages, as a written one does.
 */
static enum blk_state
blk_seen(size_t block)
{
	enum blk_state st = blk_state(block);

	return st == BLK_ZERO && !kp_get()->zero_page.yes ? BLK_WRITTEN : st;
}

/* Blocks from block on that pmstat sees in one state: one run. */
static size_t
blk_run_blocks(size_t block)
{
	size_t n = 1;

	while (block + n < BLK_N && blk_seen(block + n) == blk_seen(block))
		n++;
	return n;
}

static size_t
blk_nruns(void)
{
	size_t n = 0;

	for (size_t b = 0; b < BLK_N; b += blk_run_blocks(b))
		n++;
	return n;
}

/*
 * The flags word of a run in state st. A page run knows the zero_page and
 * anon bits from PAGEMAP_SCAN or kpageflags only (kp_page_known()); where
 * it cannot, both stay clear. The soft-dirty bit (pagemap's bit 55, set on
 * every page of a fresh mapping, present or not, where the kernel tracks
 * it) is not the blocks' state: it must be clear where soft-dirty is not
 * tracked, and is left out of the rest.
 */
static void
expect_run_word(uint64_t w, enum blk_state st, bool zero_known,
    bool anon_known, const char *who, size_t i)
{
	ck_assert_msg(kp_page_known("soft_dirty", 0) || !(w & W_SOFTDIRTY),
	    "%s: run %zu: flags 0x%" PRIx64 ": soft-dirty, which this kernel "
	    "does not track", who, i, w);
	w &= ~W_SOFTDIRTY;
	switch (st) {
	case BLK_WRITTEN:
		ck_assert_msg(!!(w & W_ANON) == anon_known && (w & W_EXCLUSIVE) &&
		    !(w & (W_ZERO_PAGE | W_FILE)), "%s: run %zu (written): "
		    "flags 0x%" PRIx64, who, i, w);
		break;
	case BLK_ZERO:
		ck_assert_msg(!!(w & W_ZERO_PAGE) == zero_known &&
		    !(w & (W_ANON | W_FILE | W_EXCLUSIVE)),
		    "%s: run %zu (zero page): flags 0x%" PRIx64, who, i, w);
		break;
	case BLK_NONE:
		ck_assert_msg(w == 0, "%s: run %zu (untouched): flags 0x%"
		    PRIx64, who, i, w);
		break;
	}
}

static void
layout_blocks(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(BLK_TOTAL, 0);
	volatile char *v;
	int64_t sum = 0;

	(void)arg;
	pin_cpu();
	if (m == NULL || mprotect(m, BLK_TOTAL * ps, PROT_READ | PROT_WRITE) != 0 ||
	    madvise(m, BLK_TOTAL * ps, MADV_NOHUGEPAGE) != 0) {
		tk_fail(rep, "blocks layout: %s", strerror(errno));
		return;
	}
	v = m;
	for (size_t i = 0; i < BLK_TOTAL; i++) {
		switch (blk_state(i / BLK_PAGES)) {
		case BLK_WRITTEN:
			v[i * ps] = 'W';
			break;
		case BLK_ZERO:
			sum += v[i * ps];
			break;
		case BLK_NONE:
			break;
		}
	}
	if (drain_lru() != 0) {
		tk_fail(rep, "blocks layout: drain: %s", strerror(errno));
		return;
	}
	rep->val[0] = sum;
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

struct run_rec {
	size_t		first;		/* page index in the mapping */
	size_t		n;
	uint64_t	word;
	bool		present;
	const char	*zero;		/* CSV: "true", "false", "" (unknown) */
};

/*
 * ck_assert_msg() records its location with the runner on every pass, a
 * write per call: too slow for 262,144 rows. This one only fails.
 */
#define HOT_ASSERT(cond, ...) do {					\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* Split a CSV line (no quoting: no field here needs it) into fields. */
static size_t
csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, ',')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

static uint64_t
parse_hex(const char *s, const char *what, size_t row)
{
	char *end;
	uint64_t v;

	HOT_ASSERT(strncmp(s, "0x", 2) == 0, "CSV row %zu: %s '%s' is not "
	    "hex", row, what, s);
	errno = 0;
	v = strtoull(s + 2, &end, 16);
	HOT_ASSERT(errno == 0 && *end == '\0' && end != s + 2,
	    "CSV row %zu: bad %s '%s'", row, what, s);
	return v;
}

/*
 * pmstat --pages=all --csv -n over the 1 GiB: one row per page, read as it
 * comes (about 30 MB of text) and held against the runs page by page: the
 * same presence, zero page and flags word as the run that covers it.
 */
static void
compare_csv_with_runs(int uid, const char *opt, pid_t pid, uint64_t base,
    const struct run_rec *runs, size_t nruns, uint64_t volatile_bits,
    const char *who)
{
	enum { C_PID, C_ADDR, C_PAGES, C_PRESENT, C_SWAPPED, C_FILE, C_EXCL,
	    C_ZERO, C_SOFT_DIRTY, C_UFFD_WP, C_GUARD, C_PFN, C_SWAP_TYPE,
	    C_SWAP_OFFSET, C_KPAGECOUNT, C_KPAGEFLAGS, C_COW, C_FLAGS, C_PATH,
	    C_N };
	char r[64], p[16], pidstr[16], *line = NULL, *f[C_N + 1];
	const char *args[] = { "--pages=all", "--csv", "-n", opt ? opt : "-n",
	    "--range", rangearg(r, sizeof(r), base, base + BLK_TOTAL * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	size_t cap = 0, row = 0, k = 0;
	FILE *fp;
	pid_t ppid;
	int status;

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	ppid = tk_pmstat_open(uid, uid >= 0 ? NOBODY_GID : -1, &fp, args);
	ck_assert_msg(ppid > 0, "cannot run pmstat --pages=all --csv");
	while (getline(&line, &cap, fp) > 0) {
		size_t nf = csv_split(line, f, C_N + 1);
		uint64_t addr, word;
		bool present;

		if (row >= BLK_TOTAL) {
			row++;
			continue;	/* counted, reported below */
		}
		HOT_ASSERT(nf == C_N, "%s CSV row %zu: %zu fields, expected %d",
		    who, row, nf, C_N);
		while (k < nruns && row >= runs[k].first + runs[k].n)
			k++;
		HOT_ASSERT(k < nruns && row >= runs[k].first,
		    "%s CSV row %zu: in no run", who, row);
		addr = parse_hex(f[C_ADDR], "addr", row);
		word = parse_hex(f[C_FLAGS], "flags", row);
		present = strcmp(f[C_PRESENT], "true") == 0;
		HOT_ASSERT(strcmp(f[C_PID], pidstr) == 0 &&
		    addr == base + row * ps && strcmp(f[C_PAGES], "1") == 0,
		    "%s CSV row %zu: pid %s addr 0x%" PRIx64 " pages %s, expected "
		    "%s 0x%" PRIx64 " 1", who, row, f[C_PID], addr, f[C_PAGES],
		    pidstr, base + row * ps);
		HOT_ASSERT((present || strcmp(f[C_PRESENT], "false") == 0) &&
		    present == runs[k].present,
		    "%s page %zu: present %s, its run (%zu at page %zu) %d", who,
		    row, f[C_PRESENT], runs[k].n, runs[k].first, runs[k].present);
		HOT_ASSERT((word & ~volatile_bits) ==
		    (runs[k].word & ~volatile_bits),
		    "%s page %zu: flags 0x%" PRIx64 ", its run (%zu pages at page "
		    "%zu) 0x%" PRIx64, who, row, word, runs[k].n, runs[k].first,
		    runs[k].word);
		HOT_ASSERT(strcmp(f[C_ZERO], runs[k].zero) == 0,
		    "%s page %zu: zero '%s', its run '%s'", who, row, f[C_ZERO],
		    runs[k].zero);
		HOT_ASSERT(*f[C_PATH] == '\0', "%s page %zu: path '%s'", who,
		    row, f[C_PATH]);
		row++;
	}
	free(line);
	status = tk_pmstat_close(fp, ppid);
	ck_assert_msg(status == 0, "%s: pmstat --pages=all --csv exited %d", who,
	    status);
	ck_assert_msg(row == BLK_TOTAL, "%s: %zu CSV rows, expected %zu (one "
	    "per page)", who, row, BLK_TOTAL);
}

/*
 * --pages=runs over the 1 GiB as uid (with opt, if not NULL), then the
 * per-page CSV against the runs. The runs must tile the mapping in order,
 * one run per block (a run breaks on the flags word, volatile_bits aside,
 * and on kpagecount) in the block's state; blocks pmstat sees in the same
 * state (blk_seen) make one run. The CSV's words are compared
 * with their run's without volatile_bits.
 */
static void
check_blocks(int uid, const char *opt, pid_t pid, uint64_t base,
    uint64_t volatile_bits, const char *who)
{
	struct run_rec *runs;
	json_t *root, *a, *run;
	size_t i, next = 0, nruns;
	unsigned how = (uid >= 0 ? KP_NOBODY : 0) | (opt ? KP_NO_KPAGE : 0);
	/* Per page: no smaps to settle zero and anon (kp_page_known()). */
	bool kpage = kp_page_known("kpagecount", how);
	bool zero_known = kp_page_known("zero", how);
	bool anon_known = kp_page_known("anon", how);
	int fd = -1;

	root = opt ? pmstat_view(uid, OPTS("--pages=runs", opt), pid, base,
	    base + BLK_TOTAL * ps) : pmstat_view(uid, OPTS("--pages=runs"), pid,
	    base, base + BLK_TOTAL * ps);
	a = items(root, pid, "runs");
	nruns = json_array_size(a);
	ck_assert_msg(nruns == blk_nruns(), "%s: %zu runs, expected %zu (one "
	    "per block of %d pages, or blocks in the same state)", who, nruns,
	    blk_nruns(), BLK_PAGES);
	runs = calloc(nruns, sizeof(*runs));
	ck_assert(runs != NULL);
	if (kp_page_known("pfn", uid >= 0 ? KP_NOBODY : 0))
		fd = open_pagemap(pid);
	json_array_foreach(a, i, run) {
		uint64_t addr = tk_json_hex(run, "addr");
		int64_t n = tk_json_int(run, "pages");
		uint64_t w = tk_json_hex(run, "flags");
		size_t blk = next / BLK_PAGES, want = blk_run_blocks(blk) * BLK_PAGES;
		enum blk_state st = blk_seen(blk);
		bool present = known_bool(run, "present", who, (long)next);
		/* A page not present is known not to be the zero page. */
		bool zknown = zero_known || !present;
		bool zero = zknown ? known_bool(run, "zero", who, (long)next) :
		    false;
		bool excl = known_bool(run, "exclusive", who, (long)next);
		json_t *kc = json_object_get(run, "kpagecount");

		ck_assert_msg(addr == base + next * ps && n == (int64_t)want,
		    "%s: run %zu is %" PRId64 " pages at page %" PRIu64 ", "
		    "expected block %zu at page %zu (%s, %zu pages)", who, i, n,
		    (addr - base) / ps, blk, next, blk_names[st], want);
		if (!zknown)
			EXPECT_NULL(run, "zero");
		ck_assert_msg(present == (st != BLK_NONE) &&
		    zero == (st == BLK_ZERO && zero_known) && excl == (st == BLK_WRITTEN) &&
		    !known_bool(run, "file", who, (long)next) &&
		    !known_bool(run, "swapped", who, (long)next),
		    "%s: run %zu (block %zu, %s): present %d zero %d exclusive %d",
		    who, i, blk, blk_names[st], present, zero, excl);
		expect_run_word(w, st, zero_known, anon_known, who, i);
		/* The zero page is mapped 0 times, by kpagecount. */
		if (kpage && present)
			ck_assert_msg(json_is_integer(kc) &&
			    json_integer_value(kc) == (st == BLK_WRITTEN),
			    "%s: run %zu (%s): kpagecount %s", who, i,
			    blk_names[st], json_is_integer(kc) ? "wrong" : "unknown");
		else
			ck_assert_msg(json_is_null(kc), "%s: run %zu: kpagecount "
			    "known", who, i);
		/* A run's PFN is its first page's. */
		if (fd >= 0 && present) {
			uint64_t pm = pagemap_word(fd, addr);

			ck_assert_msg(!tk_json_is_null(run, "pfn") &&
			    tk_json_hex(run, "pfn") == (pm & PM_PFN),
			    "%s: run %zu: pfn %s, its first page's 0x%" PRIx64, who,
			    i, json_string_value(json_object_get(run, "pfn")),
			    pm & PM_PFN);
		}
		runs[i] = (struct run_rec){ .first = next, .n = (size_t)n,
		    .word = w, .present = present,
		    .zero = !zknown ? "" : zero ? "true" : "false" };
		next += (size_t)n;
	}
	ck_assert_msg(next == BLK_TOTAL, "%s: the runs cover %zu pages of %zu",
	    who, next, BLK_TOTAL);
	if (fd >= 0)
		close(fd);
	json_decref(root);
	compare_csv_with_runs(uid, opt, pid, base, runs, nruns, volatile_bits,
	    who);
	free(runs);
}

/*
 * Without kpageflags (--no-kpage, or as nobody) the words come from pagemap
 * alone. With them, the kernel's LRU aging sets and clears referenced,
 * active and idle page by page at any moment (kdamond, DAMON's
 * physical-address monitor, runs on these machines and marks the pages it
 * samples idle): runs do not break on those bits, and the per-page CSV,
 * read later, may differ from the runs in them alone.
 */
START_TEST(test_pages_runs_1gib)
{
	struct tk_child c;
	uint64_t base;

	spawn("blocks", NULL, -1, &c);
	base = c.rep.addr[0];
	ck_assert_int_eq(c.rep.val[0], 0);
	check_blocks(-1, "--no-kpage", c.pid, base, 0, "--no-kpage");
	if (am_root())
		check_blocks(-1, NULL, c.pid, base, W_AGING, "root");
	tk_kill(&c);
	if (!kp_get()->zero_page.yes)
		check_skip("zero-page runs: %s", kp_get()->zero_page.why);
	else if (!am_root())
		check_skip("runs with kpageflags: not root");
}
END_TEST

/* The same as nobody, on a layout nobody owns. */
START_TEST(test_pages_runs_1gib_nobody)
{
	struct tk_child c;

	if (!can_be_nobody("pages_runs_1gib_nobody"))
		return;
	spawn("blocks", NULL, NOBODY_UID, &c);
	ck_assert_int_eq(c.rep.val[0], 0);
	check_blocks(NOBODY_UID, NULL, c.pid, c.rep.addr[0], 0, "nobody");
	tk_kill(&c);
	if (!kp_get()->zero_page.yes)
		check_skip("zero-page runs: %s", kp_get()->zero_page.why);
}
END_TEST

static Suite *
runs_suite(void)
{
	Suite *s = suite_create("runs");

	tcase_add_test(itest_tcase(s, "pages_runs", NULL, NULL),
	    test_pages_runs_1gib);
	tcase_add_test(itest_tcase(s, "pages_runs_nobody", NULL, NULL),
	    test_pages_runs_1gib_nobody);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "blocks", layout_blocks },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, runs_suite);
}
