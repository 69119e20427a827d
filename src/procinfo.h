/* procinfo.h - small facts about a process: its name */
#ifndef PMSTAT_PROCINFO_H
#define PMSTAT_PROCINFO_H

#include <stddef.h>

/*
 * Read /proc/PID/comm into buf (without the newline; raw bytes, untrusted).
 * Returns 0 or -errno.
 */
int	procinfo_comm(int pid, char *buf, size_t len);

/* A short lower-case reason for a failed read of a process, for people and JSON. */
const char *procinfo_strerror(int err);

#endif
