/*
 * kprobe.h - what this kernel does, found by experiment once per program.
 *
 * Kernels differ in ways that change what a test may expect (semantics.md
 * section 2): some never map the shared zero page on a read fault, THP may be
 * off or refused, PAGEMAP_SCAN and guard regions are recent, soft-dirty is a
 * build option. The tests ask kp_get() instead of assuming, and name the
 * reason it gives in their SKIP lines. The kernel version is never consulted.
 */
#ifndef PMSTAT_KPROBE_H
#define PMSTAT_KPROBE_H

#include <stdbool.h>

#define KP_WHY	160

/* One fact: whether the kernel can, and a one-line reason when it cannot. */
struct kp_fact {
	bool	yes;
	char	why[KP_WHY];	/* why not (or a note when yes) */
};

struct kp_kernel {
	bool		root;		/* euid 0: kpage files, sysfs knobs */
	struct kp_fact	zero_page;	/* a read fault maps the shared zero page */
	struct kp_fact	huge_zero_page;	/* ... the huge zero page, in a THP area */
	char		thp_mode[16];	/* always, madvise, never, or "" (no THP) */
	struct kp_fact	thp;		/* a written MADV_HUGEPAGE 2 MiB got a THP */
	struct kp_fact	pagemap_scan;	/* the PAGEMAP_SCAN ioctl (6.7+) */
	struct kp_fact	scan_guard;	/* its GUARD category (6.14+) */
	struct kp_fact	soft_dirty;	/* pagemap bit 55 set by a write */
	struct kp_fact	guard;		/* MADV_GUARD_INSTALL */
	struct kp_fact	vsyscall;	/* [vsyscall] in our maps */
	struct kp_fact	swap;		/* we may swapon a swapfile (root) */
	struct kp_fact	ksm;		/* KSM knobs writable, smaps KSM: line */
	struct kp_fact	ksm_flag;	/* KPF_KSM only on KSM pages (root) */
	struct kp_fact	smaps_ksm;	/* smaps has a KSM: line (6.7+) */
	struct kp_fact	hugetlb;	/* surplus huge pages can be allowed */
};

/*
 * The facts, probed on the first call (call it in main() before the tests
 * are forked, so that it runs once) and kept.
 */
const struct kp_kernel *kp_get(void);

/* Print the facts to stderr, one line each, for the test log. */
void	kp_log(void);

/* How pmstat is run, for kp_known(). */
#define KP_NO_SCAN	0x1	/* --no-scan */
#define KP_NO_KPAGE	0x2	/* --no-kpage */
#define KP_NOBODY	0x4	/* run as an unprivileged user */
#define KP_CUT		0x8	/* --range cuts the mapping: no smaps record */

/*
 * Whether pmstat can know counter (a JSON key of semantics.md section 3)
 * when run with how on this kernel, as today's pmstat does: zero, anon,
 * shared, cow_copied and cow_shared come from PAGEMAP_SCAN or the kpage
 * files, thp from PAGEMAP_SCAN, and any of them, for a whole mapping, from
 * smaps (which the owner may read); dirty/ksm/pss need the kpage files,
 * soft_dirty a kernel that tracks it.
 */
bool	kp_known(const char *counter, unsigned how);

/*
 * The page-level twin of kp_known(): whether pmstat run as how can know
 * field of ONE page (--pages, --pages=runs, --summary, --flags), where no
 * smaps record helps. field is a JSON page key or a page flag name:
 *   zero, cow_copied (keys), anon, zero_page (flags, and the flags word's
 *   bits): PAGEMAP_SCAN's PFNZERO, or the page's kpageflags;
 *   pmd (flag): PAGEMAP_SCAN's HUGE only (KPF_THP is not PMD-mapped);
 *   pfn: PFNs, which pagemap shows only to CAP_SYS_ADMIN;
 *   kpagecount, kpageflags: the kpage files;
 *   soft_dirty: a kernel that tracks it;
 * anything else (present, file, exclusive, ...): pagemap's own bits, known.
 */
bool	kp_page_known(const char *field, unsigned how);

#endif
