/*
 * bench_run.c - time commands side by side: paired rounds, medians, peak RSS
 *
 * usage: bench_run ROUNDS OUTDIR LABEL[:N] CMD ARGS... [-- LABEL[:N] CMD ...]...
 *
 * Each round runs every command once, in the order given, so that whatever
 * the machine does meanwhile falls on all of them alike. A LABEL:N command
 * runs in the first N rounds only (for a baseline that takes minutes).
 * Command i's standard output goes to OUTDIR/LABEL.out (the last run's
 * stays, for checking), its standard error to OUTDIR/LABEL.err.
 *
 * Prints a line per command: LABEL MEDIAN_MS MIN_MS MAX_MS PEAK_RSS_KB RUNS.
 * A command that fails stops the benchmark (exit 1): its time would mean
 * nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct cmd {
	char	 label[64];
	int	 rounds;
	char	**argv;
	double	*ms;
	long	 maxrss_kb;
	int	 runs;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
redirect(const char *dir, const char *label, const char *ext, int to)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, label, ext);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    dup2(fd, to) < 0)
		return -1;
	close(fd);
	return 0;
}

/* One run of c: its wall time in ms, or a negative number if it failed. */
static double
run(struct cmd *c, const char *dir)
{
	struct rusage ru;
	double t0 = now_ms(), t;
	int status;
	pid_t pid;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (redirect(dir, c->label, "out", 1) != 0 ||
		    redirect(dir, c->label, "err", 2) != 0)
			_exit(126);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	t = now_ms() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_run: %s failed (status %d): see %s/%s.err\n",
		    c->label, status, dir, c->label);
		return -1;
	}
	if (ru.ru_maxrss > c->maxrss_kb)
		c->maxrss_kb = ru.ru_maxrss;
	return t;
}

int
main(int argc, char **argv)
{
	struct cmd *cmds;
	int rounds, ncmd = 0;
	const char *dir;

	if (argc < 5 || (rounds = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: bench_run ROUNDS OUTDIR LABEL[:N] CMD ARGS... "
		    "[-- LABEL[:N] CMD ...]...\n");
		return 2;
	}
	dir = argv[2];
	if ((cmds = calloc((size_t)argc, sizeof(*cmds))) == NULL)
		return 1;
	for (int i = 3; i < argc; ) {
		struct cmd *c = &cmds[ncmd++];
		char *colon = strchr(argv[i], ':');

		c->rounds = rounds;
		if (colon != NULL) {
			*colon = '\0';
			c->rounds = atoi(colon + 1);
			if (c->rounds < 1 || c->rounds > rounds)
				c->rounds = rounds;
		}
		snprintf(c->label, sizeof(c->label), "%s", argv[i]);
		c->argv = &argv[i + 1];
		for (i++; i < argc && strcmp(argv[i], "--") != 0; i++)
			;
		if (i < argc)
			argv[i++] = NULL;
		if (c->argv[0] == NULL) {
			fprintf(stderr, "bench_run: %s: no command\n", c->label);
			return 2;
		}
		if ((c->ms = calloc((size_t)rounds, sizeof(double))) == NULL)
			return 1;
	}
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < ncmd; i++) {
			struct cmd *c = &cmds[i];
			double t;

			if (r >= c->rounds)
				continue;
			if ((t = run(c, dir)) < 0)
				return 1;
			c->ms[c->runs++] = t;
		}
	}
	for (int i = 0; i < ncmd; i++) {
		struct cmd *c = &cmds[i];
		double med;

		qsort(c->ms, (size_t)c->runs, sizeof(double), cmp_double);
		med = c->runs % 2 ? c->ms[c->runs / 2] :
		    (c->ms[c->runs / 2 - 1] + c->ms[c->runs / 2]) / 2;
		printf("%s %.1f %.1f %.1f %ld %d\n", c->label, med, c->ms[0],
		    c->ms[c->runs - 1], c->maxrss_kb, c->runs);
		free(c->ms);
	}
	free(cmds);
	return 0;
}
