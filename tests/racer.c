/*
 * racer - a hostile target for tests/races.sh: it changes its address space
 * while pmstat reads it. It says "ready" on stdout once set up, then:
 *
 *   racer churn          mmap, touch and munmap 1-64 pages, in a tight loop
 *   racer many N         N single-page mappings (alternate protections keep
 *                        them apart), whose protections flip in a loop
 *   racer rename PATH    map PATH and rename it to PATH.moved and back
 *   racer exec [K]       exec itself again and again (K counts the execs)
 *   racer hold MIB       MIB of touched anonymous memory, then wait
 *
 * Each runs until killed.
 */
#include "config.h"

#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void
ready(void)
{
	printf("ready\n");
	if (fflush(stdout) != 0)
		err(1, "stdout");
}

static void
churn(size_t ps)
{
	void *keep[16] = { NULL };
	unsigned int seed = 1;

	ready();
	for (;;) {
		size_t k = (size_t)rand_r(&seed) % 16;
		size_t n = 1 + (size_t)rand_r(&seed) % 64;
		char *p;

		if (keep[k] != NULL && munmap(keep[k], 64 * ps) != 0)
			err(1, "munmap");
		/* Always 64 pages reserved, n of them touched. */
		p = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			err(1, "mmap");
		for (size_t i = 0; i < n; i++)
			p[i * ps] = 1;
		keep[k] = p;
	}
}

static void
many(size_t ps, long n)
{
	char *base;

	if (n < 1 || n > 1000000)
		errx(2, "many: 1 to 1000000 mappings");
	base = mmap(NULL, (size_t)n * ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		err(1, "mmap");
	/* Every other page read-only: n mappings that cannot merge. */
	for (long i = 0; i < n; i++) {
		base[(size_t)i * ps] = 1;
		if (i % 2 == 1 && mprotect(base + (size_t)i * ps, ps, PROT_READ) != 0)
			err(1, "mprotect");
	}
	ready();
	/* Flipping a page merges it with its neighbours and splits it off again. */
	for (long i = 1;; i = (i + 2) % n) {
		char *p = base + (size_t)i * ps;

		if (mprotect(p, ps, PROT_READ | PROT_WRITE) != 0 ||
		    mprotect(p, ps, PROT_READ) != 0)
			err(1, "mprotect");
	}
}

static void
renamer(size_t ps, const char *path)
{
	char moved[4096];
	volatile char *p;
	int fd;

	if ((size_t)snprintf(moved, sizeof(moved), "%s.moved", path) >= sizeof(moved))
		errx(2, "path too long");
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    ftruncate(fd, (off_t)(16 * ps)) != 0)
		err(1, "%s", path);
	p = mmap(NULL, 16 * ps, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		err(1, "mmap");
	(void)p[0];
	close(fd);
	ready();
	for (;;) {
		if (rename(path, moved) != 0 || rename(moved, path) != 0)
			err(1, "rename");
	}
}

static void
hold(size_t ps, long mib)
{
	size_t len = (size_t)mib << 20;
	char *p;

	if (mib < 1 || mib > 4096)
		errx(2, "hold: 1 to 4096 MiB");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		err(1, "mmap");
	for (size_t i = 0; i < len; i += ps)
		p[i] = 1;
	/*
	 * Where it is, on the line after "ready" and in the same write: a page
	 * listing of it must not walk the rest of the address space, which
	 * under ASan holds terabytes of shadow reservations.
	 */
	printf("ready\n%lx-%lx\n", (unsigned long)(uintptr_t)p,
	    (unsigned long)((uintptr_t)p + len));
	if (fflush(stdout) != 0)
		err(1, "stdout");
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t ps = psz > 0 ? (size_t)psz : 4096;

	if (argc >= 2 && strcmp(argv[1], "churn") == 0)
		churn(ps);
	else if (argc >= 3 && strcmp(argv[1], "many") == 0)
		many(ps, strtol(argv[2], NULL, 10));
	else if (argc >= 3 && strcmp(argv[1], "rename") == 0)
		renamer(ps, argv[2]);
	else if (argc >= 3 && strcmp(argv[1], "hold") == 0)
		hold(ps, strtol(argv[2], NULL, 10));
	else if (argc >= 2 && strcmp(argv[1], "exec") == 0) {
		/* The first exec says ready; the rest only replace the image. */
		char count[32];

		if (argc == 2)
			ready();
		snprintf(count, sizeof(count), "%ld",
		    argc > 2 ? strtol(argv[2], NULL, 10) + 1 : 1);
		execl("/proc/self/exe", argv[0], "exec", count, (char *)NULL);
		err(1, "exec");
	}
	errx(2, "usage: racer churn | many N | rename PATH | exec | hold MIB");
}
