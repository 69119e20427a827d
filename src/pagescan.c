/* pagescan.c - PAGEMAP_SCAN: the zero-page and huge-page categories */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "pagescan.h"

#define PAGESCAN_VEC	512

static int
scan_once(int fd, struct pm_scan_arg *arg)
{
	int r;

	do
		r = ioctl(fd, PAGEMAP_SCAN, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int
pagescan_probe(int pagemap_fd)
{
	struct page_region reg;
	struct pm_scan_arg arg;
	int r;

	/* An empty range asks nothing of the page tables but validates the call. */
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.vec = (uintptr_t)&reg;
	arg.vec_len = 1;
	arg.category_anyof_mask = PAGE_IS_PRESENT;
	arg.return_mask = PAGE_IS_PRESENT;
	r = scan_once(pagemap_fd, &arg);
	if (r >= 0)
		return 1;
	if (r == -ENOTTY || r == -EINVAL || r == -EOPNOTSUPP)
		return 0;
	return r;
}

int
pagescan_init(struct pagescan *s, int pagemap_fd)
{
	s->fd = pagemap_fd;
	s->vec_len = PAGESCAN_VEC;
	s->vec = calloc(s->vec_len, sizeof(*s->vec));
	return s->vec == NULL ? -ENOMEM : 0;
}

uint64_t
pagescan_resume(const struct pm_scan_arg *arg, const struct page_region *vec,
    size_t got)
{
	uint64_t next;

	if (got < arg->vec_len &&
	    (arg->max_pages == 0 || arg->walk_end >= arg->end))
		return 0;
	next = arg->walk_end;
	if (got > 0 && vec[got - 1].end > next)
		next = vec[got - 1].end;
	return next >= arg->end ? 0 : next;
}

int
pagescan_regions(struct pagescan *s, uint64_t start, uint64_t end,
    uint64_t anyof, uint64_t ret, size_t *got, uint64_t *next)
{
	struct pm_scan_arg arg;
	int r;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.start = start;
	arg.end = end;
	arg.vec = (uintptr_t)s->vec;
	arg.vec_len = s->vec_len;
	arg.category_anyof_mask = anyof;
	arg.return_mask = ret;
	if ((r = scan_once(s->fd, &arg)) < 0)
		return r;
	*got = (size_t)r;
	*next = pagescan_resume(&arg, s->vec, (size_t)r);
	return 0;
}

uint8_t
pagescan_bits(uint64_t categories)
{
	return ((categories & PAGE_IS_PFNZERO) ? SCAN_ZERO : 0) |
	    ((categories & PAGE_IS_HUGE) ? SCAN_HUGE : 0);
}

int
pagescan_mark(struct pagescan *s, uint64_t start, size_t n, size_t page_size,
    uint8_t *out)
{
	const uint64_t cats = PAGE_IS_PFNZERO | PAGE_IS_HUGE;
	uint64_t end = start + (uint64_t)n * page_size, cur = start;

	memset(out, 0, n);
	/* pagescan_resume() says 0 when done: address 0 itself is a valid start. */
	do {
		size_t got;
		int err;

		if ((err = pagescan_regions(s, cur, end, cats, cats, &got, &cur)) != 0)
			return err;
		for (size_t i = 0; i < got; i++) {
			const struct page_region *r = &s->vec[i];
			uint8_t bits = pagescan_bits(r->categories);
			uint64_t a = r->start < start ? start : r->start;
			uint64_t b = r->end > end ? end : r->end;

			/* A re-reported region only sets the same bits again. */
			for (; a < b; a += page_size)
				out[(a - start) / page_size] |= bits;
		}
	} while (cur != 0);
	return 0;
}

void
pagescan_release(struct pagescan *s)
{
	free(s->vec);
	s->vec = NULL;
}
