/* pageflags.h - one 64-bit flags word per page: kpageflags plus pagemap facts */
#ifndef PMSTAT_PAGEFLAGS_H
#define PMSTAT_PAGEFLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagefacts.h"
#include "stats.h"

/*
 * Bits 0-56 are kpageflags' own (KPF_*). Like page-types, pmstat adds what
 * pagemap tells in the bits the kernel leaves unused, so that a summary and a
 * filter work on one word, and without root on the pagemap part alone.
 */
enum {
	PF_UFFD_WP = 57,		/* pagemap bit 57 */
	PF_GUARD = 58,			/* pagemap bit 58 */
	PF_PMD = 59,			/* PAGEMAP_SCAN HUGE: mapped by a PMD */
	PF_FILE = 61,			/* pagemap bit 61, not the zero page */
	PF_SWAP = 62,			/* pagemap bit 62, not a guard marker */
	PF_MMAP_EXCLUSIVE = 63,		/* pagemap bit 56 */
};

/*
 * The flags word of a page: its kpageflags when read (else KPF_ANON where
 * the page is known anonymous), KPF_ZERO_PAGE from the scan too,
 * KPF_SOFTDIRTY when the kernel tracks it, and the PF_* bits above. A fact
 * that is unknown leaves its bit clear.
 */
uint64_t	pageflags_word(const struct page_facts *f);

/* The bits of a flags word that the given sources cannot know. */
uint64_t	pageflags_unknown(const struct sources *src);

/* The name of a bit of the flags word, or NULL for a bit with no name. */
const char	*pageflags_name(unsigned int bit);

/* The bit named name[0..len) (page-types' aliases accepted), or -1. */
int		 pageflags_lookup(const char *name, size_t len);

/*
 * A page selection in page-types' spirit: --flags anon,~lru selects pages
 * with anon set and lru clear; several --flags select their union.
 */
struct flag_filter {
	struct flag_term {
		uint64_t	mask;
		uint64_t	value;
	}		*terms;
	size_t		 n;
};

/*
 * Add one term, "name[,~name...]", to f. Returns 0, -ENOMEM, or -EINVAL with
 * the reason in err: an unknown name, or a name both required and forbidden
 * (a term that could select no page).
 */
int	flag_filter_add(struct flag_filter *f, const char *expr, char *err,
	    size_t errlen);

/* True if f is empty or one of its terms matches word. */
bool	flag_filter_match(const struct flag_filter *f, uint64_t word);

/* Every bit any term looks at. */
uint64_t flag_filter_bits(const struct flag_filter *f);

void	flag_filter_free(struct flag_filter *f);

#endif
