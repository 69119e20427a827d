/* watch.h - a watch's clock: samples on a fixed grid, and how it stops */
#ifndef PMSTAT_WATCH_H
#define PMSTAT_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct watch {
	struct timespec	t0;		/* CLOCK_MONOTONIC: sample 1 */
	uint64_t	interval_ns;
	uint64_t	count;		/* samples to take; 0 until stopped */
	uint64_t	n;		/* samples taken or under way */
	uint64_t	tick;		/* grid point of the last: t0 + tick * interval */
};

/* Start a watch now. Returns 0 or -errno (the clock could not be read). */
int	watch_init(struct watch *w, uint64_t interval_ns, uint64_t count);

/*
 * SIGINT and SIGTERM end the watch after the sample under way (a second one
 * ends pmstat at once, as if no handler were there). Returns 0 or -errno.
 */
int	watch_catch_signals(void);

/* Was a stop asked for? */
bool	watch_stopping(void);

/*
 * Wait for the next sample: the first at once, sample k + 1 at t0 + k *
 * interval, on an absolute clock so that the time samples take does not
 * push the next ones later. A sample that overran its interval is followed
 * by the next grid point still ahead (the ones missed are not made up in a
 * burst). Returns true with w->n counting the sample, false when the watch
 * is over: --count reached, or a stop asked for.
 */
bool	watch_next(struct watch *w);

/* The time now, in seconds since the epoch, with its fraction. */
double	watch_time(void);

/*
 * One sample of a watch: n counts from 1, time is when it was taken, in
 * seconds since the epoch. Returns true to go on, false to end the watch.
 */
typedef bool	(*watch_sample_fn)(void *arg, uint64_t n, double time);

/*
 * The watch: SIGINT and SIGTERM caught (watch_catch_signals()), then
 * sample() at each point of the grid (watch_next()) until count samples
 * were taken (count 0: no end), a signal asked for a stop, or sample()
 * said no more. Returns 0, or -errno when the clock or the signals could
 * not be set up (and no sample was taken).
 */
int	watch_run(uint64_t interval_ns, uint64_t count, watch_sample_fn sample,
	    void *arg);

#endif
