/*
 * inspect.c - one process, one mapping at a time, one batch at a time (the
 * run's set-up is inspector.c's)
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect.h"
#include "kpf.h"
#include "mapgroup.h"
#include "pagemap.h"
#include "pagescan.h"
#include "procio.h"
#include "smaps.h"
#include "twin.h"

#define SMAPS_UNREAD	0	/* not opened (yet) */
#define SMAPS_OPEN	1
#define SMAPS_FAILED	(-1)	/* could not be read: ask no more */

struct walk {
	struct inspector	*in;
	struct pagemap		 pm;
	int			 pid;
	struct smaps_reader	 sm;
	int			 smaps;	/* SMAPS_*: whether sm settles counters */
	struct pagescan		 ps;
	struct pagescan		 ps2;	/* the twin scans ahead into this one */
	bool			 scan2;
	bool			 scan;
	struct sources		 src;
	struct join_plan	 plan;	/* in's, with this process's KSM */
	bool			 huge_batch;	/* the batch is read_huge()'s */
	const struct inspect_ops *ops;
};

/* Where read_batch() takes the scan bits from, when not given outright. */
#define BITS_SCAN	(-1)	/* a PAGEMAP_SCAN of the batch */
#define BITS_BY_PFN	(-2)	/* PFNs, and a scan only if a PMD may be mapped */

/* Pages a PMD maps (a power of two, from sysfs); 0 if unknown. */
static uint64_t
pmd_pages(const struct inspector *in)
{
	return in->pmd_pages;
}

/*
 * Whether pages [i, end) of the words at vpn, from i up to the next PMD
 * boundary, look like one PMD mapping: every page present, the PFNs
 * running along with the addresses from an aligned first PFN (folios are
 * naturally aligned). 4 KiB pages almost never do.
 */
static bool
pmd_run(const struct inspector *in, const uint64_t *words, uint64_t vpn,
    size_t i, size_t end)
{
	uint64_t per = pmd_pages(in);
	uint64_t base = pm_pfn(words[i]) - ((vpn + i) & (per - 1));

	if (!pm_present(words[i]) || (base & (per - 1)) != 0)
		return false;
	for (size_t j = i; j < end; j++)
		if (!pm_present(words[j]) ||
		    pm_pfn(words[j]) != base + ((vpn + j) & (per - 1)))
			return false;
	return true;
}

/*
 * Whether any page of the n words at vpn may be PMD-mapped: a PMD maps an
 * aligned run of pmd_pages() that pmd_run() would accept. Where no run of
 * the batch looks like that, nothing in it is huge, nor the huge zero page.
 */
static bool
pmd_possible(const struct inspector *in, const uint64_t *words, uint64_t vpn,
    size_t n)
{
	uint64_t per = pmd_pages(in);

	for (size_t i = 0, end; i < n; i = end) {
		end = i + (size_t)(per - ((vpn + i) & (per - 1)));
		end = end < n ? end : n;
		if (pmd_run(in, words, vpn, i, end))
			return true;
	}
	return false;
}

#define NEED_SAME	0x80	/* in need[]: takes the flags of the page before */

/*
 * On x86 every huge page is PMD-sized or larger (THP, hugetlb 2 MiB and
 * 1 GiB). arm64 has hugetlb pages of 64 KiB (contiguous PTEs), several to a
 * PMD and each its own folio: there every page reads its own word.
 */
#if defined(__x86_64__) || defined(__i386__)
#define HUGE_IS_PMD	1
#else
#define HUGE_IS_PMD	0
#endif

/*
 * Whether page i of the batch at vpn is mapped by the same PMD as page i-1,
 * and both need their flags: then it has the same folio, whose flags are
 * all the counters read (huge, dirty, swap cache, KSM), and its own word
 * need not be read. A GiB of THP is 512 words to read, not 262,144.
 */
static bool
same_folio(const struct inspector *in, uint64_t vpn, size_t i)
{
	const uint64_t *w = in->words;

	return HUGE_IS_PMD && i > 0 && pmd_pages(in) != 0 &&
	    (in->scan[i] & in->scan[i - 1] & SCAN_HUGE) &&
	    (in->need[i - 1] & JOIN_FLAGS) && ((vpn + i) & (pmd_pages(in) - 1)) &&
	    pm_present(w[i]) && pm_present(w[i - 1]) &&
	    pm_pfn(w[i]) == pm_pfn(w[i - 1]) + 1;
}

/* Pages: below, handing half a pagemap read to the twin costs more than it saves. */
#define PM_SPLIT_MIN	8192

struct pm_half {
	struct pagemap	*pm;
	uint64_t	 vpn;
	uint64_t	*buf;
	size_t		 n;
};

static int
read_pm_half(void *arg)
{
	struct pm_half *h = arg;

	return pagemap_read(h->pm, h->vpn, h->buf, h->n);
}

/* pagemap_read() of a batch, the upper half by the twin when large. */
static int
read_pagemap(struct walk *w, uint64_t vpn, size_t n)
{
	struct inspector *in = w->in;
	size_t mid = n / 2;
	struct pm_half upper = { &w->pm, vpn + mid, in->words + mid, n - mid };
	int got, got2;

	/* With the probe page set, pagemap_read() changes nothing in pm. */
	if (!twin_free(in->twin) || n < PM_SPLIT_MIN || !w->pm.have_probe)
		return pagemap_read(&w->pm, vpn, in->words, n);
	twin_post(in->twin, read_pm_half, &upper);
	got = pagemap_read(&w->pm, vpn, in->words, mid);
	got2 = twin_wait(in->twin);
	if (got < 0 || got2 < 0)
		return got < 0 ? got : got2;
	return (size_t)got < mid ? got : got + got2;
}

/*
 * Read one batch of n pages at vpn into in's buffers. The scan bits come
 * from BITS_SCAN or BITS_BY_PFN, or else bits is the scan bits of every
 * page.
 */
static int
read_words(struct walk *w, uint64_t vpn, size_t n, int bits)
{
	struct inspector *in = w->in;
	int got, err;

	if ((got = read_pagemap(w, vpn, n)) < 0)
		return got;
	memset(in->scan, bits < 0 ? 0 : bits, n);
	if (bits == BITS_BY_PFN && pmd_possible(in, in->words, vpn, n))
		bits = BITS_SCAN;
	if (bits == BITS_BY_PFN) {
		for (size_t i = 0; i < n; i++)
			if (pm_present(in->words[i]) &&
			    pm_pfn(in->words[i]) == in->probe.zero_pfn)
				in->scan[i] = SCAN_ZERO;
	}
	/* Past the task's end (as [vsyscall] is) the ioctl would fault. */
	if (bits == BITS_SCAN && w->scan && got > 0 && (err = pagescan_mark(&w->ps,
	    vpn << in->page_shift, (size_t)got, in->page_size, in->scan)) != 0)
		return err;
	return 0;
}

static int join_huge(struct walk *w, size_t n);

/* Join the batch that read_words() left with the kpage words it needs. */
static int
join_words(struct walk *w, uint64_t vpn, size_t n)
{
	struct inspector *in = w->in;
	size_t nflags = 0, ncounts = 0, nsame = 0;
	int err;

	/* Until a join fills them, kflags and kcounts read as 0 (kflags_of()). */
	in->have_kflags = in->have_kcounts = false;
	if (!in->have_kpage)
		return 0;
	if (w->huge_batch && !w->plan.full && w->scan)
		return join_huge(w, n);
	/* The plan needs the zero page told by the scan; without it, read all. */
	if (w->plan.full || !w->scan) {
		for (size_t i = 0; i < n; i++)
			in->pfns[i] = pm_pfn(in->words[i]);
		memset(in->kflags, 0, n * sizeof(*in->kflags));
		memset(in->kcounts, 0, n * sizeof(*in->kcounts));
		in->have_kflags = in->have_kcounts = true;
		return kpage_join(&in->kp, in->pfns, n, in->kflags, in->kcounts);
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = pm_pfn(in->words[i]);

		in->need[i] = (uint8_t)joinplan_need(&w->plan, in->words[i],
		    in->scan[i]);
		if ((in->need[i] & JOIN_FLAGS) && same_folio(in, vpn, i)) {
			in->need[i] |= NEED_SAME;
			nsame++;
		}
		in->pfns[i] = (in->need[i] & (JOIN_FLAGS | NEED_SAME)) == JOIN_FLAGS ?
		    pfn : 0;
		in->cpfns[i] = (in->need[i] & JOIN_COUNT) ? pfn : 0;
		nflags += in->pfns[i] != 0;
		ncounts += in->cpfns[i] != 0;
	}
	/*
	 * Exclusive anonymous pages, with no swap and no KSM: nothing to read,
	 * nor to clear. A page that shares its folio's flags follows a page
	 * that read them, so nsame > 0 means nflags > 0.
	 */
	if (nflags > 0) {
		memset(in->kflags, 0, n * sizeof(*in->kflags));
		in->have_kflags = true;
		if ((err = kpage_join(&in->kp, in->pfns, n, in->kflags, NULL)) != 0)
			return err;
	}
	for (size_t i = 1; nsame > 0 && i < n; i++)
		if (in->need[i] & NEED_SAME)
			in->kflags[i] = in->kflags[i - 1];
	if (ncounts == 0)
		return 0;
	memset(in->kcounts, 0, n * sizeof(*in->kcounts));
	in->have_kcounts = true;
	return kpage_counts(&in->kp, in->cpfns, n, in->kcounts);
}

/* The kpage words of page i of the batch: 0 where none was read. */
static inline uint64_t
kflags_of(const struct inspector *in, size_t i)
{
	return in->have_kflags ? in->kflags[i] : 0;
}

static inline uint64_t
kcount_of(const struct inspector *in, size_t i)
{
	return in->have_kcounts ? in->kcounts[i] : 0;
}

/*
 * Join a batch of PMD-mapped huge pages (read_huge()): the head's flags
 * word stands for its folio (see same_folio()), and where the plan wants
 * the map counts, the 512 of a PMD are one read of PFNs in a row, without
 * the sort and the cache a batch of scattered PFNs needs. The counts are
 * read one by one, not taken from the head's: a fork relative may map some
 * of the pages by PTEs, and without CONFIG_PAGE_MAPCOUNT kpagecount is the
 * folio's average anyway. Pure bookkeeping otherwise: what join_words()
 * would read, in a few calls per PMD.
 */
static int
join_huge(struct walk *w, size_t n)
{
	struct inspector *in = w->in;
	const uint64_t per = pmd_pages(in);
	size_t nheads = 0;
	int err;

	for (size_t i = 0; i < n; i += per) {
		unsigned int need = joinplan_need(&w->plan, in->words[i], SCAN_HUGE);

		in->pfns[i] = (need & JOIN_FLAGS) ? pm_pfn(in->words[i]) : 0;
		nheads += in->pfns[i] != 0;
		in->need[i] = (uint8_t)need;
	}
	if (nheads > 0) {
		for (size_t i = 0; i < n; i += per) {
			memset(&in->pfns[i + 1], 0, (per - 1) * sizeof(*in->pfns));
			in->kflags[i] = 0;
		}
		in->have_kflags = true;
		if ((err = kpage_join(&in->kp, in->pfns, n, in->kflags, NULL)) != 0)
			return err;
		for (size_t i = 0; i < n; i += per)
			for (size_t j = 1; j < per; j++)
				in->kflags[i + j] = in->kflags[i];
	}
	for (size_t i = 0; i < n; i += per) {
		ssize_t got = 0;

		if (!(in->need[i] & JOIN_COUNT)) {
			memset(&in->kcounts[i], 0, per * sizeof(*in->kcounts));
			continue;
		}
		if (in->kp.count_fd >= 0 && (got = procio_read_words(
		    in->kp.count_fd, pm_pfn(in->words[i]), &in->kcounts[i],
		    per)) < 0)
			return (int)got;
		/* Past the end of the file a count reads 0, as kpage_join() has it. */
		for (size_t j = (size_t)got; j < per; j++)
			in->kcounts[i + j] = 0;
		in->have_kcounts = true;
	}
	return 0;
}

/*
 * pagemap gives every page of a PMD-mapped THP the exclusive bit of its
 * head page (seen on 6.1 and on 6.18): after a fork relative rewrote the
 * head, 511 pages both map read as exclusive, and after it rewrote the rest
 * the head alone keeps a shared page's bit. Where the map counts of such a
 * page were read, they decide. PMD-mapped: the scan says so, or without a
 * scan the PFNs do (on pages that are not, count and bit agree anyway).
 */
static void
exclusive_from_counts(struct walk *w, uint64_t vpn, size_t n)
{
	struct inspector *in = w->in;
	uint64_t per = pmd_pages(in);

	if (!in->have_kcounts || per == 0)
		return;
	for (size_t i = (size_t)((per - (vpn & (per - 1))) & (per - 1));
	    i + per <= n; i += per) {
		if (w->scan ? !(in->scan[i] & SCAN_HUGE) :
		    !pmd_run(in, in->words, vpn, i, i + per))
			continue;
		for (size_t k = i; k < i + per; k++)
			if (pm_present(in->words[k]) && in->kcounts[k] != 0)
				in->words[k] = (in->words[k] & ~PM_EXCLUSIVE) |
				    (in->kcounts[k] == 1 ? PM_EXCLUSIVE : 0);
	}
}

/* Join the batch with its kpage words, and correct what they contradict. */
static int
join_batch(struct walk *w, uint64_t vpn, size_t n)
{
	int err = join_words(w, vpn, n);

	if (err != 0)
		return err;
	exclusive_from_counts(w, vpn, n);
	/* A flag that marks every anonymous page tells nothing: drop it. */
	if (w->in->ksm_noise && w->in->have_kflags)
		for (size_t i = 0; i < n; i++)
			w->in->kflags[i] &= ~KPF_BIT(KPF_KSM);
	return 0;
}

static int
read_batch(struct walk *w, uint64_t vpn, size_t n, int bits)
{
	int err = read_words(w, vpn, n, bits);

	return err != 0 ? err : join_batch(w, vpn, n);
}

struct mapping_walk {
	const struct maps_entry	*e;
	struct mapping_kind	 kind;
	uint8_t			 have;	/* OBS_* every page carries */
	struct counts		*c;
};

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
static int
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

/*
 * Pages [from, to) of a mapping that is mostly holes there: ask PAGEMAP_SCAN
 * where the present and swapped pages are, and read pagemap only there.
 * Regions closer than SPARSE_GAP pages are read together, up to a batch, so
 * that pages of mixed categories cost one pread per batch, not one per
 * region. The regions carry the zero-page and huge-page categories, so no
 * second scan is needed.
 */
#define SPARSE_GAP	512

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

/*
 * A batch of whole PMDs where the one before ended in a PMD-mapped huge
 * page: one scan says whether every page of it is PMD-mapped (for a PMD,
 * the kernel's walk is one step, not 512), and then one pagemap word per
 * PMD, its head's, gives the other 511: pagemap gives every page of a PMD
 * mapping its head's flags (the exclusive bit too, see join_words()) and
 * the PFNs in a row. Returns 1 with the batch's words and scan bits in
 * place, 0 if the batch is not all PMD-mapped present pages (the caller
 * reads it as usual), or -errno.
 */
static int
read_huge(struct walk *w, uint64_t vpn, size_t n)
{
	struct inspector *in = w->in;
	const uint64_t per = pmd_pages(in);
	const uint64_t want = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
	const uint64_t ret = want | PAGE_IS_PFNZERO | PAGE_IS_HUGE;
	unsigned int shift = in->page_shift;
	uint64_t cur = vpn << shift, end = (vpn + n) << shift, next;
	int err;

	if (per == 0 || (vpn & (per - 1)) != 0 || n % per != 0)
		return 0;
	do {
		size_t got;

		if ((err = pagescan_regions(&w->ps, cur, end, want, ret, &got,
		    &next)) != 0)
			return err;
		for (size_t k = 0; k < got; k++) {
			const struct page_region *r = &w->ps.vec[k];

			/* A resumed walk may report again what was seen. */
			if (r->end <= cur)
				continue;
			if (r->start > cur || r->categories !=
			    (PAGE_IS_PRESENT | PAGE_IS_HUGE))
				return 0;
			cur = r->end;
		}
	} while (next != 0 && cur < end);
	if (cur < end)
		return 0;
	for (size_t i = 0; i < n; i += per) {
		uint64_t head, pfn;

		if ((err = pagemap_read(&w->pm, vpn + i, &head, 1)) < 0)
			return err;
		pfn = pm_pfn(head);
		/* Split meanwhile, or not a head: read the batch whole. */
		if (err != 1 || !pm_present(head) || (pfn & (per - 1)) != 0)
			return 0;
		/* Without privilege the PFNs are 0, and stay so. */
		for (size_t j = 0; j < per; j++)
			in->words[i + j] = pfn == 0 ? head :
			    (head & ~PM_PFN_MASK) | (pfn + j);
	}
	memset(in->scan, SCAN_HUGE, n);
	return 1;
}

/* Whether the n pages read last end in a PMD-mapped huge page. */
static bool
ends_huge(const struct inspector *in, size_t n)
{
	return n > 0 && (in->scan[n - 1] & SCAN_HUGE) &&
	    !(in->scan[n - 1] & SCAN_ZERO);
}

static int
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

static void
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

static int
open_smaps(struct smaps_reader *sm, int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	return smaps_open(sm, path);
}

/*
 * Whether the exclusive bits of the mapping's pages are in doubt, and
 * printed: PMD-mapped pages whose map counts were not read (see
 * exclusive_from_counts()).
 */
static bool
exclusive_in_doubt(const struct walk *w, const struct counts *c)
{
	const uint32_t by_excl = CTR_BIT(CTR_EXCLUSIVE) | CTR_BIT(CTR_SHARED) |
	    CTR_BIT(CTR_COW_SHARED);

	return !w->src.kcount && (w->in->wanted & by_excl) &&
	    (!stats_is_known(c, CTR_THP) || c->v[CTR_THP] > 0);
}

/*
 * Settle from smaps what the mapping's pages left unknown or in doubt.
 * smaps is opened at the first mapping that needs it. A mapping smaps does
 * not list as it stands (changed since maps was read, or clipped by a
 * range) keeps its unknowns; a failed read stops asking.
 */
static void
settle_mapping(struct walk *w, const struct maps_entry *e,
    struct mapping_walk *m)
{
	struct smaps_rec rec;
	int r;

	if (w->smaps == SMAPS_UNREAD && exclusive_in_doubt(w, m->c))
		w->smaps = open_smaps(&w->sm, w->pid) == 0 ? SMAPS_OPEN :
		    SMAPS_FAILED;
	if (w->smaps != SMAPS_OPEN)
		return;
	if ((r = smaps_find(&w->sm, e->start, e->end, &rec)) == 1)
		stats_settle(m->c, &m->kind, &rec, w->in->page_size / 1024,
		    !w->src.kcount, !w->src.ksm_noise);
	else if (r < 0)
		w->smaps = SMAPS_FAILED;
}

/* One mapping larger than a batch, read on its own. */
static int
walk_mapping(struct walk *w, const struct maps_entry *e, bool scan,
    struct counts *c)
{
	struct inspector *in = w->in;
	struct mapping_walk m;
	int err;

	mapping_walk_init(w, e, c, &m);
	if ((err = walk_range(w, &m, e->start >> in->page_shift,
	    e->end >> in->page_shift, scan ? BITS_SCAN : BITS_BY_PFN)) != 0)
		return err;
	settle_mapping(w, e, &m);
	if (w->ops->mapping)
		return w->ops->mapping(w->ops->arg, e, c);
	return 0;
}

/*
 * Whether pages of mapping e need a scan for their zero-page and huge-page
 * bits whatever their PFNs say: when the PFNs cannot tell (see
 * inspector_init()), and in hugetlbfs, whose pages smaller than a PMD
 * pmd_possible() would not see.
 */
static bool
needs_scan(const struct inspector *in, const struct maps_entry *e)
{
	return !in->zero_by_pfn || maps_entry_is_hugetlb(e) ||
	    hugetlb_is_dev(&in->huge, e->dev_major, e->dev_minor);
}

/*
 * Read the group's window with one pread (and at most one scan, one join),
 * then count each mapping on its slice of it. The holes between the
 * mappings are read too: a few hundred hole pages cost less than a system
 * call.
 */
static int
walk_group(struct walk *w, struct mapgroup *g, struct counts *totals)
{
	uint64_t first, last;
	int err;

	if (g->n == 0)
		return 0;
	mapgroup_window(g, &first, &last);
	if ((err = read_batch(w, first, (size_t)(last - first),
	    g->need_scan ? BITS_SCAN : BITS_BY_PFN)) != 0)
		return err;
	for (size_t i = 0; i < g->n; i++) {
		const struct maps_entry *e = &g->slot[i].e;
		uint64_t a = e->start >> w->in->page_shift;
		struct mapping_walk m;
		struct counts c;

		mapping_walk_init(w, e, &c, &m);
		if ((err = count_batch(w, &m, a, (size_t)(a - first),
		    (size_t)((e->end >> w->in->page_shift) - a))) != 0)
			return err;
		settle_mapping(w, e, &m);
		if (w->ops->mapping && (err = w->ops->mapping(w->ops->arg, e,
		    &c)) != 0)
			return err;
		stats_merge(totals, &c);
	}
	mapgroup_clear(g);
	return 0;
}

/* Clip e to [start, end); false if nothing is left. */
static bool
clip(struct maps_entry *e, uint64_t start, uint64_t end)
{
	if (e->end <= start || (end != 0 && e->start >= end))
		return false;
	if (e->start < start) {
		/* Anonymous mappings have no file offset to move (maps says 0). */
		if (e->inode != 0)
			e->offset += start - e->start;
		e->start = start;
	}
	if (end != 0 && e->end > end)
		e->end = end;
	return true;
}

/* Groups of at most this many mappings; their paths are copied. */
#define GROUP_MAPPINGS	512

static int
walk_maps(struct walk *w, int pid, uint64_t start, uint64_t end,
    struct counts *totals)
{
	struct maps_reader mr;
	struct maps_entry e;
	struct mapgroup g;
	char path[64];
	bool mounts = false;	/* this process's hugetlbfs mounts are known */
	int r;

	hugetlb_forget_mounts(&w->in->huge);
	if ((r = mapgroup_init(&g, GROUP_MAPPINGS, w->in->batch, SPARSE_GAP,
	    w->in->page_shift)) != 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if ((r = maps_open(&mr, path)) != 0) {
		mapgroup_release(&g);
		return r;
	}
	while ((r = maps_next(&mr, &e)) == 1) {
		bool scan;

		/*
		 * A hugetlbfs file has an anonymous device (major 0, as tmpfs
		 * and overlayfs have): the process's mounts are read when it
		 * maps such a file, not for every process of --all (a
		 * container host's mountinfo runs to hundreds of lines).
		 */
		if (!mounts && e.dev_major == 0 && e.inode != 0) {
			snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
			if ((r = hugetlb_load_mounts(&w->in->huge, path)) != 0)
				break;
			mounts = true;
		}
		scan = needs_scan(w->in, &e);

		/* Maps come in address order: the first lies inside the task. */
		if (mr.lineno == 1)
			pagemap_set_probe(&w->pm, e.start >> w->in->page_shift);
		if (!clip(&e, start, end))
			continue;
		if (!mapgroup_fits(&g, &e) && (r = walk_group(w, &g, totals)) != 0)
			break;
		if (mapgroup_fits(&g, &e)) {
			if ((r = mapgroup_add(&g, &e, scan)) != 0)
				break;
		} else {
			struct counts c;

			if ((r = walk_mapping(w, &e, scan, &c)) != 0)
				break;
			stats_merge(totals, &c);
		}
	}
	if (r == 0)
		r = walk_group(w, &g, totals);
	maps_close(&mr);
	mapgroup_release(&g);
	/*
	 * A process whose memory is gone but that is not reaped yet has an
	 * empty maps file; its pagemap reads nothing at all, even at page 0.
	 */
	if (r == 0) {
		uint64_t word;

		if (procio_read_words(w->pm.fd, 0, &word, 1) != 1)
			r = -ESRCH;
	}
	return r;
}

/*
 * Whether smaps must be read from the first mapping on: a printed counter
 * that pagemap's bits leave unknown here, and smaps settles. Reading smaps
 * costs a page-table walk as long as pmap -X's, so only then.
 */
static bool
smaps_wanted(const struct inspector *in, const struct sources *src)
{
	return (in->wanted & CTR_SETTLED & ~stats_known(src)) != 0;
}

int
inspect_process(struct inspector *in, int pid, uint64_t start, uint64_t end,
    const struct inspect_ops *ops, struct counts *totals, struct sources *src)
{
	struct walk w = { .in = in, .ops = ops };
	int r;

	if ((r = pagemap_open(&w.pm, pid)) != 0)
		return r;
	if (!in->no_scan && pagescan_probe(w.pm.fd) == 1) {
		if ((r = pagescan_init(&w.ps, w.pm.fd)) != 0) {
			pagemap_close(&w.pm);
			return r;
		}
		w.scan = true;
		w.scan2 = in->twin != NULL && pagescan_init(&w.ps2, w.pm.fd) == 0;
	}
	w.src.kflags = w.src.kcount = in->have_kpage;
	w.src.scan = w.scan;
	w.src.soft_dirty = in->probe.soft_dirty;
	w.src.ksm_noise = in->ksm_noise;
	*src = w.src;
	w.pid = pid;
	/*
	 * The system-wide pages_shared goes stale (it keeps its value after
	 * the merged processes exit with ksmd stopped) and says nothing of
	 * this process: where it allows KSM, ask the process.
	 */
	w.plan = in->plan;
	w.plan.ksm = joinplan_ksm_of(&in->plan, pid);
	if (smaps_wanted(in, &w.src))
		w.smaps = open_smaps(&w.sm, pid) == 0 ? SMAPS_OPEN : SMAPS_FAILED;
	stats_init(totals, stats_known(&w.src) |
	    (w.smaps == SMAPS_OPEN ? CTR_SETTLED : 0));

	r = walk_maps(&w, pid, start, end, totals);
	if (w.smaps == SMAPS_OPEN)
		smaps_close(&w.sm);
	if (w.scan)
		pagescan_release(&w.ps);
	if (w.scan2)
		pagescan_release(&w.ps2);
	pagemap_close(&w.pm);
	return r;
}
