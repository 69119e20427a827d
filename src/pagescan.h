/* pagescan.h - the PAGEMAP_SCAN ioctl (Linux 6.7+) */
#ifndef PMSTAT_PAGESCAN_H
#define PMSTAT_PAGESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#ifdef HAVE_LINUX_FS_H
#include <linux/fs.h>
#endif

/* The system headers may predate the ioctl: declare its UAPI here. */
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t	start;
	uint64_t	end;
	uint64_t	categories;
};

struct pm_scan_arg {
	uint64_t	size;
	uint64_t	flags;
	uint64_t	start;
	uint64_t	end;
	uint64_t	walk_end;
	uint64_t	vec;
	uint64_t	vec_len;
	uint64_t	max_pages;
	uint64_t	category_inverted;
	uint64_t	category_mask;
	uint64_t	category_anyof_mask;
	uint64_t	return_mask;
};

#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WPALLOWED	(1 << 0)
#define PAGE_IS_WRITTEN		(1 << 1)
#define PAGE_IS_FILE		(1 << 2)
#define PAGE_IS_PRESENT		(1 << 3)
#define PAGE_IS_SWAPPED		(1 << 4)
#define PAGE_IS_PFNZERO		(1 << 5)
#define PAGE_IS_HUGE		(1 << 6)
#define PAGE_IS_SOFT_DIRTY	(1 << 7)
#endif
#ifndef PAGE_IS_GUARD
#define PAGE_IS_GUARD		(1 << 8)
#endif

/* What pmstat asks of each page, one bit each in a byte. */
#define SCAN_ZERO	0x01	/* maps the shared zero page (PFNZERO) */
#define SCAN_HUGE	0x02	/* PMD-mapped or hugetlb (HUGE) */

struct pagescan {
	int			 fd;	/* the target's pagemap */
	struct page_region	*vec;
	size_t			 vec_len;
};

/*
 * Whether the kernel answers PAGEMAP_SCAN on this pagemap fd: 1 yes, 0 no
 * (ENOTTY or EINVAL: too old), -errno for anything else.
 */
int	pagescan_probe(int pagemap_fd);

/* Prepare a scanner on a pagemap fd (not owned); returns 0 or -ENOMEM. */
int	pagescan_init(struct pagescan *s, int pagemap_fd);

/*
 * One PAGEMAP_SCAN call over [start, end): regions of pages in any of the
 * anyof categories, each with its categories masked by ret, land in s->vec.
 * *got is their number; *next is where to resume, 0 when the walk is done.
 * A region may begin below what an earlier call already returned: callers
 * skip what they have consumed. Returns 0 or -errno.
 */
int	pagescan_regions(struct pagescan *s, uint64_t start, uint64_t end,
	    uint64_t anyof, uint64_t ret, size_t *got, uint64_t *next);

/* The SCAN_* bits of a region's categories. */
uint8_t	pagescan_bits(uint64_t categories);

/*
 * Set SCAN_ZERO/SCAN_HUGE in out[i] for the n pages starting at address start
 * (out is cleared first). Returns 0 or -errno.
 */
int	pagescan_mark(struct pagescan *s, uint64_t start, size_t n,
	    size_t page_size, uint8_t *out);

/*
 * Where to resume after a call that returned got regions: 0 when the walk is
 * complete. The kernel updates walk_end only when a pass stops early, so it
 * can be stale after a full vector; the end of the last region bounds it.
 */
uint64_t pagescan_resume(const struct pm_scan_arg *arg,
	    const struct page_region *vec, size_t got);

void	pagescan_release(struct pagescan *s);

#endif
