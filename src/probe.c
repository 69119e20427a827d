/* probe.c - learning the kernel's behaviour from a page of our own */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagemap.h"
#include "probe.h"

int
probe_self(struct probe *p)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct pagemap pm;
	char *mem;
	uint64_t w[2];
	int err;

	memset(p, 0, sizeof(*p));
	if (psz <= 0)
		return -EINVAL;
	mem = mmap(NULL, 2 * (size_t)psz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	/* volatile: the write and the read must really fault the pages in. */
	*(volatile char *)mem = 1;
	(void)*(volatile char *)(mem + psz);
	if ((err = pagemap_open(&pm, 0)) == 0) {
		err = pagemap_read(&pm, (uintptr_t)mem / (uint64_t)psz, w, 2);
		err = err == 2 ? 0 : err < 0 ? err : -EIO;
		pagemap_close(&pm);
	}
	if (err == 0) {
		p->pfn_visible = pm_pfn(w[0]) != 0;
		p->soft_dirty = pm_soft_dirty(w[0]);
		if (p->pfn_visible && pm_present(w[1]) && !pm_exclusive(w[1]))
			p->zero_pfn = pm_pfn(w[1]);
	}
	munmap(mem, 2 * (size_t)psz);
	return err;
}
