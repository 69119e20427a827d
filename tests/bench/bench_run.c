/*
 * bench_run.c - time commands side by side: paired rounds, medians, peak RSS
 *
 * usage: bench_run [-s] [-x LABEL]... ROUNDS OUTDIR LABEL[:N] CMD ARGS...
 *            [++ CMD ARGS...]... [-- LABEL[:N] CMD ...]...
 *
 * Each round runs every command once, in the order given, so that whatever
 * the machine does meanwhile falls on all of them alike. A LABEL:N command
 * runs in the first N rounds only (for a baseline that takes minutes).
 * A command of several parts joined by ++ runs them one after the other
 * and is timed as one: the sum of separate runs, without a shell between.
 * Command i's standard output goes to OUTDIR/LABEL.out (the last run's
 * stays, for checking; parts append), its standard error to OUTDIR/LABEL.err.
 *
 * Prints a line per command: LABEL MEDIAN_MS MIN_MS MAX_MS PEAK_RSS_KB RUNS
 * SYSCALLS RWCALLS. With -s, every command but those named by -x runs once
 * more after the timed rounds, untimed, under `strace -f -c`
 * (OUTDIR/LABEL.strace), and SYSCALLS is the count of system calls of that
 * run, children included; otherwise it is -. RWCALLS is syscr + syscw of
 * /proc/PID/io of the last timed run, reaped children included: the reads
 * and writes (pread among them) at no cost, as it is read before the
 * process is reaped.
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
	char	***parts;	/* argv of each part, NULL-terminated list */
	double	*ms;
	long	 maxrss_kb;
	int	 runs;
	long	 syscalls;	/* -1 if not counted */
	int	 untraced;	/* -x: never under strace (a million calls) */
	long	 rwcalls;	/* syscr + syscw of the last run's parts */
	long	 rw_run;	/* of the run under way */
};

/*
 * syscr + syscw of an exited, not yet reaped process: its own and those of
 * the children it reaped. -1 if /proc cannot tell.
 */
static long
io_calls(pid_t pid)
{
	char path[64], line[128];
	long r = -1, w = -1, v;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "syscr: %ld", &v) == 1)
			r = v;
		else if (sscanf(line, "syscw: %ld", &v) == 1)
			w = v;
	}
	fclose(fp);
	return r < 0 || w < 0 ? -1 : r + w;
}

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
redirect(const char *dir, const char *label, const char *ext, int to,
    int append)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, label, ext);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0644)) < 0 ||
	    dup2(fd, to) < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * Run part `part` of c (under strace -f -c if trace) and wait for it; its
 * peak RSS goes into c. Returns 0, or -1 if it could not run or failed.
 */
static int
run_part(struct cmd *c, int part, const char *dir, int trace)
{
	char **argv = c->parts[part], tpath[4096];
	struct rusage ru;
	int status;
	pid_t pid;

	snprintf(tpath, sizeof(tpath), "%s/%s.strace", dir, c->label);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (redirect(dir, c->label, "out", 1, part > 0) != 0 ||
		    redirect(dir, c->label, "err", 2, part > 0) != 0)
			_exit(126);
		if (trace) {
			/* -A: the parts of one command add up in one file. */
			static char st[] = "strace", f[] = "-f", cnt[] = "-c",
			    app[] = "-A", o[] = "-o";
			char *pre[] = { st, f, cnt, o, tpath, app };
			size_t npre = part > 0 ? 6 : 5, n = 0;
			char **targv;

			while (argv[n] != NULL)
				n++;
			if ((targv = calloc(npre + n + 1, sizeof(*targv))) == NULL)
				_exit(126);
			memcpy(targv, pre, npre * sizeof(*targv));
			memcpy(targv + npre, argv, (n + 1) * sizeof(*targv));
			argv = targv;
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Exited but not reaped: its /proc/PID/io still reads. */
	{
		siginfo_t si;

		while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
			if (errno != EINTR)
				return -1;
	}
	if (!trace) {
		long n = io_calls(pid);

		c->rw_run = c->rw_run < 0 || n < 0 ? -1 : c->rw_run + n;
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_run: %s failed (status %d): see %s/%s.err\n",
		    c->label, status, dir, c->label);
		return -1;
	}
	if (!trace && ru.ru_maxrss > c->maxrss_kb)
		c->maxrss_kb = ru.ru_maxrss;
	return 0;
}

/* One run of c: its wall time in ms, or a negative number if it failed. */
static double
run(struct cmd *c, const char *dir)
{
	double t0 = now_ms(), t;

	c->rw_run = 0;
	for (int p = 0; c->parts[p] != NULL; p++)
		if (run_part(c, p, dir, 0) != 0)
			return -1;
	t = now_ms() - t0;
	c->rwcalls = c->rw_run;
	return t;
}

/*
 * Count c's system calls: one more run under strace, summed from the
 * "total" lines of its summaries (one per part: -A appends). Returns the
 * count, or -1.
 */
static long
count_syscalls(struct cmd *c, const char *dir)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	long sum = 0, calls;
	FILE *fp;

	for (int p = 0; c->parts[p] != NULL; p++)
		if (run_part(c, p, dir, 1) != 0)
			return -1;
	snprintf(path, sizeof(path), "%s/%s.strace", dir, c->label);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	/* "100.00    0.012345           3      4567       123 total" */
	while (getline(&line, &cap, fp) > 0)
		if (strstr(line, " total") != NULL &&
		    sscanf(line, "%*f %*f %*d %ld", &calls) == 1)
			sum += calls;
	free(line);
	fclose(fp);
	return sum;
}

int
main(int argc, char **argv)
{
	struct cmd *cmds;
	int rounds, ncmd = 0, trace = 0, a = 1, nx = 0;
	const char *dir, **untraced;

	if ((untraced = calloc((size_t)argc, sizeof(*untraced))) == NULL)
		return 1;
	for (;;) {
		if (argc > a && strcmp(argv[a], "-s") == 0) {
			trace = 1;
			a++;
		} else if (argc > a + 1 && strcmp(argv[a], "-x") == 0) {
			untraced[nx++] = argv[a + 1];
			a += 2;
		} else
			break;
	}
	if (argc - a < 4 || (rounds = atoi(argv[a])) < 1) {
		fprintf(stderr, "usage: bench_run [-s] [-x LABEL]... ROUNDS OUTDIR "
		    "LABEL[:N] CMD ARGS... [++ CMD ARGS...]... "
		    "[-- LABEL[:N] CMD ...]...\n");
		return 2;
	}
	dir = argv[a + 1];
	if ((cmds = calloc((size_t)argc, sizeof(*cmds))) == NULL)
		return 1;
	for (int i = a + 2; i < argc; ) {
		struct cmd *c = &cmds[ncmd++];
		char *colon = strchr(argv[i], ':');
		int np = 0;

		c->rounds = rounds;
		c->syscalls = -1;
		if (colon != NULL) {
			*colon = '\0';
			c->rounds = atoi(colon + 1);
			if (c->rounds < 1 || c->rounds > rounds)
				c->rounds = rounds;
		}
		snprintf(c->label, sizeof(c->label), "%s", argv[i]);
		for (int x = 0; x < nx; x++)
			if (strcmp(untraced[x], c->label) == 0)
				c->untraced = 1;
		if ((c->parts = calloc((size_t)argc, sizeof(*c->parts))) == NULL)
			return 1;
		i++;
		for (;;) {
			c->parts[np] = &argv[i];
			for (; i < argc && strcmp(argv[i], "--") != 0 &&
			    strcmp(argv[i], "++") != 0; i++)
				;
			if (c->parts[np][0] == NULL || &argv[i] == c->parts[np]) {
				fprintf(stderr, "bench_run: %s: no command\n", c->label);
				return 2;
			}
			np++;
			if (i >= argc)
				break;
			if (strcmp(argv[i], "--") == 0) {
				argv[i++] = NULL;
				break;
			}
			argv[i++] = NULL;
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
	for (int i = 0; trace && i < ncmd; i++)
		if (!cmds[i].untraced &&
		    (cmds[i].syscalls = count_syscalls(&cmds[i], dir)) < 0)
			return 1;
	for (int i = 0; i < ncmd; i++) {
		struct cmd *c = &cmds[i];
		double med;

		qsort(c->ms, (size_t)c->runs, sizeof(double), cmp_double);
		med = c->runs % 2 ? c->ms[c->runs / 2] :
		    (c->ms[c->runs / 2 - 1] + c->ms[c->runs / 2]) / 2;
		printf("%s %.1f %.1f %.1f %ld %d ", c->label, med, c->ms[0],
		    c->ms[c->runs - 1], c->maxrss_kb, c->runs);
		if (c->syscalls >= 0)
			printf("%ld ", c->syscalls);
		else
			printf("- ");
		if (c->rwcalls >= 0)
			printf("%ld\n", c->rwcalls);
		else
			printf("-\n");
		free(c->ms);
		free(c->parts);
	}
	free(cmds);
	free(untraced);
	return 0;
}
