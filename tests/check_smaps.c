/* check_smaps.c - the smaps reader: its lines, and finding mappings in order */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smaps.h"
#include "checkrun.h"

static const char fixture[] =
    "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n"
    "Size:                132 kB\n"
    "KernelPageSize:        4 kB\n"
    "Rss:                  48 kB\n"
    "Pss:                  30 kB\n"
    "Shared_Clean:          0 kB\n"
    "Shared_Dirty:         24 kB\n"
    "Private_Clean:         4 kB\n"
    "Private_Dirty:        20 kB\n"
    "Anonymous:            44 kB\n"
    "KSM:                   8 kB\n"
    "AnonHugePages:         0 kB\n"
    "ShmemPmdMapped:        0 kB\n"
    "FilePmdMapped:         0 kB\n"
    "Swap:                 12 kB\n"
    "THPeligible:    0\n"
    "VmFlags: rd wr mr mw me ac sd\n"
    "7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n"
    "Rss:                4096 kB\n"
    "Anonymous:          4096 kB\n"
    "AnonHugePages:      2048 kB\n"
    "VmFlags: rd wr mr mw me ac hg\n"
    "7f0000600000-7f0000601000 r--p 00001000 08:01 1234  /tmp/a file: with colons\n"
    "Rss:                   4 kB\n"
    "VmFlags: rd mr mw me\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
    "Rss:                  16 kB\n";

/* The fixture in a temporary file, opened as a reader. */
static void
open_fixture(struct smaps_reader *r, char *path, size_t len)
{
	FILE *fp;
	int fd;

	snprintf(path, len, "/tmp/check_smaps.XXXXXX");
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	ck_assert_uint_eq(fwrite(fixture, 1, sizeof(fixture) - 1, fp),
	    sizeof(fixture) - 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(smaps_open(r, path), 0);
}

START_TEST(test_parse_head_and_fields)
{
	struct smaps_rec rec;

	memset(&rec, 0x55, sizeof(rec));
	ck_assert_int_eq(smaps_parse_line("7f00-7f10 rw-p 0 00:00 0 \n", &rec), 1);
	ck_assert_uint_eq(rec.start, 0x7f00);
	ck_assert_uint_eq(rec.end, 0x7f10);
	for (int i = 0; i < SM_NFIELDS; i++)
		ck_assert_int_eq(rec.kb[i], -1);
	ck_assert_int_eq(smaps_parse_line("Rss:   12 kB\n", &rec), 0);
	ck_assert_int_eq(rec.kb[SM_RSS], 12);
	ck_assert_int_eq(smaps_parse_line("KSM: 4 kB", &rec), 0);
	ck_assert_int_eq(rec.kb[SM_KSM], 4);
	/* Fields pmstat does not use, and VmFlags, change nothing. */
	ck_assert_int_eq(smaps_parse_line("THPeligible:    1\n", &rec), 0);
	ck_assert_int_eq(smaps_parse_line("VmFlags: rd wr\n", &rec), 0);
	ck_assert_int_eq(smaps_parse_line("Rss_x:   99 kB\n", &rec), 0);
	ck_assert_int_eq(rec.kb[SM_RSS], 12);
}
END_TEST

/* Lines that are neither a header nor a field. */
static const char *const bad_lines[] = {
	"", "\n", "garbage", "7f00-7f10", "7f00-zz rw-p", "Rss: x kB",
	"Rss: -4 kB", "Rss:", "A field: 1 kB", ": 4 kB",
	"Rss: 99999999999999999999999 kB",
};

START_TEST(test_parse_bad)
{
	struct smaps_rec rec;

	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(smaps_parse_line(bad_lines[_i], &rec), -1);
}
END_TEST

START_TEST(test_find_in_order)
{
	struct smaps_reader r;
	struct smaps_rec rec;
	char path[64];

	open_fixture(&r, path, sizeof(path));
	ck_assert_int_eq(smaps_find(&r, 0x55d0c0a00000, 0x55d0c0a21000, &rec), 1);
	ck_assert_int_eq(rec.kb[SM_RSS], 48);
	ck_assert_int_eq(rec.kb[SM_PSS], 30);
	ck_assert_int_eq(rec.kb[SM_SHARED_DIRTY], 24);
	ck_assert_int_eq(rec.kb[SM_PRIVATE_CLEAN], 4);
	ck_assert_int_eq(rec.kb[SM_PRIVATE_DIRTY], 20);
	ck_assert_int_eq(rec.kb[SM_ANONYMOUS], 44);
	ck_assert_int_eq(rec.kb[SM_KSM], 8);
	ck_assert_int_eq(rec.kb[SM_SWAP], 12);
	/* A mapping smaps does not have: the next one is kept for later. */
	ck_assert_int_eq(smaps_find(&r, 0x60000000000, 0x60000001000, &rec), 0);
	ck_assert_int_eq(smaps_find(&r, 0x7f0000000000, 0x7f0000400000, &rec), 1);
	ck_assert_int_eq(rec.kb[SM_ANON_HUGE], 2048);
	ck_assert_int_eq(rec.kb[SM_KSM], -1);
	ck_assert_int_eq(rec.kb[SM_PSS], -1);
	/* Skipping the file mapping; a colon in a path is not a field. */
	ck_assert_int_eq(smaps_find(&r, 0x7ffd00000000, 0x7ffd00021000, &rec), 1);
	ck_assert_int_eq(rec.kb[SM_RSS], 16);
	ck_assert_int_eq(smaps_find(&r, 0x7fff00000000, 0x7fff00001000, &rec), 0);
	smaps_close(&r);
	unlink(path);
}
END_TEST

START_TEST(test_find_clipped_or_changed)
{
	struct smaps_reader r;
	struct smaps_rec rec;
	char path[64];

	open_fixture(&r, path, sizeof(path));
	/* Cut at its end by a range: not the kernel's mapping. */
	ck_assert_int_eq(smaps_find(&r, 0x55d0c0a00000, 0x55d0c0a10000, &rec), 0);
	/* Cut at its start: passed, and the next is still found. */
	ck_assert_int_eq(smaps_find(&r, 0x7f0000100000, 0x7f0000400000, &rec), 0);
	ck_assert_int_eq(smaps_find(&r, 0x7f0000600000, 0x7f0000601000, &rec), 1);
	ck_assert_int_eq(rec.kb[SM_RSS], 4);
	smaps_close(&r);
	unlink(path);
}
END_TEST

START_TEST(test_open_missing)
{
	struct smaps_reader r;

	ck_assert_int_eq(smaps_open(&r, "/nonexistent/smaps"), -ENOENT);
}
END_TEST

/* Our own smaps: the mapping of a page we hold is found, with its Rss. */
START_TEST(test_own_smaps)
{
	long ps = sysconf(_SC_PAGESIZE);
	struct smaps_reader r;
	struct smaps_rec rec;
	char line[512];
	FILE *maps;
	char *buf = malloc(64 << 20);	/* its own mapping, past the heap */
	unsigned long a, b;
	int found = 0;

	ck_assert_ptr_nonnull(buf);
	for (long i = 0; i < (64 << 20); i += ps)
		buf[i] = 1;
	ck_assert_ptr_nonnull(maps = fopen("/proc/self/maps", "re"));
	ck_assert_int_eq(smaps_open(&r, "/proc/self/smaps"), 0);
	while (fgets(line, sizeof(line), maps) != NULL) {
		ck_assert_int_eq(sscanf(line, "%lx-%lx", &a, &b), 2);
		if ((unsigned long)buf < a || (unsigned long)buf >= b)
			continue;
		ck_assert_int_eq(smaps_find(&r, a, b, &rec), 1);
		ck_assert_int_ge(rec.kb[SM_RSS], 64 << 10);
		ck_assert_int_ge(rec.kb[SM_ANONYMOUS], 64 << 10);
		found = 1;
	}
	ck_assert_int_eq(found, 1);
	fclose(maps);
	smaps_close(&r);
	free(buf);
}
END_TEST

static Suite *
smaps_suite(void)
{
	Suite *s = suite_create("smaps");
	TCase *tc = check_tcase(s, "parse");

	tcase_add_test(tc, test_parse_head_and_fields);
	tcase_add_loop_test(tc, test_parse_bad, 0,
	    sizeof(bad_lines) / sizeof(bad_lines[0]));
	tc = check_tcase(s, "find");
	tcase_add_test(tc, test_find_in_order);
	tcase_add_test(tc, test_find_clipped_or_changed);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_own_smaps);
	return s;
}

int
main(void)
{
	return check_run(smaps_suite(), CK_NORMAL);
}
