/*
 * check_batch.c - batch.c's pure helpers: which runs of pagemap words look
 * like one PMD mapping, and whether a batch may hold one at all (the walk
 * scans a batch for huge pages only then)
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"
#include "checkrun.h"

#define PER	512		/* pages a PMD maps here */
#define VPN	(7 * PER)	/* an aligned first page */
#define BASE	(UINT64_C(0x40000))	/* an aligned PFN */

static struct inspector in = { .pmd_pages = PER };
static uint64_t words[3 * PER];

/* Pages [from, from + n) present, PFNs running from pfn. */
static void
fill(size_t from, size_t n, uint64_t pfn)
{
	for (size_t i = 0; i < n; i++)
		words[from + i] = PM_PRESENT | PM_EXCLUSIVE | (pfn + i);
}

static void
clear(void)
{
	memset(words, 0, sizeof(words));
}

START_TEST(test_pmd_run_whole)
{
	clear();
	fill(0, PER, BASE);
	ck_assert(pmd_run(&in, words, VPN, 0, PER));
	/* From the middle of the PMD on: the PFN fits its place. */
	ck_assert(pmd_run(&in, words, VPN, 100, PER));
}
END_TEST

START_TEST(test_pmd_run_refused)
{
	/* A first PFN that is not aligned: a folio is aligned, so no PMD. */
	clear();
	fill(0, PER, BASE + 1);
	ck_assert(!pmd_run(&in, words, VPN, 0, PER));
	/* One page not present. */
	clear();
	fill(0, PER, BASE);
	words[300] = 0;
	ck_assert(!pmd_run(&in, words, VPN, 0, PER));
	/* One PFN out of the run (4 KiB pages that happened to line up). */
	clear();
	fill(0, PER, BASE);
	words[511] = PM_PRESENT | (BASE + 7);
	ck_assert(!pmd_run(&in, words, VPN, 0, PER));
	/* Swapped pages are not a PMD mapping either. */
	clear();
	for (size_t i = 0; i < PER; i++)
		words[i] = PM_SWAP | (uint64_t)i << PM_SWAP_OFFSET_SHIFT;
	ck_assert(!pmd_run(&in, words, VPN, 0, PER));
}
END_TEST

START_TEST(test_pmd_possible)
{
	/* Nothing present: nothing huge. */
	clear();
	ck_assert(!pmd_possible(&in, words, VPN, 3 * PER));
	/* Only the second PMD of three runs along: possible. */
	fill(PER, PER, BASE + PER);
	ck_assert(pmd_possible(&in, words, VPN, 3 * PER));
	/* Every page present, each PMD's PFNs scattered: not possible. */
	clear();
	for (size_t i = 0; i < 3 * PER; i++)
		words[i] = PM_PRESENT | (BASE + 2 * i);
	ck_assert(!pmd_possible(&in, words, VPN, 3 * PER));
	/*
	 * A batch that starts inside a PMD: the part up to the boundary is
	 * judged by where its pages lie in the PMD.
	 */
	clear();
	fill(0, PER, BASE + 200);
	ck_assert(pmd_possible(&in, words, VPN + 200, PER - 200));
	ck_assert(!pmd_possible(&in, words, VPN + 201, PER - 200));
}
END_TEST

static Suite *
batch_suite(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = check_tcase(s, "pmd");

	tcase_add_test(tc, test_pmd_run_whole);
	tcase_add_test(tc, test_pmd_run_refused);
	tcase_add_test(tc, test_pmd_possible);
	return s;
}

int
main(void)
{
	return check_run(batch_suite(), CK_NORMAL);
}
