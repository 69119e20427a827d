/* joinplan.h - which kpage words a page needs for the counters printed */
#ifndef PMSTAT_JOINPLAN_H
#define PMSTAT_JOINPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "pagemap.h"
#include "pagescan.h"

/*
 * Reading /proc/kpageflags and /proc/kpagecount costs the kernel 75-110 ns
 * per frame and file, several times the pagemap read itself. Much of what
 * they say is settled without them: an exclusive page's kpagecount is 1; an
 * anonymous page is clean swap cache only if there is swap cache at all; a
 * page is KSM only if KSM merged something. The plan keeps exactly the
 * numbers of the full join (--full-join keeps that path).
 */
struct join_plan {
	bool	full;		/* every present page's words, as the page views need */
	bool	want_dirty;
	bool	want_ksm;
	bool	want_pss;
	bool	want_thp;
	bool	swapcache;	/* swap is on, or SwapCached was not 0 */
	bool	ksm;		/* KSM has shared pages (or cannot tell) */
	bool	huge_count;	/* PMD-mapped pages: their exclusive bit is the head's */
};

#define JOIN_FLAGS	0x1	/* needs its kpageflags word */
#define JOIN_COUNT	0x2	/* needs its kpagecount word */

/*
 * Plan for the counters in wanted (CTR_BIT()s); full forces the full join.
 * Reads /proc/meminfo and /sys/kernel/mm/ksm once; what cannot be read is
 * taken as possible.
 */
void	joinplan_init(struct join_plan *p, uint32_t wanted, bool full);

/*
 * What a page with pagemap word pm and scan bits (SCAN_*; the plan is only
 * used where the scan tells the zero page) needs: JOIN_* bits. Pure; inline,
 * as it is asked for every page.
 */
static inline unsigned int
joinplan_need(const struct join_plan *p, uint64_t pm, uint8_t scan)
{
	unsigned int need = 0;

	if (!pm_present(pm) || (scan & SCAN_ZERO))
		return 0;
	if (p->full)
		return JOIN_FLAGS | JOIN_COUNT;
	if (pm_file(pm)) {
		/* Page cache and shmem are dirty only by KPF_DIRTY. */
		if (p->want_dirty)
			need |= JOIN_FLAGS;
	} else if ((p->want_dirty && p->swapcache) || (p->want_ksm && p->ksm)) {
		need |= JOIN_FLAGS;
	}
	/* KPF_HUGE tells a hugetlb page from a THP that a device missed. */
	if (p->want_thp && (scan & SCAN_HUGE))
		need |= JOIN_FLAGS;
	/* An exclusive page's share is whole: kpagecount 1. */
	if (p->want_pss && !pm_exclusive(pm))
		need |= JOIN_COUNT;
	/*
	 * Unless the bit is not the page's own: pagemap gives every page of a
	 * PMD-mapped THP the exclusive bit of its head (seen on 6.1 and
	 * 6.18). Only its map count tells.
	 */
	if (p->huge_count && (scan & SCAN_HUGE))
		need |= JOIN_COUNT;
	return need;
}


/*
 * What a /proc/PID/ksm_stat text says of the process's KSM pages: 0 none can
 * be mapped (no VMA of it is VM_MERGEABLE, and only such a VMA can map a KSM
 * page: MADV_UNMERGEABLE and PR_SET_MEMORY_MERGE 0 unmerge before they clear
 * the flag), 1 some may be, -1 the text cannot tell (kernels before 6.8 have
 * no ksm_mergeable line). Pure.
 */
int	joinplan_ksm_stat(const char *text);

/*
 * Whether process pid may map a KSM page, for a plan that found KSM pages
 * possible system-wide: its ksm_stat decides where it can, the system-wide
 * signal (p->ksm) elsewhere. One open and read of /proc/PID/ksm_stat.
 */
bool	joinplan_ksm_of(const struct join_plan *p, int pid);

/* The field's line of a meminfo text ("SwapCached"), in kB; -1 if absent. Pure. */
long long joinplan_meminfo_kb(const char *meminfo, const char *field);

#endif
