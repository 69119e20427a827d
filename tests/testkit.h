/*
 * testkit.h - helpers for the integration tests: layout children with known
 * memory, running $PMSTAT, reading its JSON, reading /proc/PID/smaps.
 *
 * A layout child is a fresh exec of the test program itself (argv[1] is
 * TK_LAYOUT_ARG), so that it shares no anonymous page with the test process:
 * a forked child would, and every write the test process makes while it
 * parses JSON would turn one of the child's "shared" pages "exclusive" between
 * pmstat's reading and smaps' reading.
 *
 * No child may outlive its test. Check runs each test in a forked process and
 * leaves it with _exit() when an assertion fails, so neither a checked
 * teardown nor atexit() runs then. Three things cover that: every child gets
 * PR_SET_PDEATHSIG (SIGKILL) from its parent; every child and temporary path
 * is registered in a table shared with the Check runner process, whose
 * unchecked teardown kills and removes what is left; and Check itself kills
 * the test's process group when the test ends.
 */
#ifndef PMSTAT_TESTKIT_H
#define PMSTAT_TESTKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#define TK_LAYOUT_ARG	"--tk-layout"
#define TK_REPORT_FD	3	/* where a layout child writes its report */

#define TK_MAX_ADDR	8
#define TK_MAX_PIDS	4

/* What a layout child tells the test once its memory is in place. */
struct tk_report {
	int32_t		ok;		/* 1: built; 0: failed, msg says why */
	int32_t		skip;		/* 1: cannot be built here, msg says why */
	int32_t		npids;
	int32_t		pids[TK_MAX_PIDS];	/* more processes of the layout */
	uint64_t	addr[TK_MAX_ADDR];	/* start of each built mapping */
	int64_t		val[TK_MAX_ADDR];	/* layout-specific numbers */
	char		msg[256];
};

/* A layout builder, run in the exec'd child; arg may be NULL. Fills rep. */
typedef void	(*tk_build_fn)(const char *arg, struct tk_report *rep);

struct tk_layout {
	const char	*name;
	tk_build_fn	 build;
};

struct tk_child {
	pid_t			pid;
	struct tk_report	rep;
};

/* Set up the table shared with the Check runner; call once in main(). */
void	tk_init(void);

/*
 * Kill every registered process that is still the one registered (its start
 * time is compared, so a reused PID is left alone), reap those that are our
 * children, and unlink every registered path. Safe in any process: the test
 * (checked teardown), the runner (unchecked teardown) and atexit().
 */
void	tk_cleanup(void);

/* Remember a process or a path for tk_cleanup(). */
void	tk_register_pid(pid_t pid);
void	tk_register_path(const char *path);

/*
 * In main(): if argv asks for a layout, build it, report on TK_REPORT_FD and
 * sleep until killed (never returns). Otherwise return.
 */
void	tk_layout_main(int argc, char **argv, const struct tk_layout *table);

/*
 * Helpers for builders: a failed or skipped report with a message. tk_fail
 * returns -1, so that a builder can "return tk_fail(rep, ...);".
 */
int	tk_fail(struct tk_report *rep, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	tk_skip(struct tk_report *rep, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * For builders: fork a process of the layout that dies with its parent.
 * Returns as fork() does.
 */
pid_t	tk_fork_member(void);

/* For builders: sleep forever, touching no memory. */
void	tk_hold(void) __attribute__((noreturn));

/*
 * Reserve npages + 2 guard pages of PROT_NONE and return the address of the
 * first page after the front guard, aligned to align bytes (0: a page). The
 * guards keep the kernel from merging the mapping built there with its
 * neighbours, so it stays one maps line that starts where we say.
 */
void	*tk_reserve(size_t npages, size_t align);

/*
 * Start layout name (with arg, may be NULL) in a fresh child. With uid >= 0
 * the child drops to uid/gid (and no supplementary groups) before the exec.
 * Waits for its report. Returns 0 (c->rep.ok or c->rep.skip set), or -1 with
 * a reason in err.
 */
int	tk_spawn(const char *name, const char *arg, int uid, int gid,
	    struct tk_child *c, char *err, size_t errlen);

/* Kill and reap a layout child and the processes it reported. */
void	tk_kill(struct tk_child *c);

/* The binary under test: $PMSTAT, else src/pmstat. */
const char *tk_pmstat_path(void);

/*
 * Run $PMSTAT with args (NULL-terminated), as uid/gid if uid >= 0. Its stdout
 * is returned in *out (malloc'd, NUL-terminated), stderr goes to ours.
 * Returns its exit status, 128 + signal if killed, or -1 if it could not run.
 */
int	tk_run_pmstat(int uid, int gid, char **out, const char *const *args);

/* As tk_run_pmstat, and parse the output as JSON (fails the test if not). */
json_t	*tk_pmstat_json(int uid, int gid, int *status, const char *const *args);

/*
 * Start $PMSTAT with args (as uid/gid if uid >= 0) and hand its stdout over
 * as *fp, to be read as it comes: for outputs too large to hold. Its stderr
 * goes to ours. Returns its pid, or -1 (*fp NULL).
 */
pid_t	tk_pmstat_open(int uid, int gid, FILE **fp, const char *const *args);

/* Read fp to its end, close it and reap pid: as tk_run_pmstat's status. */
int	tk_pmstat_close(FILE *fp, pid_t pid);

/* As tk_run_pmstat, with pmstat's stderr in *err (malloc'd) as well. */
int	tk_run_pmstat_err(int uid, int gid, char **out, char **err,
	    const char *const *args);

/* Whether path can be executed by uid/gid; reason in why if not. */
bool	tk_can_exec_as(int uid, int gid, const char *path, char *why, size_t len);

/* JSON accessors; each fails the test when the shape is wrong. */
json_t	*tk_json_process(json_t *root, pid_t pid);
json_t	*tk_json_mapping(json_t *proc, uint64_t start);
json_t	*tk_json_page(json_t *proc, uint64_t addr);
uint64_t tk_json_hex(json_t *o, const char *key);
int64_t	 tk_json_int(json_t *o, const char *key);
bool	 tk_json_bool(json_t *o, const char *key);
bool	 tk_json_is_null(json_t *o, const char *key);
double	 tk_json_real(json_t *o, const char *key);

/* One mapping of /proc/PID/smaps; sizes in kB, -1 when the line is absent. */
struct tk_smaps {
	uint64_t	start, end;
	char		perms[8];
	char		path[256];
	long		size, rss, pss;
	long		shared_clean, shared_dirty, private_clean, private_dirty;
	long		anonymous, ksm, anon_huge, file_pmd, shmem_pmd, swap;
	long		shared_hugetlb, private_hugetlb;
	char		vmflags[160];
};

/* Read every mapping of /proc/PID/smaps; returns the count or -1. */
ssize_t	tk_smaps_read(pid_t pid, struct tk_smaps **out);

/* Read the one mapping of pid that starts at start; returns 0 or -1. */
int	tk_smaps_one(pid_t pid, uint64_t start, struct tk_smaps *out);

/* Whether the smaps VmFlags carry flag (two letters, "pf", "io", "hg"...). */
bool	tk_smaps_has_flag(const struct tk_smaps *s, const char *flag);

/*
 * Hold every mapping pmstat reported for pid (proc: its JSON entry) against
 * smaps, by the relations of semantics.md section 3; fail the test listing
 * every mismatch. privileged: the run could read the kpage files.
 */
void	tk_check_relations(pid_t pid, json_t *proc, bool privileged,
	    const char *what);

/*
 * Whether the map counts of this mapping's pages (exclusive, shared, pss)
 * can only be changed by the processes of the layout. Anonymous pages are
 * shared at most with a fork relative, which is quiescent too; pages of a
 * file only this test maps (its /tmp/pmstat-itest.* files, the shmem behind
 * MAP_SHARED|MAP_ANONYMOUS, "/dev/zero (deleted)") likewise. A page of a
 * library, a locale file or the vdso is mapped by every process that uses
 * it: pmstat itself maps libc, ld.so, libjansson and libbsd while it reads,
 * and `make check` runs other programs beside us, so its map count can
 * differ between pmstat's reading and a later reading of smaps (or a second
 * pmstat run). Such mappings are not compared on those three counters.
 */
bool	tk_json_mapping_stable(json_t *m);

#endif
