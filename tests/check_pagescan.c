/* check_pagescan.c - PAGEMAP_SCAN: the resume rule and the zero-page marks */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagescan.h"
#include "checkrun.h"
#include "kprobe.h"

/* A scan argument over [start, end) with a vector of vec_len regions. */
static struct pm_scan_arg
scan_arg(uint64_t start, uint64_t end, uint64_t vec_len, uint64_t max_pages,
    uint64_t walk_end)
{
	struct pm_scan_arg a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = start;
	a.end = end;
	a.vec_len = vec_len;
	a.max_pages = max_pages;
	a.walk_end = walk_end;
	return a;
}

static const struct page_region four[4] = {
	{ 0x10000, 0x12000, PAGE_IS_PFNZERO },
	{ 0x20000, 0x21000, PAGE_IS_PFNZERO },
	{ 0x30000, 0x38000, PAGE_IS_HUGE },
	{ 0x40000, 0x41000, PAGE_IS_PFNZERO },
};

START_TEST(test_resume_complete)
{
	struct pm_scan_arg a;

	/* Fewer regions than the vector holds, no page limit: done. */
	a = scan_arg(0x10000, 0x100000, 4, 0, 0x100000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 3), 0);
	/* ... even when walk_end is stale (short of the end). */
	a = scan_arg(0x10000, 0x100000, 4, 0, 0x30000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 3), 0);
	a = scan_arg(0x10000, 0x100000, 4, 0, 0);
	ck_assert_uint_eq(pagescan_resume(&a, four, 0), 0);
	a = scan_arg(0x10000, 0x100000, 512, 0, 0x10000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0);
}
END_TEST

START_TEST(test_resume_full_vector)
{
	struct pm_scan_arg a;

	/* A full vector: resume at max(walk_end, end of the last region). */
	a = scan_arg(0x10000, 0x100000, 4, 0, 0x30000);	/* stale walk_end */
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0x41000);
	a = scan_arg(0x10000, 0x100000, 4, 0, 0);		/* never written */
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0x41000);
	a = scan_arg(0x10000, 0x100000, 4, 0, 0x41000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0x41000);
	a = scan_arg(0x10000, 0x100000, 4, 0, 0x60000);	/* walked further */
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0x60000);
	/* Nothing left once that reaches the end of the range. */
	a = scan_arg(0x10000, 0x41000, 4, 0, 0x30000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0);
	a = scan_arg(0x10000, 0x50000, 4, 0, 0x50000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0);
	a = scan_arg(0x10000, 0x50000, 4, 0, 0x60000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0);
	/* A vector of one. */
	a = scan_arg(0x10000, 0x100000, 1, 0, 0x11000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 1), 0x12000);
}
END_TEST

START_TEST(test_resume_max_pages)
{
	struct pm_scan_arg a;

	/* With a page limit, a short vector may still have stopped early. */
	a = scan_arg(0x10000, 0x100000, 4, 3, 0x21000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 2), 0x21000);
	a = scan_arg(0x10000, 0x100000, 4, 3, 0x20000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 2), 0x21000);
	/* ... and finished when the walk reached the end. */
	a = scan_arg(0x10000, 0x100000, 4, 3, 0x100000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 2), 0);
	a = scan_arg(0x10000, 0x100000, 4, 16, 0x100000);
	ck_assert_uint_eq(pagescan_resume(&a, four, 4), 0);
}
END_TEST

/*
 * /proc/self/pagemap if PAGEMAP_SCAN works on it; else -1, the test marked
 * skipped. main() does not get here on such a kernel, but a probe that
 * disagrees with pagescan_probe() must not pass either.
 */
static int
scan_fd(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int r;

	ck_assert_int_ge(fd, 0);
	r = pagescan_probe(fd);
	ck_assert_msg(r == 0 || r == 1, "pagescan_probe: %d", r);
	ck_assert_msg(r == kp_get()->pagemap_scan.yes, "pagescan_probe says "
	    "%d, the test kit's probe: %s", r, kp_get()->pagemap_scan.why);
	if (r == 0) {
		check_skip("%s", kp_get()->pagemap_scan.why);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * What a page only read is marked: SCAN_ZERO where a read fault maps the
 * shared zero page; nothing where the kernel gives an exclusive page
 * instead. Then the test checks that no page is marked, and is skipped for
 * what it cannot see.
 */
static uint8_t
read_mark(void)
{
	return kp_get()->zero_page.yes ? SCAN_ZERO : 0;
}

static void
skip_without_zero_page(void)
{
	if (!kp_get()->zero_page.yes)
		check_skip("zero-page marks: %s", kp_get()->zero_page.why);
}

START_TEST(test_probe)
{
	char name[] = "/tmp/check_pagescan.XXXXXX";
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), r, tmp;

	ck_assert_int_ge(fd, 0);
	r = pagescan_probe(fd);
	ck_assert_msg(r == 0 || r == 1, "pagescan_probe: %d", r);
	printf("check_pagescan: PAGEMAP_SCAN %s\n", r ? "available" : "not available");
	close(fd);
	/* A regular file does not know the ioctl: "no", not an error. */
	tmp = mkstemp(name);
	ck_assert_int_ge(tmp, 0);
	unlink(name);
	ck_assert_int_eq(pagescan_probe(tmp), 0);
	close(tmp);
	/* A closed descriptor is an error. */
	ck_assert_int_eq(pagescan_probe(tmp), -EBADF);
}
END_TEST

/* Map n private anonymous pages that will not become THPs. */
static char *
map_pages(size_t n, size_t ps)
{
	char *p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(madvise(p, n * ps, MADV_NOHUGEPAGE), 0);
	return p;
}

static void
read_page(const char *p)
{
	(void)*(const volatile char *)p;
}

START_TEST(test_mark_zero_pages)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), n = 64;
	struct pagescan s;
	uint8_t out[64];
	char *p;
	int fd = scan_fd();

	if (fd < 0)
		return;
	p = map_pages(n, ps);
	for (size_t i = 0; i < 10; i++)
		read_page(p + i * ps);		/* the shared zero page */
	for (size_t i = 10; i < 20; i++)
		p[i * ps] = 1;			/* a page of our own */
	ck_assert_int_eq(pagescan_init(&s, fd), 0);
	memset(out, 0xee, sizeof(out));
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)p, n, ps, out), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(out[i] == (i < 10 ? read_mark() : 0), "page %zu: %#x",
		    i, out[i]);

	/* A window that starts inside the zero pages. */
	memset(out, 0xee, sizeof(out));
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)(p + 5 * ps), 10, ps, out), 0);
	for (size_t i = 0; i < 10; i++)
		ck_assert_msg(out[i] == (i < 5 ? read_mark() : 0),
		    "window page %zu: %#x", i, out[i]);
	ck_assert_uint_eq(out[10], 0xee);	/* nothing written past n */

	/* n == 0 writes nothing and asks nothing. */
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)p, 0, ps, out), 0);

	/* Writing a zero page makes it ours: the mark goes away. */
	p[3 * ps] = 1;
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)p, n, ps, out), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(out[i] == (i < 10 && i != 3 ? read_mark() : 0),
		    "after write, page %zu: %#x", i, out[i]);
	pagescan_release(&s);
	ck_assert_ptr_null(s.vec);
	munmap(p, n * ps);
	close(fd);
	skip_without_zero_page();
}
END_TEST

/*
 * Many separate zero-page regions: more than one ioctl's vector (512), so
 * the resume rule decides what is seen. Exactly the pages read are marked:
 * a stale walk_end must neither lose nor invent any.
 */
static const size_t many_regions[] = { 1, 511, 512, 513, 1000, 1024, 1025, 3000 };

START_TEST(test_mark_many_regions)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	size_t regions = many_regions[_i], n = 2 * regions + 1, marked = 0;
	struct pagescan s;
	uint8_t *out;
	char *p;
	int fd = scan_fd();

	if (fd < 0)
		return;
	p = map_pages(n, ps);
	out = malloc(n);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < regions; i++)
		read_page(p + (2 * i + 1) * ps);	/* odd pages: zero page */
	ck_assert_int_eq(pagescan_init(&s, fd), 0);
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)p, n, ps, out), 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(out[i] == (i % 2 ? read_mark() : 0),
		    "%zu regions, page %zu: %#x", regions, i, out[i]);
		marked += out[i] != 0;
	}
	ck_assert_uint_eq(marked, read_mark() ? regions : 0);

	/* Written pages between the zero pages change nothing. */
	for (size_t i = 0; i < n; i += 2)
		p[i * ps] = 1;
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)p, n, ps, out), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(out[i] == (i % 2 ? read_mark() : 0),
		    "%zu regions, written, page %zu: %#x", regions, i, out[i]);
	pagescan_release(&s);
	free(out);
	munmap(p, n * ps);
	close(fd);
	skip_without_zero_page();
}
END_TEST

START_TEST(test_mark_2000_every_other)
{
	/* The layout from the brief: 2000 pages, every other one read. */
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), n = 2000;
	struct pagescan s;
	uint8_t *out;
	char *p;
	int fd = scan_fd();

	if (fd < 0)
		return;
	p = map_pages(n, ps);
	out = malloc(n);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < n; i += 2)
		read_page(p + i * ps);
	ck_assert_int_eq(pagescan_init(&s, fd), 0);
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)p, n, ps, out), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(out[i] == (i % 2 ? 0 : read_mark()), "page %zu: %#x",
		    i, out[i]);
	pagescan_release(&s);
	free(out);
	munmap(p, n * ps);
	close(fd);
	skip_without_zero_page();
}
END_TEST

/* AnonHugePages of the mapping that starts at addr, in kB, or -1. */
static long
smaps_anon_huge_kb(uintptr_t addr)
{
	FILE *fp = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false;
	long kb = -1;

	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		unsigned long long s, e;

		/* A mapping's first line; "AnonHugePages:" stops after the 'A'. */
		if (sscanf(line, "%llx-%llx ", &s, &e) == 2) {
			in = s <= addr && addr < e;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(fp);
	return kb;
}

START_TEST(test_mark_thp)
{
	/*
	 * A PMD-mapped THP is marked SCAN_HUGE on every page, when the kernel
	 * gives us one (THP "madvise" or "always", a free huge page): smaps
	 * says whether it did.
	 */
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), huge = 2u << 20, n = huge / ps;
	struct pagescan s;
	uint8_t *out;
	char *raw, *p;
	long kb;
	int fd = scan_fd();

	if (fd < 0)
		return;
	raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	ck_assert_ptr_ne(raw, MAP_FAILED);
	p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
	if (madvise(p, huge, MADV_HUGEPAGE) != 0) {
		check_skip("MADV_HUGEPAGE refused: %s", strerror(errno));
		munmap(raw, 2 * huge);
		close(fd);
		return;
	}
	memset(p, 1, huge);
	kb = smaps_anon_huge_kb((uintptr_t)p);
	if (kb != (long)(huge / 1024)) {
		check_skip("no THP given (AnonHugePages %ld kB; THP \"%s\")", kb,
		    kp_get()->thp_mode);
		munmap(raw, 2 * huge);
		close(fd);
		return;
	}
	out = malloc(n + 2);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(pagescan_init(&s, fd), 0);
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)p, n, ps, out), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(out[i] == SCAN_HUGE, "THP page %zu: %#x", i, out[i]);
	/* A window straddling the end of the THP: only its pages are huge. */
	ck_assert_int_eq(pagescan_mark(&s, (uintptr_t)(p + huge - ps), 2, ps, out), 0);
	ck_assert_uint_eq(out[0], SCAN_HUGE);
	ck_assert_uint_eq(out[1], 0);
	pagescan_release(&s);
	free(out);
	munmap(raw, 2 * huge);
	close(fd);
}
END_TEST

START_TEST(test_mark_bad_fd)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	struct pagescan s;
	uint8_t out[4];
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pagescan_init(&s, fd), 0);
	ck_assert_int_eq(pagescan_mark(&s, 0x10000, 4, ps, out), -EBADF);
	pagescan_release(&s);
}
END_TEST

static Suite *
pagescan_suite(void)
{
	Suite *s = suite_create("pagescan");
	TCase *tc;

	tc = check_tcase(s, "resume");
	tcase_add_test(tc, test_resume_complete);
	tcase_add_test(tc, test_resume_full_vector);
	tcase_add_test(tc, test_resume_max_pages);

	tc = check_tcase(s, "kernel");
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_mark_zero_pages);
	tcase_add_loop_test(tc, test_mark_many_regions, 0,
	    (int)(sizeof(many_regions) / sizeof(many_regions[0])));
	tcase_add_test(tc, test_mark_2000_every_other);
	tcase_add_test(tc, test_mark_thp);
	tcase_add_test(tc, test_mark_bad_fd);
	return s;
}

int
main(void)
{
	/* Probed here, once, not in every forked test. */
	kp_log();
	return check_run(pagescan_suite(), CK_NORMAL);
}
