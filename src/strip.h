/* strip.h - a mapping's pages, bucketed by state, for the page map (--map) */
#ifndef PMSTAT_STRIP_H
#define PMSTAT_STRIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagefacts.h"
#include "stats.h"

/*
 * The state a page is drawn in. The order is the precedence: a bucket
 * whose most frequent states tie is drawn in the first of them, and the
 * legend lists them in it. Populated states come before the absence of
 * pages, so that a tie never hides what is there.
 */
enum strip_state {
	ST_GUARD,	/* a guard region marker (MADV_GUARD_INSTALL) */
	ST_SWAPPED,	/* in swap */
	ST_KSM,		/* merged by KSM (KPF_KSM: root) */
	ST_THP,		/* part of a PMD-mapped transparent huge page */
	ST_ZERO,	/* the shared zero page (or the huge zero page) */
	ST_COW_COPIED,	/* anonymous copy in a MAP_PRIVATE file mapping */
	ST_COW_SHARED,	/* anonymous, not exclusive: shared with a fork relative */
	ST_ANON,	/* anonymous, exclusive: private to this process */
	ST_FILE,	/* page cache or shmem */
	ST_UNKNOWN,	/* present, but what it is cannot be told here */
	ST_EMPTY,	/* not present, not swapped */
	ST_COUNT
};

/* A bucket's state as drawn: its most frequent, and whether it is alone. */
struct strip_cell {
	enum strip_state	state;
	bool			mixed;	/* other states share the bucket */
};

/*
 * One mapping's strip: nb buckets over pages pages from start (bytes), each
 * bucket a known number of pages, with per-state page counts. The buffer is
 * sized once for the largest strip (strip_init) and reused: no allocation
 * per mapping, none per page.
 */
struct strip {
	uint64_t	 (*count)[ST_COUNT];	/* count[b][state] */
	size_t		 max;		/* buckets the buffer holds */
	size_t		 nb;		/* buckets of this strip */
	uint64_t	 start;		/* the mapping's first address */
	uint64_t	 pages;		/* its pages */
	unsigned int	 page_shift;
	bool		 open;		/* a mapping is being counted */
	bool		 finished;	/* strip_finish() filled in the holes */
};

/* Room for strips of at most max buckets. Returns 0 or -ENOMEM. */
int	strip_init(struct strip *s, size_t max, unsigned int page_shift);
void	strip_release(struct strip *s);

/*
 * Start a strip over [start, end) (bytes, page aligned): min(pages, max)
 * buckets, bucket b covering pages [ceil(b*P/N), ceil((b+1)*P/N)).
 */
void	strip_begin(struct strip *s, uint64_t start, uint64_t end);

/* n pages from addr (bytes) in state st; pages outside the strip are ignored. */
void	strip_add(struct strip *s, uint64_t addr, uint64_t n, enum strip_state st);

/*
 * Done: every page no strip_add() named is not present (the walk skips
 * holes without reporting them), so each bucket's empty count is its size
 * less the pages it was told of.
 */
void	strip_finish(struct strip *s);

/* The first page (index into the mapping) of bucket b, and its size. */
uint64_t strip_bucket_first(const struct strip *s, size_t b);
uint64_t strip_bucket_pages(const struct strip *s, size_t b);

/* How bucket b is drawn: its most frequent state (ties by precedence). */
struct strip_cell strip_cell(const struct strip *s, size_t b);

/*
 * The state of a page with these facts in a mapping of this kind. Pure:
 * the rules are pagefacts'; this only chooses among them by precedence.
 */
enum strip_state strip_state_of(const struct page_facts *f,
	    const struct mapping_kind *kind);

/* The state's name in JSON and the legend ("cow_copied"). */
const char *strip_state_name(enum strip_state st);

#endif
