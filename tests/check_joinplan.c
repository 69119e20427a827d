/* check_joinplan.c - which kpage words a page needs, and why */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

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

/* A process's own ksm_stat decides, where its kernel says enough. */
START_TEST(test_ksm_stat)
{
	static const char six18_no[] = "ksm_rmap_items 0\nksm_zero_pages 0\n"
	    "ksm_merging_pages 0\nksm_process_profit 0\nksm_merge_any: no\n"
	    "ksm_mergeable: no\n";
	static const char six18_yes[] = "ksm_rmap_items 80\n"
	    "ksm_merging_pages 0\nksm_merge_any: no\nksm_mergeable: yes\n";
	/* 6.1: rmap items only; a forked child maps KSM pages at 0 items. */
	static const char six1[] = "ksm_rmap_items 0\n";
	struct join_plan p = plan(false, true, false, false, false, true);

	ck_assert_int_eq(joinplan_ksm_stat(six18_no), 0);
	ck_assert_int_eq(joinplan_ksm_stat(six18_yes), 1);
	ck_assert_int_eq(joinplan_ksm_stat(six1), -1);
	ck_assert_int_eq(joinplan_ksm_stat(""), -1);
	ck_assert_int_eq(joinplan_ksm_stat("ksm_mergeable: maybe\n"), -1);
	ck_assert_int_eq(joinplan_ksm_stat("ksm_mergeable: no"), 0);
	ck_assert_int_eq(joinplan_ksm_stat("xksm_mergeable: no\n"), -1);
	/* A process that does not exist: the system-wide signal stands. */
	ck_assert(joinplan_ksm_of(&p, -1));
	p.ksm = false;
	ck_assert(!joinplan_ksm_of(&p, -1));
	/* This process asked for no KSM, where the kernel can tell. */
	p.ksm = true;
	if (access("/proc/self/ksm_stat", R_OK) == 0) {
		char buf[512];
		FILE *fp = fopen("/proc/self/ksm_stat", "re");
		size_t n;

		ck_assert_ptr_nonnull(fp);
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		buf[n] = '\0';
		fclose(fp);
		if (joinplan_ksm_stat(buf) == 0)
			ck_assert(!joinplan_ksm_of(&p, (int)getpid()));
	}
	/* The full join reads every word whatever the process says. */
	p.full = true;
	ck_assert(joinplan_ksm_of(&p, (int)getpid()));
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
	tcase_add_test(tc, test_ksm_stat);
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
