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
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define GiB	(UINT64_C(1) << 30)
#define MiB	(UINT64_C(1) << 20)

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
	else {
		fprintf(stderr, "bench_target: unknown layout '%s'\n", argv[1]);
		return 2;
	}
	ready(argv[2], target);
	for (;;)
		pause();
}
