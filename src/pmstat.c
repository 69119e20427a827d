/* pmstat.c - the command: options, the process loop, messages, exit codes */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "delta.h"
#include "family.h"
#include "freeze.h"
#include "inspect.h"
#include "output.h"
#include "kpage.h"
#include "kpf.h"
#include "notes.h"
#include "out_map.h"
#include "strip.h"
#include "procinfo.h"
#include "procsel.h"
#include "rollup.h"
#include "termwidth.h"
#include "view.h"
#include "watch.h"

#define EXIT_TARGET	1	/* a process could not be (fully) read */
#define EXIT_USAGE	2

/* Returned by the callbacks when the output fails; never a -errno. */
#define STOP_OUTPUT	1

struct run {
	struct output	out;
	struct view	view;
	struct rollup	roll;		/* --by process, path, user */
	struct family	fam;		/* --family */
	bool		family_on;
	struct counts	family_pss;	/* Σ of the members' totals */
	int		pid;		/* the process being read */
	size_t		nnamed;		/* opts.pids[0..nnamed) were named */
	int		write_errno;	/* why the output stopped, or 0 */
	uint32_t	known;		/* counters known in every process read */
	bool		any_read;	/* a process was read to its end */
	struct procsel_skips skips;	/* selected, but left out */
	struct procsel_skips named_failed; /* named, and reported as an error */
	/* A watch (--interval). */
	bool		delta_on;	/* --delta: counters less the last's */
	struct delta	delta;
	int		*seen;		/* selected and read, the last sample */
	size_t		nseen;
	int		*seen_now;	/* selected and read, this sample */
	size_t		nseen_now;
	size_t		gone_from;	/* opts.pids[nnamed..gone_from): selected */
};

/* A view error stops the run: output that failed, or memory. */
static int
stop(struct run *run, int err)
{
	if (err == 0)
		return 0;
	run->write_errno = -err;
	return STOP_OUTPUT;
}

/* With --delta, c less the same key's counters of the last sample. */
static int
changes(struct run *run, const struct delta_key *k, struct counts *c)
{
	return run->delta_on ? delta_apply(&run->delta, k, c) : 0;
}

static int
on_mapping(void *arg, const struct maps_entry *e, const struct counts *c)
{
	struct run *run = arg;
	struct counts d = *c;
	/* A mapping that grows keeps its start: heaps and stacks do. */
	struct delta_key k = { .kind = DELTA_MAPPING, .pid = run->pid,
	    .a = e->start, .b = e->inode, .c = e->offset,
	    .d = (uint64_t)e->dev_major << 32 | e->dev_minor };
	int r;

	if ((r = changes(run, &k, &d)) != 0)
		return stop(run, r);
	return stop(run, view_mapping(&run->view, e, &d));
}

static int
on_hole(void *arg, const struct maps_entry *e, const struct mapping_kind *kind,
    uint64_t addr, const struct page_obs *o, uint64_t n)
{
	struct run *run = arg;

	return stop(run, view_holes(&run->view, e, kind, addr, o, n));
}

static int
on_page(void *arg, const struct maps_entry *e, const struct mapping_kind *kind,
    uint64_t addr, const struct page_obs *o)
{
	struct run *run = arg;

	return stop(run, view_page(&run->view, e, kind, addr, o));
}

/*
 * Flush stdout and report a write error once. A closed pipe is not an error
 * worth a word: the reader had what it wanted.
 */
static int
close_stdout(int write_errno)
{
	if (fflush(stdout) != 0 && write_errno == 0)
		write_errno = errno;
	if (write_errno == 0 && ferror(stdout))
		write_errno = EIO;
	if (write_errno == 0)
		return 0;
	if (write_errno == ENOMEM)
		warnx("out of memory");
	else if (write_errno != EPIPE)
		warnx("write error: %s", strerror(write_errno));
	return -1;
}

/* Inspect one process; returns 0, -errno for the target, or STOP_OUTPUT. */
static int
on_mapping_path(void *arg, const struct maps_entry *e, const struct counts *c)
{
	struct run *run = arg;

	return stop(run, rollup_mapping(&run->roll, run->pid, e, c));
}

static int
on_frames(void *arg, const struct mapping_kind *kind, const struct page_obs *o,
    const uint64_t *words, size_t n)
{
	struct run *run = arg;

	return stop(run, family_add_frames(&run->fam, o, kind, words, n));
}

/* Was pid named (as an argument, -p or a --tree root), or only selected? */
static bool
named(const struct options *opts, const struct run *run, int pid)
{
	for (size_t i = 0; i < run->nnamed; i++)
		if (opts->pids[i] == pid)
			return true;
	for (size_t i = 0; i < opts->sel.ntrees; i++)
		if (opts->sel.trees[i] == pid)
			return true;
	return false;
}

/*
 * Was pid read in the last sample of a watch? Then it is reported if it
 * cannot be read now: it exited between the samples or during this one.
 */
static bool
seen_before(const struct run *run, int pid)
{
	for (size_t i = 0; i < run->nseen; i++)
		if (run->seen[i] == pid)
			return true;
	return false;
}

/* A process that could not be read, counted by why (procinfo_explain()). */
static void
count_skip(struct procsel_skips *sk, int err)
{
	switch (err) {
	case PROCINFO_EKTHREAD:
		sk->kthreads++;
		break;
	case PROCINFO_EZOMBIE:
		sk->zombies++;
		break;
	case -ENOENT:
	case -ESRCH:
		sk->vanished++;
		break;
	default:
		sk->unreadable++;
		break;
	}
}

/* A selected process read in this sample: a watch reports it if it goes. */
static int
see(struct run *run, int pid)
{
	int *p;

	if ((p = reallocarray(run->seen_now, run->nseen_now + 1,
	    sizeof(*p))) == NULL)
		return -ENOMEM;
	run->seen_now = p;
	p[run->nseen_now++] = pid;
	return 0;
}

/* The row of a process for --by process or user. Returns 0 or STOP_OUTPUT. */
static int
add_row(struct run *run, const struct options *opts, int pid, const char *comm,
    const struct counts *totals, const char *error)
{
	struct proc_facts f = { .ppid = -1 };	/* -1: unknown */
	char cmdline[4096];
	uid_t uid = (uid_t)-1;
	bool have_cmdline = false;

	if (opts->by == BY_PATH)
		return stop(run, rollup_process(&run->roll, pid, 0, uid, NULL,
		    NULL, totals, error));
	if (procinfo_stat(pid, &f) != 0)
		f.ppid = -1;
	(void)procinfo_uid(pid, &uid);
	if (opts->by == BY_PROCESS)
		have_cmdline = procinfo_cmdline(pid, cmdline, sizeof(cmdline)) >= 0;
	return stop(run, rollup_process(&run->roll, pid, f.ppid, uid, comm,
	    have_cmdline ? cmdline : NULL, totals, error));
}

/*
 * Inspect one process; returns 0, -errno for a named target that could not
 * be read, or STOP_OUTPUT.
 */
static int
inspect_one(struct inspector *in, const struct options *opts, struct run *run,
    int pid)
{
	bool pages = opts->pages != PAGES_OFF || opts->summary != SUMMARY_OFF;
	bool rows = opts->by != BY_MAPPING;
	struct inspect_ops ops = {
		.mapping = !rows ? on_mapping :
		    opts->by == BY_PATH ? on_mapping_path : NULL,
		.page = pages ? on_page : NULL,
		.hole = pages ? on_hole : NULL,
		.frames = run->family_on ? on_frames : NULL,
		.holes = opts->pages != PAGES_OFF,	/* a summary skips holes */
		.arg = run,
	};
	char comm[64];
	struct counts totals;
	struct sources src;
	struct delta_key k = { .kind = DELTA_PROCESS, .pid = pid };
	const char *why;
	bool is_named = named(opts, run, pid), report = is_named;
	int r;

	r = procinfo_comm(pid, comm, sizeof(comm));
	run->pid = pid;
	if (!rows)
		view_process_begin(&run->view, pid, r == 0 ? comm : NULL);
	if (r == 0)
		r = inspect_process(in, pid, opts->range_start, opts->range_end,
		    &ops, &totals, &src);
	if (r == STOP_OUTPUT)
		return r;
	if (!rows && stop(run, view_process_end(&run->view, r < 0)) != 0)
		return STOP_OUTPUT;
	if (r < 0) {
		r = procinfo_explain(pid, r);
		/* One that left a watch is reported once, as a named one is. */
		report = report || seen_before(run, pid);
		/* Its pages may be in the family already: no longer exact. */
		run->fam.blind |= run->family_on;
		/*
		 * A selected one is counted, not reported; a named one is
		 * reported, and counted apart for the exposition's
		 * pmstat_processes_skipped (not for the note, which would say
		 * it twice).
		 */
		if (!report)
			count_skip(&run->skips, r);
		else {
			count_skip(&run->named_failed, r);
			warnx("%d: %s", pid, procinfo_strerror(r));
		}
	} else {
		run->known &= totals.known;
		run->any_read = true;
		run->fam.members++;
		stats_merge(&run->family_pss, &totals);
		if (!is_named && see(run, pid) != 0)
			return stop(run, -ENOMEM);
		/*
		 * The family's sum is of the members' absolute totals; rows
		 * change once sorted (write_rows()).
		 */
		if (!rows && (r = changes(run, &k, &totals)) != 0)
			return stop(run, r);
	}
	why = r < 0 ? procinfo_strerror(r) : NULL;
	if (rows) {
		if (r < 0 && !report)
			return 0;
		if (add_row(run, opts, pid, r == 0 ? comm : NULL,
		    r < 0 ? NULL : &totals, why) != 0)
			return STOP_OUTPUT;
		return is_named ? r : 0;
	}
	if (stop(run, view_process_finish(&run->view, r < 0 ? NULL : &totals,
	    why, r < 0 && !report)) != 0)
		return STOP_OUTPUT;
	return is_named ? r : 0;
}

/* --map: a strip per mapping, filled from the walk's runs of pages. */
struct map_run {
	struct map_out	 out;
	struct strip	 strip;
	struct page_know know;
	int		 write_errno;
};

/* A run of pages alike: one decoding, then counted into the buckets it spans. */
static int
on_map_run(void *arg, const struct maps_entry *e, const struct mapping_kind *kind,
    uint64_t addr, const struct page_obs *o, uint64_t n)
{
	struct map_run *mr = arg;
	struct page_facts f;

	if (!mr->strip.open || mr->strip.start != e->start)
		strip_begin(&mr->strip, e->start, e->end);
	pagefacts_decode(&f, o, kind, mr->know);
	strip_add(&mr->strip, addr, n, strip_state_of(&f, kind));
	return 0;
}

/* The mapping is counted: its strip is complete (a mapping of holes has no run). */
static int
on_map_mapping(void *arg, const struct maps_entry *e, const struct counts *c)
{
	struct map_run *mr = arg;

	if (!mr->strip.open || mr->strip.start != e->start)
		strip_begin(&mr->strip, e->start, e->end);
	strip_finish(&mr->strip);
	mr->strip.open = false;
	if (map_out_mapping(&mr->out, e, c, &mr->strip) != 0) {
		mr->write_errno = errno != 0 ? errno : EIO;
		return STOP_OUTPUT;
	}
	return 0;
}

/* Map one process; returns 0, -errno for a named target, or STOP_OUTPUT. */
static int
map_one(struct inspector *in, const struct options *opts, struct map_run *mr,
    int pid, bool is_named)
{
	struct inspect_ops ops = {
		.mapping = on_map_mapping, .run = on_map_run, .arg = mr,
	};
	struct counts totals;
	struct sources src;
	char comm[64];
	int r;

	if ((r = procinfo_comm(pid, comm, sizeof(comm))) != 0) {
		r = procinfo_explain(pid, r);
		if (!is_named)
			return 0;
		warnx("%d: %s", pid, procinfo_strerror(r));
		/* JSON keeps a named process's entry, with its error, as schema 1 does. */
		errno = 0;
		if (mr->out.st.json && (map_out_process_begin(&mr->out, pid,
		    NULL) != 0 || map_out_process_end(&mr->out, NULL,
		    procinfo_strerror(r)) != 0)) {
			mr->write_errno = errno != 0 ? errno : EIO;
			return STOP_OUTPUT;
		}
		return r;
	}
	errno = 0;
	if (map_out_process_begin(&mr->out, pid, comm) != 0) {
		mr->write_errno = errno != 0 ? errno : EIO;
		return STOP_OUTPUT;
	}
	mr->strip.open = false;
	r = inspect_process(in, pid, opts->range_start, opts->range_end, &ops,
	    &totals, &src);
	if (r == STOP_OUTPUT)
		return r;
	if (r < 0) {
		r = procinfo_explain(pid, r);
		warnx("%d: %s", pid, procinfo_strerror(r));
	}
	errno = 0;
	if (map_out_process_end(&mr->out, r < 0 ? NULL : &totals,
	    r < 0 ? procinfo_strerror(r) : NULL) != 0) {
		mr->write_errno = errno != 0 ? errno : EIO;
		return STOP_OUTPUT;
	}
	return r;
}

/*
 * How the map is drawn: the width of --width, the terminal, $COLUMNS or
 * 80; colour as ls decides it (NO_COLOR, when set and not empty, turns
 * auto off); Unicode where the environment's locale is UTF-8. pmstat never
 * calls setlocale(): vis(3) must stay strict in the C locale, so the
 * locale is read from the environment as setlocale would choose it.
 */
static void
map_style_of(const struct options *opts, struct map_style *st)
{
	const char *no_color = getenv("NO_COLOR");
	size_t w = opts->map_width;

	if (w == 0 && opts->format != FMT_JSON)
		w = termwidth(STDOUT_FILENO);
	if (w == 0)
		w = 80;
	w = w < MAP_WIDTH_MIN ? MAP_WIDTH_MIN : w > MAP_WIDTH_MAX ?
	    MAP_WIDTH_MAX : w;
	*st = (struct map_style){
		.width = w,
		.rows = opts->map_rows ? opts->map_rows : 1,
		.json = opts->format == FMT_JSON,
		.all = opts->all_mappings,
		.utf8 = !opts->ascii && map_locale_utf8(getenv),
		.color = opts->format != FMT_JSON &&
		    (opts->color == COLOR_ALWAYS || (opts->color == COLOR_AUTO &&
		    isatty(STDOUT_FILENO) && (no_color == NULL || *no_color == '\0'))),
	};
}

/*
 * --freeze: stop pid before it is read. A process that cannot be stopped
 * is still read, unfrozen, and said so; one that is gone is left to the
 * read to report. Returns 0, or -1 when the snapshot will not be frozen.
 */
static int
freeze_one(int pid)
{
	int r = freeze_stop(pid);

	if (r >= 0 || r == -ESRCH)
		return 0;
	warnx("%d: cannot freeze, read running: %s", pid, strerror(-r));
	return -1;
}

/* --map over every target; returns the exit status. */
static int
run_map(struct inspector *in, const struct options *opts, struct run *run)
{
	struct map_run mr = { .write_errno = 0 };
	struct map_style st;
	int status = EXIT_SUCCESS, r;

	map_style_of(opts, &st);
	map_out_init(&mr.out, stdout, &st, in->page_size, in->have_kpage,
	    in->scan_ok);
	mr.know = (struct page_know){
		.soft_dirty = in->probe.soft_dirty, .pfn = in->probe.pfn_visible,
	};
	if (strip_init(&mr.strip, map_out_buckets(&mr.out), in->page_shift) != 0) {
		run->write_errno = ENOMEM;
		return EXIT_FAILURE;
	}
	errno = 0;
	if (map_out_begin(&mr.out) != 0)
		mr.write_errno = errno != 0 ? errno : EIO;
	if (opts->freeze && (r = freeze_setup()) != 0)
		warnx("--freeze: cannot catch signals: %s", strerror(-r));
	for (size_t i = 0; i < opts->npids && mr.write_errno == 0; i++) {
		if (opts->freeze && freeze_one(opts->pids[i]) != 0)
			status = EXIT_TARGET;
		r = map_one(in, opts, &mr, opts->pids[i],
		    named(opts, run, opts->pids[i]));
		freeze_resume();
		if (r == STOP_OUTPUT)
			break;
		if (r < 0)
			status = EXIT_TARGET;
	}
	errno = 0;
	if (mr.write_errno == 0 && map_out_end(&mr.out) != 0)
		mr.write_errno = errno != 0 ? errno : EIO;
	strip_release(&mr.strip);
	run->write_errno = mr.write_errno;
	return status;
}

/*
 * The processes to read: those named, in the order given, then those the
 * selectors match, in PID order. Returns 0 or -errno.
 */
static int
targets(struct options *opts, struct run *run)
{
	opts->npids = run->nnamed;
	run->gone_from = run->nnamed;
	if (!procsel_active(&opts->sel))
		return 0;
	return procsel_collect(&opts->sel, &opts->pids, &opts->npids, &run->skips);
}

/* Is pid among the processes the selection gave this sample? */
static bool
selected(const struct options *opts, const struct run *run, int pid)
{
	for (size_t i = run->nnamed; i < run->gone_from; i++)
		if (opts->pids[i] == pid)
			return true;
	return false;
}

/*
 * A watch: the processes the last sample read that the selection no longer
 * gives, because they exited (or turned zombie), join the targets once, to
 * be reported with their error. One that lives on but no longer matches
 * (an exec changed its name) just leaves. Returns 0 or -errno.
 */
static int
add_gone(struct options *opts, struct run *run)
{
	run->gone_from = opts->npids;
	for (size_t i = 0; i < run->nseen; i++) {
		struct proc_facts f;
		int pid = run->seen[i], *p;

		if (selected(opts, run, pid) || (procinfo_stat(pid, &f) == 0 &&
		    f.state != 'Z' && f.state != 'X'))
			continue;
		if ((p = reallocarray(opts->pids, opts->npids + 1,
		    sizeof(*p))) == NULL)
			return -ENOMEM;
		opts->pids = p;
		p[opts->npids++] = pid;
	}
	return 0;
}

/* What a row of --by process, path or user is, from one sample to the next. */
static struct delta_key
row_key(const struct options *opts, const struct rollup_row *row)
{
	switch (opts->by) {
	case BY_PATH:
		return (struct delta_key){ .kind = DELTA_PATH, .s = row->path };
	case BY_USER:
		return (struct delta_key){ .kind = DELTA_USER, .a = row->uid };
	default:
		return (struct delta_key){ .kind = DELTA_PROCESS, .pid = row->pid };
	}
}

/*
 * Rows of --by process, path or user, sorted, their totals, and the family.
 * A watch of changes sorts by the values themselves, so that rows keep
 * their places from one sample to the next, and then takes the changes.
 */
static int
write_rows(struct run *run, const struct options *opts)
{
	struct delta_key tk = { .kind = DELTA_TOTALS };
	struct output *out = &run->out;
	int r;

	rollup_sort(&run->roll, opts->sort, opts->nsort);
	for (size_t i = 0; i < run->roll.n; i++) {
		struct rollup_row *row = &run->roll.rows[i];
		struct delta_key k = row_key(opts, row);

		if (row->error == NULL &&
		    (r = changes(run, &k, &row->c)) != 0) {
			errno = -r;
			return -1;
		}
		if (out->ops->row(out, row) < 0)
			return -1;
	}
	if (run->any_read && (r = changes(run, &tk, &run->roll.totals)) != 0) {
		errno = -r;
		return -1;
	}
	return out->ops->rows_end(out, run->any_read ? &run->roll.totals : NULL);
}

/* With --delta, the family's counts less the last sample's. */
static int
family_changes(struct run *run, struct family_view *fv)
{
	struct delta_key k = { .kind = DELTA_FAMILY, .a = (uint64_t)fv->root };
	struct counts c = { .known = fv->exact ? CTR_BIT(CTR_PRESENT) |
	    CTR_BIT(CTR_ANON) | CTR_BIT(CTR_COW_SHARED) | CTR_BIT(CTR_PAGES) : 0 };
	int r;

	c.known |= fv->pss.known & CTR_BIT(CTR_PSS);
	c.v[CTR_PRESENT] = fv->present;
	c.v[CTR_ANON] = fv->anon;
	c.v[CTR_COW_SHARED] = fv->cow_shared;
	c.v[CTR_PAGES] = fv->cow_exposure;	/* no counter of its own */
	c.v[CTR_PSS] = fv->pss.v[CTR_PSS];
	if ((r = changes(run, &k, &c)) != 0)
		return r;
	fv->present = c.v[CTR_PRESENT];
	fv->anon = c.v[CTR_ANON];
	fv->cow_shared = c.v[CTR_COW_SHARED];
	fv->cow_exposure = c.v[CTR_PAGES];
	fv->pss.v[CTR_PSS] = c.v[CTR_PSS];
	/* Exact only if both samples were: else a change cannot be told. */
	fv->exact = fv->exact && (c.known & CTR_BIT(CTR_PRESENT));
	if (!(c.known & CTR_BIT(CTR_PSS)))
		fv->pss.known &= ~CTR_BIT(CTR_PSS);
	return 0;
}

static int
write_family(struct run *run, const struct options *opts)
{
	struct family_view fv = {
		.why = !run->out.pfn_visible ? "distinct pages need page frame "
		    "numbers: CAP_SYS_ADMIN" : "a member could not be read whole",
		.root = opts->sel.ntrees == 1 ? opts->sel.trees[0] : 0,
		.members = run->fam.members,
		.exact = run->out.pfn_visible && !run->fam.blind,
		.present = run->fam.npresent,
		.anon = run->fam.nanon,
		.cow_shared = run->fam.ncow_shared,
		.cow_exposure = family_cow_exposure(&run->fam),
		.pss = run->family_pss,
	};

	int r;

	if (fv.members > 0 && (r = family_changes(run, &fv)) != 0) {
		errno = -r;
		return -1;
	}
	/* No member read: nothing to say of the family, as with totals. */
	return run->out.ops->family(&run->out, fv.members > 0 ? &fv : NULL);
}

/*
 * The counters the output will print or order by: what the kpage join must
 * serve. The family line gives pss; rows sort by -pss, then -present, when
 * no key is given.
 */
static uint32_t
wanted_counters(const struct output *out)
{
	const struct options *opts = out->opts;
	uint32_t wanted = 0;

	if (opts->format == FMT_JSON || opts->format == FMT_PROMETHEUS)
		return CTR_ALL;
	for (size_t i = 0; i < out->ncols; i++)
		if (columns[out->cols[i]].kind == COLK_COUNTER)
			wanted |= CTR_BIT(columns[out->cols[i]].counter);
	for (size_t i = 0; i < opts->nsort; i++)
		if (opts->sort[i].field == SORT_COUNTER)
			wanted |= CTR_BIT(opts->sort[i].counter);
	if (opts->by != BY_MAPPING && opts->nsort == 0)
		wanted |= CTR_BIT(CTR_PSS) | CTR_BIT(CTR_PRESENT);
	if (opts->family)
		wanted |= CTR_BIT(CTR_PSS);
	return wanted;
}

/*
 * Seed jansson's hash before its first object: left to itself it opens
 * /dev/urandom without O_CLOEXEC, and every file pmstat opens is
 * O_RDONLY|O_CLOEXEC. getrandom() opens nothing.
 */
static void
seed_json(void)
{
	uint32_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	/* 0 would tell jansson to read /dev/urandom after all. */
	json_object_seed(seed != 0 ? seed : 1);
}

/* The processes could not be listed: said, and the run ends (exit 1). */
#define EXIT_LIST	(-1)

/* A --tree root that could not be read: its tree is not watched again. */
static void
forget_root(struct procsel *sel, int pid)
{
	size_t kept = 0;

	for (size_t i = 0; i < sel->ntrees; i++)
		if (sel->trees[i] != pid)
			sel->trees[kept++] = sel->trees[i];
	sel->ntrees = kept;
}

/*
 * One sample: list the targets, read each, write the rows and the family.
 * Returns an exit status: EXIT_SUCCESS, EXIT_TARGET when a named process
 * could not be read, or EXIT_LIST. The output's failure is in write_errno.
 */
static int
sample(struct inspector *in, struct options *opts, struct run *run)
{
	int status = EXIT_SUCCESS, r;

	run->skips = (struct procsel_skips){ 0 };
	run->named_failed = (struct procsel_skips){ 0 };
	run->nseen_now = 0;
	/* Map counts change between samples: a watch reads them anew. */
	kpage_forget(&in->kp);
	if ((r = targets(opts, run)) != 0 || (r = add_gone(opts, run)) != 0) {
		warnx("cannot list processes: %s", strerror(-r));
		return EXIT_LIST;
	}
	rollup_init(&run->roll, opts->by);
	family_init(&run->fam);
	stats_init(&run->family_pss, CTR_ALL);
	run->family_on = opts->family && in->probe.pfn_visible;
	if (run->out.ops->begin(&run->out) < 0)
		run->write_errno = errno;
	for (size_t i = 0; i < opts->npids && run->write_errno == 0; i++) {
		if (opts->freeze && freeze_one(opts->pids[i]) != 0)
			status = EXIT_TARGET;
		r = inspect_one(in, opts, run, opts->pids[i]);
		/* Resumed at once: it stops serving for as long as it is read. */
		freeze_resume();
		if (r == STOP_OUTPUT)
			break;
		if (r < 0)
			status = EXIT_TARGET;
		/* A watch reports a named process that failed once, not again. */
		if (r < 0 && run->out.watch && i < run->nnamed)
			opts->pids[i] = 0;
		else if (r < 0 && run->out.watch)
			forget_root(&opts->sel, opts->pids[i]);
	}
	if (run->write_errno == 0 && opts->by != BY_MAPPING &&
	    write_rows(run, opts) < 0)
		run->write_errno = errno;
	if (run->write_errno == 0 && opts->family && write_family(run, opts) < 0)
		run->write_errno = errno;
	if (run->write_errno == 0 && run->out.ops->end(&run->out) < 0)
		run->write_errno = errno;
	rollup_release(&run->roll);
	family_release(&run->fam);
	return status;
}

/* Drop the named processes a sample could not read (their PID set to 0). */
static void
forget_failed(struct options *opts, struct run *run)
{
	size_t kept = 0;

	for (size_t i = 0; i < run->nnamed; i++)
		if (opts->pids[i] != 0)
			opts->pids[kept++] = opts->pids[i];
	run->nnamed = kept;
	opts->npids = kept;
}

/* What a watch's samples share. */
struct watching {
	struct inspector	*in;
	struct options		*opts;
	struct run		*run;
	int			 status;
};

/*
 * One sample of a watch, flushed as it ends, so that a reader at the other
 * end of a pipe has it at once. The watch ends when the output fails, the
 * processes cannot be listed, or no process is left to watch.
 */
static bool
watch_sample(void *arg, uint64_t n, double time)
{
	struct watching *wr = arg;
	struct run *run = wr->run;
	int r, *t;

	output_sample(&run->out, n, time, wr->opts->delta && n > 1);
	if ((r = sample(wr->in, wr->opts, run)) == EXIT_LIST) {
		wr->status = r;
		return false;
	}
	if (r != EXIT_SUCCESS)
		wr->status = r;
	if (run->write_errno == 0 && fflush(stdout) != 0)
		run->write_errno = errno;
	if (run->write_errno != 0)
		return false;
	if (run->delta_on)
		delta_next(&run->delta);
	t = run->seen;
	run->seen = run->seen_now;
	run->nseen = run->nseen_now;
	run->seen_now = t;
	forget_failed(wr->opts, run);
	return run->nnamed > 0 || procsel_active(&wr->opts->sel);
}

/*
 * A watch (--interval): exit 0 at --count or SIGINT/SIGTERM, or 1 if a
 * named process could not be read on the way.
 */
static int
watch(struct inspector *in, struct options *opts, struct run *run)
{
	struct watching wr = { .in = in, .opts = opts, .run = run,
	    .status = EXIT_SUCCESS };
	int r;

	if ((r = watch_run(opts->interval_ns, opts->count, watch_sample,
	    &wr)) != 0) {
		warnx("cannot start the watch: %s", strerror(-r));
		return EXIT_LIST;
	}
	return wr.status;
}

int
main(int argc, char **argv)
{
	struct inspect_opts iopts = { 0 };
	struct sources src;
	struct inspector in;
	struct options opts;
	struct run run = { .write_errno = 0 };
	char msg[256];
	long psz = sysconf(_SC_PAGESIZE);
	int status = EXIT_SUCCESS, r;
	static char outbuf[64 * 1024];
	struct timespec started;

	/* The exposition's pmstat_scrape_duration_seconds counts from here. */
	if (clock_gettime(CLOCK_MONOTONIC, &started) != 0)
		err(EXIT_FAILURE, "clock_gettime");

	seed_json();
	/* Into a pipe or a file, 64 KiB writes rather than stdio's 4 KiB. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/*
	 * No setlocale(): in the C locale vis(3) escapes every byte that is not
	 * printable ASCII. In a UTF-8 locale it passes invalid bytes and bidi
	 * overrides (U+202E) through, which can disguise a file name.
	 */
	switch (cli_parse(argc, argv, psz > 0 ? (size_t)psz : 4096, &opts, msg,
	    sizeof(msg))) {
	case CLI_OK:
		break;
	case CLI_HELP:
		cli_usage(stdout);
		return close_stdout(0) ? EXIT_FAILURE : EXIT_SUCCESS;
	case CLI_VERSION:
		printf("pmstat %s\n", PACKAGE_VERSION);
		return close_stdout(0) ? EXIT_FAILURE : EXIT_SUCCESS;
	case CLI_NOMEM:
		errx(EXIT_FAILURE, "out of memory");
	default:
		warnx("%s", msg);
		cli_free(&opts);
		return EXIT_USAGE;
	}

	iopts.no_kpage = opts.no_kpage;
	iopts.no_scan = opts.no_scan;
	if ((r = inspector_init(&in, &iopts)) != 0) {
		cli_free(&opts);
		errx(EXIT_FAILURE, "cannot set up: %s", strerror(-r));
	}
	src = (struct sources){
		.kflags = in.have_kpage, .kcount = in.have_kpage,
		.scan = in.scan_ok, .soft_dirty = in.probe.soft_dirty,
		.ksm_noise = in.ksm_noise,
	};
	if (notes_check_filter(&opts, &src) != 0) {
		inspector_release(&in);
		cli_free(&opts);
		return EXIT_TARGET;
	}
	output_init(&run.out, stdout, &opts, in.page_size, in.have_kpage,
	    in.probe.pfn_visible, in.probe.soft_dirty);
	run.out.started = started;
	run.out.skips = &run.skips;
	run.out.named_failed = &run.named_failed;
	if (!opts.wide)
		run.out.max_width = termwidth(STDOUT_FILENO);
	view_init(&run.view, &run.out, &opts.filter);
	in.wanted = wanted_counters(&run.out);
	/*
	 * The map's states and headline counts; KSM only where kpageflags
	 * tells it (else smaps would be read to settle a count not shown).
	 */
	if (opts.map)
		in.wanted = CTR_BIT(CTR_PRESENT) | CTR_BIT(CTR_SWAPPED) |
		    CTR_BIT(CTR_FILE) | CTR_BIT(CTR_ANON) | CTR_BIT(CTR_ZERO) |
		    CTR_BIT(CTR_EXCLUSIVE) | CTR_BIT(CTR_COW_COPIED) |
		    CTR_BIT(CTR_COW_SHARED) | CTR_BIT(CTR_THP) |
		    (in.have_kpage ? CTR_BIT(CTR_KSM) : 0);
	run.out.scan = in.scan_ok;
	/*
	 * What smaps settles where the pages cannot tell, and, without map
	 * counts, the exclusive bits of PMD-mapped pages.
	 */
	run.out.from_smaps = in.wanted & CTR_SETTLED & (~stats_known(&src) |
	    (src.kcount ? 0 : CTR_BIT(CTR_EXCLUSIVE) | CTR_BIT(CTR_SHARED) |
	    CTR_BIT(CTR_COW_SHARED)));
	/*
	 * The page views and the map show each page's own facts. Without
	 * PAGEMAP_SCAN the plan's shortcuts (they settle a mapping's totals,
	 * not its pages) would leave the map's pages unknown; with it, the
	 * scan tells them, and the sparse map keeps its speed.
	 */
	joinplan_init(&in.plan, in.wanted, opts.full_join ||
	    (opts.map && !in.scan_ok) ||
	    opts.pages != PAGES_OFF || opts.summary != SUMMARY_OFF);
	run.known = CTR_ALL;

	run.nnamed = opts.npids;
	if (opts.map) {
		if ((r = targets(&opts, &run)) != 0) {
			inspector_release(&in);
			cli_free(&opts);
			errx(EXIT_FAILURE, "cannot list processes: %s",
			    strerror(-r));
		}
		status = run_map(&in, &opts, &run);
		status = close_stdout(run.write_errno) != 0 ? EXIT_FAILURE : status;
		inspector_release(&in);
		cli_free(&opts);
		return status;
	}
	run.delta_on = opts.delta;
	delta_init(&run.delta);
	if (opts.freeze && (r = freeze_setup()) != 0)
		warnx("--freeze: cannot catch signals: %s", strerror(-r));
	status = opts.interval_ns > 0 ? watch(&in, &opts, &run) :
	    sample(&in, &opts, &run);

	view_release(&run.view);
	output_release(&run.out);
	delta_release(&run.delta);
	free(run.seen);
	free(run.seen_now);
	if (close_stdout(run.write_errno) != 0 || status == EXIT_LIST)
		status = EXIT_FAILURE;
	else {
		notes_skips(&run.skips);
		notes_unknowns(&in, &opts, run.known, run.any_read, in.wanted);
	}
	inspector_release(&in);
	cli_free(&opts);
	return status;
}
