/* out_map.c - drawing the page map: a strip of glyphs per mapping, or JSON buckets */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libutil.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "out_map.h"

/*
 * Columns before the strip: address, perms, then size, present and anon
 * in at most four characters each ("64G", "4.0M"), each with its space.
 */
#define INFO_WIDTH	(16 + 1 + 4 + 1 + 4 + 1 + 4 + 1 + 4 + 1)
#define NAME_ROOM	16	/* the name's share of a line, "..." included */
#define STRIP_MIN	16	/* below: the strip gets rows of its own */
#define NAME_MARK	"..."

/*
 * Each state has a glyph for a bucket wholly in it and a lighter one for a
 * bucket where it is only the most frequent: the picture never looks
 * sharper than it is. Without colour the glyphs alone tell every state
 * apart; the ASCII set is upper case whole, lower case mixed.
 */
static const struct {
	const char	*utf8[2];	/* whole, mixed */
	const char	*ascii[2];
	const char	*sgr;		/* its colour */
	const char	*label;		/* in the legend */
} glyphs[ST_COUNT] = {
	[ST_GUARD] = { { "\u2573", "\u00d7" }, { "X", "x" }, "1;31", "guard" },
	[ST_SWAPPED] = { { "\u2248", "~" }, { "W", "w" }, "31", "swapped" },
	[ST_KSM] = { { "\u25a0", "\u25a1" }, { "K", "k" }, "35", "KSM" },
	[ST_THP] = { { "\u25b2", "\u25b3" }, { "H", "h" }, "36", "THP" },
	[ST_ZERO] = { { "\u25ac", "\u25ad" }, { "Z", "z" }, "37", "zero page" },
	[ST_COW_COPIED] = { { "\u25c6", "\u25c7" }, { "C", "c" }, "33",
	    "COW-copied" },
	[ST_COW_SHARED] = { { "\u25cf", "\u25cb" }, { "S", "s" }, "1;33",
	    "COW-shared" },
	[ST_ANON] = { { "\u2588", "\u2593" }, { "A", "a" }, "32",
	    "private anon" },
	[ST_FILE] = { { "\u2592", "\u2591" }, { "F", "f" }, "34", "file" },
	[ST_UNKNOWN] = { { "?", "\u00bf" }, { "?", "%" }, "7", "unknown" },
	[ST_EMPTY] = { { "\u00b7", ":" }, { ".", ":" }, "90", "not present" },
};

const char *
map_glyph(enum strip_state st, bool mixed, bool utf8)
{
	if (st >= ST_COUNT)
		return "?";
	return utf8 ? glyphs[st].utf8[mixed] : glyphs[st].ascii[mixed];
}

/* "en_US.UTF-8", "C.utf8", "de_DE.UTF-8@euro": a UTF-8 codeset. */
static bool
codeset_utf8(const char *locale)
{
	const char *dot = strchr(locale, '.');
	size_t n;

	if (dot == NULL)
		return false;
	n = strcspn(++dot, "@");
	return (n == 5 && strncasecmp(dot, "utf-8", 5) == 0) ||
	    (n == 4 && strncasecmp(dot, "utf8", 4) == 0);
}

bool
map_locale_utf8(char *(*env)(const char *))
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = env(vars[i]);

		if (v != NULL && *v != '\0')
			return codeset_utf8(v);
	}
	return false;
}

void
map_out_init(struct map_out *m, FILE *fp, const struct map_style *st,
    size_t page_size, bool privileged, bool scan)
{
	memset(m, 0, sizeof(*m));
	m->fp = fp;
	m->st = *st;
	m->page_size = page_size;
	m->privileged = privileged;
	m->scan = scan;
	if (st->json) {
		m->cells = st->width;
		return;
	}
	/* Beside its mapping when there is room for a useful strip; else below. */
	if (st->width >= INFO_WIDTH + 3 + NAME_ROOM + STRIP_MIN)
		m->cells = st->width - (INFO_WIDTH + 3 + NAME_ROOM);
	else {
		m->narrow = true;
		m->cells = st->width > 2 ? st->width - 2 : 1;
	}
}

size_t
map_out_buckets(const struct map_out *m)
{
	return m->cells * m->st.rows;
}

/* Bytes in four characters at most, as the table's -U human writes them. */
static void
human(char *buf, size_t len, uint64_t bytes)
{
	if (bytes == 0)
		snprintf(buf, len, "0");
	else if (humanize_number(buf, len < 5 ? len : 5,
	    bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes, "",
	    HN_AUTOSCALE, HN_B | HN_NOSPACE | HN_DECIMAL) < 0)
		snprintf(buf, len, "?");
}

/* A counter in human units, or "-" when it is unknown. */
static void
counter(const struct map_out *m, char *buf, size_t len, const struct counts *c,
    enum counter ctr)
{
	if (!stats_is_known(c, ctr))
		snprintf(buf, len, "-");
	else
		human(buf, len, c->v[ctr] * (uint64_t)m->page_size);
}

static int
sgr(struct map_out *m, const char *code)
{
	return fprintf(m->fp, "\033[%sm", code) < 0 ? -1 : 0;
}

/* One glyph, in its colour (dim when mixed) if colour is on. */
static int
put_glyph(struct map_out *m, enum strip_state st, bool mixed)
{
	if (m->st.color && (mixed ? fprintf(m->fp, "\033[2;%sm",
	    glyphs[st].sgr) < 0 : sgr(m, glyphs[st].sgr) != 0))
		return -1;
	return fputs(map_glyph(st, mixed, m->st.utf8), m->fp) < 0 ? -1 : 0;
}

/*
 * The legend, wrapped to the width: each state's whole and mixed glyph,
 * in the order of precedence.
 */
static int
legend(struct map_out *m)
{
	static const char lead[] = "Legend: ";
	size_t col = 0, width = m->st.width < 40 ? 40 : m->st.width;

	for (int st = 0; st < ST_COUNT; st++) {
		size_t len = 2 + 1 + strlen(glyphs[st].label);

		if (col == 0) {
			if (fputs(st == 0 ? lead : "        ", m->fp) < 0)
				return -1;
			col = sizeof(lead) - 1;
		} else if (col + 2 + len > width) {
			if (fputs("\n        ", m->fp) < 0)
				return -1;
			col = sizeof(lead) - 1;
		} else {
			if (fputs("  ", m->fp) < 0)
				return -1;
			col += 2;
		}
		if (put_glyph(m, (enum strip_state)st, false) != 0 ||
		    put_glyph(m, (enum strip_state)st, true) != 0 ||
		    (m->st.color && sgr(m, "0") != 0) ||
		    fprintf(m->fp, " %s", glyphs[st].label) < 0)
			return -1;
		col += len;
	}
	if (fprintf(m->fp, "\n        (left: the whole bucket is in that state; "
	    "right: mixed,\n        its most frequent state; a strip's buckets "
	    "split its mapping evenly)\n\n") < 0)
		return -1;
	return 0;
}

/* --- JSON ------------------------------------------------------------ */

static json_t *
hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

/* Set a key, failing (instead of silently dropping it) when v is NULL. */
static int
set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v);
}

static json_t *
json_counter(const struct counts *c, enum counter ctr)
{
	return stats_is_known(c, ctr) ? json_integer((json_int_t)c->v[ctr]) :
	    json_null();
}

static json_t *
json_bucket(const struct map_out *m, const struct strip *s, size_t b)
{
	struct strip_cell cell = strip_cell(s, b);
	json_t *o = json_object(), *counts = json_object();
	uint64_t first = strip_bucket_first(s, b);

	if (o == NULL || counts == NULL ||
	    set(o, "start", hex(s->start + first * m->page_size)) ||
	    set(o, "pages", json_integer((json_int_t)strip_bucket_pages(s, b))) ||
	    set(o, "state", json_string(strip_state_name(cell.state))) ||
	    set(o, "mixed", json_boolean(cell.mixed))) {
		json_decref(o);
		json_decref(counts);
		return NULL;
	}
	for (int st = 0; st < ST_COUNT; st++)
		if (set(counts, strip_state_name((enum strip_state)st),
		    json_integer((json_int_t)s->count[b][st])) != 0) {
			json_decref(o);
			json_decref(counts);
			return NULL;
		}
	if (set(o, "counts", counts) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
json_mapping(const struct map_out *m, const struct maps_entry *e,
    const struct counts *c, const struct strip *s)
{
	json_t *o = json_object(), *buckets = json_array();
	char *path = escape_utf8(e->path, e->path_len);

	if (o == NULL || buckets == NULL || path == NULL ||
	    set(o, "start", hex(e->start)) || set(o, "end", hex(e->end)) ||
	    set(o, "perms", json_string(e->perms)) ||
	    set(o, "path", json_string(path)) ||
	    set(o, "deleted", json_boolean(e->deleted)) ||
	    set(o, "pages", json_integer((json_int_t)s->pages)) ||
	    set(o, "present", json_counter(c, CTR_PRESENT)) ||
	    set(o, "anon", json_counter(c, CTR_ANON)) ||
	    set(o, "swapped", json_counter(c, CTR_SWAPPED)))
		goto fail;
	free(path);
	path = NULL;
	for (size_t b = 0; b < s->nb; b++)
		if (json_array_append_new(buckets, json_bucket(m, s, b)) != 0)
			goto fail;
	if (set(o, "buckets", buckets) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	free(path);
	json_decref(o);
	json_decref(buckets);
	return NULL;
}

static int
json_begin(struct map_out *m)
{
	if (fprintf(m->fp, "{\"schema\":1,\"version\":\"%s\",\"page_size\":%zu,"
	    "\"privileged\":%s,\"map\":{\"buckets_per_row\":%zu,\"rows\":%zu,"
	    "\"states\":[", PACKAGE_VERSION, m->page_size,
	    m->privileged ? "true" : "false", m->cells, m->st.rows) < 0)
		return -1;
	for (int st = 0; st < ST_COUNT; st++)
		if (fprintf(m->fp, "%s\"%s\"", st ? "," : "",
		    strip_state_name((enum strip_state)st)) < 0)
			return -1;
	return fputs("]},\"processes\":[", m->fp) < 0 ? -1 : 0;
}

/* --- the strips ------------------------------------------------------ */

int
map_out_begin(struct map_out *m)
{
	return m->st.json ? json_begin(m) : legend(m);
}

static int
text_header(struct map_out *m)
{
	if (fputs("Address          Perm Size Pres Anon ", m->fp) < 0)
		return -1;
	if (m->narrow)
		return fputs("Mapping\n", m->fp) < 0 ? -1 : 0;
	return fprintf(m->fp, "%-*s Mapping\n", (int)(m->cells + 2),
	    "Map") < 0 ? -1 : 0;
}

int
map_out_process_begin(struct map_out *m, int pid, const char *comm)
{
	json_t *c;
	int r = -1;

	m->nmappings = m->folded = 0;
	m->folded_bytes = m->folded_present = 0;
	if (!m->st.json) {
		char *safe = comm != NULL ? escape_vis(comm) : NULL;

		if (comm != NULL && safe == NULL)
			return -1;
		r = fprintf(m->fp, "%s%d:   %s\n", m->nprocs++ ? "\n" : "", pid,
		    safe != NULL ? safe : "?") < 0 ? -1 : text_header(m);
		free(safe);
		return r;
	}
	if (comm == NULL)
		c = json_null();
	else {
		char *valid = escape_utf8(comm, strlen(comm));

		c = valid != NULL ? json_string(valid) : NULL;
		free(valid);
	}
	if (c == NULL)
		return -1;
	if (fprintf(m->fp, "%s\n{\"pid\":%d,\"comm\":", m->nprocs++ ? "," : "",
	    pid) >= 0 && json_dumpf(c, m->fp, JSON_ENCODE_ANY) == 0 &&
	    fputs(",\"mappings\":[", m->fp) >= 0)
		r = 0;
	json_decref(c);
	return r;
}

/* The name: escaped, cut from the front to room (0: never) after NAME_MARK. */
static int
put_name(struct map_out *m, const struct maps_entry *e, size_t room)
{
	char *safe = escape_vis(e->path_len > 0 ? e->path : "[anon]");
	const char *tail = e->deleted ? " (deleted)" : "";
	size_t n, skip = 0, tl = strlen(tail), ml = sizeof(NAME_MARK) - 1;
	int r;

	if (safe == NULL)
		return -1;
	n = strlen(safe);
	if (room > 0 && n + tl > room && room > tl + ml)
		skip = escape_vis_cut(safe, n, room - tl - ml);
	r = fprintf(m->fp, "%s%s%s\n", skip > 0 ? NAME_MARK : "", safe + skip,
	    tail) < 0 ? -1 : 0;
	free(safe);
	return r;
}

/* Row r of the strip between bars, padded to the full row. */
static int
put_row(struct map_out *m, const struct strip *s, size_t r)
{
	size_t from = r * m->cells, to = from + m->cells;
	struct strip_cell last = { ST_COUNT, false };

	if (to > s->nb)
		to = s->nb;
	if (putc('|', m->fp) == EOF)
		return -1;
	for (size_t b = from; b < to; b++) {
		struct strip_cell c = strip_cell(s, b);

		/* Colour changes only where the state does: fewer escapes. */
		if (m->st.color && (c.state != last.state || c.mixed != last.mixed)) {
			if (sgr(m, "0") != 0 || put_glyph(m, c.state, c.mixed) != 0)
				return -1;
		} else if (fputs(map_glyph(c.state, c.mixed, m->st.utf8),
		    m->fp) < 0)
			return -1;
		last = c;
	}
	if (m->st.color && sgr(m, "0") != 0)
		return -1;
	return fprintf(m->fp, "|%*s", (int)(m->cells - (to - from)), "") < 0 ?
	    -1 : 0;
}

static int
text_mapping(struct map_out *m, const struct maps_entry *e,
    const struct counts *c, const struct strip *s)
{
	char size[8], pres[8], anon[8];
	size_t rows = (s->nb + m->cells - 1) / m->cells;

	human(size, sizeof(size), e->end - e->start);
	counter(m, pres, sizeof(pres), c, CTR_PRESENT);
	counter(m, anon, sizeof(anon), c, CTR_ANON);
	if (fprintf(m->fp, "%016" PRIx64 " %-4s %4s %4s %4s ", e->start,
	    e->perms, size, pres, anon) < 0)
		return -1;
	if (m->narrow) {
		if (put_name(m, e, m->st.width > INFO_WIDTH + NAME_ROOM ?
		    m->st.width - INFO_WIDTH : NAME_ROOM) != 0)
			return -1;
		for (size_t r = 0; r < rows; r++)
			if (put_row(m, s, r) != 0 || putc('\n', m->fp) == EOF)
				return -1;
		return 0;
	}
	if (put_row(m, s, 0) != 0 || putc(' ', m->fp) == EOF ||
	    put_name(m, e, NAME_ROOM) != 0)
		return -1;
	for (size_t r = 1; r < rows; r++)
		if (fprintf(m->fp, "%*s", INFO_WIDTH, "") < 0 ||
		    put_row(m, s, r) != 0 || putc('\n', m->fp) == EOF)
			return -1;
	return 0;
}

int
map_out_mapping(struct map_out *m, const struct maps_entry *e,
    const struct counts *c, const struct strip *s)
{
	json_t *o;
	int r;

	if (m->st.json) {
		if ((o = json_mapping(m, e, c, s)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		r = fputs(m->nmappings++ ? ",\n" : "\n", m->fp) < 0 ||
		    json_dumpf(o, m->fp, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ?
		    -1 : 0;
		json_decref(o);
		return r;
	}
	/* Too small to draw anything worth a line: counted in one line instead. */
	if (!m->st.all && e->end - e->start < MAP_FOLD_BELOW) {
		m->folded++;
		m->folded_bytes += e->end - e->start;
		m->folded_present += stats_is_known(c, CTR_PRESENT) ?
		    c->v[CTR_PRESENT] : 0;
		return 0;
	}
	m->nmappings++;
	return text_mapping(m, e, c, s);
}

static int
json_process_end(struct map_out *m, const struct counts *t, const char *error)
{
	json_t *o = json_object(), *err;
	int r = -1;

	if (o == NULL)
		return -1;
	if (t != NULL && (set(o, "pages", json_counter(t, CTR_PAGES)) ||
	    set(o, "present", json_counter(t, CTR_PRESENT)) ||
	    set(o, "anon", json_counter(t, CTR_ANON)) ||
	    set(o, "swapped", json_counter(t, CTR_SWAPPED)))) {
		json_decref(o);
		return -1;
	}
	err = error != NULL ? json_string(error) : json_null();
	if (err != NULL && fputs("],\"totals\":", m->fp) >= 0 &&
	    (t != NULL ? json_dumpf(o, m->fp, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) == 0 : fputs("null", m->fp) >= 0) &&
	    fputs(",\"error\":", m->fp) >= 0 &&
	    json_dumpf(err, m->fp, JSON_ENCODE_ANY) == 0 &&
	    putc('}', m->fp) != EOF)
		r = 0;
	json_decref(err);
	json_decref(o);
	return r;
}

int
map_out_process_end(struct map_out *m, const struct counts *totals,
    const char *error)
{
	char size[8], pres[8], anon[8];

	if (m->st.json)
		return json_process_end(m, totals, error);
	if (m->folded > 0) {
		human(size, sizeof(size), m->folded_bytes);
		human(pres, sizeof(pres), m->folded_present * m->page_size);
		if (fprintf(m->fp, "%zu mapping%s under 64K not drawn: %s, "
		    "%s present (-v draws them)\n", m->folded,
		    m->folded == 1 ? "" : "s", size, pres) < 0)
			return -1;
	}
	if (error != NULL)
		return fprintf(m->fp, "error: %s\n", error) < 0 ? -1 : 0;
	if (totals == NULL)
		return 0;
	human(size, sizeof(size), totals->v[CTR_PAGES] * (uint64_t)m->page_size);
	counter(m, pres, sizeof(pres), totals, CTR_PRESENT);
	counter(m, anon, sizeof(anon), totals, CTR_ANON);
	return fprintf(m->fp, "%-21s %4s %4s %4s\n", "total", size, pres,
	    anon) < 0 ? -1 : 0;
}

int
map_out_end(struct map_out *m)
{
	if (m->st.json)
		return fputs("\n]}\n", m->fp) < 0 ? -1 : 0;
	return 0;
}
