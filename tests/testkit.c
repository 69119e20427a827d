/* testkit.c - layout children and $PMSTAT runs (JSON, smaps: tk_smaps.c) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "testkit.h"

#define REG_PIDS	128
#define REG_PATHS	16
#define REG_PATHLEN	200

/*
 * What must not outlive a test, in memory shared by the Check runner, the
 * test processes it forks and their (non-exec'd) children.
 */
struct registry {
	struct {
		int32_t		claimed;
		int32_t		pid;		/* published last */
		uint64_t	start_time;	/* /proc/PID/stat field 22 */
	} pids[REG_PIDS];
	struct {
		int32_t		claimed;
		char		path[REG_PATHLEN];
	} paths[REG_PATHS];
};

static struct registry *reg;

static size_t
page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

void
tk_init(void)
{
	void *p = mmap(NULL, sizeof(*reg), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("testkit: mmap");
		exit(EXIT_FAILURE);
	}
	reg = p;
}

/* The start time of a process (clock ticks since boot), 0 if it is gone. */
static uint64_t
proc_start_time(pid_t pid, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long t;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: the fields start after the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	/* ") S ppid pgrp ..." : state is field 3, starttime field 22. */
	if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
	    "%*d %*d %*d %*d %*d %*d %llu", state ? state : &(char){0}, &t) != 2)
		return 0;
	return t;
}

void
tk_register_pid(pid_t pid)
{
	uint64_t st = proc_start_time(pid, NULL);

	if (reg == NULL || pid <= 0)
		return;
	for (size_t i = 0; i < REG_PIDS; i++) {
		int32_t zero = 0;

		if (!__atomic_compare_exchange_n(&reg->pids[i].claimed, &zero, 1,
		    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		reg->pids[i].start_time = st;
		__atomic_store_n(&reg->pids[i].pid, (int32_t)pid, __ATOMIC_RELEASE);
		return;
	}
	fprintf(stderr, "testkit: process table full, %d not registered\n",
	    (int)pid);
}

static void
unregister_pid(pid_t pid)
{
	if (reg == NULL)
		return;
	for (size_t i = 0; i < REG_PIDS; i++) {
		if (__atomic_load_n(&reg->pids[i].pid, __ATOMIC_ACQUIRE) != pid)
			continue;
		__atomic_store_n(&reg->pids[i].pid, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&reg->pids[i].claimed, 0, __ATOMIC_RELEASE);
	}
}

void
tk_register_path(const char *path)
{
	if (reg == NULL)
		return;
	for (size_t i = 0; i < REG_PATHS; i++) {
		int32_t zero = 0;

		if (!__atomic_compare_exchange_n(&reg->paths[i].claimed, &zero, 1,
		    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		strlcpy(reg->paths[i].path, path, sizeof(reg->paths[i].path));
		return;
	}
	fprintf(stderr, "testkit: path table full, %s not registered\n", path);
}

/* Wait (up to about 2 s) until a process we cannot reap is dead or gone. */
static void
wait_gone(pid_t pid, uint64_t st)
{
	for (int i = 0; i < 200; i++) {
		char state = 0;
		uint64_t now = proc_start_time(pid, &state);

		if (now == 0 || now != st || state == 'Z' || state == 'X')
			return;
		usleep(10000);
	}
	fprintf(stderr, "testkit: process %d still alive after SIGKILL\n",
	    (int)pid);
}

/* Kill pid if it is still the process that started at st; reap it if ours. */
static void
kill_checked(pid_t pid, uint64_t st)
{
	if (pid <= 0 || st == 0 || proc_start_time(pid, NULL) != st)
		return;
	kill(pid, SIGKILL);
	if (waitpid(pid, NULL, 0) < 0)
		wait_gone(pid, st);
}

void
tk_cleanup(void)
{
	int saved = errno;

	if (reg == NULL)
		return;
	for (size_t i = 0; i < REG_PIDS; i++) {
		pid_t pid = __atomic_load_n(&reg->pids[i].pid, __ATOMIC_ACQUIRE);

		if (pid == 0)
			continue;
		kill_checked(pid, reg->pids[i].start_time);
		__atomic_store_n(&reg->pids[i].pid, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&reg->pids[i].claimed, 0, __ATOMIC_RELEASE);
	}
	for (size_t i = 0; i < REG_PATHS; i++) {
		if (!__atomic_load_n(&reg->paths[i].claimed, __ATOMIC_ACQUIRE))
			continue;
		if (unlink(reg->paths[i].path) < 0 && errno != ENOENT)
			fprintf(stderr, "testkit: unlink %s: %s\n",
			    reg->paths[i].path, strerror(errno));
		__atomic_store_n(&reg->paths[i].claimed, 0, __ATOMIC_RELEASE);
	}
	errno = saved;
}

/* ---- layout children ------------------------------------------------ */

static void
vreport(struct tk_report *rep, const char *fmt, va_list ap)
{
	vsnprintf(rep->msg, sizeof(rep->msg), fmt, ap);
}

int
tk_fail(struct tk_report *rep, const char *fmt, ...)
{
	va_list ap;

	rep->ok = 0;
	va_start(ap, fmt);
	vreport(rep, fmt, ap);
	va_end(ap);
	return -1;
}

void
tk_skip(struct tk_report *rep, const char *fmt, ...)
{
	va_list ap;

	rep->ok = 0;
	rep->skip = 1;
	va_start(ap, fmt);
	vreport(rep, fmt, ap);
	va_end(ap);
}

/* In a fresh child: die with the parent, even if it died already. */
static void
die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(126);
}

pid_t
tk_fork_member(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		die_with_parent(parent);
		/* Only the layout's first process reports; EOF must mean it died. */
		close(TK_REPORT_FD);
	}
	return pid;
}

void
tk_hold(void)
{
	for (;;)
		pause();
}

void *
tk_reserve(size_t npages, size_t align)
{
	size_t ps = page_size();
	size_t total = (npages + 2) * ps + align;
	uintptr_t p;
	void *base;

	base = mmap(NULL, total, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	p = (uintptr_t)base + ps;
	if (align > ps)
		p = (p + align - 1) & ~(uintptr_t)(align - 1);
	return (void *)p;
}

void
tk_layout_main(int argc, char **argv, const struct tk_layout *table)
{
	struct tk_report rep;
	const struct tk_layout *l;
	const char *p;
	size_t left;

	if (argc < 3 || strcmp(argv[1], TK_LAYOUT_ARG) != 0)
		return;
	memset(&rep, 0, sizeof(rep));
	for (l = table; l->name != NULL; l++)
		if (strcmp(l->name, argv[2]) == 0)
			break;
	if (l->name == NULL)
		tk_fail(&rep, "no layout named %s", argv[2]);
	else
		l->build(argc > 3 ? argv[3] : NULL, &rep);
	/* One write of less than PIPE_BUF bytes is atomic. */
	for (p = (const char *)&rep, left = sizeof(rep); left > 0; ) {
		ssize_t n = write(TK_REPORT_FD, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(125);
		p += n;
		left -= (size_t)n;
	}
	close(TK_REPORT_FD);
	if (!rep.ok)
		_exit(1);
	tk_hold();
}

/* Leave root for uid/gid, with no supplementary groups; 0 or -errno. */
static int
drop_to(int uid, int gid)
{
	if (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0 ||
	    setuid((uid_t)uid) != 0)
		return -errno;
	/* The kernel clears the parent-death signal when credentials change. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return -errno;
	return 0;
}

/* The child side of tk_spawn: never returns. */
static void
spawn_child(pid_t parent, int wfd, const char *name, const char *arg, int uid,
    int gid)
{
	char *argv[5];
	struct tk_report rep;
	int err = 0;

	die_with_parent(parent);
	memset(&rep, 0, sizeof(rep));
	if (uid >= 0 && (err = drop_to(uid, gid)) != 0)
		tk_fail(&rep, "cannot become %d:%d: %s", uid, gid, strerror(-err));
	if (err == 0 && getppid() != parent)
		_exit(126);
	if (err == 0 && wfd != TK_REPORT_FD && dup2(wfd, TK_REPORT_FD) < 0)
		err = -errno;
	else if (err == 0 && wfd == TK_REPORT_FD &&
	    fcntl(wfd, F_SETFD, 0) < 0)
		err = -errno;
	if (err == 0) {
		wfd = TK_REPORT_FD;
		/* Leave Check's own descriptors behind. */
		for (int fd = TK_REPORT_FD + 1; fd < 1024; fd++)
			close(fd);
		/* execv() wants writable strings; this process is ours to leak. */
		argv[0] = strdup("check_integration");
		argv[1] = strdup(TK_LAYOUT_ARG);
		argv[2] = strdup(name);
		argv[3] = arg ? strdup(arg) : NULL;
		argv[4] = NULL;
		execv("/proc/self/exe", argv);
		tk_fail(&rep, "exec /proc/self/exe: %s", strerror(errno));
	} else if (rep.msg[0] == '\0') {
		tk_fail(&rep, "report fd: %s", strerror(-err));
	}
	if (write(wfd, &rep, sizeof(rep)) < 0)
		_exit(124);
	_exit(127);
}

/* Read exactly len bytes from fd within timeout_ms; bytes read or -1. */
static ssize_t
read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * Wait (up to 2 s) until pid sleeps. A child that has just reported still
 * runs close() and pause() for the first time, and faulting their code in
 * maps 16 more pages of libc: a pmstat run in between saw 192 pages there,
 * the smaps read after it 208.
 */
static void
wait_sleeping(pid_t pid)
{
	for (int i = 0; i < 2000; i++) {
		char state = 0;

		if (proc_start_time(pid, &state) == 0 || state == 'S' ||
		    state == 'T' || state == 'Z')
			return;
		usleep(1000);
	}
}

int
tk_spawn(const char *name, const char *arg, int uid, int gid,
    struct tk_child *c, char *err, size_t errlen)
{
	pid_t parent = getpid();
	int p[2];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((c->pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (c->pid == 0)
		spawn_child(parent, p[1], name, arg, uid, gid);
	close(p[1]);
	tk_register_pid(c->pid);
	/*
	 * A minute: a layout of 1 GiB takes seconds on an idle machine and
	 * was seen to take more than 20 s under a load of 15; the Check
	 * timeout (CK_DEFAULT_TIMEOUT, 120 s) still bounds the test.
	 */
	n = read_full(p[0], &c->rep, sizeof(c->rep), 60000);
	close(p[0]);
	if (n != (ssize_t)sizeof(c->rep)) {
		snprintf(err, errlen, "layout %s: no report (%s)", name,
		    n < 0 ? "timeout or read error" : "child exited");
		tk_kill(c);
		return -1;
	}
	for (int i = 0; i < c->rep.npids && i < TK_MAX_PIDS; i++)
		tk_register_pid(c->rep.pids[i]);
	wait_sleeping(c->pid);
	for (int i = 0; i < c->rep.npids && i < TK_MAX_PIDS; i++)
		wait_sleeping(c->rep.pids[i]);
	return 0;
}

void
tk_kill(struct tk_child *c)
{
	if (c->pid <= 0)
		return;
	for (int i = 0; i < c->rep.npids && i < TK_MAX_PIDS; i++) {
		pid_t m = c->rep.pids[i];
		uint64_t st = proc_start_time(m, NULL);

		if (m > 0 && st != 0) {
			kill(m, SIGKILL);
			wait_gone(m, st);
		}
		unregister_pid(m);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	unregister_pid(c->pid);
	c->pid = 0;
	c->rep.npids = 0;
}

/* ---- running pmstat ------------------------------------------------- */

const char *
tk_pmstat_path(void)
{
	const char *p = getenv("PMSTAT");

	return p && *p ? p : "src/pmstat";
}

int
tk_run_pmstat(int uid, int gid, char **out, const char *const *args)
{
	char *err = NULL;
	int status = tk_run_pmstat_err(uid, gid, out, &err, args);

	/* Its messages belong in the test log, as if it wrote there itself. */
	if (err != NULL)
		fputs(err, stderr);
	free(err);
	return status;
}

json_t *
tk_pmstat_json(int uid, int gid, int *status, const char *const *args)
{
	json_error_t jerr;
	char *out = NULL, cmd[512] = "";
	json_t *root;

	for (size_t i = 0; args[i] != NULL; i++) {
		strlcat(cmd, " ", sizeof(cmd));
		strlcat(cmd, args[i], sizeof(cmd));
	}
	*status = tk_run_pmstat(uid, gid, &out, args);
	ck_assert_msg(*status >= 0 && out != NULL, "cannot run %s%s",
	    tk_pmstat_path(), cmd);
	root = json_loads(out, 0, &jerr);
	if (root == NULL)
		fprintf(stderr, "pmstat%s printed:\n%s\n", cmd, out);
	ck_assert_msg(root != NULL, "pmstat%s (exit %d): not JSON: %s at line %d",
	    cmd, *status, jerr.text, jerr.line);
	free(out);
	return root;
}

/*
 * Start $PMSTAT with args as uid/gid (uid < 0: as we are), its stdout on
 * a pipe whose read end is *outfd and, with errfd, its stderr on another.
 * Returns its pid, or -1.
 */
static pid_t
pmstat_start(int uid, int gid, const char *const *args, int *outfd,
    int *errfd)
{
	char *argv[32];
	size_t n = 0;
	pid_t parent = getpid(), pid = -1;
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 };

	argv[n++] = strdup(tk_pmstat_path());
	for (size_t i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = strdup(args[i]);
	argv[n] = NULL;
	for (size_t i = 0; i < n; i++)
		if (argv[i] == NULL)
			goto out;
	if (pipe2(op, O_CLOEXEC) != 0 || (errfd && pipe2(ep, O_CLOEXEC) != 0))
		goto out;
	if ((pid = fork()) < 0)
		goto out;
	if (pid == 0) {
		die_with_parent(parent);
		if (dup2(op[1], STDOUT_FILENO) < 0 ||
		    (errfd && dup2(ep[1], STDERR_FILENO) < 0))
			_exit(127);
		if (uid >= 0 && drop_to(uid, gid) != 0)
			_exit(127);
		execv(argv[0], argv);
		fprintf(stderr, "testkit: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	*outfd = op[0];
	op[0] = -1;
	if (errfd) {
		*errfd = ep[0];
		ep[0] = -1;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	return pid;
}

/* Reap pid: its exit status, 128 + signal, or -1. */
static int
pmstat_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

pid_t
tk_pmstat_open(int uid, int gid, FILE **fp, const char *const *args)
{
	int fd;
	pid_t pid = pmstat_start(uid, gid, args, &fd, NULL);

	*fp = NULL;
	if (pid < 0)
		return -1;
	if ((*fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		kill(pid, SIGKILL);
		pmstat_wait(pid);
		return -1;
	}
	return pid;
}

int
tk_pmstat_close(FILE *fp, pid_t pid)
{
	/* Whatever is left unread: pmstat must not block on a full pipe. */
	char buf[65536];

	while (fread(buf, 1, sizeof(buf), fp) > 0)
		;
	fclose(fp);
	return pmstat_wait(pid);
}

/* Append what fd has to *buf (NUL-terminated); 0 at EOF, 1 more to come, -1. */
static int
drain_some(int fd, char **buf, size_t *len, size_t *cap)
{
	ssize_t r;

	if (*cap - *len < 65536) {
		char *nb = realloc(*buf, *cap * 2 + 65536 + 1);

		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = *cap * 2 + 65536;
	}
	r = read(fd, *buf + *len, *cap - *len);
	if (r < 0)
		return errno == EINTR ? 1 : -1;
	*len += (size_t)r;
	(*buf)[*len] = '\0';
	return r > 0;
}

int
tk_run_pmstat_err(int uid, int gid, char **out, char **err,
    const char *const *args)
{
	char *buf[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 }, cap[2] = { 0, 0 };
	struct pollfd pfd[2];
	int fds[2], status;
	pid_t pid;

	*out = *err = NULL;
	if ((pid = pmstat_start(uid, gid, args, &fds[0], &fds[1])) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		/* An empty stream is an empty string, not NULL. */
		buf[i] = calloc(1, 1);
	}
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if (drain_some(pfd[i].fd, &buf[i], &len[i], &cap[i]) <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	status = pmstat_wait(pid);
	*out = buf[0];
	*err = buf[1];
	return status;
}

bool
tk_can_exec_as(int uid, int gid, const char *path, char *why, size_t len)
{
	pid_t pid;
	int status;

	if ((pid = fork()) < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		int err = drop_to(uid, gid);

		if (err != 0)
			_exit(200);
		_exit(access(path, X_OK) == 0 ? 0 : (errno & 0x7f));
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		snprintf(why, len, "the probe process died");
		return false;
	}
	if (WEXITSTATUS(status) == 0)
		return true;
	if (WEXITSTATUS(status) == 200)
		snprintf(why, len, "cannot change to uid %d gid %d", uid, gid);
	else
		snprintf(why, len, "uid %d cannot execute %s: %s", uid, path,
		    strerror(WEXITSTATUS(status)));
	return false;
}
