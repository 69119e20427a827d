/* hugetlb.c - hugetlbfs devices, from memfd probes and mountinfo */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hugetlb.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT	26
#endif

static int
add_dev(struct hugetlb_devs *h, unsigned int major, unsigned int minor)
{
	unsigned int (*nd)[2];

	if (hugetlb_is_dev(h, major, minor))
		return 0;
	nd = reallocarray(h->dev, h->n + 1, sizeof(*h->dev));
	if (nd == NULL)
		return -ENOMEM;
	h->dev = nd;
	h->dev[h->n][0] = major;
	h->dev[h->n][1] = minor;
	h->n++;
	return 0;
}

/* One empty hugetlb memfd of 2^shift-byte pages: its device, if any. */
static int
probe_size(struct hugetlb_devs *h, unsigned int shift)
{
	struct stat st;
	int fd, r = 0;

	fd = memfd_create("pmstat-probe", MFD_HUGETLB | MFD_CLOEXEC |
	    (shift << MFD_HUGE_SHIFT));
	if (fd < 0)
		return 0;	/* no such size, or no hugetlbfs: nothing to learn */
	if (fstat(fd, &st) == 0)
		r = add_dev(h, major(st.st_dev), minor(st.st_dev));
	close(fd);
	return r;
}

int
hugetlb_probe(struct hugetlb_devs *h)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	memset(h, 0, sizeof(*h));
	/* The sizes are the directories hugepages-<kB>kB. */
	if ((d = opendir("/sys/kernel/mm/hugepages")) == NULL)
		return 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		unsigned long kb;
		unsigned int shift = 10;

		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1 || kb == 0)
			continue;
		while ((1UL << (shift - 10)) < kb && shift < 63)
			shift++;
		r = probe_size(h, shift);
	}
	closedir(d);
	h->n_internal = h->n;
	return r;
}

int
hugetlb_parse_mountinfo(const char *line, unsigned int *major,
    unsigned int *minor)
{
	const char *sep = strstr(line, " - ");
	unsigned int ma, mi;

	/* "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SRC OPTS" */
	if (sep == NULL || sscanf(line, "%*u %*u %u:%u", &ma, &mi) != 2)
		return 0;
	if (strncmp(sep + 3, "hugetlbfs ", 10) != 0)
		return 0;
	*major = ma;
	*minor = mi;
	return 1;
}

int
hugetlb_load_mounts(struct hugetlb_devs *h, const char *mountinfo)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	int r = 0;

	h->n = h->n_internal;
	/* An exiting task has no mount namespace left: EINVAL. */
	if ((fp = fopen(mountinfo, "re")) == NULL)
		return errno == EACCES ? 0 : errno == EINVAL ? -ESRCH : -errno;
	while (r == 0 && getline(&line, &cap, fp) >= 0) {
		unsigned int ma, mi;

		if (hugetlb_parse_mountinfo(line, &ma, &mi))
			r = add_dev(h, ma, mi);
	}
	if (r == 0 && ferror(fp))
		r = -EIO;
	free(line);
	fclose(fp);
	return r;
}

void
hugetlb_forget_mounts(struct hugetlb_devs *h)
{
	h->n = h->n_internal;
}

bool
hugetlb_is_dev(const struct hugetlb_devs *h, unsigned int major,
    unsigned int minor)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->dev[i][0] == major && h->dev[i][1] == minor)
			return true;
	return false;
}

void
hugetlb_release(struct hugetlb_devs *h)
{
	free(h->dev);
	memset(h, 0, sizeof(*h));
}
