/*
 * watch.c - the clock of a watch (--interval): when each sample is taken,
 * and the signals that end the watch. What a sample does is the caller's.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "watch.h"

#define NS	UINT64_C(1000000000)

static volatile sig_atomic_t stopping;

static uint64_t
ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec;
}

static struct timespec
ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NS),
	    .tv_nsec = (long)(ns % NS) };
}

int
watch_init(struct watch *w, uint64_t interval_ns, uint64_t count)
{
	*w = (struct watch){ .interval_ns = interval_ns, .count = count };
	return clock_gettime(CLOCK_MONOTONIC, &w->t0) == 0 ? 0 : -errno;
}

/*
 * The first signal asks for a stop, which the loop sees between samples;
 * a second means it: the default action, at once (a sample stuck in a
 * read of /proc would otherwise hold the terminal).
 */
static void
on_stop(int sig)
{
	if (stopping) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stopping = 1;
}

int
watch_catch_signals(void)
{
	/*
	 * SA_RESTART: a read of /proc under way finishes, and the sample with
	 * it. clock_nanosleep is never restarted: the wait ends with EINTR.
	 */
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };

	if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0)
		return -errno;
	return 0;
}

bool
watch_stopping(void)
{
	return stopping != 0;
}

bool
watch_next(struct watch *w)
{
	struct timespec now, at;
	uint64_t t0 = ns_of(&w->t0), elapsed;
	int r;

	if (stopping || (w->count > 0 && w->n >= w->count))
		return false;
	if (w->n++ == 0)
		return true;
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return false;
	elapsed = ns_of(&now) - t0;
	w->tick++;
	/* Overran: the next point of the grid that is still ahead. */
	if (w->tick * w->interval_ns <= elapsed)
		w->tick = elapsed / w->interval_ns + 1;
	at = ts_of(t0 + w->tick * w->interval_ns);
	/*
	 * A signal between the test above and the sleep is seen one interval
	 * late: clock_nanosleep has no signal mask to unblock atomically.
	 */
	while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at,
	    NULL)) != 0)
		if (r != EINTR || stopping)
			return false;
	return !stopping;
}

double
watch_time(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
watch_run(uint64_t interval_ns, uint64_t count, watch_sample_fn sample,
    void *arg)
{
	struct watch w;
	int r;

	if ((r = watch_init(&w, interval_ns, count)) != 0 ||
	    (r = watch_catch_signals()) != 0)
		return r;
	while (watch_next(&w))
		if (!sample(arg, w.n, watch_time()))
			break;
	return 0;
}
