/* check_hugetlb.c - which devices are hugetlbfs: mountinfo and memfd probes */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hugetlb.h"
#include "checkrun.h"

static const struct {
	const char	*line;
	int		 is;
	unsigned int	 major, minor;
} mountinfo_lines[] = {
	{ "36 25 0:31 / /dev/hugepages rw,relatime shared:16 - hugetlbfs hugetlbfs rw,pagesize=2M\n",
	    1, 0, 31 },
	{ "40 25 0:44 / /mnt/huge1g rw - hugetlbfs none rw,pagesize=1024M", 1, 0, 44 },
	/* No optional tags at all. */
	{ "41 25 259:3 / /h rw - hugetlbfs h rw\n", 1, 259, 3 },
	{ "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n", 0, 0, 0 },
	/* A mount point named like the file system type is still tmpfs. */
	{ "50 22 0:50 / /hugetlbfs rw - tmpfs tmpfs rw\n", 0, 0, 0 },
	{ "51 22 0:51 / /x\\040-\\040hugetlbfs rw - tmpfs tmpfs rw\n", 0, 0, 0 },
	{ "garbage", 0, 0, 0 },
	{ "", 0, 0, 0 },
	{ " - hugetlbfs x rw", 0, 0, 0 },
};

START_TEST(test_parse_mountinfo)
{
	unsigned int ma = 7, mi = 7;
	int r = hugetlb_parse_mountinfo(mountinfo_lines[_i].line, &ma, &mi);

	ck_assert_int_eq(r, mountinfo_lines[_i].is);
	if (r) {
		ck_assert_uint_eq(ma, mountinfo_lines[_i].major);
		ck_assert_uint_eq(mi, mountinfo_lines[_i].minor);
	}
}
END_TEST

START_TEST(test_load_mounts)
{
	char name[] = "/tmp/check_hugetlb.XXXXXX";
	struct hugetlb_devs h;
	int fd = mkstemp(name);
	FILE *fp;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	for (size_t i = 0; i < sizeof(mountinfo_lines) / sizeof(*mountinfo_lines); i++)
		fprintf(fp, "%s\n", mountinfo_lines[i].line);
	ck_assert_int_eq(fclose(fp), 0);

	ck_assert_int_eq(hugetlb_probe(&h), 0);
	size_t internal = h.n;
	ck_assert_int_eq(hugetlb_load_mounts(&h, name), 0);
	ck_assert(hugetlb_is_dev(&h, 0, 31));
	ck_assert(hugetlb_is_dev(&h, 0, 44));
	ck_assert(hugetlb_is_dev(&h, 259, 3));
	ck_assert(!hugetlb_is_dev(&h, 254, 0));
	ck_assert(!hugetlb_is_dev(&h, 0, 50));
	/* Loading again replaces the mounts and keeps the probed devices. */
	ck_assert_int_eq(hugetlb_load_mounts(&h, "/nonexistent/mountinfo"), -ENOENT);
	ck_assert_uint_eq(h.n, internal);
	ck_assert(!hugetlb_is_dev(&h, 0, 31) || internal > 0);
	unlink(name);
	hugetlb_release(&h);
}
END_TEST

/* The probe must find the device that a MAP_HUGETLB memfd really lives on. */
START_TEST(test_probe_matches_memfd)
{
	struct hugetlb_devs h;
	struct stat st;
	int fd = memfd_create("check-hugetlb", MFD_HUGETLB), e = errno;

	ck_assert_int_eq(hugetlb_probe(&h), 0);
	if (fd < 0) {
		check_skip("no hugetlbfs memfd: memfd_create(MFD_HUGETLB): %s",
		    strerror(e));
		ck_assert_uint_eq(h.n, 0);
	} else {
		ck_assert_int_eq(fstat(fd, &st), 0);
		ck_assert(hugetlb_is_dev(&h, major(st.st_dev), minor(st.st_dev)));
		close(fd);
	}
	/* An ordinary memfd (tmpfs) is not hugetlbfs. */
	fd = memfd_create("check-shmem", 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(!hugetlb_is_dev(&h, major(st.st_dev), minor(st.st_dev)));
	close(fd);
	hugetlb_release(&h);
}
END_TEST

static Suite *
hugetlb_suite(void)
{
	Suite *s = suite_create("hugetlb");
	TCase *tc = check_tcase(s, "mountinfo");

	tcase_add_loop_test(tc, test_parse_mountinfo, 0,
	    sizeof(mountinfo_lines) / sizeof(*mountinfo_lines));
	tcase_add_test(tc, test_load_mounts);
	tc = check_tcase(s, "probe");
	tcase_add_test(tc, test_probe_matches_memfd);
	return s;
}

int
main(void)
{
	return check_run(hugetlb_suite(), CK_NORMAL);
}
