/* columns.h - the one table of per-mapping fields: -o, headers, CSV, JSON, help */
#ifndef PMSTAT_COLUMNS_H
#define PMSTAT_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/*
 * The table's levels, pmap's habit (default, -x, -X): a column is in the
 * table of its level and of every level above it.
 */
enum col_level {
	COLV_DEFAULT,	/* the compact table: fits 80 columns */
	COLV_EXTENDED,	/* -x: every counter */
	COLV_ALL,	/* -X: every field, as CSV and JSON */
};

struct column {
	const char	*name;		/* -o key, CSV header and JSON key */
	const char	*header;	/* table header, also an -o key */
	enum col_kind	 kind;
	int		 counter;	/* CTR_x for COLK_COUNTER */
	enum col_level	 level;
	const char	*aliases;	/* more -o keys, comma-separated, or NULL */
	const char	*help;
};

extern const struct column columns[COL_COUNT];

/*
 * The column that name[0..len) names, or -1: its name, its header or one of
 * its aliases, in any case.
 */
int	col_lookup(const char *name, size_t len);

/*
 * Parse a comma-separated list of column names into ids (at most max).
 * Returns the number of ids, or -1 with *bad pointing at the unknown name.
 */
int	col_parse_list(const char *list, int *ids, size_t max, const char **bad);

/* The columns of level's table, in table order, into ids; their number. */
size_t	col_defaults(int *ids, size_t max, enum col_level level);

/* Write the --help listing of the columns; 0, or -1 on a write error. */
int	col_usage(FILE *fp);

#endif
