/* probe.h - what the running kernel and our privileges let pmstat see */
#ifndef PMSTAT_PROBE_H
#define PMSTAT_PROBE_H

#include <stdbool.h>
#include <stdint.h>

struct probe {
	bool		pfn_visible;	/* pagemap shows PFNs (CAP_SYS_ADMIN) */
	bool		soft_dirty;	/* the kernel tracks soft-dirty bits */
	uint64_t	zero_pfn;	/* PFN of the shared zero page, 0 if unseen */
	/*
	 * Before Linux 6.11, pagemap gives every page of a PMD-mapped THP the
	 * exclusive bit of its head page: after a fork relative rewrote the
	 * head, 511 pages that both map are "exclusive". Only kpagecount (or
	 * smaps) tells the truth there.
	 */
	bool		excl_by_head;
};

/*
 * Whether a kernel release string ("6.1.0-28-amd64") is older than
 * major.minor. An unparsable one is taken as older: the careful answer.
 */
bool	probe_release_before(const char *release, int major, int minor);

/*
 * Map two private anonymous pages of our own, write one and read the other,
 * and look at them through /proc/self/pagemap. A fresh mapping is born
 * soft-dirty wherever the kernel tracks it, and the read page maps the zero
 * page. Returns 0 or -errno.
 */
int	probe_self(struct probe *p);

#endif
