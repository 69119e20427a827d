/*
 * out_json.c - JSON schema 1, streamed: the envelope is written by hand and
 * each mapping or page is one jansson object, dumped and freed at once, so a
 * process with 50,000 mappings never sits in memory as a tree.
 */
#include "config.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "kpf.h"
#include "output.h"
#include "pageflags.h"
#include "rollup.h"

/* A hex string for a 64-bit value: JSON numbers lose precision above 2^53. */
static json_t *
hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

/* Any bytes as a valid JSON string: invalid UTF-8 is escaped visibly. */
static json_t *
string_of(const char *s, size_t len)
{
	char *valid = escape_utf8(s, len);
	json_t *j;

	if (valid == NULL)
		return NULL;
	j = json_string(valid);
	free(valid);
	return j;
}

/* Set a key, failing (instead of silently dropping it) when v is NULL. */
static int
set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v);
}

/*
 * Between items, a newline for the eye; a watch writes JSON Lines, one
 * document a line, and so none.
 */
static const char *
nl(const struct output *out)
{
	return out->watch ? "" : "\n";
}

static int
dump(struct output *out, json_t *o)
{
	int r;

	if (fputs(out->nitems++ > 0 ? "," : "", out->fp) < 0 ||
	    fputs(nl(out), out->fp) < 0) {
		json_decref(o);
		return -1;
	}
	r = json_dumpf(o, out->fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return r;
}

/* The top-level array: processes, or the rows of --by path and user. */
static const char *
rows_key(const struct output *out)
{
	switch (out->opts->by) {
	case BY_PATH:
		return "paths";
	case BY_USER:
		return "users";
	default:
		return "processes";
	}
}

/*
 * Where this run's numbers come from: the scan, the kpage files, and the
 * counters taken from smaps, the kernel's own per-mapping accounting,
 * where the pages could not tell.
 */
static int
write_sources(struct output *out)
{
	bool first = true;

	if (fprintf(out->fp, "\"sources\":{\"pagemap_scan\":%s,\"kpageflags\":%s,"
	    "\"kpagecount\":%s,\"smaps\":[", out->scan ? "true" : "false",
	    out->privileged ? "true" : "false",
	    out->privileged ? "true" : "false") < 0)
		return -1;
	for (int i = COL_COUNTER0; i < COL_COUNTER0 + CTR_COUNT; i++) {
		if (!(out->from_smaps & CTR_BIT(columns[i].counter)))
			continue;
		if (fprintf(out->fp, "%s\"%s\"", first ? "" : ",",
		    columns[i].name) < 0)
			return -1;
		first = false;
	}
	return fputs("]},", out->fp) < 0 ? -1 : 0;
}

/* A watch's sample: when it was taken, and whether it holds changes. */
static int
write_time(struct output *out)
{
	if (!out->watch)
		return 0;
	if (fprintf(out->fp, "\"time\":%.6f,", out->time) < 0)
		return -1;
	/* With --delta, every sample says which it is: the first is absolute. */
	if (!out->opts->delta)
		return 0;
	return fprintf(out->fp, "\"delta\":%s,", out->delta ? "true" :
	    "false") < 0 ? -1 : 0;
}

static int
json_begin(struct output *out)
{
	if (fprintf(out->fp, "{\"schema\":1,\"version\":\"%s\",\"page_size\":%zu,"
	    "\"privileged\":%s,", PACKAGE_VERSION, out->page_size,
	    out->privileged ? "true" : "false") < 0 || write_time(out) != 0 ||
	    write_sources(out) != 0)
		return -1;
	return fprintf(out->fp, "\"%s\":[", rows_key(out)) < 0 ? -1 : 0;
}

/* Close the top-level array once; totals and family follow it. */
static int
close_rows(struct output *out)
{
	if (out->rows_closed)
		return 0;
	out->rows_closed = true;
	return fputs(nl(out), out->fp) < 0 || putc(']', out->fp) == EOF ? -1 : 0;
}

/* What the process's array holds. */
static const char *
items_key(const struct output *out)
{
	if (out->opts->pages != PAGES_OFF)
		return output_runs(out) ? "runs" : "pages";
	if (out->opts->summary == SUMMARY_PROCESS)
		return "summary";
	return "mappings";
}

static int
json_process_begin(struct output *out, int pid, const char *comm)
{
	json_t *c = comm ? string_of(comm, strlen(comm)) : json_null();
	int r = -1;

	out->pid = pid;
	out->nitems = 0;
	if (c == NULL)
		return -1;
	if (fprintf(out->fp, "%s%s{\"pid\":%d,\"comm\":", out->nprocs++ ? "," : "",
	    nl(out), pid) >= 0 && json_dumpf(c, out->fp, JSON_ENCODE_ANY) == 0 &&
	    fprintf(out->fp, ",\"%s\":[", items_key(out)) >= 0)
		r = 0;
	json_decref(c);
	return r;
}

static int
add_counters(const struct output *out, json_t *o, const struct counts *c)
{
	for (int i = COL_COUNTER0; i < COL_COUNTER0 + CTR_COUNT; i++) {
		int ctr = columns[i].counter;
		json_t *v;

		if (!stats_is_known(c, ctr))
			v = json_null();
		else if (ctr == CTR_PSS)
			v = json_real(output_pss_pages(out, c));
		else
			v = json_integer((json_int_t)c->v[ctr]);
		if (set(o, columns[i].name, v) < 0)
			return -1;
	}
	return 0;
}

/*
 * The mappings are written by hand, through a small buffer: building a
 * jansson object of 24 keys and dumping it cost 5 us a mapping, and
 * fprintf() per field most of the rest, where the table's whole row costs
 * about 1 us (issue 10). The bytes must stay those jansson wrote.
 */
struct jw {
	FILE	*fp;
	size_t	 n;
	int	 err;
	char	 buf[1024];
};

static void
jw_flush(struct jw *w)
{
	if (w->n > 0 && fwrite(w->buf, 1, w->n, w->fp) != w->n)
		w->err = -1;
	w->n = 0;
}

static void
jw_mem(struct jw *w, const char *s, size_t len)
{
	if (len > sizeof(w->buf) - w->n) {
		jw_flush(w);
		if (len > sizeof(w->buf)) {
			if (fwrite(s, 1, len, w->fp) != len)
				w->err = -1;
			return;
		}
	}
	memcpy(w->buf + w->n, s, len);
	w->n += len;
}

static void
jw_str(struct jw *w, const char *s)
{
	jw_mem(w, s, strlen(s));
}

/* v in decimal, as "%" JSON_INTEGER_FORMAT prints (json_int_t)v. */
static void
jw_int(struct jw *w, uint64_t v)
{
	char t[24];
	size_t i = sizeof(t);
	bool neg = v > INT64_MAX;

	if (neg)
		v = -v;
	do
		t[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (neg)
		t[--i] = '-';
	jw_mem(w, t + i, sizeof(t) - i);
}

/* "0x..." as "0x%" PRIx64 prints it, quoted. */
static void
jw_hex(struct jw *w, uint64_t v)
{
	char t[24];
	size_t i = sizeof(t);

	t[--i] = '"';
	do
		t[--i] = "0123456789abcdef"[v & 0xf];
	while ((v >>= 4) != 0);
	t[--i] = 'x';
	t[--i] = '0';
	t[--i] = '"';
	jw_mem(w, t + i, sizeof(t) - i);
}

/*
 * A valid UTF-8 string as json_dumpf() writes it: '"' and '\\' escaped, the
 * control characters as \b \f \n \r \t or \u00XX, everything else as it is
 * (JSON_COMPACT without JSON_ENSURE_ASCII or JSON_ESCAPE_SLASH).
 */
static void
jw_string(struct jw *w, const char *s, size_t len)
{
	size_t run = 0;

	jw_mem(w, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char seq[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_mem(w, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': jw_str(w, "\\\""); break;
		case '\\': jw_str(w, "\\\\"); break;
		case '\b': jw_str(w, "\\b"); break;
		case '\f': jw_str(w, "\\f"); break;
		case '\n': jw_str(w, "\\n"); break;
		case '\r': jw_str(w, "\\r"); break;
		case '\t': jw_str(w, "\\t"); break;
		default:
			snprintf(seq, sizeof(seq), "\\u%04X", c);
			jw_str(w, seq);
			break;
		}
	}
	jw_mem(w, s + run, len - run);
	jw_mem(w, "\"", 1);
}

/*
 * A real as jansson writes it ("%.17g", with ".0" where that left none).
 * A whole number below 2^53 prints its digits and ".0" there: written
 * here, as most PSS values are; the others go through jansson.
 */
static void
jw_real(struct jw *w, double v)
{
	char t[64];
	json_t *r;
	size_t len;

	if (v >= 0 && v < 9007199254740992.0 && (double)(uint64_t)v == v) {
		jw_int(w, (uint64_t)v);
		jw_mem(w, ".0", 2);
		return;
	}
	if ((r = json_real(v)) == NULL) {
		w->err = -1;
		return;
	}
	len = json_dumpb(r, t, sizeof(t), JSON_ENCODE_ANY);
	json_decref(r);
	if (len == 0 || len > sizeof(t))
		w->err = -1;
	else
		jw_mem(w, t, len);
}

/* The counters as add_counters() sets them: ,"name":value for each. */
static void
jw_counters(struct jw *w, const struct output *out, const struct counts *c)
{
	for (int i = COL_COUNTER0; i < COL_COUNTER0 + CTR_COUNT; i++) {
		int ctr = columns[i].counter;

		jw_mem(w, ",\"", 2);
		jw_str(w, columns[i].name);
		jw_mem(w, "\":", 2);
		if (!stats_is_known(c, ctr))
			jw_mem(w, "null", 4);
		else if (ctr == CTR_PSS)
			jw_real(w, output_pss_pages(out, c));
		else
			jw_int(w, c->v[ctr]);
	}
}

/* One mapping's object, in the keys' order of schema 1. */
static int
json_mapping(struct output *out, const struct maps_entry *e,
    const struct counts *c)
{
	/* Most paths are valid UTF-8 already: no copy for each mapping. */
	bool valid = escape_utf8_valid(e->path, e->path_len);
	char *copy = valid ? NULL : escape_utf8(e->path, e->path_len);
	const char *path = valid ? e->path : copy;
	struct jw w = { .fp = out->fp };
	char dev[32];
	size_t n;

	if (path == NULL)
		return -1;
	/* "%02x:%02x": majors and minors fit 12 and 20 bits. */
	n = output_fmt_hex(dev, e->dev_major, 2);
	dev[n++] = ':';
	output_fmt_hex(dev + n, e->dev_minor, 2);
	jw_str(&w, out->nitems++ > 0 ? "," : "");
	jw_str(&w, nl(out));
	jw_str(&w, "{\"start\":");
	jw_hex(&w, e->start);
	jw_str(&w, ",\"end\":");
	jw_hex(&w, e->end);
	jw_str(&w, ",\"perms\":");
	jw_string(&w, e->perms, strlen(e->perms));
	jw_str(&w, ",\"offset\":");
	jw_hex(&w, e->offset);
	jw_str(&w, ",\"dev\":");
	jw_string(&w, dev, strlen(dev));
	jw_str(&w, ",\"inode\":");
	if (e->inode <= INT64_MAX)
		jw_int(&w, e->inode);
	else
		jw_hex(&w, e->inode);
	jw_str(&w, ",\"path\":");
	jw_string(&w, path, strlen(path));
	jw_str(&w, e->deleted ? ",\"deleted\":true" : ",\"deleted\":false");
	jw_counters(&w, out, c);
	jw_mem(&w, "}", 1);
	jw_flush(&w);
	free(copy);
	return w.err;
}

static json_t *
kflags_array(uint64_t flags)
{
	json_t *a = json_array();

	for (unsigned int b = 0; a != NULL && b < KPF_NBITS; b++) {
		const char *name = pageflags_name(b);
		char unnamed[16];

		if (!(flags & KPF_BIT(b)))
			continue;
		if (name == NULL) {
			snprintf(unnamed, sizeof(unnamed), "bit%u", b);
			name = unnamed;
		}
		if (json_array_append_new(a, json_string(name)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* One field of a page row as a JSON value; null when unknown. */
static json_t *
json_page_field(const struct page_row *r, int id)
{
	const struct page_field *pf = &page_fields[id];
	uint64_t v;

	if (pf->kind == PFK_PATH)
		return string_of(r->e->path, r->e->path_len);
	if (!pfield_value(r, id, &v))
		return json_null();
	switch (pf->kind) {
	case PFK_ADDR:
	case PFK_HEX:
		return hex(v);
	case PFK_COUNT:
	case PFK_NUM:
		return json_integer((json_int_t)v);
	case PFK_BOOL:
		return json_boolean(v);
	case PFK_NAMES:
		return kflags_array(v);
	default:
		return NULL;
	}
}

static int
json_page(struct output *out, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, uint64_t npages,
    const struct page_obs *o)
{
	unsigned int in = PFO_JSON | (output_runs(out) ? PFO_JSON_RUNS : 0);
	json_t *j = json_object();
	struct page_row r;

	if (j == NULL)
		return -1;
	output_page_row(out, e, kind, addr, npages, o, &r);
	for (int id = 0; id < PFLD_COUNT; id++) {
		if (!(page_fields[id].in & in))
			continue;
		if (set(j, page_fields[id].name, json_page_field(&r, id)) < 0) {
			json_decref(j);
			return -1;
		}
	}
	return dump(out, j);
}

static json_t *
summary_array(const struct summary_entry *s, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++) {
		json_t *o = json_object();

		if (o == NULL || set(o, "flags", hex(s[i].flags)) ||
		    set(o, "names", kflags_array(s[i].flags)) ||
		    set(o, "pages", json_integer((json_int_t)s[i].pages)) ||
		    json_array_append_new(a, o) != 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Per process: the entries are the items; per mapping: one item each. */
static int
json_summary(struct output *out, const struct maps_entry *e,
    const struct summary_entry *s, size_t n)
{
	json_t *o;

	if (e == NULL) {
		for (size_t i = 0; i < n; i++) {
			json_t *a = summary_array(s + i, 1), *one;

			if (a == NULL)
				return -1;
			one = json_incref(json_array_get(a, 0));
			json_decref(a);
			if (dump(out, one) < 0)
				return -1;
		}
		return 0;
	}
	if ((o = json_object()) == NULL)
		return -1;
	if (set(o, "start", hex(e->start)) || set(o, "end", hex(e->end)) ||
	    set(o, "perms", json_string(e->perms)) ||
	    set(o, "path", string_of(e->path, e->path_len)) ||
	    set(o, "summary", summary_array(s, n))) {
		json_decref(o);
		return -1;
	}
	return dump(out, o);
}

static int
json_process_end(struct output *out, const struct counts *totals,
    const char *error)
{
	json_t *t, *err;
	int r = -1;

	if (fputs("],\"totals\":", out->fp) < 0)
		return -1;
	if (error != NULL) {
		t = json_null();
		err = json_string(error);
	} else {
		t = json_object();
		if (t && add_counters(out, t, totals)) {
			json_decref(t);
			t = NULL;
		}
		err = json_null();
	}
	if (t && err && json_dumpf(t, out->fp, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_PRESERVE_ORDER) == 0 && fputs(",\"error\":", out->fp) >= 0 &&
	    json_dumpf(err, out->fp, JSON_ENCODE_ANY) == 0 && putc('}', out->fp) != EOF)
		r = 0;
	json_decref(t);
	json_decref(err);
	return r;
}

/* A row of --by process, path or user: its key fields, then its totals. */
static int
json_row(struct output *out, const struct rollup_row *row)
{
	json_t *o = json_object(), *t;

	if (o == NULL)
		return -1;
	switch (out->opts->by) {
	case BY_PROCESS:
		if (set(o, "pid", json_integer(row->pid)) < 0 ||
		    set(o, "ppid", row->ppid < 0 ? json_null() :
		    json_integer(row->ppid)) < 0 ||
		    set(o, "uid", row->uid == (uid_t)-1 ? json_null() :
		    json_integer(row->uid)) < 0 ||
		    set(o, "user", row->uid == (uid_t)-1 ? json_null() :
		    json_string(row->user)) < 0 ||
		    set(o, "comm", row->comm ? string_of(row->comm,
		    strlen(row->comm)) : json_null()) < 0 ||
		    set(o, "cmdline", row->cmdline ? string_of(row->cmdline,
		    strlen(row->cmdline)) : json_null()) < 0 ||
		    set(o, "error", row->error ? json_string(row->error) :
		    json_null()) < 0)
			goto fail;
		break;
	case BY_PATH:
		if (set(o, "path", string_of(row->path, strlen(row->path))) < 0 ||
		    set(o, "processes", json_integer(row->nprocs)) < 0 ||
		    set(o, "mappings", json_integer((json_int_t)row->nmappings)) < 0)
			goto fail;
		break;
	default:
		if (set(o, "uid", json_integer(row->uid)) < 0 ||
		    set(o, "user", json_string(row->user)) < 0 ||
		    set(o, "processes", json_integer(row->nprocs)) < 0)
			goto fail;
		break;
	}
	if (row->error != NULL)
		t = json_null();
	else if ((t = json_object()) != NULL && add_counters(out, t, &row->c) != 0) {
		json_decref(t);
		t = NULL;
	}
	if (set(o, "totals", t) < 0)
		goto fail;
	return dump(out, o);
fail:
	json_decref(o);
	return -1;
}

static int
json_rows_end(struct output *out, const struct counts *totals)
{
	json_t *t;
	int r = -1;

	if (close_rows(out) != 0 || fputs(",\"totals\":", out->fp) < 0)
		return -1;
	if (totals == NULL)
		t = json_null();
	else if ((t = json_object()) != NULL && add_counters(out, t, totals) != 0) {
		json_decref(t);
		t = NULL;
	}
	if (t != NULL && json_dumpf(t, out->fp, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_PRESERVE_ORDER) == 0)
		r = 0;
	json_decref(t);
	return r;
}

static int
json_family(struct output *out, const struct family_view *f)
{
	json_t *o;
	int r = -1;

	if (f == NULL)
		return close_rows(out) == 0 &&
		    fputs(",\"family\":null", out->fp) >= 0 ? 0 : -1;
	o = json_object();
#define EXACT(v) (f->exact ? json_integer((json_int_t)(v)) : json_null())
	if (o == NULL)
		return -1;
	if (set(o, "root", f->root ? json_integer(f->root) : json_null()) < 0 ||
	    set(o, "members", json_integer(f->members)) < 0 ||
	    set(o, "exact", json_boolean(f->exact)) < 0 ||
	    set(o, "present", EXACT(f->present)) < 0 ||
	    set(o, "anon", EXACT(f->anon)) < 0 ||
	    set(o, "cow_shared", EXACT(f->cow_shared)) < 0 ||
	    set(o, "cow_exposure", EXACT(f->cow_exposure)) < 0 ||
	    set(o, "pss", stats_is_known(&f->pss, CTR_PSS) ?
	    json_real(output_pss_pages(out, &f->pss)) : json_null()) < 0)
		goto out;
#undef EXACT
	if (close_rows(out) == 0 && fputs(",\"family\":", out->fp) >= 0 &&
	    json_dumpf(o, out->fp, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0)
		r = 0;
out:
	json_decref(o);
	return r;
}

static int
json_end(struct output *out)
{
	if (close_rows(out) != 0)
		return -1;
	return fputs("}\n", out->fp) < 0 ? -1 : 0;
}

const struct output_ops output_json_ops = {
	.begin = json_begin,
	.process_begin = json_process_begin,
	.mapping = json_mapping,
	.page = json_page,
	.summary = json_summary,
	.process_end = json_process_end,
	.row = json_row,
	.rows_end = json_rows_end,
	.family = json_family,
	.end = json_end,
};
