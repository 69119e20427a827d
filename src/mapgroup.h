/* mapgroup.h - a run of small, nearby mappings, held to be read as one */
#ifndef PMSTAT_MAPGROUP_H
#define PMSTAT_MAPGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps.h"

/*
 * A process with tens of thousands of small mappings costs a pread and a
 * PAGEMAP_SCAN per mapping when read one by one, more than the reading
 * itself. Neighbours are read as one window instead; the group keeps
 * copies of their entries (with their paths) until the window is counted.
 */
struct mapgroup_slot {
	struct maps_entry	 e;
	char			*path;	/* e.path points here */
	size_t			 cap;
};

struct mapgroup {
	struct mapgroup_slot	*slot;
	size_t			 n;
	size_t			 max;
	uint64_t		 max_pages;	/* the window's largest span */
	uint64_t		 max_gap;	/* pages between neighbours */
	bool			 need_scan;	/* a mapping added said so */
	unsigned int		 page_shift;
};

/* Returns 0 or -ENOMEM. */
int	mapgroup_init(struct mapgroup *g, size_t max_entries, uint64_t max_pages,
	    uint64_t max_gap, unsigned int page_shift);
void	mapgroup_release(struct mapgroup *g);

/* Whether e may join the group: it is empty, or e is near and fits. Pure. */
bool	mapgroup_fits(const struct mapgroup *g, const struct maps_entry *e);

/*
 * Copy e (its path too) into the group, which must have room; need_scan
 * says the window must be scanned for e's sake. Returns 0 or -ENOMEM.
 */
int	mapgroup_add(struct mapgroup *g, const struct maps_entry *e,
	    bool need_scan);

/* The window [*first, *last) of pages the group's mappings lie in. */
void	mapgroup_window(const struct mapgroup *g, uint64_t *first, uint64_t *last);

static inline void
mapgroup_clear(struct mapgroup *g)
{
	g->n = 0;
	g->need_scan = false;
}

#endif
