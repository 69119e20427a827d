/* sortkey.h - --sort [+|-]KEY[,...], as ps --sort spells it */
#ifndef PMSTAT_SORTKEY_H
#define PMSTAT_SORTKEY_H

#include <stdbool.h>
#include <stddef.h>

/* What a row is sorted by: a counter, or one of the fields that name a row. */
enum sort_field {
	SORT_COUNTER,
	SORT_PID,
	SORT_PPID,
	SORT_UID,
	SORT_USER,
	SORT_COMM,
	SORT_PATH,
	SORT_PROCS,	/* --by path and user: how many processes */
};

struct sort_key {
	enum sort_field	field;
	int		counter;	/* CTR_x for SORT_COUNTER */
	bool		desc;		/* "-KEY" */
};

/*
 * Parse "[+|-]KEY[,...]" into keys (at most max). Returns the number of keys,
 * or -1 with the bad key written into err.
 */
int	sortkey_parse(const char *list, struct sort_key *keys, size_t max,
	    char *err, size_t errlen);

/* The key's name, for messages. */
const char *sortkey_name(const struct sort_key *k);

#endif
