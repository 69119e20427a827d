/*
 * view.c - between the walk and the renderer: the --flags selection, runs of
 * pages in the same state, and flags-word summaries per mapping or process.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kpf.h"
#include "view.h"

void
view_init(struct view *v, struct output *out, const struct flag_filter *filter)
{
	memset(v, 0, sizeof(*v));
	v->out = out;
	v->filter = filter;
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
 * Bits that do not break a run, which shows only those all its pages share:
 * LRU bookkeeping that the kernel flips page by page as it ages memory, and
 * the head and tail marks of a compound page, so that a huge page (or many
 * in a row) is one run, as it is one thing to the person reading.
 */
#define RUN_IGNORED	(KPF_BIT(KPF_REFERENCED) | KPF_BIT(KPF_ACTIVE) | \
			 KPF_BIT(KPF_IDLE) | KPF_BIT(KPF_COMPOUND_HEAD) | \
			 KPF_BIT(KPF_COMPOUND_TAIL))

/* Does the page at addr continue the open run? PFNs may differ. */
static bool
continues(const struct page_run *r, const struct maps_entry *e, uint64_t addr,
    uint64_t word, const struct page_facts *f, size_t page_size)
{
	const struct page_facts *g = &r->facts;

	if (!r->open || r->mstart != e->start ||
	    addr != r->addr + r->npages * page_size ||
	    (word & ~RUN_IGNORED) != (r->word & ~RUN_IGNORED))
		return false;
	/* The word can be blind to presence (no scan, no root): say it apart. */
	if (f->present != g->present || f->swapped != g->swapped)
		return false;
	/* What the renderers show of the run's first page must hold for all. */
	if (f->file != g->file || f->zero != g->zero ||
	    f->cow_copied != g->cow_copied || f->soft_dirty != g->soft_dirty)
		return false;
	if (f->have_kcount && f->kcount != g->kcount)
		return false;
	if (f->have_swap && f->swap_type != g->swap_type)
		return false;
	return true;
}

/*
 * n pages from addr on, alike but for their PFNs (n > 1 only for holes,
 * whose PFN bits are 0): o describes the first.
 */
static int
view_pages(struct view *v, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, const struct page_obs *o,
    uint64_t n)
{
	const struct options *opts = v->out->opts;
	struct page_facts f;
	uint64_t word;
	int err;

	output_page_facts(v->out, kind, o, &f);
	word = pageflags_word(&f);
	if (!flag_filter_match(v->filter, word))
		return flush_run(v);	/* a page left out ends a run */
	if (opts->summary != SUMMARY_OFF) {
		/* A summary counts pages that exist: present, swapped or a marker. */
		if (f.present || f.swapped || f.guard || f.uffd_wp)
			return summary_add(&v->sum, word, n);
		return 0;
	}
	if (!v->runs) {
		if (begin(v) != 0)
			return write_err();
		for (uint64_t k = 0; k < n; k++)
			if (v->out->ops->page(v->out, e, kind,
			    addr + k * v->out->page_size, 1, o) < 0)
				return write_err();
		return 0;
	}
	if (continues(&v->run, e, addr, word, &f, v->out->page_size)) {
		v->run.npages += n;
		v->run.word &= word;
		v->run.first.kflags &= o->kflags;
		return 0;
	}
	if ((err = flush_run(v)) != 0)
		return err;
	v->run = (struct page_run){ .open = true, .e = e, .mstart = e->start,
	    .kind = *kind, .addr = addr, .npages = n, .word = word,
	    .first = *o, .facts = f };
	return 0;
}

int
view_page(struct view *v, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, const struct page_obs *o)
{
	return view_pages(v, e, kind, addr, o, 1);
}

int
view_holes(struct view *v, const struct maps_entry *e,
    const struct mapping_kind *kind, uint64_t addr, const struct page_obs *o,
    uint64_t n)
{
	return view_pages(v, e, kind, addr, o, n);
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
	/*
	 * Every mapping in the range keeps its line, a mapping with no page
	 * counted (or none selected) too: its absence would say it is not there.
	 */
	if (opts->summary == SUMMARY_MAPPING)
		return emit_summary(v, e);
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
