/* procinfo.c - /proc/PID/comm and the wording of per-process errors */
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

const char *
procinfo_strerror(int err)
{
	switch (err) {
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
