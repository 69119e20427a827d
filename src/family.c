/* family.c - counting a family's page frames once, in a sparse PFN bitmap */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "pagefacts.h"
#include "pagemap.h"
#include "stats.h"

/* 2^15 PFNs (128 MiB of 4 KiB pages) per chunk: a 4 KiB bitmap. */
#define CHUNK_SHIFT	15
#define CHUNK_PFNS	(UINT64_C(1) << CHUNK_SHIFT)
#define CHUNK_WORDS	(CHUNK_PFNS / 64)

/*
 * Set pfn in s; returns 1 if it was clear, 0 if already set, -ENOMEM.
 * A PFN beyond every chunk so far grows the chunk table: page frames are
 * numbered up to the machine's highest, so the table stays small.
 */
static int
pfn_set_add(struct pfn_set *s, uint64_t pfn)
{
	uint64_t ci = pfn >> CHUNK_SHIFT, bit = pfn & (CHUNK_PFNS - 1), *w;

	if (ci >= s->nchunks) {
		size_t n = (size_t)ci + 1;
		uint64_t **nc;

		if (ci >= SIZE_MAX / sizeof(*nc) ||
		    (nc = reallocarray(s->chunks, n, sizeof(*nc))) == NULL)
			return -ENOMEM;
		memset(nc + s->nchunks, 0, (n - s->nchunks) * sizeof(*nc));
		s->chunks = nc;
		s->nchunks = n;
	}
	if (s->chunks[ci] == NULL &&
	    (s->chunks[ci] = calloc(CHUNK_WORDS, sizeof(uint64_t))) == NULL)
		return -ENOMEM;
	w = &s->chunks[ci][bit / 64];
	if (*w & (UINT64_C(1) << (bit % 64)))
		return 0;
	*w |= UINT64_C(1) << (bit % 64);
	return 1;
}

static void
pfn_set_release(struct pfn_set *s)
{
	for (size_t i = 0; i < s->nchunks; i++)
		free(s->chunks[i]);
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = 0;
}

void
family_init(struct family *f)
{
	memset(f, 0, sizeof(*f));
}

int
family_add(struct family *f, uint64_t pfn, bool anon)
{
	int r;

	if ((r = pfn_set_add(&f->present, pfn)) < 0)
		return r;
	f->npresent += (uint64_t)r;
	if (!anon)
		return 0;
	f->anon_maps++;
	if ((r = pfn_set_add(&f->anon, pfn)) < 0)
		return r;
	if (r == 1) {
		f->nanon++;
		return 0;
	}
	/* Seen before: mapped twice or more within the family. */
	if ((r = pfn_set_add(&f->anon_again, pfn)) < 0)
		return r;
	f->ncow_shared += (uint64_t)r;
	return 0;
}

int
family_add_frames(struct family *f, const struct page_obs *o,
    const struct mapping_kind *kind, const uint64_t *words, size_t n)
{
	struct page_facts pf;
	int r;

	/* The first page speaks for the run; the PFNs are each page's own. */
	pagefacts_decode(&pf, o, kind, (struct page_know){ .pfn = true });
	if (!pf.present)
		return 0;
	if (pf.zero != 0 || pf.anon < 0) {
		f->blind |= pf.zero < 0 || pf.anon < 0;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = pm_pfn(words[i]);

		/* PFN 0 is what pagemap shows those who may not see PFNs. */
		if (pfn == 0) {
			f->blind = true;
			continue;
		}
		if ((r = family_add(f, pfn, pf.anon == 1)) != 0)
			return r;
	}
	return 0;
}

uint64_t
family_cow_exposure(const struct family *f)
{
	/* Every mapping of an anonymous page beyond its first. */
	return f->anon_maps - f->nanon;
}

void
family_release(struct family *f)
{
	pfn_set_release(&f->present);
	pfn_set_release(&f->anon);
	pfn_set_release(&f->anon_again);
}
