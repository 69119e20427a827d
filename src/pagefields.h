/* pagefields.h - the one table of per-page fields: the page rows of every format */
#ifndef PMSTAT_PAGEFIELDS_H
#define PMSTAT_PAGEFIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps.h"
#include "pagefacts.h"

/* In the order of the rows: each format takes the fields it carries. */
enum pfield_id {
	PFLD_ADDR, PFLD_PAGES, PFLD_STATE, PFLD_LETTERS,
	PFLD_PRESENT, PFLD_SWAPPED, PFLD_FILE, PFLD_EXCLUSIVE, PFLD_ZERO,
	PFLD_SOFT_DIRTY, PFLD_UFFD_WP, PFLD_GUARD,
	PFLD_PFN, PFLD_SWAP_TYPE, PFLD_SWAP_OFFSET, PFLD_KPAGECOUNT, PFLD_SWAP,
	PFLD_KPAGEFLAGS, PFLD_COW_COPIED, PFLD_PAGEMAP, PFLD_FLAGS, PFLD_PATH,
	PFLD_COUNT
};

enum pfield_kind {
	PFK_ADDR,	/* an address: "0x..."; 16 digits, unprefixed, in the table */
	PFK_COUNT,	/* a number of pages */
	PFK_BOOL,	/* a fact, true or false, or unknown */
	PFK_NUM,	/* a small number, or unknown */
	PFK_HEX,	/* a 64-bit value as "0x...", or unknown */
	PFK_NAMES,	/* a kpageflags word by its bits' names, or unknown */
	PFK_PATH,	/* the mapping's path, escaped as the format needs */
	PFK_STATE,	/* the table's one word: present, swapped or none */
	PFK_LETTERS,	/* the table's letters, one per fact that has one */
	PFK_SWAP,	/* the table's TYPE:OFFSET, or unknown */
};

/* Which formats carry a field. */
#define PFO_TABLE	0x1
#define PFO_CSV		0x2
#define PFO_JSON	0x4
#define PFO_JSON_RUNS	0x8	/* in JSON only when the rows are runs */

struct page_field {
	const char	*name;		/* CSV header and JSON key */
	const char	*header;	/* table header */
	enum pfield_kind kind;
	unsigned int	 in;		/* PFO_* */
	int		 width;		/* table width, negative: left-aligned */
	char		 letter;	/* its letter among PFK_LETTERS, or 0 */
	int		 slot;		/* the letter's place there */
};

extern const struct page_field page_fields[PFLD_COUNT];

/* How many letters PFK_LETTERS shows. */
#define PFIELD_NLETTERS	7

/* One row: a page, or a run by its first page, decoded once for every field. */
struct page_row {
	const struct maps_entry	*e;
	uint64_t		 addr;
	uint64_t		 npages;
	uint64_t		 pm;	/* the raw pagemap word */
	uint64_t		 word;	/* the flags word (pageflags_word) */
	struct page_facts	 f;
};

/*
 * The value of field id in r into *v: true when it is known, false when it
 * is unknown (JSON null, an empty CSV field, '-' or '?' in the table) or the
 * field has no single value (PFK_PATH and the table's composites).
 */
bool	pfield_value(const struct page_row *r, int id, uint64_t *v);

/* The table's letters into buf (PFIELD_NLETTERS + 1 bytes): letter, '.' or '?'. */
void	pfield_letters(const struct page_row *r, char *buf);

/* The table's State word. */
const char *pfield_state(const struct page_row *r);

#endif
