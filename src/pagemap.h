/* pagemap.h - the /proc/PID/pagemap word and its batched reader */
#ifndef PMSTAT_PAGEMAP_H
#define PMSTAT_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PM_PFN_MASK		((UINT64_C(1) << 55) - 1)
#define PM_SWAP_TYPE_MASK	UINT64_C(0x1f)
#define PM_SWAP_OFFSET_SHIFT	5
#define PM_SOFT_DIRTY		(UINT64_C(1) << 55)
#define PM_EXCLUSIVE		(UINT64_C(1) << 56)
#define PM_UFFD_WP		(UINT64_C(1) << 57)
#define PM_GUARD		(UINT64_C(1) << 58)
#define PM_FILE			(UINT64_C(1) << 61)
#define PM_SWAP			(UINT64_C(1) << 62)
#define PM_PRESENT		(UINT64_C(1) << 63)

static inline bool pm_present(uint64_t w)	{ return (w & PM_PRESENT) != 0; }
static inline bool pm_swapped(uint64_t w)	{ return (w & PM_SWAP) != 0; }
static inline bool pm_file(uint64_t w)		{ return (w & PM_FILE) != 0; }
static inline bool pm_exclusive(uint64_t w)	{ return (w & PM_EXCLUSIVE) != 0; }
static inline bool pm_soft_dirty(uint64_t w)	{ return (w & PM_SOFT_DIRTY) != 0; }
static inline bool pm_uffd_wp(uint64_t w)	{ return (w & PM_UFFD_WP) != 0; }
static inline bool pm_guard(uint64_t w)		{ return (w & PM_GUARD) != 0; }

/* The PFN of a present page; 0 when the reader lacks CAP_SYS_ADMIN. */
static inline uint64_t
pm_pfn(uint64_t w)
{
	return pm_present(w) ? (w & PM_PFN_MASK) : 0;
}

static inline unsigned int
pm_swap_type(uint64_t w)
{
	return (unsigned int)(w & PM_SWAP_TYPE_MASK);
}

static inline uint64_t
pm_swap_offset(uint64_t w)
{
	return (w & PM_PFN_MASK) >> PM_SWAP_OFFSET_SHIFT;
}

struct pagemap {
	int		fd;
	uint64_t	probe_vpn;	/* a page known to lie inside the task */
	bool		have_probe;
};

/* Open /proc/PID/pagemap (pid 0 means self); returns 0 or -errno. */
int	pagemap_open(struct pagemap *pm, int pid);

/*
 * Read the words for n virtual pages from vpn. The kernel ends the file at the
 * top of the task's address space (where [vsyscall] lives); pages beyond it
 * read as 0, not present, which is also what smaps says of them. A process
 * whose address space went away reads as empty everywhere: that is told apart
 * by re-reading the probe page (see pagemap_set_probe), and returns -ESRCH.
 * n must fit in an int. Returns how many words the kernel gave (the rest of
 * buf is zeroed), or -errno.
 */
int	pagemap_read(struct pagemap *pm, uint64_t vpn, uint64_t *buf, size_t n);

/*
 * Name a page known to lie inside the task (the lowest mapping does); without
 * one, the first page that reads becomes the probe.
 */
void	pagemap_set_probe(struct pagemap *pm, uint64_t vpn);

void	pagemap_close(struct pagemap *pm);

#endif
