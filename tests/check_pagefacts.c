/* check_pagefacts.c - one page observation decoded: every case that matters */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "kpf.h"
#include "pagefacts.h"
#include "pageflags.h"
#include "pagemap.h"
#include "pagescan.h"
#include "stats.h"
#include "checkrun.h"

static const struct mapping_kind k_anon = { .private = true };
static const struct mapping_kind k_pfile = { .private = true, .file = true };
static const struct mapping_kind k_sfile = { .file = true };
static const struct mapping_kind k_shmem = { 0 };
static const struct mapping_kind k_htlb = { .private = true, .hugetlb = true };

static const struct page_know root = { .soft_dirty = true, .pfn = true };
static const struct page_know nobody = { 0 };

#define ALL_OBS		(OBS_KFLAGS | OBS_KCOUNT | OBS_SCAN)
#define KF_ANON		(KPF_BIT(KPF_ANON) | KPF_BIT(KPF_SWAPBACKED) | \
			 KPF_BIT(KPF_LRU))
#define KF_ZERO		(KPF_BIT(KPF_ZERO_PAGE) | KPF_BIT(KPF_RESERVED))

static struct page_facts
decode(const struct mapping_kind *kind, uint64_t pm, uint64_t kflags,
    uint64_t kcount, uint8_t scan, uint8_t have, struct page_know know)
{
	struct page_obs o = { .pm = pm, .kflags = kflags, .kcount = kcount,
	    .scan = scan, .have = have };
	struct page_facts f;

	pagefacts_decode(&f, &o, kind, know);
	return f;
}

/* The five facts that can be unknown, in one call. */
static void
expect_tri(const struct page_facts *f, int zero, int file, int anon, int cow,
    int sd)
{
	ck_assert_int_eq(f->zero, zero);
	ck_assert_int_eq(f->file, file);
	ck_assert_int_eq(f->anon, anon);
	ck_assert_int_eq(f->cow_copied, cow);
	ck_assert_int_eq(f->soft_dirty, sd);
}

START_TEST(test_hole)
{
	struct page_facts f = decode(&k_anon, 0, KF_ANON, 3, SCAN_ZERO, ALL_OBS,
	    root);

	/* Not present: nothing of a page, and no kpage words for nothing. */
	ck_assert(!f.present && !f.swapped && !f.guard && !f.exclusive);
	ck_assert(!f.have_pfn && !f.have_swap && !f.have_kflags && !f.have_kcount);
	ck_assert(!f.pmd && !f.thp);
	expect_tri(&f, 0, 0, 0, 0, 0);
	/* Even where nothing could tell the zero page. */
	f = decode(&k_pfile, 0, 0, 0, 0, 0, nobody);
	expect_tri(&f, 0, 0, 0, 0, -1);
}
END_TEST

START_TEST(test_swapped_guard_uffd)
{
	uint64_t sw = PM_SWAP | 3 | (UINT64_C(0x1234) << PM_SWAP_OFFSET_SHIFT);
	struct page_facts f;

	f = decode(&k_anon, sw, 0, 0, 0, ALL_OBS, root);
	ck_assert(f.swapped && !f.present && !f.guard);
	ck_assert(f.have_swap);
	ck_assert_uint_eq(f.swap_type, 3);
	ck_assert_uint_eq(f.swap_offset, 0x1234);
	/* The kernel hides the swap entry from the unprivileged. */
	f = decode(&k_anon, sw, 0, 0, 0, 0, nobody);
	ck_assert(f.swapped && !f.have_swap);
	/* A guard marker carries the swap bit: it is not swapped. */
	f = decode(&k_anon, PM_SWAP | PM_GUARD, 0, 0, 0, ALL_OBS, root);
	ck_assert(f.guard && !f.swapped && !f.have_swap && !f.present);
	/* uffd-wp is pagemap's bit, present or not. */
	f = decode(&k_anon, PM_UFFD_WP, 0, 0, 0, 0, nobody);
	ck_assert(f.uffd_wp && !f.present);
	f = decode(&k_anon, PM_PRESENT | PM_UFFD_WP, 0, 0, SCAN_ZERO, OBS_SCAN,
	    nobody);
	ck_assert(f.uffd_wp && f.present);
}
END_TEST

START_TEST(test_soft_dirty)
{
	struct page_facts f;

	f = decode(&k_anon, PM_PRESENT | PM_SOFT_DIRTY, 0, 0, 0, OBS_SCAN, root);
	ck_assert_int_eq(f.soft_dirty, 1);
	f = decode(&k_anon, PM_PRESENT, 0, 0, 0, OBS_SCAN, root);
	ck_assert_int_eq(f.soft_dirty, 0);
	/* Untracked: unknown, whatever the bit says. */
	f = decode(&k_anon, PM_PRESENT | PM_SOFT_DIRTY, 0, 0, 0, OBS_SCAN, nobody);
	ck_assert_int_eq(f.soft_dirty, -1);
	f = decode(&k_anon, PM_PRESENT, 0, 0, 0, OBS_SCAN, nobody);
	ck_assert_int_eq(f.soft_dirty, -1);
}
END_TEST

START_TEST(test_anon_zero_known)
{
	uint64_t pm = PM_PRESENT | PM_EXCLUSIVE | 0x4242;
	struct page_facts f;

	/* By the scan. */
	f = decode(&k_anon, pm, 0, 0, 0, OBS_SCAN, nobody);
	expect_tri(&f, 0, 0, 1, 0, -1);
	ck_assert(f.exclusive && !f.have_pfn);
	/* By kpageflags, with the PFN and the kpage words. */
	f = decode(&k_anon, pm, KF_ANON, 1, 0, OBS_KFLAGS | OBS_KCOUNT, root);
	expect_tri(&f, 0, 0, 1, 0, 0);
	ck_assert(f.have_pfn && f.have_kflags && f.have_kcount);
	ck_assert_uint_eq(f.pfn, 0x4242);
	ck_assert_uint_eq(f.kflags, KF_ANON);
	ck_assert_uint_eq(f.kcount, 1);
	/* The small zero page, by the scan and by kpageflags. */
	f = decode(&k_anon, PM_PRESENT, 0, 0, SCAN_ZERO, OBS_SCAN, nobody);
	expect_tri(&f, 1, 0, 0, 0, -1);
	ck_assert(!f.exclusive);
	f = decode(&k_anon, PM_PRESENT | 0x10, KF_ZERO, 0, 0,
	    OBS_KFLAGS | OBS_KCOUNT, root);
	expect_tri(&f, 1, 0, 0, 0, 0);
}
END_TEST

START_TEST(test_zero_unknown)
{
	struct page_facts f;

	/* No bit 61, no way to tell the zero page: anon unknown. */
	f = decode(&k_anon, PM_PRESENT, 0, 0, 0, 0, nobody);
	expect_tri(&f, -1, 0, -1, 0, -1);
	/* A copy of a private file mapping, or the zero page: unknown. */
	f = decode(&k_pfile, PM_PRESENT | PM_EXCLUSIVE, 0, 0, 0, OBS_KCOUNT,
	    nobody);
	expect_tri(&f, -1, 0, -1, -1, -1);
	/* Bit 61 in a file mapping is its page cache: no copy, known. */
	f = decode(&k_pfile, PM_PRESENT | PM_FILE, 0, 0, 0, 0, nobody);
	expect_tri(&f, -1, 1, 0, 0, -1);
	f = decode(&k_sfile, PM_PRESENT | PM_FILE, 0, 0, 0, 0, nobody);
	expect_tri(&f, -1, 1, 0, 0, -1);
	f = decode(&k_shmem, PM_PRESENT | PM_FILE, 0, 0, 0, 0, nobody);
	expect_tri(&f, -1, 1, 0, 0, -1);
	/* Bit 61 in a private anonymous mapping may be the huge zero page. */
	f = decode(&k_anon, PM_PRESENT | PM_FILE, 0, 0, 0, 0, nobody);
	expect_tri(&f, -1, -1, 0, 0, -1);
}
END_TEST

START_TEST(test_huge_zero_page)
{
	uint64_t pm = PM_PRESENT | PM_FILE | 0x200;
	struct page_facts f;

	/* It carries bit 61 and HUGE, yet is neither file nor THP. */
	f = decode(&k_anon, pm, KF_ZERO, 0, SCAN_ZERO | SCAN_HUGE, ALL_OBS, root);
	expect_tri(&f, 1, 0, 0, 0, 0);
	ck_assert(f.pmd && !f.thp);
	f = decode(&k_anon, pm, 0, 0, SCAN_ZERO | SCAN_HUGE, OBS_SCAN, nobody);
	expect_tri(&f, 1, 0, 0, 0, -1);
	/* Told by kpageflags alone (no scan: pmd unknown, so not set). */
	f = decode(&k_anon, pm, KF_ZERO, 0, 0, OBS_KFLAGS, root);
	expect_tri(&f, 1, 0, 0, 0, 0);
	ck_assert(!f.pmd);
}
END_TEST

START_TEST(test_cow_copied)
{
	uint64_t copy = PM_PRESENT | PM_EXCLUSIVE | 7;
	struct page_facts f;

	/* A written page of a private file mapping is an anonymous copy... */
	f = decode(&k_pfile, copy, KF_ANON, 1, 0, ALL_OBS, root);
	ck_assert_int_eq(f.cow_copied, 1);
	/* ...not in a private anonymous or a shared mapping... */
	f = decode(&k_anon, copy, KF_ANON, 1, 0, ALL_OBS, root);
	ck_assert_int_eq(f.cow_copied, 0);
	f = decode(&k_sfile, PM_PRESENT | PM_FILE, 0, 1, 0, ALL_OBS, root);
	ck_assert_int_eq(f.cow_copied, 0);
	/* ...and the zero page read in a private file mapping is no copy. */
	f = decode(&k_pfile, PM_PRESENT, 0, 0, SCAN_ZERO, OBS_SCAN, nobody);
	ck_assert_int_eq(f.cow_copied, 0);
	/* In a private anonymous mapping: no copy, zero page told or not. */
	f = decode(&k_anon, copy, 0, 0, 0, 0, nobody);
	ck_assert_int_eq(f.cow_copied, 0);
}
END_TEST

START_TEST(test_thp_pmd)
{
	uint64_t pm = PM_PRESENT | PM_EXCLUSIVE | 0x200;
	uint64_t kf = KF_ANON | KPF_BIT(KPF_THP) | KPF_BIT(KPF_COMPOUND_HEAD);
	struct page_facts f;

	f = decode(&k_anon, pm, kf, 1, SCAN_HUGE, ALL_OBS, root);
	ck_assert(f.pmd && f.thp);
	f = decode(&k_anon, pm, 0, 0, SCAN_HUGE, OBS_SCAN, nobody);
	ck_assert(f.pmd && f.thp);
	/* KPF_THP alone (a PTE-mapped large folio) is not PMD-mapped. */
	f = decode(&k_anon, pm, kf, 1, 0, OBS_KFLAGS | OBS_KCOUNT, root);
	ck_assert(!f.pmd && !f.thp);
	/* hugetlb: by the mapping, or by KPF_HUGE. */
	f = decode(&k_htlb, pm, 0, 0, SCAN_HUGE, OBS_SCAN, nobody);
	ck_assert(f.pmd && !f.thp);
	f = decode(&k_anon, pm, KPF_BIT(KPF_HUGE), 1, SCAN_HUGE, ALL_OBS, root);
	ck_assert(f.pmd && !f.thp);
}
END_TEST

START_TEST(test_pfn_and_kpage)
{
	uint64_t pm = PM_PRESENT | 0xabcde;
	struct page_facts f;

	/* PFNs hidden: no PFN, whatever the word's low bits. */
	f = decode(&k_anon, pm, 0, 0, 0, OBS_SCAN, nobody);
	ck_assert(!f.have_pfn && f.pfn == 0);
	f = decode(&k_anon, pm, 0, 0, 0, OBS_SCAN, root);
	ck_assert(f.have_pfn && f.pfn == 0xabcde);
	/* The kpage words only as far as they were read. */
	f = decode(&k_anon, pm, KF_ANON, 2, 0, OBS_KCOUNT, root);
	ck_assert(!f.have_kflags && f.have_kcount && f.kcount == 2);
	f = decode(&k_anon, pm, KF_ANON, 2, 0, OBS_KFLAGS, root);
	ck_assert(f.have_kflags && !f.have_kcount && f.kflags == KF_ANON);
}
END_TEST

/* Every consumer reads the same facts: the flags word and the counters. */
START_TEST(test_consumers_agree)
{
	static const uint64_t words[] = {
		0, PM_PRESENT, PM_PRESENT | PM_FILE, PM_PRESENT | PM_EXCLUSIVE,
		PM_PRESENT | PM_FILE | PM_EXCLUSIVE, PM_SWAP | 1,
		PM_SWAP | PM_GUARD, PM_UFFD_WP, PM_PRESENT | PM_SOFT_DIRTY,
	};
	static const uint8_t haves[] = { 0, OBS_SCAN, OBS_KFLAGS, ALL_OBS };
	const struct mapping_kind *kinds[] = { &k_anon, &k_pfile, &k_sfile };

	for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++)
	for (size_t h = 0; h < sizeof(haves) / sizeof(*haves); h++)
	for (size_t k = 0; k < 3; k++)
	for (int zero = 0; zero < 2; zero++) {
		struct page_obs o = { .pm = words[w], .have = haves[h],
		    .scan = zero ? SCAN_ZERO : 0,
		    .kflags = zero ? KF_ZERO : KF_ANON, .kcount = 1 };
		struct page_facts f;
		struct counts c;
		uint64_t word;

		pagefacts_decode(&f, &o, kinds[k], root);
		word = pageflags_word(&f);
		stats_init(&c, CTR_ALL);
		stats_add_page(&c, kinds[k], &o);
		ck_assert_int_eq(!!(word & KPF_BIT(PF_FILE)), f.file > 0);
		ck_assert_int_eq(!!(word & KPF_BIT(KPF_ZERO_PAGE)), f.zero > 0);
		ck_assert_int_eq(!!(word & KPF_BIT(PF_SWAP)), f.swapped);
		ck_assert_uint_eq(c.v[CTR_SWAPPED], f.swapped);
		ck_assert_uint_eq(c.v[CTR_PRESENT], f.present);
		ck_assert_uint_eq(c.v[CTR_ZERO], f.zero > 0);
		ck_assert_uint_eq(c.v[CTR_ANON], f.anon > 0);
		/* Stats tallies a file it cannot tell, and says it is unknown. */
		ck_assert_uint_eq(c.v[CTR_FILE], f.file != 0);
		ck_assert_int_eq(stats_is_known(&c, CTR_FILE), f.file >= 0);
		ck_assert_uint_eq(c.v[CTR_COW_COPIED], f.cow_copied > 0);
		ck_assert_int_eq(stats_page_is_zero(&o), f.zero);
	}
}
END_TEST

static Suite *
pagefacts_suite(void)
{
	Suite *s = suite_create("pagefacts");
	TCase *tc = check_tcase(s, "decode");

	tcase_add_test(tc, test_hole);
	tcase_add_test(tc, test_swapped_guard_uffd);
	tcase_add_test(tc, test_soft_dirty);
	tcase_add_test(tc, test_anon_zero_known);
	tcase_add_test(tc, test_zero_unknown);
	tcase_add_test(tc, test_huge_zero_page);
	tcase_add_test(tc, test_cow_copied);
	tcase_add_test(tc, test_thp_pmd);
	tcase_add_test(tc, test_pfn_and_kpage);
	tc = check_tcase(s, "consumers");
	tcase_add_test(tc, test_consumers_agree);
	return s;
}

int
main(void)
{
	return check_run(pagefacts_suite(), CK_NORMAL);
}
