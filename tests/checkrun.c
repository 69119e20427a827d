/* checkrun.c - run a Check suite and report it as TAP, skips included */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "checkrun.h"

#define CR_TESTS	8192	/* tests (loop iterations included) per program */
#define CR_REASON	240

/* Shared by the runner and every test process it forks. */
struct cr_shared {
	long	next;			/* numbers handed out so far */
	char	reason[CR_TESTS][CR_REASON];	/* "" = not skipped */
};

static struct cr_shared *shared;
static long current = -1;	/* this test's number, in the test process */

/* Checked setup: runs in each test's process, first of its fixtures. */
static void
number_test(void)
{
	if (shared != NULL)
		current = __atomic_fetch_add(&shared->next, 1, __ATOMIC_ACQ_REL);
}

TCase *
check_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, number_test, NULL);
	suite_add_tcase(s, tc);
	return tc;
}

void
check_skip(const char *fmt, ...)
{
	char line[CR_REASON];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "SKIP: %s\n", line);
	if (shared == NULL || current < 0 || current >= CR_TESTS)
		return;
	if (shared->reason[current][0] == '\0')
		strlcpy(shared->reason[current], line, CR_REASON);
	else {
		strlcat(shared->reason[current], "; ", CR_REASON);
		strlcat(shared->reason[current], line, CR_REASON);
	}
}

/* One line of TAP text: no newline, and no '#' that would start a directive. */
static void
tap_text(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		putchar(*s == '\n' || *s == '\r' ? ' ' : *s == '#' ? '%' : *s);
}

static void
tap_line(int i, TestResult *tr, const char *skip)
{
	bool pass = tr_rtype(tr) == CK_PASS;

	printf("%sok %d - %s", pass ? "" : "not ", i, tr_tcname(tr));
	if (!pass) {
		printf(": %s:%d: ", tr_lfile(tr), tr_lno(tr));
		tap_text(tr_msg(tr));
		if (tr_ctx(tr) != CK_CTX_TEST)
			printf(" (in a %s fixture)", tr_ctx(tr) == CK_CTX_SETUP ?
			    "setup" : "teardown");
	} else if (skip != NULL && *skip != '\0') {
		printf(" # SKIP ");
		tap_text(skip);
	}
	putchar('\n');
}

/* Run with Check's output on stderr: stdout carries TAP alone. */
static int
run_quietly(SRunner *sr, enum print_output mode)
{
	int saved;

	fflush(stdout);
	if ((saved = dup(STDOUT_FILENO)) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return -1;
	srunner_run_all(sr, mode);
	fflush(stdout);
	if (dup2(saved, STDOUT_FILENO) < 0)
		return -1;
	close(saved);
	return 0;
}

int
check_run(Suite *s, enum print_output mode)
{
	SRunner *sr = srunner_create(s);
	TestResult **r;
	int n, failed, status = EXIT_SUCCESS;
	bool in_step;
	void *p = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("checkrun: mmap");
		exit(EXIT_FAILURE);
	}
	shared = p;
	if (run_quietly(sr, mode) != 0) {
		perror("checkrun: redirecting stdout");
		exit(EXIT_FAILURE);
	}
	n = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	r = srunner_results(sr);
	/* One number per result, or the skips would land on the wrong tests. */
	in_step = shared->next == n;

	printf("1..%d\n", n + (in_step ? 0 : 1));
	for (int i = 0; i < n; i++)
		tap_line(i + 1, r[i], in_step && i < CR_TESTS ?
		    shared->reason[i] : NULL);
	if (!in_step) {
		printf("not ok %d - checkrun: %ld tests numbered, %d results "
		    "(a TCase not made by check_tcase?)\n", n + 1, shared->next, n);
		status = EXIT_FAILURE;
	}
	if (failed > 0)
		status = EXIT_FAILURE;
	free(r);
	srunner_free(sr);
	munmap(shared, sizeof(*shared));
	shared = NULL;
	return status;
}
