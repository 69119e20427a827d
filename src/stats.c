/* stats.c - the counters of semantics.md section 3, exactly as defined there */
#include "config.h"

#include <string.h>

#include "kpf.h"
#include "pagemap.h"
#include "pagescan.h"
#include "stats.h"

uint32_t
stats_known(const struct sources *src)
{
	uint32_t k = CTR_BIT(CTR_PAGES) | CTR_BIT(CTR_PRESENT) |
	    CTR_BIT(CTR_SWAPPED) | CTR_BIT(CTR_FILE) | CTR_BIT(CTR_EXCLUSIVE);
	/* The zero page is told by PAGEMAP_SCAN, or by kpageflags of its PFN. */
	bool zero = src->scan || src->kflags;

	if (zero)
		k |= CTR_BIT(CTR_ZERO) | CTR_BIT(CTR_ANON) | CTR_BIT(CTR_SHARED) |
		    CTR_BIT(CTR_COW_COPIED) | CTR_BIT(CTR_COW_SHARED);
	if (src->kflags)
		k |= CTR_BIT(CTR_DIRTY) | CTR_BIT(CTR_KSM);
	if (src->kcount && zero)
		k |= CTR_BIT(CTR_PSS);
	/* KPF_THP also marks PTE-mapped large folios: only the scan tells PMD. */
	if (src->scan)
		k |= CTR_BIT(CTR_THP);
	if (src->soft_dirty)
		k |= CTR_BIT(CTR_SOFT_DIRTY);
	return k;
}

void
stats_init(struct counts *c, uint32_t known)
{
	memset(c, 0, sizeof(*c));
	c->known = known;
}

int
stats_page_is_zero(const struct page_obs *o)
{
	if (!pm_present(o->pm))
		return 0;
	if (o->have & OBS_SCAN)
		return (o->scan & SCAN_ZERO) != 0;
	if (o->have & OBS_KFLAGS)
		return (o->kflags & KPF_BIT(KPF_ZERO_PAGE)) != 0;
	return -1;
}

static bool
page_dirty(const struct page_obs *o, bool anon)
{
	bool kdirty = (o->kflags & KPF_BIT(KPF_DIRTY)) != 0;

	if (anon) {
		/* A clean swap-cache page can be dropped without writing it. */
		return !((o->kflags & KPF_BIT(KPF_SWAPCACHE)) && !kdirty);
	}
	return kdirty;
}

void
stats_add_pages(struct counts *c, const struct mapping_kind *kind,
    const struct page_obs *o, uint64_t n)
{
	uint64_t pm = o->pm;
	int zero;
	bool anon;

	c->v[CTR_PAGES] += n;
	/* A guard region is a PTE marker that pagemap also flags as swap. */
	if (pm_swapped(pm) && !pm_guard(pm))
		c->v[CTR_SWAPPED] += n;
	if (pm_soft_dirty(pm) && (pm_present(pm) || pm_swapped(pm)))
		c->v[CTR_SOFT_DIRTY] += n;
	if (!pm_present(pm))
		return;
	c->v[CTR_PRESENT] += n;
	/*
	 * The zero page first: pagemap sets the file bit on the huge zero page
	 * (its PMD path marks every page that is not anonymous), yet it is
	 * neither page cache nor shmem.
	 */
	zero = stats_page_is_zero(o);
	if (zero > 0) {
		c->v[CTR_ZERO] += n;
		return;
	}
	/*
	 * Where the zero page cannot be told, a file-bit page of a private
	 * anonymous mapping may be the huge zero page: file is unknown there.
	 */
	if (zero < 0 && pm_file(pm) && kind->private && !kind->file)
		c->known &= ~CTR_BIT(CTR_FILE);
	if (pm_file(pm))
		c->v[CTR_FILE] += n;
	if (pm_exclusive(pm))
		c->v[CTR_EXCLUSIVE] += n;
	if (zero < 0)
		return;
	anon = !pm_file(pm);
	if (anon)
		c->v[CTR_ANON] += n;
	if (!pm_exclusive(pm))
		c->v[CTR_SHARED] += n;
	if (anon && kind->private && kind->file)
		c->v[CTR_COW_COPIED] += n;
	if (anon && kind->private && !pm_exclusive(pm))
		c->v[CTR_COW_SHARED] += n;
	/* HUGE is hugetlb too: known by the mapping, or by KPF_HUGE when privileged. */
	if ((o->have & OBS_SCAN) && (o->scan & SCAN_HUGE) && !kind->hugetlb &&
	    !((o->have & OBS_KFLAGS) && (o->kflags & KPF_BIT(KPF_HUGE))))
		c->v[CTR_THP] += n;
	if (o->have & OBS_KFLAGS) {
		if (page_dirty(o, anon))
			c->v[CTR_DIRTY] += n;
		if (o->kflags & KPF_BIT(KPF_KSM))
			c->v[CTR_KSM] += n;
	}
	if (o->have & OBS_KCOUNT) {
		/* An exclusive page, or a racing unmap (count 0), is the process's own. */
		uint64_t count = (pm_exclusive(pm) || o->kcount == 0) ? 1 : o->kcount;
		c->v[CTR_PSS] += n * ((UINT64_C(1) << PSS_SHIFT) / count);
	}
}

void
stats_add_page(struct counts *c, const struct mapping_kind *kind,
    const struct page_obs *o)
{
	stats_add_pages(c, kind, o, 1);
}

void
stats_add_holes(struct counts *c, uint64_t n)
{
	c->v[CTR_PAGES] += n;
}

void
stats_merge(struct counts *a, const struct counts *b)
{
	for (int i = 0; i < CTR_COUNT; i++)
		a->v[i] += b->v[i];
	a->known &= b->known;
}

double
stats_pss_pages(const struct counts *c)
{
	return (double)c->v[CTR_PSS] / (double)(UINT64_C(1) << PSS_SHIFT);
}

bool
stats_is_known(const struct counts *c, enum counter ctr)
{
	return (c->known & CTR_BIT(ctr)) != 0;
}
