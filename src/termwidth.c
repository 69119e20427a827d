/* termwidth.c - the terminal's width, or $COLUMNS, for the table */
#include "config.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "termwidth.h"

size_t
termwidth_parse(const char *s)
{
	const char *errstr = NULL;
	long long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtonum(s, 1, TERMWIDTH_MAX, &errstr);
	return errstr == NULL ? (size_t)v : 0;
}

size_t
termwidth(int fd)
{
	struct winsize ws;

	/* A terminal that says 0 (a serial line never set up) knows nothing. */
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return termwidth_parse(getenv("COLUMNS"));
}
