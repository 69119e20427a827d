/* inspect.h - walking one process: maps, pagemap batches, kpage join, counts */
#ifndef PMSTAT_INSPECT_H
#define PMSTAT_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hugetlb.h"
#include "joinplan.h"
#include "kpage.h"
#include "maps.h"
#include "probe.h"
#include "stats.h"

struct inspect_opts {
	bool	no_kpage;	/* do not read /proc/kpage* even if we could */
	bool	no_scan;	/* do not use PAGEMAP_SCAN */
	size_t	batch_pages;	/* 0: the default */
};

/* Buffers and privileges shared by every process walked in one run. */
struct inspector {
	size_t		 page_size;
	unsigned int	 page_shift;
	uint64_t	 pmd_pages;	/* pages a PMD maps; 0 if unknown */
	bool		 zero_by_pfn;	/* PFNs tell the zero page and huge pages */
	size_t		 batch;
	struct probe	 probe;
	bool		 have_kpage;
	int		 kpage_err;	/* why have_kpage is false (-errno), or 0 */
	bool		 ksm_noise;	/* KPF_KSM marks every anonymous page */
	bool		 no_scan;
	bool		 scan_ok;	/* PAGEMAP_SCAN answers (and is wanted) */
	struct kpage	 kp;
	struct twin	*twin;		/* reads half of large batches; may be NULL */
	struct hugetlb_devs huge;	/* hugetlbfs devices */
	struct join_plan plan;		/* which kpage words to read */
	uint32_t	 wanted;	/* CTR_BIT()s printed: what smaps must settle */
	uint64_t	*words;
	uint64_t	*pfns;		/* PFNs whose kpageflags are needed */
	uint64_t	*cpfns;		/* PFNs whose kpagecount is needed */
	uint64_t	*kflags;
	uint8_t		*need;		/* JOIN_* of each page of a batch */
	uint64_t	*kcounts;
	bool		 have_kflags;	/* the batch's kflags were joined */
	bool		 have_kcounts;
	uint8_t		*scan;
};

/* Called once per mapping with the mapping clipped to the range. */
typedef int	(*inspect_mapping_fn)(void *arg, const struct maps_entry *e,
		    const struct counts *c);
/* Called once per page when listing pages. */
typedef int	(*inspect_page_fn)(void *arg, const struct maps_entry *e,
		    const struct mapping_kind *kind, uint64_t addr,
		    const struct page_obs *o);

/*
 * Called for each run of n pages alike but for their PFNs (or swap offsets):
 * o describes the first, words[0..n) are their pagemap words.
 */
typedef int	(*inspect_frames_fn)(void *arg, const struct mapping_kind *kind,
		    const struct page_obs *o, const uint64_t *words, size_t n);

/*
 * A run of n pages alike, from addr on (bytes), o the first. As hole: where
 * set, instead of page, for neighbouring pages neither present nor swapped
 * (the holes of a listing), one call, not n. As run: for each run of alike
 * pages when there is no page callback; holes the walk skipped
 * (PAGEMAP_SCAN, sparse stretches) are not reported, so a consumer that
 * needs them counts them as what its mapping's extent leaves over.
 */
typedef int	(*inspect_run_fn)(void *arg, const struct maps_entry *e,
		    const struct mapping_kind *kind, uint64_t addr,
		    const struct page_obs *o, uint64_t n);

struct inspect_ops {
	inspect_mapping_fn	 mapping;	/* may be NULL */
	inspect_page_fn		 page;		/* may be NULL */
	inspect_run_fn		 hole;		/* may be NULL */
	inspect_run_fn		 run;		/* may be NULL; not with page */
	inspect_frames_fn	 frames;	/* may be NULL */
	bool			 holes;		/* page wants unpopulated pages too */
	void			*arg;
};

/*
 * Probe the kernel and open the kpage files when allowed. The join plan
 * starts full; set in->plan with joinplan_init() to read less.
 * Returns 0 or -errno.
 */
int	inspector_init(struct inspector *in, const struct inspect_opts *o);
void	inspector_release(struct inspector *in);

/*
 * Walk process pid over [start, end) (bytes; end 0 means no limit), calling
 * the ops as mappings and pages are counted, and leave the sum in *totals.
 * *src says what could be known for this process. Returns 0, -errno when the
 * process could not be read (its maps, its pagemap), or the first non-zero
 * value a callback returned (which stops the walk).
 */
int	inspect_process(struct inspector *in, int pid, uint64_t start,
	    uint64_t end, const struct inspect_ops *ops, struct counts *totals,
	    struct sources *src);

#endif
