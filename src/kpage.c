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
#include "twin.h"

/*
 * Two PFNs closer than this are read in one run. Measured on Linux 6.18: a
 * pread of the kpage files costs ~200 ns, and each word ~100 ns more (the
 * kernel snapshots the struct page), so two unused words cost about what
 * another pread does.
 */
#define KPAGE_GAP	3
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

/*
 * Sort slots by PFN: an LSD radix sort, RADIX_BITS a pass, as many passes
 * as the largest PFN needs (three on a machine of up to 32 GiB). A batch
 * after fork is 32 Ki PFNs in no order; qsort spent more time on them than
 * the kernel spent reading their words.
 */
#define RADIX_BITS	11
#define RADIX		(1U << RADIX_BITS)

/* Returns s or tmp, whichever holds the sorted slots. */
static struct kpage_slot *
radix_sort(struct kpage_slot *s, struct kpage_slot *tmp, size_t n,
    uint64_t max)
{
	size_t count[RADIX];

	for (unsigned int shift = 0; shift < 64 && (max >> shift) != 0;
	    shift += RADIX_BITS) {
		struct kpage_slot *t;
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(s[i].pfn >> shift) & (RADIX - 1)]++;
		for (size_t d = 0; d < RADIX; d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(s[i].pfn >> shift) & (RADIX - 1)]++] = s[i];
		t = s;
		s = tmp;
		tmp = t;
	}
	return s;
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
read_run(int fd, struct run_buf *rb, const struct kpage_slot *s, size_t ns,
    uint64_t first, size_t len, uint64_t fill, uint64_t *out)
{
	ssize_t got;

	if (fd < 0 || out == NULL)
		return 0;
	got = procio_read_words(fd, first, rb->words, len);
	if (got < 0)
		return (int)got;
	for (size_t i = (size_t)got; i < len; i++)
		rb->words[i] = fill;
	for (size_t i = 0; i < ns; i++)
		out[s[i].idx] = rb->words[s[i].pfn - first];
	return 0;
}

/* Read the words of ns sorted slots, in coalesced runs. */
static int
read_slots(const struct kpage *k, struct run_buf *rb, const struct kpage_slot *s,
    size_t ns, uint64_t *flags, uint64_t *counts)
{
	int err;

	for (size_t i = 0, j; i < ns; i = j) {
		uint64_t first = s[i].pfn, last = first;
		size_t len;

		for (j = i + 1; j < ns; j++) {
			uint64_t p = s[j].pfn;
			if (p - last > KPAGE_GAP || p - first >= KPAGE_RUN_MAX)
				break;
			last = p;
		}
		len = (size_t)(last - first + 1);
		if ((err = grow((void **)&rb->words, &rb->cap, len, sizeof(*rb->words))))
			return err;
		if ((err = read_run(k->flags_fd, rb, s + i, j - i, first, len,
		    KPF_BIT(KPF_NOPAGE), flags)) ||
		    (err = read_run(k->count_fd, rb, s + i, j - i, first, len,
		    0, counts)))
			return err;
	}
	return 0;
}

/*
 * The kernel spends ~100 ns on every kpage word (6.18 snapshots the struct
 * page), so after a fork, when most pages are shared, these reads are most
 * of pmstat's time: the twin reads the upper half of a large join. The
 * halves write disjoint entries of the outputs.
 */
#define KPAGE_SPLIT_MIN	4096	/* slots: below, a handoff costs more than it saves */

struct half {
	const struct kpage	*k;
	struct run_buf		*rb;
	const struct kpage_slot	*s;
	size_t			 ns;
	uint64_t		*flags, *counts;
};

static int
read_half(void *arg)
{
	struct half *h = arg;

	return read_slots(h->k, h->rb, h->s, h->ns, h->flags, h->counts);
}

static int
read_split(struct kpage *k, const struct kpage_slot *s, size_t ns,
    uint64_t *flags, uint64_t *counts)
{
	struct run_buf rb = { .words = k->run, .cap = k->run_cap };
	struct twin *t = ns >= KPAGE_SPLIT_MIN && twin_free(k->twin) ? k->twin : NULL;
	size_t mid = t != NULL ? ns / 2 : ns;
	struct half upper = {
		.k = k, .rb = &k->twin_run, .s = s + mid, .ns = ns - mid,
		.flags = flags, .counts = counts,
	};
	int err, err2 = 0;

	if (t != NULL)
		twin_post(t, read_half, &upper);
	err = read_slots(k, &rb, s, mid, flags, counts);
	k->run = rb.words;
	k->run_cap = rb.cap;
	if (t != NULL)
		err2 = twin_wait(t);
	return err != 0 ? err : err2;
}

int
kpage_join(struct kpage *k, const uint64_t *pfns, size_t n,
    uint64_t *flags, uint64_t *counts)
{
	struct kpage_slot *s;
	size_t ns = 0, i;
	uint64_t max = 0;
	bool sorted = true;
	int err;

	if (n > k->slots_cap) {
		size_t cap = k->slots_cap;

		if ((err = grow((void **)&k->slots, &cap, n, sizeof(*k->slots))) ||
		    (err = grow((void **)&k->tmp, &k->slots_cap, n, sizeof(*k->tmp))))
			return err;
	}
	for (i = 0; i < n; i++) {
		if (pfns[i] == 0)
			continue;
		if (ns > 0 && pfns[i] < k->slots[ns - 1].pfn)
			sorted = false;
		max = pfns[i] > max ? pfns[i] : max;
		k->slots[ns].pfn = pfns[i];
		k->slots[ns].idx = i;
		ns++;
	}
	s = sorted ? k->slots : radix_sort(k->slots, k->tmp, ns, max);
	return read_split(k, s, ns, flags, counts);
}

int
kpage_counts(struct kpage *k, const uint64_t *pfns, size_t n, uint64_t *counts)
{
	const uint64_t mask = (UINT64_C(1) << KPAGE_CACHE_BITS) - 1;
	size_t nmiss = 0;
	int err;

	if (k->cache == NULL &&
	    (k->cache = calloc((size_t)mask + 1, sizeof(*k->cache))) == NULL)
		return kpage_join(k, pfns, n, NULL, counts);
	if (n > k->miss_cap) {
		size_t c1 = k->miss_cap, c2 = k->miss_cap;

		if ((err = grow((void **)&k->miss_pfns, &c1, n, sizeof(uint64_t))) ||
		    (err = grow((void **)&k->miss_counts, &c2, n, sizeof(uint64_t))) ||
		    (err = grow((void **)&k->miss_idx, &k->miss_cap, n, sizeof(size_t))))
			return err;
	}
	for (size_t i = 0; i < n; i++) {
		const struct kpage_cached *c = &k->cache[pfns[i] & mask];

		if (pfns[i] == 0)
			continue;
		if (c->pfn == pfns[i]) {
			counts[i] = c->count;
			continue;
		}
		k->miss_pfns[nmiss] = pfns[i];
		k->miss_idx[nmiss++] = i;
	}
	if (nmiss == 0)
		return 0;
	if ((err = kpage_join(k, k->miss_pfns, nmiss, NULL, k->miss_counts)) != 0)
		return err;
	for (size_t j = 0; j < nmiss; j++) {
		struct kpage_cached *c = &k->cache[k->miss_pfns[j] & mask];

		counts[k->miss_idx[j]] = k->miss_counts[j];
		c->pfn = k->miss_pfns[j];
		c->count = k->miss_counts[j];
	}
	return 0;
}

void
kpage_forget(struct kpage *k)
{
	if (k->cache != NULL)
		memset(k->cache, 0, ((size_t)1 << KPAGE_CACHE_BITS) *
		    sizeof(*k->cache));
}

void
kpage_close(struct kpage *k)
{
	free(k->cache);
	free(k->miss_pfns);
	free(k->miss_idx);
	free(k->miss_counts);
	free(k->twin_run.words);
	if (k->count_fd >= 0)
		close(k->count_fd);
	if (k->flags_fd >= 0)
		close(k->flags_fd);
	free(k->slots);
	free(k->tmp);
	free(k->run);
	memset(k, 0, sizeof(*k));
	k->count_fd = k->flags_fd = -1;
}
