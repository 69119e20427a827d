/* testkit.c - layout children, $PMSTAT runs, its JSON and /proc/PID/smaps */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
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

#include "checkrun.h"
#include "kprobe.h"
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
	n = read_full(p[0], &c->rep, sizeof(c->rep), 20000);
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

/* ---- JSON ----------------------------------------------------------- */

static const char *
json_type_name(const json_t *v)
{
	if (v == NULL)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "object";
	case JSON_ARRAY:	return "array";
	case JSON_STRING:	return "string";
	case JSON_INTEGER:	return "integer";
	case JSON_REAL:		return "real";
	case JSON_TRUE:		return "true";
	case JSON_FALSE:	return "false";
	case JSON_NULL:		return "null";
	}
	return "?";
}

json_t *
tk_json_process(json_t *root, pid_t pid)
{
	json_t *procs = json_object_get(root, "processes"), *p;
	size_t i;

	ck_assert_msg(json_is_array(procs), "no processes array");
	json_array_foreach(procs, i, p) {
		if (json_integer_value(json_object_get(p, "pid")) == pid)
			return p;
	}
	ck_abort_msg("pid %d not in pmstat's output", (int)pid);
	return NULL;
}

static uint64_t
hex_value(const json_t *v, const char *key)
{
	const char *s = json_string_value(v);
	char *end;
	uint64_t x;

	ck_assert_msg(s != NULL && strncmp(s, "0x", 2) == 0,
	    "%s is not a hex string (%s)", key, json_type_name(v));
	errno = 0;
	x = strtoull(s + 2, &end, 16);
	ck_assert_msg(errno == 0 && end != s + 2 && *end == '\0',
	    "%s: bad hex \"%s\"", key, s);
	return x;
}

static json_t *
find_by_hex(json_t *proc, const char *array, const char *key, uint64_t v)
{
	json_t *a = json_object_get(proc, array), *m;
	size_t i;

	ck_assert_msg(json_is_array(a), "process has no %s array (%s)", array,
	    json_type_name(a));
	json_array_foreach(a, i, m) {
		if (hex_value(json_object_get(m, key), key) == v)
			return m;
	}
	ck_abort_msg("no entry of %s with %s 0x%" PRIx64, array, key, v);
	return NULL;
}

json_t *
tk_json_mapping(json_t *proc, uint64_t start)
{
	return find_by_hex(proc, "mappings", "start", start);
}

json_t *
tk_json_page(json_t *proc, uint64_t addr)
{
	return find_by_hex(proc, "pages", "addr", addr);
}

uint64_t
tk_json_hex(json_t *o, const char *key)
{
	return hex_value(json_object_get(o, key), key);
}

int64_t
tk_json_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer (%s)", key,
	    json_type_name(v));
	return (int64_t)json_integer_value(v);
}

bool
tk_json_bool(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_boolean(v), "%s is not a boolean (%s)", key,
	    json_type_name(v));
	return json_is_true(v);
}

bool
tk_json_is_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(v != NULL, "%s is missing", key);
	return json_is_null(v);
}

double
tk_json_real(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_number(v), "%s is not a number (%s)", key,
	    json_type_name(v));
	return json_number_value(v);
}

/* ---- smaps ---------------------------------------------------------- */

static void
smaps_clear(struct tk_smaps *s)
{
	memset(s, 0, sizeof(*s));
	s->size = s->rss = s->pss = -1;
	s->shared_clean = s->shared_dirty = s->private_clean = -1;
	s->private_dirty = s->anonymous = s->ksm = s->anon_huge = -1;
	s->file_pmd = s->shmem_pmd = s->swap = -1;
	s->shared_hugetlb = s->private_hugetlb = -1;
}

/* Parse a maps-style header line; 0 or -1. */
static int
smaps_header(const char *line, struct tk_smaps *s)
{
	int off = 0;
	size_t len;

	smaps_clear(s);
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*x %*x:%*x %*u %n",
	    &s->start, &s->end, s->perms, &off) < 3 || off == 0)
		return -1;
	strlcpy(s->path, line + off, sizeof(s->path));
	len = strlen(s->path);
	if (len > 0 && s->path[len - 1] == '\n')
		s->path[len - 1] = '\0';
	return 0;
}

static void
smaps_field(const char *line, struct tk_smaps *s)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "Size", offsetof(struct tk_smaps, size) },
		{ "Rss", offsetof(struct tk_smaps, rss) },
		{ "Pss", offsetof(struct tk_smaps, pss) },
		{ "Shared_Clean", offsetof(struct tk_smaps, shared_clean) },
		{ "Shared_Dirty", offsetof(struct tk_smaps, shared_dirty) },
		{ "Private_Clean", offsetof(struct tk_smaps, private_clean) },
		{ "Private_Dirty", offsetof(struct tk_smaps, private_dirty) },
		{ "Anonymous", offsetof(struct tk_smaps, anonymous) },
		{ "KSM", offsetof(struct tk_smaps, ksm) },
		{ "AnonHugePages", offsetof(struct tk_smaps, anon_huge) },
		{ "FilePmdMapped", offsetof(struct tk_smaps, file_pmd) },
		{ "ShmemPmdMapped", offsetof(struct tk_smaps, shmem_pmd) },
		{ "Swap", offsetof(struct tk_smaps, swap) },
		{ "Shared_Hugetlb", offsetof(struct tk_smaps, shared_hugetlb) },
		{ "Private_Hugetlb", offsetof(struct tk_smaps, private_hugetlb) },
	};
	const char *colon = strchr(line, ':');
	size_t klen;

	if (colon == NULL)
		return;
	klen = (size_t)(colon - line);
	if (klen == 7 && strncmp(line, "VmFlags", 7) == 0) {
		strlcpy(s->vmflags, colon + 1, sizeof(s->vmflags));
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].key) == klen &&
		    strncmp(line, keys[i].key, klen) == 0) {
			*(long *)(void *)((char *)s + keys[i].off) =
			    strtol(colon + 1, NULL, 10);
			return;
		}
	}
}

ssize_t
tk_smaps_read(pid_t pid, struct tk_smaps **out)
{
	struct tk_smaps *v = NULL, *nv;
	size_t n = 0, cap = 0, lcap = 0;
	char path[64], *line = NULL;
	FILE *fp;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (getline(&line, &lcap, fp) > 0) {
		/* Mapping lines start with a lower-case hex address, fields with a capital. */
		if (isxdigit((unsigned char)line[0]) &&
		    !isupper((unsigned char)line[0])) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
					goto fail;
				v = nv;
			}
			if (smaps_header(line, &v[n]) != 0)
				goto fail;
			n++;
		} else if (n > 0) {
			smaps_field(line, &v[n - 1]);
		}
	}
	free(line);
	fclose(fp);
	*out = v;
	return (ssize_t)n;
fail:
	free(line);
	free(v);
	fclose(fp);
	return -1;
}

int
tk_smaps_one(pid_t pid, uint64_t start, struct tk_smaps *out)
{
	struct tk_smaps *v;
	ssize_t n = tk_smaps_read(pid, &v);
	int r = -1;

	for (ssize_t i = 0; i < n; i++) {
		if (v[i].start == start) {
			*out = v[i];
			r = 0;
			break;
		}
	}
	free(v);
	return r;
}

bool
tk_smaps_has_flag(const struct tk_smaps *s, const char *flag)
{
	const char *p = s->vmflags;
	size_t fl = strlen(flag);

	while (*p != '\0') {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		len = strcspn(p, " \t\n");
		if (len == fl && strncmp(p, flag, fl) == 0)
			return true;
		p += len;
	}
	return false;
}

/* ---- smaps relations ------------------------------------------------ */

struct mismatches {
	char	*text;
	size_t	 len;
	int	 count;
};

static void
mismatch(struct mismatches *mm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
mismatch(struct mismatches *mm, const char *fmt, ...)
{
	char line[512];
	char *nt;
	va_list ap;
	size_t l;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	l = strlen(line);
	if ((nt = realloc(mm->text, mm->len + l + 2)) == NULL)
		return;
	mm->text = nt;
	memcpy(mm->text + mm->len, line, l);
	mm->text[mm->len + l] = '\n';
	mm->text[mm->len + l + 1] = '\0';
	mm->len += l + 1;
	mm->count++;
}

/* A counter, or -1 when pmstat says it is unknown (null). */
static int64_t
ctr(json_t *m, const char *key)
{
	json_t *v = json_object_get(m, key);

	ck_assert_msg(v != NULL, "counter %s missing", key);
	if (json_is_null(v))
		return -1;
	ck_assert_msg(json_is_integer(v), "counter %s is %s", key,
	    json_type_name(v));
	return (int64_t)json_integer_value(v);
}

/*
 * Whether the map counts of this mapping's pages can only be changed by the
 * processes of the layout. Anonymous pages are shared at most with a fork
 * relative, which is quiescent too; pages of a file only this test maps
 * (its temporary files, the shmem behind MAP_SHARED|MAP_ANONYMOUS) likewise.
 * A page of a library, a locale file or the vdso is mapped by every process
 * that uses it: pmstat itself maps libc, ld.so, libjansson and libbsd while
 * it reads, and `make check` runs other programs beside us, so its map count
 * differs between pmstat's reading and ours of smaps. For such mappings
 * exclusive, shared and pss are not compared.
 */
bool
tk_json_mapping_stable(json_t *m)
{
	const char *path = json_string_value(json_object_get(m, "path"));

	if (ctr(m, "file") == 0)
		return true;
	return path != NULL && (strncmp(path, "/tmp/pmstat-itest", 17) == 0 ||
	    strncmp(path, "/dev/zero", 9) == 0);
}

static void
relate(struct mismatches *mm, const struct tk_smaps *s, const char *what,
    int64_t pm, long kb, long pk)
{
	if (pm < 0 || kb < 0)
		return;
	if (pm * pk != kb)
		mismatch(mm, "  0x%" PRIx64 " %-4s %s: pmstat %s = %" PRId64
		    " pages (%" PRId64 " kB), smaps %ld kB", s->start, s->perms,
		    s->path, what, pm, pm * pk, kb);
}

static long
kb_sum(long a, long b)
{
	return (a < 0 ? 0 : a) + (b < 0 ? 0 : b);
}

static void
relate_mapping(struct mismatches *mm, json_t *m, const struct tk_smaps *s,
    bool privileged, long pk)
{
	int64_t present = ctr(m, "present"), zero = ctr(m, "zero");

	relate(mm, s, "pages", ctr(m, "pages"), s->size, pk);
	relate(mm, s, "thp", ctr(m, "thp"),
	    kb_sum(s->anon_huge, kb_sum(s->file_pmd, s->shmem_pmd)), pk);
	/*
	 * smaps keeps hugetlb pages out of Rss, Anonymous, Pss and the
	 * Shared/Private lines and counts them in *_Hugetlb; pagemap shows them
	 * as present pages like any other.
	 */
	if (tk_smaps_has_flag(s, "ht")) {
		relate(mm, s, "present (hugetlb)", present,
		    kb_sum(s->shared_hugetlb, s->private_hugetlb), pk);
		return;
	}
	/*
	 * Every present page is exactly one of file, anon and zero (section 3:
	 * anon is neither bit 61 nor the zero page; section 2: the zero page
	 * is not a file page).
	 */
	if (zero >= 0 && ctr(m, "file") + ctr(m, "anon") + zero != present)
		mismatch(mm, "  0x%" PRIx64 " %-4s %s: file %" PRId64 " + anon %"
		    PRId64 " + zero %" PRId64 " != present %" PRId64, s->start,
		    s->perms, s->path, ctr(m, "file"), ctr(m, "anon"), zero,
		    present);
	if (zero >= 0)
		relate(mm, s, "present - zero", present - zero, s->rss, pk);
	relate(mm, s, "anon", ctr(m, "anon"), s->anonymous, pk);
	/* shmem swap is invisible to pagemap, and smaps counts it under Swap. */
	if (s->perms[3] == 'p')
		relate(mm, s, "swapped", ctr(m, "swapped"), s->swap, pk);
	if (s->ksm >= 0)
		relate(mm, s, "ksm", ctr(m, "ksm"), s->ksm, pk);
	if (!tk_json_mapping_stable(m))
		return;
	/*
	 * pagemap gives every page of a PMD-mapped huge page the exclusive bit
	 * of its first page (pagemap_pmd_range() asks the map count of the
	 * PMD's head page once); smaps counts each page by its own map count.
	 * Once a fork relative maps part of a huge page (its PMD split by a
	 * copy-on-write), the two differ by design: seen on 6.18, a parent's
	 * page mapped once (kpagecount 1) had bit 56 clear.
	 */
	if (ctr(m, "thp") == 0 || ctr(m, "shared") == 0) {
		relate(mm, s, "exclusive", ctr(m, "exclusive"),
		    kb_sum(s->private_clean, s->private_dirty), pk);
		relate(mm, s, "shared", ctr(m, "shared"),
		    kb_sum(s->shared_clean, s->shared_dirty), pk);
	}
	if (privileged) {
		/* smaps sums PSS in 2^-12 byte units and prints it truncated to kB. */
		double pss = tk_json_real(m, "pss");
		long kb = (long)floor(pss * (double)pk);

		if (labs(kb - s->pss) > 1)
			mismatch(mm, "  0x%" PRIx64 " %-4s %s: pmstat pss = %.4f "
			    "pages (%ld kB), smaps Pss %ld kB", s->start, s->perms,
			    s->path, pss, kb, s->pss);
	}
}

/* The totals of a process are the sums of its mappings. */
static void
check_totals(struct mismatches *mm, json_t *proc)
{
	static const char *const keys[] = {
		"pages", "present", "swapped", "file", "anon", "zero", "exclusive",
		"shared", "dirty", "cow_copied", "cow_shared", "thp", "ksm",
		"soft_dirty", NULL
	};
	json_t *maps = json_object_get(proc, "mappings");
	json_t *totals = json_object_get(proc, "totals"), *m;
	double pss = 0;
	size_t i;

	ck_assert_msg(json_is_object(totals), "no totals object");
	for (size_t k = 0; keys[k] != NULL; k++) {
		int64_t sum = 0, t = ctr(totals, keys[k]);
		bool known = true;

		json_array_foreach(maps, i, m) {
			int64_t v = ctr(m, keys[k]);

			if (v < 0)
				known = false;
			sum += v < 0 ? 0 : v;
		}
		if (!known && t >= 0)
			mismatch(mm, "  totals: %s known, some mapping's is not",
			    keys[k]);
		else if (known && t != sum)
			mismatch(mm, "  totals: %s = %" PRId64 ", mappings sum to %"
			    PRId64, keys[k], t, sum);
	}
	if (json_is_null(json_object_get(totals, "pss")))
		return;
	json_array_foreach(maps, i, m)
		pss += tk_json_real(m, "pss");
	if (fabs(pss - tk_json_real(totals, "pss")) > 1e-3)
		mismatch(mm, "  totals: pss = %f, mappings sum to %f",
		    tk_json_real(totals, "pss"), pss);
}

void
tk_check_relations(pid_t pid, json_t *proc, bool privileged, const char *what)
{
	json_t *maps = json_object_get(proc, "mappings"), *m;
	struct mismatches mm = { NULL, 0, 0 };
	long pk = (long)(page_size() / 1024);
	struct tk_smaps *sm;
	ssize_t n;
	size_t i, compared = 0;

	ck_assert_msg(json_is_array(maps), "%s: no mappings", what);
	n = tk_smaps_read(pid, &sm);
	ck_assert_msg(n > 0, "%s: cannot read /proc/%d/smaps", what, (int)pid);
	if ((size_t)n != json_array_size(maps))
		mismatch(&mm, "  pmstat has %zu mappings, smaps %zd",
		    json_array_size(maps), n);
	json_array_foreach(maps, i, m) {
		uint64_t start = tk_json_hex(m, "start");
		const struct tk_smaps *s = NULL;

		for (ssize_t j = 0; j < n; j++)
			if (sm[j].start == start)
				s = &sm[j];
		if (s == NULL) {
			mismatch(&mm, "  0x%" PRIx64 ": not in smaps", start);
			continue;
		}
		if (tk_json_hex(m, "end") != s->end)
			mismatch(&mm, "  0x%" PRIx64 ": ends differ", start);
		/*
		 * [vsyscall] lies above the task's address space: pagemap ends
		 * below it. PFN and I/O maps ([vvar] and friends: VmFlags pf or
		 * io) have no struct page: pagemap shows their PFNs as present,
		 * smaps counts none of them.
		 */
		if (strcmp(s->path, "[vsyscall]") == 0 ||
		    tk_smaps_has_flag(s, "pf") || tk_smaps_has_flag(s, "io"))
			continue;
		/*
		 * Known exactly where the kernel tracks soft-dirty, which only
		 * a written page tells (kprobe.h): VmFlags sd marks a
		 * VM_SOFTDIRTY mapping, and 6.1 sets bit 55 on [stack] without.
		 */
		if (kp_get()->soft_dirty.yes == tk_json_is_null(m, "soft_dirty"))
			mismatch(&mm, "  0x%" PRIx64 ": soft_dirty %s, but %s", start,
			    kp_get()->soft_dirty.yes ? "unknown" : "known",
			    kp_get()->soft_dirty.why);
		if (!privileged && !tk_json_is_null(m, "pss"))
			mismatch(&mm, "  0x%" PRIx64 ": pss known unprivileged",
			    start);
		relate_mapping(&mm, m, s, privileged, pk);
		compared++;
	}
	free(sm);
	check_totals(&mm, proc);
	if (mm.count > 0)
		fprintf(stderr, "%s: pid %d: %d smaps mismatch(es):\n%s", what,
		    (int)pid, mm.count, mm.text);
	ck_assert_msg(mm.count == 0, "%s: pid %d: %d mismatch(es) with smaps, "
	    "first:%s", what, (int)pid, mm.count, mm.text ? strtok(mm.text, "\n") : "");
	ck_assert_msg(compared > 0, "%s: no mapping compared", what);
	free(mm.text);
}
