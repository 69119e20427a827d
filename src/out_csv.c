/* out_csv.c - RFC 4180 CSV: one header row, one row per mapping or page */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "escape.h"
#include "output.h"
#include "rollup.h"

static const char *const summary_fields[] = {
	"pid", "start", "flags", "pages", "names",
};

/* A watch's rows lead with the time of their sample. */
static int
lead(const struct output *out)
{
	if (!out->watch)
		return 0;
	return fprintf(out->fp, "%.6f,", out->time) < 0 ? -1 : 0;
}

static int
header(FILE *fp, const char *const *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fprintf(fp, "%s%s", i ? "," : "", f[i]) < 0)
			return -1;
	return fputs("\r\n", fp) < 0 ? -1 : 0;
}

/* The fields that name a row, before its counters: one line per --by. */
static const char *const row_key_fields[] = {
	[BY_MAPPING] = "pid",
	[BY_PROCESS] = "pid,ppid,uid,user,comm,cmdline",
	[BY_PATH] = "path,processes,mappings",
	[BY_USER] = "uid,user,processes",
};

static int
csv_begin(struct output *out)
{
	FILE *fp = out->fp;

	/* One header for the whole watch: its samples are one table. */
	if (out->opts->no_headers || out->sample > 1)
		return 0;
	if (out->watch && fputs("time,", fp) < 0)
		return -1;
	if (out->opts->pages != PAGES_OFF) {
		if (fputs("pid", fp) < 0)
			return -1;
		for (int id = 0; id < PFLD_COUNT; id++)
			if ((page_fields[id].in & PFO_CSV) &&
			    fprintf(fp, ",%s", page_fields[id].name) < 0)
				return -1;
		return fputs("\r\n", fp) < 0 ? -1 : 0;
	}
	if (out->opts->summary != SUMMARY_OFF)
		return header(fp, summary_fields,
		    sizeof(summary_fields) / sizeof(*summary_fields));
	if (fputs(row_key_fields[out->opts->by], fp) < 0)
		return -1;
	for (size_t i = 0; i < out->ncols; i++)
		if ((out->opts->by == BY_MAPPING ||
		    columns[out->cols[i]].kind == COLK_COUNTER) &&
		    fprintf(fp, ",%s", columns[out->cols[i]].name) < 0)
			return -1;
	return fputs("\r\n", fp) < 0 ? -1 : 0;
}

static int
csv_process_begin(struct output *out, int pid, const char *comm)
{
	(void)comm;
	out->pid = pid;
	out->nitems = 0;
	return 0;
}

static int
csv_field(struct output *out, const struct maps_entry *e,
    const struct counts *c, int id)
{
	const struct column *col = &columns[id];
	FILE *fp = out->fp;

	switch (col->kind) {
	case COLK_ADDR:
		return fprintf(fp, "0x%" PRIx64, id == COL_START ? e->start : e->end);
	case COLK_PERMS:
		return fputs(e->perms, fp);
	case COLK_HEX:
		return fprintf(fp, "0x%" PRIx64, e->offset);
	case COLK_DEV:
		return fprintf(fp, "%02x:%02x", e->dev_major, e->dev_minor);
	case COLK_INODE:
		return fprintf(fp, "%" PRIu64, e->inode);
	case COLK_COUNTER:
		if (!stats_is_known(c, col->counter))
			return 0;
		if (col->counter == CTR_PSS)
			return fprintf(fp, "%.3f", output_pss_pages(out, c));
		if (out->delta)
			return fprintf(fp, "%" PRId64, output_signed(c, col->counter));
		return fprintf(fp, "%" PRIu64, c->v[col->counter]);
	case COLK_PATH:
		return escape_csv_field(fp, e->path);
	}
	return -1;
}

static int
csv_mapping(struct output *out, const struct maps_entry *e,
    const struct counts *c)
{
	if (lead(out) < 0 || fprintf(out->fp, "%d", out->pid) < 0)
		return -1;
	for (size_t i = 0; i < out->ncols; i++)
		if (putc(',', out->fp) == EOF ||
		    csv_field(out, e, c, out->cols[i]) < 0)
			return -1;
	out->nitems++;
	return fputs("\r\n", out->fp) < 0 ? -1 : 0;
}

/* One field of a page row; nothing for an unknown value. */
static int
csv_page_field(FILE *fp, const struct page_row *r, int id)
{
	const struct page_field *pf = &page_fields[id];
	uint64_t v;

	if (pf->kind == PFK_PATH)
		return escape_csv_field(fp, r->e->path);
	if (!pfield_value(r, id, &v))
		return 0;
	switch (pf->kind) {
	case PFK_ADDR:
	case PFK_HEX:
		return fprintf(fp, "0x%" PRIx64, v);
	case PFK_COUNT:
	case PFK_NUM:
		return fprintf(fp, "%" PRIu64, v);
	case PFK_BOOL:
		return fputs(v ? "true" : "false", fp);
	case PFK_NAMES:
		return output_flag_names(fp, v, "|");
	default:
		return -1;
	}
}

static int
csv_page(struct output *out, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, uint64_t npages,
    const struct page_obs *o)
{
	FILE *fp = out->fp;
	struct page_row r;

	output_page_row(out, e, kind, addr, npages, o, &r);
	if (lead(out) < 0 || fprintf(fp, "%d", out->pid) < 0)
		return -1;
	for (int id = 0; id < PFLD_COUNT; id++)
		if ((page_fields[id].in & PFO_CSV) &&
		    (putc(',', fp) == EOF || csv_page_field(fp, &r, id) < 0))
			return -1;
	return fputs("\r\n", fp) < 0 ? -1 : 0;
}

static int
csv_summary(struct output *out, const struct maps_entry *e,
    const struct summary_entry *s, size_t n)
{
	FILE *fp = out->fp;

	/* A mapping with no page counted keeps a row: no word, no names, 0 pages. */
	if (e != NULL && n == 0)
		return lead(out) < 0 || fprintf(fp, "%d,0x%" PRIx64 ",,0,\r\n",
		    out->pid, e->start) < 0 ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		if (lead(out) < 0 || fprintf(fp, "%d,", out->pid) < 0 ||
		    (e && fprintf(fp, "0x%" PRIx64, e->start) < 0) ||
		    fprintf(fp, ",0x%" PRIx64 ",%" PRIu64 ",", s[i].flags,
		    s[i].pages) < 0 ||
		    output_flag_names(fp, s[i].flags, "|") < 0 ||
		    fputs("\r\n", fp) < 0)
			return -1;
	}
	return 0;
}

static int
csv_process_end(struct output *out, const struct counts *totals,
    const char *error)
{
	(void)out;
	(void)totals;
	(void)error;
	return 0;
}

/* A row of --by process, path or user; a process that failed has none. */
static int
csv_row(struct output *out, const struct rollup_row *row)
{
	FILE *fp = out->fp;
	int r;

	if (row->error != NULL)
		return 0;
	if (lead(out) < 0)
		return -1;
	switch (out->opts->by) {
	case BY_PROCESS:
		r = fprintf(fp, "%d,", row->pid) < 0 ||
		    (row->ppid >= 0 && fprintf(fp, "%d", row->ppid) < 0) ||
		    putc(',', fp) == EOF ||
		    (row->uid != (uid_t)-1 && fprintf(fp, "%u", (unsigned)row->uid) < 0) ||
		    putc(',', fp) == EOF ||
		    (row->uid != (uid_t)-1 && escape_csv_field(fp, row->user) < 0) ||
		    putc(',', fp) == EOF ||
		    escape_csv_field(fp, row->comm ? row->comm : "") < 0 ||
		    putc(',', fp) == EOF ||
		    escape_csv_field(fp, row->cmdline ? row->cmdline : "") < 0 ? -1 : 0;
		break;
	case BY_PATH:
		r = escape_csv_field(fp, row->path) < 0 ||
		    fprintf(fp, ",%u,%" PRIu64, row->nprocs, row->nmappings) < 0 ? -1 : 0;
		break;
	default:
		r = fprintf(fp, "%u,", (unsigned)row->uid) < 0 ||
		    escape_csv_field(fp, row->user) < 0 ||
		    fprintf(fp, ",%u", row->nprocs) < 0 ? -1 : 0;
		break;
	}
	if (r < 0)
		return -1;
	for (size_t i = 0; i < out->ncols; i++) {
		if (columns[out->cols[i]].kind != COLK_COUNTER)
			continue;
		if (putc(',', fp) == EOF ||
		    csv_field(out, NULL, &row->c, out->cols[i]) < 0)
			return -1;
	}
	return fputs("\r\n", fp) < 0 ? -1 : 0;
}

/* CSV is rows only: totals and the family are for the table and JSON. */
static int
csv_rows_end(struct output *out, const struct counts *totals)
{
	(void)out;
	(void)totals;
	return 0;
}

static int
csv_family(struct output *out, const struct family_view *f)
{
	(void)out;
	(void)f;
	return 0;
}

static int
csv_end(struct output *out)
{
	(void)out;
	return 0;
}

const struct output_ops output_csv_ops = {
	.begin = csv_begin,
	.process_begin = csv_process_begin,
	.mapping = csv_mapping,
	.page = csv_page,
	.summary = csv_summary,
	.process_end = csv_process_end,
	.row = csv_row,
	.rows_end = csv_rows_end,
	.family = csv_family,
	.end = csv_end,
};
