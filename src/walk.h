/*
 * walk.h - what inspect.c, walk.c and batch.c share while they walk one
 * process: the walk's state, a mapping's, and the batch's kpage words
 * (private to those three; inspect.h is the interface)
 */
#ifndef PMSTAT_WALK_H
#define PMSTAT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inspect.h"
#include "pagemap.h"
#include "pagescan.h"
#include "smaps.h"

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
static inline uint64_t
pmd_pages(const struct inspector *in)
{
	return in->pmd_pages;
}

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

struct mapping_walk {
	const struct maps_entry	*e;
	struct mapping_kind	 kind;
	uint8_t			 have;	/* OBS_* every page carries */
	struct counts		*c;
};

/*
 * Pages [from, to) of a mapping that is mostly holes there: ask PAGEMAP_SCAN
 * where the present and swapped pages are, and read pagemap only there.
 * Regions closer than SPARSE_GAP pages are read together, up to a batch, so
 * that pages of mixed categories cost one pread per batch, not one per
 * region. The regions carry the zero-page and huge-page categories, so no
 * second scan is needed.
 */
#define SPARSE_GAP	512

/* batch.c: one batch of pages, read, scanned and joined. */

/*
 * Whether pages [i, end) of the words at vpn, up to the next PMD boundary,
 * look like one PMD mapping (see batch.c). Pure.
 */
bool	pmd_run(const struct inspector *in, const uint64_t *words, uint64_t vpn,
	    size_t i, size_t end);
/* Whether any page of the n words at vpn may be PMD-mapped. Pure. */
bool	pmd_possible(const struct inspector *in, const uint64_t *words,
	    uint64_t vpn, size_t n);
/* The batch's pagemap words and scan bits (bits: BITS_* or SCAN_*). */
int	read_words(struct walk *w, uint64_t vpn, size_t n, int bits);
/* Join the batch with its kpage words, and correct what they contradict. */
int	join_batch(struct walk *w, uint64_t vpn, size_t n);
/* read_words() and join_batch(). */
int	read_batch(struct walk *w, uint64_t vpn, size_t n, int bits);
/* A batch of whole PMD-mapped huge pages, a word a PMD: 1, 0 if not, -errno. */
int	read_huge(struct walk *w, uint64_t vpn, size_t n);
/* Whether the n pages read last end in a PMD-mapped huge page. */
bool	ends_huge(const struct inspector *in, size_t n);

/* walk.c: one mapping's pages, batch by batch or scan by scan. */

void	mapping_walk_init(struct walk *w, const struct maps_entry *e,
	    struct counts *c, struct mapping_walk *m);
/* Count pages [off, off + n) of the batch read at vpn into m. */
int	count_batch(struct walk *w, struct mapping_walk *m, uint64_t vpn,
	    size_t off, size_t n);
/* Pages [first, last) of m: dense batches, sparse stretches scanned. */
int	walk_range(struct walk *w, struct mapping_walk *m, uint64_t first,
	    uint64_t last, int bits);

#endif
