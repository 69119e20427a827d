/* delta.h - a watch's changes: each counter less its value a sample ago */
#ifndef PMSTAT_DELTA_H
#define PMSTAT_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* What a set of counters belongs to: its key kind. */
enum delta_kind {
	DELTA_MAPPING,		/* pid, start, inode, offset, dev */
	DELTA_PROCESS,		/* pid: a process's totals or its row */
	DELTA_PATH,		/* a --by path row: s */
	DELTA_USER,		/* a --by user row: a = uid */
	DELTA_TOTALS,		/* the totals of every row */
	DELTA_FAMILY,		/* --family */
};

/* Which counters: the same key in two samples is the same thing. */
struct delta_key {
	enum delta_kind	 kind;
	int		 pid;
	uint64_t	 a, b, c, d;
	const char	*s;	/* raw bytes, NUL-terminated, or NULL */
};

struct delta_entry {
	struct delta_key key;	/* s is own, or NULL */
	char		*own;
	struct counts	 c;
};

/* One sample's counters by key: entries, and an open-addressing index. */
struct delta_table {
	struct delta_entry	*e;
	size_t			 n, cap;
	size_t			*index;		/* entry + 1; 0 is free */
	size_t			 index_cap;	/* a power of two */
};

struct delta {
	struct delta_table	last;	/* the sample before */
	struct delta_table	now;	/* the sample being taken */
};

void	delta_init(struct delta *d);

/*
 * Turn *c into its change since the last sample: every counter less the
 * value it had under the same key then, modulo 2^64 (a negative change is
 * its two's complement); known only where it was known both times. A key
 * the last sample did not have keeps its values: all of it is new. *c as it
 * was is remembered for the next sample. Returns 0 or -ENOMEM.
 */
int	delta_apply(struct delta *d, const struct delta_key *k, struct counts *c);

/* A sample is over: what it remembered is the last sample's from now on. */
void	delta_next(struct delta *d);

void	delta_release(struct delta *d);

#endif
