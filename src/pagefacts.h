/* pagefacts.h - one page observation decoded, once, into what it means */
#ifndef PMSTAT_PAGEFACTS_H
#define PMSTAT_PAGEFACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

/*
 * What the whole run can know of every page, beyond what the observation
 * itself carries (struct page_obs's have bits).
 */
struct page_know {
	bool	soft_dirty;	/* the kernel tracks soft-dirty */
	bool	pfn;		/* pagemap shows PFNs and swap entries (root) */
};

/*
 * Everything stats, the flags word and the renderers say of one page. The
 * rules of semantics.md live in pagefacts_decode() only: a consumer that
 * needs another rule adds a fact here, so that no two can disagree.
 */
struct page_facts {
	uint64_t	pfn;		/* when have_pfn */
	uint64_t	swap_offset;	/* when have_swap */
	uint64_t	kflags;		/* when have_kflags */
	uint64_t	kcount;		/* when have_kcount */
	unsigned int	swap_type;	/* when have_swap */
	bool		present;	/* bit 63 */
	bool		swapped;	/* bit 62, not a guard marker */
	bool		guard;		/* bit 58: in a guard region */
	bool		uffd_wp;	/* bit 57 */
	bool		exclusive;	/* present and bit 56 */
	bool		pmd;		/* present, PAGEMAP_SCAN HUGE (THP or hugetlb) */
	bool		thp;		/* pmd, of a transparent huge page */
	bool		have_pfn;
	bool		have_swap;	/* swap type and offset are real */
	bool		have_kflags;	/* a present page's kpageflags were read */
	bool		have_kcount;	/* ... its kpagecount */
	/* Facts that can be unknown: 1, 0, or -1 for unknown. */
	int8_t		zero;		/* the shared (or huge) zero page */
	int8_t		file;		/* page cache or shmem: bit 61, not zero */
	int8_t		anon;		/* present, no bit 61, not the zero page */
	int8_t		cow_copied;	/* anon in a MAP_PRIVATE file mapping */
	int8_t		soft_dirty;	/* bit 55, where the kernel tracks it */
};

/*
 * Decode o, a page of a mapping of this kind, as far as know and o's own
 * sources allow. Pure and cheap: stats calls it once per run of pages alike.
 */
void	pagefacts_decode(struct page_facts *f, const struct page_obs *o,
	    const struct mapping_kind *kind, struct page_know know);

#endif
