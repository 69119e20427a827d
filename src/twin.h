/* twin.h - a second thread, for the other half of a large read */
#ifndef PMSTAT_TWIN_H
#define PMSTAT_TWIN_H

#include <stdbool.h>

/*
 * Reading pagemap and the kpage files is CPU work inside the kernel (~30 ns
 * a page for pagemap, ~100 ns a word for kpage on 6.18), and it divides: two
 * preads on one descriptor at different offsets run side by side. The twin
 * takes one half while the caller reads the other.
 */
struct twin;

/* Start the thread; NULL if it cannot be (callers then read alone). */
struct twin	*twin_start(void);

/* Whether t exists and has nothing posted (for its owner thread to ask). */
bool	twin_free(const struct twin *t);

/* Run fn(arg) on the twin, which must be free. */
void	twin_post(struct twin *t, int (*fn)(void *), void *arg);

/* Wait for the posted call and return what fn returned. */
int	twin_wait(struct twin *t);

/* Stop and free the thread (NULL is allowed). */
void	twin_stop(struct twin *t);

#endif
