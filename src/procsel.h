/* procsel.h - which processes: --all, --tree, -C and -u, as ps and pgrep select */
#ifndef PMSTAT_PROCSEL_H
#define PMSTAT_PROCSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The selectors of the command line; they combine as a union. */
struct procsel {
	bool	  all;		/* -a, --all */
	int	 *trees;	/* --tree PID: PID and its descendants */
	size_t	  ntrees;
	char	**comms;	/* -C, --comm: exact comm */
	size_t	  ncomms;
	uid_t	 *uids;		/* -u, --user: effective uid */
	size_t	  nuids;
};

/* Processes a selector matched but that were left out, by reason. */
struct procsel_skips {
	unsigned int	kthreads;	/* no user memory */
	unsigned int	zombies;
	unsigned int	unreadable;	/* may not be read */
	unsigned int	vanished;	/* gone when read */
};

/* True if any selector is set (explicit PIDs are not selectors). */
bool	procsel_active(const struct procsel *sel);

/*
 * Walk /proc once and append to *pids (a reallocarray'd array of *n) every
 * process that sel matches, in ascending PID order, leaving out kernel
 * threads and zombies (counted in sk), PIDs already in the array, and
 * pmstat itself (which changes as it reads). A
 * --tree root is appended as named, whatever it is, so that its failure is
 * reported like an explicit PID's. Returns 0 or -errno.
 */
int	procsel_collect(const struct procsel *sel, int **pids, size_t *n,
	    struct procsel_skips *sk);

void	procsel_free(struct procsel *sel);

#endif
