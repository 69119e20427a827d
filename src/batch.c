/*
 * batch.c - one batch of a mapping's pages: its pagemap words (half read by
 * the second thread when large), its scan bits, and the kpage words the
 * join plan asks for; a PMD-mapped huge page read as one word
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

/*
 * Whether pages [i, end) of the words at vpn, from i up to the next PMD
 * boundary, look like one PMD mapping: every page present, the PFNs
 * running along with the addresses from an aligned first PFN (folios are
 * naturally aligned). 4 KiB pages almost never do.
 */
bool
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
bool
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
int
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
int
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

int
read_batch(struct walk *w, uint64_t vpn, size_t n, int bits)
{
	int err = read_words(w, vpn, n, bits);

	return err != 0 ? err : join_batch(w, vpn, n);
}

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
int
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
bool
ends_huge(const struct inspector *in, size_t n)
{
	return n > 0 && (in->scan[n - 1] & SCAN_HUGE) &&
	    !(in->scan[n - 1] & SCAN_ZERO);
}
