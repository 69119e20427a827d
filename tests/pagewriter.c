/*
 * pagewriter - a target for the watch tests: every MS milliseconds, on a
 * fixed grid of the monotonic clock (so that its rate does not drift with
 * its own run time, as pmstat's samples do not), write PAGES new pages of
 * one private anonymous mapping. Says "ready" once the mapping exists and
 * the first pages are written, then, after each round, its number and the
 * time it ended (seconds since the epoch), so that a test can tell what it
 * wrote when, however late a loaded machine ran it. Exits after ROUNDS
 * rounds, if given, or runs until killed.
 *
 *   pagewriter PAGES MS [ROUNDS]
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS	1000

int
main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	long pages, ms, rounds = MAX_ROUNDS;
	struct timespec at, now;
	char *p;
	int r;

	if (argc < 3 || argc > 4 || (pages = atol(argv[1])) <= 0 ||
	    (ms = atol(argv[2])) <= 0 ||
	    (argc == 4 && ((rounds = atol(argv[3])) <= 0 || rounds > MAX_ROUNDS)))
		errx(2, "usage: pagewriter PAGES MS [ROUNDS]");
	if (psz <= 0)
		err(1, "sysconf");
	/* Room for every round, reserved only as it is written. */
	p = mmap(NULL, (size_t)pages * (size_t)rounds * (size_t)psz,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	    -1, 0);
	if (p == MAP_FAILED)
		err(1, "mmap");
	/* Base pages only: a THP would make 512 pages present at once. */
	(void)madvise(p, (size_t)pages * (size_t)rounds * (size_t)psz,
	    MADV_NOHUGEPAGE);
	if (clock_gettime(CLOCK_MONOTONIC, &at) != 0)
		err(1, "clock_gettime");
	for (long round = 0; round < rounds; round++) {
		for (long i = 0; i < pages; i++)
			p[((size_t)round * (size_t)pages + (size_t)i) * (size_t)psz] = 1;
		if (clock_gettime(CLOCK_REALTIME, &now) != 0)
			err(1, "clock_gettime");
		if ((round == 0 && printf("ready\n") < 0) ||
		    printf("%ld %lld.%09ld\n", round, (long long)now.tv_sec,
		    now.tv_nsec) < 0 || fflush(stdout) != 0)
			err(1, "stdout");
		at.tv_nsec += ms % 1000 * 1000000;
		at.tv_sec += ms / 1000 + at.tv_nsec / 1000000000;
		at.tv_nsec %= 1000000000;
		while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at,
		    NULL)) == EINTR)
			;
		if (r != 0)
			errx(1, "clock_nanosleep: %d", r);
	}
	return 0;
}
