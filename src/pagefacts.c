/* pagefacts.c - the one decoding of a page: pagemap word, scan bits, kpage words */
#include "config.h"

#include <string.h>

#include "kpf.h"
#include "pagefacts.h"
#include "pagemap.h"
#include "pagescan.h"

/* Is the present page the shared zero page? -1 when it cannot be told. */
static int8_t
decode_zero(const struct page_obs *o)
{
	if (o->have & OBS_SCAN)
		return (o->scan & SCAN_ZERO) != 0;
	if (o->have & OBS_KFLAGS)
		return (o->kflags & KPF_BIT(KPF_ZERO_PAGE)) != 0;
	return -1;
}

/*
 * Bit 61 on a present page: the kernel sets it on every page that is not
 * PageAnon, the huge zero page included (its PMD path marks whatever is not
 * anonymous), which is neither page cache nor shmem. Only a private
 * anonymous mapping can map the huge zero page, so only there does an
 * untold zero page make file unknown.
 */
static int8_t
decode_file(uint64_t pm, int8_t zero, const struct mapping_kind *kind)
{
	if (!pm_file(pm) || zero > 0)
		return 0;
	if (zero < 0 && kind->private && !kind->file)
		return -1;
	return 1;
}

/* Bit 61 clear means PageAnon, unless the page is the small zero page. */
static int8_t
decode_anon(uint64_t pm, int8_t zero)
{
	if (pm_file(pm) || zero > 0)
		return 0;
	return zero < 0 ? -1 : 1;
}

void
pagefacts_decode(struct page_facts *f, const struct page_obs *o,
    const struct mapping_kind *kind, struct page_know know)
{
	uint64_t pm = o->pm;

	memset(f, 0, sizeof(*f));
	f->present = pm_present(pm);
	/* A guard region is a PTE marker that pagemap also flags as swap. */
	f->guard = pm_guard(pm);
	f->swapped = pm_swapped(pm) && !f->guard;
	f->uffd_wp = pm_uffd_wp(pm);
	/* Bit 55 also marks holes of a VM_SOFTDIRTY mapping: it is shown as is. */
	f->soft_dirty = know.soft_dirty ? pm_soft_dirty(pm) : -1;
	/* The kernel hides swap entries, like PFNs, from unprivileged readers. */
	if (f->swapped && know.pfn) {
		f->have_swap = true;
		f->swap_type = pm_swap_type(pm);
		f->swap_offset = pm_swap_offset(pm);
	}
	if (!f->present)
		return;	/* zero, file, anon and cow_copied are known false */

	f->exclusive = pm_exclusive(pm);
	f->have_pfn = know.pfn;
	f->pfn = know.pfn ? pm_pfn(pm) : 0;
	/* The kpage words are read by PFN: their presence says it was seen. */
	if (o->have & OBS_KFLAGS) {
		f->have_kflags = true;
		f->kflags = o->kflags;
	}
	if (o->have & OBS_KCOUNT) {
		f->have_kcount = true;
		f->kcount = o->kcount;
	}
	f->zero = decode_zero(o);
	f->file = decode_file(pm, f->zero, kind);
	f->anon = decode_anon(pm, f->zero);
	/* A written page of a private file mapping is an anonymous copy. */
	f->cow_copied = kind->private && kind->file ? f->anon : 0;
	/* HUGE is hugetlb too: known by the mapping, or by KPF_HUGE when read. */
	f->pmd = (o->have & OBS_SCAN) && (o->scan & SCAN_HUGE);
	f->thp = f->pmd && !kind->hugetlb && f->zero == 0 &&
	    !(f->have_kflags && (f->kflags & KPF_BIT(KPF_HUGE)));
}
