/* columns.h - the one table of per-mapping fields: -o, headers, CSV, JSON, help */
#ifndef PMSTAT_COLUMNS_H
#define PMSTAT_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

enum col_id {
	COL_START, COL_END, COL_PERMS, COL_OFFSET, COL_DEV, COL_INODE,
	COL_COUNTER0,				/* COL_COUNTER0 + CTR_x */
	COL_PATH = COL_COUNTER0 + CTR_COUNT,
	COL_COUNT
};

enum col_kind {
	COLK_ADDR,	/* hex address: "0x..." in JSON/CSV, padded in the table */
	COLK_PERMS,
	COLK_HEX,	/* file offset */
	COLK_DEV,	/* "major:minor" */
	COLK_INODE,
	COLK_COUNTER,	/* a page count, or PSS */
	COLK_PATH,
};

struct column {
	const char	*name;		/* -o key, CSV header and JSON key */
	const char	*header;	/* table header */
	enum col_kind	 kind;
	int		 counter;	/* CTR_x for COLK_COUNTER */
	bool		 table_default;
	const char	*help;
};

extern const struct column columns[COL_COUNT];

/* The column named name[0..len), or -1. */
int	col_lookup(const char *name, size_t len);

/*
 * Parse a comma-separated list of column names into ids (at most max).
 * Returns the number of ids, or -1 with *bad pointing at the unknown name.
 */
int	col_parse_list(const char *list, int *ids, size_t max, const char **bad);

/* The default column set for the table (n returned) or for CSV/JSON (all). */
size_t	col_defaults(int *ids, size_t max, bool table);

#endif
