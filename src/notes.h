/* notes.h - notes after the output, and refusals of what a run cannot see */
#ifndef PMSTAT_NOTES_H
#define PMSTAT_NOTES_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "inspect.h"
#include "procsel.h"
#include "stats.h"

/*
 * Say once which printed counters (wanted) stayed unknown in the processes
 * read (known), and why: only for the per-mapping table, and only when a
 * process was read to its end.
 */
void	notes_unknowns(const struct inspector *in, const struct options *opts,
	    uint32_t known, bool any_read, uint32_t wanted);

/* One line counting what a selection left out, if anything. */
void	notes_skips(const struct procsel_skips *sk);

/*
 * Refuse (one line, returns 1) a --flags selection on a bit this run
 * cannot see, which would select nothing or everything without a word.
 */
int	notes_check_filter(const struct options *opts, const struct sources *src);

#endif
