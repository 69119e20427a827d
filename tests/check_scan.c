/*
 * check_scan.c - the PAGEMAP_SCAN paths: thousands of regions across
 * pmstat's batch edges, the sparse walk against the dense one (--no-scan),
 * guard regions that pagemap flags as swapped.
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
 * The stripes layout: STRIPE_HEAD pages alternating read / written page,
 * and 16 more the same way around page STRIPE_EDGE (where pmstat's
 * 32 Ki-page batches meet), in one mapping of STRIPE_PAGES pages.
 */
#define STRIPE_PAGES	40000
#define STRIPE_HEAD	4096
#define STRIPE_EDGE	32768
#define STRIPE_ZERO	(STRIPE_HEAD / 2 + 8)	/* pages read */

/*
 * Every other page read (the zero page, where the kernel maps it) and
 * written: thousands of separate PFNZERO regions, so
 * PAGEMAP_SCAN fills its vector and must be resumed many times. The
 * mapping is MADV_NOHUGEPAGE: under THP "always" a touch would fault in a
 * whole 2 MiB page (or the huge zero page), and khugepaged could collapse
 * the stripes later, and the layout would not be the one counted here.
 */
static void
layout_stripes(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(STRIPE_PAGES, 0);
	volatile char *v;
	int64_t sum = 0;

	(void)arg;
	if (m == NULL || mprotect(m, STRIPE_PAGES * ps,
	    PROT_READ | PROT_WRITE) != 0 ||
	    madvise(m, STRIPE_PAGES * ps, MADV_NOHUGEPAGE) != 0) {
		tk_fail(rep, "stripes layout: %s", strerror(errno));
		return;
	}
	v = m;
	for (size_t i = 0; i < STRIPE_PAGES; i++) {
		if (i >= STRIPE_HEAD && (i < STRIPE_EDGE - 8 || i >= STRIPE_EDGE + 8))
			continue;
		if (i % 2 == 0)
			sum += v[i * ps];
		else
			v[i * ps] = 'W';
	}
	rep->val[0] = sum;
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/*
 * A 1 GiB reservation, far larger than one pagemap batch, so pmstat asks
 * PAGEMAP_SCAN where its pages are: a THP-eligible (MADV_HUGEPAGE) first 4
 * MiB written, then every SPARSE_STEP-th page read (the zero page, if any)
 * or written, alternately, in the rest, which is MADV_NOHUGEPAGE: under THP
 * "always" each touch would otherwise fault in 512 pages.
 */
#define SPARSE_PAGES	(262144)
#define SPARSE_STEP	61
#define SPARSE_FROM	(THP_BYTES / 4096)

static void
layout_sparse(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(SPARSE_PAGES, THP_ALIGN);
	volatile char *v;
	int64_t sum = 0, touched = 0;

	(void)arg;
	if (m == NULL || mprotect(m, SPARSE_PAGES * ps, PROT_READ | PROT_WRITE) != 0 ||
	    madvise(m, THP_BYTES, MADV_HUGEPAGE) != 0 ||
	    madvise(m + THP_BYTES, SPARSE_PAGES * ps - THP_BYTES,
	    MADV_NOHUGEPAGE) != 0) {
		tk_fail(rep, "sparse layout: %s", strerror(errno));
		return;
	}
	v = m;
	for (size_t off = 0; off < THP_BYTES; off += ps)
		v[off] = 'T';
	for (size_t i = SPARSE_FROM; i < SPARSE_PAGES; i += SPARSE_STEP, touched++) {
		if (touched % 2 == 0)
			sum += v[i * ps];
		else
			v[i * ps] = 'W';
	}
	/* The madvise()s split the VMA: the THP part and the sparse part. */
	rep->addr[0] = (uintptr_t)m;
	rep->addr[1] = (uintptr_t)m + THP_BYTES;
	rep->val[0] = sum;
	rep->val[1] = touched;
	rep->ok = 1;
}

/*
 * Guard regions (MADV_GUARD_INSTALL, Linux 6.13+) are PTE markers that
 * pagemap flags as swapped too: they are holes, not swap.
 */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif

static void
layout_guard(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(16, 0);

	(void)arg;
	if (m == NULL || mprotect(m, 16 * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "guard layout: %s", strerror(errno));
		return;
	}
	memset(m, 'G', 16 * ps);
	if (madvise(m + 4 * ps, 4 * ps, MADV_GUARD_INSTALL) != 0) {
		tk_skip(rep, "MADV_GUARD_INSTALL: %s", strerror(errno));
		return;
	}
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

START_TEST(test_guard_not_swap)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc;

	if (!kp_get()->guard.yes) {
		check_skip("%s", kp_get()->guard.why);
		return;
	}
	ck_assert_msg(spawn("guard", NULL, -1, &c), "the probe installed a "
	    "guard region, the layout could not");
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", 16);
	EXPECT(m, "present", 12);
	EXPECT(m, "swapped", 0);
	ck_assert_int_eq(s.swap, 0);
	json_decref(root);
	root = pmstat_pages(-1, c.pid, c.rep.addr[0], 16);
	proc = tk_json_process(root, c.pid);
	for (size_t i = 0; i < 16; i++) {
		json_t *pg = tk_json_page(proc, c.rep.addr[0] + i * ps);
		bool guard = i >= 4 && i < 8;

		ck_assert_msg(tk_json_bool(pg, "guard") == guard &&
		    !tk_json_bool(pg, "swapped") && tk_json_is_null(pg, "swap_type"),
		    "guard page %zu: guard %d swapped %d", i,
		    tk_json_bool(pg, "guard"), tk_json_bool(pg, "swapped"));
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* The stripes mapping as pmstat run as how counts it. */
static void
expect_stripes(json_t *m, unsigned how)
{
	int64_t z = kp_get()->zero_page.yes ? STRIPE_ZERO : 0;

	EXPECT(m, "pages", STRIPE_PAGES);
	EXPECT(m, "present", 2 * STRIPE_ZERO);
	EXPECT(m, "exclusive", 2 * STRIPE_ZERO - z);
	EXPECT(m, "swapped", 0);
	EXPECT(m, "file", 0);
	/* Neither PAGEMAP_SCAN nor kpageflags: the zero page is unknown. */
	EXPECT_K(m, "zero", z, how);
	EXPECT_K(m, "anon", 2 * STRIPE_ZERO - z, how);
	EXPECT_K(m, "shared", 0, how);
	EXPECT_K(m, "cow_shared", 0, how);
	EXPECT_K(m, "cow_copied", 0, how);
	EXPECT_K(m, "thp", 0, how);
}

/* Around the batch edge, every other page read: zero where there is one. */
static void
expect_stripe_pages(int uid, pid_t pid, uint64_t addr)
{
	uint64_t first = addr + (STRIPE_EDGE - 8) * ps;
	json_t *root = pmstat_pages(uid, pid, first, 16);
	json_t *proc = tk_json_process(root, pid);
	bool zp = kp_get()->zero_page.yes;

	for (size_t i = 0; i < 16; i++) {
		json_t *pg = tk_json_page(proc, first + i * ps);

		ck_assert_msg(tk_json_bool(pg, "present") &&
		    tk_json_bool(pg, "exclusive") == (i % 2 == 1 || !zp),
		    "stripes page %zu (uid %d): not present, or exclusive %d",
		    i, uid, tk_json_bool(pg, "exclusive"));
		/* Per page, no smaps: null without the scan or kpageflags. */
		expect_page_bool(pg, "zero", i % 2 == 0 && zp,
		    uid >= 0 ? KP_NOBODY : 0, "stripes", (long)i);
	}
	json_decref(root);
}

/* The subject of both tests: thousands of PFNZERO regions to resume over. */
static void
skip_without_zero_regions(void)
{
	if (!kp_get()->zero_page.yes)
		check_skip("no PFNZERO regions to resume over: %s",
		    kp_get()->zero_page.why);
	else if (!kp_get()->pagemap_scan.yes)
		check_skip("%s", kp_get()->pagemap_scan.why);
}

START_TEST(test_scan_regions)
{
	struct tk_child c;
	json_t *root;
	uint64_t a;

	spawn("stripes", NULL, -1, &c);
	a = c.rep.addr[0];
	ck_assert_int_eq(c.rep.val[0], 0);

	root = pmstat_json(-1, NULL, c.pid, 0);
	expect_stripes(mapping_of(root, c.pid, a, NULL), 0);
	relations(root, &c, "stripes");
	json_decref(root);
	expect_stripe_pages(-1, c.pid, a);

	/* Without the ioctl, root still tells the zero page by kpageflags. */
	root = pmstat_json_range(-1, "--no-scan", c.pid, a, STRIPE_PAGES);
	expect_stripes(mapping_of(root, c.pid, a, NULL), KP_NO_SCAN);
	json_decref(root);
	tk_kill(&c);
	skip_without_zero_regions();
}
END_TEST

/* The same as nobody, on a layout nobody owns: no PFN to tell zero by. */
START_TEST(test_scan_regions_nobody)
{
	struct tk_child c;
	json_t *root;
	uint64_t a;

	if (!can_be_nobody("scan_regions_nobody"))
		return;
	spawn("stripes", NULL, NOBODY_UID, &c);
	a = c.rep.addr[0];
	root = pmstat_json(NOBODY_UID, NULL, c.pid, 0);
	expect_stripes(mapping_of(root, c.pid, a, NULL), KP_NOBODY);
	json_decref(root);
	expect_stripe_pages(NOBODY_UID, c.pid, a);
	root = pmstat_json_range(NOBODY_UID, "--no-scan", c.pid, a, STRIPE_PAGES);
	expect_stripes(mapping_of(root, c.pid, a, NULL), KP_NOBODY | KP_NO_SCAN);
	json_decref(root);
	tk_kill(&c);
	skip_without_zero_regions();
}
END_TEST

/*
 * The sparse path (PAGEMAP_SCAN regions, then pagemap only there) against
 * the dense one (--no-scan: every page read): every counter but thp, which
 * only the scan can know, must agree, and both must be exact.
 */
START_TEST(test_sparse_agrees_with_dense)
{
	static const char *const same[] = {
		"pages", "present", "swapped", "file", "anon", "zero", "exclusive",
		"shared", "dirty", "cow_copied", "cow_shared", "ksm", "pss",
	};
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *dense, *m, *d;
	int64_t touched, zero;

	spawn("sparse", NULL, -1, &c);
	touched = c.rep.val[1];
	/* Every other touched page only read: the zero page, if any. */
	zero = kp_get()->zero_page.yes ? (touched + 1) / 2 : 0;
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", SPARSE_FROM);
	EXPECT(m, "present", SPARSE_FROM);
	EXPECT_K(m, "thp", s.anon_huge / pk, 0);
	m = mapping_of(root, c.pid, c.rep.addr[1], NULL);
	EXPECT(m, "pages", SPARSE_PAGES - SPARSE_FROM);
	EXPECT(m, "present", touched);
	EXPECT_K(m, "zero", zero, 0);
	EXPECT_K(m, "anon", touched - zero, 0);
	EXPECT_K(m, "thp", 0, 0);
	relations(root, &c, "sparse");

	dense = pmstat_json_range(-1, "--no-scan", c.pid, c.rep.addr[0],
	    SPARSE_PAGES);
	for (int k = 0; k < 2; k++) {
		m = mapping_of(root, c.pid, c.rep.addr[k], NULL);
		d = mapping_of(dense, c.pid, c.rep.addr[k], NULL);
		for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++) {
			if (!kp_known(same[i], KP_NO_SCAN)) {
				EXPECT_NULL(d, same[i]);
				continue;
			}
			ck_assert_msg(json_equal(json_object_get(m, same[i]),
			    json_object_get(d, same[i])),
			    "sparse vs dense, mapping %d: %s differs", k, same[i]);
		}
		/* Without the scan, smaps settles thp for the whole mapping. */
		if (kp_known("thp", KP_NO_SCAN))
			ck_assert_msg(json_equal(json_object_get(m, "thp"),
			    json_object_get(d, "thp")),
			    "sparse vs dense, mapping %d: thp differs", k);
		else
			EXPECT_NULL(d, "thp");
	}
	json_decref(dense);
	json_decref(root);
	tk_kill(&c);
	if (!kp_get()->pagemap_scan.yes)
		check_skip("no sparse path: %s", kp_get()->pagemap_scan.why);
}
END_TEST


static Suite *
scan_suite(void)
{
	Suite *s = suite_create("scan");

	tcase_add_test(itest_tcase(s, "scan_regions", NULL, NULL),
	    test_scan_regions);
	tcase_add_test(itest_tcase(s, "scan_regions_nobody", NULL, NULL),
	    test_scan_regions_nobody);
	tcase_add_test(itest_tcase(s, "sparse", NULL, NULL),
	    test_sparse_agrees_with_dense);
	tcase_add_test(itest_tcase(s, "guard", NULL, NULL), test_guard_not_swap);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "stripes", layout_stripes },
	{ "sparse", layout_sparse },
	{ "guard", layout_guard },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, scan_suite);
}
