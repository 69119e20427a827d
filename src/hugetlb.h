/* hugetlb.h - telling hugetlbfs mappings apart, whose huge pages are not THP */
#ifndef PMSTAT_HUGETLB_H
#define PMSTAT_HUGETLB_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The devices of hugetlbfs superblocks. The kernel's internal ones back
 * MAP_HUGETLB, SHM_HUGETLB and memfd MFD_HUGETLB; mounted ones back files.
 */
struct hugetlb_devs {
	unsigned int	(*dev)[2];	/* major, minor */
	size_t		 n;
	size_t		 n_internal;	/* the first n_internal are the kernel's */
};

/*
 * Learn the internal devices by creating an empty MFD_HUGETLB memfd for each
 * huge page size the kernel offers (no huge page is allocated). Returns 0
 * (also when the kernel has no hugetlbfs) or -ENOMEM.
 */
int	hugetlb_probe(struct hugetlb_devs *h);

/*
 * Keep the internal devices and add the hugetlbfs mounts of a mountinfo file
 * (a process's own: mount namespaces differ). Returns 0 or -errno: -ENOENT
 * or -ESRCH when the process is gone; an unreadable file (EACCES) is no
 * error, as the internal devices still tell most hugetlb mappings.
 */
int	hugetlb_load_mounts(struct hugetlb_devs *h, const char *mountinfo);

/* Drop the mounts loaded last, keeping the internal devices. */
void	hugetlb_forget_mounts(struct hugetlb_devs *h);

/* Parse one mountinfo line: 1 and *major, *minor if hugetlbfs, 0 if not. */
int	hugetlb_parse_mountinfo(const char *line, unsigned int *major,
	    unsigned int *minor);

bool	hugetlb_is_dev(const struct hugetlb_devs *h, unsigned int major,
	    unsigned int minor);

void	hugetlb_release(struct hugetlb_devs *h);

#endif
