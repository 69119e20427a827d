/* kpage.c - sorted, coalesced batch reads of the kpage files */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kpage.h"
#include "kpf.h"
#include "procio.h"
#include "twin.h"

/*
 * Two PFNs closer than this are read in one run, until kpage_tune() has
 * measured better. Measured on Linux 6.18: a pread of the kpage files
 * costs ~200 ns on some machines, and each word ~100 ns more (the kernel
 * snapshots the struct page), so two unused words cost about what another
 * pread does. Elsewhere a pread costs 1.5 us: there 15 words do.
 */
#define KPAGE_GAP	3
#define KPAGE_GAP_MAX	256	/* past this, a run costs what many calls would */
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
	k->gap = KPAGE_GAP;
}

uint64_t
kpage_gap_for(double call_ns, double word_ns)
{
	double g;

	if (!(call_ns > 0) || !(word_ns > 0))
		return KPAGE_GAP;
	g = call_ns / word_ns;
	if (g < KPAGE_GAP)
		return KPAGE_GAP;
	return g > KPAGE_GAP_MAX ? KPAGE_GAP_MAX : (uint64_t)g;
}

/* Nanoseconds on the monotonic clock; 0 if it cannot be read (no tuning). */
static double
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * TUNE_ROUNDS reads of one word and of TUNE_WORDS, the fastest of each
 * kept (a busy machine only ever adds time); their difference is the
 * words', what is left of one word's read the call's. About 30 us here.
 */
#define TUNE_ROUNDS	6
#define TUNE_WORDS	64
#define TUNE_PFN	4096	/* 16 MiB in: there is memory there */

uint64_t
kpage_tune(struct kpage *k)
{
	uint64_t buf[TUNE_WORDS];
	double one = -1, many = -1;
	int fd = k->count_fd >= 0 ? k->count_fd : k->flags_fd;

	if (fd < 0)
		return k->gap;
	for (int r = 0; r < TUNE_ROUNDS; r++) {
		double t0 = now_ns(), t1, t2;

		if (procio_read_words(fd, TUNE_PFN, buf, 1) != 1)
			return k->gap;
		t1 = now_ns();
		if (procio_read_words(fd, TUNE_PFN, buf, TUNE_WORDS) != TUNE_WORDS)
			return k->gap;
		t2 = now_ns();
		one = one < 0 || t1 - t0 < one ? t1 - t0 : one;
		many = many < 0 || t2 - t1 < many ? t2 - t1 : many;
	}
	/* The call is what one word's read costs beyond a word. */
	{
		double word = (many - one) / (TUNE_WORDS - 1);

		k->gap = kpage_gap_for(one - word, word);
	}
	return k->gap;
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
			if (p - last > k->gap || p - first >= KPAGE_RUN_MAX)
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

/* The slot's word for pfn's count; 0 (not cached) if the count is too big. */
static uint64_t
cache_word(uint64_t pfn, uint64_t count)
{
	const uint64_t cmax = (UINT64_C(1) << KPAGE_CACHE_COUNT_BITS) - 1;

	if (count >= cmax)
		return 0;
	return (((pfn >> KPAGE_CACHE_BITS) + 1) << KPAGE_CACHE_COUNT_BITS) | count;
}

/* Whether slot word c holds pfn's count. */
static bool
cache_hit(uint64_t c, uint64_t pfn)
{
	return c != 0 && (c >> KPAGE_CACHE_COUNT_BITS) ==
	    (pfn >> KPAGE_CACHE_BITS) + 1;
}

int
kpage_counts(struct kpage *k, const uint64_t *pfns, size_t n, uint64_t *counts)
{
	const uint64_t mask = (UINT64_C(1) << KPAGE_CACHE_BITS) - 1;
	const uint64_t cmask = (UINT64_C(1) << KPAGE_CACHE_COUNT_BITS) - 1;
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
		uint64_t c = k->cache[pfns[i] & mask];

		if (pfns[i] == 0)
			continue;
		if (cache_hit(c, pfns[i])) {
			counts[i] = c & cmask;
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
		counts[k->miss_idx[j]] = k->miss_counts[j];
		k->cache[k->miss_pfns[j] & mask] = cache_word(k->miss_pfns[j],
		    k->miss_counts[j]);
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
	k->gap = KPAGE_GAP;
}
