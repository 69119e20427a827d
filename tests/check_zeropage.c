/*
 * check_zeropage.c - pages only read: the shared zero page and the huge
 * zero page where the kernel maps them (kprobe.h), pages of their own where
 * it does not.
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

/* The THP region only read: the huge zero page where the kernel uses it. */
static void
layout_thp_zero(const char *arg, struct tk_report *rep)
{
	volatile const char *m = tk_reserve(THP_BYTES / ps, THP_ALIGN);
	int64_t sum = 0;

	(void)arg;
	if (m == NULL || mprotect((void *)(uintptr_t)m, THP_BYTES,
	    PROT_READ | PROT_WRITE) != 0 ||
	    madvise((void *)(uintptr_t)m, THP_BYTES, MADV_HUGEPAGE) != 0) {
		tk_fail(rep, "thp_zero layout: %s", strerror(errno));
		return;
	}
	for (size_t off = 0; off < THP_BYTES; off += ps)
		sum += m[off];
	rep->val[0] = sum;
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/*
 * Where the kernel maps no zero page on a read fault, the pages read are
 * exclusive anonymous pages: held to that (expect_zero_mapping() knows),
 * and the test is skipped for what it is about.
 */
START_TEST(test_zero_page)
{
	const struct kp_kernel *k = kp_get();
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc;

	spawn("zero", NULL, -1, &c);
	ck_assert_int_eq(c.rep.val[0], 0);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	expect_zero_mapping(m, 0);
	ck_assert_int_eq(s.rss, k->zero_page.yes ? 0 : ZERO_N * pk);
	ck_assert_int_eq(s.size, ZERO_N * pk);
	relations(root, &c, "zero");
	json_decref(root);

	root = pmstat_pages(-1, c.pid, c.rep.addr[0], ZERO_N);
	proc = tk_json_process(root, c.pid);
	for (size_t i = 0; i < ZERO_N; i++) {
		json_t *pg = tk_json_page(proc, c.rep.addr[0] + i * ps);
		bool zp = k->zero_page.yes;

		ck_assert_msg(tk_json_bool(pg, "present") &&
		    !tk_json_bool(pg, "file") &&
		    tk_json_bool(pg, "exclusive") == !zp,
		    "page %zu: present %d file %d exclusive %d", i,
		    tk_json_bool(pg, "present"), tk_json_bool(pg, "file"),
		    tk_json_bool(pg, "exclusive"));
		/* Per page, no smaps: null without the scan or kpageflags. */
		expect_page_bool(pg, "zero", zp, 0, "zero", (long)i);
		if (am_root())
			ck_assert_msg(tk_json_int(pg, "kpagecount") == !zp &&
			    flag_in(pg, "zero_page") == zp &&
			    flag_in(pg, "anon") == !zp, "page %zu: kpagecount %"
			    PRId64 ", zero_page %d, anon %d; expected %d %d %d", i,
			    tk_json_int(pg, "kpagecount"), flag_in(pg, "zero_page"),
			    flag_in(pg, "anon"), !zp, zp, !zp);
	}
	json_decref(root);
	tk_kill(&c);
	if (!k->zero_page.yes)
		check_skip("zero page counted as zero: %s", k->zero_page.why);
}
END_TEST

/*
 * The thp_zero mapping as pmstat (run as how) must count it: the huge or 4
 * KiB zero page where the kernel maps one (kprobe), else pages of its own
 * (on a kernel without any zero page the read fault gave a THP, or 4 KiB
 * pages: smaps says which).
 */
static void
expect_thp_zero(json_t *m, const struct tk_smaps *s)
{
	const struct kp_kernel *k = kp_get();
	bool zp = k->zero_page.yes || k->huge_zero_page.yes;
	int64_t n = (int64_t)(THP_BYTES / ps);

	EXPECT(m, "pages", n);
	EXPECT(m, "present", n);
	EXPECT_K(m, "zero", zp ? n : 0, 0);
	EXPECT_K(m, "anon", zp ? 0 : n, 0);
	EXPECT(m, "exclusive", zp ? 0 : n);
	EXPECT_K(m, "shared", 0, 0);
	EXPECT(m, "file", 0);
	EXPECT_K(m, "thp", zp ? 0 : s->anon_huge / pk, 0);
	ck_assert_int_eq(s->rss, zp ? 0 : n * pk);
	if (zp)
		ck_assert_int_eq(s->anon_huge, 0);
}

/*
 * A MADV_HUGEPAGE region only read maps the huge zero page (with
 * transparent_hugepage/use_zero_page set). It is the zero page all the same:
 * not anon, not file, not a THP, not in Rss. The kernel sets pagemap's file
 * bit on it (pagemap_pmd_range() sets PM_FILE for any folio that is not
 * anonymous, and the huge zero folio is not; the 4 KiB zero page has no
 * struct page for vm_normal_page() and gets no PM_FILE), so the bit alone
 * does not make a file page.
 */
/*
 * pmstat --no-scan --no-kpage over [mapping start, end) of the huge zero
 * page layout. With sm (the mapping's smaps, the range covering it whole),
 * smaps settles zero and file; without, zero is unknown and so is file
 * where the huge zero page's file bit is among the pages.
 */
static void
no_scan_no_kpage(struct tk_child *c, uint64_t end, bool huge,
    const struct tk_smaps *sm)
{
	const char *args[] = { "--json", "--no-scan", "--no-kpage", "--range",
	    NULL, NULL, NULL };
	int64_t present = (int64_t)((end - c->rep.addr[0]) / ps);
	char r[64], p[16];
	json_t *root, *m;
	int status;

	args[4] = rangearg(r, sizeof(r), c->rep.addr[0], end);
	args[5] = pidarg(p, sizeof(p), c->pid);
	root = tk_pmstat_json(-1, -1, &status, args);
	ck_assert_int_eq(status, 0);
	m = mapping_of(root, c->pid, c->rep.addr[0], NULL);
	EXPECT(m, "present", present);
	if (sm != NULL) {
		EXPECT(m, "zero", present - sm->rss / pk);
		EXPECT(m, "file", 0);
		EXPECT(m, "anon", sm->anonymous / pk);
	} else if (end - c->rep.addr[0] < THP_BYTES) {
		EXPECT_NULL(m, "zero");
		/* 4 KiB zero pages carry no file bit: then file is a known 0. */
		if (huge)
			EXPECT_NULL(m, "file");
		else
			EXPECT(m, "file", 0);
	}
	json_decref(root);
}

START_TEST(test_huge_zero_page)
{
	const struct kp_kernel *k = kp_get();
	bool huge = k->huge_zero_page.yes;
	bool zp = huge || k->zero_page.yes;
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc, *pg;

	spawn("thp_zero", NULL, -1, &c);
	ck_assert_int_eq(c.rep.val[0], 0);
	root = pmstat_pages(-1, c.pid, c.rep.addr[0], 1);
	proc = tk_json_process(root, c.pid);
	pg = tk_json_page(proc, c.rep.addr[0]);
	/* Without a huge zero page the read may well have given a THP. */
	if (am_root())
		ck_assert_msg((flag_in(pg, "thp") || !huge) && flag_in(pg,
		    "zero_page") == zp, "0x%" PRIx64 ": kpageflags thp %d "
		    "zero_page %d; the probe: %s", c.rep.addr[0], flag_in(pg, "thp"),
		    flag_in(pg, "zero_page"), k->huge_zero_page.why);
	/*
	 * Per page, no smaps: zero is null without the scan or kpageflags.
	 * Where zero is known the huge zero page is not a file page, its
	 * pagemap file bit notwithstanding. Where it is not, the bit cannot be
	 * told from a page-cache page's (the mapping's file counter is null
	 * there, see no_scan_no_kpage()); the page's file key is left alone.
	 */
	expect_page_bool(pg, "zero", zp, 0, "the (huge) zero page", 0);
	if (kp_page_known("zero", 0))
		ck_assert_msg(!tk_json_bool(pg, "file"),
		    "the (huge) zero page at 0x%" PRIx64 ": file", c.rep.addr[0]);
	json_decref(root);

	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	expect_thp_zero(m, &s);
	relations(root, &c, "huge_zero_page");
	json_decref(root);

	/*
	 * Neither the scan nor kpageflags, and a range that cuts the mapping
	 * (so no smaps record settles it): the huge zero page's file bit
	 * cannot be told from a page-cache page's, so file is unknown, never
	 * 1023.
	 */
	no_scan_no_kpage(&c, c.rep.addr[0] + THP_BYTES - (uint64_t)ps, huge, NULL);
	/* The whole mapping: smaps says how many pages Rss leaves out. */
	no_scan_no_kpage(&c, c.rep.addr[0] + THP_BYTES, huge, &s);
	tk_kill(&c);
	if (!huge)
		check_skip("huge zero page: %s", k->huge_zero_page.why);
}
END_TEST

static Suite *
zeropage_suite(void)
{
	Suite *s = suite_create("zeropage");

	tcase_add_test(itest_tcase(s, "zero_page", NULL, NULL), test_zero_page);
	tcase_add_test(itest_tcase(s, "huge_zero_page", NULL, NULL),
	    test_huge_zero_page);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "zero", layout_zero },
	{ "thp_zero", layout_thp_zero },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, zeropage_suite);
}
