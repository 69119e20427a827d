/* rollup.h - rows of --by process, path and user: sums over mappings, sorted */
#ifndef PMSTAT_ROLLUP_H
#define PMSTAT_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli.h"
#include "maps.h"
#include "stats.h"

/* One row: a process, a path, or a user, with its counters summed. */
struct rollup_row {
	int		 pid;		/* BY_PROCESS */
	int		 ppid;		/* -1 unknown */
	uid_t		 uid;		/* BY_PROCESS, BY_USER; (uid_t)-1 unknown */
	char		*user;		/* uid's name, or its number as text */
	char		*comm;		/* BY_PROCESS; raw bytes, may be NULL */
	char		*cmdline;	/* BY_PROCESS; raw bytes, may be NULL */
	char		*path;		/* BY_PATH; raw bytes */
	const char	*error;		/* BY_PROCESS: why it could not be read */
	unsigned int	 nprocs;	/* BY_PATH, BY_USER: processes in the row */
	uint64_t	 nmappings;	/* BY_PATH: mappings in the row */
	int		 last_pid;	/* BY_PATH: the last process counted */
	struct counts	 c;
};

struct rollup {
	enum by_mode		 by;
	struct rollup_row	*rows;
	size_t			 n, cap;
	size_t			*index;		/* BY_PATH, BY_USER: hash of rows */
	size_t			 index_cap;
	struct counts		 totals;	/* over every row read */
};

void	rollup_init(struct rollup *r, enum by_mode by);

/*
 * A process read to its end (totals) or not (error set, totals NULL): a row
 * of BY_PROCESS, or added into its user's row. comm and cmdline are copied.
 * Returns 0 or -ENOMEM.
 */
int	rollup_process(struct rollup *r, int pid, int ppid, uid_t uid,
	    const char *comm, const char *cmdline, const struct counts *totals,
	    const char *error);

/* A mapping of process pid, into the row of its path (BY_PATH). 0 or -ENOMEM. */
int	rollup_mapping(struct rollup *r, int pid, const struct maps_entry *e,
	    const struct counts *c);

/*
 * Sort the rows by keys (ties: by pid, path or uid ascending); with no keys,
 * by the default: -pss, or -present where no row knows its pss.
 */
void	rollup_sort(struct rollup *r, const struct sort_key *keys, size_t nkeys);

/*
 * The user name of uid, or its number as text ("?" for (uid_t)-1); valid
 * until the next call. Never NULL.
 */
const char *rollup_user_name(uid_t uid);

void	rollup_release(struct rollup *r);

#endif
