/* kprobe.c - probe the kernel's memory behaviour by experiment, once */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagescan.h"	/* the PAGEMAP_SCAN UAPI, where the headers lack it */
#include "kprobe.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif

#define PM_PRESENT	(UINT64_C(1) << 63)
#define PM_FILE		(UINT64_C(1) << 61)
#define PM_EXCLUSIVE	(UINT64_C(1) << 56)
#define PM_SOFTDIRTY	(UINT64_C(1) << 55)
#define PM_PFN		((UINT64_C(1) << 55) - 1)
#define KPF_THP		22
#define KPF_KSM		21
#define KPF_ZERO_PAGE	24
#define HUGE_BYTES	(2UL << 20)
#define KSM_RUN		"/sys/kernel/mm/ksm/run"
#define OVERCOMMIT_HUGE	"/proc/sys/vm/nr_overcommit_hugepages"

static struct kp_kernel kp;
static bool probed;
static size_t ps;

static void
fact(struct kp_fact *f, bool yes, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fact(struct kp_fact *f, bool yes, const char *fmt, ...)
{
	va_list ap;

	f->yes = yes;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

/* Our own pagemap word of addr; 0 if it cannot be read. */
static uint64_t
pagemap_word(const void *addr)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t w = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &w, sizeof(w), (off_t)((uintptr_t)addr / ps *
	    sizeof(w))) != (ssize_t)sizeof(w))
		w = 0;
	close(fd);
	return w;
}

/* The kpageflags word of a pagemap word's PFN; -1 without one (not root). */
static int64_t
kpageflags_of(uint64_t pm)
{
	int fd;
	uint64_t k;
	ssize_t r;

	if (!(pm & PM_PRESENT) || (pm & PM_PFN) == 0 ||
	    (fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = pread(fd, &k, sizeof(k), (off_t)((pm & PM_PFN) * sizeof(k)));
	close(fd);
	return r == (ssize_t)sizeof(k) ? (int64_t)(k & INT64_MAX) : -1;
}

/* A fresh private anonymous mapping of len bytes aligned to align. */
static char *
fresh(size_t len, size_t align, void **base, size_t *total)
{
	uintptr_t p;

	*total = len + align;
	*base = mmap(NULL, *total, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*base == MAP_FAILED)
		return NULL;
	p = (uintptr_t)*base;
	if (align > 0)
		p = (p + align - 1) & ~(uintptr_t)(align - 1);
	return (char *)p;
}

/*
 * A page only read: the shared zero page is mapped not exclusively (bit 56
 * clear), with KPF_ZERO_PAGE where we may read kpageflags. Kernels that
 * forbid it (pvm_no_zero_page=1, s390 KVM) give an exclusive page.
 */
static void
probe_zero_page(void)
{
	void *base;
	size_t total;
	char *p = fresh(ps, 0, &base, &total);
	uint64_t pm;
	int64_t kf;

	if (p == NULL) {
		fact(&kp.zero_page, false, "mmap: %s", strerror(errno));
		return;
	}
	(void)*(volatile char *)p;
	pm = pagemap_word(p);
	kf = kpageflags_of(pm);
	if (!(pm & PM_PRESENT))
		fact(&kp.zero_page, false, "a read fault mapped nothing");
	else if (kf >= 0)
		fact(&kp.zero_page, (kf >> KPF_ZERO_PAGE) & 1, "%s",
		    (kf >> KPF_ZERO_PAGE) & 1 ? "KPF_ZERO_PAGE after a read" :
		    "no shared zero page: a read fault maps an exclusive page "
		    "without KPF_ZERO_PAGE (pvm_no_zero_page?)");
	else
		fact(&kp.zero_page, !(pm & PM_EXCLUSIVE), "%s",
		    !(pm & PM_EXCLUSIVE) ? "a read page is not exclusive" :
		    "no shared zero page: a read fault maps an exclusive page "
		    "(pvm_no_zero_page?)");
	munmap(base, total);
}

/* AnonHugePages (kB) of our mapping that holds addr, or -1. */
static long
anon_huge_kb(const void *addr)
{
	FILE *fp = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;
	long kb = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		unsigned long long s, e;

		if (sscanf(line, "%llx-%llx ", &s, &e) == 2)
			in = s <= (uintptr_t)addr && (uintptr_t)addr < e;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(fp);
	return kb;
}

/* The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled. */
static void
probe_thp_mode(void)
{
	FILE *fp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	char line[128], *a, *b;

	kp.thp_mode[0] = '\0';
	if (fp == NULL)
		return;
	if (fgets(line, sizeof(line), fp) != NULL &&
	    (a = strchr(line, '[')) != NULL && (b = strchr(a, ']')) != NULL) {
		*b = '\0';
		strlcpy(kp.thp_mode, a + 1, sizeof(kp.thp_mode));
	}
	fclose(fp);
}

/* An aligned 2 MiB, MADV_HUGEPAGE; write: is it a THP; read: huge zero? */
static void
probe_thp(bool write)
{
	struct kp_fact *f = write ? &kp.thp : &kp.huge_zero_page;
	void *base;
	size_t total;
	char *p;
	uint64_t pm;
	int64_t kf;

	if (kp.thp_mode[0] == '\0' || strcmp(kp.thp_mode, "never") == 0) {
		fact(f, false, "transparent huge pages are %s", kp.thp_mode[0] ?
		    "\"never\"" : "not built in");
		return;
	}
	if ((p = fresh(HUGE_BYTES, HUGE_BYTES, &base, &total)) == NULL ||
	    madvise(p, HUGE_BYTES, MADV_HUGEPAGE) != 0) {
		fact(f, false, "mmap/MADV_HUGEPAGE: %s", strerror(errno));
		if (p != NULL)
			munmap(base, total);
		return;
	}
	if (write) {
		memset(p, 'T', HUGE_BYTES);
		fact(f, anon_huge_kb(p) == (long)(HUGE_BYTES / 1024), "%s",
		    anon_huge_kb(p) == (long)(HUGE_BYTES / 1024) ?
		    "AnonHugePages 2048 kB" : "no THP granted: a written 2 MiB "
		    "MADV_HUGEPAGE area has AnonHugePages 0 kB");
	} else {
		/* Only the huge zero page puts the file bit on private anon. */
		(void)*(volatile char *)p;
		pm = pagemap_word(p);
		kf = kpageflags_of(pm);
		if (kf >= 0)
			fact(f, ((kf >> KPF_ZERO_PAGE) & 1) && ((kf >> KPF_THP) & 1),
			    "no huge zero page: a read of a 2 MiB MADV_HUGEPAGE area "
			    "maps no page with KPF_ZERO_PAGE and KPF_THP");
		else
			fact(f, (pm & PM_PRESENT) && (pm & PM_FILE) &&
			    !(pm & PM_EXCLUSIVE), "no huge zero page: a read of a "
			    "2 MiB MADV_HUGEPAGE area maps no shared file-bit page");
		if (f->yes)
			strlcpy(f->why, "the huge zero page after a read", KP_WHY);
	}
	munmap(base, total);
}

/* PAGEMAP_SCAN over one page of ours, asking for categories; 0 or errno. */
static int
scan_once(const char *p, uint64_t categories)
{
	struct page_region r;
	struct pm_scan_arg a;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = (uintptr_t)p;
	a.end = (uintptr_t)p + ps;
	a.vec = (uintptr_t)&r;
	a.vec_len = 1;
	a.category_anyof_mask = categories;
	a.return_mask = categories;
	if (ioctl(fd, PAGEMAP_SCAN, &a) < 0)
		e = errno;
	close(fd);
	return e;
}

/* The ioctl and its GUARD category: older kernels refuse unknown bits. */
static void
probe_scan(void)
{
	char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int e;

	if (p == MAP_FAILED) {
		fact(&kp.pagemap_scan, false, "mmap: %s", strerror(errno));
		fact(&kp.scan_guard, false, "mmap: %s", strerror(errno));
		return;
	}
	p[0] = 1;
	e = scan_once(p, PAGE_IS_PRESENT);
	if (e == ENOTTY || e == EINVAL)
		fact(&kp.pagemap_scan, false, "no PAGEMAP_SCAN (Linux 6.7+): "
		    "the ioctl fails with %s", strerror(e));
	else
		fact(&kp.pagemap_scan, e == 0, "PAGEMAP_SCAN: %s",
		    e ? strerror(e) : "works");
	e = kp.pagemap_scan.yes ? scan_once(p, PAGE_IS_GUARD) : ENOTTY;
	fact(&kp.scan_guard, e == 0, "%s", e == 0 ? "PAGEMAP_SCAN GUARD works" :
	    "no PAGEMAP_SCAN GUARD category (Linux 6.14+)");
	munmap(p, ps);
}

/* A written page of a fresh mapping has bit 55 where soft-dirty is tracked. */
static void
probe_soft_dirty(void)
{
	char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t pm;

	if (p == MAP_FAILED) {
		fact(&kp.soft_dirty, false, "mmap: %s", strerror(errno));
		return;
	}
	p[0] = 1;
	pm = pagemap_word(p);
	fact(&kp.soft_dirty, (pm & PM_SOFTDIRTY) != 0, "%s",
	    pm & PM_SOFTDIRTY ? "a written page has pagemap bit 55" :
	    "no soft-dirty tracking: a written page lacks pagemap bit 55 "
	    "(no CONFIG_MEM_SOFT_DIRTY)");
	munmap(p, ps);
}

static void
probe_guard(void)
{
	char *p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fact(&kp.guard, false, "mmap: %s", strerror(errno));
		return;
	}
	if (madvise(p, ps, MADV_GUARD_INSTALL) == 0)
		fact(&kp.guard, true, "MADV_GUARD_INSTALL works");
	else
		fact(&kp.guard, false, "no guard regions: MADV_GUARD_INSTALL: %s "
		    "(Linux 6.13+)", strerror(errno));
	munmap(p, 2 * ps);
}

/* Whether a line of file starts with (or, any: contains) s. */
static bool
file_has(const char *file, const char *s, bool any)
{
	FILE *fp = fopen(file, "re");
	char line[512];
	bool found = false;

	if (fp == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = any ? strstr(line, s) != NULL :
		    strncmp(line, s, strlen(s)) == 0;
	fclose(fp);
	return found;
}

/* What needs root and a system knob: swap, KSM, hugetlb. */
static void
probe_system(void)
{
	bool vs = file_has("/proc/self/maps", "[vsyscall]", true);

	fact(&kp.vsyscall, vs, "%s", vs ? "[vsyscall] mapped" :
	    "no [vsyscall] mapping");
	if (!kp.root)
		fact(&kp.swap, false, "not root: cannot swapon");
	else
		fact(&kp.swap, access("/proc/swaps", R_OK) == 0, "%s",
		    access("/proc/swaps", R_OK) == 0 ? "root, /proc/swaps" :
		    "no swap support (no /proc/swaps)");
	fact(&kp.smaps_ksm, file_has("/proc/self/smaps", "KSM:", false), "%s",
	    file_has("/proc/self/smaps", "KSM:", false) ? "smaps has a KSM: line" :
	    "smaps has no KSM: line (an older kernel)");
	if (access(KSM_RUN, F_OK) != 0)
		fact(&kp.ksm, false, "no KSM (no %s)", KSM_RUN);
	else if (!file_has("/proc/self/smaps", "KSM:", false))
		fact(&kp.ksm, false, "smaps has no KSM: line (an older kernel)");
	else if (!kp.root || access(KSM_RUN, W_OK) != 0)
		fact(&kp.ksm, false, "not root: cannot turn ksmd on");
	else
		fact(&kp.ksm, true, "%s writable", KSM_RUN);
	if (!file_has("/proc/meminfo", "Hugepagesize:", false))
		fact(&kp.hugetlb, false, "no hugetlb support");
	else if (!kp.root || access(OVERCOMMIT_HUGE, W_OK) != 0)
		fact(&kp.hugetlb, false, "not root: cannot allow surplus huge "
		    "pages");
	else
		fact(&kp.hugetlb, true, "%s writable", OVERCOMMIT_HUGE);
}

/*
 * A page of our own, just written, that KSM never saw: KPF_KSM must be
 * clear. Debian's 6.12 sets it on every anonymous page.
 */
static void
probe_ksm_flag(void)
{
	void *base;
	size_t total;
	char *p = fresh(ps, 0, &base, &total);
	int64_t kf;

	if (p == NULL) {
		fact(&kp.ksm_flag, false, "mmap: %s", strerror(errno));
		return;
	}
	*(volatile char *)p = 1;
	kf = kpageflags_of(pagemap_word(p));
	if (kf < 0)
		fact(&kp.ksm_flag, false, "not root: /proc/kpageflags");
	else
		fact(&kp.ksm_flag, !((kf >> KPF_KSM) & 1), "%s",
		    (kf >> KPF_KSM) & 1 ? "KPF_KSM on an anonymous page KSM "
		    "never saw: the kernel sets it on every one" :
		    "KPF_KSM clear on a page of our own");
	munmap(base, total);
}

const struct kp_kernel *
kp_get(void)
{
	if (probed)
		return &kp;
	ps = (size_t)sysconf(_SC_PAGESIZE);
	kp.root = geteuid() == 0;
	probe_zero_page();
	probe_ksm_flag();
	probe_thp_mode();
	probe_thp(false);	/* first: a THP area must be fresh for the read */
	probe_thp(true);
	probe_scan();
	probe_soft_dirty();
	probe_guard();
	probe_system();
	probed = true;
	return &kp;
}

void
kp_log(void)
{
	const struct kp_kernel *k = kp_get();
	const struct { const char *name; const struct kp_fact *f; } all[] = {
		{ "zero page", &k->zero_page },
		{ "huge zero page", &k->huge_zero_page },
		{ "THP granted", &k->thp },
		{ "PAGEMAP_SCAN", &k->pagemap_scan },
		{ "scan GUARD", &k->scan_guard },
		{ "soft-dirty", &k->soft_dirty },
		{ "guard regions", &k->guard },
		{ "[vsyscall]", &k->vsyscall },
		{ "swap", &k->swap },
		{ "KSM", &k->ksm },
		{ "KPF_KSM", &k->ksm_flag },
		{ "smaps KSM", &k->smaps_ksm },
		{ "hugetlb", &k->hugetlb },
	};

	fprintf(stderr, "kprobe: root %s, THP \"%s\"\n", k->root ? "yes" : "no",
	    k->thp_mode);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		fprintf(stderr, "kprobe: %-15s %-3s %s\n", all[i].name,
		    all[i].f->yes ? "yes" : "no", all[i].f->why);
}

static bool
is(const char *counter, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(counter, *set) == 0)
			return true;
	return false;
}

bool
kp_known(const char *counter, unsigned how)
{
	static const char *const by_zero[] = { "zero", "anon", "shared",
	    "cow_copied", "cow_shared", NULL };
	static const char *const by_kpage[] = { "dirty", "ksm", "pss", NULL };
	const struct kp_kernel *k = kp_get();
	bool scan = k->pagemap_scan.yes && !(how & KP_NO_SCAN);
	bool kpage = k->root && !(how & (KP_NO_KPAGE | KP_NOBODY));
	bool smaps = !(how & KP_CUT);

	if (is(counter, by_zero))
		return scan || kpage || smaps;
	if (strcmp(counter, "thp") == 0)
		return scan || smaps;
	/*
	 * pmstat drops a KPF_KSM that marks every anonymous page; without the
	 * kpage files, smaps' KSM: line tells (Linux 6.7+).
	 */
	if (strcmp(counter, "ksm") == 0)
		return kpage ? k->ksm_flag.yes : smaps && k->smaps_ksm.yes;
	/* Without the kpage files, smaps' Pss and *_Dirty. */
	if (is(counter, by_kpage))
		return kpage || smaps;
	if (strcmp(counter, "soft_dirty") == 0)
		return k->soft_dirty.yes;
	return true;
}

bool
kp_page_known(const char *field, unsigned how)
{
	static const char *const by_zero[] = { "zero", "anon", "cow_copied",
	    "zero_page", NULL };
	static const char *const by_kpage[] = { "kpagecount", "kpageflags",
	    NULL };
	const struct kp_kernel *k = kp_get();
	bool scan = k->pagemap_scan.yes && !(how & KP_NO_SCAN);
	bool kpage = k->root && !(how & (KP_NO_KPAGE | KP_NOBODY));

	if (is(field, by_zero))
		return scan || kpage;
	if (strcmp(field, "pmd") == 0)
		return scan;
	if (strcmp(field, "pfn") == 0)
		return k->root && !(how & KP_NOBODY);
	if (is(field, by_kpage))
		return kpage;
	if (strcmp(field, "soft_dirty") == 0)
		return k->soft_dirty.yes;
	return true;
}
