/*
 * inspect.c - one process: its maps, small mappings read in groups, large
 * ones walked alone, what smaps must settle. The run's set-up is
 * inspector.c's, a mapping's walk walk.c's, a batch's reads batch.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect.h"
#include "kpf.h"
#include "mapgroup.h"
#include "pagemap.h"
#include "pagescan.h"
#include "procio.h"
#include "smaps.h"
#include "twin.h"
#include "walk.h"


static int
open_smaps(struct smaps_reader *sm, int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	return smaps_open(sm, path);
}

/*
 * Whether the exclusive bits of the mapping's pages are in doubt, and
 * printed: PMD-mapped pages whose map counts were not read (see
 * exclusive_from_counts()).
 */
static bool
exclusive_in_doubt(const struct walk *w, const struct counts *c)
{
	const uint32_t by_excl = CTR_BIT(CTR_EXCLUSIVE) | CTR_BIT(CTR_SHARED) |
	    CTR_BIT(CTR_COW_SHARED);

	return !w->src.kcount && (w->in->wanted & by_excl) &&
	    (!stats_is_known(c, CTR_THP) || c->v[CTR_THP] > 0);
}

/*
 * Settle from smaps what the mapping's pages left unknown or in doubt.
 * smaps is opened at the first mapping that needs it. A mapping smaps does
 * not list as it stands (changed since maps was read, or clipped by a
 * range) keeps its unknowns; a failed read stops asking.
 */
static void
settle_mapping(struct walk *w, const struct maps_entry *e,
    struct mapping_walk *m)
{
	struct smaps_rec rec;
	int r;

	if (w->smaps == SMAPS_UNREAD && exclusive_in_doubt(w, m->c))
		w->smaps = open_smaps(&w->sm, w->pid) == 0 ? SMAPS_OPEN :
		    SMAPS_FAILED;
	if (w->smaps != SMAPS_OPEN)
		return;
	if ((r = smaps_find(&w->sm, e->start, e->end, &rec)) == 1)
		stats_settle(m->c, &m->kind, &rec, w->in->page_size / 1024,
		    !w->src.kcount, !w->src.ksm_noise);
	else if (r < 0)
		w->smaps = SMAPS_FAILED;
}

/* One mapping larger than a batch, read on its own. */
static int
walk_mapping(struct walk *w, const struct maps_entry *e, bool scan,
    struct counts *c)
{
	struct inspector *in = w->in;
	struct mapping_walk m;
	int err;

	mapping_walk_init(w, e, c, &m);
	if ((err = walk_range(w, &m, e->start >> in->page_shift,
	    e->end >> in->page_shift, scan ? BITS_SCAN : BITS_BY_PFN)) != 0)
		return err;
	settle_mapping(w, e, &m);
	if (w->ops->mapping)
		return w->ops->mapping(w->ops->arg, e, c);
	return 0;
}

/*
 * Whether pages of mapping e need a scan for their zero-page and huge-page
 * bits whatever their PFNs say: when the PFNs cannot tell (see
 * inspector_init()), and in hugetlbfs, whose pages smaller than a PMD
 * pmd_possible() would not see.
 */
static bool
needs_scan(const struct inspector *in, const struct maps_entry *e)
{
	return !in->zero_by_pfn || maps_entry_is_hugetlb(e) ||
	    hugetlb_is_dev(&in->huge, e->dev_major, e->dev_minor);
}

/*
 * Read the group's window with one pread (and at most one scan, one join),
 * then count each mapping on its slice of it. The holes between the
 * mappings are read too: a few hundred hole pages cost less than a system
 * call.
 */
static int
walk_group(struct walk *w, struct mapgroup *g, struct counts *totals)
{
	uint64_t first, last;
	int err;

	if (g->n == 0)
		return 0;
	mapgroup_window(g, &first, &last);
	if ((err = read_batch(w, first, (size_t)(last - first),
	    g->need_scan ? BITS_SCAN : BITS_BY_PFN)) != 0)
		return err;
	for (size_t i = 0; i < g->n; i++) {
		const struct maps_entry *e = &g->slot[i].e;
		uint64_t a = e->start >> w->in->page_shift;
		struct mapping_walk m;
		struct counts c;

		mapping_walk_init(w, e, &c, &m);
		if ((err = count_batch(w, &m, a, (size_t)(a - first),
		    (size_t)((e->end >> w->in->page_shift) - a))) != 0)
			return err;
		settle_mapping(w, e, &m);
		if (w->ops->mapping && (err = w->ops->mapping(w->ops->arg, e,
		    &c)) != 0)
			return err;
		stats_merge(totals, &c);
	}
	mapgroup_clear(g);
	return 0;
}

/* Clip e to [start, end); false if nothing is left. */
static bool
clip(struct maps_entry *e, uint64_t start, uint64_t end)
{
	if (e->end <= start || (end != 0 && e->start >= end))
		return false;
	if (e->start < start) {
		/* Anonymous mappings have no file offset to move (maps says 0). */
		if (e->inode != 0)
			e->offset += start - e->start;
		e->start = start;
	}
	if (end != 0 && e->end > end)
		e->end = end;
	return true;
}

/* Groups of at most this many mappings; their paths are copied. */
#define GROUP_MAPPINGS	512

static int
walk_maps(struct walk *w, int pid, uint64_t start, uint64_t end,
    struct counts *totals)
{
	struct maps_reader mr;
	struct maps_entry e;
	struct mapgroup g;
	char path[64];
	bool mounts = false;	/* this process's hugetlbfs mounts are known */
	int r;

	hugetlb_forget_mounts(&w->in->huge);
	if ((r = mapgroup_init(&g, GROUP_MAPPINGS, w->in->batch, SPARSE_GAP,
	    w->in->page_shift)) != 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if ((r = maps_open(&mr, path)) != 0) {
		mapgroup_release(&g);
		return r;
	}
	while ((r = maps_next(&mr, &e)) == 1) {
		bool scan;

		/*
		 * A hugetlbfs file has an anonymous device (major 0, as tmpfs
		 * and overlayfs have): the process's mounts are read when it
		 * maps such a file, not for every process of --all (a
		 * container host's mountinfo runs to hundreds of lines).
		 */
		if (!mounts && e.dev_major == 0 && e.inode != 0) {
			snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
			if ((r = hugetlb_load_mounts(&w->in->huge, path)) != 0)
				break;
			mounts = true;
		}
		scan = needs_scan(w->in, &e);

		/* Maps come in address order: the first lies inside the task. */
		if (mr.lineno == 1)
			pagemap_set_probe(&w->pm, e.start >> w->in->page_shift);
		if (!clip(&e, start, end))
			continue;
		if (!mapgroup_fits(&g, &e) && (r = walk_group(w, &g, totals)) != 0)
			break;
		if (mapgroup_fits(&g, &e)) {
			if ((r = mapgroup_add(&g, &e, scan)) != 0)
				break;
		} else {
			struct counts c;

			if ((r = walk_mapping(w, &e, scan, &c)) != 0)
				break;
			stats_merge(totals, &c);
		}
	}
	if (r == 0)
		r = walk_group(w, &g, totals);
	maps_close(&mr);
	mapgroup_release(&g);
	/*
	 * A process whose memory is gone but that is not reaped yet has an
	 * empty maps file; its pagemap reads nothing at all, even at page 0.
	 */
	if (r == 0) {
		uint64_t word;

		if (procio_read_words(w->pm.fd, 0, &word, 1) != 1)
			r = -ESRCH;
	}
	return r;
}

/*
 * Whether smaps must be read from the first mapping on: a printed counter
 * that pagemap's bits leave unknown here, and smaps settles. Reading smaps
 * costs a page-table walk as long as pmap -X's, so only then.
 */
static bool
smaps_wanted(const struct inspector *in, const struct sources *src)
{
	return (in->wanted & CTR_SETTLED & ~stats_known(src)) != 0;
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
		w.scan2 = in->twin != NULL && pagescan_init(&w.ps2, w.pm.fd) == 0;
	}
	w.src.kflags = w.src.kcount = in->have_kpage;
	w.src.scan = w.scan;
	w.src.soft_dirty = in->probe.soft_dirty;
	w.src.ksm_noise = in->ksm_noise;
	*src = w.src;
	w.pid = pid;
	/*
	 * The system-wide pages_shared goes stale (it keeps its value after
	 * the merged processes exit with ksmd stopped) and says nothing of
	 * this process: where it allows KSM, ask the process.
	 */
	w.plan = in->plan;
	w.plan.ksm = joinplan_ksm_of(&in->plan, pid);
	if (smaps_wanted(in, &w.src))
		w.smaps = open_smaps(&w.sm, pid) == 0 ? SMAPS_OPEN : SMAPS_FAILED;
	stats_init(totals, stats_known(&w.src) |
	    (w.smaps == SMAPS_OPEN ? CTR_SETTLED : 0));

	r = walk_maps(&w, pid, start, end, totals);
	if (w.smaps == SMAPS_OPEN)
		smaps_close(&w.sm);
	if (w.scan)
		pagescan_release(&w.ps);
	if (w.scan2)
		pagescan_release(&w.ps2);
	pagemap_close(&w.pm);
	return r;
}
