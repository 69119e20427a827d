/* smaps.h - the kernel's own per-mapping accounting, /proc/PID/smaps */
#ifndef PMSTAT_SMAPS_H
#define PMSTAT_SMAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * What pmstat takes from one smaps record. Sizes are in kB as the kernel
 * prints them; -1 where the kernel printed no such line (KSM before 6.7,
 * FilePmdMapped before 5.4).
 */
enum smaps_field {
	SM_RSS, SM_PSS, SM_SHARED_CLEAN, SM_SHARED_DIRTY, SM_PRIVATE_CLEAN,
	SM_PRIVATE_DIRTY, SM_ANONYMOUS, SM_KSM, SM_ANON_HUGE, SM_SHMEM_PMD,
	SM_FILE_PMD, SM_SWAP,
	SM_NFIELDS
};

struct smaps_rec {
	uint64_t	start, end;	/* the mapping, in bytes */
	long long	kb[SM_NFIELDS];
};

/*
 * A forward-only reader: pmstat asks for mappings in address order, as maps
 * gives them, and smaps lists them in the same order.
 */
struct smaps_reader {
	FILE		*fp;
	char		*line;
	size_t		 cap;
	bool		 have_head;	/* line holds the next record's header */
	bool		 eof;
};

/*
 * Parse one line of smaps into rec: a header line ("start-end perms ...")
 * starts a new record (rec cleared, returns 1); a "Name: value kB" line of
 * a field pmstat uses fills it (returns 0); any other line is ignored
 * (returns 0). Returns -1 for a line that is neither. Pure.
 */
int	smaps_parse_line(const char *line, struct smaps_rec *rec);

/* Open /proc/PID/smaps (path given, for tests). Returns 0 or -errno. */
int	smaps_open(struct smaps_reader *r, const char *path);

/*
 * Find the record of the mapping [start, end), reading forward. Returns 1
 * with *rec filled, 0 if smaps has no such mapping (it changed since maps
 * was read, or a range clipped the mapping), or -errno.
 */
int	smaps_find(struct smaps_reader *r, uint64_t start, uint64_t end,
	    struct smaps_rec *rec);

void	smaps_close(struct smaps_reader *r);

#endif
