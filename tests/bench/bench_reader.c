/*
 * bench_reader.c - the benchmark's baselines: three honest ways to read
 * pagemap, written without pmstat's code so that they check it too
 *
 * usage: bench_reader plain|join|seek|scan|counts PID
 *
 *   plain  pagemap alone: one pread per mapping (in 8 MiB pieces), counting
 *          present and swapped pages; no kpage file is read.
 *   join   every present page joined with kpageflags and kpagecount:
 *          pagemap in batches of 32 Ki pages, each batch's PFNs sorted and
 *          read in contiguous runs.
 *   seek   the seed library's way: lseek and read of 8 bytes per page of
 *          pagemap, and per present page of kpagecount and kpageflags.
 *   scan   a floor: PAGEMAP_SCAN finds the present and swapped pages, and
 *          one pread per region reads their pagemap words; no kpage file
 *          is read. What pmstat must read at least where every page is
 *          exclusive and no counter needs a kpage word (a sparse target).
 *   counts a floor for PSS: as scan, and the kpagecount word of every
 *          present page whose pagemap word does not settle its map count:
 *          not exclusive, or in a PMD-mapped huge page (whose exclusive
 *          bit is its head page's, seen on 6.1 and 6.18: after a fork
 *          relative rewrote the head, the other 511 pages read exclusive
 *          while both processes map them). Those PFNs sorted and read in
 *          runs 64 words apart at most; no kpageflags. What any reader
 *          must read at least for PSS after a fork (fork2g) and on THP.
 *
 * Prints one line of totals over every mapping of PID:
 *   present N swapped N [pss_kb X thp N ksm N dirty N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#define PM_PRESENT	(UINT64_C(1) << 63)
#define PM_SWAP		(UINT64_C(1) << 62)
#define PM_PFN		((UINT64_C(1) << 55) - 1)
#define KPF_DIRTY	4
#define KPF_THP		22
#define KPF_KSM		21

#define PLAIN_CHUNK	(1024 * 1024)	/* words: 8 MiB */
#define JOIN_BATCH	(32 * 1024)

struct totals {
	uint64_t	present, swapped, thp, ksm, dirty;
	double		pss;		/* pages */
};

static size_t page;
static int pm_fd, count_fd = -1, flags_fd = -1;

static void
die(const char *what)
{
	fprintf(stderr, "bench_reader: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* pread all of len bytes at off; a short read past the end is zeros. */
static void
read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
		    off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("pread");
		if (n == 0)
			break;
		done += (size_t)n;
	}
	memset((char *)buf + done, 0, len - done);
}

static void
count_word(struct totals *t, uint64_t w)
{
	t->present += (w & PM_PRESENT) != 0;
	t->swapped += (w & PM_SWAP) && !(w & PM_PRESENT);
}

static void
count_kpage(struct totals *t, uint64_t flags, uint64_t count)
{
	t->pss += count ? 1.0 / (double)count : 0;
	t->thp += (flags >> KPF_THP) & 1;
	t->ksm += (flags >> KPF_KSM) & 1;
	t->dirty += (flags >> KPF_DIRTY) & 1;
}

static void
plain(uint64_t vpn, uint64_t n, struct totals *t)
{
	static uint64_t *buf;

	if (buf == NULL && (buf = malloc(PLAIN_CHUNK * 8)) == NULL)
		die("malloc");
	while (n > 0) {
		size_t k = n < PLAIN_CHUNK ? (size_t)n : PLAIN_CHUNK;

		read_at(pm_fd, buf, k * 8, (off_t)(vpn * 8));
		for (size_t i = 0; i < k; i++)
			count_word(t, buf[i]);
		vpn += k;
		n -= k;
	}
}

#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t	start, end, categories;
};

struct pm_scan_arg {
	uint64_t	size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t	category_inverted, category_mask, category_anyof_mask;
	uint64_t	return_mask;
};

#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_PRESENT		(1 << 3)
#define PAGE_IS_SWAPPED		(1 << 4)
#define PAGE_IS_HUGE		(1 << 6)
#endif

#define PM_EXCLUSIVE	(UINT64_C(1) << 56)

#define SCAN_VEC	1024

/* What the counts reader does with a region's words (NULL: scan's count). */
static void (*region_words)(const uint64_t *words, size_t k, int huge,
    struct totals *t);

/*
 * PAGEMAP_SCAN over the mapping, then one pread per region. The kernel's
 * walk_end is stale after a full vector: resume past the last region.
 */
static void
scan(uint64_t vpn, uint64_t n, struct totals *t)
{
	static struct page_region vec[SCAN_VEC];
	static uint64_t *buf;
	uint64_t cur = vpn * page, end = (vpn + n) * page, done = vpn;

	if (buf == NULL && (buf = malloc(PLAIN_CHUNK * 8)) == NULL)
		die("malloc");
	while (cur < end) {
		struct pm_scan_arg a = {
			.size = sizeof(a), .start = cur, .end = end,
			.vec = (uintptr_t)vec, .vec_len = SCAN_VEC,
			.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
			.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED |
			    (region_words != NULL ? PAGE_IS_HUGE : 0),
		};
		long got = ioctl(pm_fd, PAGEMAP_SCAN, &a);

		if (got < 0)
			die("PAGEMAP_SCAN");
		for (long i = 0; i < got; i++) {
			uint64_t a0 = vec[i].start / page, b = vec[i].end / page;

			a0 = a0 < done ? done : a0;
			for (; a0 < b; ) {
				size_t k = b - a0 < PLAIN_CHUNK ? (size_t)(b - a0) :
				    PLAIN_CHUNK;

				read_at(pm_fd, buf, k * 8, (off_t)(a0 * 8));
				for (size_t j = 0; j < k; j++)
					count_word(t, buf[j]);
				if (region_words != NULL)
					region_words(buf, k, (vec[i].categories &
					    PAGE_IS_HUGE) != 0, t);
				a0 += k;
			}
			done = b > done ? b : done;
		}
		if (got < SCAN_VEC)
			break;
		cur = a.walk_end > vec[got - 1].end ? a.walk_end : vec[got - 1].end;
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static size_t
find(const uint64_t *v, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
join(uint64_t vpn, uint64_t n, struct totals *t)
{
	static uint64_t *words, *pfns, *flags, *counts, *run;

	if (words == NULL) {
		words = malloc(JOIN_BATCH * 8);
		pfns = malloc(JOIN_BATCH * 8);
		flags = malloc(JOIN_BATCH * 8);
		counts = malloc(JOIN_BATCH * 8);
		run = malloc(JOIN_BATCH * 8);
		if (!words || !pfns || !flags || !counts || !run)
			die("malloc");
	}
	while (n > 0) {
		size_t k = n < JOIN_BATCH ? (size_t)n : JOIN_BATCH, np = 0, nu = 0;

		read_at(pm_fd, words, k * 8, (off_t)(vpn * 8));
		for (size_t i = 0; i < k; i++) {
			count_word(t, words[i]);
			if (words[i] & PM_PRESENT)
				pfns[np++] = words[i] & PM_PFN;
		}
		qsort(pfns, np, 8, cmp_u64);
		for (size_t i = 0; i < np; i++)
			if (nu == 0 || pfns[nu - 1] != pfns[i])
				pfns[nu++] = pfns[i];
		/* Contiguous PFNs are read with one pread per file. */
		for (size_t i = 0; i < nu; ) {
			size_t j = i + 1;

			while (j < nu && pfns[j] == pfns[j - 1] + 1)
				j++;
			read_at(flags_fd, flags + i, (j - i) * 8, (off_t)(pfns[i] * 8));
			read_at(count_fd, counts + i, (j - i) * 8, (off_t)(pfns[i] * 8));
			i = j;
		}
		for (size_t i = 0; i < k; i++) {
			size_t at;

			if (!(words[i] & PM_PRESENT))
				continue;
			at = find(pfns, nu, words[i] & PM_PFN);
			count_kpage(t, flags[at], counts[at]);
		}
		vpn += k;
		n -= k;
	}
}

/* The counts reader's PFNs waiting to be read, and their counts. */
static uint64_t *cpfns, *cvals;
static size_t ncp;

/*
 * PFNs closer than this share a read: a pread costs about what 64 words
 * do (pmstat measures its own gap; 46 words on the machine it was tuned on).
 */
#define COUNT_GAP	64
#define COUNT_SPAN	(JOIN_BATCH * 4)

/* Read the waiting PFNs' counts in runs; each adds 1/count to PSS. */
static void
counts_flush(struct totals *t)
{
	qsort(cpfns, ncp, 8, cmp_u64);
	for (size_t i = 0; i < ncp; ) {
		size_t j = i + 1;

		while (j < ncp && cpfns[j] <= cpfns[j - 1] + COUNT_GAP &&
		    cpfns[j] - cpfns[i] < COUNT_SPAN)
			j++;
		/* The span from the run's first PFN to its last, gaps and all. */
		read_at(count_fd, cvals, (size_t)(cpfns[j - 1] - cpfns[i] + 1) * 8,
		    (off_t)(cpfns[i] * 8));
		for (size_t k = i; k < j; k++) {
			uint64_t c = cvals[cpfns[k] - cpfns[i]];

			t->pss += c ? 1.0 / (double)c : 0;
		}
		i = j;
	}
	ncp = 0;
}

static void
counts_words(const uint64_t *words, size_t k, int huge, struct totals *t)
{
	if (cpfns == NULL && ((cpfns = malloc(JOIN_BATCH * 8)) == NULL ||
	    (cvals = malloc(COUNT_SPAN * 8)) == NULL))
		die("malloc");
	for (size_t i = 0; i < k; i++) {
		if (!(words[i] & PM_PRESENT))
			continue;
		if ((words[i] & PM_EXCLUSIVE) && !huge) {
			t->pss += 1;
			continue;
		}
		if (ncp == JOIN_BATCH)
			counts_flush(t);
		cpfns[ncp++] = words[i] & PM_PFN;
	}
}

static void
counts(uint64_t vpn, uint64_t n, struct totals *t)
{
	region_words = counts_words;
	scan(vpn, n, t);
	if (ncp > 0)
		counts_flush(t);
}

static uint64_t
seek_read(int fd, uint64_t index)
{
	uint64_t w;

	if (lseek(fd, (off_t)(index * 8), SEEK_SET) < 0)
		die("lseek");
	if (read(fd, &w, 8) != 8)
		return 0;
	return w;
}

static void
seek(uint64_t vpn, uint64_t n, struct totals *t)
{
	for (uint64_t v = vpn; v < vpn + n; v++) {
		uint64_t w = seek_read(pm_fd, v);

		count_word(t, w);
		if (w & PM_PRESENT) {
			uint64_t pfn = w & PM_PFN;
			uint64_t count = seek_read(count_fd, pfn);

			count_kpage(t, seek_read(flags_fd, pfn), count);
		}
	}
}

int
main(int argc, char **argv)
{
	void (*reader)(uint64_t, uint64_t, struct totals *);
	struct totals t = { 0 };
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *maps;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_reader plain|join|seek|scan|counts PID\n");
		return 2;
	}
	if (strcmp(argv[1], "plain") == 0)
		reader = plain;
	else if (strcmp(argv[1], "join") == 0)
		reader = join;
	else if (strcmp(argv[1], "seek") == 0)
		reader = seek;
	else if (strcmp(argv[1], "scan") == 0)
		reader = scan;
	else if (strcmp(argv[1], "counts") == 0)
		reader = counts;
	else {
		fprintf(stderr, "bench_reader: unknown reader '%s'\n", argv[1]);
		return 2;
	}
	page = (size_t)sysconf(_SC_PAGESIZE);
	snprintf(path, sizeof(path), "/proc/%s/pagemap", argv[2]);
	if ((pm_fd = open(path, O_RDONLY)) < 0)
		die(path);
	if (reader != plain && reader != scan &&
	    (count_fd = open("/proc/kpagecount", O_RDONLY)) < 0)
		die("/proc/kpagecount");
	if (reader != plain && reader != scan && reader != counts &&
	    (flags_fd = open("/proc/kpageflags", O_RDONLY)) < 0)
		die("/proc/kpageflags");
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[2]);
	if ((maps = fopen(path, "r")) == NULL)
		die(path);
	while (getline(&line, &cap, maps) > 0) {
		uint64_t start, end;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2) {
			fprintf(stderr, "bench_reader: bad maps line\n");
			return 1;
		}
		/* [vsyscall] lies past the task's end: pagemap reads nothing. */
		if (strstr(line, "[vsyscall]") != NULL)
			continue;
		reader(start / page, (end - start) / page, &t);
	}
	free(line);
	fclose(maps);
	printf("present %" PRIu64 " swapped %" PRIu64, t.present, t.swapped);
	if (reader == counts)
		printf(" pss_kb %.0f", t.pss * (double)(page / 1024));
	else if (reader != plain && reader != scan)
		printf(" pss_kb %.0f thp %" PRIu64 " ksm %" PRIu64 " dirty %" PRIu64,
		    t.pss * (double)(page / 1024), t.thp, t.ksm, t.dirty);
	printf("\n");
	return 0;
}
