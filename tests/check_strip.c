/*
 * check_strip.c - bucketing pages into states (src/strip.c) and the map's
 * glyphs and locale rule (src/out_map.c), without /proc.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "checkrun.h"
#include "kpf.h"
#include "out_map.h"
#include "strip.h"

#define SHIFT	12
#define PG	(UINT64_C(1) << SHIFT)
#define BASE	UINT64_C(0x7f0000000000)

/* Half written, half holes (never reported): half and half at every N. */
START_TEST(test_half)
{
	struct strip s;
	size_t n = (size_t)_i, whole_a = 0, whole_e = 0, mixed = 0;

	ck_assert_int_eq(strip_init(&s, n, SHIFT), 0);
	strip_begin(&s, BASE, BASE + 1000 * PG);
	strip_add(&s, BASE, 500, ST_ANON);
	strip_finish(&s);
	ck_assert_uint_eq(s.nb, n);
	for (size_t b = 0; b < s.nb; b++) {
		struct strip_cell c = strip_cell(&s, b);
		uint64_t sum = 0;

		for (int st = 0; st < ST_COUNT; st++)
			sum += s.count[b][st];
		ck_assert_uint_eq(sum, strip_bucket_pages(&s, b));
		if (c.mixed)
			mixed++;
		else if (c.state == ST_ANON)
			whole_a++;
		else if (c.state == ST_EMPTY)
			whole_e++;
	}
	ck_assert_uint_le(mixed, 1);
	ck_assert_uint_eq(whole_a + whole_e + mixed, n);
	ck_assert_uint_le(whole_a > whole_e ? whole_a - whole_e : whole_e - whole_a, 1);
	strip_release(&s);
}
END_TEST

/* Buckets split the pages evenly and cover them all, however many. */
START_TEST(test_buckets_cover)
{
	static const uint64_t sizes[] = { 1, 7, 64, 1000, UINT64_C(1) << 36 };
	struct strip s;

	ck_assert_int_eq(strip_init(&s, 300, SHIFT), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t total = 0, lo = UINT64_MAX, hi = 0;

		strip_begin(&s, BASE, BASE + sizes[i] * PG);
		ck_assert_uint_eq(s.nb, sizes[i] < 300 ? sizes[i] : 300);
		for (size_t b = 0; b < s.nb; b++) {
			uint64_t p = strip_bucket_pages(&s, b);

			ck_assert_uint_eq(strip_bucket_first(&s, b), total);
			total += p;
			lo = p < lo ? p : lo;
			hi = p > hi ? p : hi;
		}
		ck_assert_uint_eq(total, sizes[i]);
		ck_assert_uint_le(hi - lo, 1);
	}
	strip_release(&s);
}
END_TEST

/* A run across buckets is split at their edges; pages outside are dropped. */
START_TEST(test_run_split)
{
	struct strip s;

	ck_assert_int_eq(strip_init(&s, 4, SHIFT), 0);
	strip_begin(&s, BASE, BASE + 16 * PG);
	strip_add(&s, BASE + 2 * PG, 8, ST_FILE);	/* pages 2..9 */
	strip_add(&s, BASE + 15 * PG, 5, ST_SWAPPED);	/* 15, and beyond */
	strip_add(&s, BASE - PG, 1, ST_ANON);		/* before the strip */
	strip_finish(&s);
	ck_assert_uint_eq(s.count[0][ST_FILE], 2);
	ck_assert_uint_eq(s.count[0][ST_EMPTY], 2);
	ck_assert_uint_eq(s.count[1][ST_FILE], 4);
	ck_assert_uint_eq(s.count[2][ST_FILE], 2);
	ck_assert_uint_eq(s.count[3][ST_SWAPPED], 1);
	ck_assert_uint_eq(s.count[3][ST_EMPTY], 3);
	ck_assert(!strip_cell(&s, 1).mixed);
	ck_assert_int_eq(strip_cell(&s, 1).state, ST_FILE);
	/* Two and two: the tie goes to the populated state. */
	ck_assert(strip_cell(&s, 0).mixed);
	ck_assert_int_eq(strip_cell(&s, 0).state, ST_FILE);
	ck_assert_int_eq(strip_cell(&s, 3).state, ST_EMPTY);
	ck_assert(strip_cell(&s, 3).mixed);
	strip_release(&s);
}
END_TEST

/* The state of a page's facts, by the precedence. */
static const struct {
	struct page_facts	f;
	struct mapping_kind	k;
	enum strip_state	want;
} states[] = {
	{ { .guard = true, .swapped = false }, { .private = true }, ST_GUARD },
	{ { .swapped = true }, { .private = true }, ST_SWAPPED },
	{ { .present = false }, { .private = true }, ST_EMPTY },
	{ { .present = true, .have_kflags = true, .kflags = KPF_BIT(KPF_KSM),
	    .anon = 1, .exclusive = false }, { .private = true }, ST_KSM },
	{ { .present = true, .thp = true, .pmd = true, .anon = 1,
	    .exclusive = true }, { .private = true }, ST_THP },
	{ { .present = true, .zero = 1 }, { .private = true }, ST_ZERO },
	{ { .present = true, .file = 1 }, { .private = true, .file = true },
	    ST_FILE },
	{ { .present = true, .anon = 1, .cow_copied = 1, .exclusive = true },
	    { .private = true, .file = true }, ST_COW_COPIED },
	{ { .present = true, .anon = 1, .exclusive = false },
	    { .private = true }, ST_COW_SHARED },
	{ { .present = true, .anon = 1, .exclusive = true },
	    { .private = true }, ST_ANON },
	/* The zero page untold: anon unknown, and so the page. */
	{ { .present = true, .zero = -1, .anon = -1, .file = 0,
	    .exclusive = true }, { .private = true }, ST_UNKNOWN },
	{ { .present = true, .zero = -1, .anon = 0, .file = -1 },
	    { .private = true }, ST_UNKNOWN },
};

START_TEST(test_state_of)
{
	ck_assert_int_eq(strip_state_of(&states[_i].f, &states[_i].k),
	    states[_i].want);
}
END_TEST

/* Every glyph differs from every other, in both sets, without colour. */
START_TEST(test_glyphs_distinct)
{
	for (int utf8 = 0; utf8 < 2; utf8++)
		for (int a = 0; a < 2 * ST_COUNT; a++)
			for (int b = a + 1; b < 2 * ST_COUNT; b++)
				ck_assert_msg(strcmp(map_glyph(a / 2, a % 2, utf8),
				    map_glyph(b / 2, b % 2, utf8)) != 0,
				    "%s: %d and %d share a glyph", utf8 ? "UTF-8" :
				    "ASCII", a, b);
	/* ASCII is ASCII. */
	for (int a = 0; a < 2 * ST_COUNT; a++)
		for (const char *g = map_glyph(a / 2, a % 2, false); *g; g++)
			ck_assert((unsigned char)*g < 0x80);
}
END_TEST

static const char *env_all, *env_ctype, *env_lang;

static char *
fake_env(const char *name)
{
	const char *v = strcmp(name, "LC_ALL") == 0 ? env_all :
	    strcmp(name, "LC_CTYPE") == 0 ? env_ctype :
	    strcmp(name, "LANG") == 0 ? env_lang : NULL;

	return (char *)(uintptr_t)v;
}

/* The first set of LC_ALL, LC_CTYPE, LANG decides, as setlocale would. */
START_TEST(test_locale)
{
	static const struct {
		const char *all, *ctype, *lang;
		bool utf8;
	} cases[] = {
		{ NULL, NULL, NULL, false },
		{ NULL, NULL, "en_US.UTF-8", true },
		{ NULL, NULL, "C.utf8", true },
		{ NULL, NULL, "de_DE.UTF-8@euro", true },
		{ "C", NULL, "en_US.UTF-8", false },
		{ "", "en_US.UTF-8", "C", true },
		{ NULL, "POSIX", "en_US.UTF-8", false },
		{ NULL, NULL, "en_US.ISO-8859-1", false },
		{ NULL, NULL, "UTF-8", false },
		{ NULL, NULL, "en_US.UTF-80", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_all = cases[i].all;
		env_ctype = cases[i].ctype;
		env_lang = cases[i].lang;
		ck_assert_msg(map_locale_utf8(fake_env) == cases[i].utf8,
		    "case %zu", i);
	}
}
END_TEST

static Suite *
strip_suite(void)
{
	Suite *s = suite_create("strip");
	TCase *tc;

	tc = check_tcase(s, "buckets");
	tcase_add_loop_test(tc, test_half, 1, 301);
	tcase_add_test(tc, test_buckets_cover);
	tcase_add_test(tc, test_run_split);
	tc = check_tcase(s, "states");
	tcase_add_loop_test(tc, test_state_of, 0,
	    (int)(sizeof(states) / sizeof(states[0])));
	tc = check_tcase(s, "glyphs");
	tcase_add_test(tc, test_glyphs_distinct);
	tcase_add_test(tc, test_locale);
	return s;
}

int
main(void)
{
	return check_run(strip_suite(), CK_NORMAL);
}
