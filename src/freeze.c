/* freeze.c - --freeze: SIGSTOP a target while it is read, SIGCONT it always */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "freeze.h"

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */
#define STOP_WAIT_MS	1000

/*
 * The stopped process, for the signal handler: by pidfd where the kernel
 * has them (5.3+), so that a PID reused after the target died is never
 * sent SIGCONT; else by PID.
 */
static volatile sig_atomic_t frozen_pid;
static volatile sig_atomic_t frozen_fd = -1;

static int
send_signal(int pid, int fd, int sig)
{
#ifdef SYS_pidfd_send_signal
	if (fd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
#else
	(void)fd;
#endif
	return kill(pid, sig);
}

void
freeze_resume(void)
{
	int saved = errno, pid = frozen_pid, fd = frozen_fd;

	if (pid == 0)
		return;
	frozen_pid = 0;
	frozen_fd = -1;
	(void)send_signal(pid, fd, SIGCONT);
	if (fd >= 0)
		(void)close(fd);
	errno = saved;
}

static void
on_fatal(int sig)
{
	/* SA_RESETHAND restored the default: the raise ends pmstat on return. */
	freeze_resume();
	(void)raise(sig);
}

static void
at_exit(void)
{
	freeze_resume();
}

int
freeze_setup(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
	struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++) {
		struct sigaction old;

		if (sigaction(sigs[i], NULL, &old) != 0)
			return -errno;
		/* A signal the caller ignores stays ignored (nohup, a pipe's EPIPE). */
		if (old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -errno;
	}
	if (atexit(at_exit) != 0)
		return -ENOMEM;
	return 0;
}

/*
 * The state letter and flags of /proc/PID[/task/TID]/stat, after the comm
 * (which may hold spaces and parentheses: the last ')' ends it). 0 or -errno.
 */
static int
read_state(const char *path, char *state, unsigned long *flags)
{
	char buf[512], *p;
	ssize_t n;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) != 2)
		return -EINVAL;
	return 0;
}

/* Whether every thread of pid is stopped (or gone): 1, 0, or -errno. */
static int
all_stopped(int pid)
{
	char path[64];
	struct dirent *d;
	int r = 1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if ((dir = opendir(path)) == NULL)
		return errno == ENOENT ? -ESRCH : -errno;
	while (r == 1 && (d = readdir(dir)) != NULL) {
		unsigned long flags;
		char state;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", pid,
		    d->d_name);
		/* A thread that exits while we look is not running either. */
		if (read_state(path, &state, &flags) == 0 &&
		    state != 'T' && state != 't' && state != 'Z' && state != 'X')
			r = 0;
	}
	closedir(dir);
	return r;
}

int
freeze_stop(int pid)
{
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 1000000 };
	unsigned long flags;
	char path[64], state;
	int fd = -1, r;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((r = read_state(path, &state, &flags)) != 0)
		return r == -ENOENT ? -ESRCH : r;
	/*
	 * Someone else's stop (a job control stop, a debugger) is theirs to
	 * end; a zombie has nothing to stop and a kernel thread ignores it.
	 */
	if (state == 'T' || state == 't' || state == 'Z' || state == 'X' ||
	    (flags & PF_KTHREAD))
		return 0;
#ifdef SYS_pidfd_open
	if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 && errno != ENOSYS)
		return errno == ESRCH ? -ESRCH : -errno;
#endif
	/* Recorded before the signal: a SIGTERM between the two still resumes. */
	frozen_fd = fd;
	frozen_pid = pid;
	if (send_signal(pid, fd, SIGSTOP) != 0) {
		r = -errno;
		frozen_pid = 0;
		frozen_fd = -1;
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* The stop is delivered to each thread on its way back to user space. */
	for (int ms = 0; ms < STOP_WAIT_MS; ms++) {
		if ((r = all_stopped(pid)) != 0)
			break;
		nanosleep(&tick, NULL);
	}
	return 1;
}
