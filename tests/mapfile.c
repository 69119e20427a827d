/*
 * mapfile - a target for the CLI tests: map each named file MAP_PRIVATE, read
 * its first page, say "ready" and wait to be killed.
 */
#include "config.h"

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);

	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		volatile char *p;

		if (fd < 0)
			err(1, "%s", argv[i]);
		p = mmap(NULL, (size_t)psz, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			err(1, "mmap %s", argv[i]);
		(void)p[0];
		close(fd);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
