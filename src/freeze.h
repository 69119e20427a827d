/* freeze.h - --freeze: stop a target for a consistent snapshot, always resume it */
#ifndef PMSTAT_FREEZE_H
#define PMSTAT_FREEZE_H

/*
 * Catch SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE so that a process
 * pmstat stopped is resumed before pmstat dies of them (it then dies of the
 * same signal, as it would have). Also resumes at exit(). Returns 0 or -errno.
 */
int	freeze_setup(void);

/*
 * Stop process pid with SIGSTOP and wait (up to a second) until its threads
 * have stopped. A process that is already stopped (or traced, a zombie, a
 * kernel thread) is left as it is, and will not be resumed. Returns 1 if
 * pmstat stopped it, 0 if it was left alone, or -errno (-EPERM, -ESRCH).
 * One process at a time: freeze_resume() first.
 */
int	freeze_stop(int pid);

/* Resume the process freeze_stop() stopped, if any. Async-signal-safe. */
void	freeze_resume(void);

#endif
