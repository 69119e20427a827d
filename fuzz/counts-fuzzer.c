/*
 * counts-fuzzer.c - libFuzzer: the decode-and-count path, fed arbitrary
 * pagemap words, kpage words, PAGEMAP_SCAN regions and smaps records
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "fuzz.h"
#include "pagefacts.h"
#include "pageflags.h"
#include "pagemap.h"
#include "pagescan.h"
#include "smaps.h"
#include "stats.h"

#define PAGE_SHIFT	12
#define MAX_PAGES	2048
#define MAX_REGIONS	32

/* A reader of the input that yields zeros once it runs dry. */
struct input {
	const uint8_t	*p;
	size_t		 left;
};

static uint64_t
take(struct input *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes; i++) {
		v = v << 8;
		if (in->left > 0) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

/* The counters that count present pages: none may exceed present. */
#define PRESENT_PARTS	(CTR_BIT(CTR_FILE) | CTR_BIT(CTR_ANON) | \
			 CTR_BIT(CTR_ZERO) | CTR_BIT(CTR_EXCLUSIVE) | \
			 CTR_BIT(CTR_SHARED) | CTR_BIT(CTR_DIRTY) | \
			 CTR_BIT(CTR_COW_COPIED) | CTR_BIT(CTR_COW_SHARED) | \
			 CTR_BIT(CTR_THP) | CTR_BIT(CTR_KSM))

/* Say which counter broke the bound, for whoever reads the crash. */
static void
out_of_bounds(const struct counts *c, int i, const char *bound)
{
	fprintf(stderr, "counter %d = %" PRIu64 " exceeds %s (pages %" PRIu64
	    ", present %" PRIu64 ")\n", i, c->v[i], bound, c->v[CTR_PAGES],
	    c->v[CTR_PRESENT]);
	abort();
}

/* What pmstat prints must fit its mapping: semantics.md, section 3. */
static void
check_bounds(const struct counts *c)
{
	uint64_t pages = c->v[CTR_PAGES];

	for (int i = 0; i < CTR_COUNT; i++) {
		if (!stats_is_known(c, i))
			continue;
		if (i == CTR_PSS) {
			if (pages < (UINT64_MAX >> PSS_SHIFT) &&
			    c->v[i] > pages << PSS_SHIFT)
				out_of_bounds(c, i, "pages");
		} else if (c->v[i] > pages)
			out_of_bounds(c, i, "pages");
		if ((PRESENT_PARTS & CTR_BIT(i)) && c->v[i] > c->v[CTR_PRESENT])
			out_of_bounds(c, i, "present");
	}
}

static struct page_obs obs[MAX_PAGES];

/* As inspect.c's same_obs(): alike but for PFN or swap offset. */
static bool
same_obs(const struct page_obs *a, const struct page_obs *b)
{
	return ((a->pm ^ b->pm) & ~PM_PFN_MASK) == 0 &&
	    a->kflags == b->kflags && a->kcount == b->kcount &&
	    a->scan == b->scan && a->have == b->have;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { .p = data, .left = size };
	uint8_t mode = (uint8_t)take(&in, 1);
	struct mapping_kind kind = {
		.private = mode & 1, .file = mode & 2, .hugetlb = mode & 4,
	};
	uint8_t have = (uint8_t)((mode >> 3) & (OBS_KFLAGS | OBS_KCOUNT | OBS_SCAN));
	struct sources src = {
		.kflags = have & OBS_KFLAGS, .kcount = have & OBS_KCOUNT,
		.scan = have & OBS_SCAN, .soft_dirty = mode & 0x40,
		.ksm_noise = mode & 0x80,
	};
	static const uint64_t page_kbs[] = { 4, 16, 64, 0 };
	uint8_t opts = (uint8_t)take(&in, 1);
	uint64_t page_kb = page_kbs[opts & 3];
	struct page_know know = { .soft_dirty = src.soft_dirty, .pfn = opts & 4 };
	struct smaps_rec rec = { .start = 0, .end = 0 };
	struct page_region regions[MAX_REGIONS];
	size_t npages = (size_t)take(&in, 2) % MAX_PAGES + 1;
	size_t nregions = (size_t)take(&in, 1) % (MAX_REGIONS + 1), given;
	uint64_t holes = take(&in, 2);
	struct counts runs, each;

	for (int i = 0; i < SM_NFIELDS; i++) {
		/* Mostly small sizes, some absent (-1), some huge. */
		uint64_t v = take(&in, 4);
		rec.kb[i] = (v & 0x80000000) ? -1 : (long long)(v & 0x7fffffff);
	}
	for (size_t i = 0; i < nregions; i++) {
		regions[i].start = take(&in, 4) << (PAGE_SHIFT - 4);
		regions[i].end = take(&in, 4) << (PAGE_SHIFT - 4);
		regions[i].categories = take(&in, 2);
	}
	/* Pages the input does not give repeat those it does: runs form. */
	given = in.left / 25;
	for (size_t i = 0; i < npages; i++) {
		struct page_obs *o = &obs[i];

		if (given == 0) {
			*o = (struct page_obs){ .have = have };
			continue;
		}
		if (i < given) {
			o->pm = take(&in, 8);
			o->kflags = take(&in, 8);
			o->kcount = take(&in, 8);
			o->have = have & (uint8_t)take(&in, 1);
		} else
			*o = obs[i % given];
		o->scan = 0;
	}
	/* The scan bits of the regions, clipped to the window: read_window(). */
	for (size_t k = 0; k < nregions; k++) {
		uint64_t a = regions[k].start >> PAGE_SHIFT;
		uint64_t b = regions[k].end >> PAGE_SHIFT;
		uint8_t bits = pagescan_bits(regions[k].categories);

		for (b = b > npages ? npages : b; a < b; a++)
			obs[a].scan = bits;
	}

	stats_init(&runs, stats_known(&src));
	stats_init(&each, stats_known(&src));
	for (size_t i = 0, j; i < npages; i = j) {
		for (j = i + 1; j < npages && same_obs(&obs[i], &obs[j]); j++)
			;
		stats_add_pages(&runs, &kind, &obs[i], j - i);
	}
	for (size_t i = 0; i < npages; i++) {
		struct page_facts f;

		stats_add_page(&each, &kind, &obs[i]);
		pagefacts_decode(&f, &obs[i], &kind, know);
		(void)pageflags_word(&f);
		(void)stats_page_is_zero(&obs[i]);
	}
	/* Counting a run at once must be counting its pages one by one. */
	if (memcmp(&runs, &each, sizeof(runs)) != 0)
		abort();
	stats_add_holes(&runs, holes);
	check_bounds(&runs);
	(void)pageflags_unknown(&src);

	rec.end = (uint64_t)(npages + holes) << PAGE_SHIFT;
	stats_settle(&runs, &kind, &rec, page_kb, opts & 8, opts & 16);
	check_bounds(&runs);
	(void)stats_pss_pages(&runs);
	stats_merge(&each, &runs);
	return 0;
}
