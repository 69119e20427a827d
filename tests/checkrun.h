/*
 * checkrun.h - the one way every Check program runs its suite, reporting
 * each test as a TAP line for automake's tap-driver.sh.
 *
 * Check has no "skipped" result, so a test that cannot run here calls
 * check_skip() and returns: Check counts it as passed, and check_run()
 * prints "ok N - tcase # SKIP reason" for it. Check forks each test, so the
 * reasons live in memory shared with the runner, indexed by a per-test
 * number that a checked setup fixture (added by check_tcase()) takes on
 * every test; Check returns the results in the order the tests ran.
 */
#ifndef PMSTAT_CHECKRUN_H
#define PMSTAT_CHECKRUN_H

#include <check.h>

/*
 * A TCase named name, added to s, with the fixture that numbers its tests.
 * Every TCase of a program run by check_run() must come from here: a test
 * without a number would shift every skip after it (check_run() notices and
 * fails).
 */
TCase	*check_tcase(Suite *s, const char *name);

/*
 * Mark the running test skipped, with a reason (one line). The test should
 * return: what it asserted before still counts, and a failure after it still
 * fails. The first reason is kept; later ones are appended.
 */
void	 check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run s (taking it over): Check's own output goes to stderr, the TAP plan
 * and one line per test to stdout. Returns EXIT_FAILURE if a test failed or
 * the skip records are out of step, else EXIT_SUCCESS.
 */
int	 check_run(Suite *s, enum print_output mode);

#endif
