/* kpage.c - sorted, coalesced batch reads of the kpage files */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpage.h"
#include "kpf.h"
#include "procio.h"

/*
 * Two PFNs closer than this are read in one run: reading a few unused words
 * costs less inside the kernel than another pread.
 */
#define KPAGE_GAP	16
#define KPAGE_RUN_MAX	(64 * 1024)

struct kpage_slot {
	uint64_t	pfn;
	size_t		idx;
};

void
kpage_init_fds(struct kpage *k, int count_fd, int flags_fd)
{
	memset(k, 0, sizeof(*k));
	k->count_fd = count_fd;
	k->flags_fd = flags_fd;
}

int
kpage_open(struct kpage *k, const char *procdir)
{
	char path[4096];
	int cfd, ffd, err;

	snprintf(path, sizeof(path), "%s/kpagecount", procdir);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/kpageflags", procdir);
	ffd = open(path, O_RDONLY | O_CLOEXEC);
	if (ffd < 0) {
		err = -errno;
		close(cfd);
		return err;
	}
	kpage_init_fds(k, cfd, ffd);
	return 0;
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct kpage_slot *x = a, *y = b;

	return (x->pfn > y->pfn) - (x->pfn < y->pfn);
}

static int
grow(void **p, size_t *cap, size_t want, size_t size)
{
	void *np;

	if (*cap >= want)
		return 0;
	np = reallocarray(*p, want, size);
	if (np == NULL)
		return -ENOMEM;
	*p = np;
	*cap = want;
	return 0;
}

/* Read words [first, first + len) of fd and scatter them to out[] by slot. */
static int
read_run(struct kpage *k, int fd, const struct kpage_slot *s, size_t ns,
    uint64_t first, size_t len, uint64_t fill, uint64_t *out)
{
	ssize_t got;

	if (fd < 0 || out == NULL)
		return 0;
	got = procio_read_words(fd, first, k->run, len);
	if (got < 0)
		return (int)got;
	for (size_t i = (size_t)got; i < len; i++)
		k->run[i] = fill;
	for (size_t i = 0; i < ns; i++)
		out[s[i].idx] = k->run[s[i].pfn - first];
	return 0;
}

int
kpage_join(struct kpage *k, const uint64_t *pfns, size_t n,
    uint64_t *flags, uint64_t *counts)
{
	size_t ns = 0, i, j;
	bool sorted = true;
	int err;

	if ((err = grow((void **)&k->slots, &k->slots_cap, n, sizeof(*k->slots))))
		return err;
	for (i = 0; i < n; i++) {
		if (pfns[i] == 0)
			continue;
		if (ns > 0 && pfns[i] < k->slots[ns - 1].pfn)
			sorted = false;
		k->slots[ns].pfn = pfns[i];
		k->slots[ns].idx = i;
		ns++;
	}
	if (!sorted)
		qsort(k->slots, ns, sizeof(*k->slots), slot_cmp);

	for (i = 0; i < ns; i = j) {
		uint64_t first = k->slots[i].pfn, last = first;
		size_t len;

		for (j = i + 1; j < ns; j++) {
			uint64_t p = k->slots[j].pfn;
			if (p - last > KPAGE_GAP || p - first >= KPAGE_RUN_MAX)
				break;
			last = p;
		}
		len = (size_t)(last - first + 1);
		if ((err = grow((void **)&k->run, &k->run_cap, len, sizeof(*k->run))))
			return err;
		if ((err = read_run(k, k->flags_fd, k->slots + i, j - i, first, len,
		    KPF_BIT(KPF_NOPAGE), flags)) ||
		    (err = read_run(k, k->count_fd, k->slots + i, j - i, first, len,
		    0, counts)))
			return err;
	}
	return 0;
}

void
kpage_close(struct kpage *k)
{
	if (k->count_fd >= 0)
		close(k->count_fd);
	if (k->flags_fd >= 0)
		close(k->flags_fd);
	free(k->slots);
	free(k->run);
	memset(k, 0, sizeof(*k));
	k->count_fd = k->flags_fd = -1;
}
