/* cli.h - the command line, parsed into one struct and nothing else */
#ifndef PMSTAT_CLI_H
#define PMSTAT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "columns.h"
#include "pageflags.h"
#include "procsel.h"
#include "sortkey.h"

enum out_format { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_PROMETHEUS };
#define FMT_BIT(f)	(1u << (f))
enum out_unit { UNIT_KB, UNIT_PAGES, UNIT_BYTES, UNIT_HUMAN };
/* --pages: off; runs for the table and every page for CSV/JSON; or forced. */
enum pages_mode { PAGES_OFF, PAGES_DEFAULT, PAGES_ALL, PAGES_RUNS };
enum summary_mode { SUMMARY_OFF, SUMMARY_PROCESS, SUMMARY_MAPPING };
/* --by: what one row stands for. */
enum by_mode { BY_MAPPING, BY_PROCESS, BY_PATH, BY_USER };
/* --color, as ls spells it. */
enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

#define MAP_WIDTH_MIN	10
#define MAP_WIDTH_MAX	1000
#define MAP_ROWS_MAX	100

#define SORT_MAX	16

struct options {
	int		*pids;		/* named: -p and arguments */
	size_t		 npids;
	struct procsel	 sel;		/* --all, --tree, -C, -u */
	enum by_mode	 by;		/* --by, or the selection's default */
	bool		 by_given;	/* --by was written */
	struct sort_key	 sort[SORT_MAX];	/* --sort */
	size_t		 nsort;
	bool		 family;	/* --family, or --tree */
	enum out_format	 format;
	unsigned int	 formats;	/* FMT_BIT()s of the format options written */
	enum out_unit	 unit;
	bool		 unit_given;	/* -U was written */
	enum pages_mode	 pages;		/* --pages */
	enum summary_mode summary;	/* --summary */
	struct flag_filter filter;	/* --flags */
	bool		 no_headers;
	bool		 wide;		/* -w: the table's paths are never cut */
	enum col_level	 level;		/* -x, -X: the table's columns */
	bool		 no_kpage;
	bool		 no_scan;
	bool		 full_join;	/* read every kpage word, needed or not */
	bool		 freeze;	/* --freeze: SIGSTOP each target while read */
	bool		 have_range;
	uint64_t	 range_start;	/* bytes, page aligned */
	uint64_t	 range_end;	/* exclusive */
	int		 cols[COL_COUNT];
	size_t		 ncols;		/* 0: the format's default */
	bool		 map;		/* --map: a page map of each mapping */
	size_t		 map_width;	/* --width; 0: the terminal's */
	size_t		 map_rows;	/* --rows; 0: one */
	enum color_mode	 color;		/* --color */
	bool		 color_given;
	bool		 ascii;		/* --ascii */
	bool		 all_mappings;	/* -v: no folding of small mappings */
	uint64_t	 interval_ns;	/* -i: watch every so often; 0 once */
	uint64_t	 count;		/* --count: samples; 0 until stopped */
	bool		 delta;		/* --delta: change since the last sample */
};

enum cli_result {
	CLI_OK = 0,
	CLI_HELP,
	CLI_VERSION,
	CLI_USAGE,	/* message in err */
	CLI_NOMEM,
};

/*
 * Parse argv into o (zeroed first). page_size rounds --range to pages.
 * On CLI_USAGE, err holds a one-line message without the program name.
 */
enum cli_result	cli_parse(int argc, char **argv, size_t page_size,
		    struct options *o, char *err, size_t errlen);

/* Parse a PID ("1234" or "/proc/1234"); returns it, or 0 with err set. */
int	cli_parse_pid(const char *s, char *err, size_t errlen);

/* Parse "START[-END]" (hex, 0x optional); returns 0 or -1 with err set. */
int	cli_parse_range(const char *s, size_t page_size, uint64_t *start,
	    uint64_t *end, char *err, size_t errlen);

/* Longest --interval: a day, in seconds. */
#define CLI_INTERVAL_MAX	86400

/*
 * Parse --interval: decimal seconds, fractions allowed ("0.2", "1.5"), above
 * 0 and at most CLI_INTERVAL_MAX. Returns 0 and *ns, or -1 with err set.
 */
int	cli_parse_interval(const char *s, uint64_t *ns, char *err, size_t errlen);

/* Print --help to fp; returns what the write did (0 or -1). */
int	cli_usage(FILE *fp);

void	cli_free(struct options *o);

#endif
