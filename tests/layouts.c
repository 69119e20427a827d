/* layouts.c - the layout builders more than one integration program uses */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "itest.h"
#include "layouts.h"

/*
 * The seed note's scenario at p (reserved room, mapped over): a 4-page file
 * mapped MAP_PRIVATE read-write; pages 0 and 2 written (copied on write),
 * page 3 read, page 1 untouched. val[slot] is the byte read from page 3,
 * which proves the read came from the file's page cache.
 */
int
seed_at(const char *path, char *p, struct tk_report *rep, int slot)
{
	volatile const char *v;
	char *m;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return tk_fail(rep, "open %s: %s", path, strerror(errno));
	m = mmap(p, SEED_PAGES * ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_FIXED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return tk_fail(rep, "mmap %s: %s", path, strerror(errno));
	strcpy(m, "I feel so dirty\n");
	strcpy(m + 2 * ps, "Christ on crutches\n");
	v = m;
	rep->val[slot] = v[3 * ps];
	rep->addr[slot] = (uintptr_t)m;
	return 0;
}

static int
build_seed_at(const char *path, struct tk_report *rep, int slot)
{
	char *p = tk_reserve(SEED_PAGES, 0);

	if (path == NULL || p == NULL)
		return tk_fail(rep, "seed: no file or no room");
	return seed_at(path, p, rep, slot);
}

/* N private anonymous pages written, then fork(); the child writes K. */
static int
build_fork_at(struct tk_report *rep, int slot)
{
	char *m = tk_reserve(FORK_N, 0), c;
	int pp[2];
	pid_t pid;

	if (m == NULL || mprotect(m, FORK_N * ps, PROT_READ | PROT_WRITE) != 0)
		return tk_fail(rep, "fork layout: %s", strerror(errno));
	for (size_t i = 0; i < FORK_N; i++)
		memset(m + i * ps, 'A', 64);
	if (pipe(pp) != 0)
		return tk_fail(rep, "pipe: %s", strerror(errno));
	if ((pid = tk_fork_member()) < 0)
		return tk_fail(rep, "fork: %s", strerror(errno));
	if (pid == 0) {
		for (size_t i = 0; i < FORK_K; i++)
			m[i * ps] = 'B';
		if (write(pp[1], "r", 1) != 1)
			_exit(1);
		tk_hold();
	}
	close(pp[1]);
	if (read(pp[0], &c, 1) != 1)
		return tk_fail(rep, "the fork child died");
	close(pp[0]);
	rep->pids[rep->npids++] = pid;
	rep->addr[slot] = (uintptr_t)m;
	return 0;
}

/*
 * Private anonymous pages only read: each maps the shared zero page, or,
 * where the kernel has none for read faults, an exclusive page of its own.
 */
static int
build_zero_at(struct tk_report *rep, int slot)
{
	volatile const char *m = tk_reserve(ZERO_N, 0);
	int64_t sum = 0;

	if (m == NULL || mprotect((void *)(uintptr_t)m, ZERO_N * ps,
	    PROT_READ | PROT_WRITE) != 0)
		return tk_fail(rep, "zero layout: %s", strerror(errno));
	for (size_t i = 0; i < ZERO_N; i++)
		sum += m[i * ps];
	rep->val[slot] = sum;
	rep->addr[slot] = (uintptr_t)m;
	return 0;
}

/* MAP_SHARED|MAP_ANONYMOUS (shmem) pages, all written. */
static int
build_shm_at(struct tk_report *rep, int slot)
{
	char *p = tk_reserve(SHM_N, 0), *m;

	if (p == NULL)
		return tk_fail(rep, "shm layout: %s", strerror(errno));
	m = mmap(p, SHM_N * ps, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (m == MAP_FAILED)
		return tk_fail(rep, "mmap shared: %s", strerror(errno));
	for (size_t i = 0; i < SHM_N; i++)
		memset(m + i * ps, 'S', 64);
	rep->addr[slot] = (uintptr_t)m;
	return 0;
}

/* 4 MiB aligned to 2 MiB, MADV_HUGEPAGE, written. */
int
build_thp_at(struct tk_report *rep, int slot)
{
	char *m = tk_reserve(THP_BYTES / ps, THP_ALIGN);

	if (m == NULL || mprotect(m, THP_BYTES, PROT_READ | PROT_WRITE) != 0)
		return tk_fail(rep, "thp layout: %s", strerror(errno));
	if (madvise(m, THP_BYTES, MADV_HUGEPAGE) != 0)
		return tk_fail(rep, "MADV_HUGEPAGE: %s", strerror(errno));
	for (size_t off = 0; off < THP_BYTES; off += ps)
		m[off] = 'T';
	rep->addr[slot] = (uintptr_t)m;
	return 0;
}

void
layout_seed(const char *arg, struct tk_report *rep)
{
	if (build_seed_at(arg, rep, 0) == 0)
		rep->ok = 1;
}

void
layout_fork(const char *arg, struct tk_report *rep)
{
	(void)arg;
	if (build_fork_at(rep, 0) == 0)
		rep->ok = 1;
}

void
layout_zero(const char *arg, struct tk_report *rep)
{
	(void)arg;
	if (build_zero_at(rep, 0) == 0)
		rep->ok = 1;
}

void
layout_shm(const char *arg, struct tk_report *rep)
{
	(void)arg;
	if (build_shm_at(rep, 0) == 0)
		rep->ok = 1;
}

void
layout_thp(const char *arg, struct tk_report *rep)
{
	(void)arg;
	if (build_thp_at(rep, 0) == 0)
		rep->ok = 1;
}

/*
 * Every scenario in one process. The fork comes first, so that the other
 * mappings exist only in the parent and keep their counts.
 */
void
layout_all(const char *arg, struct tk_report *rep)
{
	if (build_fork_at(rep, AT_FORK) == 0 &&
	    build_seed_at(arg, rep, AT_SEED) == 0 &&
	    build_zero_at(rep, AT_ZERO) == 0 &&
	    build_shm_at(rep, AT_SHM) == 0 &&
	    build_thp_at(rep, AT_THP) == 0)
		rep->ok = 1;
}

/*
 * Fresh pages wait in a per-CPU batch before they reach the LRU (and get
 * PG_lru); another process's faults on that CPU drain it at any time, which
 * would change kpageflags between two readings. Stay on one CPU while
 * faulting, then drain it: MADV_COLD starts with lru_add_drain(), and is
 * given a page of its own so that ours keep their flags.
 */
int
pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int
drain_lru(void)
{
	char *d = mmap(NULL, ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (d == MAP_FAILED)
		return -1;
	d[0] = 'D';
	return madvise(d, ps, MADV_COLD);
}

/* See layouts.h. */
void
layout_mix(const char *arg, struct tk_report *rep)
{
	char *p = tk_reserve(MIX_ANON + SEED_PAGES + MIX_HOLE + MIX_RO +
	    MIX_TAIL, 0);
	char *file, *hole, *ro, *tail;
	volatile char *v;
	int64_t sum = 0;

	pin_cpu();
	if (arg == NULL || p == NULL) {
		tk_fail(rep, "mix: no file or no room");
		return;
	}
	file = p + MIX_ANON * ps;
	hole = file + SEED_PAGES * ps;
	ro = hole + MIX_HOLE * ps;
	tail = ro + MIX_RO * ps;
	if (mprotect(p, MIX_ANON * ps, PROT_READ | PROT_WRITE) != 0 ||
	    madvise(p, MIX_ANON * ps, MADV_NOHUGEPAGE) != 0 ||
	    munmap(hole, MIX_HOLE * ps) != 0 ||
	    mprotect(ro, MIX_RO * ps, PROT_READ) != 0 ||
	    mprotect(tail, MIX_TAIL * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "mix layout: %s", strerror(errno));
		return;
	}
	if (seed_at(arg, file, rep, MIX_AT_FILE) != 0)
		return;
	v = p;
	for (size_t i = 0; i < MIX_W; i++)
		v[i * ps] = 'M';
	for (size_t i = MIX_W; i < MIX_W + MIX_Z; i++)
		sum += v[i * ps];
	memset(tail + MIX_TAIL_NONE * ps, 'T', (MIX_TAIL - MIX_TAIL_NONE) * ps);
	if (drain_lru() != 0) {
		tk_fail(rep, "mix layout: drain: %s", strerror(errno));
		return;
	}
	rep->addr[MIX_AT_ANON] = (uintptr_t)p;
	rep->addr[MIX_AT_HOLE] = (uintptr_t)hole;
	rep->addr[MIX_AT_RO] = (uintptr_t)ro;
	rep->addr[MIX_AT_TAIL] = (uintptr_t)tail;
	rep->val[MIX_AT_ANON] = sum;
	rep->ok = 1;
}

