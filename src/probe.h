/* probe.h - what the running kernel and our privileges let pmstat see */
#ifndef PMSTAT_PROBE_H
#define PMSTAT_PROBE_H

#include <stdbool.h>
#include <stdint.h>

struct probe {
	bool		pfn_visible;	/* pagemap shows PFNs (CAP_SYS_ADMIN) */
	bool		soft_dirty;	/* the kernel tracks soft-dirty bits */
	uint64_t	zero_pfn;	/* PFN of the shared zero page, 0 if unseen */
};

/*
 * Map two private anonymous pages of our own, write one and read the other,
 * and look at them through /proc/self/pagemap. A fresh mapping is born
 * soft-dirty wherever the kernel tracks it, and the read page maps the zero
 * page. Returns 0 or -errno.
 */
int	probe_self(struct probe *p);

#endif
