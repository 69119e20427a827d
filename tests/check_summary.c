/*
 * check_summary.c - --summary and --summary=mapping (pages per kpageflags
 * word) against /proc/kpageflags read by the test itself, and --flags
 * selecting what is counted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "layouts.h"

/* Pages per flags word, unsorted. */
struct hist {
	size_t		n;
	uint64_t	flags[64];
	uint64_t	pages[64];
};

static void
hist_add(struct hist *h, uint64_t w, uint64_t n)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->flags[i] == w) {
			h->pages[i] += n;
			return;
		}
	ck_assert_msg(h->n < 64, "more than 64 distinct flags words");
	h->flags[h->n] = w;
	h->pages[h->n++] = n;
}

static uint64_t
hist_total(const struct hist *h)
{
	uint64_t t = 0;

	for (size_t i = 0; i < h->n; i++)
		t += h->pages[i];
	return t;
}

static bool
hist_equal(const struct hist *a, const struct hist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		size_t j;

		for (j = 0; j < b->n; j++)
			if (b->flags[j] == a->flags[i])
				break;
		if (j == b->n || b->pages[j] != a->pages[i])
			return false;
	}
	return true;
}

/* The pages with all of bits set. */
static uint64_t
hist_with(const struct hist *h, uint64_t bits)
{
	uint64_t t = 0;

	for (size_t i = 0; i < h->n; i++)
		if ((h->flags[i] & bits) == bits)
			t += h->pages[i];
	return t;
}

static const char *
hist_str(const struct hist *h, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < h->n; i++) {
		char one[64];

		snprintf(one, sizeof(one), " 0x%" PRIx64 ":%" PRIu64, h->flags[i],
		    h->pages[i]);
		strlcat(buf, one, len);
	}
	return buf;
}

/*
 * What the summary should say of [start, end) of pid, from pagemap and
 * /proc/kpageflags read here: the kpageflags word of every present page
 * (KPF_SOFTDIRTY from pagemap where the kernel tracks it, as pmstat and
 * page-types do; KPF_KSM where it means something), 0 for a swapped page. pmstat's bits 57-63 are its own.
 */
static void
own_histogram(pid_t pid, uint64_t start, uint64_t end, bool soft_dirty,
    struct hist *h)
{
	int pm = open_pagemap(pid);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);

	ck_assert_msg(kf >= 0, "open /proc/kpageflags: %s", strerror(errno));
	memset(h, 0, sizeof(*h));
	for (uint64_t a = start; a < end; a += ps) {
		uint64_t w = pagemap_word(pm, a), k;

		if (w & PM_PRESENT) {
			ck_assert_msg(pread(kf, &k, sizeof(k),
			    (off_t)((w & PM_PFN) * sizeof(k))) == (ssize_t)sizeof(k),
			    "pread /proc/kpageflags: %s", strerror(errno));
			if (soft_dirty && (w & PM_SOFTDIRTY))
				k |= W_SOFTDIRTY;
			/* A KPF_KSM on every anonymous page: pmstat drops it. */
			if (!kp_get()->ksm_flag.yes)
				k &= ~(UINT64_C(1) << 21);
			hist_add(h, k, 1);
		} else if ((w & PM_SWAPPED) && !(w & PM_GUARD)) {
			hist_add(h, 0, 1);
		}
	}
	close(kf);
	close(pm);
}

/*
 * A summary array (entries {flags, names, pages}), checked for its form:
 * most pages first, a name for every bit, no empty entry, no word twice.
 * Returns it masked to the kpageflags bits and re-aggregated in *masked,
 * as it is in *raw.
 */
static void
read_summary(json_t *a, struct hist *masked, struct hist *raw,
    const char *what)
{
	json_t *e;
	size_t i;
	int64_t last = INT64_MAX;

	memset(masked, 0, sizeof(*masked));
	memset(raw, 0, sizeof(*raw));
	ck_assert_msg(json_is_array(a), "%s: no summary array", what);
	json_array_foreach(a, i, e) {
		uint64_t w = tk_json_hex(e, "flags");
		int64_t n = tk_json_int(e, "pages");
		json_t *names = json_object_get(e, "names");

		ck_assert_msg(n > 0 && n <= last, "%s: entry %zu has %" PRId64
		    " pages after %" PRId64 ": not sorted by count", what, i, n,
		    last);
		last = n;
		ck_assert_msg(json_is_array(names) && json_array_size(names) ==
		    (size_t)__builtin_popcountll(w), "%s: flags 0x%" PRIx64
		    " with %zu names", what, w, json_array_size(names));
		for (size_t b = 0; b < raw->n; b++)
			ck_assert_msg(raw->flags[b] != w, "%s: flags 0x%" PRIx64
			    " twice", what, w);
		hist_add(raw, w, (uint64_t)n);
		hist_add(masked, w & W_KPAGEFLAGS, (uint64_t)n);
	}
}

START_TEST(test_summary_kpageflags)
{
	struct tk_child c;
	char path[64], b1[2048], b2[2048];
	uint64_t anon, file, end, present;
	struct hist own[2], all, before, pm, pmraw, mm, mmraw;
	json_t *root = NULL, *maproot = NULL, *totals, *maps, *e;
	bool sd = false, stable = false;
	/* The MIX_Z pages only read are anonymous where there is no zero page. */
	uint64_t rz = kp_get()->zero_page.yes ? 0 : MIX_Z;
	size_t i;

	if (!am_root()) {
		check_skip("not root: /proc/kpageflags");
		return;
	}
	make_seed_file(path, sizeof(path));
	spawn("mix", path, -1, &c);
	anon = c.rep.addr[MIX_AT_ANON];
	file = c.rep.addr[MIX_AT_FILE];
	end = file + SEED_PAGES * ps;
	ck_assert_msg(file == anon + MIX_ANON * ps, "mix: the file mapping is "
	    "not right after the anonymous one");
	/*
	 * kpageflags may change under us (the LRU); compare only when our
	 * readings before and after pmstat's agree.
	 */
	root = pmstat_view(-1, OPTS("--summary"), c.pid, anon, end);
	sd = !json_is_null(json_object_get(json_object_get(
	    tk_json_process(root, c.pid), "totals"), "soft_dirty"));
	for (int attempt = 0; attempt < 5 && !stable; attempt++) {
		json_decref(root);
		json_decref(maproot);
		own_histogram(c.pid, anon, end, sd, &before);
		root = pmstat_view(-1, OPTS("--summary"), c.pid, anon, end);
		maproot = pmstat_view(-1, OPTS("--summary=mapping"), c.pid, anon,
		    end);
		own_histogram(c.pid, anon, file, sd, &own[0]);
		own_histogram(c.pid, file, end, sd, &own[1]);
		memset(&all, 0, sizeof(all));
		for (int k = 0; k < 2; k++)
			for (size_t j = 0; j < own[k].n; j++)
				hist_add(&all, own[k].flags[j], own[k].pages[j]);
		stable = hist_equal(&before, &all);
		if (!stable)
			fprintf(stderr, "summary_kpageflags: kpageflags changed "
			    "during attempt %d:\n  before%s\n  after %s\n", attempt,
			    hist_str(&before, b1, sizeof(b1)),
			    hist_str(&all, b2, sizeof(b2)));
	}
	ck_assert_msg(stable, "kpageflags never held still for a reading");

	/* Our own reading first: it must see the layout. */
	ck_assert_msg(hist_with(&own[0], W_ANON) == MIX_W + rz &&
	    hist_with(&own[0], W_ZERO_PAGE) == MIX_Z - rz &&
	    hist_total(&own[0]) == MIX_W + MIX_Z,
	    "our kpageflags reading of the anonymous mapping:%s",
	    hist_str(&own[0], b1, sizeof(b1)));
	ck_assert_msg(hist_with(&own[1], W_ANON) == 2 &&
	    (hist_total(&own[1]) == 3 || hist_total(&own[1]) == 4),
	    "our kpageflags reading of the file mapping:%s",
	    hist_str(&own[1], b1, sizeof(b1)));

	/* Per process: one summary of both mappings of the range. */
	read_summary(items(root, c.pid, "summary"), &pm, &pmraw, "--summary");
	ck_assert_msg(hist_equal(&pm, &all), "--summary (bits 0-56):%s\n"
	    "kpageflags read by the test:%s", hist_str(&pm, b1, sizeof(b1)),
	    hist_str(&all, b2, sizeof(b2)));
	/* pmstat's own bits: the written anonymous pages are exclusive. */
	ck_assert_msg(hist_with(&pmraw, W_ANON | W_EXCLUSIVE) == MIX_W + 2 + rz &&
	    hist_with(&pmraw, W_ZERO_PAGE | W_EXCLUSIVE) == 0 &&
	    hist_with(&pmraw, W_FILE) == hist_total(&own[1]) - 2,
	    "--summary: mmap_exclusive/file bits:%s",
	    hist_str(&pmraw, b1, sizeof(b1)));
	totals = json_object_get(tk_json_process(root, c.pid), "totals");
	present = (uint64_t)(tk_json_int(totals, "present") +
	    tk_json_int(totals, "swapped"));
	ck_assert_msg(hist_total(&pmraw) == present, "--summary counts %" PRIu64
	    " pages, the range has %" PRIu64 " present + swapped",
	    hist_total(&pmraw), present);
	ck_assert_int_eq(present, MIX_W + MIX_Z + hist_total(&own[1]));

	/* Per mapping: the same numbers under each mapping's entry. */
	maps = items(maproot, c.pid, "mappings");
	ck_assert_msg(json_array_size(maps) == 2, "--summary=mapping: %zu "
	    "mappings in the range, expected 2", json_array_size(maps));
	memset(&all, 0, sizeof(all));
	json_array_foreach(maps, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		uint64_t s = i ? file : anon;

		ck_assert_msg(tk_json_hex(e, "start") == s &&
		    tk_json_hex(e, "end") == (i ? end : file) &&
		    p != NULL && strcmp(p, i ? path : "") == 0,
		    "--summary=mapping entry %zu: %s-%s %s", i,
		    json_string_value(json_object_get(e, "start")),
		    json_string_value(json_object_get(e, "end")), p);
		ck_assert_msg(json_is_string(json_object_get(e, "perms")),
		    "--summary=mapping entry %zu: no perms", i);
		read_summary(json_object_get(e, "summary"), &mm, &mmraw,
		    "--summary=mapping");
		ck_assert_msg(hist_equal(&mm, &own[i]), "--summary=mapping, %s "
		    "(bits 0-56):%s\nkpageflags read by the test:%s",
		    i ? "file" : "anon", hist_str(&mm, b1, sizeof(b1)),
		    hist_str(&own[i], b2, sizeof(b2)));
		for (size_t j = 0; j < mmraw.n; j++)
			hist_add(&all, mmraw.flags[j], mmraw.pages[j]);
	}
	ck_assert_msg(hist_equal(&all, &pmraw), "the mappings' summaries do "
	    "not add up to the process's:%s\nvs%s",
	    hist_str(&all, b1, sizeof(b1)), hist_str(&pmraw, b2, sizeof(b2)));
	totals = json_object_get(tk_json_process(maproot, c.pid), "totals");
	ck_assert_msg(hist_total(&all) == (uint64_t)(tk_json_int(totals,
	    "present") + tk_json_int(totals, "swapped")),
	    "--summary=mapping: %" PRIu64 " pages, totals say otherwise",
	    hist_total(&all));
	json_decref(root);
	json_decref(maproot);

	/* --flags selects what is counted. */
	root = pmstat_view(-1, OPTS("--summary", "--flags", "anon"), c.pid, anon,
	    end);
	read_summary(items(root, c.pid, "summary"), &pm, &pmraw,
	    "--summary --flags anon");
	ck_assert_msg(hist_with(&pmraw, W_ANON) == hist_total(&pmraw) &&
	    hist_total(&pmraw) == MIX_W + 2 + rz, "--summary --flags anon:%s",
	    hist_str(&pmraw, b1, sizeof(b1)));
	json_decref(root);
	tk_kill(&c);
}
END_TEST


static Suite *
summary_suite(void)
{
	Suite *s = suite_create("summary");

	tcase_add_test(itest_tcase(s, "summary", NULL, NULL),
	    test_summary_kpageflags);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "mix", layout_mix },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, summary_suite);
}
