/*
 * bench_target.c - build one of the benchmark's memory layouts and hold it
 *
 * usage: bench_target LAYOUT READYFILE [DIR]
 *
 * Builds LAYOUT, writes the PID to inspect into READYFILE (atomically, by
 * rename), then sleeps until killed. Every process of it dies with its
 * parent (PR_SET_PDEATHSIG), so a benchmark killed midway leaves nothing.
 * DIR is where the private-file layout puts its file (removed at once: the
 * mapping keeps it alive).
 *
 * Layouts:
 *   dense4g     4 GiB of anonymous memory, every page written
 *   sparse256g  256 GiB reserved, one page in 1,024 written
 *   maps50k     50,000 small mappings, 4 pages each, 2 written
 *   fork2g      2 GiB written, then fork; the child rewrites every 4th page
 *               and is the target
 *   privfile    a 512 MiB MAP_PRIVATE file mapping read whole, every 4th
 *               page written
 *   thp         1 GiB with MADV_HUGEPAGE, every page written
 *   swap        1 GiB written, the first half paged out (needs swap on)
 *   many        500 processes named pmsbench-many, all descendants of this
 *               one (the target): 8 families of a parent with 64 MiB written
 *               and 15 forked children that each rewrite every 16th page,
 *               and 372 small processes (this one and 371 forks of it); the
 *               PIDs go to DIR/many.pids, the first family's (parent
 *               first) to DIR/many.family
 *   ksm         not a target: KSM_PAGES pages made mergeable, two of each
 *               content, held until ksmd has merged them into KSM_PAGES / 2
 *               KSM pages (ksmd must run: run.sh turns it on); the bench's
 *               "KSM elsewhere" condition
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define GiB	(UINT64_C(1) << 30)
#define MANY_COMM	"pmsbench-many"
#define MANY_FAMILIES	8
#define MANY_MEMBERS	16	/* a parent and its 15 children */
#define MANY_SMALL	372	/* this process among them */
#define MANY_TOTAL	(MANY_FAMILIES * MANY_MEMBERS + MANY_SMALL)
#define MiB	(UINT64_C(1) << 20)
#define KSM_PAGES	512
#define KSM_WAIT_S	120

static size_t page;

static void
die(const char *what)
{
	fprintf(stderr, "bench_target: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *
map_anon(uint64_t len, int extra)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* Write every step-th page of [p, p+len) with a value that is not zero. */
static void
touch(char *p, uint64_t len, uint64_t step, char v)
{
	for (uint64_t off = 0; off < len; off += step * page)
		p[off] = v;
}

static void
dense(uint64_t len)
{
	char *p = map_anon(len, 0);

	/* The 4 KiB pages are the point: keep THP out whatever the policy. */
	if (madvise(p, len, MADV_NOHUGEPAGE) != 0)
		die("madvise(MADV_NOHUGEPAGE)");
	touch(p, len, 1, 1);
}

static void
sparse(void)
{
	char *p = map_anon(256 * GiB, MAP_NORESERVE);

	touch(p, 256 * GiB, 1024, 1);
}

static void
many_maps(void)
{
	/*
	 * Alternate protections so that neighbours cannot merge into one
	 * mapping; a hint address keeps them adjacent.
	 */
	for (int i = 0; i < 50000; i++) {
		int prot = PROT_READ | (i % 2 ? PROT_WRITE : 0);
		char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		p[0] = p[2 * page] = 1;
		if (mprotect(p, 4 * page, prot) != 0)
			die("mprotect");
	}
}

static pid_t
fork_rewrite(void)
{
	uint64_t len = 2 * GiB;
	char *p = map_anon(len, 0);
	int done[2];
	pid_t pid;
	char c;

	if (madvise(p, len, MADV_NOHUGEPAGE) != 0)
		die("madvise(MADV_NOHUGEPAGE)");
	touch(p, len, 1, 1);
	if (pipe(done) != 0)
		die("pipe");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			die("prctl");
		touch(p, len, 4, 2);
		if (write(done[1], "", 1) != 1)
			die("write");
		for (;;)
			pause();
	}
	/* The child must have rewritten its pages before it is measured. */
	if (read(done[0], &c, 1) != 1)
		die("read");
	close(done[0]);
	close(done[1]);
	return pid;
}

static void
private_file(const char *dir)
{
	uint64_t len = 512 * MiB;
	char path[4096];
	char *p;
	int fd;

	snprintf(path, sizeof(path), "%s/bench_target.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		die("mkstemp");
	unlink(path);
	if (ftruncate(fd, (off_t)len) != 0)
		die("ftruncate");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	close(fd);
	/* Read every page into the page cache, then copy every fourth. */
	for (uint64_t off = 0; off < len; off += page)
		*(volatile char *)(p + off);
	touch(p, len, 4, 1);
}

static void
thp(void)
{
	uint64_t len = GiB, huge = 2 * MiB;
	char *raw = map_anon(len + huge, 0);
	char *p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));

	if (madvise(p, len, MADV_HUGEPAGE) != 0)
		die("madvise(MADV_HUGEPAGE)");
	touch(p, len, 1, 1);
}

static void
swapped(void)
{
	uint64_t len = GiB;
	char *p = map_anon(len, 0);

	if (madvise(p, len, MADV_NOHUGEPAGE) != 0)
		die("madvise(MADV_NOHUGEPAGE)");
	touch(p, len, 1, 1);
	if (madvise(p, len / 2, MADV_PAGEOUT) != 0)
		die("madvise(MADV_PAGEOUT)");
}

/* What a process of the many layout reports once its memory is in place. */
struct many_rec {
	int	pid;
	int	family;		/* -1 for a small process */
	int	member;		/* 0 for a family's parent */
};

/*
 * Become a child that dies with its parent, even if the parent died before
 * the prctl: then getppid() is no longer the PID it was forked from.
 */
static void
many_child(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		die("prctl");
	if (getppid() != parent)
		_exit(1);
}

/* Report to the root; 12 bytes to a pipe are written at once (PIPE_BUF). */
static void
many_report(int fd, int family, int member)
{
	struct many_rec r = { getpid(), family, member };

	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		die("write");
	close(fd);
	for (;;)
		pause();
}

/*
 * One family: 64 MiB of 4 KiB anonymous pages written, then 15 children.
 * Each child rewrites every 16th page, so 1/16 of its 64 MiB is copied on
 * write and the rest stays shared with the parent and the other children.
 */
static void
many_family(int fd, int family)
{
	uint64_t len = 64 * MiB;
	pid_t self = getpid();
	char *p = map_anon(len, 0);

	if (madvise(p, len, MADV_NOHUGEPAGE) != 0)
		die("madvise(MADV_NOHUGEPAGE)");
	touch(p, len, 1, 1);
	for (int m = 1; m < MANY_MEMBERS; m++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			many_child(self);
			touch(p, len, 16, 2);
			many_report(fd, family, m);
		}
	}
	many_report(fd, family, 0);
}

static void
many_write(const char *dir, const char *name, const int *pids, int n)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		die(path);
	for (int i = 0; i < n; i++)
		fprintf(fp, "%d\n", pids[i]);
	if (fclose(fp) != 0)
		die(path);
}

/*
 * The many layout: fork everything, wait for the 499 reports, and list
 * the PIDs for run.sh (all 500; and family 0, its parent first).
 */
static void
many(const char *dir)
{
	static int all[MANY_TOTAL], fam[MANY_MEMBERS];
	pid_t self = getpid();
	struct many_rec r;
	int fd[2], n = 0;

	if (prctl(PR_SET_NAME, MANY_COMM) != 0)
		die("prctl(PR_SET_NAME)");
	if (pipe(fd) != 0)
		die("pipe");
	for (int i = 0; i < MANY_SMALL - 1 + MANY_FAMILIES; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			many_child(self);
			close(fd[0]);
			if (i < MANY_SMALL - 1)
				many_report(fd[1], -1, 0);
			many_family(fd[1], i - (MANY_SMALL - 1));
		}
	}
	close(fd[1]);
	all[n++] = (int)self;
	while (n < MANY_TOTAL) {
		size_t got = 0;

		while (got < sizeof(r)) {
			ssize_t k = read(fd[0], (char *)&r + got, sizeof(r) - got);

			if (k <= 0) {
				errno = k == 0 ? EPIPE : errno;
				die("read: a process of the layout died");
			}
			got += (size_t)k;
		}
		all[n++] = r.pid;
		if (r.family == 0)
			fam[r.member] = r.pid;
	}
	close(fd[0]);
	many_write(dir, "many.pids", all, MANY_TOTAL);
	many_write(dir, "many.family", fam, MANY_MEMBERS);
}

/* ksm_merging_pages of this process from /proc/self/ksm_stat, or -1. */
static long
ksm_merging(void)
{
	FILE *fp = fopen("/proc/self/ksm_stat", "re");
	char line[128];
	long v = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "ksm_merging_pages %ld", &v) == 1)
			break;
	fclose(fp);
	return v;
}

/*
 * Pages for KSM to merge, in pairs of one content: another process holding
 * KSM pages, as a machine where KSM is in use elsewhere has.
 */
static void
ksm_holder(void)
{
	char *p = map_anon(KSM_PAGES * page, 0);

	for (size_t i = 0; i < KSM_PAGES; i++) {
		memset(p + i * page, 0, page);
		snprintf(p + i * page, page, "pmstat bench ksm %d %zu",
		    (int)getpid(), i / 2);
	}
	if (madvise(p, KSM_PAGES * page, MADV_MERGEABLE) != 0)
		die("madvise MADV_MERGEABLE");
	for (int t = 0; ksm_merging() < KSM_PAGES; t++) {
		if (t >= KSM_WAIT_S * 10) {
			errno = ETIMEDOUT;
			die("ksmd did not merge the pages");
		}
		usleep(100000);
	}
}

static void
ready(const char *file, pid_t pid)
{
	char tmp[4096];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if ((fp = fopen(tmp, "w")) == NULL)
		die(tmp);
	fprintf(fp, "%d\n", (int)pid);
	if (fclose(fp) != 0 || rename(tmp, file) != 0)
		die(file);
}

int
main(int argc, char **argv)
{
	pid_t target;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_target LAYOUT READYFILE [DIR]\n");
		return 2;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		die("prctl");
	page = (size_t)sysconf(_SC_PAGESIZE);
	target = getpid();
	if (strcmp(argv[1], "dense4g") == 0)
		dense(4 * GiB);
	else if (strcmp(argv[1], "sparse256g") == 0)
		sparse();
	else if (strcmp(argv[1], "maps50k") == 0)
		many_maps();
	else if (strcmp(argv[1], "fork2g") == 0)
		target = fork_rewrite();
	else if (strcmp(argv[1], "privfile") == 0)
		private_file(argc > 3 ? argv[3] : "/tmp");
	else if (strcmp(argv[1], "thp") == 0)
		thp();
	else if (strcmp(argv[1], "swap") == 0)
		swapped();
	else if (strcmp(argv[1], "many") == 0)
		many(argc > 3 ? argv[3] : "/tmp");
	else if (strcmp(argv[1], "ksm") == 0)
		ksm_holder();
	else {
		fprintf(stderr, "bench_target: unknown layout '%s'\n", argv[1]);
		return 2;
	}
	ready(argv[2], target);
	for (;;)
		pause();
}
