/* pmstat.c - the command: options, the process loop, messages, exit codes */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "inspect.h"
#include "output.h"
#include "kpf.h"
#include "procinfo.h"
#include "termwidth.h"
#include "view.h"

#define EXIT_TARGET	1	/* a process could not be (fully) read */
#define EXIT_USAGE	2

/* Returned by the callbacks when the output fails; never a -errno. */
#define STOP_OUTPUT	1

struct run {
	struct output	out;
	struct view	view;
	int		write_errno;	/* why the output stopped, or 0 */
	uint32_t	known;		/* counters known in every process read */
	bool		any_read;	/* a process was read to its end */
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

static int
on_mapping(void *arg, const struct maps_entry *e, const struct counts *c)
{
	struct run *run = arg;

	return stop(run, view_mapping(&run->view, e, c));
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
inspect_one(struct inspector *in, const struct options *opts, struct run *run,
    int pid)
{
	bool pages = opts->pages != PAGES_OFF || opts->summary != SUMMARY_OFF;
	struct inspect_ops ops = {
		.mapping = on_mapping,
		.page = pages ? on_page : NULL,
		.holes = opts->pages != PAGES_OFF,	/* a summary skips holes */
		.arg = run,
	};
	char comm[64];
	struct counts totals;
	struct sources src;
	int r;

	r = procinfo_comm(pid, comm, sizeof(comm));
	view_process_begin(&run->view);
	if (run->out.ops->process_begin(&run->out, pid, r == 0 ? comm : NULL) < 0)
		goto write_error;
	if (r == 0)
		r = inspect_process(in, pid, opts->range_start, opts->range_end,
		    &ops, &totals, &src);
	if (r == STOP_OUTPUT)
		return r;
	if (stop(run, view_process_end(&run->view, r < 0)) != 0)
		return STOP_OUTPUT;
	if (r < 0)
		r = procinfo_explain(pid, r);
	if (r < 0)
		warnx("%d: %s", pid, procinfo_strerror(r));
	else {
		run->known &= totals.known;
		run->any_read = true;
	}
	if (run->out.ops->process_end(&run->out, r < 0 ? NULL : &totals,
	    r < 0 ? procinfo_strerror(r) : NULL) < 0)
		goto write_error;
	return r;
write_error:
	run->write_errno = errno;
	return STOP_OUTPUT;
}

/* The names of the counters in set, in column order, into buf. */
static void
counter_names(uint32_t set, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = COL_COUNTER0; i < COL_COUNTER0 + CTR_COUNT; i++)
		if (set & CTR_BIT(columns[i].counter)) {
			if (buf[0] != '\0')
				strlcat(buf, ", ", len);
			strlcat(buf, columns[i].name, len);
		}
}

/*
 * Say once, on stderr, which printed counters stayed unknown, and why: the
 * table shows them as "-", which alone does not tell a person the reason.
 * Said after the output, from what the processes read really lacked (smaps
 * settles much of what pagemap leaves open), and only if the output went
 * out: into a closed pipe nobody is listening.
 */
static void
note_unknowns(const struct inspector *in, const struct options *opts,
    const struct run *run, uint32_t wanted)
{
	const uint32_t by_kpage = CTR_BIT(CTR_DIRTY) | CTR_BIT(CTR_KSM) |
	    CTR_BIT(CTR_PSS);
	uint32_t unknown = wanted & ~run->known;
	char names[256], buf[128];
	const char *why;

	/* Soft-dirty untracked by the kernel is not news to anyone. */
	unknown &= ~CTR_BIT(CTR_SOFT_DIRTY);
	/* The page views say "-" or "?" per page; the note is for the counters. */
	if (opts->format != FMT_TABLE || !run->any_read ||
	    opts->pages != PAGES_OFF || opts->summary != SUMMARY_OFF)
		return;
	if (in->ksm_noise && (unknown & CTR_BIT(CTR_KSM))) {
		warnx("note: this kernel sets KPF_KSM on every anonymous page: "
		    "ksm shown as -");
		unknown &= ~CTR_BIT(CTR_KSM);
	}
	if (unknown & by_kpage) {
		if (opts->no_kpage)
			why = "--no-kpage";
		else if (!in->probe.pfn_visible)
			why = "page frame numbers need CAP_SYS_ADMIN";
		else {
			snprintf(buf, sizeof(buf), "cannot open /proc/kpagecount "
			    "or /proc/kpageflags: %s", strerror(-in->kpage_err));
			why = buf;
		}
		counter_names(unknown & by_kpage, names, sizeof(names));
		warnx("note: %s: %s shown as -", why, names);
	}
	if (unknown & ~by_kpage) {
		why = opts->no_scan ? "--no-scan" :
		    "this kernel has no PAGEMAP_SCAN (Linux 6.7+)";
		counter_names(unknown & ~by_kpage, names, sizeof(names));
		warnx("note: %s, and smaps could not tell (a mapping cut by "
		    "--range, or changed while read): %s shown as -", why, names);
	}
}

/* The counters the output will print: what the kpage join must serve. */
static uint32_t
wanted_counters(const struct output *out)
{
	uint32_t wanted = 0;

	if (out->opts->format == FMT_JSON)
		return CTR_ALL;
	for (size_t i = 0; i < out->ncols; i++)
		if (columns[out->cols[i]].kind == COLK_COUNTER)
			wanted |= CTR_BIT(columns[out->cols[i]].counter);
	return wanted;
}

/*
 * A --flags selection on a bit this run cannot see would select nothing, or
 * everything, without a word: refuse it instead.
 */
static int
check_filter(const struct options *opts, const struct sources *src)
{
	uint64_t blind = flag_filter_bits(&opts->filter) & pageflags_unknown(src);
	const uint64_t scan_bits = KPF_BIT(KPF_ZERO_PAGE) | KPF_BIT(KPF_ANON) |
	    KPF_BIT(PF_PMD);

	for (unsigned int b = 0; b < 64; b++) {
		uint64_t bit = UINT64_C(1) << b;
		const char *why;

		if (!(blind & bit))
			continue;
		if (b == KPF_SOFTDIRTY)
			why = "this kernel does not track soft-dirty bits";
		else if (b == KPF_KSM && src->ksm_noise)
			why = "this kernel sets it on every anonymous page";
		else if ((bit & scan_bits) && !src->scan && (b == PF_PMD || !src->kflags))
			why = opts->no_scan ? "not without PAGEMAP_SCAN (--no-scan)" :
			    "needs PAGEMAP_SCAN (Linux 6.7) or /proc/kpageflags";
		else if (opts->no_kpage)
			why = "not without /proc/kpageflags (--no-kpage)";
		else
			why = "needs /proc/kpageflags (CAP_SYS_ADMIN)";
		warnx("--flags %s: %s", pageflags_name(b), why);
		return EXIT_TARGET;
	}
	return 0;
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
	if ((r = check_filter(&opts, &src)) != 0) {
		inspector_release(&in);
		cli_free(&opts);
		return r;
	}
	output_init(&run.out, stdout, &opts, in.page_size, in.have_kpage,
	    in.probe.pfn_visible, in.probe.soft_dirty);
	if (!opts.wide)
		run.out.max_width = termwidth(STDOUT_FILENO);
	view_init(&run.view, &run.out, &opts.filter);
	in.wanted = wanted_counters(&run.out);
	joinplan_init(&in.plan, in.wanted, opts.full_join ||
	    opts.pages != PAGES_OFF || opts.summary != SUMMARY_OFF);
	run.known = CTR_ALL;

	if (run.out.ops->begin(&run.out) < 0)
		run.write_errno = errno;
	for (size_t i = 0; i < opts.npids && run.write_errno == 0; i++) {
		r = inspect_one(&in, &opts, &run, opts.pids[i]);
		if (r == STOP_OUTPUT)
			break;
		if (r < 0)
			status = EXIT_TARGET;
	}
	if (run.write_errno == 0 && run.out.ops->end(&run.out) < 0)
		run.write_errno = errno;

	view_release(&run.view);
	if (close_stdout(run.write_errno) != 0)
		status = EXIT_FAILURE;
	else
		note_unknowns(&in, &opts, &run, in.wanted);
	inspector_release(&in);
	cli_free(&opts);
	return status;
}
