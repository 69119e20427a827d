/* termwidth.h - how wide the table may be */
#ifndef PMSTAT_TERMWIDTH_H
#define PMSTAT_TERMWIDTH_H

#include <stddef.h>

/*
 * The width the table is cut to: fd's terminal width if fd is a terminal
 * that knows it, else $COLUMNS if it is a valid number, else 0 (no limit:
 * into a pipe or a file, paths stay whole, as with ps).
 */
size_t	termwidth(int fd);

/* A $COLUMNS value: a number from 1 to TERMWIDTH_MAX, or 0 if it is not. */
size_t	termwidth_parse(const char *s);

#define TERMWIDTH_MAX	1000000

#endif
