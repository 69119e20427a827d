/*
 * itest.h - what the integration programs (check_cow, check_scan, ...)
 * share: the sizes of the common layouts, running $PMSTAT on a layout
 * child, and the expectations more than one program holds it to.
 *
 * Every program starts in itest_main(), which re-execs the program itself
 * for a layout child (tk_layout_main), probes the kernel once (kprobe.h) and
 * runs the program's suite through check_run() (TAP, skips included).
 * Expectations of counters pmstat may not know in a configuration go
 * through EXPECT_K, which asks kp_known().
 */
#ifndef PMSTAT_ITEST_H
#define PMSTAT_ITEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <check.h>
#include <jansson.h>

#include "checkrun.h"
#include "kprobe.h"
#include "testkit.h"

#define SEED_PAGES	4
#define FORK_N		64	/* pages written before fork() */
#define FORK_K		16	/* of which the child writes the first K */
#define ZERO_N		32
#define SHM_N		16
#define THP_BYTES	(4UL << 20)
#define THP_ALIGN	(2UL << 20)

#define NOBODY_UID	65534
#define NOBODY_GID	65534

/* Slots of tk_report.addr (and .val) for the composite layout "all". */
enum { AT_SEED, AT_ZERO, AT_SHM, AT_FORK, AT_THP };

/* Bits of pmstat's flags word (src/pageflags.h, src/kpf.h). */
#define W_ANON		(UINT64_C(1) << 12)
#define W_ZERO_PAGE	(UINT64_C(1) << 24)
#define W_IDLE		(UINT64_C(1) << 25)
/* Bits the kernel's page aging flips on its own (src/view.c RUN_VOLATILE). */
#define W_AGING		((UINT64_C(1) << 2) | (UINT64_C(1) << 6) | W_IDLE)
#define W_SOFTDIRTY	(UINT64_C(1) << 40)
#define W_FILE		(UINT64_C(1) << 61)
#define W_SWAP		(UINT64_C(1) << 62)
#define W_EXCLUSIVE	(UINT64_C(1) << 63)
/* Bits 0-56 of the word are kpageflags' own; 57-63 pmstat's from pagemap. */
#define W_KPAGEFLAGS	((UINT64_C(1) << 57) - 1)

#define PM_PRESENT	(UINT64_C(1) << 63)
#define PM_SWAPPED	(UINT64_C(1) << 62)
#define PM_FILE		(UINT64_C(1) << 61)
#define PM_GUARD	(UINT64_C(1) << 58)
#define PM_EXCLUSIVE	(UINT64_C(1) << 56)
#define PM_SOFTDIRTY	(UINT64_C(1) << 55)
#define PM_PFN		((UINT64_C(1) << 55) - 1)

extern size_t	ps;	/* page size */
extern long	pk;	/* page size in kB */

#define EXPECT(m, key, want) do {					\
	int64_t got_ = tk_json_int((m), (key));				\
	ck_assert_msg(got_ == (int64_t)(want),				\
	    "%s: %s = %" PRId64 ", expected %" PRId64, __func__, (key),	\
	    got_, (int64_t)(want));					\
} while (0)

#define EXPECT_NULL(m, key)						\
	ck_assert_msg(tk_json_is_null((m), (key)), "%s: %s is not null",\
	    __func__, (key))

/* want where pmstat run as how (KP_*) can know key, else null (unknown). */
#define EXPECT_K(m, key, want, how) do {				\
	if (kp_known((key), (how)))					\
		EXPECT((m), (key), (want));				\
	else								\
		EXPECT_NULL((m), (key));				\
} while (0)

/* A NULL-terminated list of options, for pmstat_view(). */
#define OPTS(...)	((const char *const[]){ __VA_ARGS__, NULL })

/*
 * The main() of an integration program: a layout child if argv says so
 * (layouts must hold every layout the program spawns), else probe the
 * kernel, run the suite and return the exit status.
 */
int	itest_main(int argc, char **argv, const struct tk_layout *layouts,
	    Suite *(*suite)(void));

/*
 * A TCase (check_tcase) whose every test leaves no child or file behind,
 * with setup/teardown (may be NULL) as the unchecked fixture: they run in
 * the runner, however the test ends.
 */
TCase	*itest_tcase(Suite *s, const char *name, void (*setup)(void),
	    void (*teardown)(void));

/*
 * Take an exclusive flock on path (a system-wide file: /proc/swaps, a sysfs
 * knob) for as long as *fd is open; serializes a system-state fixture with
 * every other program and tree that uses it. -1 (errno) on failure.
 */
int	itest_lock(const char *path, int *fd);
void	itest_unlock(int *fd);

bool	am_root(void);
/* Whether root can run things as nobody; why not in why. */
bool	nobody_ok(char *why, size_t len);
/* As nobody_ok, marking the test skipped ("test: why") if not. */
bool	can_be_nobody(const char *test);

/* Start a layout or fail the test; false (test skipped) if it cannot be built. */
bool	spawn(const char *name, const char *arg, int uid, struct tk_child *c);
/* A SEED_PAGES-page file of known content, readable by anyone; path in path. */
void	make_seed_file(char *path, size_t len);

char	*hexarg(char *buf, size_t len, uint64_t a);
char	*rangearg(char *buf, size_t len, uint64_t start, uint64_t end);
char	*pidarg(char *buf, size_t len, pid_t pid);
void	 describe(char *buf, size_t len, const char *const *args);

/* pmstat --json [opt] a [b] as root (uid -1) or uid; must exit 0. */
json_t	*pmstat_json(int uid, const char *opt, pid_t a, pid_t b);
/* pmstat --json opt --range over npages at addr; must exit 0. */
json_t	*pmstat_json_range(int uid, const char *opt, pid_t pid, uint64_t addr,
	    size_t npages);
/* pmstat --pages --json --range over npages at addr; must exit 0. */
json_t	*pmstat_pages(int uid, pid_t pid, uint64_t addr, size_t npages);
/* pmstat OPTS --json --range START[-END] PID (end 0: one page); exit 0. */
json_t	*pmstat_view(int uid, const char *const *opts, pid_t pid,
	    uint64_t start, uint64_t end);

/* The mapping of pid at addr (and its smaps in s, if not NULL). */
json_t	*mapping_of(json_t *root, pid_t pid, uint64_t addr, struct tk_smaps *s);
/* The mapping of proc that starts at start, or NULL (no assertion). */
json_t	*mapping_at(json_t *proc, uint64_t start);
/* pid's array key ("pages", "runs", "summary", "mappings"), checked. */
json_t	*items(json_t *root, pid_t pid, const char *key);
/* A boolean of pg that must be known (not null). */
bool	 known_bool(json_t *pg, const char *key, const char *what, long i);
/*
 * A boolean key of page pg (zero, cow_copied, soft_dirty...): want where
 * pmstat run as how can know it for one page (kp_page_known(); a page not
 * present is known to be neither the zero page nor a copy, a file page no
 * copy), else null.
 */
void	 expect_page_bool(json_t *pg, const char *key, bool want, unsigned how,
	    const char *what, long i);
/* Whether flag is in the page's kpageflags list. */
bool	 flag_in(json_t *page, const char *flag);

/* Every process of the layout against smaps, and against --full-join. */
void	relations(json_t *root, const struct tk_child *c, const char *what);

/* What pagemap and PAGEMAP_SCAN give without privilege. */
extern const char *const scan_counters[];
/* Both runs agree on pid's mappings; lesser (run as how) null where unknown. */
void	compare_runs(json_t *full, json_t *lesser, pid_t pid, unsigned how,
	    const char *what);

/* Expected counts of the common layouts' mappings, pmstat run as how. */
void	expect_seed_mapping(json_t *m, unsigned how);
void	expect_seed_pages(json_t *root, pid_t pid, uint64_t addr, unsigned how);
void	expect_fork_mapping(json_t *m, unsigned how);
void	expect_zero_mapping(json_t *m, unsigned how);

/* The test's own reading of /proc/PID/pagemap (as root: with PFNs). */
int	 open_pagemap(pid_t pid);
uint64_t pagemap_word(int fd, uint64_t addr);

long	read_long_file(const char *path);
int	write_long_file(const char *path, long v);
long	ms_since(const struct timespec *t0);

#endif
