/* stats.h - the per-mapping counters, computed from decoded page words */
#ifndef PMSTAT_STATS_H
#define PMSTAT_STATS_H

#include <stdbool.h>
#include <stdint.h>

enum counter {
	CTR_PAGES, CTR_PRESENT, CTR_SWAPPED, CTR_FILE, CTR_ANON, CTR_ZERO,
	CTR_EXCLUSIVE, CTR_SHARED, CTR_DIRTY, CTR_COW_COPIED, CTR_COW_SHARED,
	CTR_THP, CTR_KSM, CTR_SOFT_DIRTY, CTR_PSS,
	CTR_COUNT
};

#define CTR_BIT(c)	(UINT32_C(1) << (c))
#define CTR_ALL		(CTR_BIT(CTR_COUNT) - 1)

/* PSS is summed in fixed point, as the kernel does for smaps, so it adds exactly. */
#define PSS_SHIFT	24

/* Which sources of knowledge a page observation carries. */
#define OBS_KFLAGS	0x01	/* kflags read from /proc/kpageflags */
#define OBS_KCOUNT	0x02	/* kcount read from /proc/kpagecount */
#define OBS_SCAN	0x04	/* scan bits from PAGEMAP_SCAN */

/* Everything known of one virtual page. */
struct page_obs {
	uint64_t	pm;	/* the pagemap word */
	uint64_t	kflags;
	uint64_t	kcount;
	uint8_t		scan;	/* SCAN_ZERO | SCAN_HUGE */
	uint8_t		have;	/* OBS_* */
};

/* What a mapping is, as far as the counters care. */
struct mapping_kind {
	bool	private;	/* MAP_PRIVATE */
	bool	file;		/* backed by a file (inode != 0) */
	bool	hugetlb;	/* hugetlbfs: its huge pages are not THP */
};

/* What the process walk can know: decides which counters are known at all. */
struct sources {
	bool	kflags;		/* kpageflags readable and PFNs visible */
	bool	kcount;		/* kpagecount readable and PFNs visible */
	bool	scan;		/* PAGEMAP_SCAN answers */
	bool	soft_dirty;	/* the kernel tracks soft-dirty */
	bool	ksm_noise;	/* KPF_KSM is set on every anonymous page (6.12) */
};

/*
 * Where the zero page cannot be told, the pages of some counters are tallied
 * with the zero pages still among them; stats_settle() takes the zero pages
 * out once smaps says how many there are.
 */
enum raw_tally {
	RAW_NONFILE,		/* present, not file: anon or the zero page */
	RAW_NONEXCL,		/* present, not exclusive: shared or zero */
	RAW_COW_COPIED,		/* as cow_copied, zero pages included */
	RAW_COW_SHARED,		/* as cow_shared, zero pages included */
	RAW_COUNT
};

struct counts {
	uint64_t	v[CTR_COUNT];	/* v[CTR_PSS] in units of 2^-PSS_SHIFT pages */
	uint32_t	known;		/* CTR_BIT()s of counters that are known */
	uint64_t	raw[RAW_COUNT];
};

struct smaps_rec;

/*
 * The counters stats_settle() can settle from a mapping's smaps record:
 * those pagemap's bits leave open where the zero page cannot be told, and
 * those that need the kpage files (pss, dirty, ksm), which the kernel's own
 * accounting gives the process's owner.
 */
#define CTR_SETTLED	(CTR_BIT(CTR_ZERO) | CTR_BIT(CTR_ANON) | \
			 CTR_BIT(CTR_FILE) | CTR_BIT(CTR_SHARED) | \
			 CTR_BIT(CTR_COW_COPIED) | CTR_BIT(CTR_COW_SHARED) | \
			 CTR_BIT(CTR_THP) | CTR_BIT(CTR_EXCLUSIVE) | \
			 CTR_BIT(CTR_PSS) | CTR_BIT(CTR_DIRTY) | \
			 CTR_BIT(CTR_KSM))

/* The counters a walk with these sources can determine. */
uint32_t	stats_known(const struct sources *src);

/* Start counting with the given known set. */
void	stats_init(struct counts *c, uint32_t known);

/* Count one page of a mapping. Pure: no I/O. */
void	stats_add_page(struct counts *c, const struct mapping_kind *kind,
	    const struct page_obs *o);

/*
 * As n calls of stats_add_page() with o: a run of pages that pagemap and
 * the kpage files describe alike (but for PFN or swap offset) counts at once.
 */
void	stats_add_pages(struct counts *c, const struct mapping_kind *kind,
	    const struct page_obs *o, uint64_t n);

/* Count n pages that pagemap would show as neither present nor swapped. */
void	stats_add_holes(struct counts *c, uint64_t n);

/*
 * Settle the counters of one whole mapping that its pages left unknown, from
 * the kernel's own accounting of it: thp from the PMD-mapped sizes, zero as
 * present pages that Rss leaves out, anon from Anonymous and the rest from
 * the raw tallies less the zero pages; pss, dirty (Private_Dirty and
 * Shared_Dirty) and ksm where the kpage files could not be read (and ksm
 * only with trust_ksm: not where KPF_KSM marks every anonymous page, whose
 * kernels may count the same way). With excl_doubt (pagemap gives a
 * PMD-mapped THP the exclusive bit of its head page, and no kpagecount
 * corrected it), a mapping with PMD-mapped pages takes exclusive and shared
 * from Private_* and Shared_*. A record that does not add up (the process
 * changed between the two readings) settles nothing. Pure.
 */
void	stats_settle(struct counts *c, const struct mapping_kind *kind,
	    const struct smaps_rec *r, uint64_t page_kb, bool excl_doubt,
	    bool trust_ksm);

/* Add b into a (totals); a counter stays known only if known in both. */
void	stats_merge(struct counts *a, const struct counts *b);

/* Is the page the shared zero page? -1 when it cannot be told. */
int	stats_page_is_zero(const struct page_obs *o);

/* PSS in (fractional) pages. */
double	stats_pss_pages(const struct counts *c);

bool	stats_is_known(const struct counts *c, enum counter ctr);

#endif
