/*
 * view.c - between the walk and the renderer: the --flags selection, runs of
 * pages in the same state, and flags-word summaries per mapping or process.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kpf.h"
#include "pagemap.h"
#include "view.h"

void
view_init(struct view *v, struct output *out, const struct flag_filter *filter,
    bool soft_dirty_known)
{
	memset(v, 0, sizeof(*v));
	v->out = out;
	v->filter = filter;
	v->soft_dirty_known = soft_dirty_known;
	v->runs = output_runs(out);
	summary_init(&v->sum);
}

void
view_process_begin(struct view *v, int pid, const char *comm)
{
	v->run.open = false;
	summary_clear(&v->sum);
	v->pid = pid;
	v->comm = comm;
	v->begun = false;
}

/* Write errors leave errno set; report it as -errno (EIO if it was lost). */
static int
write_err(void)
{
	return errno ? -errno : -EIO;
}

/* The process's beginning, before its first row. 0, or -1 with errno set. */
static int
begin(struct view *v)
{
	errno = 0;
	if (v->begun)
		return 0;
	v->begun = true;
	return v->out->ops->process_begin(v->out, v->pid, v->comm);
}

int
view_process_finish(struct view *v, const struct counts *totals,
    const char *error, bool drop)
{
	if (drop && !v->begun)
		return 0;
	if (begin(v) != 0)
		return write_err();
	errno = 0;
	return v->out->ops->process_end(v->out, totals, error) < 0 ? write_err() : 0;
}

static int
flush_run(struct view *v)
{
	struct page_run *r = &v->run;

	if (!r->open)
		return 0;
	r->open = false;
	if (begin(v) != 0)
		return write_err();
	if (v->out->ops->page(v->out, r->e, &r->kind, r->addr, r->npages,
	    &r->first) < 0)
		return write_err();
	return 0;
}

/*
 * LRU bookkeeping that the kernel flips page by page as it ages memory: a
 * run does not break on it, and shows only the bits all its pages share.
 */
#define RUN_VOLATILE	(KPF_BIT(KPF_REFERENCED) | KPF_BIT(KPF_ACTIVE) | \
			 KPF_BIT(KPF_IDLE))

/* Does the page at addr continue the open run? PFNs may differ. */
static bool
continues(const struct page_run *r, const struct maps_entry *e, uint64_t addr,
    uint64_t word, const struct page_obs *o, size_t page_size)
{
	const struct page_obs *f = &r->first;

	if (!r->open || r->mstart != e->start ||
	    addr != r->addr + r->npages * page_size ||
	    (word & ~RUN_VOLATILE) != (r->word & ~RUN_VOLATILE))
		return false;
	/* The word can be blind to presence (no scan, no root): say it apart. */
	if (pm_present(o->pm) != pm_present(f->pm) ||
	    pm_swapped(o->pm) != pm_swapped(f->pm))
		return false;
	if ((o->have & OBS_KCOUNT) && pm_present(o->pm) && o->kcount != f->kcount)
		return false;
	if (pm_swapped(o->pm) && pm_swap_type(o->pm) != pm_swap_type(f->pm))
		return false;
	return true;
}

int
view_page(struct view *v, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, const struct page_obs *o)
{
	uint64_t word = pageflags_word(o, v->soft_dirty_known);
	const struct options *opts = v->out->opts;
	int err;

	if (!flag_filter_match(v->filter, word))
		return flush_run(v);	/* a page left out ends a run */
	if (opts->summary != SUMMARY_OFF) {
		/* A summary counts pages that exist: present, swapped or a marker. */
		if (pm_present(o->pm) || (word & (KPF_BIT(PF_SWAP) |
		    KPF_BIT(PF_GUARD) | KPF_BIT(PF_UFFD_WP))))
			return summary_add(&v->sum, word, 1);
		return 0;
	}
	if (!v->runs) {
		if (begin(v) != 0)
			return write_err();
		return v->out->ops->page(v->out, e, kind, addr, 1, o) < 0 ?
		    write_err() : 0;
	}
	if (continues(&v->run, e, addr, word, o, v->out->page_size)) {
		v->run.npages++;
		v->run.word &= word;
		v->run.first.kflags &= o->kflags;
		return 0;
	}
	if ((err = flush_run(v)) != 0)
		return err;
	v->run = (struct page_run){ .open = true, .e = e, .mstart = e->start,
	    .kind = *kind,
	    .addr = addr, .npages = 1, .word = word, .first = *o };
	return 0;
}

static int
emit_summary(struct view *v, const struct maps_entry *e)
{
	struct summary_entry *s;
	int err, r;

	s = summary_sorted(&v->sum, &err);
	if (err != 0)
		return err;
	if (begin(v) != 0) {
		free(s);
		return write_err();
	}
	r = v->out->ops->summary(v->out, e, s, v->sum.n);
	free(s);
	summary_clear(&v->sum);
	return r < 0 ? write_err() : 0;
}

int
view_mapping(struct view *v, const struct maps_entry *e, const struct counts *c)
{
	const struct options *opts = v->out->opts;

	if (opts->pages != PAGES_OFF)
		return flush_run(v);
	/* A mapping with nothing to count (or nothing selected) says nothing. */
	if (opts->summary == SUMMARY_MAPPING)
		return v->sum.n > 0 ? emit_summary(v, e) : 0;
	if (opts->summary == SUMMARY_PROCESS)
		return 0;
	if (begin(v) != 0)
		return write_err();
	return v->out->ops->mapping(v->out, e, c) < 0 ? write_err() : 0;
}

int
view_process_end(struct view *v, bool failed)
{
	int err;

	/* A run's mapping entry is gone once the walk failed: drop it. */
	if (failed) {
		v->run.open = false;
		return 0;
	}
	if ((err = flush_run(v)) != 0)
		return err;
	if (v->out->opts->summary == SUMMARY_PROCESS)
		return emit_summary(v, NULL);
	return 0;
}

void
view_release(struct view *v)
{
	summary_release(&v->sum);
}
