/* checkrun.h - the one way every Check program runs its suite */
#ifndef PMSTAT_CHECKRUN_H
#define PMSTAT_CHECKRUN_H

#include <check.h>
#include <stdlib.h>

/* Run s (taking it over) and return the exit status make check expects. */
static inline int
check_run(Suite *s, enum print_output mode)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, mode);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
