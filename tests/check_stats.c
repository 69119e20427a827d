/* check_stats.c - the counters of semantics.md section 3, page by page */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpf.h"
#include "pagemap.h"
#include "pagescan.h"
#include "smaps.h"
#include "stats.h"
#include "checkrun.h"

#define ONE	(UINT64_C(1) << PSS_SHIFT)	/* one whole page of PSS */

static const char *const ctr_names[CTR_COUNT] = {
	"pages", "present", "swapped", "file", "anon", "zero", "exclusive",
	"shared", "dirty", "cow_copied", "cow_shared", "thp", "ksm",
	"soft_dirty", "pss",
};

/* Mapping kinds. */
static const struct mapping_kind k_anon = { .private = true };
static const struct mapping_kind k_pfile = { .private = true, .file = true };
static const struct mapping_kind k_sfile = { .private = false, .file = true };
static const struct mapping_kind k_shmem = { .private = false };
static const struct mapping_kind k_htlb = { .private = true, .hugetlb = true };

/* Typical kpageflags. */
#define KF_ANON		(KPF_BIT(KPF_ANON) | KPF_BIT(KPF_SWAPBACKED) | \
			 KPF_BIT(KPF_LRU) | KPF_BIT(KPF_MMAP) | KPF_BIT(KPF_UPTODATE))
#define KF_FILE		(KPF_BIT(KPF_LRU) | KPF_BIT(KPF_MMAP) | KPF_BIT(KPF_UPTODATE))
#define KF_ZERO		(KPF_BIT(KPF_ZERO_PAGE) | KPF_BIT(KPF_RESERVED))
#define ALL_OBS		(OBS_KFLAGS | OBS_KCOUNT | OBS_SCAN)

static struct page_obs
obs(uint64_t pm, uint64_t kflags, uint64_t kcount, uint8_t scan, uint8_t have)
{
	struct page_obs o = { .pm = pm, .kflags = kflags, .kcount = kcount,
	    .scan = scan, .have = have };

	return o;
}

/* Count one page into fresh counts (everything known) and return them. */
static struct counts
one(const struct mapping_kind *kind, struct page_obs o)
{
	struct counts c;

	stats_init(&c, CTR_ALL);
	stats_add_page(&c, kind, &o);
	return c;
}

/* Compare every counter with want[], naming the first that differs. */
static void
expect(const struct counts *c, const uint64_t want[CTR_COUNT])
{
	for (int i = 0; i < CTR_COUNT; i++)
		ck_assert_msg(c->v[i] == want[i], "%s: got %llu, want %llu",
		    ctr_names[i], (unsigned long long)c->v[i],
		    (unsigned long long)want[i]);
}

#define EXPECT(c, ...)	expect(&(c), (const uint64_t[CTR_COUNT]){ __VA_ARGS__ })

#define BASE	(CTR_BIT(CTR_PAGES) | CTR_BIT(CTR_PRESENT) | CTR_BIT(CTR_SWAPPED) | \
		 CTR_BIT(CTR_FILE) | CTR_BIT(CTR_EXCLUSIVE))
#define ZEROISH	(CTR_BIT(CTR_ZERO) | CTR_BIT(CTR_ANON) | CTR_BIT(CTR_SHARED) | \
		 CTR_BIT(CTR_COW_COPIED) | CTR_BIT(CTR_COW_SHARED))

START_TEST(test_known_named)
{
	struct sources none = { 0 }, all = { .kflags = true, .kcount = true,
	    .scan = true, .soft_dirty = true };
	struct sources scan = { .scan = true }, kfl = { .kflags = true };
	struct sources kcnt = { .kcount = true }, priv = { .kflags = true, .kcount = true };
	struct sources sd = { .soft_dirty = true };

	ck_assert_uint_eq(stats_known(&none), BASE);
	ck_assert_uint_eq(stats_known(&all), CTR_ALL);
	ck_assert_uint_eq(stats_known(&scan), BASE | ZEROISH | CTR_BIT(CTR_THP));
	ck_assert_uint_eq(stats_known(&kfl),
	    BASE | ZEROISH | CTR_BIT(CTR_DIRTY) | CTR_BIT(CTR_KSM));
	/* kpagecount alone cannot tell the zero page, so no PSS. */
	ck_assert_uint_eq(stats_known(&kcnt), BASE);
	ck_assert_uint_eq(stats_known(&priv),
	    BASE | ZEROISH | CTR_BIT(CTR_DIRTY) | CTR_BIT(CTR_KSM) | CTR_BIT(CTR_PSS));
	ck_assert_uint_eq(stats_known(&sd), BASE | CTR_BIT(CTR_SOFT_DIRTY));
	/* A KPF_KSM on every anonymous page (6.12) says nothing of KSM. */
	priv.ksm_noise = true;
	ck_assert_uint_eq(stats_known(&priv),
	    BASE | ZEROISH | CTR_BIT(CTR_DIRTY) | CTR_BIT(CTR_PSS));
	ck_assert_uint_eq(CTR_ALL, (UINT32_C(1) << 15) - 1);
}
END_TEST

/* Every combination of the four sources, against the rules of semantics.md. */
START_TEST(test_known_all_combinations)
{
	struct sources src = {
		.kflags = (_i & 1) != 0, .kcount = (_i & 2) != 0,
		.scan = (_i & 4) != 0, .soft_dirty = (_i & 8) != 0,
	};
	uint32_t k = stats_known(&src);
	bool zero = src.scan || src.kflags;

	ck_assert_uint_eq(k & BASE, BASE);
	ck_assert_uint_eq(k & ~CTR_ALL, 0);
	for (int c = CTR_ZERO; c <= CTR_COW_SHARED; c++) {
		if (c == CTR_EXCLUSIVE)
			continue;
		if (c == CTR_DIRTY)
			ck_assert_int_eq((k & CTR_BIT(c)) != 0, src.kflags);
		else
			ck_assert_msg(((k & CTR_BIT(c)) != 0) == zero, "%s, combo %d",
			    ctr_names[c], _i);
	}
	ck_assert_int_eq((k & CTR_BIT(CTR_KSM)) != 0, src.kflags);
	ck_assert_int_eq((k & CTR_BIT(CTR_THP)) != 0, src.scan);
	ck_assert_int_eq((k & CTR_BIT(CTR_SOFT_DIRTY)) != 0, src.soft_dirty);
	ck_assert_int_eq((k & CTR_BIT(CTR_PSS)) != 0, src.kcount && zero);
}
END_TEST

START_TEST(test_init_and_is_known)
{
	struct counts c;

	memset(&c, 0xa5, sizeof(c));
	stats_init(&c, CTR_BIT(CTR_PSS) | CTR_BIT(CTR_PAGES));
	EXPECT(c, 0);
	ck_assert_uint_eq(c.known, CTR_BIT(CTR_PSS) | CTR_BIT(CTR_PAGES));
	ck_assert(stats_is_known(&c, CTR_PSS));
	ck_assert(stats_is_known(&c, CTR_PAGES));
	ck_assert(!stats_is_known(&c, CTR_PRESENT));
	ck_assert(!stats_is_known(&c, CTR_DIRTY));
	ck_assert_double_eq(stats_pss_pages(&c), 0.0);
}
END_TEST

START_TEST(test_page_is_zero)
{
	struct page_obs o;

	/* Not present: never the zero page, whatever else says so. */
	o = obs(0, KF_ZERO, 0, SCAN_ZERO, ALL_OBS);
	ck_assert_int_eq(stats_page_is_zero(&o), 0);
	o = obs(PM_SWAP | 5, 0, 0, 0, 0);
	ck_assert_int_eq(stats_page_is_zero(&o), 0);
	/* Present and nothing to tell by. */
	o = obs(PM_PRESENT, 0, 0, 0, 0);
	ck_assert_int_eq(stats_page_is_zero(&o), -1);
	o = obs(PM_PRESENT, 0, 0, 0, OBS_KCOUNT);
	ck_assert_int_eq(stats_page_is_zero(&o), -1);
	/* kflags set but not marked as read: still unknowable. */
	o = obs(PM_PRESENT, KF_ZERO, 0, SCAN_ZERO, 0);
	ck_assert_int_eq(stats_page_is_zero(&o), -1);
	/* By PAGEMAP_SCAN. */
	o = obs(PM_PRESENT, 0, 0, SCAN_ZERO, OBS_SCAN);
	ck_assert_int_eq(stats_page_is_zero(&o), 1);
	o = obs(PM_PRESENT, 0, 0, SCAN_ZERO | SCAN_HUGE, OBS_SCAN);
	ck_assert_int_eq(stats_page_is_zero(&o), 1);
	o = obs(PM_PRESENT, 0, 0, SCAN_HUGE, OBS_SCAN);
	ck_assert_int_eq(stats_page_is_zero(&o), 0);
	o = obs(PM_PRESENT, 0, 0, 0, OBS_SCAN);
	ck_assert_int_eq(stats_page_is_zero(&o), 0);
	/* By kpageflags of the PFN. */
	o = obs(PM_PRESENT | 0x1234, KF_ZERO, 0, 0, OBS_KFLAGS);
	ck_assert_int_eq(stats_page_is_zero(&o), 1);
	o = obs(PM_PRESENT | 0x1234, KF_ANON, 1, 0, OBS_KFLAGS | OBS_KCOUNT);
	ck_assert_int_eq(stats_page_is_zero(&o), 0);
	/* Both agree. */
	o = obs(PM_PRESENT | 0x1234, KF_ZERO, 0, SCAN_ZERO, ALL_OBS);
	ck_assert_int_eq(stats_page_is_zero(&o), 1);
}
END_TEST

START_TEST(test_not_present)
{
	struct counts c;

	/* A hole: only pages; soft-dirty needs a present or swapped page. */
	c = one(&k_anon, obs(PM_SOFT_DIRTY, KF_ANON, 1, SCAN_HUGE, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1);
	c = one(&k_pfile, obs(0, 0, 0, 0, 0));
	EXPECT(c, [CTR_PAGES] = 1);
	/* A guard region page is not present either. */
	c = one(&k_anon, obs(PM_GUARD, 0, 0, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1);
}
END_TEST

START_TEST(test_swapped)
{
	uint64_t sw = PM_SWAP | 3 | (UINT64_C(0x12345) << PM_SWAP_OFFSET_SHIFT);
	struct counts c;

	c = one(&k_anon, obs(sw, 0, 0, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_SWAPPED] = 1);
	c = one(&k_anon, obs(sw | PM_SOFT_DIRTY | PM_EXCLUSIVE, 0, 0, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_SWAPPED] = 1, [CTR_SOFT_DIRTY] = 1);
}
END_TEST

START_TEST(test_anon_exclusive)
{
	uint64_t pm = PM_PRESENT | PM_EXCLUSIVE | 0x4242;
	struct counts c;

	/* A written private anonymous page: anon, exclusive, dirty, PSS 1. */
	c = one(&k_anon, obs(pm, KF_ANON, 1, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_EXCLUSIVE] = 1, [CTR_DIRTY] = 1, [CTR_PSS] = ONE);
	/* The same in a private file mapping was copied on write. */
	c = one(&k_pfile, obs(pm, KF_ANON, 1, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_EXCLUSIVE] = 1, [CTR_DIRTY] = 1, [CTR_COW_COPIED] = 1,
	    [CTR_PSS] = ONE);
	/* Soft-dirty. */
	c = one(&k_anon, obs(pm | PM_SOFT_DIRTY, KF_ANON, 1, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_EXCLUSIVE] = 1, [CTR_DIRTY] = 1, [CTR_SOFT_DIRTY] = 1,
	    [CTR_PSS] = ONE);
}
END_TEST

START_TEST(test_anon_shared_after_fork)
{
	uint64_t pm = PM_PRESENT | 0x4242;	/* not exclusive */
	struct counts c;

	/* Private anonymous, mapped by parent and child: COW-shared. */
	c = one(&k_anon, obs(pm, KF_ANON, 2, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_SHARED] = 1, [CTR_DIRTY] = 1, [CTR_COW_SHARED] = 1,
	    [CTR_PSS] = ONE / 2);
	/* In a private file mapping: copied once, and shared since the fork. */
	c = one(&k_pfile, obs(pm, KF_ANON, 2, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_SHARED] = 1, [CTR_DIRTY] = 1, [CTR_COW_COPIED] = 1,
	    [CTR_COW_SHARED] = 1, [CTR_PSS] = ONE / 2);
	/* Shared anonymous (MAP_SHARED) without bit 61 is not COW. */
	c = one(&k_shmem, obs(pm, KF_ANON, 2, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_SHARED] = 1, [CTR_DIRTY] = 1, [CTR_PSS] = ONE / 2);
}
END_TEST

START_TEST(test_pss)
{
	uint64_t shared = PM_PRESENT | 0x99, excl = shared | PM_EXCLUSIVE;
	struct counts c;

	c = one(&k_anon, obs(shared, KF_ANON, 3, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_PSS], ONE / 3);
	ck_assert_uint_eq(c.v[CTR_PSS], 5592405);
	c = one(&k_anon, obs(shared, KF_ANON, 1000, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_PSS], ONE / 1000);
	/* Exclusive: the page is ours whatever kpagecount says (large folios). */
	c = one(&k_anon, obs(excl, KF_ANON, 3, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_PSS], ONE);
	c = one(&k_anon, obs(excl, KF_ANON, 0, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_PSS], ONE);
	/* A racing unmap reads count 0: no division by zero, the page is ours. */
	c = one(&k_anon, obs(shared, KF_ANON, 0, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_PSS], ONE);
	/* Without kpagecount nothing is added. */
	c = one(&k_anon, obs(shared, KF_ANON, 3, 0, OBS_KFLAGS | OBS_SCAN));
	ck_assert_uint_eq(c.v[CTR_PSS], 0);
	/* The zero page has no share in PSS, nor in smaps' Rss. */
	c = one(&k_anon, obs(PM_PRESENT | 0x7, KF_ZERO, 0, SCAN_ZERO, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_PSS], 0);
	/* Three pages with counts 1, 2, 4 in fractional pages. */
	stats_init(&c, CTR_ALL);
	for (uint64_t n = 1; n <= 4; n *= 2) {
		struct page_obs o = obs(shared, KF_ANON, n, 0, ALL_OBS);
		stats_add_page(&c, &k_anon, &o);
	}
	ck_assert_uint_eq(c.v[CTR_PSS], ONE + ONE / 2 + ONE / 4);
	ck_assert_double_eq(stats_pss_pages(&c), 1.75);
}
END_TEST

START_TEST(test_file_pages)
{
	uint64_t pm = PM_PRESENT | PM_FILE | 0x500;
	struct counts c;

	/* A clean page-cache page read through a private file mapping. */
	c = one(&k_pfile, obs(pm, KF_FILE, 5, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_FILE] = 1,
	    [CTR_SHARED] = 1, [CTR_PSS] = ONE / 5);
	/* Dirty only with KPF_DIRTY. */
	c = one(&k_sfile, obs(pm | PM_EXCLUSIVE, KF_FILE | KPF_BIT(KPF_DIRTY), 1, 0,
	    ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_FILE] = 1,
	    [CTR_EXCLUSIVE] = 1, [CTR_DIRTY] = 1, [CTR_PSS] = ONE);
	/* shmem (bit 61, swap-backed) that was written. */
	c = one(&k_shmem, obs(pm, KPF_BIT(KPF_SWAPBACKED) | KPF_BIT(KPF_DIRTY), 2, 0,
	    ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_FILE] = 1,
	    [CTR_SHARED] = 1, [CTR_DIRTY] = 1, [CTR_PSS] = ONE / 2);
	/* A file page is never counted as copied on write, even in a private mapping. */
	c = one(&k_pfile, obs(pm | PM_EXCLUSIVE, KF_FILE | KPF_BIT(KPF_DIRTY), 1, 0,
	    ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_COW_COPIED], 0);
	ck_assert_uint_eq(c.v[CTR_COW_SHARED], 0);
	ck_assert_uint_eq(c.v[CTR_ANON], 0);
}
END_TEST

START_TEST(test_dirty_swapcache)
{
	uint64_t pm = PM_PRESENT | PM_EXCLUSIVE | 0x77;
	struct counts c;

	/* Anonymous pages are dirty by definition... */
	c = one(&k_anon, obs(pm, KF_ANON, 1, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_DIRTY], 1);
	/* ...except a clean swap-cache page, which can be dropped. */
	c = one(&k_anon, obs(pm, KF_ANON | KPF_BIT(KPF_SWAPCACHE), 1, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_DIRTY], 0);
	ck_assert_uint_eq(c.v[CTR_ANON], 1);
	c = one(&k_anon, obs(pm, KF_ANON | KPF_BIT(KPF_SWAPCACHE) | KPF_BIT(KPF_DIRTY),
	    1, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_DIRTY], 1);
	/* A file page in swap cache is clean unless KPF_DIRTY. */
	c = one(&k_shmem, obs(pm | PM_FILE, KPF_BIT(KPF_SWAPCACHE), 1, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_DIRTY], 0);
	/* Without kpageflags, dirty is not counted at all. */
	c = one(&k_anon, obs(pm, KF_ANON, 1, 0, OBS_KCOUNT | OBS_SCAN));
	ck_assert_uint_eq(c.v[CTR_DIRTY], 0);
	ck_assert_uint_eq(c.v[CTR_ANON], 1);
}
END_TEST

START_TEST(test_zero_page)
{
	uint64_t pm = PM_PRESENT | 0x1;	/* the zero page is never exclusive */
	struct counts c;

	/* Told by PAGEMAP_SCAN (no PFN needed). */
	c = one(&k_anon, obs(PM_PRESENT, 0, 0, SCAN_ZERO, OBS_SCAN));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ZERO] = 1);
	/* Told by kpageflags; its kpagecount is 0. */
	c = one(&k_anon, obs(pm, KF_ZERO, 0, 0, OBS_KFLAGS | OBS_KCOUNT));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ZERO] = 1);
	/* In a private file mapping (a read hole of a sparse file is not this,
	 * but a read of never-written private anonymous memory is). */
	c = one(&k_pfile, obs(pm, KF_ZERO, 0, SCAN_ZERO, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ZERO] = 1);
	/* The huge zero page is zero, not THP. */
	c = one(&k_anon, obs(pm, KF_ZERO, 0, SCAN_ZERO | SCAN_HUGE, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ZERO] = 1);
	/* Soft-dirty still counts on it. */
	c = one(&k_anon, obs(pm | PM_SOFT_DIRTY, KF_ZERO, 0, SCAN_ZERO, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ZERO] = 1,
	    [CTR_SOFT_DIRTY] = 1);
}
END_TEST

START_TEST(test_thp)
{
	uint64_t pm = PM_PRESENT | PM_EXCLUSIVE | 0x200;
	uint64_t kf = KF_ANON | KPF_BIT(KPF_THP) | KPF_BIT(KPF_COMPOUND_HEAD);
	struct counts c;

	c = one(&k_anon, obs(pm, kf, 1, SCAN_HUGE, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_EXCLUSIVE] = 1, [CTR_DIRTY] = 1, [CTR_THP] = 1, [CTR_PSS] = ONE);
	/* File THP (a PMD-mapped page-cache folio). */
	c = one(&k_pfile, obs(pm | PM_FILE, KF_FILE | KPF_BIT(KPF_THP), 1, SCAN_HUGE,
	    ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_THP], 1);
	ck_assert_uint_eq(c.v[CTR_FILE], 1);
	/* hugetlb pages are HUGE to the scan, but not transparent huge pages. */
	c = one(&k_htlb, obs(pm, KF_ANON | KPF_BIT(KPF_HUGE), 1, SCAN_HUGE, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_THP], 0);
	ck_assert_uint_eq(c.v[CTR_ANON], 1);
	/* KPF_THP alone (a PTE-mapped large folio) is not PMD-mapped. */
	c = one(&k_anon, obs(pm, kf, 1, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_THP], 0);
	c = one(&k_anon, obs(pm, kf, 1, 0, OBS_KFLAGS | OBS_KCOUNT));
	ck_assert_uint_eq(c.v[CTR_THP], 0);
	/* Scan bits that were not read do not count. */
	c = one(&k_anon, obs(pm, kf, 1, SCAN_HUGE, OBS_KFLAGS | OBS_KCOUNT));
	ck_assert_uint_eq(c.v[CTR_THP], 0);
}
END_TEST

START_TEST(test_ksm)
{
	uint64_t pm = PM_PRESENT | 0x300;	/* KSM pages are not exclusive */
	struct counts c;

	c = one(&k_anon, obs(pm, KF_ANON | KPF_BIT(KPF_KSM), 3, 0, ALL_OBS));
	EXPECT(c, [CTR_PAGES] = 1, [CTR_PRESENT] = 1, [CTR_ANON] = 1,
	    [CTR_SHARED] = 1, [CTR_DIRTY] = 1, [CTR_COW_SHARED] = 1, [CTR_KSM] = 1,
	    [CTR_PSS] = ONE / 3);
	/* KSM is only known through kpageflags. */
	c = one(&k_anon, obs(pm, KF_ANON | KPF_BIT(KPF_KSM), 3, 0, OBS_SCAN));
	ck_assert_uint_eq(c.v[CTR_KSM], 0);
}
END_TEST

START_TEST(test_unprivileged_scan_only)
{
	/*
	 * Without root: PFNs are zero, no kpage files, but PAGEMAP_SCAN tells
	 * the zero page, so anon/shared/cow_* are known; dirty/ksm/pss are not.
	 */
	struct sources src = { .scan = true };
	struct counts c;
	struct page_obs o[] = {
		obs(PM_PRESENT | PM_EXCLUSIVE, 0, 0, 0, OBS_SCAN),	/* anon, own */
		obs(PM_PRESENT, 0, 0, 0, OBS_SCAN),			/* anon, forked */
		obs(PM_PRESENT, 0, 0, SCAN_ZERO, OBS_SCAN),		/* zero page */
		obs(PM_PRESENT | PM_FILE, 0, 0, 0, OBS_SCAN),		/* page cache */
		obs(PM_SWAP | 1, 0, 0, 0, OBS_SCAN),			/* swapped */
		obs(0, 0, 0, 0, OBS_SCAN),				/* hole */
	};

	stats_init(&c, stats_known(&src));
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		stats_add_page(&c, &k_pfile, &o[i]);
	EXPECT(c, [CTR_PAGES] = 6, [CTR_PRESENT] = 4, [CTR_SWAPPED] = 1,
	    [CTR_FILE] = 1, [CTR_ANON] = 2, [CTR_ZERO] = 1, [CTR_EXCLUSIVE] = 1,
	    [CTR_SHARED] = 2, [CTR_COW_COPIED] = 2, [CTR_COW_SHARED] = 1);
	ck_assert(stats_is_known(&c, CTR_ANON));
	ck_assert(stats_is_known(&c, CTR_COW_SHARED));
	ck_assert(stats_is_known(&c, CTR_THP));
	ck_assert(!stats_is_known(&c, CTR_DIRTY));
	ck_assert(!stats_is_known(&c, CTR_KSM));
	ck_assert(!stats_is_known(&c, CTR_PSS));
	ck_assert(!stats_is_known(&c, CTR_SOFT_DIRTY));
}
END_TEST

START_TEST(test_no_sources)
{
	/*
	 * Neither kpageflags nor the scan: the zero page cannot be told apart,
	 * so no counter that depends on it is counted or known.
	 */
	struct sources src = { .kcount = true };
	struct counts c;
	struct page_obs o[] = {
		obs(PM_PRESENT | PM_EXCLUSIVE | 0x10, 0, 1, 0, OBS_KCOUNT),
		obs(PM_PRESENT | 0x11, 0, 2, 0, OBS_KCOUNT),
		obs(PM_PRESENT | PM_FILE | 0x12, 0, 4, 0, OBS_KCOUNT),
		obs(PM_PRESENT | PM_SOFT_DIRTY, 0, 0, 0, 0),
	};

	stats_init(&c, stats_known(&src));
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		stats_add_page(&c, &k_pfile, &o[i]);
	EXPECT(c, [CTR_PAGES] = 4, [CTR_PRESENT] = 4, [CTR_FILE] = 1,
	    [CTR_EXCLUSIVE] = 1, [CTR_SOFT_DIRTY] = 1);
	ck_assert_uint_eq(c.known, BASE);
	for (int i = CTR_ZERO; i < CTR_COUNT; i++)
		if (i != CTR_EXCLUSIVE)
			ck_assert_msg(!stats_is_known(&c, (enum counter)i),
			    "%s known without a way to tell the zero page", ctr_names[i]);
}
END_TEST

START_TEST(test_mixed_mapping)
{
	/* A private file mapping of 10 pages seen by root with every source. */
	struct counts c;
	struct page_obs o[] = {
		obs(0, 0, 0, 0, ALL_OBS),					/* hole */
		obs(PM_PRESENT | PM_FILE | 0x100, KF_FILE, 3, 0, ALL_OBS),	/* cache */
		obs(PM_PRESENT | PM_FILE | PM_EXCLUSIVE | 0x101, KF_FILE, 1, 0, ALL_OBS),
		obs(PM_PRESENT | PM_EXCLUSIVE | 0x102, KF_ANON, 1, 0, ALL_OBS),	/* copied */
		obs(PM_PRESENT | 0x103, KF_ANON, 2, 0, ALL_OBS),		/* copied, forked */
		obs(PM_PRESENT | 0x104, KF_ANON | KPF_BIT(KPF_KSM), 4, 0, ALL_OBS),
		obs(PM_SWAP | PM_SOFT_DIRTY | (7 << 5), 0, 0, 0, ALL_OBS),	/* swapped */
		obs(PM_PRESENT | PM_EXCLUSIVE | PM_SOFT_DIRTY | 0x105,
		    KF_ANON | KPF_BIT(KPF_SWAPCACHE), 1, 0, ALL_OBS),		/* clean swapcache */
		obs(PM_PRESENT | PM_FILE | 0x106, KF_FILE | KPF_BIT(KPF_DIRTY), 2, 0,
		    ALL_OBS),
		obs(0, 0, 0, 0, ALL_OBS),
	};

	stats_init(&c, CTR_ALL);
	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
		stats_add_page(&c, &k_pfile, &o[i]);
	EXPECT(c, [CTR_PAGES] = 10, [CTR_PRESENT] = 7, [CTR_SWAPPED] = 1,
	    [CTR_FILE] = 3, [CTR_ANON] = 4, [CTR_ZERO] = 0, [CTR_EXCLUSIVE] = 3,
	    [CTR_SHARED] = 4, [CTR_DIRTY] = 4, [CTR_COW_COPIED] = 4,
	    [CTR_COW_SHARED] = 2, [CTR_THP] = 0, [CTR_KSM] = 1, [CTR_SOFT_DIRTY] = 2,
	    [CTR_PSS] = ONE / 3 + ONE + ONE + ONE / 2 + ONE / 4 + ONE + ONE / 2);
}
END_TEST

/* A run counted at once is n pages counted one by one, for every kind of page. */
START_TEST(test_add_pages_is_n_adds)
{
	static const struct mapping_kind *kinds[] = { &k_anon, &k_pfile };
	const struct page_obs pages[] = {
		obs(PM_PRESENT | PM_EXCLUSIVE | 7, KF_ANON, 1, 0, ALL_OBS),
		obs(PM_PRESENT | 7, KF_ANON, 3, 0, ALL_OBS),
		obs(PM_PRESENT | PM_FILE | 7, 0, 7, 0, ALL_OBS),
		obs(PM_PRESENT | 7, KF_ANON, 2, SCAN_HUGE, ALL_OBS),
		obs(PM_PRESENT | 7, 0, 1, SCAN_ZERO, ALL_OBS),
		obs(PM_PRESENT | PM_FILE | 7, 0, 0, 0, OBS_SCAN),
		obs(PM_SWAP | PM_SOFT_DIRTY | 0x40, 0, 0, 0, ALL_OBS),
		obs(PM_PRESENT | PM_SOFT_DIRTY | 9, KF_ANON, 5, 0, OBS_KCOUNT),
	};

	for (size_t k = 0; k < 2; k++) {
		for (size_t p = 0; p < sizeof(pages) / sizeof(*pages); p++) {
			struct counts one_by_one, at_once;

			stats_init(&one_by_one, CTR_ALL);
			stats_init(&at_once, CTR_ALL);
			for (int i = 0; i < 37; i++)
				stats_add_page(&one_by_one, kinds[k], &pages[p]);
			stats_add_pages(&at_once, kinds[k], &pages[p], 37);
			ck_assert_msg(memcmp(&one_by_one, &at_once,
			    sizeof(at_once)) == 0, "kind %zu page %zu", k, p);
		}
	}
}
END_TEST

START_TEST(test_merge)
{
	struct counts a, b, t;
	struct page_obs pa = obs(PM_PRESENT | PM_EXCLUSIVE | 1, KF_ANON, 1, 0, ALL_OBS);
	struct page_obs pb = obs(PM_PRESENT | 2, KF_ANON, 2, 0, OBS_KCOUNT | OBS_KFLAGS);
	struct sources unpriv = { .scan = true };

	stats_init(&a, CTR_ALL);
	stats_add_page(&a, &k_anon, &pa);
	stats_init(&b, CTR_ALL & ~CTR_BIT(CTR_SOFT_DIRTY));
	stats_add_page(&b, &k_anon, &pb);
	stats_add_page(&b, &k_anon, &pb);

	stats_init(&t, CTR_ALL);
	stats_merge(&t, &a);
	stats_merge(&t, &b);
	EXPECT(t, [CTR_PAGES] = 3, [CTR_PRESENT] = 3, [CTR_ANON] = 3,
	    [CTR_EXCLUSIVE] = 1, [CTR_SHARED] = 2, [CTR_DIRTY] = 3,
	    [CTR_COW_SHARED] = 2, [CTR_PSS] = ONE + ONE);
	/* Known is the AND: soft_dirty unknown in b makes the total unknown. */
	ck_assert_uint_eq(t.known, CTR_ALL & ~CTR_BIT(CTR_SOFT_DIRTY));
	ck_assert_double_eq(stats_pss_pages(&t), 2.0);

	/* A process walked without privilege makes the totals lose PSS etc. */
	stats_init(&b, stats_known(&unpriv));
	stats_merge(&t, &b);
	ck_assert_uint_eq(t.known, stats_known(&unpriv));
	ck_assert_uint_eq(t.v[CTR_PAGES], 3);

	/* Merging into itself doubles. */
	stats_merge(&a, &a);
	ck_assert_uint_eq(a.v[CTR_PAGES], 2);
	ck_assert_uint_eq(a.v[CTR_PSS], 2 * ONE);
	ck_assert_uint_eq(a.known, CTR_ALL);
}
END_TEST

START_TEST(test_pfn_bits_irrelevant)
{
	/* The PFN (or its absence without privilege) changes no counter. */
	struct counts a, b;

	a = one(&k_pfile, obs(PM_PRESENT | PM_EXCLUSIVE | PM_PFN_MASK, KF_ANON, 1, 0,
	    ALL_OBS));
	b = one(&k_pfile, obs(PM_PRESENT | PM_EXCLUSIVE, KF_ANON, 1, 0, ALL_OBS));
	ck_assert_mem_eq(a.v, b.v, sizeof(a.v));
	/* Nor do uffd-wp. */
	b = one(&k_pfile, obs(PM_PRESENT | PM_EXCLUSIVE | PM_UFFD_WP, KF_ANON, 1, 0,
	    ALL_OBS));
	ck_assert_mem_eq(a.v, b.v, sizeof(a.v));
}
END_TEST

/* A guard region is a PTE marker with the swap bit: not swap. */
START_TEST(test_guard_not_swapped)
{
	struct counts c = one(&k_anon, obs(PM_SWAP | PM_GUARD | 3, 0, 0, 0, ALL_OBS));

	EXPECT(c, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	c = one(&k_anon, obs(PM_SWAP | 3, 0, 0, 0, ALL_OBS));
	ck_assert_uint_eq(c.v[CTR_SWAPPED], 1);
}
END_TEST

/* The huge zero page carries the file bit; it is counted only as zero. */
START_TEST(test_huge_zero_page_file_bit)
{
	uint64_t pm = PM_PRESENT | PM_FILE | 42;
	struct counts c = one(&k_anon, obs(pm, KF_ZERO, 0, SCAN_ZERO | SCAN_HUGE,
	    ALL_OBS));

	EXPECT(c, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	/* Unknowable zero page: file is unknown in a private anonymous mapping... */
	stats_init(&c, CTR_ALL);
	stats_add_page(&c, &k_anon, &(struct page_obs){ .pm = pm });
	ck_assert(!stats_is_known(&c, CTR_FILE));
	/* ...but a file-bit page of a file mapping is a file page. */
	stats_init(&c, CTR_ALL);
	stats_add_page(&c, &k_pfile, &(struct page_obs){ .pm = pm });
	ck_assert(stats_is_known(&c, CTR_FILE));
	ck_assert_uint_eq(c.v[CTR_FILE], 1);
}
END_TEST


/* Count n pages with pagemap word pm into c, with no source but pagemap. */
static void
add_bits(struct counts *c, const struct mapping_kind *kind, uint64_t pm,
    uint64_t n)
{
	struct page_obs o = obs(pm, 0, 0, 0, 0);

	stats_add_pages(c, kind, &o, n);
}

static struct smaps_rec
rec_kb(long long rss, long long anon, long long anon_huge)
{
	struct smaps_rec r;

	for (int i = 0; i < SM_NFIELDS; i++)
		r.kb[i] = i == SM_KSM ? -1 : 0;
	r.start = 0x1000;
	r.end = 0x2000;
	r.kb[SM_RSS] = rss;
	r.kb[SM_ANONYMOUS] = anon;
	r.kb[SM_ANON_HUGE] = anon_huge;
	return r;
}

#define A_X	(PM_PRESENT | PM_EXCLUSIVE)	/* exclusive anon */
#define A_S	(PM_PRESENT)			/* shared anon, or the zero page */
#define HZ	(PM_PRESENT | PM_FILE)		/* the huge zero page's bits */

/*
 * Without PAGEMAP_SCAN and PFNs: 3 exclusive anon pages, 2 shared with a
 * fork relative, 4 small zero pages and 1 huge-zero page (file bit). smaps
 * counts 5 pages in Rss, all Anonymous.
 */
START_TEST(test_settle_zero_anon)
{
	struct smaps_rec r = rec_kb(20, 20, 0);
	struct counts c;

	stats_init(&c, stats_known(&(struct sources){ 0 }));
	add_bits(&c, &k_anon, A_X, 3);
	add_bits(&c, &k_anon, A_S, 2);
	add_bits(&c, &k_anon, A_S | PM_SOFT_DIRTY, 4);
	add_bits(&c, &k_anon, HZ, 1);
	ck_assert(!stats_is_known(&c, CTR_ZERO) && !stats_is_known(&c, CTR_FILE));
	stats_settle(&c, &k_anon, &r, 4, false, true);
	EXPECT(c, [CTR_PAGES] = 10, [CTR_PRESENT] = 10, [CTR_FILE] = 0,
	    [CTR_ANON] = 5, [CTR_ZERO] = 5, [CTR_EXCLUSIVE] = 3,
	    [CTR_SHARED] = 2, [CTR_COW_SHARED] = 2, [CTR_SOFT_DIRTY] = 4);
	/* Pss and *_Dirty lines (0 here) settle pss and dirty; no KSM: line. */
	ck_assert_uint_eq(c.known, BASE | ZEROISH | CTR_BIT(CTR_THP) |
	    CTR_BIT(CTR_PSS) | CTR_BIT(CTR_DIRTY));
}
END_TEST

/* A private file mapping: 2 page-cache pages, 3 copied on write. */
START_TEST(test_settle_private_file)
{
	struct smaps_rec r = rec_kb(20, 12, 0);
	struct counts c;

	stats_init(&c, BASE);
	add_bits(&c, &k_pfile, PM_PRESENT | PM_FILE | PM_EXCLUSIVE, 2);
	add_bits(&c, &k_pfile, A_X, 3);
	stats_settle(&c, &k_pfile, &r, 4, false, true);
	EXPECT(c, [CTR_PAGES] = 5, [CTR_PRESENT] = 5, [CTR_FILE] = 2,
	    [CTR_ANON] = 3, [CTR_EXCLUSIVE] = 5, [CTR_COW_COPIED] = 3);
	ck_assert(stats_is_known(&c, CTR_COW_COPIED) &&
	    stats_is_known(&c, CTR_ZERO));
}
END_TEST

/* Numbers that do not add up (the process changed): nothing is settled. */
START_TEST(test_settle_inconsistent)
{
	struct smaps_rec more_anon = rec_kb(20, 24, 0);
	struct smaps_rec more_rss = rec_kb(48, 20, 0);
	struct smaps_rec no_rss = rec_kb(-1, 20, 0);
	const struct smaps_rec *bad[] = { &more_anon, &more_rss, &no_rss };

	for (size_t i = 0; i < 3; i++) {
		struct counts c;

		stats_init(&c, BASE);
		add_bits(&c, &k_anon, A_X, 5);
		stats_settle(&c, &k_anon, bad[i], 4, false, true);
		ck_assert_msg(!stats_is_known(&c, CTR_ZERO) &&
		    !stats_is_known(&c, CTR_ANON) &&
		    !stats_is_known(&c, CTR_SHARED), "record %zu settled", i);
	}
}
END_TEST

/*
 * A record whose parts exceed its Rss (found by fuzz/counts-fuzzer: Rss 0,
 * Private_Dirty 26 MiB settled exclusive at 6,656 of a 33-page mapping)
 * settles nothing, nor one without Rss, nor one with more Rss than present.
 */
static const struct {
	enum smaps_field	 field;
	long long		 kb;
	const char		*what;
} settle_liars[] = {
	{ SM_PRIVATE_DIRTY, 8192, "Private_Dirty above Rss" },
	{ SM_PSS, 24, "Pss above Rss" },
	{ SM_ANON_HUGE, 2048, "AnonHugePages above Rss" },
	{ SM_SHARED_CLEAN, 12, "Shared + Private above Rss" },
	{ SM_KSM, 64, "KSM above Rss" },
	{ SM_RSS, -1, "no Rss line, AnonHugePages given" },
	{ SM_RSS, 21, "Rss past present, not a page multiple" },
};

START_TEST(test_settle_parts_above_rss)
{
	struct smaps_rec r = rec_kb(20, 20, 0);
	struct counts c;

	r.kb[SM_PRIVATE_DIRTY] = 12;	/* with Shared_Clean 12: 24 > 20 */
	r.kb[settle_liars[_i].field] = settle_liars[_i].kb;
	if (settle_liars[_i].field == SM_RSS)
		r.kb[SM_ANON_HUGE] = 8;
	stats_init(&c, BASE);
	add_bits(&c, &k_anon, A_X, 5);
	stats_settle(&c, &k_anon, &r, 4, true, true);
	ck_assert_msg(c.known == BASE, "%s: settled %#x", settle_liars[_i].what,
	    (unsigned)(c.known & ~BASE));
	ck_assert_uint_eq(c.v[CTR_EXCLUSIVE], 5);
	for (int i = 0; i < CTR_COUNT; i++)
		ck_assert_uint_le(c.v[i], c.v[CTR_PAGES] << (i == CTR_PSS ? PSS_SHIFT : 0));
}
END_TEST

/* A Pss of 4 PiB converts to fixed point without wrapping. */
START_TEST(test_settle_pss_huge)
{
	const uint64_t pages = UINT64_C(1) << 40;
	struct smaps_rec r = rec_kb((long long)(pages * 4), 0, 0);
	struct counts c;

	r.kb[SM_PSS] = (long long)(pages * 4) - 2;
	stats_init(&c, BASE | ZEROISH);
	add_bits(&c, &k_shmem, PM_PRESENT | PM_FILE | PM_EXCLUSIVE, pages);
	stats_settle(&c, &k_shmem, &r, 4, false, true);
	ck_assert(stats_is_known(&c, CTR_PSS));
	ck_assert(stats_pss_pages(&c) == (double)pages - 0.5);
}
END_TEST

/* hugetlbfs: no zero page, and smaps' Rss leaves its pages out. */
START_TEST(test_settle_hugetlb)
{
	struct smaps_rec r = rec_kb(0, 0, 0);
	struct counts c;

	stats_init(&c, BASE);
	add_bits(&c, &k_htlb, A_X, 512);
	stats_settle(&c, &k_htlb, &r, 4, true, true);
	EXPECT(c, [CTR_PAGES] = 512, [CTR_PRESENT] = 512, [CTR_ANON] = 512,
	    [CTR_EXCLUSIVE] = 512);
	ck_assert(stats_is_known(&c, CTR_ZERO) && stats_is_known(&c, CTR_THP));
}
END_TEST

/*
 * After a fork relative rewrote the head of a THP the parent still maps
 * whole, all 512 pages carry the head's exclusive bit; smaps counts 511 of
 * them shared. Only with excl_doubt (no kpagecount) does smaps decide.
 */
START_TEST(test_settle_excl_doubt)
{
	struct smaps_rec r = rec_kb(2048, 2048, 2048);
	struct counts c, trusted;

	r.kb[SM_PRIVATE_DIRTY] = 4;
	r.kb[SM_SHARED_DIRTY] = 2044;
	stats_init(&c, BASE);
	add_bits(&c, &k_anon, A_X, 512);
	trusted = c;
	stats_settle(&c, &k_anon, &r, 4, true, true);
	EXPECT(c, [CTR_PAGES] = 512, [CTR_PRESENT] = 512, [CTR_ANON] = 512,
	    [CTR_EXCLUSIVE] = 1, [CTR_SHARED] = 511, [CTR_COW_SHARED] = 511,
	    [CTR_THP] = 512, [CTR_DIRTY] = 512);
	stats_settle(&trusted, &k_anon, &r, 4, false, true);
	EXPECT(trusted, [CTR_PAGES] = 512, [CTR_PRESENT] = 512,
	    [CTR_ANON] = 512, [CTR_EXCLUSIVE] = 512, [CTR_THP] = 512,
	    [CTR_DIRTY] = 512);
	/* Without PMD-mapped pages the bits are the pages' own. */
	r.kb[SM_ANON_HUGE] = 0;
	stats_init(&c, BASE);
	add_bits(&c, &k_anon, A_X, 512);
	stats_settle(&c, &k_anon, &r, 4, true, true);
	ck_assert_uint_eq(c.v[CTR_EXCLUSIVE], 512);
}
END_TEST

/*
 * Without the kpage files: pss from Pss (kB, to fixed point), dirty from
 * Private_Dirty + Shared_Dirty, ksm from KSM: where trusted and printed.
 */
START_TEST(test_settle_kpage_counters)
{
	struct smaps_rec r = rec_kb(40, 40, 0);
	struct counts c;

	r.kb[SM_PSS] = 22;	/* 5.5 pages */
	r.kb[SM_PRIVATE_DIRTY] = 12;
	r.kb[SM_SHARED_DIRTY] = 8;
	r.kb[SM_KSM] = 16;
	stats_init(&c, BASE | ZEROISH);
	add_bits(&c, &k_anon, A_X, 10);
	stats_settle(&c, &k_anon, &r, 4, false, true);
	ck_assert(stats_is_known(&c, CTR_PSS) && stats_is_known(&c, CTR_DIRTY) &&
	    stats_is_known(&c, CTR_KSM));
	ck_assert(stats_pss_pages(&c) == 5.5);
	ck_assert_uint_eq(c.v[CTR_DIRTY], 5);
	ck_assert_uint_eq(c.v[CTR_KSM], 4);
	/* KPF_KSM on every anonymous page: this kernel's KSM: is not trusted. */
	stats_init(&c, BASE | ZEROISH);
	add_bits(&c, &k_anon, A_X, 10);
	stats_settle(&c, &k_anon, &r, 4, false, false);
	ck_assert(!stats_is_known(&c, CTR_KSM) && stats_is_known(&c, CTR_PSS));
	/* No KSM: line (before 6.7): ksm stays unknown. */
	r.kb[SM_KSM] = -1;
	stats_init(&c, BASE | ZEROISH);
	add_bits(&c, &k_anon, A_X, 10);
	stats_settle(&c, &k_anon, &r, 4, false, true);
	ck_assert(!stats_is_known(&c, CTR_KSM));
	/* More resident than present: changed between the reads, nothing settles. */
	r.kb[SM_RSS] = 44;
	stats_init(&c, BASE | ZEROISH);
	add_bits(&c, &k_anon, A_X, 10);
	stats_settle(&c, &k_anon, &r, 4, false, true);
	ck_assert(!stats_is_known(&c, CTR_PSS) && !stats_is_known(&c, CTR_DIRTY));
}
END_TEST

/* thp from every PMD-mapped size; a known counter is left as it is. */
START_TEST(test_settle_thp_only)
{
	struct smaps_rec r = rec_kb(8192, 0, 0);
	struct counts c;

	r.kb[SM_SHMEM_PMD] = 4096;
	r.kb[SM_FILE_PMD] = 2048;
	stats_init(&c, BASE | ZEROISH);
	add_bits(&c, &k_shmem, PM_PRESENT | PM_FILE | PM_EXCLUSIVE, 2048);
	stats_settle(&c, &k_shmem, &r, 4, false, true);
	ck_assert_uint_eq(c.v[CTR_THP], 1536);
	ck_assert(stats_is_known(&c, CTR_THP));
	ck_assert_uint_eq(c.v[CTR_ZERO], 0);
	ck_assert_uint_eq(c.v[CTR_FILE], 2048);
	/* Settled totals stay known only where every mapping was settled. */
	{
		struct counts t, u;

		stats_init(&t, BASE | CTR_SETTLED);
		stats_init(&u, BASE);
		stats_merge(&t, &c);
		ck_assert(stats_is_known(&t, CTR_THP));
		stats_merge(&t, &u);
		ck_assert(!stats_is_known(&t, CTR_THP));
	}
}
END_TEST

static Suite *
stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc;

	tc = check_tcase(s, "known");
	tcase_add_test(tc, test_known_named);
	tcase_add_loop_test(tc, test_known_all_combinations, 0, 16);
	tcase_add_test(tc, test_init_and_is_known);
	tcase_add_test(tc, test_page_is_zero);

	tc = check_tcase(s, "counters");
	tcase_add_test(tc, test_not_present);
	tcase_add_test(tc, test_swapped);
	tcase_add_test(tc, test_anon_exclusive);
	tcase_add_test(tc, test_anon_shared_after_fork);
	tcase_add_test(tc, test_pss);
	tcase_add_test(tc, test_file_pages);
	tcase_add_test(tc, test_dirty_swapcache);
	tcase_add_test(tc, test_zero_page);
	tcase_add_test(tc, test_thp);
	tcase_add_test(tc, test_ksm);
	tcase_add_test(tc, test_pfn_bits_irrelevant);
	tcase_add_test(tc, test_guard_not_swapped);
	tcase_add_test(tc, test_huge_zero_page_file_bit);

	tc = check_tcase(s, "unknown");
	tcase_add_test(tc, test_unprivileged_scan_only);
	tcase_add_test(tc, test_no_sources);

	tc = check_tcase(s, "totals");
	tcase_add_test(tc, test_mixed_mapping);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_add_pages_is_n_adds);
	tcase_add_test(tc, test_settle_zero_anon);
	tcase_add_test(tc, test_settle_private_file);
	tcase_add_test(tc, test_settle_inconsistent);
	tcase_add_loop_test(tc, test_settle_parts_above_rss, 0,
	    sizeof(settle_liars) / sizeof(*settle_liars));
	tcase_add_test(tc, test_settle_pss_huge);
	tcase_add_test(tc, test_settle_hugetlb);
	tcase_add_test(tc, test_settle_excl_doubt);
	tcase_add_test(tc, test_settle_thp_only);
	tcase_add_test(tc, test_settle_kpage_counters);
	return s;
}

int
main(void)
{
	return check_run(stats_suite(), CK_NORMAL);
}
