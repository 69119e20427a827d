/* strip.c - bucketing a mapping's pages into states, with no work per hole */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kpf.h"
#include "strip.h"

static const char *const state_names[ST_COUNT] = {
	[ST_GUARD] = "guard", [ST_SWAPPED] = "swapped", [ST_KSM] = "ksm",
	[ST_THP] = "thp", [ST_ZERO] = "zero", [ST_COW_COPIED] = "cow_copied",
	[ST_COW_SHARED] = "cow_shared", [ST_ANON] = "anon", [ST_FILE] = "file",
	[ST_UNKNOWN] = "unknown", [ST_EMPTY] = "not_present",
};

const char *
strip_state_name(enum strip_state st)
{
	return st < ST_COUNT ? state_names[st] : "?";
}

int
strip_init(struct strip *s, size_t max, unsigned int page_shift)
{
	memset(s, 0, sizeof(*s));
	if (max == 0)
		return -EINVAL;
	if ((s->count = calloc(max, sizeof(*s->count))) == NULL)
		return -ENOMEM;
	s->max = max;
	s->page_shift = page_shift;
	return 0;
}

void
strip_release(struct strip *s)
{
	free(s->count);
	s->count = NULL;
	s->max = s->nb = 0;
}

void
strip_begin(struct strip *s, uint64_t start, uint64_t end)
{
	s->start = start;
	s->pages = (end - start) >> s->page_shift;
	/* A bucket never stands for less than a page: small mappings are short. */
	s->nb = s->pages < s->max ? (size_t)s->pages : s->max;
	memset(s->count, 0, s->nb * sizeof(*s->count));
	s->open = true;
	s->finished = false;
}

/* The bucket of page p (an index into the mapping): floor(p * N / P). */
static size_t
bucket_of(const struct strip *s, uint64_t p)
{
	return (size_t)((unsigned __int128)p * s->nb / s->pages);
}

uint64_t
strip_bucket_first(const struct strip *s, size_t b)
{
	/* ceil(b * P / N), in 128 bits: P * N overflows 64 on huge reservations. */
	return (uint64_t)(((unsigned __int128)b * s->pages + s->nb - 1) / s->nb);
}

uint64_t
strip_bucket_pages(const struct strip *s, size_t b)
{
	return strip_bucket_first(s, b + 1) - strip_bucket_first(s, b);
}

void
strip_add(struct strip *s, uint64_t addr, uint64_t n, enum strip_state st)
{
	uint64_t p, end;

	/* Holes are what strip_finish() leaves over: counting them costs per page. */
	if (!s->open || s->nb == 0 || st == ST_EMPTY || addr < s->start)
		return;
	p = (addr - s->start) >> s->page_shift;
	if (p >= s->pages)
		return;
	end = n > s->pages - p ? s->pages : p + n;
	/* A run spans few buckets, or many pages of one: per bucket, not per page. */
	while (p < end) {
		size_t b = bucket_of(s, p);
		uint64_t next = strip_bucket_first(s, b + 1);
		uint64_t k = (next < end ? next : end) - p;

		s->count[b][st] += k;
		p += k;
	}
}

void
strip_finish(struct strip *s)
{
	for (size_t b = 0; b < s->nb; b++) {
		uint64_t seen = 0, size = strip_bucket_pages(s, b);

		for (int st = 0; st < ST_COUNT; st++)
			if (st != ST_EMPTY)
				seen += s->count[b][st];
		/* The walk reports no page twice; should it, empty stays 0. */
		s->count[b][ST_EMPTY] = seen < size ? size - seen : 0;
	}
	s->finished = true;
}

struct strip_cell
strip_cell(const struct strip *s, size_t b)
{
	struct strip_cell c = { .state = ST_EMPTY, .mixed = false };
	uint64_t best = 0, total = 0;

	/* Strictly greater: the earlier state of a tie (the precedence) wins. */
	for (int st = 0; st < ST_COUNT; st++) {
		total += s->count[b][st];
		if (s->count[b][st] > best) {
			best = s->count[b][st];
			c.state = (enum strip_state)st;
		}
	}
	c.mixed = best < total;
	return c;
}

enum strip_state
strip_state_of(const struct page_facts *f, const struct mapping_kind *kind)
{
	if (f->guard)
		return ST_GUARD;
	if (f->swapped)
		return ST_SWAPPED;
	if (!f->present)
		return ST_EMPTY;
	/* Without kpageflags a KSM page is drawn as the anonymous page it is. */
	if (f->have_kflags && (f->kflags & KPF_BIT(KPF_KSM)))
		return ST_KSM;
	if (f->thp)
		return ST_THP;
	if (f->zero > 0)
		return ST_ZERO;
	if (f->file > 0)
		return ST_FILE;
	/* The zero page untold (no scan, no PFNs): anon or zero, nobody knows. */
	if (f->anon <= 0 || f->file < 0)
		return ST_UNKNOWN;
	if (f->cow_copied > 0)
		return ST_COW_COPIED;
	if (!f->exclusive && kind->private)
		return ST_COW_SHARED;
	return ST_ANON;
}
