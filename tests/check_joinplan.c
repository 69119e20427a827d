/* check_joinplan.c - which kpage words a page needs, and why */
#include "config.h"

#include <check.h>
#include <stdint.h>

#include "joinplan.h"
#include "pagemap.h"
#include "pagescan.h"
#include "stats.h"
#include "checkrun.h"

static struct join_plan
plan(bool dirty, bool ksm, bool pss, bool thp, bool swapcache, bool ksm_on)
{
	struct join_plan p = { .want_dirty = dirty, .want_ksm = ksm,
	    .want_pss = pss, .want_thp = thp, .swapcache = swapcache,
	    .ksm = ksm_on };

	return p;
}

#define ANON_X	(PM_PRESENT | PM_EXCLUSIVE | 5)
#define ANON_S	(PM_PRESENT | 5)
#define FILE_S	(PM_PRESENT | PM_FILE | 5)

START_TEST(test_nothing_for_absent_and_zero)
{
	struct join_plan p = plan(true, true, true, true, true, true);

	ck_assert_uint_eq(joinplan_need(&p, 0, 0), 0);
	ck_assert_uint_eq(joinplan_need(&p, PM_SWAP | 0x40, 0), 0);
	ck_assert_uint_eq(joinplan_need(&p, ANON_S, SCAN_ZERO), 0);
	p.full = true;
	ck_assert_uint_eq(joinplan_need(&p, ANON_S, SCAN_ZERO), 0);
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, 0), JOIN_FLAGS | JOIN_COUNT);
}
END_TEST

START_TEST(test_anon_shortcuts)
{
	/* No swap cache, no KSM: an exclusive anonymous page needs nothing. */
	struct join_plan p = plan(true, true, true, true, false, false);

	ck_assert_uint_eq(joinplan_need(&p, ANON_X, 0), 0);
	/* Shared with a fork relative: its map count decides its PSS. */
	ck_assert_uint_eq(joinplan_need(&p, ANON_S, 0), JOIN_COUNT);
	/* Swap cache in use: clean swap cache is not dirty, kpageflags tells. */
	p.swapcache = true;
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, 0), JOIN_FLAGS);
	p.swapcache = false;
	p.ksm = true;
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, 0), JOIN_FLAGS);
	/* ...unless the counter that needs it is not printed. */
	p.want_ksm = false;
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, 0), 0);
}
END_TEST

START_TEST(test_file_and_huge)
{
	struct join_plan p = plan(true, true, true, true, false, false);

	/* Page cache is dirty only by KPF_DIRTY; shared, so counted too. */
	ck_assert_uint_eq(joinplan_need(&p, FILE_S, 0), JOIN_FLAGS | JOIN_COUNT);
	p.want_dirty = false;
	ck_assert_uint_eq(joinplan_need(&p, FILE_S, 0), JOIN_COUNT);
	p.want_pss = false;
	ck_assert_uint_eq(joinplan_need(&p, FILE_S, 0), 0);
	/* A PMD-mapped page: KPF_HUGE tells hugetlb from THP. */
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, SCAN_HUGE), JOIN_FLAGS);
	p.want_thp = false;
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, SCAN_HUGE), 0);
}
END_TEST

START_TEST(test_swapcached_line)
{
	static const char mi[] = "MemTotal: 1 kB\nSwapCached:  0 kB\n"
	    "SwapTotal:   1234 kB\nSwapFree: 7 kB\n";

	ck_assert_int_eq(joinplan_meminfo_kb(mi, "SwapCached"), 0);
	ck_assert_int_eq(joinplan_meminfo_kb(mi, "SwapTotal"), 1234);
	ck_assert_int_eq(joinplan_meminfo_kb(mi, "MemTotal"), 1);
	ck_assert_int_eq(joinplan_meminfo_kb("MemTotal: 1 kB\n", "SwapCached"), -1);
	ck_assert_int_eq(joinplan_meminfo_kb("", "SwapCached"), -1);
	/* Not fooled by a line that merely contains the word, or begins it. */
	ck_assert_int_eq(joinplan_meminfo_kb("XSwapCached: 9 kB\n", "SwapCached"), -1);
	ck_assert_int_eq(joinplan_meminfo_kb("SwapCachedX: 9 kB\n", "SwapCached"), -1);
}
END_TEST

START_TEST(test_init_reads_the_system)
{
	struct join_plan p;

	joinplan_init(&p, CTR_BIT(CTR_PSS), false);
	ck_assert(!p.full && p.want_pss && !p.want_dirty && !p.want_ksm);
	joinplan_init(&p, CTR_ALL, true);
	ck_assert(p.full && p.want_dirty && p.want_ksm && p.want_thp);
	ck_assert(p.huge_count);
	/* Huge pages are counted only when a counter reads the exclusive bit. */
	joinplan_init(&p, CTR_BIT(CTR_THP), false);
	ck_assert(!p.huge_count);
	joinplan_init(&p, CTR_BIT(CTR_SHARED), false);
	ck_assert(p.huge_count);
}
END_TEST

/* A PMD-mapped page's exclusive bit is its head's: its count is read. */
START_TEST(test_huge_count)
{
	struct join_plan p = plan(false, false, true, false, false, false);

	ck_assert_uint_eq(joinplan_need(&p, ANON_X, SCAN_HUGE), 0);
	p.huge_count = true;
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, SCAN_HUGE), JOIN_COUNT);
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, 0), 0);
	ck_assert_uint_eq(joinplan_need(&p, ANON_X, SCAN_HUGE | SCAN_ZERO), 0);
}
END_TEST

static Suite *
joinplan_suite(void)
{
	Suite *s = suite_create("joinplan");
	TCase *tc = check_tcase(s, "need");

	tcase_add_test(tc, test_nothing_for_absent_and_zero);
	tcase_add_test(tc, test_anon_shortcuts);
	tcase_add_test(tc, test_huge_count);
	tcase_add_test(tc, test_file_and_huge);
	tcase_add_test(tc, test_swapcached_line);
	tcase_add_test(tc, test_init_reads_the_system);
	return s;
}

int
main(void)
{
	return check_run(joinplan_suite(), CK_NORMAL);
}
