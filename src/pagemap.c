/* pagemap.c - batched reads of /proc/PID/pagemap */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pagemap.h"
#include "procio.h"

int
pagemap_open(struct pagemap *pm, int pid)
{
	char path[64];

	memset(pm, 0, sizeof(*pm));
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	pm->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pm->fd < 0)
		return -errno;
	return 0;
}

int
pagemap_read(struct pagemap *pm, uint64_t vpn, uint64_t *buf, size_t n)
{
	ssize_t got = procio_read_words(pm->fd, vpn, buf, n);

	if (got < 0)
		return (int)got;
	if (got > 0 && !pm->have_probe)
		pagemap_set_probe(pm, vpn);
	if ((size_t)got < n) {
		uint64_t w;

		/*
		 * Nothing at all, where a page inside the task reads nothing too:
		 * the address space is gone, not merely ended.
		 */
		if (got == 0 && (!pm->have_probe ||
		    procio_read_words(pm->fd, pm->probe_vpn, &w, 1) != 1))
			return -ESRCH;
		memset(buf + got, 0, (n - (size_t)got) * sizeof(*buf));
	}
	return (int)got;
}

void
pagemap_set_probe(struct pagemap *pm, uint64_t vpn)
{
	pm->probe_vpn = vpn;
	pm->have_probe = true;
}

void
pagemap_close(struct pagemap *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	pm->fd = -1;
}
