/* out_table.c - the aligned table, for people */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "output.h"
#include "rollup.h"

/*
 * Wide enough for typical values, no wider, so that the default table fits
 * 80 columns with room for a path: 7, as pmap -x has it, is 9.5 GiB of one
 * mapping in kB, 38 GiB in pages. A larger number is printed whole and
 * pushes the rest of its row to the right.
 */
static int
counter_width(const struct output *out)
{
	switch (out->opts->unit) {
	case UNIT_BYTES:
		return 12;
	case UNIT_HUMAN:
		return 6;
	default:
		return 7;
	}
}

static int
col_width_of(const struct output *out, int id)
{
	const struct column *col = &columns[id];
	int w;

	switch (col->kind) {
	case COLK_ADDR:
		w = 16;
		break;
	case COLK_PERMS:
		w = 4;
		break;
	case COLK_HEX:
	case COLK_INODE:
		w = 8;
		break;
	case COLK_DEV:
		w = 5;
		break;
	case COLK_COUNTER:
		/*
		 * The virtual size is not bounded by memory: reservations of
		 * tens of GiB are common (a JVM's heap, a Go runtime's arenas).
		 */
		w = counter_width(out) + (col->counter == CTR_PAGES ? 2 : 0);
		/* PSS in pages has two decimals. */
		if (col->counter == CTR_PSS && out->opts->unit == UNIT_PAGES)
			w += 3;
		break;
	default:
		w = 0;
		break;
	}
	return (int)strlen(col->header) > w ? (int)strlen(col->header) : w;
}

/* Every row asks, for every cell: worked out once, in table_begin(). */
static int
col_width(const struct output *out, int id)
{
	return out->width[id];
}

/*
 * A row is built in memory and written at once: with tens of thousands of
 * mappings, a printf per cell costs more than reading the pages.
 */
struct row {
	const struct output	*out;
	size_t			 len;
	size_t			 width;	/* columns written, flushed or not */
	char			 buf[1024];
};

static int
row_flush(struct row *r)
{
	if (r->len > 0 && fwrite(r->buf, 1, r->len, r->out->fp) != r->len)
		return -1;
	r->len = 0;
	return 0;
}

static int
row_put(struct row *r, const char *s, size_t n)
{
	/* Every byte is one column: the table is ASCII, paths escaped by vis. */
	r->width += n;
	if (r->len + n > sizeof(r->buf) && row_flush(r) != 0)
		return -1;
	if (n > sizeof(r->buf))
		return fwrite(s, 1, n, r->out->fp) == n ? 0 : -1;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	return 0;
}

static int
row_pad(struct row *r, size_t n)
{
	static const char spaces[32] = "                                ";

	for (size_t k; n > 0; n -= k) {
		k = n < sizeof(spaces) ? n : sizeof(spaces);
		if (row_put(r, spaces, k) != 0)
			return -1;
	}
	return 0;
}

/* One cell: strings left-aligned, numbers right-aligned, paths unpadded. */
static int
cell(struct row *r, size_t i, const char *s, bool left)
{
	const struct output *out = r->out;
	size_t n = strlen(s), w = (size_t)col_width(out, out->cols[i]);
	size_t pad = out->cols[i] != COL_PATH && w > n ? w - n : 0;
	size_t all = (i > 0) + pad + n;

	/*
	 * Written in place when it fits the buffer, as nearly every cell
	 * does: a million cells (50,000 rows) made this the table's cost.
	 */
	if (all <= sizeof(r->buf) &&
	    (r->len + all <= sizeof(r->buf) || row_flush(r) == 0)) {
		char *p = r->buf + r->len;

		if (i > 0)
			*p++ = ' ';
		if (!left) {
			memset(p, ' ', pad);
			p += pad;
		}
		memcpy(p, s, n);
		p += n;
		if (left)
			memset(p, ' ', pad);
		r->len += all;
		r->width += all;
		return 0;
	}
	if ((i > 0 && row_put(r, " ", 1) != 0) ||
	    (!left && row_pad(r, pad) != 0) || row_put(r, s, n) != 0 ||
	    (left && row_pad(r, pad) != 0))
		return -1;
	return 0;
}

/* What a cut path starts with; maps never gives a path that does. */
#define PATH_MARK	"..."
#define PATH_MARK_LEN	(sizeof(PATH_MARK) - 1)

/*
 * The path cell, cut to the table's width: the front goes, so the file
 * name and a " (deleted)" stay, and PATH_MARK says something went. Only the
 * path is ever cut; the cells after it (-o can put some there) keep their
 * room, and if the numbers alone are wider than the terminal the line is
 * longer, with at least the mark of the path.
 */
static int
path_cell(struct row *r, size_t i, const char *safe)
{
	const struct output *out = r->out;
	size_t n = strlen(safe), used, skip;

	if (i > 0 && row_put(r, " ", 1) != 0)
		return -1;
	if (out->max_width == 0)
		return row_put(r, safe, n);
	used = r->width;
	for (size_t k = i + 1; k < out->ncols; k++)
		used += 1 + (size_t)col_width(out, out->cols[k]);
	if (used + n <= out->max_width || n <= PATH_MARK_LEN)
		return row_put(r, safe, n);
	skip = used + PATH_MARK_LEN < out->max_width ? escape_vis_cut(safe, n,
	    out->max_width - used - PATH_MARK_LEN) : n;
	if (row_put(r, PATH_MARK, PATH_MARK_LEN) != 0 ||
	    row_put(r, safe + skip, n - skip) != 0)
		return -1;
	return 0;
}

static int
row_end(struct row *r)
{
	return row_put(r, "\n", 1) == 0 && row_flush(r) == 0 ? 0 : -1;
}

static int	table_page_header(struct output *out);

/*
 * A watch's sample starts with its time, in UTC (ISO 8601, to the
 * millisecond), after a blank line from the last: a sample of changes says
 * so, the first one (absolute) does not.
 */
static int
table_time(struct output *out)
{
	time_t sec = (time_t)out->time;
	struct tm tm;
	char when[32];
	int ms = (int)((out->time - (double)sec) * 1000);

	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	return fprintf(out->fp, "%stime: %s.%03dZ%s\n", out->sample > 1 ? "\n" : "",
	    when, ms > 999 ? 999 : ms, out->delta ? " (change since the last "
	    "sample)" : "") < 0 ? -1 : 0;
}

static int
table_begin(struct output *out)
{
	for (int id = 0; id < COL_COUNT; id++)
		out->width[id] = col_width_of(out, id);
	return out->watch ? table_time(out) : 0;
}

static int
table_process_begin(struct output *out, int pid, const char *comm)
{
	out->pid = pid;
	out->comm = comm;
	out->nitems = 0;
	out->heading_done = false;
	return 0;
}

/*
 * The "PID: comm" line and the column header, before the first row of a
 * process or its totals: a process that could not be read at all gets its
 * one line on stderr and nothing here.
 */
static int
table_heading(struct output *out)
{
	char *safe;
	struct row row = { .out = out };
	int r;

	if (out->heading_done)
		return 0;
	out->heading_done = true;
	if ((safe = escape_vis(out->comm ? out->comm : "")) == NULL)
		return -1;
	if (out->nprocs++ > 0 && putc('\n', out->fp) == EOF) {
		free(safe);
		return -1;
	}
	r = fprintf(out->fp, "%d:   %s\n", out->pid, safe);
	free(safe);
	if (r < 0)
		return -1;
	if (out->opts->no_headers)
		return 0;
	if (out->opts->pages != PAGES_OFF)
		return table_page_header(out);
	if (out->opts->summary != SUMMARY_OFF)
		return 0;
	for (size_t i = 0; i < out->ncols; i++) {
		const struct column *col = &columns[out->cols[i]];
		if (cell(&row, i, col->header, col->kind != COLK_COUNTER) < 0)
			return -1;
	}
	return row_end(&row);
}

static int
format_field(const struct output *out, const struct maps_entry *e,
    const struct counts *c, int id, char *buf, size_t len)
{
	const struct column *col = &columns[id];

	switch (col->kind) {
	case COLK_ADDR:
		output_fmt_hex(buf, id == COL_START ? e->start : e->end, 16);
		break;
	case COLK_PERMS:
		strlcpy(buf, e->perms, len);
		break;
	case COLK_HEX:
		output_fmt_hex(buf, e->offset, 8);
		break;
	case COLK_DEV: {
		size_t n = output_fmt_hex(buf, e->dev_major, 2);

		/* Majors and minors fit 12 and 20 bits: 9 bytes at most. */
		buf[n++] = ':';
		output_fmt_hex(buf + n, e->dev_minor, 2);
		break;
	}
	case COLK_INODE:
		output_fmt_u64(buf, e->inode);
		break;
	case COLK_COUNTER:
		output_format_counter(out, c, col->counter, buf, len);
		break;
	default:
		return -1;
	}
	return 0;
}

static int
table_row(struct output *out, const struct maps_entry *e, const struct counts *c)
{
	struct row row = { .out = out };
	char buf[64];
	bool labelled = false;

	for (size_t i = 0; i < out->ncols; i++) {
		int id = out->cols[i];
		int r;

		if (id == COL_PATH) {
			char *safe = NULL;

			if (e == NULL)
				continue;
			/* Most paths are plain: no copy for each row. */
			if (!escape_vis_plain(e->path, e->path_len) &&
			    (safe = escape_vis(e->path)) == NULL)
				return -1;
			r = path_cell(&row, i, safe != NULL ? safe : e->path);
			free(safe);
		} else if (e == NULL && columns[id].kind != COLK_COUNTER) {
			/* The first text cell names the row. */
			r = cell(&row, i, labelled ? "" : "total", true);
			labelled = true;
		} else {
			format_field(out, e, c, id, buf, sizeof(buf));
			r = cell(&row, i, buf, columns[id].kind != COLK_COUNTER);
		}
		if (r < 0)
			return -1;
	}
	/* Only counters chosen: the label goes last, no number is hidden. */
	if (e == NULL && !labelled && row_put(&row, " total", 6) != 0)
		return -1;
	return row_end(&row);
}

static int
table_mapping(struct output *out, const struct maps_entry *e,
    const struct counts *c)
{
	if (table_heading(out) != 0)
		return -1;
	out->nitems++;
	return table_row(out, e, c);
}

/*
 * One cell of a page row or header: numbers right-aligned, words left, to
 * the width of pagefields.c; a ragged cell (names, the path) unpadded.
 */
static int
page_cell(struct row *r, int id, const char *s, bool ragged)
{
	const struct page_field *pf = &page_fields[id];
	size_t n = strlen(s), w = (size_t)abs(pf->width);
	size_t pad = !ragged && w > n ? w - n : 0;

	if ((id > 0 && row_put(r, " ", 1) != 0) ||
	    (pf->width > 0 && row_pad(r, pad) != 0) || row_put(r, s, n) != 0 ||
	    (pf->width < 0 && row_pad(r, pad) != 0))
		return -1;
	return 0;
}

static int
table_page_header(struct output *out)
{
	struct row row = { .out = out };

	for (int id = 0; id < PFLD_COUNT; id++)
		if ((page_fields[id].in & PFO_TABLE) && page_cell(&row, id,
		    page_fields[id].header, page_fields[id].kind == PFK_PATH) < 0)
			return -1;
	return row_end(&row);
}

/* The kpageflags names, or "-" for none or unknown: written past the row. */
static int
page_names(struct row *row, const struct page_row *r)
{
	uint64_t v;

	if (row_put(row, " ", 1) != 0)
		return -1;
	if (!pfield_value(r, PFLD_KPAGEFLAGS, &v) || v == 0)
		return row_put(row, "-", 1);
	return row_flush(row) == 0 &&
	    output_flag_names(row->out->fp, v, ",") == 0 ? 0 : -1;
}

/* The text of a padded cell of a page row into buf; "-" when unknown. */
static void
page_text(const struct page_row *r, int id, char *buf, size_t len)
{
	uint64_t v;
	bool known = pfield_value(r, id, &v);

	switch (page_fields[id].kind) {
	case PFK_ADDR:
		output_fmt_hex(buf, v, 16);
		return;
	case PFK_STATE:
		snprintf(buf, len, "%s", pfield_state(r));
		return;
	case PFK_LETTERS:
		if (len > PFIELD_NLETTERS)
			pfield_letters(r, buf);
		return;
	case PFK_SWAP:
		if (r->f.have_swap)
			snprintf(buf, len, "%u:0x%" PRIx64, r->f.swap_type,
			    r->f.swap_offset);
		else
			snprintf(buf, len, "-");
		return;
	default:
		break;
	}
	if (!known)
		snprintf(buf, len, "-");
	else if (page_fields[id].kind == PFK_HEX)
		snprintf(buf, len, "0x%" PRIx64, v);
	else if (len >= 21)
		output_fmt_u64(buf, v);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static int
table_page(struct output *out, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, uint64_t npages,
    const struct page_obs *o)
{
	struct row row = { .out = out };
	struct page_row r;
	char buf[48];

	if (table_heading(out) != 0)
		return -1;
	output_page_row(out, e, kind, addr, npages, o, &r);
	for (int id = 0; id < PFLD_COUNT; id++) {
		int rc;

		if (!(page_fields[id].in & PFO_TABLE))
			continue;
		if (page_fields[id].kind == PFK_NAMES)
			rc = page_names(&row, &r);
		else if (page_fields[id].kind == PFK_PATH) {
			char *safe = escape_vis(e->path);

			if (safe == NULL)
				return -1;
			rc = page_cell(&row, id, safe, true);
			free(safe);
		} else {
			page_text(&r, id, buf, sizeof(buf));
			rc = page_cell(&row, id, buf, false);
		}
		if (rc < 0)
			return -1;
	}
	return row_end(&row);
}

/* Under a mapping's own line when per mapping; the largest count first. */
static int
table_summary(struct output *out, const struct maps_entry *e,
    const struct summary_entry *s, size_t n)
{
	const char *indent = e ? "  " : "";
	uint64_t total = 0;

	if (table_heading(out) != 0)
		return -1;
	if (e != NULL) {
		char *safe = escape_vis(e->path);
		int r;

		if (safe == NULL)
			return -1;
		r = fprintf(out->fp, "%016" PRIx64 "-%016" PRIx64 " %s %s\n",
		    e->start, e->end, e->perms, safe);
		free(safe);
		if (r < 0)
			return -1;
	}
	if (!out->opts->no_headers && (e == NULL || out->nitems++ == 0) &&
	    fprintf(out->fp, "%s%-18s %10s %10s  %s\n", indent, "Flags", "Pages",
	    "Size", "Names") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct counts c = { .known = CTR_ALL };
		char size[32];

		c.v[CTR_PAGES] = s[i].pages;
		total += s[i].pages;
		output_format_counter(out, &c, CTR_PAGES, size, sizeof(size));
		if (fprintf(out->fp, "%s0x%016" PRIx64 " %10" PRIu64 " %10s  ",
		    indent, s[i].flags, s[i].pages, size) < 0 ||
		    (s[i].flags == 0 ? fputs("-", out->fp) < 0 :
		    output_flag_names(out->fp, s[i].flags, ",") < 0) ||
		    putc('\n', out->fp) == EOF)
			return -1;
	}
	if (e == NULL && !out->opts->no_headers) {
		struct counts c = { .known = CTR_ALL };
		char size[32];

		c.v[CTR_PAGES] = total;
		output_format_counter(out, &c, CTR_PAGES, size, sizeof(size));
		return fprintf(out->fp, "%-18s %10" PRIu64 " %10s\n", "total", total,
		    size) < 0 ? -1 : 0;
	}
	return 0;
}

static int
table_process_end(struct output *out, const struct counts *totals,
    const char *error)
{
	if (error != NULL)
		return 0;
	if (table_heading(out) != 0)
		return -1;
	if (out->opts->pages != PAGES_OFF ||
	    out->opts->summary != SUMMARY_OFF || out->opts->no_headers)
		return 0;
	return table_row(out, NULL, totals);
}

/* The cells that name a row of --by process, path or user, before its counters. */
static int
row_keys(struct row *r, const struct rollup_row *row, bool header)
{
	char buf[64];
	int n;

	switch (r->out->opts->by) {
	case BY_PROCESS:
		if (header)
			n = snprintf(buf, sizeof(buf), "%7s %7s %-8s", "PID",
			    "PPID", "User");
		else if (row == NULL)
			n = snprintf(buf, sizeof(buf), "%-24s", "total");
		else if (row->ppid < 0)
			n = snprintf(buf, sizeof(buf), "%7d %7s %-8s", row->pid,
			    "-", row->user);
		else
			n = snprintf(buf, sizeof(buf), "%7d %7d %-8s", row->pid,
			    row->ppid, row->user);
		break;
	case BY_USER:
		if (header)
			n = snprintf(buf, sizeof(buf), "%-8s %5s", "User", "Procs");
		else if (row == NULL)
			n = snprintf(buf, sizeof(buf), "%-14s", "total");
		else
			n = snprintf(buf, sizeof(buf), "%-8s %5u", row->user,
			    row->nprocs);
		break;
	default:
		if (header)
			n = snprintf(buf, sizeof(buf), "%5s %6s", "Procs", "Maps");
		else if (row == NULL)
			n = snprintf(buf, sizeof(buf), "%-12s", "total");
		else
			n = snprintf(buf, sizeof(buf), "%5u %6" PRIu64, row->nprocs,
			    row->nmappings);
		break;
	}
	return n < 0 ? -1 : row_put(r, buf, (size_t)n);
}

/* Counters as in the mapping table, then comm or path, which may be long. */
static int
table_rollup_line(struct output *out, const struct rollup_row *row,
    const struct counts *c, bool header)
{
	struct row r = { .out = out };
	const char *name = NULL;
	char buf[64];
	char *safe = NULL;
	int ret;

	if (row_keys(&r, row, header) != 0)
		return -1;
	for (size_t i = 0; i < out->ncols; i++) {
		const struct column *col = &columns[out->cols[i]];
		size_t w = (size_t)col_width(out, out->cols[i]);
		const char *s = col->header;
		size_t n;

		if (col->kind != COLK_COUNTER)
			continue;
		if (!header) {
			output_format_counter(out, c, col->counter, buf, sizeof(buf));
			s = buf;
		}
		n = strlen(s);
		if (row_put(&r, " ", 1) != 0 || row_pad(&r, w > n ? w - n : 0) != 0 ||
		    row_put(&r, s, n) != 0)
			return -1;
	}
	if (header)
		name = out->opts->by == BY_PROCESS ? "Comm" :
		    out->opts->by == BY_PATH ? "Path" : NULL;
	else if (row != NULL)
		name = out->opts->by == BY_PROCESS ? (row->comm ? row->comm : "") :
		    out->opts->by == BY_PATH ? row->path : NULL;
	if (name != NULL) {
		/* Last, and cut to the terminal as the mapping table's paths are. */
		if ((safe = escape_vis(name)) == NULL)
			return -1;
		ret = path_cell(&r, out->ncols, safe);
		free(safe);
		if (ret != 0)
			return -1;
	}
	return row_end(&r);
}

static int
table_row_of(struct output *out, const struct rollup_row *row)
{
	/* A process that could not be read said so on stderr. */
	if (row->error != NULL)
		return 0;
	if (!out->header_done && !out->opts->no_headers &&
	    table_rollup_line(out, NULL, NULL, true) != 0)
		return -1;
	out->header_done = true;
	return table_rollup_line(out, row, &row->c, false);
}

static int
table_rows_end(struct output *out, const struct counts *totals)
{
	if (totals == NULL || out->opts->no_headers)
		return 0;
	if (!out->header_done && table_rollup_line(out, NULL, NULL, true) != 0)
		return -1;
	out->header_done = true;
	return table_rollup_line(out, NULL, totals, false);
}

/*
 * The family on a line of its own: its counters are not the columns'. By
 * PFN when exact; else only the sum of the members' PSS can be told.
 */
static int
table_family(struct output *out, const struct family_view *f)
{
	struct counts c = { .known = CTR_ALL };
	char v[4][32], pss[32] = "-", root[32] = "";

	if (f == NULL)
		return 0;
	if (f->root)
		snprintf(root, sizeof(root), " of %d", f->root);
	c.v[CTR_PSS] = f->pss.v[CTR_PSS];
	c.known = f->pss.known;
	output_format_counter(out, &c, CTR_PSS, pss, sizeof(pss));
	if (out->nprocs > 0 || out->header_done)
		if (putc('\n', out->fp) == EOF)
			return -1;
	if (!f->exact)
		return fprintf(out->fp, "family%s: %u members, pss %s (%s)\n",
		    root, f->members, pss, f->why) < 0 ? -1 : 0;
	c.known = CTR_ALL;
	c.v[CTR_PAGES] = f->present;
	output_format_counter(out, &c, CTR_PAGES, v[0], sizeof(v[0]));
	c.v[CTR_PAGES] = f->anon;
	output_format_counter(out, &c, CTR_PAGES, v[1], sizeof(v[1]));
	c.v[CTR_PAGES] = f->cow_shared;
	output_format_counter(out, &c, CTR_PAGES, v[2], sizeof(v[2]));
	c.v[CTR_PAGES] = f->cow_exposure;
	output_format_counter(out, &c, CTR_PAGES, v[3], sizeof(v[3]));
	return fprintf(out->fp, "family%s: %u members, each page once: present %s, "
	    "anon %s, cow_shared %s, cow_exposure %s; pss %s\n", root, f->members,
	    v[0], v[1], v[2], v[3], pss) < 0 ? -1 : 0;
}

static int
table_end(struct output *out)
{
	(void)out;
	return 0;
}

const struct output_ops output_table_ops = {
	.begin = table_begin,
	.process_begin = table_process_begin,
	.mapping = table_mapping,
	.page = table_page,
	.summary = table_summary,
	.process_end = table_process_end,
	.row = table_row_of,
	.rows_end = table_rows_end,
	.family = table_family,
	.end = table_end,
};
