/* procinfo.c - /proc/PID/comm, /proc/PID/stat and the wording of per-process errors */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procinfo.h"

int
procinfo_comm(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd, err = 0;

	if (len == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* include/linux/sched.h: the task is a kernel thread. */
#define PF_KTHREAD	0x00200000u

int
procinfo_explain(int pid, int err)
{
	char path[64], buf[512], *p;
	unsigned int flags;
	ssize_t n;
	char state;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return err;
	buf[n] = '\0';
	/* comm is the process's own choice and may hold ") ": the last one ends it. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
		return err;
	if (flags & PF_KTHREAD)
		return PROCINFO_EKTHREAD;
	if (state == 'Z' || state == 'X')
		return PROCINFO_EZOMBIE;
	return err;
}

const char *
procinfo_strerror(int err)
{
	switch (err) {
	case PROCINFO_EKTHREAD:
		return "kernel thread: no user memory";
	case PROCINFO_EZOMBIE:
		return "zombie: no user memory";
	case -ENOENT:
	case -ESRCH:
		return "no such process";
	case -EACCES:
	case -EPERM:
		return "permission denied";
	case -EBADMSG:
		return "unexpected line in maps";
	default:
		return strerror(-err);
	}
}
