/* out_map.h - the page map (--map): strips, their legend, or their buckets in JSON */
#ifndef PMSTAT_OUT_MAP_H
#define PMSTAT_OUT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "maps.h"
#include "stats.h"
#include "strip.h"

/* Mappings smaller than this are folded into one line unless -v. */
#define MAP_FOLD_BELOW	(64 * 1024)

/* How the map is drawn: decided once, by pmstat.c, from options and the terminal. */
struct map_style {
	size_t	width;		/* the line's width (JSON: buckets per row) */
	size_t	rows;		/* rows a mapping may take */
	bool	utf8;		/* Unicode glyphs; else ASCII */
	bool	color;		/* SGR colours */
	bool	all;		/* -v: no folding */
	bool	json;
};

struct map_out {
	FILE		*fp;
	struct map_style st;
	size_t		 page_size;
	bool		 privileged;	/* the kpage files were read */
	bool		 scan;		/* PAGEMAP_SCAN answers */
	size_t		 cells;		/* buckets per row */
	bool		 narrow;	/* the strip has rows of its own */
	/* the process being written */
	size_t		 nprocs;
	size_t		 nmappings;
	size_t		 folded;	/* mappings under MAP_FOLD_BELOW not drawn */
	uint64_t	 folded_bytes;
	uint64_t	 folded_present;	/* pages */
};

/* Set up m; the layout (cells, narrow) follows from st. */
void	map_out_init(struct map_out *m, FILE *fp, const struct map_style *st,
	    size_t page_size, bool privileged, bool scan);

/* The most buckets a strip can have: what strip_init() must make room for. */
size_t	map_out_buckets(const struct map_out *m);

/* Writers; each returns 0, or -1 on a write error (or -ENOMEM in JSON). */
int	map_out_begin(struct map_out *m);
int	map_out_process_begin(struct map_out *m, int pid, const char *comm);
/* A mapping with its counts and its finished strip. */
int	map_out_mapping(struct map_out *m, const struct maps_entry *e,
	    const struct counts *c, const struct strip *s);
/* totals is NULL when error is set. */
int	map_out_process_end(struct map_out *m, const struct counts *totals,
	    const char *error);
int	map_out_end(struct map_out *m);

/* The glyph of a cell: UTF-8 or ASCII, whole or mixed. */
const char *map_glyph(enum strip_state st, bool mixed, bool utf8);

/*
 * Whether the locale the environment names is UTF-8: the first set of
 * LC_ALL, LC_CTYPE and LANG, as setlocale() would choose, ends in a
 * UTF-8 codeset. Pure: env is getenv or a test's stand-in.
 */
bool	map_locale_utf8(char *(*env)(const char *));

#endif
