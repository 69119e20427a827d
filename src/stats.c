/* stats.c - the counters of semantics.md section 3, exactly as defined there */
#include "config.h"

#include <string.h>

#include "kpf.h"
#include "pagefacts.h"
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
	/* The kind does not change whether the page is the zero page. */
	static const struct mapping_kind any = { .private = true };
	struct page_facts f;

	pagefacts_decode(&f, o, &any, (struct page_know){ 0 });
	return f.zero;
}

/* Written, as smaps would say, from a page's kpageflags (have_kflags). */
static bool
page_dirty(const struct page_facts *f)
{
	bool kdirty = (f->kflags & KPF_BIT(KPF_DIRTY)) != 0;

	if (f->anon > 0) {
		/* A clean swap-cache page can be dropped without writing it. */
		return !((f->kflags & KPF_BIT(KPF_SWAPCACHE)) && !kdirty);
	}
	return kdirty;
}

void
stats_add_pages(struct counts *c, const struct mapping_kind *kind,
    const struct page_obs *o, uint64_t n)
{
	/*
	 * Bit 55 is tallied as the kernel gives it: whether soft_dirty is shown
	 * is c->known's to say, once for the mapping. PFNs are not counted.
	 */
	static const struct page_know know = { .soft_dirty = true };
	struct page_facts f;

	pagefacts_decode(&f, o, kind, know);
	c->v[CTR_PAGES] += n;
	if (f.swapped)
		c->v[CTR_SWAPPED] += n;
	/* Pages that exist: holes of a VM_SOFTDIRTY mapping carry bit 55 too. */
	if (f.soft_dirty > 0 && (f.present || f.swapped || f.guard))
		c->v[CTR_SOFT_DIRTY] += n;
	if (!f.present)
		return;
	c->v[CTR_PRESENT] += n;
	if (f.zero > 0) {
		c->v[CTR_ZERO] += n;
		return;
	}
	/* A file-bit page that may be the huge zero page: stats_settle() knows. */
	if (f.file < 0)
		c->known &= ~CTR_BIT(CTR_FILE);
	if (f.file != 0)
		c->v[CTR_FILE] += n;
	if (f.exclusive)
		c->v[CTR_EXCLUSIVE] += n;
	if (f.zero < 0) {
		/* Anon or the zero page; stats_settle() tells them apart. */
		if (f.anon < 0)
			c->raw[RAW_NONFILE] += n;
		if (!f.exclusive)
			c->raw[RAW_NONEXCL] += n;
		if (f.cow_copied < 0)
			c->raw[RAW_COW_COPIED] += n;
		if (f.anon < 0 && kind->private && !f.exclusive)
			c->raw[RAW_COW_SHARED] += n;
		return;
	}
	if (f.anon > 0)
		c->v[CTR_ANON] += n;
	if (!f.exclusive)
		c->v[CTR_SHARED] += n;
	if (f.cow_copied > 0)
		c->v[CTR_COW_COPIED] += n;
	if (f.anon > 0 && kind->private && !f.exclusive)
		c->v[CTR_COW_SHARED] += n;
	if (f.thp)
		c->v[CTR_THP] += n;
	if (f.have_kflags) {
		if (page_dirty(&f))
			c->v[CTR_DIRTY] += n;
		if (f.kflags & KPF_BIT(KPF_KSM))
			c->v[CTR_KSM] += n;
	}
	if (f.have_kcount) {
		/* An exclusive page, or a racing unmap (count 0), is the process's own. */
		uint64_t count = (f.exclusive || f.kcount == 0) ? 1 : f.kcount;
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

/* A field of r in kB; an absent line counts 0. */
static uint64_t
kb_or_0(const struct smaps_rec *r, enum smaps_field f)
{
	return r->kb[f] > 0 ? (uint64_t)r->kb[f] : 0;
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
		uint64_t kb = (uint64_t)r->kb[SM_PSS];

		/* Whole pages first: kB << PSS_SHIFT overflows past 1 PiB. */
		c->v[CTR_PSS] = (kb / page_kb << PSS_SHIFT) +
		    ((kb % page_kb) << PSS_SHIFT) / page_kb;
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

/*
 * Whether r can be the record of a mapping with c's present pages: Rss
 * printed and no more than present, every part of it within it. The
 * kernel's own record always is; one that is not (the process changed
 * between the readings, a damaged or hostile capture) would settle counters
 * larger than the mapping.
 */
static bool
rec_adds_up(const struct counts *c, const struct smaps_rec *r, uint64_t page_kb)
{
	static const enum smaps_field parts[] = {
		SM_PSS, SM_SHARED_CLEAN, SM_SHARED_DIRTY, SM_PRIVATE_CLEAN,
		SM_PRIVATE_DIRTY, SM_ANONYMOUS, SM_KSM, SM_ANON_HUGE,
		SM_SHMEM_PMD, SM_FILE_PMD,
	};
	uint64_t rss, pmd, split;

	if (r->kb[SM_RSS] < 0)
		return false;
	rss = (uint64_t)r->kb[SM_RSS];
	if (rss / page_kb > c->v[CTR_PRESENT] ||
	    (rss / page_kb == c->v[CTR_PRESENT] && rss % page_kb != 0))
		return false;
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++)
		if (r->kb[parts[i]] > r->kb[SM_RSS])
			return false;
	/* Each part is at most Rss, a long long: three of them fit a uint64_t. */
	pmd = kb_or_0(r, SM_ANON_HUGE) + kb_or_0(r, SM_SHMEM_PMD) +
	    kb_or_0(r, SM_FILE_PMD);
	split = kb_or_0(r, SM_SHARED_CLEAN) + kb_or_0(r, SM_SHARED_DIRTY);
	if (pmd > rss || split > rss)
		return false;
	split += kb_or_0(r, SM_PRIVATE_CLEAN) + kb_or_0(r, SM_PRIVATE_DIRTY);
	return split <= rss;
}

void
stats_settle(struct counts *c, const struct mapping_kind *kind,
    const struct smaps_rec *r, uint64_t page_kb, bool excl_doubt,
    bool trust_ksm)
{
	uint64_t pmd;

	if (page_kb == 0 || !rec_adds_up(c, r, page_kb))
		return;
	pmd = sm_pages(r, SM_ANON_HUGE, page_kb) +
	    sm_pages(r, SM_SHMEM_PMD, page_kb) + sm_pages(r, SM_FILE_PMD, page_kb);
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
