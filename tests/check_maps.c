/* check_maps.c - the /proc/PID/maps line parser and its getline reader */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "maps.h"
#include "checkrun.h"

/*
 * Build a maps line exactly as the kernel's show_map_vma() does: the fields
 * and the space after the inode, padded with spaces to 72 characters (25 +
 * 6 * sizeof(void *) - 1), then one more space and the path. A prefix that
 * is already longer gets no padding but still the extra space, so it ends in
 * two spaces. A line without a path ends in the inode and one space. The real
 * /proc/self/maps is compared with this layout in test_kernel_layout.
 */
static char *
kline(const char *fields, const char *path, bool newline)
{
	char *head, *line;
	int r;

	ck_assert_int_ge(asprintf(&head, "%s ", fields), 0);
	if (path != NULL)
		r = asprintf(&line, "%-72s %s%s", head, path, newline ? "\n" : "");
	else
		r = asprintf(&line, "%s%s", head, newline ? "\n" : "");
	ck_assert_int_ge(r, 0);
	free(head);
	return line;
}

/* Parse a kernel-layout line; the caller frees *buf when done with *e. */
static int
parse_kline(const char *fields, const char *path, bool newline,
    struct maps_entry *e, char **buf)
{
	*buf = kline(fields, path, newline);
	return maps_parse_line(*buf, strlen(*buf), e);
}

START_TEST(test_kernel_layout)
{
	/* The layout kline() builds is the one the running kernel writes. */
	char buf[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp = fopen("/proc/self/maps", "re");
	int checked = 0;

	ck_assert_ptr_nonnull(fp);
	while ((n = getline(&line, &cap, fp)) > 0) {
		unsigned long long s, e, off, ino;
		unsigned int ma, mi;
		char perms[5], *copy;
		int used = 0;

		ck_assert_int_eq(sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n",
		    &s, &e, perms, &off, &ma, &mi, &ino, &used), 7);
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if ((size_t)used >= (size_t)n)
			continue;	/* anonymous: no path */
		snprintf(buf, sizeof(buf), "%08llx-%08llx %s %08llx %02x:%02x %llu",
		    s, e, perms, off, ma, mi, ino);
		copy = kline(buf, line + used, false);
		ck_assert_str_eq(copy, line);
		free(copy);
		checked++;
	}
	ck_assert_int_gt(checked, 0);
	free(line);
	fclose(fp);
}
END_TEST

START_TEST(test_file_line)
{
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("00400000-00452000 r-xp 0001a000 08:02 173521",
	    "/usr/bin/dbus-daemon", true, &e, &buf), 0);
	ck_assert_uint_eq(e.start, 0x400000);
	ck_assert_uint_eq(e.end, 0x452000);
	ck_assert_uint_eq(e.offset, 0x1a000);
	ck_assert_uint_eq(e.dev_major, 8);
	ck_assert_uint_eq(e.dev_minor, 2);
	ck_assert_uint_eq(e.inode, 173521);
	ck_assert_str_eq(e.perms, "r-xp");
	ck_assert_str_eq(e.path, "/usr/bin/dbus-daemon");
	ck_assert_uint_eq(e.path_len, strlen("/usr/bin/dbus-daemon"));
	ck_assert(!e.deleted);
	ck_assert(maps_entry_is_private_file(&e));
	ck_assert(!maps_entry_is_hugetlb(&e));
	free(buf);
}
END_TEST

START_TEST(test_newline_optional)
{
	struct maps_entry a, b;
	char *ba, *bb;

	ck_assert_int_eq(parse_kline("7f0000000000-7f0000001000 rw-s 00000000 00:05 42",
	    "/dev/zero", true, &a, &ba), 0);
	ck_assert_int_eq(parse_kline("7f0000000000-7f0000001000 rw-s 00000000 00:05 42",
	    "/dev/zero", false, &b, &bb), 0);
	ck_assert_str_eq(a.path, "/dev/zero");
	ck_assert_str_eq(b.path, "/dev/zero");
	ck_assert_uint_eq(a.path_len, 9);
	ck_assert_uint_eq(b.path_len, 9);
	ck_assert_uint_eq(a.start, b.start);
	ck_assert_uint_eq(a.end, 0x7f0000001000);
	ck_assert_str_eq(a.perms, "rw-s");
	ck_assert(!maps_entry_is_private_file(&a));
	free(ba);
	free(bb);
}
END_TEST

START_TEST(test_len_bounds_the_line)
{
	/* Only line[0..len) is the line: what follows must not leak into the path. */
	struct maps_entry e;
	char *full = kline("1000-2000 r--p 00000000 08:01 7", "/lib/a.so", false);
	size_t len = strlen(full);
	char *buf = malloc(len + 16);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, full, len);
	memcpy(buf + len, "TRAILING", 9);
	ck_assert_int_eq(maps_parse_line(buf, len, &e), 0);
	ck_assert_str_eq(e.path, "/lib/a.so");
	ck_assert_uint_eq(e.path_len, 9);

	/* Cut inside the inode: the line is the prefix "…08:01 " and fails. */
	memcpy(buf, full, len);
	ck_assert_int_eq(maps_parse_line(buf, strlen("1000-2000 r--p 00000000 08:01 "),
	    &e), -EINVAL);
	free(buf);
	free(full);
}
END_TEST

START_TEST(test_path_with_spaces)
{
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("55d0c0a00000-55d0c0a21000 r--p 00000000 fe:01 99",
	    "/home/u/My Documents/a  b.bin", true, &e, &buf), 0);
	ck_assert_str_eq(e.path, "/home/u/My Documents/a  b.bin");
	ck_assert_uint_eq(e.dev_major, 0xfe);
	ck_assert_uint_eq(e.dev_minor, 1);
	ck_assert(!e.deleted);
	free(buf);

	/* Trailing spaces are part of the name too. */
	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 99",
	    "/tmp/x  ", true, &e, &buf), 0);
	ck_assert_str_eq(e.path, "/tmp/x  ");
	ck_assert_uint_eq(e.path_len, 8);
	free(buf);
}
END_TEST

START_TEST(test_leading_spaces_in_name)
{
	struct maps_entry e;
	char *buf;

	/* A file name (not the first byte of the path) that starts with blanks. */
	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 99",
	    "/tmp/   lead", true, &e, &buf), 0);
	ck_assert_str_eq(e.path, "/tmp/   lead");
	free(buf);
}
END_TEST

START_TEST(test_path_starting_with_spaces)
{
	/*
	 * Parsing by position exists to keep leading blanks of a path: the
	 * kernel puts the path at column 73 (0-based) after padding to 72.
	 */
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 99",
	    "   lead", true, &e, &buf), 0);
	ck_assert_str_eq(e.path, "   lead");
	ck_assert_uint_eq(e.path_len, 7);
	free(buf);

	/* With a prefix longer than the padding the kernel writes two spaces. */
	ck_assert_int_eq(parse_kline("ffffffffff600000-ffffffffff601000 --xp 00000000 "
	    "00:00 18446744073709551615", "   lead", true, &e, &buf), 0);
	ck_assert_str_eq(e.path, "   lead");
	free(buf);
}
END_TEST

START_TEST(test_deleted)
{
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("7f3a1c000000-7f3a1c100000 rw-s 00000000 00:01 1027",
	    "/memfd:pool (deleted)", true, &e, &buf), 0);
	ck_assert(e.deleted);
	ck_assert_str_eq(e.path, "/memfd:pool (deleted)");
	ck_assert_uint_eq(e.inode, 1027);
	free(buf);

	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 5",
	    "/tmp/old (deleted)", false, &e, &buf), 0);
	ck_assert(e.deleted);
	free(buf);

	/* The suffix must be at the very end. */
	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 5",
	    "/tmp/ (deleted) x", true, &e, &buf), 0);
	ck_assert(!e.deleted);
	free(buf);
	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 5",
	    "/tmp/x(deleted)", true, &e, &buf), 0);
	ck_assert(!e.deleted);
	free(buf);
}
END_TEST

START_TEST(test_vsyscall)
{
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0",
	    "[vsyscall]", true, &e, &buf), 0);
	ck_assert_uint_eq(e.start, UINT64_C(0xffffffffff600000));
	ck_assert_uint_eq(e.end, UINT64_C(0xffffffffff601000));
	ck_assert_str_eq(e.perms, "--xp");
	ck_assert_str_eq(e.path, "[vsyscall]");
	ck_assert_uint_eq(e.inode, 0);
	ck_assert(!maps_entry_is_private_file(&e));
	free(buf);

	/* The highest possible range. */
	ck_assert_int_eq(parse_kline("fffffffffffff000-ffffffffffffffff r--p "
	    "ffffffffffffffff ff:ff 1", "/x", true, &e, &buf), 0);
	ck_assert_uint_eq(e.start, UINT64_C(0xfffffffffffff000));
	ck_assert_uint_eq(e.end, UINT64_MAX);
	ck_assert_uint_eq(e.offset, UINT64_MAX);
	ck_assert_str_eq(e.path, "/x");
	free(buf);
}
END_TEST

START_TEST(test_heap_and_anon)
{
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("56215c213000-56215c234000 rw-p 00000000 00:00 0",
	    "[heap]", true, &e, &buf), 0);
	ck_assert_str_eq(e.path, "[heap]");
	ck_assert_uint_eq(e.path_len, 6);
	ck_assert(!maps_entry_is_private_file(&e));
	ck_assert(!maps_entry_is_hugetlb(&e));
	free(buf);

	/* Anonymous: the kernel writes "... 0 " and nothing after. */
	buf = kline("7f3dda427000-7f3dda4eb000 rw-p 00000000 00:00 0", NULL, true);
	ck_assert_str_eq(buf + strlen(buf) - 3, "0 \n");
	ck_assert_int_eq(maps_parse_line(buf, strlen(buf), &e), 0);
	ck_assert_str_eq(e.path, "");
	ck_assert_uint_eq(e.path_len, 0);
	ck_assert_uint_eq(e.start, 0x7f3dda427000);
	ck_assert(!e.deleted);
	free(buf);

	ck_assert_int_eq(parse_kline("7f3dda427000-7f3dda4eb000 rw-p 00000000 00:00 0",
	    NULL, false, &e, &buf), 0);
	ck_assert_str_eq(e.path, "");
	free(buf);

	/* Hand-written, without the trailing space. */
	buf = strdup("7f3dda427000-7f3dda4eb000 rw-p 00000000 00:00 0\n");
	ck_assert_int_eq(maps_parse_line(buf, strlen(buf), &e), 0);
	ck_assert_str_eq(e.path, "");
	ck_assert_uint_eq(e.end, 0x7f3dda4eb000);
	free(buf);
}
END_TEST

START_TEST(test_long_path)
{
	/* Longer than PATH_MAX: there is no fixed line buffer anywhere. */
	size_t plen = 8192 + 100;
	char *path = malloc(plen + 1), *buf;
	struct maps_entry e;

	ck_assert_ptr_nonnull(path);
	path[0] = '/';
	for (size_t i = 1; i < plen; i++)
		path[i] = (i % 64 == 0) ? '/' : (char)('a' + i % 26);
	path[plen] = '\0';
	ck_assert_int_eq(parse_kline("1000-3000 r--p 00000000 fe:01 123", path, true,
	    &e, &buf), 0);
	ck_assert_uint_eq(e.path_len, plen);
	ck_assert_str_eq(e.path, path);
	free(buf);
	free(path);
}
END_TEST

START_TEST(test_huge_inode)
{
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 18446744073709551615",
	    "/big", true, &e, &buf), 0);
	ck_assert_uint_eq(e.inode, UINT64_MAX);
	ck_assert_str_eq(e.path, "/big");
	free(buf);
	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 fe:01 18446744073709551614",
	    NULL, true, &e, &buf), 0);
	ck_assert_uint_eq(e.inode, UINT64_MAX - 1);
	ck_assert_str_eq(e.path, "");
	free(buf);
	/* Device numbers up to 32 bits each. */
	ck_assert_int_eq(parse_kline("1000-2000 r--p 00000000 ffffffff:fffff 1",
	    "/d", true, &e, &buf), 0);
	ck_assert_uint_eq(e.dev_major, 0xffffffffu);
	ck_assert_uint_eq(e.dev_minor, 0xfffff);
	free(buf);
}
END_TEST

/* Lines that are not maps lines: every one must be refused. */
static const char *const bad_lines[] = {
	"",
	"\n",
	"junk",
	"junk\n",
	" 00400000-00452000 r-xp 00000000 08:02 1 /x",
	"00400000-00400000 r-xp 00000000 08:02 1 /x",		/* empty */
	"00500000-00400000 r-xp 00000000 08:02 1 /x",		/* inverted */
	"10000000000000000-10000000000000001 r-xp 00000000 08:02 1",
	"00400000-10000000000000000 r-xp 00000000 08:02 1",
	"00400000-00452000 r-xp 10000000000000000 08:02 1",	/* 17-digit offset */
	"00400000-00452000 rwzp 00000000 08:02 1 /x",
	"00400000-00452000 r-xq 00000000 08:02 1 /x",
	"00400000-00452000 R-XP 00000000 08:02 1 /x",
	"00400000-00452000 r-x 00000000 08:02 1 /x",
	"00400000-00452000 r-xpp 00000000 08:02 1 /x",
	"00400000-00452000  r-xp 00000000 08:02 1 /x",
	"00400000-00452000\tr-xp 00000000 08:02 1 /x",
	"00400000 00452000 r-xp 00000000 08:02 1 /x",
	"00400000-",
	"00400000-00452000",
	"00400000-00452000 r-xp",
	"00400000-00452000 r-xp 00000000",
	"00400000-00452000 r-xp 00000000 08:02",
	"00400000-00452000 r-xp 00000000 08:02 ",
	"00400000-00452000 r-xp 00000000 0802 1 /x",
	"00400000-00452000 r-xp 00000000 08: 1 /x",
	"00400000-00452000 r-xp 00000000 :02 1 /x",
	"00400000-00452000 r-xp 00000000 100000000:02 1 /x",	/* major > 32 bits */
	"00400000-00452000 r-xp 00000000 08:100000000 1 /x",
	"00400000-00452000 r-xp 00000000 08:02 99999999999999999999 /x",
	"00400000-00452000 r-xp 00000000 08:02 18446744073709551616",
	"00400000-00452000 r-xp 00000000 08:02 -1 /x",
	"00400000-00452000 r-xp 00000000 08:02 12a /x",
	"00400000-00452000 r-xp 00000000 08:02 1\t/x",
	"00400000-00452000 r-xp 00000000 08:02 1\n\n",
	"0x400000-0x452000 r-xp 00000000 08:02 1 /x",
	"g0400000-00452000 r-xp 00000000 08:02 1 /x",
	"-00452000 r-xp 00000000 08:02 1 /x",
};

START_TEST(test_bad_lines)
{
	const char *src = bad_lines[_i];
	char *buf = strdup(src);
	struct maps_entry e;

	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(maps_parse_line(buf, strlen(buf), &e) == -EINVAL,
	    "accepted bad line #%d \"%s\"", _i, src);
	free(buf);
}
END_TEST

START_TEST(test_predicates)
{
	struct maps_entry e;
	char *buf;

	ck_assert_int_eq(parse_kline("1000-2000 rw-p 00001000 fe:01 77", "/lib/libc.so.6",
	    true, &e, &buf), 0);
	ck_assert(maps_entry_is_private_file(&e));
	free(buf);
	ck_assert_int_eq(parse_kline("1000-2000 rw-s 00000000 fe:01 77", "/lib/libc.so.6",
	    true, &e, &buf), 0);
	ck_assert(!maps_entry_is_private_file(&e));
	free(buf);
	ck_assert_int_eq(parse_kline("1000-2000 rw-p 00000000 00:00 0", "[stack]",
	    true, &e, &buf), 0);
	ck_assert(!maps_entry_is_private_file(&e));
	ck_assert(!maps_entry_is_hugetlb(&e));
	free(buf);

	/* MAP_HUGETLB anonymous memory, private and shared. */
	ck_assert_int_eq(parse_kline("7f0000000000-7f0000200000 rw-p 00000000 00:10 1024",
	    "/anon_hugepage (deleted)", true, &e, &buf), 0);
	ck_assert(maps_entry_is_hugetlb(&e));
	ck_assert(e.deleted);
	free(buf);
	ck_assert_int_eq(parse_kline("7f0000000000-7f0000200000 rw-s 00000000 00:10 1025",
	    "/anon_hugepage (deleted)", true, &e, &buf), 0);
	ck_assert(maps_entry_is_hugetlb(&e));
	free(buf);
	ck_assert_int_eq(parse_kline("7f0000000000-7f0000200000 rw-p 00000000 00:00 0",
	    "[anon:hugepage]", true, &e, &buf), 0);
	ck_assert(!maps_entry_is_hugetlb(&e));
	free(buf);
}
END_TEST

/* A temp file in /tmp holding data; returns its malloc'd name. */
static char *
temp_file(const void *data, size_t len)
{
	char *name = strdup("/tmp/check_maps.XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(name);
	fd = mkstemp(name);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return name;
}

#define MANY	20000

START_TEST(test_reader_many)
{
	char *text = NULL, *name;
	size_t tlen = 0;
	FILE *mem = open_memstream(&text, &tlen);
	struct maps_reader r;
	struct maps_entry e;
	char fields[128], path[64];
	int got = 0, ret;

	ck_assert_ptr_nonnull(mem);
	for (int i = 0; i < MANY; i++) {
		char *l;

		snprintf(fields, sizeof(fields), "%012llx-%012llx %s %08x %02x:%02x %d",
		    0x7f0000000000ULL + (unsigned long long)i * 0x3000,
		    0x7f0000000000ULL + (unsigned long long)i * 0x3000 + 0x2000,
		    i % 2 ? "r-xp" : "rw-s", (unsigned int)i * 0x1000, i % 256,
		    i % 7, i);
		snprintf(path, sizeof(path), "/lib/lib%d.so", i);
		/* Every third mapping anonymous; the last line has no newline. */
		l = kline(fields, i % 3 == 0 ? NULL : path, i != MANY - 1);
		fputs(l, mem);
		free(l);
	}
	ck_assert_int_eq(fclose(mem), 0);
	name = temp_file(text, tlen);
	free(text);

	ck_assert_int_eq(maps_open(&r, name), 0);
	while ((ret = maps_next(&r, &e)) == 1) {
		uint64_t start = 0x7f0000000000ULL + (uint64_t)got * 0x3000;

		ck_assert_uint_eq(e.start, start);
		ck_assert_uint_eq(e.end, start + 0x2000);
		ck_assert_uint_eq(e.offset, (uint64_t)got * 0x1000);
		ck_assert_uint_eq(e.dev_major, (unsigned int)got % 256);
		ck_assert_uint_eq(e.dev_minor, (unsigned int)got % 7);
		ck_assert_uint_eq(e.inode, (uint64_t)got);
		ck_assert_str_eq(e.perms, got % 2 ? "r-xp" : "rw-s");
		snprintf(path, sizeof(path), "/lib/lib%d.so", got);
		ck_assert_str_eq(e.path, got % 3 == 0 ? "" : path);
		got++;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(got, MANY);
	ck_assert_uint_eq(r.lineno, MANY);
	/* End of file stays end of file. */
	ck_assert_int_eq(maps_next(&r, &e), 0);
	maps_close(&r);
	ck_assert_ptr_null(r.fp);
	ck_assert_ptr_null(r.line);
	unlink(name);
	free(name);
}
END_TEST

/* Feed text to a reader and return how many entries came before ret. */
static int
read_all(const char *text, size_t len, int *ret, size_t *lineno)
{
	char *name = temp_file(text, len);
	struct maps_reader r;
	struct maps_entry e;
	int n = 0;

	ck_assert_int_eq(maps_open(&r, name), 0);
	while ((*ret = maps_next(&r, &e)) == 1)
		n++;
	*lineno = r.lineno;
	maps_close(&r);
	unlink(name);
	free(name);
	return n;
}

START_TEST(test_reader_malformed_middle)
{
	char *a = kline("1000-2000 r--p 00000000 fe:01 5", "/a", true);
	char *b = kline("3000-4000 r--p 00000000 fe:01 6", "/b", true);
	char *text = NULL;
	size_t lineno;
	int ret, n;

	ck_assert_int_ge(asprintf(&text, "%s%sthis is not a maps line\n%s", a, b, a), 0);
	n = read_all(text, strlen(text), &ret, &lineno);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(ret, -EBADMSG);
	ck_assert_uint_eq(lineno, 3);
	free(text);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_reader_embedded_nul)
{
	char *a = kline("1000-2000 r--p 00000000 fe:01 5", "/a", true);
	char *b = kline("3000-4000 r--p 00000000 fe:01 6", "/b/evil\x01name", true);
	size_t la = strlen(a), lb = strlen(b), lineno;
	char *text = malloc(la + lb);
	int ret, n;

	ck_assert_ptr_nonnull(text);
	memcpy(text, a, la);
	memcpy(text + la, b, lb);
	text[la + lb - 6] = '\0';	/* the \x01 becomes a NUL */
	n = read_all(text, la + lb, &ret, &lineno);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ret, -EBADMSG);
	ck_assert_uint_eq(lineno, 2);
	free(text);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_reader_empty_and_missing)
{
	struct maps_reader r;
	size_t lineno;
	int ret;

	ck_assert_int_eq(read_all("", 0, &ret, &lineno), 0);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(lineno, 0);
	/* An empty line is malformed, not the end. */
	ck_assert_int_eq(read_all("\n", 1, &ret, &lineno), 0);
	ck_assert_int_eq(ret, -EBADMSG);
	ck_assert_int_eq(maps_open(&r, "/nonexistent/pmstat/maps"), -ENOENT);
}
END_TEST

START_TEST(test_reader_self)
{
	/*
	 * The real thing: map a file whose name has spaces, delete it, and find
	 * it in /proc/self/maps with the right device, inode, offset and flag.
	 */
	char name[] = "/tmp/check maps  XXXXXX";
	long psz = sysconf(_SC_PAGESIZE);
	struct maps_reader r;
	struct maps_entry e;
	struct stat st;
	char *want = NULL;
	void *p;
	int fd, ret, found = 0, stack = 0;

	fd = mkstemp(name);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 3 * psz), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	p = mmap(NULL, (size_t)psz, PROT_READ, MAP_PRIVATE, fd, psz);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(unlink(name), 0);
	ck_assert_int_ge(asprintf(&want, "%s (deleted)", name), 0);

	ck_assert_int_eq(maps_open(&r, "/proc/self/maps"), 0);
	while ((ret = maps_next(&r, &e)) == 1) {
		if (strcmp(e.path, "[stack]") == 0)
			stack++;
		if (e.start != (uintptr_t)p)
			continue;
		found++;
		ck_assert_str_eq(e.path, want);
		ck_assert(e.deleted);
		ck_assert_uint_eq(e.end, (uintptr_t)p + (uint64_t)psz);
		ck_assert_uint_eq(e.offset, (uint64_t)psz);
		ck_assert_uint_eq(e.inode, st.st_ino);
		ck_assert_uint_eq(e.dev_major, major(st.st_dev));
		ck_assert_uint_eq(e.dev_minor, minor(st.st_dev));
		ck_assert_str_eq(e.perms, "r--p");
		ck_assert(maps_entry_is_private_file(&e));
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(stack, 1);
	maps_close(&r);
	munmap(p, (size_t)psz);
	close(fd);
	free(want);
}
END_TEST

static Suite *
maps_suite(void)
{
	Suite *s = suite_create("maps");
	TCase *tc;

	tc = check_tcase(s, "parse_line");
	tcase_add_test(tc, test_kernel_layout);
	tcase_add_test(tc, test_file_line);
	tcase_add_test(tc, test_newline_optional);
	tcase_add_test(tc, test_len_bounds_the_line);
	tcase_add_test(tc, test_path_with_spaces);
	tcase_add_test(tc, test_leading_spaces_in_name);
	tcase_add_test(tc, test_path_starting_with_spaces);
	tcase_add_test(tc, test_deleted);
	tcase_add_test(tc, test_vsyscall);
	tcase_add_test(tc, test_heap_and_anon);
	tcase_add_test(tc, test_long_path);
	tcase_add_test(tc, test_huge_inode);

	tc = check_tcase(s, "hostile");
	tcase_add_loop_test(tc, test_bad_lines, 0,
	    (int)(sizeof(bad_lines) / sizeof(bad_lines[0])));

	tc = check_tcase(s, "predicates");
	tcase_add_test(tc, test_predicates);

	tc = check_tcase(s, "reader");
	tcase_add_test(tc, test_reader_many);
	tcase_add_test(tc, test_reader_malformed_middle);
	tcase_add_test(tc, test_reader_embedded_nul);
	tcase_add_test(tc, test_reader_empty_and_missing);
	tcase_add_test(tc, test_reader_self);
	return s;
}

int
main(void)
{
	return check_run(maps_suite(), CK_NORMAL);
}
