/*
 * walk.c - one mapping's pages: read batch by batch while they are dense,
 * scanned ahead with PAGEMAP_SCAN (the second thread making the next call)
 * where they turn sparse, and counted
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpf.h"
#include "procio.h"
#include "twin.h"
#include "walk.h"


/* Whether pages i and j tell the counters the same, PFN and swap offset aside. */
static bool
same_obs(const struct inspector *in, size_t i, size_t j)
{
	return ((in->words[i] ^ in->words[j]) & ~PM_PFN_MASK) == 0 &&
	    kflags_of(in, i) == kflags_of(in, j) &&
	    kcount_of(in, i) == kcount_of(in, j) &&
	    in->scan[i] == in->scan[j];
}

/*
 * Count the n pages at vpn that read_batch() left in in's buffers from index
 * off on. Without a page callback, runs of pages alike (a dense heap is one
 * long run) are counted at once.
 */
int
count_batch(struct walk *w, struct mapping_walk *m, uint64_t vpn, size_t off,
    size_t n)
{
	struct inspector *in = w->in;
	int err;

	for (size_t i = off, j; i < off + n; i = j) {
		struct page_obs o = {
			.pm = in->words[i], .kflags = kflags_of(in, i),
			.kcount = kcount_of(in, i), .scan = in->scan[i],
			.have = m->have,
		};

		/* A reservation's holes: one call per run of them, not per page. */
		if (w->ops->page && w->ops->hole && !pm_present(o.pm) &&
		    !pm_swapped(o.pm)) {
			for (j = i + 1; j < off + n && same_obs(in, i, j); j++)
				;
			stats_add_pages(m->c, &m->kind, &o, j - i);
			if ((err = w->ops->hole(w->ops->arg, m->e, &m->kind,
			    (vpn + i - off) << in->page_shift, &o, j - i)) != 0)
				return err;
			continue;
		}
		if (w->ops->page) {
			stats_add_page(m->c, &m->kind, &o);
			if (w->ops->frames && (err = w->ops->frames(w->ops->arg,
			    &m->kind, &o, &in->words[i], 1)) != 0)
				return err;
			if ((err = w->ops->page(w->ops->arg, m->e, &m->kind,
			    (vpn + i - off) << in->page_shift, &o)) != 0)
				return err;
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < off + n && same_obs(in, i, j); j++)
			;
		stats_add_pages(m->c, &m->kind, &o, j - i);
		if (w->ops->frames && (err = w->ops->frames(w->ops->arg,
		    &m->kind, &o, &in->words[i], j - i)) != 0)
			return err;
		if (w->ops->run && (err = w->ops->run(w->ops->arg, m->e,
		    &m->kind, (vpn + i - off) << in->page_shift, &o,
		    j - i)) != 0)
			return err;
	}
	return 0;
}

/*
 * Read and count the window [wa, wb) of pages, which holds the scan regions
 * r[0..nr) (none of them below wa); their categories give the scan bits, and
 * the pages between them are holes that pagemap reads as such.
 */
static int
read_window(struct walk *w, struct mapping_walk *m, uint64_t wa, uint64_t wb,
    const struct page_region *r, size_t nr)
{
	struct inspector *in = w->in;
	unsigned int shift = in->page_shift;
	int err;

	for (uint64_t v = wa; v < wb; ) {
		size_t n = wb - v < in->batch ? (size_t)(wb - v) : in->batch;

		if ((err = read_words(w, v, n, 0)) != 0)
			return err;
		/* The join plan reads the scan bits: they come first. */
		for (size_t k = 0; k < nr; k++) {
			uint64_t a = r[k].start >> shift, b = r[k].end >> shift;
			uint8_t bits = pagescan_bits(r[k].categories);

			for (a = a < v ? v : a, b = b > v + n ? v + n : b; a < b; a++)
				in->scan[a - v] = bits;
		}
		if ((err = join_batch(w, v, n)) != 0 ||
		    (err = count_batch(w, m, v, 0, n)) != 0)
			return err;
		v += n;
	}
	return 0;
}



/* One PAGEMAP_SCAN call of walk_sparse(), run here or by the twin. */
struct scan_call {
	struct pagescan	*ps;
	uint64_t	 cur, end;
	size_t		 got;
	uint64_t	 next;
};

static int
scan_call(void *arg)
{
	const uint64_t want = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
	const uint64_t ret = want | PAGE_IS_PFNZERO | PAGE_IS_HUGE;
	struct scan_call *c = arg;

	return pagescan_regions(c->ps, c->cur, c->end, want, ret, &c->got,
	    &c->next);
}

/*
 * While pmstat reads the pages of one call's regions, the twin makes the
 * next call: on a sparse reservation the scan and the reads cost about
 * the same.
 */
static int
walk_sparse(struct walk *w, struct mapping_walk *m, uint64_t from, uint64_t to)
{
	unsigned int shift = w->in->page_shift;
	struct scan_call calls[2] = {
		{ .ps = &w->ps, .end = to << shift },
		{ .ps = &w->ps2, .end = to << shift },
	};
	struct scan_call *c = &calls[0], *ahead = NULL;
	uint64_t done = from, read = 0;
	int err = 0, err2;

	c->cur = from << shift;
	if ((err = scan_call(c)) != 0)
		return err;
	for (;;) {
		struct page_region *r = c->ps->vec;
		size_t got = c->got, i = 0;

		if (c->next != 0 && w->scan2 && twin_free(w->in->twin)) {
			ahead = c == &calls[0] ? &calls[1] : &calls[0];
			ahead->cur = c->next;
			twin_post(w->in->twin, scan_call, ahead);
		}
		/* A resumed walk may report again what was read. */
		for (; i < got && (r[i].end >> shift) <= done; i++)
			;
		if (i < got && (r[i].start >> shift) < done)
			r[i].start = done << shift;
		while (err == 0 && i < got) {
			uint64_t wa = r[i].start >> shift, wb = r[i].end >> shift;
			size_t j = i + 1;

			for (; j < got; j++) {
				uint64_t a = r[j].start >> shift, b = r[j].end >> shift;

				if (a - wb > SPARSE_GAP || b - wa > w->in->batch)
					break;
				wb = b;
			}
			err = read_window(w, m, wa, wb, r + i, j - i);
			read += wb - wa;
			done = wb;
			i = j;
		}
		if (ahead != NULL) {
			err2 = twin_wait(w->in->twin);
			err = err != 0 ? err : err2;
			c = ahead;
			ahead = NULL;
		} else if (err == 0 && c->next != 0) {
			c->cur = c->next;
			err = scan_call(c);
		} else
			break;
		if (err != 0)
			return err;
	}
	if (err != 0)
		return err;
	stats_add_holes(m->c, (to - from) - read);
	return 0;
}

static uint64_t
populated(const struct counts *c)
{
	return c->v[CTR_PRESENT] + c->v[CTR_SWAPPED];
}

/*
 * Walk pages [first, last) of a mapping: pread batch by batch while the
 * pages are dense, and where a batch was mostly holes (under 1/SPARSE_SHARE
 * populated), scan ahead with walk_sparse() - SCAN_AHEAD batches, twice as
 * far each time the stretch stays sparse - until what it found is dense
 * again (half populated). Scanning costs ~10 ns per populated page on top
 * of the read, but skips a hole for ~0.1 us per GiB; a pread costs ~5 ns
 * per hole. Neither way alone is cheap on both a dense 4 GiB heap and a
 * 256 GiB reservation one page in 1,024 used.
 */
#define SPARSE_SHARE	4
#define SCAN_AHEAD	16

int
walk_range(struct walk *w, struct mapping_walk *m, uint64_t first,
    uint64_t last, int bits)
{
	struct inspector *in = w->in;
	/* A page listing wants every page, holes included: it reads them all. */
	bool may_skip = w->scan && !(w->ops->page && w->ops->holes);
	/* Huge pages read a word per PMD; a page listing reads every word. */
	bool may_huge = w->scan && pmd_pages(in) != 0 && !m->kind.hugetlb &&
	    !w->ops->page && HUGE_IS_PMD;
	bool huge = false;
	uint64_t ahead = 0;	/* pages to scan ahead; 0: read batches */
	int err;

	for (uint64_t v = first; v < last; ) {
		uint64_t before = populated(m->c), n;

		if (ahead != 0) {
			n = last - v < ahead ? last - v : ahead;
			if ((err = walk_sparse(w, m, v, v + n)) != 0)
				return err;
			ahead = (populated(m->c) - before) * 2 < n ? ahead * 2 : 0;
		} else {
			n = last - v < in->batch ? last - v : in->batch;
			/* Batches end on PMD boundaries, for pmd_possible(). */
			if (v + n < last && pmd_pages(in) != 0 &&
			    ((v + n) & (pmd_pages(in) - 1)) < n)
				n -= (v + n) & (pmd_pages(in) - 1);
			/*
			 * The first batch ends at the first PMD boundary:
			 * whether it is huge decides how the rest is read.
			 */
			if (may_huge && v == first &&
			    (pmd_pages(in) - (v & (pmd_pages(in) - 1))) < n)
				n = pmd_pages(in) - (v & (pmd_pages(in) - 1));
			err = huge ? read_huge(w, v, (size_t)n) : 0;
			w->huge_batch = err == 1;
			if (err == 1)
				err = join_batch(w, v, (size_t)n);
			else if (err == 0)
				err = read_batch(w, v, (size_t)n, bits);
			w->huge_batch = false;
			if (err != 0 ||
			    (err = count_batch(w, m, v, 0, (size_t)n)) != 0)
				return err;
			huge = may_huge && ends_huge(in, (size_t)n);
			if (may_skip && (populated(m->c) - before) * SPARSE_SHARE < n)
				ahead = SCAN_AHEAD * in->batch;
		}
		v += n;
	}
	return 0;
}

void
mapping_walk_init(struct walk *w, const struct maps_entry *e, struct counts *c,
    struct mapping_walk *m)
{
	struct inspector *in = w->in;

	*m = (struct mapping_walk){
		.e = e,
		.kind = {
			.private = e->perms[3] == 'p',
			.file = e->inode != 0,
			.hugetlb = maps_entry_is_hugetlb(e) ||
			    hugetlb_is_dev(&in->huge, e->dev_major, e->dev_minor),
		},
		.have = (w->src.kflags ? OBS_KFLAGS : 0) |
		    (w->src.kcount ? OBS_KCOUNT : 0) | (w->scan ? OBS_SCAN : 0),
		.c = c,
	};
	stats_init(c, stats_known(&w->src));
}
