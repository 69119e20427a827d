/* inspect.c - one process, one mapping at a time, one batch at a time */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect.h"
#include "pagemap.h"
#include "pagescan.h"

/* 32 Ki pages: 256 KiB of pagemap per pread, about 1.5 MiB of buffers in all. */
#define INSPECT_BATCH	(32 * 1024)

int
inspector_init(struct inspector *in, const struct inspect_opts *o)
{
	long psz = sysconf(_SC_PAGESIZE);
	int err;

	memset(in, 0, sizeof(*in));
	in->kp.count_fd = in->kp.flags_fd = -1;
	if (psz <= 0 || (psz & (psz - 1)) != 0)
		return -EINVAL;
	in->page_size = (size_t)psz;
	while ((1UL << in->page_shift) < in->page_size)
		in->page_shift++;
	in->batch = o->batch_pages ? o->batch_pages : INSPECT_BATCH;
	in->no_scan = o->no_scan;
	if ((err = probe_self(&in->probe)) != 0 ||
	    (err = hugetlb_probe(&in->huge)) != 0)
		return err;

	if (o->no_kpage)
		in->kpage_err = 0;
	else if (!in->probe.pfn_visible)
		in->kpage_err = -EPERM;
	else if ((err = kpage_open(&in->kp, "/proc")) != 0)
		in->kpage_err = err;
	else
		in->have_kpage = true;

	in->words = calloc(in->batch, sizeof(*in->words));
	in->pfns = calloc(in->batch, sizeof(*in->pfns));
	in->kflags = calloc(in->batch, sizeof(*in->kflags));
	in->kcounts = calloc(in->batch, sizeof(*in->kcounts));
	in->scan = calloc(in->batch, sizeof(*in->scan));
	if (!in->words || !in->pfns || !in->kflags || !in->kcounts || !in->scan) {
		inspector_release(in);
		return -ENOMEM;
	}
	return 0;
}

void
inspector_release(struct inspector *in)
{
	if (in->have_kpage)
		kpage_close(&in->kp);
	hugetlb_release(&in->huge);
	free(in->words);
	free(in->pfns);
	free(in->kflags);
	free(in->kcounts);
	free(in->scan);
	in->words = in->pfns = in->kflags = in->kcounts = NULL;
	in->scan = NULL;
	in->have_kpage = false;
}

struct walk {
	struct inspector	*in;
	struct pagemap		 pm;
	struct pagescan		 ps;
	bool			 scan;
	struct sources		 src;
	const struct inspect_ops *ops;
};

/* Read, scan and join one batch of n pages at vpn into in's buffers. */
static int
read_batch(struct walk *w, uint64_t vpn, size_t n)
{
	struct inspector *in = w->in;
	int got, err;

	if ((got = pagemap_read(&w->pm, vpn, in->words, n)) < 0)
		return got;
	/* Past the task's end (as [vsyscall] is) the ioctl would fault. */
	memset(in->scan, 0, n);
	if (w->scan && got > 0 && (err = pagescan_mark(&w->ps,
	    vpn << in->page_shift, (size_t)got, in->page_size, in->scan)) != 0)
		return err;
	if (!in->have_kpage)
		return 0;
	for (size_t i = 0; i < n; i++)
		in->pfns[i] = pm_pfn(in->words[i]);
	memset(in->kflags, 0, n * sizeof(*in->kflags));
	memset(in->kcounts, 0, n * sizeof(*in->kcounts));
	return kpage_join(&in->kp, in->pfns, n, in->kflags, in->kcounts);
}

static int
walk_mapping(struct walk *w, const struct maps_entry *e, struct counts *c)
{
	struct inspector *in = w->in;
	struct mapping_kind kind = {
		.private = e->perms[3] == 'p',
		.file = e->inode != 0,
		.hugetlb = maps_entry_is_hugetlb(e) ||
		    hugetlb_is_dev(&in->huge, e->dev_major, e->dev_minor),
	};
	uint64_t vpn = e->start >> in->page_shift;
	uint64_t last = e->end >> in->page_shift;
	uint8_t have = (w->src.kflags ? OBS_KFLAGS : 0) |
	    (w->src.kcount ? OBS_KCOUNT : 0) | (w->scan ? OBS_SCAN : 0);
	int err;

	stats_init(c, stats_known(&w->src));
	while (vpn < last) {
		size_t n = last - vpn < in->batch ? (size_t)(last - vpn) : in->batch;

		if ((err = read_batch(w, vpn, n)) != 0)
			return err;
		for (size_t i = 0; i < n; i++) {
			struct page_obs o = {
				.pm = in->words[i], .kflags = in->kflags[i],
				.kcount = in->kcounts[i], .scan = in->scan[i],
				.have = have,
			};
			stats_add_page(c, &kind, &o);
			if (w->ops->page && (err = w->ops->page(w->ops->arg, e, &kind,
			    (vpn + i) << in->page_shift, &o)) != 0)
				return err;
		}
		vpn += n;
	}
	if (w->ops->mapping)
		return w->ops->mapping(w->ops->arg, e, c);
	return 0;
}

/* Clip e to [start, end); false if nothing is left. */
static bool
clip(struct maps_entry *e, uint64_t start, uint64_t end)
{
	if (e->end <= start || (end != 0 && e->start >= end))
		return false;
	if (e->start < start) {
		e->offset += start - e->start;
		e->start = start;
	}
	if (end != 0 && e->end > end)
		e->end = end;
	return true;
}

static int
walk_maps(struct walk *w, int pid, uint64_t start, uint64_t end,
    struct counts *totals)
{
	struct maps_reader mr;
	struct maps_entry e;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	if ((r = hugetlb_load_mounts(&w->in->huge, path)) != 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if ((r = maps_open(&mr, path)) != 0)
		return r;
	while ((r = maps_next(&mr, &e)) == 1) {
		struct counts c;

		/* Maps come in address order: the first lies inside the task. */
		if (mr.lineno == 1)
			pagemap_set_probe(&w->pm, e.start >> w->in->page_shift);
		if (!clip(&e, start, end))
			continue;
		if ((r = walk_mapping(w, &e, &c)) != 0)
			break;
		stats_merge(totals, &c);
	}
	maps_close(&mr);
	return r;
}

int
inspect_process(struct inspector *in, int pid, uint64_t start, uint64_t end,
    const struct inspect_ops *ops, struct counts *totals, struct sources *src)
{
	struct walk w = { .in = in, .ops = ops };
	int r;

	if ((r = pagemap_open(&w.pm, pid)) != 0)
		return r;
	if (!in->no_scan && pagescan_probe(w.pm.fd) == 1) {
		if ((r = pagescan_init(&w.ps, w.pm.fd)) != 0) {
			pagemap_close(&w.pm);
			return r;
		}
		w.scan = true;
	}
	w.src.kflags = w.src.kcount = in->have_kpage;
	w.src.scan = w.scan;
	w.src.soft_dirty = in->probe.soft_dirty;
	*src = w.src;
	stats_init(totals, stats_known(&w.src));

	r = walk_maps(&w, pid, start, end, totals);
	if (w.scan)
		pagescan_release(&w.ps);
	pagemap_close(&w.pm);
	return r;
}
