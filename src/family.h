/* family.h - a family's physical pages counted once, by PFN */
#ifndef PMSTAT_FAMILY_H
#define PMSTAT_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A set of PFNs as a bitmap in chunks allocated on first use: memory follows
 * the physical memory the family touches (one bit per page frame, at most
 * max_pfn / 8 bytes per set), never the number of mappings of a page.
 */
struct pfn_set {
	uint64_t	**chunks;
	size_t		  nchunks;
};

struct family {
	struct pfn_set	 present;	/* mapped by any member */
	struct pfn_set	 anon;		/* anonymous, mapped by any member */
	struct pfn_set	 anon_again;	/* anonymous, mapped a second time */
	uint64_t	 npresent;	/* distinct present pages */
	uint64_t	 nanon;		/* distinct anonymous pages */
	uint64_t	 ncow_shared;	/* distinct anonymous pages mapped twice or more */
	uint64_t	 anon_maps;	/* anonymous page mappings, all members */
	unsigned int	 members;	/* processes read to their end */
	bool		 blind;		/* a page's frame or zero-ness was unknown */
};

struct mapping_kind;
struct page_obs;

void	family_init(struct family *f);

/*
 * Count one present page frame that a member maps (the zero page is not
 * passed in). Returns 0 or -ENOMEM.
 */
int	family_add(struct family *f, uint64_t pfn, bool anon);

/*
 * The pages the family would need in addition if every member wrote every
 * anonymous page it still shares: for each such page, its mappings in the
 * family minus one.
 */
/*
 * Count a run of n pages a member maps, alike but for their PFNs: o is the
 * first, words[0..n) their pagemap words. The zero page is left out; a page
 * whose PFN or zero-ness is hidden makes the family blind. Returns 0 or
 * -ENOMEM.
 */
int	family_add_frames(struct family *f, const struct page_obs *o,
	    const struct mapping_kind *kind, const uint64_t *words, size_t n);

uint64_t family_cow_exposure(const struct family *f);

void	family_release(struct family *f);

#endif
