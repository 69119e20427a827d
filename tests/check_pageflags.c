/* check_pageflags.c - the flags word, its names, --flags selections, summaries */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kpf.h"
#include "pagefacts.h"
#include "pagemap.h"
#include "pageflags.h"
#include "pagescan.h"
#include "summary.h"
#include "checkrun.h"

#define B(b)	KPF_BIT(b)
#define ALL	(OBS_KFLAGS | OBS_KCOUNT | OBS_SCAN)

/* The word of a page of a private anonymous mapping. */
static uint64_t
word(uint64_t pm, uint64_t kflags, uint8_t scan, uint8_t have, bool sd)
{
	static const struct mapping_kind anon = { .private = true };
	struct page_obs o = { .pm = pm, .kflags = kflags, .scan = scan,
	    .have = have };
	struct page_facts f;

	pagefacts_decode(&f, &o, &anon, (struct page_know){ .soft_dirty = sd });
	return pageflags_word(&f);
}

START_TEST(test_word_privileged)
{
	uint64_t kf = B(KPF_ANON) | B(KPF_LRU) | B(KPF_SWAPBACKED);

	/* An exclusive anonymous page: its kpageflags plus mmap_exclusive. */
	ck_assert_uint_eq(word(PM_PRESENT | PM_EXCLUSIVE | 7, kf, 0, ALL, false),
	    kf | B(PF_MMAP_EXCLUSIVE));
	/* A page-cache page: file; shared, so no mmap_exclusive. */
	ck_assert_uint_eq(word(PM_PRESENT | PM_FILE | 7, B(KPF_LRU), 0, ALL, false),
	    B(KPF_LRU) | B(PF_FILE));
	/* A PMD-mapped THP page. */
	ck_assert_uint_eq(word(PM_PRESENT | PM_EXCLUSIVE | 7, kf | B(KPF_THP),
	    SCAN_HUGE, ALL, false), kf | B(KPF_THP) | B(PF_PMD) | B(PF_MMAP_EXCLUSIVE));
	/* Not present: kpageflags of nothing are not read. */
	ck_assert_uint_eq(word(0, kf, 0, ALL, false), 0);
}
END_TEST

START_TEST(test_word_zero_and_markers)
{
	/* The huge zero page has the file bit: it is zero_page, not file. */
	ck_assert_uint_eq(word(PM_PRESENT | PM_FILE | 7, B(KPF_ZERO_PAGE),
	    SCAN_ZERO | SCAN_HUGE, ALL, false),
	    B(KPF_ZERO_PAGE) | B(PF_PMD));
	/* Unprivileged, the scan still tells the zero page. */
	ck_assert_uint_eq(word(PM_PRESENT, 0, SCAN_ZERO, OBS_SCAN, false),
	    B(KPF_ZERO_PAGE));
	/* A guard marker is not swap. */
	ck_assert_uint_eq(word(PM_SWAP | PM_GUARD, 0, 0, ALL, false), B(PF_GUARD));
	ck_assert_uint_eq(word(PM_SWAP | 0x21, 0, 0, ALL, false), B(PF_SWAP));
	ck_assert_uint_eq(word(PM_UFFD_WP, 0, 0, ALL, false), B(PF_UFFD_WP));
	/* Soft-dirty only where the kernel tracks it. */
	ck_assert_uint_eq(word(PM_SOFT_DIRTY, 0, 0, ALL, false), 0);
	ck_assert_uint_eq(word(PM_SOFT_DIRTY, 0, 0, ALL, true), B(KPF_SOFTDIRTY));
}
END_TEST

START_TEST(test_word_unprivileged)
{
	/* pagemap's clear file bit means PageAnon: anon, where zero is known. */
	ck_assert_uint_eq(word(PM_PRESENT | PM_EXCLUSIVE, 0, 0, OBS_SCAN, false),
	    B(KPF_ANON) | B(PF_MMAP_EXCLUSIVE));
	/* No scan, no kpageflags: it might be the zero page, so no anon. */
	ck_assert_uint_eq(word(PM_PRESENT, 0, 0, 0, false), 0);
	ck_assert_uint_eq(word(PM_PRESENT | PM_FILE, 0, 0, OBS_SCAN, false),
	    B(PF_FILE));
	/* ...nor file where bit 61 may be the huge zero page: unknown, clear. */
	ck_assert_uint_eq(word(PM_PRESENT | PM_FILE, 0, 0, 0, false), 0);
}
END_TEST

START_TEST(test_unknown_bits)
{
	struct sources none = { 0 }, scan = { .scan = true };
	struct sources priv = { .kflags = true, .kcount = true, .scan = true };
	struct sources sd = { .kflags = true, .scan = true, .soft_dirty = true };
	const uint64_t pagemap = B(PF_UFFD_WP) | B(PF_GUARD) | B(PF_FILE) |
	    B(PF_SWAP) | B(PF_MMAP_EXCLUSIVE);

	ck_assert_uint_eq(~pageflags_unknown(&none), pagemap);
	ck_assert_uint_eq(~pageflags_unknown(&scan),
	    pagemap | B(KPF_ZERO_PAGE) | B(KPF_ANON) | B(PF_PMD));
	ck_assert(pageflags_unknown(&priv) & B(KPF_SOFTDIRTY));
	ck_assert(!(pageflags_unknown(&priv) & B(KPF_LRU)));
	ck_assert(!(pageflags_unknown(&priv) & B(KPF_MAPPEDTODISK)));
	ck_assert(!(pageflags_unknown(&sd) & B(KPF_SOFTDIRTY)));
	/* Where KPF_KSM marks every anonymous page, it is not known. */
	ck_assert(!(pageflags_unknown(&priv) & B(KPF_KSM)));
	priv.ksm_noise = true;
	ck_assert(pageflags_unknown(&priv) & B(KPF_KSM));
	ck_assert(!(pageflags_unknown(&priv) & B(KPF_ANON)));
}
END_TEST

START_TEST(test_names_and_lookup)
{
	/* Every named bit round-trips through lookup. */
	for (unsigned int b = 0; b < 64; b++) {
		const char *n = pageflags_name(b);

		if (n != NULL)
			ck_assert_int_eq(pageflags_lookup(n, strlen(n)), (int)b);
	}
	/* Every documented KPF bit 0-26 has a name. */
	for (unsigned int b = 0; b <= KPF_PGTABLE; b++)
		ck_assert_ptr_nonnull(pageflags_name(b));
	ck_assert_str_eq(pageflags_name(KPF_ANON), "anon");
	ck_assert_str_eq(pageflags_name(PF_MMAP_EXCLUSIVE), "mmap_exclusive");
	ck_assert_ptr_null(pageflags_name(60));
	ck_assert_ptr_null(pageflags_name(64));
	/* page-types' long names are aliases. */
	ck_assert_int_eq(pageflags_lookup("anonymous", 9), KPF_ANON);
	ck_assert_int_eq(pageflags_lookup("idle_page", 9), KPF_IDLE);
	ck_assert_int_eq(pageflags_lookup("anon,lru", 4), KPF_ANON);
	ck_assert_int_eq(pageflags_lookup("ano", 3), -1);
	ck_assert_int_eq(pageflags_lookup("", 0), -1);
}
END_TEST

START_TEST(test_filter)
{
	struct flag_filter f = { 0 };
	char err[128];
	uint64_t anon = B(KPF_ANON), lru = B(KPF_LRU);

	ck_assert(flag_filter_match(&f, 0));	/* empty: everything */
	ck_assert_int_eq(flag_filter_add(&f, "anon,~lru", err, sizeof(err)), 0);
	ck_assert(flag_filter_match(&f, anon));
	ck_assert(!flag_filter_match(&f, anon | lru));
	ck_assert(!flag_filter_match(&f, lru));
	ck_assert(!flag_filter_match(&f, 0));
	/* A second term is a union. */
	ck_assert_int_eq(flag_filter_add(&f, "file", err, sizeof(err)), 0);
	ck_assert(flag_filter_match(&f, B(PF_FILE) | lru));
	ck_assert(!flag_filter_match(&f, lru));
	ck_assert_uint_eq(flag_filter_bits(&f), anon | lru | B(PF_FILE));
	/* Bad names are named in the error and add nothing. */
	ck_assert_int_eq(flag_filter_add(&f, "anon,bogus", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'bogus'"));
	ck_assert_int_eq(flag_filter_add(&f, "anon,", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(flag_filter_add(&f, "~", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(flag_filter_add(&f, "", err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(f.n, 2);
	flag_filter_free(&f);
	ck_assert_uint_eq(f.n, 0);
}
END_TEST

/* A term that requires and forbids one bit could select no page: refused. */
START_TEST(test_filter_contradiction)
{
	struct flag_filter f = { NULL, 0 };
	char err[256];

	ck_assert_int_eq(flag_filter_add(&f, "anon,~anon", err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "--flags anon,~anon: contradiction: anon both set "
	    "and clear");
	/* By an alias, and the other way round, and among other names. */
	ck_assert_int_eq(flag_filter_add(&f, "~anonymous,lru,anon", err,
	    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "anon both set and clear"));
	ck_assert_int_eq(flag_filter_add(&f, "file,~swap,swap", err,
	    sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "swap both set and clear"));
	ck_assert_uint_eq(f.n, 0);
	/* A name twice alike is only redundant; across terms it is a union. */
	ck_assert_int_eq(flag_filter_add(&f, "anon,anon", err, sizeof(err)), 0);
	ck_assert_int_eq(flag_filter_add(&f, "~anon", err, sizeof(err)), 0);
	ck_assert_uint_eq(f.n, 2);
	ck_assert(flag_filter_match(&f, B(KPF_ANON)));
	ck_assert(flag_filter_match(&f, 0));
	flag_filter_free(&f);
}
END_TEST

START_TEST(test_summary_counts_and_order)
{
	struct summary s;
	struct summary_entry *e;
	int err;

	summary_init(&s);
	ck_assert_ptr_null(summary_sorted(&s, &err));
	ck_assert_int_eq(err, 0);
	/* Thousands of distinct words force the table to grow. */
	for (uint64_t w = 0; w < 5000; w++)
		ck_assert_int_eq(summary_add(&s, w << 3, w % 7 + 1), 0);
	ck_assert_int_eq(summary_add(&s, 42 << 3, 1000), 0);
	ck_assert_uint_eq(s.n, 5000);
	e = summary_sorted(&s, &err);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e[0].flags, 42 << 3);
	ck_assert_uint_eq(e[0].pages, 1000 + 42 % 7 + 1);
	for (size_t i = 1; i < s.n; i++) {
		ck_assert_uint_ge(e[i - 1].pages, e[i].pages);
		if (e[i - 1].pages == e[i].pages)
			ck_assert_uint_lt(e[i - 1].flags, e[i].flags);
	}
	free(e);
	summary_clear(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(summary_add(&s, 0, 3), 0);
	e = summary_sorted(&s, &err);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(e[0].pages, 3);
	free(e);
	summary_release(&s);
}
END_TEST

static Suite *
pageflags_suite(void)
{
	Suite *s = suite_create("pageflags");
	TCase *tc = check_tcase(s, "word");

	tcase_add_test(tc, test_word_privileged);
	tcase_add_test(tc, test_word_zero_and_markers);
	tcase_add_test(tc, test_word_unprivileged);
	tcase_add_test(tc, test_unknown_bits);
	tc = check_tcase(s, "names");
	tcase_add_test(tc, test_names_and_lookup);
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_filter_contradiction);
	tc = check_tcase(s, "summary");
	tcase_add_test(tc, test_summary_counts_and_order);
	return s;
}

int
main(void)
{
	return check_run(pageflags_suite(), CK_NORMAL);
}
