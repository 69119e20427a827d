/* procinfo.c - /proc/PID/comm, /proc/PID/stat and the wording of per-process errors */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procinfo.h"

/* include/linux/sched.h: the task is a kernel thread. */
#define PF_KTHREAD	0x00200000u

/* Read a small /proc file whole into buf (NUL-terminated); its length or -errno. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd, err = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (err)
		return err;
	buf[got] = '\0';
	return got;
}

int
procinfo_comm(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	if (len == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if ((n = read_small(path, buf, len)) < 0)
		return (int)n;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int
procinfo_stat(int pid, struct proc_facts *f)
{
	char path[64], buf[1024], *open_paren, *close_paren;
	unsigned int flags;
	size_t clen;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((n = read_small(path, buf, sizeof(buf))) < 0)
		return (int)n;
	/* comm is the process's own choice and may hold ") ": the last one ends it. */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
		return -EBADMSG;
	memset(f, 0, sizeof(*f));
	f->pid = pid;
	f->uid = (uid_t)-1;
	if (sscanf(close_paren + 1, " %c %d %*d %*d %*d %*d %u", &f->state,
	    &f->ppid, &flags) != 3)
		return -EBADMSG;
	f->kthread = (flags & PF_KTHREAD) != 0;
	clen = (size_t)(close_paren - open_paren - 1);
	if (clen >= sizeof(f->comm))
		clen = sizeof(f->comm) - 1;
	memcpy(f->comm, open_paren + 1, clen);
	f->comm[clen] = '\0';
	return 0;
}

int
procinfo_uid(int pid, uid_t *uid)
{
	char path[64], buf[4096], *p;
	unsigned long real, eff;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((n = read_small(path, buf, sizeof(buf))) < 0)
		return (int)n;
	/* Name: comes first and is the process's choice: find the line start. */
	if ((p = strstr(buf, "\nUid:")) == NULL ||
	    sscanf(p + 5, "%lu %lu", &real, &eff) != 2)
		return -EBADMSG;
	*uid = (uid_t)eff;
	return 0;
}

ssize_t
procinfo_cmdline(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	if (len == 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((n = read_small(path, buf, len)) < 0)
		return n;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return n;
}

int
procinfo_explain(int pid, int err)
{
	struct proc_facts f;

	if (procinfo_stat(pid, &f) != 0)
		return err;
	if (f.kthread)
		return PROCINFO_EKTHREAD;
	if (f.state == 'Z' || f.state == 'X')
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
