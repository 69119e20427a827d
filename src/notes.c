/*
 * notes.c - what pmstat says on standard error besides a process's error:
 * the notes after the output (counters left unknown, processes a selection
 * skipped) and the refusal of a --flags bit this run cannot see.
 */
#include "config.h"

#include <err.h>
#include <string.h>

#include "columns.h"
#include "kpf.h"
#include "notes.h"

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
void
notes_unknowns(const struct inspector *in, const struct options *opts,
    uint32_t known, bool any_read, uint32_t wanted)
{
	const uint32_t by_kpage = CTR_BIT(CTR_DIRTY) | CTR_BIT(CTR_KSM) |
	    CTR_BIT(CTR_PSS);
	uint32_t unknown = wanted & ~known;
	char names[256], buf[128];
	const char *why;

	/* Soft-dirty untracked by the kernel is not news to anyone. */
	unknown &= ~CTR_BIT(CTR_SOFT_DIRTY);
	/* The page views say "-" or "?" per page; the note is for the counters. */
	if (opts->format != FMT_TABLE || !any_read ||
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
		/* smaps gives the owner pss, dirty and ksm of whole mappings. */
		warnx("note: %s, and smaps could not tell (%s): %s shown as -",
		    why, (unknown & by_kpage) == CTR_BIT(CTR_KSM) && !opts->have_range ?
		    "it has no KSM line before Linux 6.7" :
		    "a mapping cut by --range, or changed while read", names);
	}
	if (unknown & ~by_kpage) {
		why = opts->no_scan ? "--no-scan" :
		    "this kernel has no PAGEMAP_SCAN (Linux 6.7+)";
		counter_names(unknown & ~by_kpage, names, sizeof(names));
		warnx("note: %s, and smaps could not tell (a mapping cut by "
		    "--range, or changed while read): %s shown as -", why, names);
	}
}

/* One line for every selected process left out, so nothing is dropped unsaid. */
void
notes_skips(const struct procsel_skips *sk)
{
	char buf[256] = "";
	const struct { unsigned int n; const char *what; } parts[] = {
		{ sk->kthreads, "kernel threads" },
		{ sk->zombies, "zombies" },
		{ sk->unreadable, "not readable" },
		{ sk->vanished, "gone before they could be read" },
	};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char part[64];

		if (parts[i].n == 0)
			continue;
		snprintf(part, sizeof(part), "%s%u %s", buf[0] ? ", " : "",
		    parts[i].n, parts[i].what);
		strlcat(buf, part, sizeof(buf));
	}
	if (buf[0] != '\0')
		warnx("note: skipped %s", buf);
}

/*
 * A --flags selection on a bit this run cannot see would select nothing, or
 * everything, without a word: refuse it instead.
 */
int
notes_check_filter(const struct options *opts, const struct sources *src)
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
		return 1;
	}
	return 0;
}

