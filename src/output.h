/* output.h - rendering counts and pages as a table, CSV or JSON */
#ifndef PMSTAT_OUTPUT_H
#define PMSTAT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "maps.h"
#include "pagefacts.h"
#include "pagefields.h"
#include "stats.h"
#include "summary.h"

struct output;
struct procsel_skips;
struct rollup_row;

/* A family's pages counted once (--family, --tree), for the renderers. */
struct family_view {
	int		root;		/* the --tree PID, or 0 */
	unsigned int	members;	/* processes read to their end */
	bool		exact;		/* by PFN: the four counts below are known */
	const char	*why;		/* why not exact */
	uint64_t	present, anon, cow_shared, cow_exposure;	/* pages */
	struct counts	pss;		/* Σ of the members' totals */
};

/* The renderer of one format; every hook returns 0 or -1 on a write error. */
struct output_ops {
	int	(*begin)(struct output *out);
	int	(*process_begin)(struct output *out, int pid, const char *comm);
	int	(*mapping)(struct output *out, const struct maps_entry *e,
		    const struct counts *c);
	/*
	 * npages > 1: a run of pages in o's state (PFN, map count and swap
	 * entry of the first; the kpageflags bits that all of them have).
	 */
	int	(*page)(struct output *out, const struct maps_entry *e,
		    const struct mapping_kind *kind, uint64_t addr,
		    uint64_t npages, const struct page_obs *o);
	/* Pages per flags word, of a mapping (e) or of the process (e NULL). */
	int	(*summary)(struct output *out, const struct maps_entry *e,
		    const struct summary_entry *s, size_t n);
	/* totals is NULL when error is set. */
	int	(*process_end)(struct output *out, const struct counts *totals,
		    const char *error);
	/* --by process, path or user: one row, in sorted order. */
	int	(*row)(struct output *out, const struct rollup_row *row);
	/* After the rows: their totals (NULL when no process was read). */
	int	(*rows_end)(struct output *out, const struct counts *totals);
	/* --family: after the rows or the processes; NULL if no member was read. */
	int	(*family)(struct output *out, const struct family_view *f);
	int	(*end)(struct output *out);
	/* Free what the renderer kept (may be NULL), written or not. */
	void	(*release)(struct output *out);
};

struct output {
	const struct output_ops	*ops;
	FILE			*fp;
	const struct options	*opts;
	size_t			 page_size;
	bool			 privileged;	/* kpage files were read */
	bool			 pfn_visible;
	bool			 soft_dirty_known;
	bool			 scan;		/* PAGEMAP_SCAN answers */
	uint32_t		 from_smaps;	/* counters smaps may settle */
	const int		*cols;
	size_t			 ncols;
	size_t			 max_width;	/* table paths cut to it; 0 never */
	/*
	 * Prometheus: when the run began, what the selection left out, and
	 * the named processes that could not be read.
	 */
	struct timespec		 started;
	const struct procsel_skips *skips;
	const struct procsel_skips *named_failed;
	/* renderer state */
	void			*priv;		/* the renderer's own */
	int			 pid;
	const char		*comm;		/* the caller's, until process_end */
	bool			 heading_done;	/* "PID: comm" and header written */
	size_t			 nitems;	/* items written for this process */
	size_t			 nprocs;
	bool			 header_done;
	bool			 rows_closed;	/* JSON: the top array is closed */
	int			 width[COL_COUNT];	/* the table's column widths */
	/* A watch (--interval): which sample this is, and when it was taken. */
	bool			 watch;
	uint64_t		 sample;	/* 1 for the first */
	double			 time;		/* seconds since the epoch */
	bool			 delta;		/* counters are changes, signed */
};

/* Choose the renderer and columns for opts. */
void	output_init(struct output *out, FILE *fp, const struct options *opts,
	    size_t page_size, bool privileged, bool pfn_visible,
	    bool soft_dirty_known);

extern const struct output_ops output_table_ops;
extern const struct output_ops output_csv_ops;
extern const struct output_ops output_json_ops;
extern const struct output_ops output_prom_ops;

/* Free what the renderer kept; out may be used no more. */
void	output_release(struct output *out);

/*
 * Start sample number n (1 for the first) of a watch, taken at time (seconds
 * since the epoch), its counters changes when delta: the renderers' state of
 * the last sample is forgotten.
 */
void	output_sample(struct output *out, uint64_t n, double time, bool delta);

/* The signed value of counter ctr of c (changes of a watch may be negative). */
int64_t	output_signed(const struct counts *c, int ctr);

/* PSS in pages, signed where out shows changes. */
double	output_pss_pages(const struct output *out, const struct counts *c);

/* What this run can know of every page (for pagefacts_decode()). */
struct page_know output_page_know(const struct output *out);

/* The facts of page o of a mapping of this kind, as every renderer shows them. */
void	output_page_facts(const struct output *out,
	    const struct mapping_kind *kind, const struct page_obs *o,
	    struct page_facts *f);

/* One page row (a run: its first page, npages long), decoded for the fields. */
void	output_page_row(const struct output *out, const struct maps_entry *e,
	    const struct mapping_kind *kind, uint64_t addr, uint64_t npages,
	    const struct page_obs *o, struct page_row *r);

/* v in decimal into buf (at least 21 bytes), NUL-terminated; its length. */
size_t	output_fmt_u64(char *buf, uint64_t v);
/*
 * v in hex, at least min (at most 16) digits, zero-padded, as "%0*x" prints
 * it: printf's cost shows on every field of tens of thousands of rows. buf
 * holds 17 bytes; returns the digits written.
 */
size_t	output_fmt_hex(char *buf, uint64_t v, int min);

/*
 * Format a counter column for the table in the chosen unit into buf; "-" when
 * the counter is unknown.
 */
void	output_format_counter(const struct output *out, const struct counts *c,
	    int ctr, char *buf, size_t len);

/* Write the names of a flags word's bits joined by sep; returns 0 or -1. */
int	output_flag_names(FILE *fp, uint64_t flags, const char *sep);

/* What --pages shows: runs of pages, or every page. */
bool	output_runs(const struct output *out);

#endif
