/* procinfo.h - small facts about a process: its name, what it is */
#ifndef PMSTAT_PROCINFO_H
#define PMSTAT_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What /proc/PID/stat and /proc/PID/status say of a process, decoded once. */
struct proc_facts {
	int	pid;
	int	ppid;
	char	state;		/* R, S, D, Z, X... */
	bool	kthread;	/* PF_KTHREAD: no user memory */
	uid_t	uid;		/* effective, from status; (uid_t)-1 unread */
	char	comm[64];	/* raw bytes (untrusted), NUL-terminated */
};

/*
 * Read /proc/PID/stat into f (uid left (uid_t)-1). Returns 0 or -errno;
 * -EBADMSG for a line that does not parse.
 */
int	procinfo_stat(int pid, struct proc_facts *f);

/* The effective uid from /proc/PID/status into *uid. Returns 0 or -errno. */
int	procinfo_uid(int pid, uid_t *uid);

/*
 * /proc/PID/cmdline into buf (at most len - 1 bytes, NUL separators turned
 * into spaces, the last one dropped; raw bytes, untrusted). Returns its
 * length (0 for a kernel thread or zombie), or -errno.
 */
ssize_t	procinfo_cmdline(int pid, char *buf, size_t len);

/*
 * Read /proc/PID/comm into buf (without the newline; raw bytes, untrusted).
 * Returns 0 or -errno.
 */
int	procinfo_comm(int pid, char *buf, size_t len);

/*
 * Why a process has no user memory to read, beyond errno's words: errors
 * procinfo_explain() returns, negative like -errno, out of errno's range.
 */
#define PROCINFO_EKTHREAD	(-4097)	/* a kernel thread */
#define PROCINFO_EZOMBIE	(-4098)	/* exited, not reaped yet */

/*
 * A read of the process failed with err: say what the process is, when that
 * is the reason (a kernel thread, a zombie: no user memory), else err.
 */
int	procinfo_explain(int pid, int err);

/* A short lower-case reason for a failed read of a process, for people and JSON. */
const char *procinfo_strerror(int err);

#endif
