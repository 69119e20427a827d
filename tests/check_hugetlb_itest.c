/*
 * check_hugetlb_itest.c - hugetlb pages (MAP_HUGETLB, a MFD_HUGETLB memfd,
 * a file on a hugetlbfs mount) are present pages, never THPs. Changes a
 * system knob (surplus huge pages) for the test and puts it back.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"

/*
 * hugetlb pages, which are not transparent huge pages: one MAP_HUGETLB
 * private anonymous huge page and one of a MFD_HUGETLB memfd, shared. arg is
 * the huge page size in bytes.
 */
static void
layout_hugetlb(const char *arg, struct tk_report *rep)
{
	size_t hs = arg ? strtoul(arg, NULL, 10) : 0;
	char *a, *f;
	int fd;

	if (hs == 0) {
		tk_fail(rep, "hugetlb: no huge page size");
		return;
	}
	a = mmap(NULL, hs, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (a == MAP_FAILED) {
		tk_skip(rep, "MAP_HUGETLB: %s", strerror(errno));
		return;
	}
	memset(a, 'H', hs);
	if ((fd = memfd_create("pmstat-itest-hugetlb", MFD_HUGETLB)) < 0 ||
	    ftruncate(fd, (off_t)hs) != 0) {
		tk_skip(rep, "memfd MFD_HUGETLB: %s", strerror(errno));
		return;
	}
	f = mmap(NULL, hs, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (f == MAP_FAILED) {
		tk_skip(rep, "mmap hugetlb memfd: %s", strerror(errno));
		return;
	}
	memset(f, 'F', hs);
	rep->addr[0] = (uintptr_t)a;
	rep->addr[1] = (uintptr_t)f;
	rep->ok = 1;
}

/*
 * One huge page of a file on a hugetlbfs mount, shared. The mount is the
 * child's alone: it enters a mount namespace of its own and mounts over
 * /tmp there, so nothing is left mounted whatever happens to the test.
 * pmstat tells such a file by the mount in the child's mountinfo: its
 * device is not one of the kernel's internal hugetlbfs devices.
 */
static void
layout_hugetlbfs_file(const char *arg, struct tk_report *rep)
{
	size_t hs = arg ? strtoul(arg, NULL, 10) : 0;
	char *f;
	int fd;

	if (hs == 0) {
		tk_fail(rep, "hugetlbfs file: no huge page size");
		return;
	}
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		tk_skip(rep, "a mount namespace of its own: %s", strerror(errno));
		return;
	}
	if (mount("pmstat-itest", "/tmp", "hugetlbfs", 0, NULL) != 0) {
		tk_skip(rep, "mount -t hugetlbfs: %s", strerror(errno));
		return;
	}
	if ((fd = open("/tmp/huge", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    ftruncate(fd, (off_t)hs) != 0) {
		tk_fail(rep, "a file on hugetlbfs: %s", strerror(errno));
		return;
	}
	f = mmap(NULL, hs, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (f == MAP_FAILED) {
		tk_skip(rep, "mmap a hugetlbfs file: %s", strerror(errno));
		return;
	}
	memset(f, 'M', hs);
	/*
	 * ",nobody": then run as nobody, for a pmstat run as nobody, which
	 * has no kpageflags to tell a hugetlb page by and must read the
	 * mountinfo. Dumpable again, or /proc/PID stays root's.
	 */
	if (strstr(arg, ",nobody") != NULL &&
	    (setgroups(0, NULL) != 0 || setresgid(NOBODY_GID, NOBODY_GID,
	    NOBODY_GID) != 0 || setresuid(NOBODY_UID, NOBODY_UID,
	    NOBODY_UID) != 0 || prctl(PR_SET_DUMPABLE, 1) != 0)) {
		tk_fail(rep, "becoming nobody: %s", strerror(errno));
		return;
	}
	rep->addr[0] = (uintptr_t)f;
	rep->ok = 1;
}

#define OVERCOMMIT_HUGE	"/proc/sys/vm/nr_overcommit_hugepages"

/* Set in the runner by the unchecked fixture, seen by the forked test. */
static char huge_skip[256];
static long huge_saved = -1;
static unsigned long huge_size;
static int huge_lock = -1;

/*
 * Let the kernel make two surplus huge pages on demand (they go back to the
 * buddy allocator when freed); the old value comes back in the teardown. A
 * run killed in between leaves a harmless allowance of two surplus pages.
 * The flock on the knob serializes this with every other run that sets it.
 */
static void
huge_setup(void)
{
	char line[256];
	FILE *fp;

	huge_skip[0] = '\0';
	huge_saved = -1;
	huge_size = 0;
	if (!kp_get()->hugetlb.yes) {
		strlcpy(huge_skip, kp_get()->hugetlb.why, sizeof(huge_skip));
		return;
	}
	if (itest_lock(OVERCOMMIT_HUGE, &huge_lock) != 0) {
		snprintf(huge_skip, sizeof(huge_skip), "cannot lock %s: %s",
		    OVERCOMMIT_HUGE, strerror(errno));
		return;
	}
	if ((fp = fopen("/proc/meminfo", "re")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL)
			if (sscanf(line, "Hugepagesize: %lu kB", &huge_size) == 1)
				huge_size *= 1024;
		fclose(fp);
	}
	if (huge_size == 0) {
		snprintf(huge_skip, sizeof(huge_skip), "no hugetlb support");
		return;
	}
	if ((huge_saved = read_long_file(OVERCOMMIT_HUGE)) < 0 ||
	    write_long_file(OVERCOMMIT_HUGE, huge_saved + 2) != 0) {
		snprintf(huge_skip, sizeof(huge_skip), "cannot raise %s: %s",
		    OVERCOMMIT_HUGE, strerror(errno));
		huge_saved = -1;
	}
}

static void
huge_teardown(void)
{
	tk_cleanup();
	if (huge_saved >= 0 && write_long_file(OVERCOMMIT_HUGE, huge_saved) != 0)
		fprintf(stderr, "cannot restore %s to %ld: %s\n", OVERCOMMIT_HUGE,
		    huge_saved, strerror(errno));
	huge_saved = -1;
	itest_unlock(&huge_lock);
}

/*
 * PAGEMAP_SCAN reports hugetlb pages as HUGE too; section 3 excludes them
 * from thp. smaps counts them as Private_Hugetlb/Shared_Hugetlb, never in
 * AnonHugePages, FilePmdMapped or ShmemPmdMapped. Both the MAP_HUGETLB
 * mapping ("/anon_hugepage (deleted)") and a hugetlb memfd
 * ("/memfd:NAME (deleted)", the same for a file on a hugetlbfs mount) are
 * hugetlb mappings: smaps VmFlags say "ht".
 */
START_TEST(test_hugetlb_not_thp)
{
	struct tk_child c;
	char arg[32];
	json_t *root;

	if (huge_skip[0] != '\0') {
		check_skip("%s", huge_skip);
		return;
	}
	snprintf(arg, sizeof(arg), "%lu", huge_size);
	if (!spawn("hugetlb", arg, -1, &c))
		return;
	root = pmstat_json(-1, NULL, c.pid, 0);
	for (int i = 0; i < 2; i++) {
		struct tk_smaps s;
		json_t *m = mapping_of(root, c.pid, c.rep.addr[i], &s);

		ck_assert_msg(tk_smaps_has_flag(&s, "ht"), "not hugetlb: %s",
		    s.path);
		EXPECT(m, "pages", huge_size / ps);
		EXPECT(m, "present", huge_size / ps);
		/* hugetlb, VmFlags ht: never a THP (null where unknown). */
		EXPECT_K(m, "thp", 0, 0);
	}
	relations(root, &c, "hugetlb");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * A file on a hugetlbfs mount: smaps says "ht", and so must pmstat. As
 * root it knows by KPF_HUGE; as nobody it has only the device, and learns
 * the mount's from the process's mountinfo (read only for a process that
 * maps a file of an anonymous device). Were it missed, the PMD-mapped huge
 * page would count as a THP.
 */
static void
hugetlbfs_file(bool nobody)
{
	struct tk_child c;
	struct tk_smaps s;
	char arg[48];
	json_t *root, *m;

	if (huge_skip[0] != '\0') {
		check_skip("%s", huge_skip);
		return;
	}
	if (nobody && !can_be_nobody("hugetlbfs file as nobody"))
		return;
	snprintf(arg, sizeof(arg), "%lu%s", huge_size, nobody ? ",nobody" : "");
	if (!spawn("hugetlbfs_file", arg, -1, &c))
		return;
	root = pmstat_json(nobody ? NOBODY_UID : -1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	ck_assert_msg(tk_smaps_has_flag(&s, "ht"), "not hugetlb: %s", s.path);
	EXPECT(m, "pages", huge_size / ps);
	EXPECT(m, "present", huge_size / ps);
	EXPECT_K(m, "thp", 0, nobody ? KP_NOBODY : 0);
	relations(root, &c, "hugetlbfs file");
	json_decref(root);
	tk_kill(&c);
}

START_TEST(test_hugetlbfs_file)
{
	hugetlbfs_file(false);
}
END_TEST

START_TEST(test_hugetlbfs_file_nobody)
{
	hugetlbfs_file(true);
}
END_TEST

static Suite *
hugetlb_suite(void)
{
	Suite *s = suite_create("hugetlb_itest");

	TCase *tc = itest_tcase(s, "hugetlb", huge_setup, huge_teardown);

	tcase_add_test(tc, test_hugetlb_not_thp);
	tcase_add_test(tc, test_hugetlbfs_file);
	tcase_add_test(tc, test_hugetlbfs_file_nobody);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "hugetlb", layout_hugetlb },
	{ "hugetlbfs_file", layout_hugetlbfs_file },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, hugetlb_suite);
}
