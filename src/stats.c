/* stats.c - the counters of semantics.md section 3, exactly as defined there */
#include "config.h"

#include <string.h>

#include "kpf.h"
#include "pagemap.h"
#include "pagescan.h"
#include "smaps.h"
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
		k |= CTR_BIT(CTR_DIRTY);
	if (src->kflags && !src->ksm_noise)
		k |= CTR_BIT(CTR_KSM);
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
	anon = !pm_file(pm);
	if (zero < 0) {
		/* Anon or the zero page; stats_settle() tells them apart. */
		if (anon)
			c->raw[RAW_NONFILE] += n;
		if (!pm_exclusive(pm))
			c->raw[RAW_NONEXCL] += n;
		if (anon && kind->private && kind->file)
			c->raw[RAW_COW_COPIED] += n;
		if (anon && kind->private && !pm_exclusive(pm))
			c->raw[RAW_COW_SHARED] += n;
		return;
	}
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
	for (int i = 0; i < RAW_COUNT; i++)
		a->raw[i] += b->raw[i];
	a->known &= b->known;
}

/* A field of r in pages; absent lines count 0. */
static uint64_t
sm_pages(const struct smaps_rec *r, enum smaps_field f, uint64_t page_kb)
{
	return r->kb[f] > 0 ? (uint64_t)r->kb[f] / page_kb : 0;
}

/*
 * Zero, anon, file, shared and the cow counters from the raw tallies. The
 * small zero page is among the non-file pages; the huge zero page carries
 * the file bit. Returns false if the numbers do not add up.
 */
static bool
settle_zero(struct counts *c, const struct mapping_kind *kind,
    const struct smaps_rec *r, uint64_t page_kb)
{
	uint64_t rss = sm_pages(r, SM_RSS, page_kb), anon, zero, small, huge;

	if (kind->hugetlb) {
		/* No zero page in hugetlbfs, and smaps keeps its pages out of Rss. */
		zero = small = huge = 0;
		anon = c->raw[RAW_NONFILE];
	} else {
		if (r->kb[SM_RSS] < 0 || r->kb[SM_ANONYMOUS] < 0 ||
		    rss > c->v[CTR_PRESENT])
			return false;
		zero = c->v[CTR_PRESENT] - rss;
		anon = sm_pages(r, SM_ANONYMOUS, page_kb);
		if (anon > c->raw[RAW_NONFILE])
			return false;
		small = c->raw[RAW_NONFILE] - anon;
		if (small > zero || zero - small > c->v[CTR_FILE] ||
		    zero > c->raw[RAW_NONEXCL] ||
		    (kind->private && small > c->raw[RAW_COW_SHARED]) ||
		    (kind->private && kind->file && small > c->raw[RAW_COW_COPIED]))
			return false;
		huge = zero - small;
	}
	c->v[CTR_ZERO] = zero;
	c->v[CTR_ANON] = anon;
	c->v[CTR_FILE] -= huge;
	c->v[CTR_SHARED] = c->raw[RAW_NONEXCL] - zero;
	c->v[CTR_COW_COPIED] = c->raw[RAW_COW_COPIED] -
	    (kind->private && kind->file ? small : 0);
	c->v[CTR_COW_SHARED] = c->raw[RAW_COW_SHARED] -
	    (kind->private ? small : 0);
	c->known |= CTR_BIT(CTR_ZERO) | CTR_BIT(CTR_ANON) | CTR_BIT(CTR_FILE) |
	    CTR_BIT(CTR_SHARED) | CTR_BIT(CTR_COW_COPIED) |
	    CTR_BIT(CTR_COW_SHARED);
	return true;
}

/*
 * What needs the kpage files, from the kernel's own sums: Pss (in kB, so
 * the fraction below a kB is lost per mapping), Private_Dirty +
 * Shared_Dirty, and KSM (Linux 6.7+ prints it).
 */
static void
settle_kpage(struct counts *c, const struct smaps_rec *r, uint64_t page_kb,
    bool trust_ksm)
{
	if (!stats_is_known(c, CTR_PSS) && r->kb[SM_PSS] >= 0) {
		c->v[CTR_PSS] = ((uint64_t)r->kb[SM_PSS] << PSS_SHIFT) / page_kb;
		c->known |= CTR_BIT(CTR_PSS);
	}
	if (!stats_is_known(c, CTR_DIRTY) && r->kb[SM_PRIVATE_DIRTY] >= 0 &&
	    r->kb[SM_SHARED_DIRTY] >= 0) {
		c->v[CTR_DIRTY] = sm_pages(r, SM_PRIVATE_DIRTY, page_kb) +
		    sm_pages(r, SM_SHARED_DIRTY, page_kb);
		c->known |= CTR_BIT(CTR_DIRTY);
	}
	if (!stats_is_known(c, CTR_KSM) && trust_ksm && r->kb[SM_KSM] >= 0) {
		c->v[CTR_KSM] = sm_pages(r, SM_KSM, page_kb);
		c->known |= CTR_BIT(CTR_KSM);
	}
}

void
stats_settle(struct counts *c, const struct mapping_kind *kind,
    const struct smaps_rec *r, uint64_t page_kb, bool excl_doubt,
    bool trust_ksm)
{
	uint64_t pmd = sm_pages(r, SM_ANON_HUGE, page_kb) +
	    sm_pages(r, SM_SHMEM_PMD, page_kb) + sm_pages(r, SM_FILE_PMD, page_kb);

	if (page_kb == 0)
		return;
	/* More resident than present: the process changed between the reads. */
	if (r->kb[SM_RSS] >= 0 && sm_pages(r, SM_RSS, page_kb) > c->v[CTR_PRESENT])
		return;
	if (!stats_is_known(c, CTR_THP) && r->kb[SM_ANON_HUGE] >= 0) {
		c->v[CTR_THP] = kind->hugetlb ? 0 : pmd;
		c->known |= CTR_BIT(CTR_THP);
	}
	if (!stats_is_known(c, CTR_ZERO) && !settle_zero(c, kind, r, page_kb))
		return;
	settle_kpage(c, r, page_kb, trust_ksm);
	if (!excl_doubt || kind->hugetlb || pmd == 0)
		return;
	/* smaps counts each page by its own map count. */
	c->v[CTR_EXCLUSIVE] = sm_pages(r, SM_PRIVATE_CLEAN, page_kb) +
	    sm_pages(r, SM_PRIVATE_DIRTY, page_kb);
	c->v[CTR_SHARED] = sm_pages(r, SM_SHARED_CLEAN, page_kb) +
	    sm_pages(r, SM_SHARED_DIRTY, page_kb);
	/* In a private anonymous mapping every page but the zero page is anon. */
	if (kind->private && !kind->file)
		c->v[CTR_COW_SHARED] = c->v[CTR_SHARED];
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
