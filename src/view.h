/* view.h - what happens to each page and mapping: rows, runs, or a summary */
#ifndef PMSTAT_VIEW_H
#define PMSTAT_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "maps.h"
#include "output.h"
#include "pagefacts.h"
#include "pageflags.h"
#include "stats.h"
#include "summary.h"

/* Consecutive pages of one mapping in the same state, not yet printed. */
struct page_run {
	bool			 open;
	const struct maps_entry	*e;	/* valid until the mapping ends */
	uint64_t		 mstart;	/* which mapping: e is reused */
	struct mapping_kind	 kind;
	uint64_t		 addr;
	uint64_t		 npages;
	uint64_t		 word;
	struct page_obs		 first;
	struct page_facts	 facts;		/* of the first page */
};

struct view {
	struct output			*out;
	const struct flag_filter	*filter;
	bool				 runs;		/* collapse pages into runs */
	struct page_run			 run;
	struct summary			 sum;
	int				 pid;	/* the process being viewed */
	const char			*comm;	/* the caller's, until it ends */
	bool				 begun;	/* its process_begin was written */
};

/* Set up a view over out; options decide runs, summaries and the filter. */
void	view_init(struct view *v, struct output *out,
	    const struct flag_filter *filter);

/*
 * A new process: forget the runs and counts of the last. Its beginning is
 * written with its first row, so that a process skipped before any row
 * leaves no trace (comm may be NULL; the caller keeps it until the end).
 */
void	view_process_begin(struct view *v, int pid, const char *comm);

/* One page. Returns 0, or -errno (a write error, or -ENOMEM). */
int	view_page(struct view *v, const struct maps_entry *e,
	    const struct mapping_kind *kind, uint64_t addr,
	    const struct page_obs *o);

/* n neighbouring pages alike, neither present nor swapped: as n view_page(). */
int	view_holes(struct view *v, const struct maps_entry *e,
	    const struct mapping_kind *kind, uint64_t addr,
	    const struct page_obs *o, uint64_t n);

/* A mapping is done. Returns 0 or -errno. */
int	view_mapping(struct view *v, const struct maps_entry *e,
	    const struct counts *c);

/* The process is done (or failed): flush what it left. Returns 0 or -errno. */
int	view_process_end(struct view *v, bool failed);

/*
 * Write the process's end (and its beginning, if no row did): totals, or
 * NULL with error set. With drop, a process that wrote no row is left out
 * altogether. Returns 0 or -errno.
 */
int	view_process_finish(struct view *v, const struct counts *totals,
	    const char *error, bool drop);

void	view_release(struct view *v);

#endif
