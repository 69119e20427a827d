/*
 * inspector.c - what one run sets up once for every process it walks: the
 * kernel's page and PMD sizes, PAGEMAP_SCAN, the kpage files and their read
 * gap, the hugetlbfs devices, the second thread, and the batch buffers
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "inspect.h"
#include "kpf.h"
#include "pagemap.h"
#include "pagescan.h"
#include "twin.h"

/* 32 Ki pages: 256 KiB of pagemap per pread, about 1.5 MiB of buffers in all. */
#define INSPECT_BATCH	(32 * 1024)

/*
 * Where the zero page is one page, its PFN tells it; s390 and MIPS colour
 * it (several zero pages, by cache colour), and there only the scan does.
 */
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || \
    defined(__arm__) || defined(__riscv) || defined(__loongarch__)
#define ONE_ZERO_PAGE	1
#else
#define ONE_ZERO_PAGE	0
#endif

/*
 * Pages a PMD maps, as the kernel says; 0 if it does not (no THP), and
 * then pmd_possible() is not trusted. A page table's worth of entries is
 * right on x86 and arm64, not on s390 or ppc64.
 */
static uint64_t
pmd_size_pages(size_t page_size)
{
	FILE *fp = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "re");
	unsigned long long bytes = 0;

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%llu", &bytes) != 1)
		bytes = 0;
	fclose(fp);
	if (bytes < page_size || bytes % page_size != 0 ||
	    ((bytes / page_size) & (bytes / page_size - 1)) != 0)
		return 0;
	return bytes / page_size;
}

/* Processors this process may run on. */
static int
cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

/*
 * Whether the kernel sets KPF_KSM on an anonymous page KSM never saw: a
 * page of our own, just written. Seen on Debian's 6.12, whose kpageflags
 * tests the mapping's KSM bits one at a time, so that every anonymous page
 * reads as KSM. Such a flag tells nothing.
 */
static bool
ksm_flag_is_noise(struct inspector *in)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct pagemap pm;
	uint64_t w = 0, flags = 0, pfn;
	bool noise = false;
	char *mem;

	mem = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return false;
	*(volatile char *)mem = 1;
	if (pagemap_open(&pm, 0) == 0) {
		if (pagemap_read(&pm, (uintptr_t)mem / (uint64_t)psz, &w, 1) == 1 &&
		    (pfn = pm_pfn(w)) != 0 &&
		    kpage_join(&in->kp, &pfn, 1, &flags, NULL) == 0)
			noise = (flags & KPF_BIT(KPF_ANON)) &&
			    (flags & KPF_BIT(KPF_KSM));
		pagemap_close(&pm);
	}
	munmap(mem, (size_t)psz);
	return noise;
}

int
inspector_init(struct inspector *in, const struct inspect_opts *o)
{
	long psz = sysconf(_SC_PAGESIZE);
	int err;

	memset(in, 0, sizeof(*in));
	in->kp.count_fd = in->kp.flags_fd = -1;
	if (psz <= 0 || (psz & (psz - 1)) != 0)
		return -EINVAL;
	in->page_size = (size_t)psz;
	while ((1UL << in->page_shift) < in->page_size)
		in->page_shift++;
	in->pmd_pages = pmd_size_pages(in->page_size);
	in->batch = o->batch_pages ? o->batch_pages : INSPECT_BATCH;
	in->wanted = CTR_ALL;
	in->no_scan = o->no_scan;
	if ((err = probe_self(&in->probe)) != 0 ||
	    (err = hugetlb_probe(&in->huge)) != 0)
		return err;

	if (!o->no_scan) {
		struct pagemap self;

		if ((err = pagemap_open(&self, 0)) != 0)
			return err;
		in->scan_ok = pagescan_probe(self.fd) == 1;
		pagemap_close(&self);
	}
	if (o->no_kpage)
		in->kpage_err = 0;
	else if (!in->probe.pfn_visible)
		in->kpage_err = -EPERM;
	else if ((err = kpage_open(&in->kp, "/proc")) != 0)
		in->kpage_err = err;
	else {
		in->have_kpage = true;
		in->ksm_noise = ksm_flag_is_noise(in);
		kpage_tune(&in->kp);
	}
	in->zero_by_pfn = ONE_ZERO_PAGE && in->probe.pfn_visible &&
	    in->probe.zero_pfn != 0 && in->pmd_pages != 0;
	/* One processor: the handoffs would cost and buy nothing. */
	if (cpus() > 1)
		in->twin = twin_start();
	in->kp.twin = in->twin;

	in->words = calloc(in->batch, sizeof(*in->words));
	in->pfns = calloc(in->batch, sizeof(*in->pfns));
	in->cpfns = calloc(in->batch, sizeof(*in->cpfns));
	in->plan.full = true;
	in->kflags = calloc(in->batch, sizeof(*in->kflags));
	in->need = calloc(in->batch, sizeof(*in->need));
	in->kcounts = calloc(in->batch, sizeof(*in->kcounts));
	in->scan = calloc(in->batch, sizeof(*in->scan));
	if (!in->words || !in->pfns || !in->cpfns || !in->kflags || !in->need ||
	    !in->kcounts ||
	    !in->scan) {
		inspector_release(in);
		return -ENOMEM;
	}
	return 0;
}

void
inspector_release(struct inspector *in)
{
	if (in->have_kpage)
		kpage_close(&in->kp);
	twin_stop(in->twin);
	in->twin = NULL;
	hugetlb_release(&in->huge);
	free(in->words);
	free(in->pfns);
	free(in->cpfns);
	in->cpfns = NULL;
	free(in->kflags);
	free(in->need);
	in->need = NULL;
	free(in->kcounts);
	free(in->scan);
	in->words = in->pfns = in->kflags = in->kcounts = NULL;
	in->scan = NULL;
	in->have_kpage = false;
}
