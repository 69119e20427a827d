/* summary.h - pages counted per distinct flags word, as page-types does */
#ifndef PMSTAT_SUMMARY_H
#define PMSTAT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct summary_entry {
	uint64_t	flags;
	uint64_t	pages;
};

/* An open-addressing table: it grows with the distinct words, not the pages. */
struct summary {
	struct summary_entry	*slots;
	size_t			 cap;	/* a power of two, or 0 */
	size_t			 n;
};

void	summary_init(struct summary *s);

/* Count n pages with this flags word; returns 0 or -ENOMEM. */
int	summary_add(struct summary *s, uint64_t flags, uint64_t n);

/*
 * The entries, most pages first (ties by flags word), in a malloc'd array of
 * s->n; NULL with *err -ENOMEM on failure (or when empty, with *err 0).
 */
struct summary_entry *summary_sorted(const struct summary *s, int *err);

/* Forget every count, keeping the table for reuse. */
void	summary_clear(struct summary *s);

void	summary_release(struct summary *s);

#endif
