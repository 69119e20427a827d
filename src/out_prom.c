/*
 * out_prom.c - the Prometheus text exposition format (0.0.4): one gauge per
 * counter, in bytes, a sample per row. The format wants every sample of a
 * metric under its one # HELP and # TYPE, while the rows arrive a process or
 * a mapping at a time: so the rows are kept (their labels already escaped,
 * and their counters) and the whole exposition is written at the end.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "output.h"
#include "procsel.h"
#include "rollup.h"

/* One labelled set of counters: a mapping, a process, a path or a user. */
struct prom_row {
	char		*labels;	/* `name="value",...`, escaped */
	struct counts	 c;
};

struct prom {
	struct prom_row	*rows;
	size_t		 n, cap;
	char		*proc_labels;	/* --by mapping: the process's pid and comm */
	size_t		 proc_first;	/* its first row */
	bool		 have_family;
	struct family_view family;
};

/* A label list of up to four name/value pairs; values raw, escaped here. */
struct prom_label {
	const char	*name;
	const char	*value;
	size_t		 len;
};

static char *
labels_of(const struct prom_label *l, size_t n)
{
	char *esc[4] = { NULL }, *out = NULL;
	size_t len = 1;

	for (size_t i = 0; i < n && i < 4; i++) {
		if ((esc[i] = escape_prom_label(l[i].value, l[i].len)) == NULL)
			goto out;
		len += strlen(l[i].name) + strlen(esc[i]) + 4;
	}
	if ((out = malloc(len)) == NULL)
		goto out;
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 4; i++) {
		if (i > 0)
			strlcat(out, ",", len);
		strlcat(out, l[i].name, len);
		strlcat(out, "=\"", len);
		strlcat(out, esc[i], len);
		strlcat(out, "\"", len);
	}
out:
	for (size_t i = 0; i < 4; i++)
		free(esc[i]);
	return out;
}

/* Keep a row; labels is taken over (freed on failure). Returns 0 or -1. */
static int
add_row(struct prom *p, char *labels, const struct counts *c)
{
	if (labels == NULL)
		return -1;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct prom_row *r = reallocarray(p->rows, cap, sizeof(*r));

		if (r == NULL) {
			free(labels);
			return -1;
		}
		p->rows = r;
		p->cap = cap;
	}
	p->rows[p->n++] = (struct prom_row){ .labels = labels, .c = *c };
	return 0;
}

static void
drop_rows(struct prom *p, size_t from)
{
	while (p->n > from)
		free(p->rows[--p->n].labels);
}

static int
prom_begin(struct output *out)
{
	if ((out->priv = calloc(1, sizeof(struct prom))) == NULL)
		return -1;
	return 0;
}

static int
prom_process_begin(struct output *out, int pid, const char *comm)
{
	struct prom *p = out->priv;
	char spid[16];

	snprintf(spid, sizeof(spid), "%d", pid);
	free(p->proc_labels);
	p->proc_labels = labels_of((struct prom_label[]){
		{ .name = "pid", .value = spid, .len = strlen(spid) },
		{ .name = "comm", .value = comm ? comm : "",
		    .len = comm ? strlen(comm) : 0 },
	}, 2);
	p->proc_first = p->n;
	return p->proc_labels == NULL ? -1 : 0;
}

static int
prom_mapping(struct output *out, const struct maps_entry *e,
    const struct counts *c)
{
	struct prom *p = out->priv;
	char start[24], *rest, *labels;
	size_t len;

	snprintf(start, sizeof(start), "0x%" PRIx64, e->start);
	if ((rest = labels_of((struct prom_label[]){
		{ .name = "start", .value = start, .len = strlen(start) },
		{ .name = "path", .value = e->path, .len = e->path_len },
	}, 2)) == NULL)
		return -1;
	len = strlen(p->proc_labels) + strlen(rest) + 2;
	if ((labels = malloc(len)) != NULL)
		snprintf(labels, len, "%s,%s", p->proc_labels, rest);
	free(rest);
	return add_row(p, labels, c);
}

/* A process that failed half-way leaves no mappings: partial is not whole. */
static int
prom_process_end(struct output *out, const struct counts *totals,
    const char *error)
{
	struct prom *p = out->priv;

	(void)totals;
	if (error != NULL)
		drop_rows(p, p->proc_first);
	return 0;
}

static int
prom_row(struct output *out, const struct rollup_row *row)
{
	struct prom *p = out->priv;
	char spid[16];
	const char *comm = row->comm ? row->comm : "";

	/* A process that could not be read has nothing to export. */
	if (row->error != NULL)
		return 0;
	switch (out->opts->by) {
	case BY_PROCESS:
		snprintf(spid, sizeof(spid), "%d", row->pid);
		return add_row(p, labels_of((struct prom_label[]){
			{ .name = "pid", .value = spid, .len = strlen(spid) },
			{ .name = "comm", .value = comm, .len = strlen(comm) },
		}, 2), &row->c);
	case BY_PATH:
		return add_row(p, labels_of((struct prom_label[]){
			{ .name = "path", .value = row->path,
			    .len = strlen(row->path) },
		}, 1), &row->c);
	default:
		return add_row(p, labels_of((struct prom_label[]){
			{ .name = "user", .value = row->user,
			    .len = strlen(row->user) },
		}, 1), &row->c);
	}
}

/* PromQL's sum() makes totals of the rows: the exposition has none. */
static int
prom_rows_end(struct output *out, const struct counts *totals)
{
	(void)out;
	(void)totals;
	return 0;
}

static int
prom_family(struct output *out, const struct family_view *f)
{
	struct prom *p = out->priv;

	if (f != NULL) {
		p->have_family = true;
		p->family = *f;
	}
	return 0;
}

/*
 * A value in bytes: pages times the page size, or PSS's fixed point times
 * the page size, exactly where it is a whole number of bytes, else as the
 * shortest of %.15g and %.17g that reads back as the same double.
 */
static int
write_value(FILE *fp, const struct counts *c, int ctr, size_t page_size)
{
	unsigned __int128 b = (unsigned __int128)c->v[ctr] * page_size;
	const uint64_t frac = (UINT64_C(1) << PSS_SHIFT) - 1;
	char buf[40];
	double d;

	if (ctr == CTR_PSS && (uint64_t)(b & frac) != 0) {
		d = (double)b / (double)(UINT64_C(1) << PSS_SHIFT);
		snprintf(buf, sizeof(buf), "%.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, sizeof(buf), "%.17g", d);
	} else {
		if (ctr == CTR_PSS)
			b >>= PSS_SHIFT;
		/* Beyond 2^64 bytes no process can map: the mark of a bug. */
		output_fmt_u64(buf, b > UINT64_MAX ? UINT64_MAX : (uint64_t)b);
	}
	return fputs(buf, fp) < 0 ? -1 : 0;
}

static int
write_head(FILE *fp, const char *name, const char *help)
{
	return fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", name, help,
	    name) < 0 ? -1 : 0;
}

/* One gauge per counter that some row knows; unknown samples are left out. */
static int
write_counters(struct output *out, const struct prom *p)
{
	FILE *fp = out->fp;

	for (int i = COL_COUNTER0; i < COL_COUNTER0 + CTR_COUNT; i++) {
		int ctr = columns[i].counter;
		char name[64], help[128];
		bool head = false;

		snprintf(name, sizeof(name), "pmstat_%s_bytes", columns[i].name);
		snprintf(help, sizeof(help), "%s, in bytes", columns[i].help);
		for (size_t r = 0; r < p->n; r++) {
			if (!stats_is_known(&p->rows[r].c, ctr))
				continue;
			if (!head && write_head(fp, name, help) != 0)
				return -1;
			head = true;
			if (fprintf(fp, "%s{%s} ", name, p->rows[r].labels) < 0 ||
			    write_value(fp, &p->rows[r].c, ctr, out->page_size) != 0 ||
			    putc('\n', fp) == EOF)
				return -1;
		}
	}
	return 0;
}

/* The family's pages counted once; only what is known of it. */
static int
write_family(struct output *out, const struct family_view *f)
{
	const struct {
		const char	*name, *help;
		uint64_t	 pages;
	} exact[] = {
		{ "present", "pages in memory, each counted once in the family",
		    f->present },
		{ "anon", "anonymous pages, each counted once in the family",
		    f->anon },
		{ "cow_shared", "anonymous pages the family still shares "
		    "copy-on-write", f->cow_shared },
		{ "cow_exposure", "pages the family would add if every member "
		    "wrote every page it shares", f->cow_exposure },
	};
	char labels[32] = "";
	struct counts c;

	if (f->root != 0)
		snprintf(labels, sizeof(labels), "{root=\"%d\"}", f->root);
	for (size_t i = 0; f->exact && i < sizeof(exact) / sizeof(exact[0]); i++) {
		char name[64], help[128];

		stats_init(&c, CTR_ALL);
		c.v[CTR_PRESENT] = exact[i].pages;
		snprintf(name, sizeof(name), "pmstat_family_%s_bytes", exact[i].name);
		snprintf(help, sizeof(help), "%s, in bytes", exact[i].help);
		if (write_head(out->fp, name, help) != 0 ||
		    fprintf(out->fp, "%s%s ", name, labels) < 0 ||
		    write_value(out->fp, &c, CTR_PRESENT, out->page_size) != 0 ||
		    putc('\n', out->fp) == EOF)
			return -1;
	}
	if (!stats_is_known(&f->pss, CTR_PSS))
		return 0;
	if (write_head(out->fp, "pmstat_family_pss_bytes",
	    "sum of the members' proportional set sizes, in bytes") != 0 ||
	    fprintf(out->fp, "pmstat_family_pss_bytes%s ", labels) < 0 ||
	    write_value(out->fp, &f->pss, CTR_PSS, out->page_size) != 0 ||
	    putc('\n', out->fp) == EOF)
		return -1;
	return 0;
}

/*
 * The processes left out, by the reasons the skip note gives: those the
 * selection matched and those named on the command line alike (a named
 * one also gets its error line and exit 1).
 */
static int
write_skips(struct output *out)
{
	const struct procsel_skips none = { .kthreads = 0 };
	const struct procsel_skips *sk = out->skips ? out->skips : &none;
	const struct procsel_skips *nf = out->named_failed ?
	    out->named_failed : &none;
	const struct { const char *reason; unsigned int n; } parts[] = {
		{ "kernel_thread", sk->kthreads + nf->kthreads },
		{ "zombie", sk->zombies + nf->zombies },
		{ "unreadable", sk->unreadable + nf->unreadable },
		{ "vanished", sk->vanished + nf->vanished },
	};

	if (write_head(out->fp, "pmstat_processes_skipped", "processes the "
	    "selection matched but left out, by reason") != 0)
		return -1;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (fprintf(out->fp, "pmstat_processes_skipped{reason=\"%s\"} %u\n",
		    parts[i].reason, parts[i].n) < 0)
			return -1;
	return 0;
}

static int
write_duration(struct output *out)
{
	struct timespec now;
	double s;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return -1;
	s = (double)(now.tv_sec - out->started.tv_sec) +
	    (double)(now.tv_nsec - out->started.tv_nsec) / 1e9;
	if (write_head(out->fp, "pmstat_scrape_duration_seconds",
	    "how long pmstat took to read the processes") != 0)
		return -1;
	return fprintf(out->fp, "pmstat_scrape_duration_seconds %.6f\n",
	    s) < 0 ? -1 : 0;
}

static int
prom_end(struct output *out)
{
	struct prom *p = out->priv;

	if (write_counters(out, p) != 0 ||
	    (p->have_family && write_family(out, &p->family) != 0) ||
	    write_skips(out) != 0 || write_duration(out) != 0)
		return -1;
	return 0;
}

static void
prom_release(struct output *out)
{
	struct prom *p = out->priv;

	if (p == NULL)
		return;
	drop_rows(p, 0);
	free(p->rows);
	free(p->proc_labels);
	free(p);
	out->priv = NULL;
}

const struct output_ops output_prom_ops = {
	.begin = prom_begin,
	.process_begin = prom_process_begin,
	.mapping = prom_mapping,
	.process_end = prom_process_end,
	.row = prom_row,
	.rows_end = prom_rows_end,
	.family = prom_family,
	.end = prom_end,
	.release = prom_release,
};
