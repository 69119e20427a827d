/*
 * check_ksm.c - pages merged by KSM: groups mapped 16 times, a KSM page
 * mapped once, its copy after a write; against smaps and per page. Turns
 * ksmd on (fast) for the test and puts every knob back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "layouts.h"

/*
 * The ksm layout, in one private anonymous mapping of KSM_N pages, made
 * MADV_MERGEABLE:
 *   pages [0, 64)   four patterns, page i has pattern i % 4: each becomes one
 *                   KSM page mapped 16 times (kpagecount 16, not exclusive);
 *   pages 64, 65    a fifth pattern: merged into one KSM page, then page 65 is
 *                   written, which gives it a copy of its own; page 64 stays a
 *                   KSM page mapped once (exclusive, kpagecount 1);
 *   pages [66, 74)  unique content: never merged;
 *   pages [74, 78)  only read: the zero page, which KSM leaves alone; on a
 *                   kernel without one (kprobe.h; arg "nozero") pages of
 *                   zeros, which KSM merges into a fifth group of 4.
 * Every pattern is seeded with the child's pid, so no other process (another
 * run, another tree) holds a page KSM could merge ours with.
 */
#define KSM_GROUPS	4
#define KSM_GROUP_N	16
#define KSM_AT_PAIR	(KSM_GROUPS * KSM_GROUP_N)	/* 64: the lone KSM page */
#define KSM_AT_COPY	(KSM_AT_PAIR + 1)		/* 65: written after merging */
#define KSM_AT_UNIQUE	(KSM_AT_PAIR + 2)
#define KSM_UNIQUE	8
#define KSM_AT_ZERO	(KSM_AT_UNIQUE + KSM_UNIQUE)
#define KSM_ZERO	4
#define KSM_N		(KSM_AT_ZERO + KSM_ZERO)
#define KSM_MERGED	(KSM_GROUPS * KSM_GROUP_N + 1)		/* KPF_KSM at the end */
#define KSM_EXCL	(KSM_UNIQUE + 2)	/* unique pages, the lone KSM page, the copy */
#define KSM_SHARED	(KSM_GROUPS * KSM_GROUP_N)
#define KSM_ANON	(KSM_N - KSM_ZERO)
/* Each group's page is a 16th of a page to PSS; the mapping's Pss in pages. */
#define KSM_PSS		(KSM_EXCL + KSM_GROUPS)
/* The layout child waits this long for ksmd, inside tk_spawn()'s 20 s. */
#define KSM_WAIT_MS	15000

#define KSM_DIR		"/sys/kernel/mm/ksm"

/* A page of words from seed: distinct seeds give distinct first words. */
static void
ksm_fill(char *p, uint64_t seed)
{
	uint64_t *w = (uint64_t *)(void *)p;

	for (size_t j = 0; j < ps / sizeof(*w); j++)
		w[j] = seed * UINT64_C(0x9e3779b97f4a7c15) +
		    j * UINT64_C(0xbf58476d1ce4e5b9) + 1;
}

/* A number from /sys/kernel/mm/ksm/name, or -1. */
static long
ksm_sys(const char *name)
{
	char path[128];
	FILE *fp;
	long v = -1;

	snprintf(path, sizeof(path), KSM_DIR "/%s", name);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

/*
 * In the layout child: wait until our smaps shows want pages of m merged
 * (ksmd needs a few full scans: a checksum, then the unstable tree, then the
 * merge; on 6.18 with the fixture's settings that took 5-20 ms). 0, or -1
 * with rep failed (or skipped).
 */
static int
ksm_wait(const char *m, long want, struct tk_report *rep)
{
	long fs0 = ksm_sys("full_scans"), fs = fs0, last = -1, since = fs0;
	struct tk_smaps s;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (tk_smaps_one(getpid(), (uintptr_t)m, &s) != 0)
			return tk_fail(rep, "ksm: no smaps entry at %p",
			    (const void *)m);
		if (s.ksm < 0) {
			tk_skip(rep, "smaps has no KSM line (an older kernel)");
			return -1;
		}
		fs = ksm_sys("full_scans");
		if (s.ksm == want * pk) {
			rep->val[1] += ms_since(&t0);
			rep->val[2] += fs - fs0;
			return 0;
		}
		if (s.ksm != last) {
			last = s.ksm;
			since = fs;
		}
		/* Twenty full scans with ten of them changing nothing: settled. */
		if (fs0 >= 0 && fs - fs0 >= 20 && fs - since >= 10)
			return tk_fail(rep, "ksm: merging settled at %ld kB of the "
			    "mapping, expected %ld kB (full_scans %ld -> %ld)",
			    s.ksm, want * pk, fs0, fs);
		if (ms_since(&t0) >= KSM_WAIT_MS)
			return tk_fail(rep, "ksm: %ld of %ld kB merged after %d ms "
			    "(full_scans %ld -> %ld, run %ld): ksmd is not merging",
			    s.ksm, want * pk, KSM_WAIT_MS, fs0, fs, ksm_sys("run"));
		usleep(5000);
	}
}

static void
layout_ksm(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(KSM_N, 0);
	uint64_t base = (uint64_t)getpid() << 16;
	volatile const char *v = m;
	int64_t sum = 0;
	/* The read pages KSM merges where they are not the zero page. */
	long extra = arg != NULL && strstr(arg, "nozero") != NULL ? KSM_ZERO : 0;

	if (m == NULL || mprotect(m, KSM_N * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "ksm layout: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < KSM_N; i++) {
		if (i < KSM_AT_PAIR)
			ksm_fill(m + i * ps, base | (i % KSM_GROUPS));
		else if (i < KSM_AT_UNIQUE)
			ksm_fill(m + i * ps, base | KSM_GROUPS);
		else if (i < KSM_AT_ZERO)
			ksm_fill(m + i * ps, base | (0x100 + i));
		else
			sum += v[i * ps];
	}
	if (madvise(m, KSM_N * ps, MADV_MERGEABLE) != 0) {
		if (errno == EINVAL)
			tk_skip(rep, "MADV_MERGEABLE: %s (no KSM)", strerror(errno));
		else
			tk_fail(rep, "MADV_MERGEABLE: %s", strerror(errno));
		return;
	}
	if (ksm_wait(m, KSM_MERGED + 1 + extra, rep) != 0)
		return;
	/* A write to a KSM page copies it: page 64 is left mapped once. */
	ksm_fill(m + KSM_AT_COPY * ps, base | 0x200);
	if (ksm_wait(m, KSM_MERGED + extra, rep) != 0)
		return;
	/*
	 * A child forked now maps the KSM pages before ksmd has scanned it:
	 * its ksm_merging_pages reads 0 until then (for good with ksmd
	 * stopped), yet its pages are KSM pages.
	 */
	if (arg != NULL && strstr(arg, "fork") != NULL) {
		pid_t pid = tk_fork_member();

		if (pid < 0) {
			tk_fail(rep, "fork: %s", strerror(errno));
			return;
		}
		if (pid == 0)
			tk_hold();
		rep->pids[rep->npids++] = pid;
	}
	rep->addr[0] = (uintptr_t)m;
	rep->val[0] = sum;
	rep->ok = 1;
}

/*
 * The KSM settings are system-wide. The unchecked fixture (in the runner,
 * so that it runs however the test ends) saves them, speeds ksmd up and
 * turns it on; its teardown puts every one back. The saved values also go
 * to KSM_SAVED first: if the runner is killed in between, the next run
 * restores them from there. An flock on KSM_DIR/run (sysfs files take
 * flocks) serializes this test case across every tree that runs it, so
 * that no run saves another run's settings as the original ones.
 */
#define KSM_SAVED	"/tmp/pmstat-itest.ksm-saved"

/* Written in this order and restored in the reverse: run last, then first. */
static const struct {
	const char	*knob;
	long		 value;
	bool		 needed;	/* without it the test cannot run */
} ksm_knobs[] = {
	{ "pages_to_scan", 10000, false },
	{ "sleep_millisecs", 1, false },
	/* Pages of zeros merge into a KSM page, not the zero page. */
	{ "use_zero_pages", 0, false },
	{ "run", 1, true },
};
#define KSM_KNOBS	(sizeof(ksm_knobs) / sizeof(ksm_knobs[0]))

/* What ksmd counts of the pages merged; ours go when ksmd reaps our children. */
static const char *const ksm_counters[] = {
	"pages_shared", "pages_sharing", "pages_unshared",
};
#define KSM_COUNTERS	(sizeof(ksm_counters) / sizeof(ksm_counters[0]))

/* Set in the runner by the unchecked fixture, seen by the forked test. */
static char ksm_skip[256];
static long ksm_saved[KSM_KNOBS];
static long ksm_base[KSM_COUNTERS];
static int ksm_lock_fd = -1;

static int
ksm_set(const char *knob, long v)
{
	char path[128];

	snprintf(path, sizeof(path), KSM_DIR "/%s", knob);
	return ksm_sys(knob) == v ? 0 : write_long_file(path, v);
}

/* Put back every saved setting, run first; 0 if all are back. */
static int
ksm_restore(const long *saved)
{
	int r = 0;

	for (size_t i = KSM_KNOBS; i-- > 0; ) {
		if (saved[i] < 0)
			continue;
		if (ksm_set(ksm_knobs[i].knob, saved[i]) != 0) {
			fprintf(stderr, "cannot restore %s/%s to %ld: %s\n", KSM_DIR,
			    ksm_knobs[i].knob, saved[i], strerror(errno));
			r = -1;
		}
	}
	return r;
}

/* Settings an interrupted run left in KSM_SAVED: put them back; 0 or -1. */
static int
ksm_recover(void)
{
	long saved[KSM_KNOBS];
	char knob[64];
	long v;
	FILE *fp = fopen(KSM_SAVED, "re");

	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	for (size_t i = 0; i < KSM_KNOBS; i++)
		saved[i] = -1;
	while (fscanf(fp, "%63s %ld", knob, &v) == 2)
		for (size_t i = 0; i < KSM_KNOBS; i++)
			if (strcmp(knob, ksm_knobs[i].knob) == 0)
				saved[i] = v;
	fclose(fp);
	fprintf(stderr, "note: ksm: restoring the settings an interrupted run "
	    "saved in %s\n", KSM_SAVED);
	if (ksm_restore(saved) != 0 || unlink(KSM_SAVED) != 0)
		return -1;
	return 0;
}

static bool
ksm_write_saved(void)
{
	int fd = open(KSM_SAVED, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	FILE *fp;
	bool ok;

	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (size_t i = 0; i < KSM_KNOBS; i++)
		fprintf(fp, "%s %ld\n", ksm_knobs[i].knob, ksm_saved[i]);
	ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
	return fclose(fp) == 0 && ok;
}

static void
ksm_setup(void)
{
	ksm_skip[0] = '\0';
	for (size_t i = 0; i < KSM_KNOBS; i++)
		ksm_saved[i] = -1;
	if (access(KSM_DIR "/run", F_OK) != 0) {
		snprintf(ksm_skip, sizeof(ksm_skip), "no %s/run: %s", KSM_DIR,
		    strerror(errno));
		return;
	}
	if (!kp_get()->ksm.yes) {
		strlcpy(ksm_skip, kp_get()->ksm.why, sizeof(ksm_skip));
		return;
	}
	/* pmstat cannot tell a KSM page where the flag marks every one. */
	if (kp_get()->root && !kp_get()->ksm_flag.yes) {
		strlcpy(ksm_skip, kp_get()->ksm_flag.why, sizeof(ksm_skip));
		return;
	}
	if ((ksm_lock_fd = open(KSM_DIR "/run", O_RDONLY | O_CLOEXEC)) < 0 ||
	    flock(ksm_lock_fd, LOCK_EX) != 0) {
		snprintf(ksm_skip, sizeof(ksm_skip), "cannot lock %s/run: %s",
		    KSM_DIR, strerror(errno));
		return;
	}
	/* Not knowing the original settings, change none. */
	if (ksm_recover() != 0) {
		snprintf(ksm_skip, sizeof(ksm_skip), "cannot restore the settings "
		    "in %s", KSM_SAVED);
		close(ksm_lock_fd);
		ksm_lock_fd = -1;
		return;
	}
	/* Below 16, each group's page would be split into a chain of dups. */
	if (ksm_sys("max_page_sharing") >= 0 &&
	    ksm_sys("max_page_sharing") < KSM_GROUP_N) {
		snprintf(ksm_skip, sizeof(ksm_skip), "%s/max_page_sharing is "
		    "%ld, below %d", KSM_DIR, ksm_sys("max_page_sharing"),
		    KSM_GROUP_N);
		return;
	}
	for (size_t i = 0; i < KSM_KNOBS; i++)
		if ((ksm_saved[i] = ksm_sys(ksm_knobs[i].knob)) < 0) {
			snprintf(ksm_skip, sizeof(ksm_skip), "cannot read %s/%s",
			    KSM_DIR, ksm_knobs[i].knob);
			return;
		}
	for (size_t i = 0; i < KSM_COUNTERS; i++)
		ksm_base[i] = ksm_sys(ksm_counters[i]);
	if (!ksm_write_saved())
		fprintf(stderr, "note: ksm: cannot save the settings in %s: %s\n",
		    KSM_SAVED, strerror(errno));
	for (size_t i = 0; i < KSM_KNOBS; i++) {
		if (ksm_set(ksm_knobs[i].knob, ksm_knobs[i].value) == 0)
			continue;
		if (ksm_knobs[i].needed) {
			snprintf(ksm_skip, sizeof(ksm_skip), "cannot write %s/%s: %s",
			    KSM_DIR, ksm_knobs[i].knob, strerror(errno));
			return;
		}
		/* pages_to_scan is refused while the scan-time advisor runs. */
		fprintf(stderr, "note: ksm: cannot set %s/%s to %ld (%s): scanning "
		    "at its own pace\n", KSM_DIR, ksm_knobs[i].knob,
		    ksm_knobs[i].value, strerror(errno));
	}
}

static void
ksm_teardown(void)
{
	struct timespec t0;
	long fs0;

	/*
	 * The children first. ksmd drops a dead process's rmap items and
	 * stable nodes when its scan reaches it: until then pages_shared and
	 * pages_sharing still count its pages, and stopping ksmd would leave
	 * them so. Wait for the counters to be back where they were, or (other
	 * processes merging meanwhile) two full scans.
	 */
	tk_cleanup();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ksm_sys("run") == 1 && (fs0 = ksm_sys("full_scans")) >= 0)
		while (ksm_sys("full_scans") < fs0 + 2 && ms_since(&t0) < 5000) {
			bool back = true;

			for (size_t i = 0; i < KSM_COUNTERS; i++)
				if (ksm_sys(ksm_counters[i]) > ksm_base[i])
					back = false;
			if (back)
				break;
			usleep(2000);
		}
	if (ksm_lock_fd >= 0 && ksm_restore(ksm_saved) == 0)
		unlink(KSM_SAVED);
	for (size_t i = 0; i < KSM_KNOBS; i++)
		ksm_saved[i] = -1;
	if (ksm_lock_fd >= 0)
		close(ksm_lock_fd);
	ksm_lock_fd = -1;
}

/*
 * The pages only read: KSM_ZERO zero pages where the kernel maps the zero
 * page; else pages of zeros, which KSM merges into one more group
 * (ksm_extra pages, one KSM page mapped at least KSM_ZERO times).
 */
static int64_t
ksm_zero(void)
{
	return kp_get()->zero_page.yes ? KSM_ZERO : 0;
}

static int64_t
ksm_extra(void)
{
	return KSM_ZERO - ksm_zero();
}

/*
 * Pages of zeros are the one content the pid cannot make ours: KSM merges
 * them with any other process's mergeable pages of zeros (seen on 6.18: a
 * frame mapped 242 times while other test programs ran). So the read
 * group's map count is at least KSM_ZERO, and its share of the PSS between
 * none and one page (pss in pages; 0 where the read pages are zero pages).
 */
static void
expect_ksm_pss(double pss, double base, const char *what)
{
	double hi = base + (ksm_extra() ? 1 : 0);

	ck_assert_msg(pss >= base && pss <= hi, "%s: pss %f, expected %f to %f",
	    what, pss, base, hi);
}

/* The layout's arg: whether the read pages are zero pages. */
static const char *
ksm_arg(void)
{
	return kp_get()->zero_page.yes ? NULL : "nozero";
}

static void
expect_ksm_mapping(json_t *m, unsigned how)
{
	EXPECT(m, "pages", KSM_N);
	EXPECT(m, "present", KSM_N);
	EXPECT_K(m, "zero", ksm_zero(), how);
	EXPECT_K(m, "anon", KSM_ANON + ksm_extra(), how);
	EXPECT(m, "file", 0);
	EXPECT(m, "swapped", 0);
	EXPECT_K(m, "thp", 0, how);
	/*
	 * A KSM page mapped twice or more is shared (pagemap bit 56 clear); one
	 * mapped once has the bit, as smaps counts it Private_Dirty. So
	 * cow_shared, by its definition (anon, not exclusive), leaves the lone
	 * KSM page out, although the kernel copies a KSM page on every write
	 * (seen on 6.18: the lone page's next write gave it a new frame).
	 */
	EXPECT(m, "exclusive", KSM_EXCL);
	EXPECT_K(m, "shared", KSM_SHARED + ksm_extra(), how);
	EXPECT_K(m, "cow_shared", KSM_SHARED + ksm_extra(), how);
	EXPECT_K(m, "cow_copied", 0, how);
	EXPECT_K(m, "ksm", KSM_MERGED + ksm_extra(), how);
	EXPECT_K(m, "dirty", KSM_ANON + ksm_extra(), how);
	if (kp_known("pss", how))
		expect_ksm_pss(tk_json_real(m, "pss"), KSM_PSS, "ksm");
	else
		EXPECT_NULL(m, "pss");
}

/* The kernel's own view of the mapping, before pmstat's is compared with it. */
static void
expect_ksm_smaps(const struct tk_smaps *s)
{
	int64_t extra = ksm_extra();

	ck_assert_msg(tk_smaps_has_flag(s, "mg"), "ksm: VmFlags without mg: %s",
	    s->vmflags);
	ck_assert_int_eq(s->ksm, (KSM_MERGED + extra) * pk);
	ck_assert_int_eq(s->rss, (KSM_ANON + extra) * pk);
	ck_assert_int_eq(s->anonymous, (KSM_ANON + extra) * pk);
	ck_assert_int_eq(s->private_clean + s->private_dirty, KSM_EXCL * pk);
	ck_assert_int_eq(s->shared_clean + s->shared_dirty,
	    (KSM_SHARED + extra) * pk);
	/* In kB, truncated: compared in pages. */
	expect_ksm_pss((double)s->pss / (double)pk, KSM_PSS, "ksm smaps Pss");
}

/* The frame slot of page i in gpfn: a group, the lone page, the read pages. */
#define KSM_SLOT_LONE	KSM_GROUPS
#define KSM_SLOT_READ	(KSM_GROUPS + 1)
#define KSM_SLOTS	(KSM_GROUPS + 2)

/*
 * One page's kpage view: KPF_KSM, anon or zero_page, its map count; the
 * frames of the merged pages go to gpfn (a group's pages share one).
 */
static void
expect_ksm_kpage(json_t *pg, size_t i, uint64_t *gpfn)
{
	bool grouped = i < KSM_AT_PAIR, read = i >= KSM_AT_ZERO;
	bool zero = read && ksm_zero() > 0, merged_read = read && !zero;
	bool ksm = i <= KSM_AT_PAIR || merged_read;
	int64_t count = grouped ? KSM_GROUP_N : zero ? 0 :
	    merged_read ? KSM_ZERO : 1;
	int slot = grouped ? (int)(i % KSM_GROUPS) : merged_read ?
	    KSM_SLOT_READ : i == KSM_AT_PAIR ? KSM_SLOT_LONE : -1;
	uint64_t pfn = tk_json_hex(pg, "pfn");

	ck_assert_msg(flag_in(pg, "ksm") == ksm,
	    "ksm page %zu: KPF_KSM %d, expected %d", i, flag_in(pg, "ksm"), ksm);
	ck_assert_msg(flag_in(pg, "anon") == !zero &&
	    flag_in(pg, "zero_page") == zero,
	    "ksm page %zu: kpageflags anon %d zero_page %d", i,
	    flag_in(pg, "anon"), flag_in(pg, "zero_page"));
	ck_assert_msg(tk_json_int(pg, "kpagecount") == count ||
	    (merged_read && tk_json_int(pg, "kpagecount") > count),
	    "ksm page %zu: kpagecount %" PRId64 ", expected %s%" PRId64, i,
	    tk_json_int(pg, "kpagecount"), merged_read ? "at least " : "", count);
	if (slot >= 0 && gpfn[slot] == 0)
		gpfn[slot] = pfn;
	ck_assert_msg(slot < 0 || pfn == gpfn[slot], "ksm page %zu: frame 0x%"
	    PRIx64 ", its group's is 0x%" PRIx64, i, pfn, slot < 0 ? 0 :
	    gpfn[slot]);
	if (i == KSM_AT_COPY)
		ck_assert_msg(pfn != gpfn[KSM_SLOT_LONE],
		    "ksm: the written page still maps the KSM frame");
}

/*
 * Per page: each group one frame with KPF_KSM and kpagecount 16, a frame of
 * its own per group; the lone KSM page exclusive with kpagecount 1; the
 * copy, the unique pages ordinary exclusive pages; the pages only read last
 * (zero pages, or a group of their own).
 */
static void
expect_ksm_pages(int uid, pid_t pid, uint64_t addr)
{
	json_t *root = pmstat_pages(uid, pid, addr, KSM_N);
	json_t *proc = tk_json_process(root, pid);
	uint64_t gpfn[KSM_SLOTS] = { 0 };
	unsigned how = uid >= 0 ? KP_NOBODY : 0;
	bool priv = kp_page_known("kpageflags", how);

	for (size_t i = 0; i < KSM_N; i++) {
		json_t *pg = tk_json_page(proc, addr + i * ps);
		bool grouped = i < KSM_AT_PAIR, read = i >= KSM_AT_ZERO;
		bool zero = read && ksm_zero() > 0;

		ck_assert_msg(tk_json_bool(pg, "present") &&
		    !tk_json_bool(pg, "file") && !tk_json_bool(pg, "swapped"),
		    "ksm page %zu: not present anonymous", i);
		expect_page_bool(pg, "zero", zero, how, "ksm", (long)i);
		ck_assert_msg(tk_json_bool(pg, "exclusive") == (!grouped && !read),
		    "ksm page %zu: exclusive %d, expected %d", i,
		    tk_json_bool(pg, "exclusive"), !grouped && !read);
		if (!priv) {
			EXPECT_NULL(pg, "kpageflags");
			EXPECT_NULL(pg, "kpagecount");
			continue;
		}
		expect_ksm_kpage(pg, i, gpfn);
	}
	for (int a = 0; priv && a < KSM_SLOTS; a++)
		for (int b = a + 1; b < KSM_SLOTS; b++)
			ck_assert_msg(gpfn[a] == 0 || gpfn[a] != gpfn[b],
			    "ksm: groups %d and %d share frame 0x%" PRIx64, a, b,
			    gpfn[a]);
	json_decref(root);
}

START_TEST(test_ksm)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;

	if (ksm_skip[0] != '\0') {
		check_skip("%s", ksm_skip);
		return;
	}
	if (!spawn("ksm", ksm_arg(), -1, &c))
		return;
	ck_assert_int_eq(c.rep.val[0], 0);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	expect_ksm_smaps(&s);
	expect_ksm_mapping(m, 0);
	/* ksm = KSM, exclusive, shared and pss against smaps; = --full-join. */
	relations(root, &c, "ksm");
	json_decref(root);
	expect_ksm_pages(-1, c.pid, c.rep.addr[0]);
	tk_kill(&c);
}
END_TEST

/*
 * KSM merged in another process only: pages_shared is not 0, but pmstat's
 * target asked for no KSM. Its counts must be those of --full-join, KSM 0.
 */
START_TEST(test_ksm_elsewhere)
{
	struct tk_child k, f;
	json_t *root;

	if (ksm_skip[0] != '\0') {
		check_skip("%s", ksm_skip);
		return;
	}
	if (!spawn("ksm", ksm_arg(), -1, &k) || !spawn("fork", NULL, -1, &f))
		return;
	ck_assert_msg(ksm_sys("pages_shared") > 0, "ksm: pages_shared is 0 "
	    "with a merged process running");
	root = pmstat_json(-1, NULL, f.pid, f.rep.pids[0]);
	for (int i = 0; i <= f.rep.npids; i++) {
		pid_t pid = i == 0 ? f.pid : f.rep.pids[i - 1];
		json_t *m = mapping_of(root, pid, f.rep.addr[0], NULL);

		EXPECT_K(m, "ksm", 0, 0);
		EXPECT(m, "present", FORK_N);
	}
	relations(root, &f, "ksm elsewhere");
	json_decref(root);
	tk_kill(&f);
	tk_kill(&k);
}
END_TEST

/*
 * A child forked after the merge maps the same KSM pages: whatever its
 * ksm_stat counts, its KSM pages are counted, as --full-join counts them.
 */
START_TEST(test_ksm_forked)
{
	char arg[32];
	struct tk_child c;
	json_t *root, *m, *cm;

	if (ksm_skip[0] != '\0') {
		check_skip("%s", ksm_skip);
		return;
	}
	snprintf(arg, sizeof(arg), "%sfork", ksm_arg() != NULL ? "nozero," : "");
	if (!spawn("ksm", arg, -1, &c))
		return;
	ck_assert_int_eq(c.rep.npids, 1);
	root = pmstat_json(-1, NULL, c.pid, c.rep.pids[0]);
	m = mapping_of(root, c.pid, c.rep.addr[0], NULL);
	cm = mapping_of(root, c.rep.pids[0], c.rep.addr[0], NULL);
	EXPECT_K(m, "ksm", KSM_MERGED + ksm_extra(), 0);
	EXPECT_K(cm, "ksm", KSM_MERGED + ksm_extra(), 0);
	relations(root, &c, "ksm forked");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* The layout and pmstat as nobody: the map counts known, the kpage ones null. */
START_TEST(test_ksm_unprivileged)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;

	if (ksm_skip[0] != '\0') {
		check_skip("%s", ksm_skip);
		return;
	}
	if (!can_be_nobody("ksm_unprivileged") ||
	    !spawn("ksm", ksm_arg(), NOBODY_UID, &c))
		return;
	root = pmstat_json(NOBODY_UID, NULL, c.pid, 0);
	ck_assert_msg(json_is_false(json_object_get(root, "privileged")),
	    "pmstat as nobody claims privilege");
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	expect_ksm_smaps(&s);
	expect_ksm_mapping(m, KP_NOBODY);
	relations(root, &c, "ksm_unprivileged");
	json_decref(root);
	expect_ksm_pages(NOBODY_UID, c.pid, c.rep.addr[0]);

	/* Root sees the same process's KSM pages. */
	root = pmstat_json(-1, NULL, c.pid, 0);
	expect_ksm_mapping(mapping_of(root, c.pid, c.rep.addr[0], NULL), 0);
	relations(root, &c, "ksm_unprivileged (root's run)");
	json_decref(root);
	tk_kill(&c);
}
END_TEST


static Suite *
ksm_suite(void)
{
	Suite *s = suite_create("ksm");
	TCase *tc = itest_tcase(s, "ksm", ksm_setup, ksm_teardown);

	tcase_add_test(tc, test_ksm);
	tcase_add_test(tc, test_ksm_unprivileged);
	tcase_add_test(tc, test_ksm_elsewhere);
	tcase_add_test(tc, test_ksm_forked);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "ksm", layout_ksm },
	{ "fork", layout_fork },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, ksm_suite);
}
