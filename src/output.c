/* output.c - renderer choice and the formatting the renderers share */
#include "config.h"

#include <inttypes.h>
#include <libutil.h>
#include <string.h>

#include "kpf.h"
#include "output.h"
#include "pageflags.h"

void
output_init(struct output *out, FILE *fp, const struct options *opts,
    size_t page_size, bool privileged, bool pfn_visible, bool soft_dirty_known)
{
	static int defaults[COL_COUNT];

	memset(out, 0, sizeof(*out));
	out->fp = fp;
	out->opts = opts;
	out->page_size = page_size;
	out->privileged = privileged;
	out->pfn_visible = pfn_visible;
	out->soft_dirty_known = soft_dirty_known;
	switch (opts->format) {
	case FMT_CSV:
		out->ops = &output_csv_ops;
		break;
	case FMT_JSON:
		out->ops = &output_json_ops;
		break;
	case FMT_PROMETHEUS:
		out->ops = &output_prom_ops;
		break;
	default:
		out->ops = &output_table_ops;
		break;
	}
	if (opts->ncols > 0 && opts->format != FMT_JSON) {
		out->cols = opts->cols;
		out->ncols = opts->ncols;
	} else {
		out->ncols = col_defaults(defaults, COL_COUNT,
		    opts->format == FMT_TABLE ? opts->level : COLV_ALL);
		out->cols = defaults;
	}
}

void
output_release(struct output *out)
{
	if (out->ops != NULL && out->ops->release != NULL)
		out->ops->release(out);
}

void
output_sample(struct output *out, uint64_t n, double time, bool delta)
{
	out->watch = true;
	out->sample = n;
	out->time = time;
	out->delta = delta;
	out->pid = 0;
	out->comm = NULL;
	out->heading_done = false;
	out->nitems = 0;
	out->nprocs = 0;
	out->header_done = false;
	out->rows_closed = false;
}

int64_t
output_signed(const struct counts *c, int ctr)
{
	/* A change is stored modulo 2^64 (delta.c): two's complement. */
	return (int64_t)c->v[ctr];
}

double
output_pss_pages(const struct output *out, const struct counts *c)
{
	if (out->delta)
		return (double)output_signed(c, CTR_PSS) /
		    (double)(UINT64_C(1) << PSS_SHIFT);
	return stats_pss_pages(c);
}

struct page_know
output_page_know(const struct output *out)
{
	return (struct page_know){ .soft_dirty = out->soft_dirty_known,
	    .pfn = out->pfn_visible };
}

void
output_page_facts(const struct output *out, const struct mapping_kind *kind,
    const struct page_obs *o, struct page_facts *f)
{
	pagefacts_decode(f, o, kind, output_page_know(out));
}

void
output_page_row(const struct output *out, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, uint64_t npages,
    const struct page_obs *o, struct page_row *r)
{
	r->e = e;
	r->addr = addr;
	r->npages = npages;
	r->pm = o->pm;
	output_page_facts(out, kind, o, &r->f);
	r->word = pageflags_word(&r->f);
}

size_t
output_fmt_u64(char *buf, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return i;
}

size_t
output_fmt_hex(char *buf, uint64_t v, int min)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;
	size_t i = 0;

	do {
		tmp[n++] = digits[v & 0xf];
		v >>= 4;
	} while (v != 0);
	while (n < min)
		tmp[n++] = '0';
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return i;
}

void
output_format_counter(const struct output *out, const struct counts *c,
    int ctr, char *buf, size_t len)
{
	unsigned __int128 bytes;
	uint64_t v = c->v[ctr];

	if (!stats_is_known(c, ctr)) {
		/* Not snprintf: unknown is the common case of some columns. */
		strlcpy(buf, "-", len);
		return;
	}
	/* A negative change: its size, formatted as any, after a minus. */
	if (out->delta && output_signed(c, ctr) < 0 && v != (uint64_t)INT64_MIN &&
	    len > 1) {
		struct counts neg = { .known = CTR_BIT(ctr) };

		neg.v[ctr] = -v;
		buf[0] = '-';
		output_format_counter(out, &neg, ctr, buf + 1, len - 1);
		return;
	}
	/* PSS is fixed point: scale first, then drop the fraction, as smaps does. */
	if (ctr == CTR_PSS)
		bytes = ((unsigned __int128)v * out->page_size) >> PSS_SHIFT;
	else
		bytes = (unsigned __int128)v * out->page_size;
	switch (out->opts->unit) {
	case UNIT_PAGES:
		if (ctr == CTR_PSS)
			snprintf(buf, len, "%.2f", stats_pss_pages(c));
		else if (len >= 21)
			output_fmt_u64(buf, v);
		else
			snprintf(buf, len, "%" PRIu64, v);
		break;
	case UNIT_BYTES:
		if (len >= 21)
			output_fmt_u64(buf, (uint64_t)bytes);
		else
			snprintf(buf, len, "%" PRIu64, (uint64_t)bytes);
		break;
	case UNIT_HUMAN:
		/* Five bytes: at most four characters, so every value scales. */
		if (humanize_number(buf, len < 5 ? len : 5,
		    bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes, "",
		    HN_AUTOSCALE, HN_B | HN_NOSPACE | HN_DECIMAL) < 0)
			snprintf(buf, len, "?");
		break;
	default:
		/* Tens of thousands of rows: printf's cost shows, so not here. */
		if (len >= 21)
			output_fmt_u64(buf, (uint64_t)(bytes / 1024));
		else
			snprintf(buf, len, "%" PRIu64, (uint64_t)(bytes / 1024));
		break;
	}
}

bool
output_runs(const struct output *out)
{
	return out->opts->pages == PAGES_RUNS ||
	    (out->opts->pages == PAGES_DEFAULT && out->opts->format == FMT_TABLE);
}

int
output_flag_names(FILE *fp, uint64_t flags, const char *sep)
{
	bool first = true;

	for (unsigned int b = 0; b < KPF_NBITS; b++) {
		const char *name;
		char unnamed[16];

		if (!(flags & KPF_BIT(b)))
			continue;
		if ((name = pageflags_name(b)) == NULL) {
			snprintf(unnamed, sizeof(unnamed), "bit%u", b);
			name = unnamed;
		}
		if (fprintf(fp, "%s%s", first ? "" : sep, name) < 0)
			return -1;
		first = false;
	}
	return 0;
}
