/* check_kpage.c - joining PFNs with fixture kpagecount and kpageflags files */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kpage.h"
#include "twin.h"
#include "kpf.h"
#include "checkrun.h"

#define NPFN		4096		/* PFNs in the small fixture */
#define BIG_NPFN	(1u << 20)	/* and in the big one (8 MiB per file) */
#define SENTINEL	UINT64_C(0x5a5a5a5a5a5a5a5a)
#define NOPAGE		KPF_BIT(KPF_NOPAGE)

/* What the fixture holds for a PFN: distinct in each file and for each PFN. */
static uint64_t
fx_flags(uint64_t pfn)
{
	return (pfn * UINT64_C(0x9e3779b97f4a7c15)) | KPF_BIT(KPF_MMAP);
}

static uint64_t
fx_count(uint64_t pfn)
{
	return pfn % 5 + (pfn << 8);
}

/* An unlinked temp file in /tmp holding len bytes; returns its fd. */
static int
temp_fd(const void *data, size_t len)
{
	char name[] = "/tmp/check_kpage.XXXXXX";
	int fd = mkstemp(name);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(name), 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

/* Write a fixture of npfn words per file and hand it to k. */
static void
fixture(struct kpage *k, size_t npfn)
{
	uint64_t *f = malloc(npfn * sizeof(*f)), *c = malloc(npfn * sizeof(*c));

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(c);
	for (size_t i = 0; i < npfn; i++) {
		f[i] = fx_flags(i);
		c[i] = fx_count(i);
	}
	kpage_init_fds(k, temp_fd(c, npfn * sizeof(*c)), temp_fd(f, npfn * sizeof(*f)));
	free(f);
	free(c);
}

static void
fill(uint64_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = SENTINEL;
}

/* Check flags/counts against the fixture of npfn PFNs (either may be NULL). */
static void
check_join(const uint64_t *pfns, size_t n, const uint64_t *flags,
    const uint64_t *counts, size_t npfn)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t p = pfns[i];
		uint64_t wf = p == 0 ? SENTINEL : p < npfn ? fx_flags(p) : NOPAGE;
		uint64_t wc = p == 0 ? SENTINEL : p < npfn ? fx_count(p) : 0;

		if (flags != NULL)
			ck_assert_msg(flags[i] == wf, "flags[%zu] (pfn %llu): %#llx != %#llx",
			    i, (unsigned long long)p, (unsigned long long)flags[i],
			    (unsigned long long)wf);
		if (counts != NULL)
			ck_assert_msg(counts[i] == wc, "counts[%zu] (pfn %llu): %llu != %llu",
			    i, (unsigned long long)p, (unsigned long long)counts[i],
			    (unsigned long long)wc);
	}
}

/* Join pfns against the small fixture and check every output. */
static void
join_and_check(const uint64_t *pfns, size_t n)
{
	struct kpage k;
	uint64_t *flags = malloc(n * sizeof(*flags) + 1);
	uint64_t *counts = malloc(n * sizeof(*counts) + 1);

	ck_assert_ptr_nonnull(flags);
	ck_assert_ptr_nonnull(counts);
	fixture(&k, NPFN);
	fill(flags, n);
	fill(counts, n);
	ck_assert_int_eq(kpage_join(&k, pfns, n, flags, counts), 0);
	check_join(pfns, n, flags, counts, NPFN);
	kpage_close(&k);
	free(flags);
	free(counts);
}

#define JOIN(...) do { \
	static const uint64_t p_[] = { __VA_ARGS__ }; \
	join_and_check(p_, sizeof(p_) / sizeof(p_[0])); \
} while (0)

START_TEST(test_unsorted_duplicates_zeros)
{
	JOIN(50, 3, 0, 50, 7, 1000, 0, 4, 3, 3, 4095, 1);
	JOIN(0);
	JOIN(0, 0, 0);
	JOIN(9, 8, 7, 6, 5, 4, 3, 2, 1);
	JOIN(2, 2, 2, 2);
}
END_TEST

START_TEST(test_runs)
{
	/* Far apart: each its own run. */
	JOIN(1, 100, 200, 3000, 17, 2000);
	/* Close together, around the coalescing gap. */
	JOIN(10, 11, 12, 26, 27, 44, 45, 61, 78, 79);
	/* Mixed. */
	JOIN(4000, 5, 4001, 6, 2500, 4002, 2517, 2535);
	/* Every PFN of the file in reverse. */
	{
		uint64_t *p = malloc(NPFN * sizeof(*p));

		ck_assert_ptr_nonnull(p);
		for (size_t i = 0; i < NPFN; i++)
			p[i] = NPFN - 1 - i;
		join_and_check(p, NPFN);
		free(p);
	}
}
END_TEST

START_TEST(test_past_end)
{
	/* Past the end of the files: flags KPF_NOPAGE, count 0. */
	JOIN(NPFN, NPFN + 1, NPFN + 100, 1);
	/* A run that starts inside the file and ends past it. */
	JOIN(NPFN - 2, NPFN - 1, NPFN, NPFN + 1, NPFN + 3);
	/* Far past, up to the largest PFN pagemap can carry (2^55 - 1). */
	JOIN(UINT64_C(1) << 40, 5, (UINT64_C(1) << 55) - 1, NPFN - 1);
}
END_TEST

START_TEST(test_null_outputs)
{
	static const uint64_t pfns[] = { 12, 0, 7, NPFN + 5, 12 };
	uint64_t out[5];
	struct kpage k;

	fixture(&k, NPFN);
	fill(out, 5);
	ck_assert_int_eq(kpage_join(&k, pfns, 5, out, NULL), 0);
	check_join(pfns, 5, out, NULL, NPFN);
	fill(out, 5);
	ck_assert_int_eq(kpage_join(&k, pfns, 5, NULL, out), 0);
	check_join(pfns, 5, NULL, out, NPFN);
	ck_assert_int_eq(kpage_join(&k, pfns, 5, NULL, NULL), 0);
	/* No PFNs at all. */
	ck_assert_int_eq(kpage_join(&k, pfns, 0, out, out), 0);
	kpage_close(&k);
}
END_TEST

START_TEST(test_one_file_not_wanted)
{
	/* count_fd -1: counts are left alone; flags still read. */
	static const uint64_t pfns[] = { 3, 0, 2000 };
	uint64_t f[3], c[3];
	uint64_t *words = malloc(NPFN * sizeof(*words));
	struct kpage k;

	ck_assert_ptr_nonnull(words);
	for (size_t i = 0; i < NPFN; i++)
		words[i] = fx_flags(i);
	kpage_init_fds(&k, -1, temp_fd(words, NPFN * sizeof(*words)));
	fill(f, 3);
	fill(c, 3);
	ck_assert_int_eq(kpage_join(&k, pfns, 3, f, c), 0);
	check_join(pfns, 3, f, NULL, NPFN);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(c[i], SENTINEL);
	kpage_close(&k);
	free(words);
}
END_TEST

START_TEST(test_partial_word)
{
	/* A file that ends inside a word is an I/O error, not a short count. */
	uint64_t words[4] = { 1, 2, 3, 4 }, out[2];
	static const uint64_t inside[] = { 1 }, partial[] = { 3 }, beyond[] = { 4 };
	struct kpage k;

	kpage_init_fds(&k, temp_fd(words, 28), temp_fd(words, 28));
	ck_assert_int_eq(kpage_join(&k, inside, 1, out, out + 1), 0);
	ck_assert_uint_eq(out[0], 2);
	ck_assert_uint_eq(out[1], 2);
	ck_assert_int_eq(kpage_join(&k, partial, 1, out, out + 1), -EIO);
	ck_assert_int_eq(kpage_join(&k, beyond, 1, out, out + 1), 0);
	ck_assert_uint_eq(out[0], NOPAGE);
	ck_assert_uint_eq(out[1], 0);
	kpage_close(&k);
}
END_TEST

START_TEST(test_bad_fd)
{
	static const uint64_t pfns[] = { 1 };
	uint64_t out;
	struct kpage k;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	close(fd);			/* now a closed descriptor */
	kpage_init_fds(&k, -1, fd);
	ck_assert_int_eq(kpage_join(&k, pfns, 1, &out, NULL), -EBADF);
	k.flags_fd = -1;
	kpage_close(&k);
}
END_TEST

/* xorshift64*: the same sequence every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

#define BATCH	100000

START_TEST(test_big_batch)
{
	uint64_t *pfns = malloc(BATCH * sizeof(*pfns));
	uint64_t *flags = malloc(BATCH * sizeof(*flags));
	uint64_t *counts = malloc(BATCH * sizeof(*counts));
	uint64_t seed = 88172645463325252u;
	struct kpage k;

	ck_assert_ptr_nonnull(pfns);
	ck_assert_ptr_nonnull(flags);
	ck_assert_ptr_nonnull(counts);
	fixture(&k, BIG_NPFN);
	/* Run 1: a second thread reads half of each join (read_split()). */
	if (_i == 1)
		ck_assert_ptr_nonnull(k.twin = twin_start());
	/* Random PFNs, some 0, some past the end, some repeated. */
	for (size_t i = 0; i < BATCH; i++) {
		uint64_t r = rnd(&seed);

		if (r % 50 == 0)
			pfns[i] = 0;
		else if (r % 50 == 1 && i > 0)
			pfns[i] = pfns[i - 1];
		else
			pfns[i] = (r >> 8) % (BIG_NPFN + BIG_NPFN / 10);
	}
	fill(flags, BATCH);
	fill(counts, BATCH);
	ck_assert_int_eq(kpage_join(&k, pfns, BATCH, flags, counts), 0);
	check_join(pfns, BATCH, flags, counts, BIG_NPFN);

	/* The buffers are reused: a second, different batch is right too. */
	for (size_t i = 0; i < BATCH; i++)
		pfns[i] = (rnd(&seed) >> 8) % BIG_NPFN;
	fill(flags, BATCH);
	fill(counts, BATCH);
	ck_assert_int_eq(kpage_join(&k, pfns, BATCH, flags, counts), 0);
	check_join(pfns, BATCH, flags, counts, BIG_NPFN);
	/* One file wanted, as the need-driven join asks. */
	fill(flags, BATCH);
	ck_assert_int_eq(kpage_join(&k, pfns, BATCH, flags, NULL), 0);
	check_join(pfns, BATCH, flags, NULL, BIG_NPFN);
	twin_stop(k.twin);
	kpage_close(&k);
	free(pfns);
	free(flags);
	free(counts);
}
END_TEST

/*
 * Read system calls made by this process so far, from /proc/self/io (one
 * read(2) per call, counted after the text is made), or -1.
 */
static long long
syscr(void)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "syscr: ")) == NULL)
		return -1;
	return strtoll(p + 7, NULL, 10);
}

/* valgrind makes reads of its own in our process, which syscr counts. */
static bool
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* How many read syscalls a kpage_join made, or -1 if that cannot be told. */
static long long
join_reads(struct kpage *k, const uint64_t *pfns, size_t n, uint64_t *f,
    uint64_t *c)
{
	long long a = syscr(), b = syscr(), before, after;

	if (a < 0 || b < 0)
		return -1;
	before = syscr();
	ck_assert_int_eq(kpage_join(k, pfns, n, f, c), 0);
	after = syscr();
	return (after - before) - (b - a);
}

START_TEST(test_batched_reads)
{
	/*
	 * The point of kpage_join: a batch costs a few preads, not one per
	 * page. Counted with the kernel's own per-process read counter.
	 */
	size_t n = 50000;
	uint64_t *pfns = malloc(n * sizeof(*pfns));
	uint64_t *f = malloc(n * sizeof(*f)), *c = malloc(n * sizeof(*c));
	uint64_t seed = 1;
	static const uint64_t close3[] = { 20, 18, 21 };
	static const uint64_t apart3[] = { 10, 18, 14 };
	struct kpage k;
	long long reads;

	ck_assert_ptr_nonnull(pfns);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(c);
	if (syscr() < 0) {
		printf("check_kpage: /proc/self/io unreadable, batching not measured\n");
		free(pfns);
		free(f);
		free(c);
		return;
	}
	fixture(&k, BIG_NPFN);
	/* Consecutive PFNs in shuffled order with duplicates: one run per file. */
	for (size_t i = 0; i < n; i++)
		pfns[i] = 1000 + i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(rnd(&seed) % (i + 1));
		uint64_t t = pfns[i];

		pfns[i] = pfns[j];
		pfns[j] = t;
	}
	for (size_t i = 0; i < n; i += 97)
		pfns[i] = pfns[(i * 31) % n];
	/* A first call sizes the buffers, so the measured one allocates nothing. */
	ck_assert_int_eq(kpage_join(&k, pfns, n, f, c), 0);
	reads = join_reads(&k, pfns, n, f, c);
	check_join(pfns, n, f, c, BIG_NPFN);
	/* Unbatched it would be 2 * n = 100000; valgrind adds a few of its own. */
	ck_assert_msg(reads >= 2 && reads <= 100, "%lld reads for one dense batch",
	    reads);

	/* Three PFNs one or two apart: one read per file, exactly. */
	reads = join_reads(&k, close3, 3, f, c);
	check_join(close3, 3, f, c, BIG_NPFN);
	if (!under_valgrind())
		ck_assert_int_eq(reads, 2);
	/* Three unused words between: a pread costs less than reading them. */
	reads = join_reads(&k, apart3, 3, f, c);
	check_join(apart3, 3, f, c, BIG_NPFN);
	if (!under_valgrind())
		ck_assert_int_eq(reads, 6);
	/* Only one file wanted: one read. */
	reads = join_reads(&k, close3, 3, f, NULL);
	if (!under_valgrind())
		ck_assert_int_eq(reads, 1);
	/* Where a call costs what 8 words do, the same three share a read. */
	k.gap = 8;
	reads = join_reads(&k, apart3, 3, f, c);
	check_join(apart3, 3, f, c, BIG_NPFN);
	if (!under_valgrind())
		ck_assert_int_eq(reads, 2);
	kpage_close(&k);
	free(pfns);
	free(f);
	free(c);
}
END_TEST

/* The gap: a call's cost in words, within bounds, the default if unknown. */
START_TEST(test_gap_for)
{
	ck_assert_uint_eq(kpage_gap_for(1500, 80), 18);
	ck_assert_uint_eq(kpage_gap_for(200, 100), 3);
	ck_assert_uint_eq(kpage_gap_for(1e6, 1), 256);
	ck_assert_uint_eq(kpage_gap_for(0, 80), 3);
	ck_assert_uint_eq(kpage_gap_for(1500, 0), 3);
	ck_assert_uint_eq(kpage_gap_for(1500, -5), 3);
}
END_TEST

START_TEST(test_close)
{
	struct kpage k;
	int cfd, ffd;

	fixture(&k, 16);
	cfd = k.count_fd;
	ffd = k.flags_fd;
	kpage_close(&k);
	ck_assert_int_eq(k.count_fd, -1);
	ck_assert_int_eq(k.flags_fd, -1);
	ck_assert_ptr_null(k.slots);
	ck_assert_ptr_null(k.run);
	/* Both descriptors are closed. */
	ck_assert_int_eq(fcntl(cfd, F_GETFD), -1);
	ck_assert_int_eq(fcntl(ffd, F_GETFD), -1);
	/* Closing twice is harmless. */
	kpage_close(&k);
	ck_assert_int_eq(k.count_fd, -1);
}
END_TEST

START_TEST(test_open_procdir)
{
	/* kpage_open on a fixture directory laid out like /proc. */
	char dir[] = "/tmp/check_kpage.dir.XXXXXX", path[128];
	uint64_t w[8], out[2];
	static const uint64_t pfns[] = { 5 };
	struct kpage k;
	int fd, probe;

	for (int i = 0; i < 8; i++)
		w[i] = 100 + (uint64_t)i;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(kpage_open(&k, "/nonexistent/pmstat"), -ENOENT);

	/* Only kpagecount: fails, and leaves nothing open. */
	snprintf(path, sizeof(path), "%s/kpagecount", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, w, sizeof(w)), (ssize_t)sizeof(w));
	close(fd);
	probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(probe);
	ck_assert_int_eq(kpage_open(&k, dir), -ENOENT);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(fd, probe);
	close(fd);

	snprintf(path, sizeof(path), "%s/kpageflags", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, w, sizeof(w)), (ssize_t)sizeof(w));
	close(fd);
	ck_assert_int_eq(kpage_open(&k, dir), 0);
	ck_assert_int_eq(kpage_join(&k, pfns, 1, out, out + 1), 0);
	ck_assert_uint_eq(out[0], 105);
	ck_assert_uint_eq(out[1], 105);
	kpage_close(&k);

	unlink(path);
	snprintf(path, sizeof(path), "%s/kpagecount", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * kpage_counts: the counts of the fixture, through the cache; a count read
 * once is answered from the cache (the file may change behind it: that is
 * the documented price), and a PFN that takes the slot of another is read.
 */
START_TEST(test_counts_cache)
{
	const uint64_t collide = UINT64_C(1) << KPAGE_CACHE_BITS;
	uint64_t pfns[] = { 7, 0, 3, 7, 4095, 1 };
	uint64_t counts[6], again[6], one, bump = 12345;
	struct kpage k;

	fixture(&k, NPFN);
	fill(counts, 6);
	ck_assert_int_eq(kpage_counts(&k, pfns, 6, counts), 0);
	check_join(pfns, 6, NULL, counts, NPFN);
	/* Rewrite PFN 3's count in the file: the cache still answers. */
	ck_assert_int_eq(pwrite(k.count_fd, &bump, sizeof(bump), 3 * 8), 8);
	fill(again, 6);
	ck_assert_int_eq(kpage_counts(&k, pfns, 6, again), 0);
	ck_assert_mem_eq(again, counts, sizeof(counts));
	/* A PFN in the same slot as 3 is read, and past the file's end is 0. */
	one = 3 + collide;
	fill(again, 1);
	ck_assert_int_eq(kpage_counts(&k, &one, 1, again), 0);
	ck_assert_uint_eq(again[0], 0);
	/* PFN 3 lost its slot: read again, it gives the file's new count. */
	one = 3;
	ck_assert_int_eq(kpage_counts(&k, &one, 1, again), 0);
	ck_assert_uint_eq(again[0], bump);
	kpage_close(&k);
}
END_TEST

static Suite *
kpage_suite(void)
{
	Suite *s = suite_create("kpage");
	TCase *tc;

	tc = check_tcase(s, "join");
	tcase_add_test(tc, test_unsorted_duplicates_zeros);
	tcase_add_test(tc, test_runs);
	tcase_add_test(tc, test_past_end);
	tcase_add_test(tc, test_null_outputs);
	tcase_add_test(tc, test_one_file_not_wanted);
	tcase_add_test(tc, test_partial_word);
	tcase_add_test(tc, test_bad_fd);

	tc = check_tcase(s, "batch");
	tcase_add_loop_test(tc, test_big_batch, 0, 2);
	tcase_add_test(tc, test_batched_reads);

	tc = check_tcase(s, "lifecycle");
	tcase_add_test(tc, test_gap_for);
	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_open_procdir);
	tcase_add_test(tc, test_counts_cache);
	return s;
}

int
main(void)
{
	return check_run(kpage_suite(), CK_NORMAL);
}
