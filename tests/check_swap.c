/*
 * check_swap.c - pages pushed to a swapfile with MADV_PAGEOUT: swapped, not
 * present; clean swap cache is not dirty; swap type and offset unknown
 * without privilege. Turns a swapfile on for the test and off after it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"

#define SWAP_N		64
#define SWAP_OUT	16	/* pages [SWAP_OUT, 2 * SWAP_OUT) are paged out */
#define SWAPFILE	"/tmp/pmstat-itest.swap"
#define SWAP_BYTES	(64L << 20)

/* How many of n pages at m our own pagemap shows swapped; -1 on error. */
static int
count_swapped(const char *m, size_t n)
{
	uint64_t w[SWAP_N];
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), got = 0;
	ssize_t r;

	if (fd < 0 || n > SWAP_N)
		return -1;
	r = pread(fd, w, n * sizeof(w[0]),
	    (off_t)((uintptr_t)m / ps * sizeof(w[0])));
	close(fd);
	if (r != (ssize_t)(n * sizeof(w[0])))
		return -1;
	for (size_t i = 0; i < n; i++)
		got += (w[i] >> 62) & 1;
	return got;
}

/* SWAP_N pages written, SWAP_OUT of them pushed out with MADV_PAGEOUT. */
/* MADV_PAGEOUT the SWAP_OUT pages at p until all are in swap; 0 or -1. */
static int
page_out(char *p, struct tk_report *rep)
{
	int got = 0;

	for (int tries = 0; tries < 50; tries++) {
		if (madvise(p, SWAP_OUT * ps, MADV_PAGEOUT) != 0) {
			if (errno == EINVAL)
				tk_skip(rep, "MADV_PAGEOUT not supported");
			else
				tk_fail(rep, "MADV_PAGEOUT: %s", strerror(errno));
			return -1;
		}
		if ((got = count_swapped(p, SWAP_OUT)) == SWAP_OUT)
			return 0;
		usleep(20000);
	}
	tk_fail(rep, "MADV_PAGEOUT: %d of %d pages reached swap", got, SWAP_OUT);
	return -1;
}

static void
layout_swap(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(SWAP_N, 0), *out;
	cpu_set_t set;
	int cpu = sched_getcpu(), got = 0;

	(void)arg;
	/*
	 * Fresh pages wait in a per-CPU batch before they reach the LRU, where
	 * MADV_PAGEOUT finds them; staying on one CPU lets its drain see them.
	 */
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (m == NULL || mprotect(m, SWAP_N * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "swap layout: %s", strerror(errno));
		return;
	}
	/* Not zero-filled: the kernel would not write those to swap at all. */
	for (size_t i = 0; i < SWAP_N; i++)
		for (size_t j = 0; j < ps; j += 8)
			m[i * ps + j] = (char)(1 + (i * 31 + j) % 251);
	out = m + SWAP_OUT * ps;
	if (page_out(out, rep) != 0)
		return;
	rep->addr[0] = (uintptr_t)m;
	/*
	 * A second mapping, paged out and then partly read back: those pages
	 * are clean swap cache, which the dirty counter must leave out, and
	 * which only kpageflags tells.
	 */
	m = tk_reserve(SWAP_OUT, 0);
	if (m == NULL || mprotect(m, SWAP_OUT * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "swap layout: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < SWAP_OUT; i++)
		for (size_t j = 0; j < ps; j += 8)
			m[i * ps + j] = (char)(3 + (i * 17 + j) % 241);
	if (page_out(m, rep) != 0)
		return;
	for (size_t i = 0; i < SWAP_OUT / 4; i++)
		got += *(volatile char *)(m + i * ps);
	rep->addr[1] = (uintptr_t)m;
	rep->val[0] = got;
	rep->ok = 1;
}
/* Set in the runner by the unchecked fixture, seen by the forked test. */
static char swap_skip[256];
/* The swap areas are system-wide: one fixture at a time, across trees. */
static int swap_lock = -1;

static bool
swapfile_active(void)
{
	char line[512];
	bool on = false;
	FILE *fp = fopen("/proc/swaps", "re");

	if (fp == NULL)
		return false;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, SWAPFILE, strlen(SWAPFILE)) == 0 &&
		    (line[strlen(SWAPFILE)] == ' ' || line[strlen(SWAPFILE)] == '\t'))
			on = true;
	fclose(fp);
	return on;
}

/* Turn our swapfile off and remove it: at start (a crashed run) and at end. */
static void
swap_remove(void)
{
	if (swapfile_active() && swapoff(SWAPFILE) != 0)
		fprintf(stderr, "swapoff %s: %s\n", SWAPFILE, strerror(errno));
	if (unlink(SWAPFILE) != 0 && errno != ENOENT)
		fprintf(stderr, "unlink %s: %s\n", SWAPFILE, strerror(errno));
}

static void
swap_setup(void)
{
	char cmd[256];
	int fd, r;

	swap_skip[0] = '\0';
	if (!kp_get()->swap.yes) {
		strlcpy(swap_skip, kp_get()->swap.why, sizeof(swap_skip));
		return;
	}
	if (itest_lock("/proc/swaps", &swap_lock) != 0) {
		snprintf(swap_skip, sizeof(swap_skip), "cannot lock /proc/swaps: "
		    "%s", strerror(errno));
		return;
	}
	swap_remove();
	fd = open(SWAPFILE, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(swap_skip, sizeof(swap_skip), "create %s: %s", SWAPFILE,
		    strerror(errno));
		return;
	}
	r = posix_fallocate(fd, 0, SWAP_BYTES);
	close(fd);
	if (r != 0) {
		snprintf(swap_skip, sizeof(swap_skip), "fallocate: %s",
		    strerror(r));
		swap_remove();
		return;
	}
	snprintf(cmd, sizeof(cmd), "mkswap %s >/dev/null 2>&1", SWAPFILE);
	if ((r = system(cmd)) != 0) {
		snprintf(swap_skip, sizeof(swap_skip), "mkswap failed (status %d)",
		    r);
		swap_remove();
		return;
	}
	if (swapon(SWAPFILE, 0) != 0) {
		snprintf(swap_skip, sizeof(swap_skip), "swapon: %s",
		    strerror(errno));
		swap_remove();
	}
}

static void
swap_teardown(void)
{
	/* The children first: swapoff would have to read their pages back. */
	tk_cleanup();
	if (swap_lock >= 0)
		swap_remove();
	itest_unlock(&swap_lock);
}

START_TEST(test_swap)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc;
	uint64_t addr;

	if (swap_skip[0] != '\0') {
		check_skip("%s", swap_skip);
		return;
	}
	if (!spawn("swap", NULL, -1, &c))
		return;
	addr = c.rep.addr[0];
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, addr, &s);
	EXPECT(m, "pages", SWAP_N);
	EXPECT(m, "swapped", SWAP_OUT);
	EXPECT(m, "present", SWAP_N - SWAP_OUT);
	EXPECT(m, "anon", SWAP_N - SWAP_OUT);
	EXPECT(m, "exclusive", SWAP_N - SWAP_OUT);
	ck_assert_int_eq(s.swap, SWAP_OUT * pk);
	ck_assert_int_eq(s.rss, (SWAP_N - SWAP_OUT) * pk);
	relations(root, &c, "swap");
	json_decref(root);

	root = pmstat_pages(-1, c.pid, addr, SWAP_N);
	proc = tk_json_process(root, c.pid);
	for (size_t i = 0; i < SWAP_N; i++) {
		json_t *pg = tk_json_page(proc, addr + i * ps);
		bool out = i >= SWAP_OUT && i < 2 * SWAP_OUT;

		ck_assert_msg(tk_json_bool(pg, "swapped") == out &&
		    tk_json_bool(pg, "present") == !out, "page %zu: swapped %d",
		    i, tk_json_bool(pg, "swapped"));
		ck_assert_msg(tk_json_is_null(pg, "swap_type") == !out &&
		    tk_json_is_null(pg, "swap_offset") == !out,
		    "page %zu: swap_type/swap_offset", i);
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * The same, with the layout and pmstat as nobody: the swap type and offset
 * share the PFN bits, which the kernel zeroes without CAP_SYS_ADMIN; so
 * they are unknown (null), never 0 (type 0 is the first swap area).
 */
START_TEST(test_swap_unprivileged)
{
	struct tk_child c;
	json_t *root, *m, *proc;
	uint64_t addr;

	if (swap_skip[0] != '\0') {
		check_skip("%s", swap_skip);
		return;
	}
	if (!can_be_nobody("swap_unprivileged"))
		return;
	if (!spawn("swap", NULL, NOBODY_UID, &c))
		return;
	addr = c.rep.addr[0];
	root = pmstat_json(NOBODY_UID, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, addr, NULL);
	EXPECT(m, "swapped", SWAP_OUT);
	EXPECT(m, "present", SWAP_N - SWAP_OUT);
	EXPECT_K(m, "anon", SWAP_N - SWAP_OUT, KP_NOBODY);
	/* Unprivileged, dirty is smaps' Private_Dirty + Shared_Dirty. */
	{
		struct tk_smaps s;

		ck_assert_int_eq(tk_smaps_one(c.pid, addr, &s), 0);
		EXPECT(m, "dirty", (s.private_dirty + s.shared_dirty) / pk);
	}
	relations(root, &c, "swap_unprivileged");
	json_decref(root);

	root = pmstat_pages(NOBODY_UID, c.pid, addr, SWAP_N);
	proc = tk_json_process(root, c.pid);
	for (size_t i = SWAP_OUT; i < 2 * SWAP_OUT; i++) {
		json_t *pg = tk_json_page(proc, addr + i * ps);

		ck_assert_msg(tk_json_bool(pg, "swapped"), "page %zu not swapped",
		    i);
		ck_assert_msg(tk_json_is_null(pg, "swap_type") &&
		    tk_json_is_null(pg, "swap_offset"),
		    "page %zu: swap_type %s, swap_offset %s without CAP_SYS_ADMIN "
		    "(the kernel zeroes them: unknown, expected null)", i,
		    json_dumps(json_object_get(pg, "swap_type"), JSON_ENCODE_ANY),
		    json_dumps(json_object_get(pg, "swap_offset"), JSON_ENCODE_ANY));
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST


static Suite *
swap_suite(void)
{
	Suite *s = suite_create("swap");
	TCase *tc = itest_tcase(s, "swap", swap_setup, swap_teardown);

	tcase_add_test(tc, test_swap);
	tcase_add_test(tc, test_swap_unprivileged);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "swap", layout_swap },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, swap_suite);
}
