/* procinfo.h - small facts about a process: its name, what it is */
#ifndef PMSTAT_PROCINFO_H
#define PMSTAT_PROCINFO_H

#include <stddef.h>

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
