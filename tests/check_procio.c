/* check_procio.c - the one reader of arrays of 64-bit words */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pagemap.h"
#include "procio.h"
#include "checkrun.h"

#define NWORDS		16
#define SENTINEL	UINT64_C(0xa5a5a5a5a5a5a5a5)

static uint64_t
word(uint64_t i)
{
	return (i + 1) * UINT64_C(0x0101010101010101) ^ (i << 56);
}

/* An unlinked temp file of NWORDS words plus extra bytes; returns its fd. */
static int
words_file(size_t extra)
{
	char name[] = "/tmp/check_procio.XXXXXX";
	uint64_t w[NWORDS];
	unsigned char tail[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	int fd = mkstemp(name);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(name), 0);
	for (uint64_t i = 0; i < NWORDS; i++)
		w[i] = word(i);
	ck_assert_int_eq(write(fd, w, sizeof(w)), (ssize_t)sizeof(w));
	ck_assert_uint_lt(extra, 8);
	ck_assert_int_eq(write(fd, tail, extra), (ssize_t)extra);
	return fd;
}

static void
fill(uint64_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = SENTINEL;
}

START_TEST(test_exact_words)
{
	uint64_t buf[NWORDS + 4];
	int fd = words_file(0);

	fill(buf, NWORDS + 4);
	ck_assert_int_eq(procio_read_words(fd, 0, buf, NWORDS), NWORDS);
	for (uint64_t i = 0; i < NWORDS; i++)
		ck_assert_uint_eq(buf[i], word(i));
	ck_assert_uint_eq(buf[NWORDS], SENTINEL);

	/* From the middle. */
	fill(buf, NWORDS + 4);
	ck_assert_int_eq(procio_read_words(fd, 5, buf, 4), 4);
	for (uint64_t i = 0; i < 4; i++)
		ck_assert_uint_eq(buf[i], word(5 + i));
	ck_assert_uint_eq(buf[4], SENTINEL);

	/* The last word alone. */
	ck_assert_int_eq(procio_read_words(fd, NWORDS - 1, buf, 1), 1);
	ck_assert_uint_eq(buf[0], word(NWORDS - 1));
	close(fd);
}
END_TEST

START_TEST(test_short_file)
{
	uint64_t buf[NWORDS + 8];
	int fd = words_file(0);

	/* Fewer words come back only at the end of the file. */
	fill(buf, NWORDS + 8);
	ck_assert_int_eq(procio_read_words(fd, 0, buf, NWORDS + 8), NWORDS);
	for (uint64_t i = 0; i < NWORDS; i++)
		ck_assert_uint_eq(buf[i], word(i));
	ck_assert_int_eq(procio_read_words(fd, 10, buf, 20), NWORDS - 10);
	ck_assert_uint_eq(buf[0], word(10));
	ck_assert_uint_eq(buf[5], word(15));
	/* At and past the end: nothing, not an error. */
	ck_assert_int_eq(procio_read_words(fd, NWORDS, buf, 4), 0);
	ck_assert_int_eq(procio_read_words(fd, 1000000, buf, 4), 0);
	ck_assert_int_eq(procio_read_words(fd, (uint64_t)INT64_MAX / 8 - 10, buf, 4), 0);
	close(fd);
}
END_TEST

START_TEST(test_partial_word)
{
	uint64_t buf[NWORDS + 2];
	int fd = words_file((size_t)_i);	/* 1..7 stray bytes at the end */

	/* Reading into the partial word is an error... */
	ck_assert_int_eq(procio_read_words(fd, 0, buf, NWORDS + 1), -EIO);
	ck_assert_int_eq(procio_read_words(fd, NWORDS, buf, 1), -EIO);
	ck_assert_int_eq(procio_read_words(fd, NWORDS - 2, buf, 5), -EIO);
	/* ...reading only whole words is not. */
	ck_assert_int_eq(procio_read_words(fd, 0, buf, NWORDS), NWORDS);
	ck_assert_uint_eq(buf[NWORDS - 1], word(NWORDS - 1));
	ck_assert_int_eq(procio_read_words(fd, NWORDS + 1, buf, 1), 0);
	close(fd);
}
END_TEST

START_TEST(test_overflow)
{
	uint64_t buf[2] = { SENTINEL, SENTINEL };
	const uint64_t last = (uint64_t)INT64_MAX / 8;
	int fd = words_file(0);

	/* The byte offset of the word would not fit in off_t. */
	ck_assert_int_eq(procio_read_words(fd, last + 1, buf, 1), -EOVERFLOW);
	ck_assert_int_eq(procio_read_words(fd, last + 1, buf, 0), -EOVERFLOW);
	ck_assert_int_eq(procio_read_words(fd, UINT64_MAX, buf, 1), -EOVERFLOW);
	ck_assert_int_eq(procio_read_words(fd, UINT64_MAX / 8 + 1, buf, 1), -EOVERFLOW);
	ck_assert_int_eq(procio_read_words(fd, UINT64_C(1) << 61, buf, 1), -EOVERFLOW);
	/* The word at INT64_MAX / 8 starts in range but ends past INT64_MAX. */
	ck_assert_int_eq(procio_read_words(fd, last, buf, 1), -EOVERFLOW);
	/* A count whose end overflows. */
	ck_assert_int_eq(procio_read_words(fd, last - 1, buf, 2), -EOVERFLOW);
	ck_assert_int_eq(procio_read_words(fd, 0, buf, SIZE_MAX), -EOVERFLOW);
	ck_assert_int_eq(procio_read_words(fd, 0, buf, SIZE_MAX / 8 + 1), -EOVERFLOW);
	ck_assert_uint_eq(buf[0], SENTINEL);
	ck_assert_uint_eq(buf[1], SENTINEL);
	/* The highest word that can be addressed is fine (past EOF: 0 words). */
	ck_assert_int_eq(procio_read_words(fd, last - 1, buf, 1), 0);
	close(fd);
}
END_TEST

START_TEST(test_zero_count)
{
	uint64_t buf[1] = { SENTINEL };
	int fd = words_file(3);

	ck_assert_int_eq(procio_read_words(fd, 0, buf, 0), 0);
	ck_assert_int_eq(procio_read_words(fd, NWORDS, buf, 0), 0);
	ck_assert_int_eq(procio_read_words(fd, 1000, buf, 0), 0);
	ck_assert_int_eq(procio_read_words(fd, (uint64_t)INT64_MAX / 8, buf, 0), 0);
	ck_assert_uint_eq(buf[0], SENTINEL);
	close(fd);
}
END_TEST

START_TEST(test_errors)
{
	uint64_t buf[1];
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(procio_read_words(fd, 0, buf, 1), -EISDIR);
	close(fd);
	ck_assert_int_eq(procio_read_words(fd, 0, buf, 1), -EBADF);
	ck_assert_int_eq(procio_read_words(-1, 0, buf, 1), -EBADF);
}
END_TEST

START_TEST(test_self_pagemap)
{
	/* The real file: a page we just wrote reads as present. */
	static char page[1 << 16];
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t addr = ((uintptr_t)page + ps - 1) & ~(uintptr_t)(ps - 1);
	uint64_t w[2];
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	((volatile char *)addr)[0] = 1;
	((volatile char *)addr)[ps] = 1;
	ck_assert_int_eq(procio_read_words(fd, addr / ps, w, 2), 2);
	ck_assert(pm_present(w[0]));
	ck_assert(pm_present(w[1]));
	ck_assert(!pm_file(w[0]));
	ck_assert(pm_exclusive(w[0]));
	close(fd);
}
END_TEST

static Suite *
procio_suite(void)
{
	Suite *s = suite_create("procio");
	TCase *tc;

	tc = check_tcase(s, "read_words");
	tcase_add_test(tc, test_exact_words);
	tcase_add_test(tc, test_short_file);
	tcase_add_loop_test(tc, test_partial_word, 1, 8);
	tcase_add_test(tc, test_zero_count);

	tc = check_tcase(s, "limits");
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_errors);

	tc = check_tcase(s, "proc");
	tcase_add_test(tc, test_self_pagemap);
	return s;
}

int
main(void)
{
	return check_run(procio_suite(), CK_NORMAL);
}
