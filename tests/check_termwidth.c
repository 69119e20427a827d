/* check_termwidth.c - the table's width: a terminal's, $COLUMNS, or none */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "termwidth.h"
#include "checkrun.h"

struct parse_case {
	const char	*s;
	size_t		 want;
};

static const struct parse_case parse_cases[] = {
	{ "80", 80 }, { "1", 1 }, { "200", 200 }, { "1000000", TERMWIDTH_MAX },
	{ "0", 0 }, { "-1", 0 }, { "", 0 }, { "abc", 0 }, { "80x", 0 },
	{ "1000001", 0 }, { "99999999999999999999999", 0 }, { "8 0", 0 },
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];

	ck_assert_msg(termwidth_parse(c->s) == c->want, "COLUMNS='%s': %zu, want %zu",
	    c->s, termwidth_parse(c->s), c->want);
}
END_TEST

START_TEST(test_parse_null)
{
	ck_assert_uint_eq(termwidth_parse(NULL), 0);
}
END_TEST

/* Not a terminal: $COLUMNS when valid, else no limit. */
START_TEST(test_pipe)
{
	int fd[2];

	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(unsetenv("COLUMNS"), 0);
	ck_assert_uint_eq(termwidth(fd[1]), 0);
	ck_assert_int_eq(setenv("COLUMNS", "123", 1), 0);
	ck_assert_uint_eq(termwidth(fd[1]), 123);
	ck_assert_int_eq(setenv("COLUMNS", "wide", 1), 0);
	ck_assert_uint_eq(termwidth(fd[1]), 0);
	ck_assert_int_eq(setenv("COLUMNS", "0", 1), 0);
	ck_assert_uint_eq(termwidth(fd[1]), 0);
	close(fd[0]);
	close(fd[1]);
}
END_TEST

/* The slave side of a new pseudo-terminal of cols columns, or -1. */
static int
pty_of(int cols, int *master)
{
	struct winsize ws = { .ws_row = 24, .ws_col = (unsigned short)cols };
	const char *name;
	int fd;

	if ((*master = posix_openpt(O_RDWR | O_NOCTTY)) < 0)
		return -1;
	if (grantpt(*master) != 0 || unlockpt(*master) != 0 ||
	    (name = ptsname(*master)) == NULL ||
	    (fd = open(name, O_RDWR | O_NOCTTY)) < 0) {
		close(*master);
		return -1;
	}
	ck_assert_int_eq(ioctl(fd, TIOCSWINSZ, &ws), 0);
	return fd;
}

/* A terminal: its own width, whatever $COLUMNS says; 0 columns is unknown. */
START_TEST(test_terminal)
{
	static const int widths[] = { 80, 200, 0 };
	int master, fd;

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		if ((fd = pty_of(widths[i], &master)) < 0) {
			check_skip("no pseudo-terminal: %s", strerror(errno));
			return;
		}
		ck_assert_int_eq(unsetenv("COLUMNS"), 0);
		ck_assert_uint_eq(termwidth(fd), (size_t)widths[i]);
		ck_assert_int_eq(setenv("COLUMNS", "123", 1), 0);
		ck_assert_uint_eq(termwidth(fd), widths[i] ? (size_t)widths[i] : 123);
		close(fd);
		close(master);
	}
}
END_TEST

static Suite *
termwidth_suite(void)
{
	Suite *s = suite_create("termwidth");
	TCase *tc;

	tc = check_tcase(s, "parse");
	tcase_add_loop_test(tc, test_parse, 0,
	    (int)(sizeof(parse_cases) / sizeof(parse_cases[0])));
	tcase_add_test(tc, test_parse_null);

	tc = check_tcase(s, "probe");
	tcase_add_test(tc, test_pipe);
	tcase_add_test(tc, test_terminal);
	return s;
}

int
main(void)
{
	return check_run(termwidth_suite(), CK_NORMAL);
}
