/*
 * promtarget - a process of known layout for the exposition tests:
 * promtarget [-c COMM] NPAGES [FILE...] writes NPAGES pages of a private
 * anonymous mapping (no THP: the count stays in 4 KiB pages whatever the
 * THP setting), maps each FILE privately and reads its first page, sets its
 * comm to COMM (any bytes, up to 15), prints the anonymous mapping's start
 * as 0x... and waits to be killed.
 */
#include "config.h"

#include <err.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	const char *comm = NULL, *errstr = NULL;
	unsigned char *anon;
	long long n;
	int c;

	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c')
			errx(2, "usage: promtarget [-c COMM] NPAGES [FILE...]");
		comm = optarg;
	}
	if (optind >= argc || psz <= 0)
		errx(2, "usage: promtarget [-c COMM] NPAGES [FILE...]");
	n = strtonum(argv[optind++], 1, 1 << 20, &errstr);
	if (errstr != NULL)
		errx(2, "NPAGES: %s", errstr);
	anon = mmap(NULL, (size_t)(n * psz), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		err(1, "mmap");
	/* Before the first write, or the fault may take a huge page. */
	if (madvise(anon, (size_t)(n * psz), MADV_NOHUGEPAGE) != 0)
		err(1, "madvise");
	for (long long i = 0; i < n; i++)
		anon[i * psz] = (unsigned char)(i | 1);
	for (; optind < argc; optind++) {
		int fd = open(argv[optind], O_RDONLY);
		volatile char *p;

		if (fd < 0)
			err(1, "%s", argv[optind]);
		p = mmap(NULL, (size_t)psz, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			err(1, "mmap %s", argv[optind]);
		(void)p[0];
		close(fd);
	}
	if (comm != NULL && prctl(PR_SET_NAME, comm, 0, 0, 0) != 0)
		err(1, "PR_SET_NAME");
	printf("0x%" PRIxPTR "\n", (uintptr_t)anon);
	if (fflush(stdout) != 0)
		err(1, "stdout");
	for (;;)
		pause();
}
