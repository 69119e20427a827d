/*
 * check_integration.c - pmstat against real processes with known layouts.
 *
 * Each test starts a layout child (a fresh exec of this program, see
 * testkit.h) that builds mappings whose pages are in a known state, reports
 * their addresses and sleeps. The test runs $PMSTAT on it, asserts the exact
 * counts semantics.md section 3 defines, and holds every mapping of the child
 * against /proc/PID/smaps.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "testkit.h"
#include "checkrun.h"

#define SEED_PAGES	4
#define FORK_N		64	/* pages written before fork() */
#define FORK_K		16	/* of which the child writes the first K */
#define ZERO_N		32
#define SHM_N		16
#define THP_BYTES	(4UL << 20)
#define THP_ALIGN	(2UL << 20)
#define SWAP_N		64
#define SWAP_OUT	16	/* pages [SWAP_OUT, 2 * SWAP_OUT) are paged out */

/*
 * The stripes layout: STRIPE_HEAD pages alternating zero page / written
 * page, and 16 more the same way around page STRIPE_EDGE (where pmstat's
 * 32 Ki-page batches meet), in one mapping of STRIPE_PAGES pages.
 */
#define STRIPE_PAGES	40000
#define STRIPE_HEAD	4096
#define STRIPE_EDGE	32768
#define STRIPE_ZERO	(STRIPE_HEAD / 2 + 8)

#define SWAPFILE	"/tmp/pmstat-itest.swap"
#define SWAP_BYTES	(64L << 20)

#define NOBODY_UID	65534
#define NOBODY_GID	65534

/* Slots of tk_report.addr (and .val) for the composite layout. */
enum { AT_SEED, AT_ZERO, AT_SHM, AT_FORK, AT_THP };

static size_t ps;	/* page size */
static long pk;		/* page size in kB */

/* ==== layout builders: run in the layout child ========================== */

/*
 * The seed note's scenario at p (reserved room, mapped over): a 4-page file
 * mapped MAP_PRIVATE read-write; pages 0 and 2 written (copied on write),
 * page 3 read, page 1 untouched. val[slot] is the byte read from page 3,
 * which proves the read came from the file's page cache.
 */
static int
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

/* Private anonymous pages only read: each maps the shared zero page. */
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
static int
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

/*
 * Every other page the zero page: thousands of separate PFNZERO regions, so
 * PAGEMAP_SCAN fills its vector and must be resumed many times.
 */
static void
layout_stripes(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(STRIPE_PAGES, 0);
	volatile char *v;
	int64_t sum = 0;

	(void)arg;
	if (m == NULL || mprotect(m, STRIPE_PAGES * ps,
	    PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "stripes layout: %s", strerror(errno));
		return;
	}
	v = m;
	for (size_t i = 0; i < STRIPE_PAGES; i++) {
		if (i >= STRIPE_HEAD && (i < STRIPE_EDGE - 8 || i >= STRIPE_EDGE + 8))
			continue;
		if (i % 2 == 0)
			sum += v[i * ps];
		else
			v[i * ps] = 'W';
	}
	rep->val[0] = sum;
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/*
 * A 1 GiB reservation, far larger than one pagemap batch, so pmstat asks
 * PAGEMAP_SCAN where its pages are: a THP-eligible first 4 MiB written, then
 * every SPARSE_STEP-th page read (zero page) or written, alternately.
 */
#define SPARSE_PAGES	(262144)
#define SPARSE_STEP	61
#define SPARSE_FROM	(THP_BYTES / 4096)

static void
layout_sparse(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(SPARSE_PAGES, THP_ALIGN);
	volatile char *v;
	int64_t sum = 0, touched = 0;

	(void)arg;
	if (m == NULL || mprotect(m, SPARSE_PAGES * ps, PROT_READ | PROT_WRITE) != 0 ||
	    madvise(m, THP_BYTES, MADV_HUGEPAGE) != 0) {
		tk_fail(rep, "sparse layout: %s", strerror(errno));
		return;
	}
	v = m;
	for (size_t off = 0; off < THP_BYTES; off += ps)
		v[off] = 'T';
	for (size_t i = SPARSE_FROM; i < SPARSE_PAGES; i += SPARSE_STEP, touched++) {
		if (touched % 2 == 0)
			sum += v[i * ps];
		else
			v[i * ps] = 'W';
	}
	/* MADV_HUGEPAGE split the VMA: the THP part and the sparse part. */
	rep->addr[0] = (uintptr_t)m;
	rep->addr[1] = (uintptr_t)m + THP_BYTES;
	rep->val[0] = sum;
	rep->val[1] = touched;
	rep->ok = 1;
}

/*
 * A THP region written, then fork(); the child writes one page of the
 * first huge page, which splits its PMD there (the parent keeps its own).
 */
static void
layout_thp_fork(const char *arg, struct tk_report *rep)
{
	char *m, c;
	int pp[2];
	pid_t pid;

	(void)arg;
	if (build_thp_at(rep, 0) != 0)
		return;
	m = (char *)(uintptr_t)rep->addr[0];
	if (pipe(pp) != 0 || (pid = tk_fork_member()) < 0) {
		tk_fail(rep, "pipe/fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		m[5 * ps] = 'C';
		if (write(pp[1], "r", 1) != 1)
			_exit(1);
		tk_hold();
	}
	close(pp[1]);
	if (read(pp[0], &c, 1) != 1) {
		tk_fail(rep, "the fork child died");
		return;
	}
	close(pp[0]);
	rep->pids[rep->npids++] = pid;
	rep->ok = 1;
}

/* The THP region only read: the huge zero page where the kernel uses it. */
static void
layout_thp_zero(const char *arg, struct tk_report *rep)
{
	volatile const char *m = tk_reserve(THP_BYTES / ps, THP_ALIGN);
	int64_t sum = 0;

	(void)arg;
	if (m == NULL || mprotect((void *)(uintptr_t)m, THP_BYTES,
	    PROT_READ | PROT_WRITE) != 0 ||
	    madvise((void *)(uintptr_t)m, THP_BYTES, MADV_HUGEPAGE) != 0) {
		tk_fail(rep, "thp_zero layout: %s", strerror(errno));
		return;
	}
	for (size_t off = 0; off < THP_BYTES; off += ps)
		sum += m[off];
	rep->val[0] = sum;
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/*
 * hugetlb pages, which are not transparent huge pages: one MAP_HUGETLB
 * private anonymous huge page and one of a MFD_HUGETLB memfd, shared. arg is
 * the huge page size in bytes.
 */
static void
layout_hugetlb(const char *arg, struct tk_report *rep)
{
	size_t hs = arg ? strtoul(arg, NULL, 10) : 0;
	char *a, *f;
	int fd;

	if (hs == 0) {
		tk_fail(rep, "hugetlb: no huge page size");
		return;
	}
	a = mmap(NULL, hs, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (a == MAP_FAILED) {
		tk_skip(rep, "MAP_HUGETLB: %s", strerror(errno));
		return;
	}
	memset(a, 'H', hs);
	if ((fd = memfd_create("pmstat-itest-hugetlb", MFD_HUGETLB)) < 0 ||
	    ftruncate(fd, (off_t)hs) != 0) {
		tk_skip(rep, "memfd MFD_HUGETLB: %s", strerror(errno));
		return;
	}
	f = mmap(NULL, hs, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (f == MAP_FAILED) {
		tk_skip(rep, "mmap hugetlb memfd: %s", strerror(errno));
		return;
	}
	memset(f, 'F', hs);
	rep->addr[0] = (uintptr_t)a;
	rep->addr[1] = (uintptr_t)f;
	rep->ok = 1;
}

static void
layout_seed(const char *arg, struct tk_report *rep)
{
	if (build_seed_at(arg, rep, 0) == 0)
		rep->ok = 1;
}

static void
layout_fork(const char *arg, struct tk_report *rep)
{
	(void)arg;
	if (build_fork_at(rep, 0) == 0)
		rep->ok = 1;
}

static void
layout_zero(const char *arg, struct tk_report *rep)
{
	(void)arg;
	if (build_zero_at(rep, 0) == 0)
		rep->ok = 1;
}

static void
layout_shm(const char *arg, struct tk_report *rep)
{
	(void)arg;
	if (build_shm_at(rep, 0) == 0)
		rep->ok = 1;
}

static void
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
static void
layout_all(const char *arg, struct tk_report *rep)
{
	if (build_fork_at(rep, AT_FORK) == 0 &&
	    build_seed_at(arg, rep, AT_SEED) == 0 &&
	    build_zero_at(rep, AT_ZERO) == 0 &&
	    build_shm_at(rep, AT_SHM) == 0 &&
	    build_thp_at(rep, AT_THP) == 0)
		rep->ok = 1;
}

/* How many of n pages at m our own pagemap shows swapped; -1 on error. */
static int
count_swapped(const char *m, size_t n)
{
	uint64_t w[SWAP_N];
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), got = 0;
	ssize_t r;

	if (fd < 0 || n > SWAP_N)
		return -1;
	r = pread(fd, w, n * sizeof(w[0]),
	    (off_t)((uintptr_t)m / ps * sizeof(w[0])));
	close(fd);
	if (r != (ssize_t)(n * sizeof(w[0])))
		return -1;
	for (size_t i = 0; i < n; i++)
		got += (w[i] >> 62) & 1;
	return got;
}

/* SWAP_N pages written, SWAP_OUT of them pushed out with MADV_PAGEOUT. */
/* MADV_PAGEOUT the SWAP_OUT pages at p until all are in swap; 0 or -1. */
static int
page_out(char *p, struct tk_report *rep)
{
	int got = 0;

	for (int tries = 0; tries < 50; tries++) {
		if (madvise(p, SWAP_OUT * ps, MADV_PAGEOUT) != 0) {
			if (errno == EINVAL)
				tk_skip(rep, "MADV_PAGEOUT not supported");
			else
				tk_fail(rep, "MADV_PAGEOUT: %s", strerror(errno));
			return -1;
		}
		if ((got = count_swapped(p, SWAP_OUT)) == SWAP_OUT)
			return 0;
		usleep(20000);
	}
	tk_fail(rep, "MADV_PAGEOUT: %d of %d pages reached swap", got, SWAP_OUT);
	return -1;
}

static void
layout_swap(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(SWAP_N, 0), *out;
	cpu_set_t set;
	int cpu = sched_getcpu(), got = 0;

	(void)arg;
	/*
	 * Fresh pages wait in a per-CPU batch before they reach the LRU, where
	 * MADV_PAGEOUT finds them; staying on one CPU lets its drain see them.
	 */
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (m == NULL || mprotect(m, SWAP_N * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "swap layout: %s", strerror(errno));
		return;
	}
	/* Not zero-filled: the kernel would not write those to swap at all. */
	for (size_t i = 0; i < SWAP_N; i++)
		for (size_t j = 0; j < ps; j += 8)
			m[i * ps + j] = (char)(1 + (i * 31 + j) % 251);
	out = m + SWAP_OUT * ps;
	if (page_out(out, rep) != 0)
		return;
	rep->addr[0] = (uintptr_t)m;
	/*
	 * A second mapping, paged out and then partly read back: those pages
	 * are clean swap cache, which the dirty counter must leave out, and
	 * which only kpageflags tells.
	 */
	m = tk_reserve(SWAP_OUT, 0);
	if (m == NULL || mprotect(m, SWAP_OUT * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "swap layout: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < SWAP_OUT; i++)
		for (size_t j = 0; j < ps; j += 8)
			m[i * ps + j] = (char)(3 + (i * 17 + j) % 241);
	if (page_out(m, rep) != 0)
		return;
	for (size_t i = 0; i < SWAP_OUT / 4; i++)
		got += *(volatile char *)(m + i * ps);
	rep->addr[1] = (uintptr_t)m;
	rep->val[0] = got;
	rep->ok = 1;
}

static void	layout_guard(const char *arg, struct tk_report *rep);
static void	layout_blocks(const char *arg, struct tk_report *rep);
static void	layout_mix(const char *arg, struct tk_report *rep);
static void	layout_ksm(const char *arg, struct tk_report *rep);

static const struct tk_layout layouts[] = {
	{ "seed", layout_seed },
	{ "fork", layout_fork },
	{ "zero", layout_zero },
	{ "shm", layout_shm },
	{ "thp", layout_thp },
	{ "swap", layout_swap },
	{ "stripes", layout_stripes },
	{ "sparse", layout_sparse },
	{ "guard", layout_guard },
	{ "thp_fork", layout_thp_fork },
	{ "thp_zero", layout_thp_zero },
	{ "hugetlb", layout_hugetlb },
	{ "all", layout_all },
	{ "blocks", layout_blocks },
	{ "mix", layout_mix },
	{ "ksm", layout_ksm },
	{ NULL, NULL },
};

/* ==== helpers of the tests ============================================== */

static bool
am_root(void)
{
	return geteuid() == 0;
}

/* Start a layout or fail the test (a layout that cannot be built skips). */
static bool
spawn(const char *name, const char *arg, int uid, struct tk_child *c)
{
	char err[256];

	ck_assert_msg(tk_spawn(name, arg, uid, uid >= 0 ? NOBODY_GID : -1, c,
	    err, sizeof(err)) == 0, "%s", err);
	if (c->rep.skip) {
		tk_log_skip(name, "%s", c->rep.msg);
		return false;
	}
	ck_assert_msg(c->rep.ok, "layout %s: %s", name, c->rep.msg);
	return true;
}

/* A 4-page file of known content, readable by anyone; its path in path. */
static void
make_seed_file(char *path, size_t len)
{
	char page[65536];
	int fd;

	ck_assert(ps <= sizeof(page));
	strlcpy(path, "/tmp/pmstat-itest.XXXXXX", len);
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	tk_register_path(path);
	for (int i = 0; i < SEED_PAGES; i++) {
		memset(page, 'a' + i, ps);
		ck_assert_msg(write(fd, page, ps) == (ssize_t)ps, "write %s: %s",
		    path, strerror(errno));
	}
	/* Written back, so its page-cache pages are clean: dirty counts only copies. */
	ck_assert_msg(fdatasync(fd) == 0, "fdatasync: %s", strerror(errno));
	ck_assert(fchmod(fd, 0644) == 0);
	close(fd);
}

static char *
hexarg(char *buf, size_t len, uint64_t a)
{
	snprintf(buf, len, "0x%" PRIx64, a);
	return buf;
}

static char *
rangearg(char *buf, size_t len, uint64_t start, uint64_t end)
{
	snprintf(buf, len, "0x%" PRIx64 "-0x%" PRIx64, start, end);
	return buf;
}

static char *
pidarg(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "%d", (int)pid);
	return buf;
}

/* pmstat --json PID... as root (uid -1) or uid; fails on a bad exit status. */
static json_t *
pmstat_json(int uid, const char *opt, pid_t a, pid_t b)
{
	char pa[16], pb[16];
	const char *args[6];
	int n = 0, status;
	json_t *root;

	args[n++] = "--json";
	if (opt != NULL)
		args[n++] = opt;
	args[n++] = pidarg(pa, sizeof(pa), a);
	if (b > 0)
		args[n++] = pidarg(pb, sizeof(pb), b);
	args[n] = NULL;
	root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status, args);
	ck_assert_msg(status == 0, "pmstat --json%s%s exited %d",
	    opt ? " " : "", opt ? opt : "", status);
	if (uid < 0 && opt == NULL && am_root())
		ck_assert_msg(json_is_true(json_object_get(root, "privileged")),
		    "pmstat as root is not privileged");
	return root;
}

/*
 * pmstat --json OPT --range over npages at addr, as root or uid. Runs that
 * read every page (--no-scan) need the range: under ASan a child reserves
 * terabytes of shadow memory.
 */
static json_t *
pmstat_json_range(int uid, const char *opt, pid_t pid, uint64_t addr,
    size_t npages)
{
	char r[64], p[16];
	const char *args[] = { "--json", opt, "--range",
	    rangearg(r, sizeof(r), addr, addr + npages * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	int status;
	json_t *root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status,
	    args);

	ck_assert_msg(status == 0, "pmstat --json %s --range exited %d", opt,
	    status);
	return root;
}

/* pmstat --pages --range over npages at addr, as root or uid. */
static json_t *
pmstat_pages(int uid, pid_t pid, uint64_t addr, size_t npages)
{
	char r[64], p[16];
	const char *args[] = { "--pages", "--json", "--range",
	    rangearg(r, sizeof(r), addr, addr + npages * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	json_t *root;
	int status;

	root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status, args);
	ck_assert_msg(status == 0, "pmstat --pages exited %d", status);
	return root;
}

#define EXPECT(m, key, want) do {					\
	int64_t got_ = tk_json_int((m), (key));				\
	ck_assert_msg(got_ == (int64_t)(want),				\
	    "%s: %s = %" PRId64 ", expected %" PRId64, __func__, (key),	\
	    got_, (int64_t)(want));					\
} while (0)

#define EXPECT_NULL(m, key)						\
	ck_assert_msg(tk_json_is_null((m), (key)), "%s: %s is not null",\
	    __func__, (key))

/* The mapping of pid that starts at addr, and its smaps. */
static json_t *
mapping_of(json_t *root, pid_t pid, uint64_t addr, struct tk_smaps *s)
{
	json_t *proc = tk_json_process(root, pid);

	ck_assert_msg(json_is_null(json_object_get(proc, "error")),
	    "pmstat reported an error for %d", (int)pid);
	if (s != NULL)
		ck_assert_msg(tk_smaps_one(pid, addr, s) == 0,
		    "no smaps mapping at 0x%" PRIx64, addr);
	return tk_json_mapping(proc, addr);
}

/* Hold every process of a layout against smaps (scenario 7). */
/*
 * The need-driven kpage join must give exactly what --full-join gives, on
 * every mapping the layout built (shared libraries' map counts move with the
 * processes around, so they are left out).
 */
/* The mapping of proc that starts at start, or NULL (no assertion). */
static json_t *
mapping_at(json_t *proc, uint64_t start)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(proc, "mappings"), i, m) {
		const char *s = json_string_value(json_object_get(m, "start"));

		if (s != NULL && strtoull(s, NULL, 16) == start)
			return m;
	}
	return NULL;
}

static void
same_as_full_join(json_t *root, pid_t pid, const struct tk_child *c,
    const char *what)
{
	static const char *const counters[] = {
		"pages", "present", "swapped", "file", "anon", "zero", "exclusive",
		"shared", "dirty", "cow_copied", "cow_shared", "thp", "ksm",
		"soft_dirty", "pss",
	};
	char p[16];
	const char *args[] = { "--json", "--full-join", pidarg(p, sizeof(p), pid),
	    NULL };
	json_t *full, *proc, *fproc;
	int status;

	if (!json_is_true(json_object_get(root, "privileged")))
		return;
	full = tk_pmstat_json(-1, -1, &status, args);
	ck_assert_msg(status == 0, "%s: --full-join exited %d", what, status);
	proc = tk_json_process(root, pid);
	fproc = tk_json_process(full, pid);
	for (int k = 0; k < TK_MAX_ADDR; k++) {
		json_t *m, *f;

		if (c->rep.addr[k] == 0 ||
		    (m = mapping_at(proc, c->rep.addr[k])) == NULL ||
		    (f = mapping_at(fproc, c->rep.addr[k])) == NULL)
			continue;
		for (size_t i = 0; i < sizeof(counters) / sizeof(*counters); i++)
			ck_assert_msg(json_equal(json_object_get(m, counters[i]),
			    json_object_get(f, counters[i])),
			    "%s: pid %d mapping 0x%" PRIx64 ": %s differs from "
			    "--full-join", what, (int)pid, c->rep.addr[k], counters[i]);
	}
	json_decref(full);
}

static void
relations(json_t *root, const struct tk_child *c, const char *what)
{
	bool priv = json_is_true(json_object_get(root, "privileged"));

	tk_check_relations(c->pid, tk_json_process(root, c->pid), priv, what);
	same_as_full_join(root, c->pid, c, what);
	for (int i = 0; i < c->rep.npids; i++) {
		tk_check_relations(c->rep.pids[i],
		    tk_json_process(root, c->rep.pids[i]), priv, what);
		same_as_full_join(root, c->rep.pids[i], c, what);
	}
}

static bool
flag_in(json_t *page, const char *flag)
{
	json_t *a = json_object_get(page, "kpageflags"), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (strcmp(json_string_value(v), flag) == 0)
			return true;
	}
	return false;
}

/* ==== the seed scenario and the per-page listing (1) ==================== */

/* Expected counts of the seed mapping; present is 3 or 4 (fault-around). */
static void
expect_seed_mapping(json_t *m, bool priv)
{
	int64_t present = tk_json_int(m, "present");

	EXPECT(m, "pages", SEED_PAGES);
	ck_assert_msg(present == 3 || present == 4, "seed: present %" PRId64,
	    present);
	EXPECT(m, "cow_copied", 2);
	EXPECT(m, "anon", 2);
	EXPECT(m, "file", present - 2);
	EXPECT(m, "zero", 0);
	EXPECT(m, "swapped", 0);
	EXPECT(m, "cow_shared", 0);
	/* Only this process maps the file and the copies. */
	EXPECT(m, "exclusive", present);
	EXPECT(m, "shared", 0);
	EXPECT(m, "thp", 0);
	if (priv) {
		EXPECT(m, "dirty", 2);
		EXPECT(m, "ksm", 0);
		ck_assert_msg(tk_json_real(m, "pss") == (double)present,
		    "seed: pss %f, expected %" PRId64, tk_json_real(m, "pss"),
		    present);
	}
}

/* Per page: 0 and 2 copied, 3 the file's page, 1 absent or the file's. */
static void
expect_seed_pages(json_t *root, pid_t pid, uint64_t addr, bool priv)
{
	json_t *proc = tk_json_process(root, pid);
	json_t *pages = json_object_get(proc, "pages");

	ck_assert_msg(json_array_size(pages) == SEED_PAGES,
	    "--pages gave %zu pages", json_array_size(pages));
	for (int i = 0; i < SEED_PAGES; i++) {
		json_t *pg = tk_json_page(proc, addr + (uint64_t)i * ps);
		bool present = tk_json_bool(pg, "present");

		ck_assert_msg(!tk_json_bool(pg, "swapped"), "page %d swapped", i);
		ck_assert_msg(!tk_json_is_null(pg, "cow_copied"),
		    "page %d: cow_copied unknown", i);
		if (i == 0 || i == 2) {
			ck_assert_msg(present && tk_json_bool(pg, "cow_copied") &&
			    !tk_json_bool(pg, "file") &&
			    tk_json_bool(pg, "exclusive"),
			    "page %d: not a private copy", i);
		} else if (i == 3 || present) {
			/* Page 1 may have come in by fault-around, as a file page. */
			ck_assert_msg(present && tk_json_bool(pg, "file") &&
			    !tk_json_bool(pg, "cow_copied"),
			    "page %d: not the file's page", i);
		}
		if (present)
			ck_assert_msg(!tk_json_is_null(pg, "zero") &&
			    !tk_json_bool(pg, "zero"), "page %d: zero", i);
		if (!present)
			continue;
		if (priv) {
			ck_assert_msg(!tk_json_is_null(pg, "pfn"), "page %d: no pfn", i);
			ck_assert_msg(tk_json_int(pg, "kpagecount") == 1,
			    "page %d: kpagecount %" PRId64, i,
			    tk_json_int(pg, "kpagecount"));
			ck_assert_msg(flag_in(pg, "anon") == (i == 0 || i == 2) &&
			    flag_in(pg, "swapbacked") == (i == 0 || i == 2),
			    "page %d: kpageflags anon/swapbacked wrong", i);
		} else {
			EXPECT_NULL(pg, "pfn");
			EXPECT_NULL(pg, "kpagecount");
			EXPECT_NULL(pg, "kpageflags");
		}
	}
}

START_TEST(test_seed_private_file)
{
	struct tk_child c;
	struct tk_smaps s;
	char path[64];
	json_t *root, *m;
	uint64_t addr;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	addr = c.rep.addr[0];
	ck_assert_msg(c.rep.val[0] == 'd', "page 3 read 0x%02x, not the file's",
	    (unsigned)c.rep.val[0]);

	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, addr, &s);
	expect_seed_mapping(m, am_root());
	ck_assert_int_eq(s.anonymous, 2 * pk);
	relations(root, &c, "seed");
	json_decref(root);

	root = pmstat_pages(-1, c.pid, addr, SEED_PAGES);
	expect_seed_pages(root, c.pid, addr, am_root());
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== copy on write after fork (2) ====================================== */

static void
expect_fork_mapping(json_t *m, bool priv)
{
	EXPECT(m, "pages", FORK_N);
	EXPECT(m, "present", FORK_N);
	EXPECT(m, "anon", FORK_N);
	EXPECT(m, "file", 0);
	EXPECT(m, "zero", 0);
	EXPECT(m, "swapped", 0);
	EXPECT(m, "exclusive", FORK_K);
	EXPECT(m, "shared", FORK_N - FORK_K);
	EXPECT(m, "cow_shared", FORK_N - FORK_K);
	EXPECT(m, "cow_copied", 0);
	EXPECT(m, "thp", 0);
	if (priv) {
		EXPECT(m, "dirty", FORK_N);
		EXPECT(m, "ksm", 0);
		ck_assert_msg(tk_json_real(m, "pss") ==
		    FORK_K + (FORK_N - FORK_K) / 2.0, "fork: pss %f, expected %f",
		    tk_json_real(m, "pss"), FORK_K + (FORK_N - FORK_K) / 2.0);
	}
}

/*
 * Per page, in both processes: the first K pages are their own (kpagecount
 * 1, different frames), the others the same frame mapped twice.
 */
static void
expect_fork_pages(pid_t a, pid_t b, uint64_t addr, bool priv)
{
	json_t *ra = pmstat_pages(-1, a, addr, FORK_N);
	json_t *rb = pmstat_pages(-1, b, addr, FORK_N);
	json_t *pa = tk_json_process(ra, a), *pb = tk_json_process(rb, b);

	for (size_t i = 0; i < FORK_N; i++) {
		json_t *ga = tk_json_page(pa, addr + i * ps);
		json_t *gb = tk_json_page(pb, addr + i * ps);
		bool own = i < FORK_K;

		ck_assert_msg(tk_json_bool(ga, "exclusive") == own &&
		    tk_json_bool(gb, "exclusive") == own,
		    "page %zu: exclusive should be %d", i, own);
		ck_assert_msg(tk_json_bool(ga, "present") &&
		    tk_json_bool(gb, "present") && !tk_json_bool(ga, "file") &&
		    !tk_json_bool(ga, "zero") && !tk_json_bool(ga, "cow_copied"),
		    "page %zu: not a present anonymous page", i);
		if (!priv)
			continue;
		ck_assert_msg(tk_json_int(ga, "kpagecount") == (own ? 1 : 2) &&
		    tk_json_int(gb, "kpagecount") == (own ? 1 : 2),
		    "page %zu: kpagecount %" PRId64 "/%" PRId64 ", expected %d", i,
		    tk_json_int(ga, "kpagecount"), tk_json_int(gb, "kpagecount"),
		    own ? 1 : 2);
		ck_assert_msg((tk_json_hex(ga, "pfn") == tk_json_hex(gb, "pfn")) ==
		    !own, "page %zu: frames should %s", i,
		    own ? "differ" : "be the same");
		ck_assert_msg(flag_in(ga, "anon") && flag_in(gb, "anon"),
		    "page %zu: kpageflags without anon", i);
	}
	json_decref(ra);
	json_decref(rb);
}

START_TEST(test_fork_cow)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;
	pid_t pids[2];

	spawn("fork", NULL, -1, &c);
	ck_assert_int_eq(c.rep.npids, 1);
	pids[0] = c.pid;
	pids[1] = c.rep.pids[0];
	root = pmstat_json(-1, NULL, pids[0], pids[1]);
	for (int i = 0; i < 2; i++) {
		m = mapping_of(root, pids[i], c.rep.addr[0], &s);
		expect_fork_mapping(m, am_root());
		ck_assert_int_eq(s.private_dirty, FORK_K * pk);
		ck_assert_int_eq(s.shared_dirty, (FORK_N - FORK_K) * pk);
		ck_assert_int_eq(s.pss, (FORK_K + (FORK_N - FORK_K) / 2) * pk);
	}
	relations(root, &c, "fork");
	json_decref(root);
	expect_fork_pages(c.pid, c.rep.pids[0], c.rep.addr[0], am_root());
	tk_kill(&c);
}
END_TEST

/* ==== the shared zero page (3) ========================================== */

static void
expect_zero_mapping(json_t *m, bool priv)
{
	EXPECT(m, "pages", ZERO_N);
	EXPECT(m, "present", ZERO_N);
	EXPECT(m, "zero", ZERO_N);
	EXPECT(m, "anon", 0);
	EXPECT(m, "file", 0);
	EXPECT(m, "exclusive", 0);
	EXPECT(m, "shared", 0);
	EXPECT(m, "cow_shared", 0);
	if (priv) {
		EXPECT(m, "dirty", 0);
		ck_assert_msg(tk_json_real(m, "pss") == 0.0, "zero: pss %f",
		    tk_json_real(m, "pss"));
	}
}

START_TEST(test_zero_page)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc;

	spawn("zero", NULL, -1, &c);
	ck_assert_int_eq(c.rep.val[0], 0);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	expect_zero_mapping(m, am_root());
	ck_assert_int_eq(s.rss, 0);
	ck_assert_int_eq(s.size, ZERO_N * pk);
	relations(root, &c, "zero");
	json_decref(root);

	root = pmstat_pages(-1, c.pid, c.rep.addr[0], ZERO_N);
	proc = tk_json_process(root, c.pid);
	for (size_t i = 0; i < ZERO_N; i++) {
		json_t *pg = tk_json_page(proc, c.rep.addr[0] + i * ps);

		ck_assert_msg(tk_json_bool(pg, "present") &&
		    !tk_json_is_null(pg, "zero") && tk_json_bool(pg, "zero") &&
		    !tk_json_bool(pg, "exclusive") && !tk_json_bool(pg, "file"),
		    "page %zu is not the zero page", i);
		if (am_root())
			ck_assert_msg(tk_json_int(pg, "kpagecount") == 0 &&
			    flag_in(pg, "zero_page"), "page %zu: kpage says not zero",
			    i);
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * A MADV_HUGEPAGE region only read maps the huge zero page (with
 * transparent_hugepage/use_zero_page set). It is the zero page all the same:
 * not anon, not file, not a THP, not in Rss. The kernel sets pagemap's file
 * bit on it (pagemap_pmd_range() sets PM_FILE for any folio that is not
 * anonymous, and the huge zero folio is not; the 4 KiB zero page has no
 * struct page for vm_normal_page() and gets no PM_FILE), so the bit alone
 * does not make a file page.
 */
START_TEST(test_huge_zero_page)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc, *pg;
	bool huge;

	spawn("thp_zero", NULL, -1, &c);
	ck_assert_int_eq(c.rep.val[0], 0);
	root = pmstat_pages(-1, c.pid, c.rep.addr[0], 1);
	proc = tk_json_process(root, c.pid);
	pg = tk_json_page(proc, c.rep.addr[0]);
	huge = am_root() && flag_in(pg, "thp");
	if (am_root() && !huge)
		fprintf(stderr, "note: huge_zero_page: the kernel mapped 4 KiB "
		    "zero pages, not the huge zero page\n");
	ck_assert_msg(tk_json_bool(pg, "zero") && !tk_json_bool(pg, "file"),
	    "the (huge) zero page at 0x%" PRIx64 ": zero %d, file %d",
	    c.rep.addr[0], tk_json_bool(pg, "zero"), tk_json_bool(pg, "file"));
	json_decref(root);

	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", THP_BYTES / ps);
	EXPECT(m, "present", THP_BYTES / ps);
	EXPECT(m, "zero", THP_BYTES / ps);
	EXPECT(m, "anon", 0);
	EXPECT(m, "thp", 0);
	EXPECT(m, "exclusive", 0);
	EXPECT(m, "shared", 0);
	EXPECT(m, "file", 0);
	ck_assert_int_eq(s.rss, 0);
	ck_assert_int_eq(s.anon_huge, 0);
	relations(root, &c, "huge_zero_page");
	json_decref(root);

	/*
	 * Neither the scan nor kpageflags: the huge zero page's file bit cannot
	 * be told from a page-cache page's, so file is unknown, never 1024.
	 */
	{
		const char *args[] = { "--json", "--no-scan", "--no-kpage", "--range",
		    NULL, NULL, NULL };
		char r[64], p[16];
		int status;

		args[4] = rangearg(r, sizeof(r), c.rep.addr[0],
		    c.rep.addr[0] + THP_BYTES);
		args[5] = pidarg(p, sizeof(p), c.pid);
		root = tk_pmstat_json(-1, -1, &status, args);
		ck_assert_int_eq(status, 0);
		m = mapping_of(root, c.pid, c.rep.addr[0], NULL);
		EXPECT(m, "present", THP_BYTES / ps);
		EXPECT_NULL(m, "zero");
		/* 4 KiB zero pages carry no file bit: then file is a known 0. */
		if (huge)
			EXPECT_NULL(m, "file");
		else
			EXPECT(m, "file", 0);
		json_decref(root);
	}
	tk_kill(&c);
}
END_TEST

/*
 * Guard regions (MADV_GUARD_INSTALL, Linux 6.13+) are PTE markers that
 * pagemap flags as swapped too: they are holes, not swap.
 */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif

static void
layout_guard(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(16, 0);

	(void)arg;
	if (m == NULL || mprotect(m, 16 * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "guard layout: %s", strerror(errno));
		return;
	}
	memset(m, 'G', 16 * ps);
	if (madvise(m + 4 * ps, 4 * ps, MADV_GUARD_INSTALL) != 0) {
		tk_skip(rep, "MADV_GUARD_INSTALL: %s", strerror(errno));
		return;
	}
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

START_TEST(test_guard_not_swap)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc;

	if (!spawn("guard", NULL, -1, &c))
		return;
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", 16);
	EXPECT(m, "present", 12);
	EXPECT(m, "swapped", 0);
	ck_assert_int_eq(s.swap, 0);
	json_decref(root);
	root = pmstat_pages(-1, c.pid, c.rep.addr[0], 16);
	proc = tk_json_process(root, c.pid);
	for (size_t i = 0; i < 16; i++) {
		json_t *pg = tk_json_page(proc, c.rep.addr[0] + i * ps);
		bool guard = i >= 4 && i < 8;

		ck_assert_msg(tk_json_bool(pg, "guard") == guard &&
		    !tk_json_bool(pg, "swapped") && tk_json_is_null(pg, "swap_type"),
		    "guard page %zu: guard %d swapped %d", i,
		    tk_json_bool(pg, "guard"), tk_json_bool(pg, "swapped"));
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== shared anonymous memory (4) ======================================= */

START_TEST(test_shared_anon)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;

	spawn("shm", NULL, -1, &c);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", SHM_N);
	EXPECT(m, "present", SHM_N);
	EXPECT(m, "file", SHM_N);
	EXPECT(m, "anon", 0);
	EXPECT(m, "zero", 0);
	EXPECT(m, "cow_shared", 0);
	EXPECT(m, "cow_copied", 0);
	EXPECT(m, "exclusive", SHM_N);
	if (am_root())
		EXPECT(m, "dirty", SHM_N);
	ck_assert_int_eq(s.rss, SHM_N * pk);
	ck_assert_int_eq(s.anonymous, 0);
	relations(root, &c, "shm");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== transparent huge pages (5) ======================================== */

START_TEST(test_thp)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;
	int64_t thp;

	spawn("thp", NULL, -1, &c);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", THP_BYTES / ps);
	EXPECT(m, "present", THP_BYTES / ps);
	EXPECT(m, "anon", THP_BYTES / ps);
	EXPECT(m, "zero", 0);
	EXPECT(m, "exclusive", THP_BYTES / ps);
	thp = tk_json_int(m, "thp");
	if (s.anon_huge <= 0) {
		tk_log_skip("thp", "the kernel gave no huge page to the 4 MiB "
		    "MADV_HUGEPAGE region (AnonHugePages 0 kB); thp = %" PRId64,
		    thp);
	} else {
		ck_assert_msg(thp * pk == s.anon_huge,
		    "thp: pmstat %" PRId64 " pages (%" PRId64 " kB), smaps "
		    "AnonHugePages %ld kB", thp, thp * pk, s.anon_huge);
		ck_assert_msg(thp % (int64_t)(THP_ALIGN / ps) == 0,
		    "thp %" PRId64 " is not whole huge pages", thp);
	}
	relations(root, &c, "thp");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * A huge page shared with a fork child that wrote into it: the child's PMD
 * is split, the parent's is not; the folio is mapped shared in both. thp and
 * pss (kpagecount of a large folio is its average map count) still agree
 * with smaps in each process.
 */
START_TEST(test_thp_fork)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;
	pid_t pids[2];

	spawn("thp_fork", NULL, -1, &c);
	pids[0] = c.pid;
	pids[1] = c.rep.pids[0];
	root = pmstat_json(-1, NULL, pids[0], pids[1]);
	for (int i = 0; i < 2; i++) {
		m = mapping_of(root, pids[i], c.rep.addr[0], &s);
		EXPECT(m, "present", THP_BYTES / ps);
		EXPECT(m, "anon", THP_BYTES / ps);
		if (i == 1) {
			/* The child's own copy of the page it wrote. */
			EXPECT(m, "exclusive", 1);
			EXPECT(m, "cow_shared", THP_BYTES / ps - 1);
		} else {
			/*
			 * The parent's copy of that page is mapped once, but its
			 * huge page's first page is not: bit 56 may say either.
			 */
			ck_assert_msg(tk_json_int(m, "exclusive") <= 1 &&
			    tk_json_int(m, "exclusive") + tk_json_int(m,
			    "cow_shared") == (int64_t)(THP_BYTES / ps),
			    "thp_fork parent: exclusive %" PRId64 ", cow_shared %"
			    PRId64, tk_json_int(m, "exclusive"),
			    tk_json_int(m, "cow_shared"));
		}
		if (s.anon_huge <= 0) {
			tk_log_skip("thp_fork", "no huge page in process %d", i);
			continue;
		}
		ck_assert_msg(tk_json_int(m, "thp") * pk == s.anon_huge,
		    "thp_fork %s: thp %" PRId64 " pages, AnonHugePages %ld kB",
		    i ? "child" : "parent", tk_json_int(m, "thp"), s.anon_huge);
	}
	relations(root, &c, "thp_fork");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== many PAGEMAP_SCAN regions, batch edges, --no-scan ================= */

static void
expect_stripes(json_t *m, bool scan_or_priv)
{
	EXPECT(m, "pages", STRIPE_PAGES);
	EXPECT(m, "present", 2 * STRIPE_ZERO);
	EXPECT(m, "exclusive", STRIPE_ZERO);
	EXPECT(m, "swapped", 0);
	EXPECT(m, "file", 0);
	if (scan_or_priv) {
		EXPECT(m, "zero", STRIPE_ZERO);
		EXPECT(m, "anon", STRIPE_ZERO);
		EXPECT(m, "shared", 0);
		EXPECT(m, "cow_shared", 0);
	} else {
		/* Neither PAGEMAP_SCAN nor kpageflags: the zero page is unknown. */
		EXPECT_NULL(m, "zero");
		EXPECT_NULL(m, "anon");
		EXPECT_NULL(m, "shared");
		EXPECT_NULL(m, "cow_shared");
		EXPECT_NULL(m, "cow_copied");
		EXPECT_NULL(m, "thp");
	}
}

static void
expect_stripe_pages(int uid, pid_t pid, uint64_t addr)
{
	uint64_t first = addr + (STRIPE_EDGE - 8) * ps;
	json_t *root = pmstat_pages(uid, pid, first, 16);
	json_t *proc = tk_json_process(root, pid);

	for (size_t i = 0; i < 16; i++) {
		json_t *pg = tk_json_page(proc, first + i * ps);

		ck_assert_msg(tk_json_bool(pg, "present") &&
		    !tk_json_is_null(pg, "zero") &&
		    tk_json_bool(pg, "zero") == (i % 2 == 0),
		    "stripes page %zu (uid %d): zero should be %d", i, uid,
		    i % 2 == 0);
	}
	json_decref(root);
}

START_TEST(test_scan_regions)
{
	struct tk_child c;
	char why[256];
	json_t *root;
	bool nobody = am_root() && tk_can_exec_as(NOBODY_UID, NOBODY_GID,
	    tk_pmstat_path(), why, sizeof(why)) && tk_can_exec_as(NOBODY_UID,
	    NOBODY_GID, "/proc/self/exe", why, sizeof(why));
	uint64_t a;

	spawn("stripes", NULL, nobody ? NOBODY_UID : -1, &c);
	a = c.rep.addr[0];
	ck_assert_int_eq(c.rep.val[0], 0);

	root = pmstat_json(-1, NULL, c.pid, 0);
	expect_stripes(mapping_of(root, c.pid, a, NULL), true);
	relations(root, &c, "stripes");
	json_decref(root);
	expect_stripe_pages(-1, c.pid, a);

	/* Without the ioctl, root still tells the zero page by kpageflags. */
	root = pmstat_json_range(-1, "--no-scan", c.pid, a, STRIPE_PAGES);
	expect_stripes(mapping_of(root, c.pid, a, NULL), am_root());
	if (am_root())
		EXPECT_NULL(mapping_of(root, c.pid, a, NULL), "thp");
	json_decref(root);

	if (!nobody) {
		tk_log_skip("scan_regions (unprivileged part)", "%s",
		    am_root() ? why : "not root");
		tk_kill(&c);
		return;
	}
	root = pmstat_json(NOBODY_UID, NULL, c.pid, 0);
	expect_stripes(mapping_of(root, c.pid, a, NULL), true);
	json_decref(root);
	expect_stripe_pages(NOBODY_UID, c.pid, a);
	root = pmstat_json_range(NOBODY_UID, "--no-scan", c.pid, a, STRIPE_PAGES);
	expect_stripes(mapping_of(root, c.pid, a, NULL), false);
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * The sparse path (PAGEMAP_SCAN regions, then pagemap only there) against
 * the dense one (--no-scan: every page read): every counter but thp, which
 * only the scan can know, must agree, and both must be exact.
 */
START_TEST(test_sparse_agrees_with_dense)
{
	static const char *const same[] = {
		"pages", "present", "swapped", "file", "anon", "zero", "exclusive",
		"shared", "dirty", "cow_copied", "cow_shared", "ksm", "pss",
	};
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *dense, *m, *d;
	int64_t touched, zero;

	spawn("sparse", NULL, -1, &c);
	touched = c.rep.val[1];
	zero = (touched + 1) / 2;
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	EXPECT(m, "pages", SPARSE_FROM);
	EXPECT(m, "present", SPARSE_FROM);
	ck_assert_msg(tk_json_int(m, "thp") * pk == s.anon_huge,
	    "sparse: thp %" PRId64 " pages, AnonHugePages %ld kB",
	    tk_json_int(m, "thp"), s.anon_huge);
	m = mapping_of(root, c.pid, c.rep.addr[1], NULL);
	EXPECT(m, "pages", SPARSE_PAGES - SPARSE_FROM);
	EXPECT(m, "present", touched);
	EXPECT(m, "zero", zero);
	EXPECT(m, "anon", touched - zero);
	EXPECT(m, "thp", 0);
	relations(root, &c, "sparse");

	dense = pmstat_json_range(-1, "--no-scan", c.pid, c.rep.addr[0],
	    SPARSE_PAGES);
	for (int k = 0; k < 2; k++) {
		m = mapping_of(root, c.pid, c.rep.addr[k], NULL);
		d = mapping_of(dense, c.pid, c.rep.addr[k], NULL);
		for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++)
			ck_assert_msg(json_equal(json_object_get(m, same[i]),
			    json_object_get(d, same[i])),
			    "sparse vs dense, mapping %d: %s differs", k, same[i]);
		EXPECT_NULL(d, "thp");
	}
	json_decref(dense);
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * Swap and the surplus huge page allowance are system-wide: two runs of
 * this program at once (make -j in two trees) would undo each other's. An
 * flock on our own executable serializes those test cases without leaving
 * a lock file behind.
 */
static int global_lock_fd = -1;

static void
global_lock(void)
{
	if (global_lock_fd >= 0)
		return;
	global_lock_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (global_lock_fd >= 0 && flock(global_lock_fd, LOCK_EX) != 0) {
		close(global_lock_fd);
		global_lock_fd = -1;
	}
}

static void
global_unlock(void)
{
	if (global_lock_fd >= 0)
		close(global_lock_fd);
	global_lock_fd = -1;
}

/* ==== hugetlb is not THP ============================================== */

#define OVERCOMMIT_HUGE	"/proc/sys/vm/nr_overcommit_hugepages"

/* Set in the runner by the unchecked fixture, seen by the forked test. */
static char huge_skip[256];
static long huge_saved = -1;
static unsigned long huge_size;

static long
read_long_file(const char *path)
{
	FILE *fp = fopen(path, "re");
	long v = -1;

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

static int
write_long_file(const char *path, long v)
{
	FILE *fp = fopen(path, "we");
	int r;

	if (fp == NULL)
		return -1;
	r = fprintf(fp, "%ld\n", v) < 0 ? -1 : 0;
	if (fclose(fp) != 0)
		r = -1;
	return r;
}

/*
 * Let the kernel make two surplus huge pages on demand (they go back to the
 * buddy allocator when freed); the old value comes back in the teardown. A
 * run killed in between leaves a harmless allowance of two surplus pages.
 */
static void
huge_setup(void)
{
	char line[256];
	FILE *fp;

	global_lock();
	huge_skip[0] = '\0';
	huge_saved = -1;
	huge_size = 0;
	if ((fp = fopen("/proc/meminfo", "re")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL)
			if (sscanf(line, "Hugepagesize: %lu kB", &huge_size) == 1)
				huge_size *= 1024;
		fclose(fp);
	}
	if (huge_size == 0) {
		snprintf(huge_skip, sizeof(huge_skip), "no hugetlb support");
		return;
	}
	if (!am_root()) {
		snprintf(huge_skip, sizeof(huge_skip), "not root: cannot allow "
		    "surplus huge pages");
		return;
	}
	if ((huge_saved = read_long_file(OVERCOMMIT_HUGE)) < 0 ||
	    write_long_file(OVERCOMMIT_HUGE, huge_saved + 2) != 0) {
		snprintf(huge_skip, sizeof(huge_skip), "cannot raise %s: %s",
		    OVERCOMMIT_HUGE, strerror(errno));
		huge_saved = -1;
	}
}

static void
huge_teardown(void)
{
	tk_cleanup();
	if (huge_saved >= 0 && write_long_file(OVERCOMMIT_HUGE, huge_saved) != 0)
		fprintf(stderr, "cannot restore %s to %ld: %s\n", OVERCOMMIT_HUGE,
		    huge_saved, strerror(errno));
	huge_saved = -1;
	global_unlock();
}

/*
 * PAGEMAP_SCAN reports hugetlb pages as HUGE too; section 3 excludes them
 * from thp. smaps counts them as Private_Hugetlb/Shared_Hugetlb, never in
 * AnonHugePages, FilePmdMapped or ShmemPmdMapped. Both the MAP_HUGETLB
 * mapping ("/anon_hugepage (deleted)") and a hugetlb memfd
 * ("/memfd:NAME (deleted)", the same for a file on a hugetlbfs mount) are
 * hugetlb mappings: smaps VmFlags say "ht".
 */
START_TEST(test_hugetlb_not_thp)
{
	struct tk_child c;
	char arg[32];
	json_t *root;

	if (huge_skip[0] != '\0') {
		tk_log_skip("hugetlb", "%s", huge_skip);
		return;
	}
	snprintf(arg, sizeof(arg), "%lu", huge_size);
	if (!spawn("hugetlb", arg, -1, &c))
		return;
	root = pmstat_json(-1, NULL, c.pid, 0);
	for (int i = 0; i < 2; i++) {
		struct tk_smaps s;
		json_t *m = mapping_of(root, c.pid, c.rep.addr[i], &s);

		ck_assert_msg(tk_smaps_has_flag(&s, "ht"), "not hugetlb: %s",
		    s.path);
		EXPECT(m, "pages", huge_size / ps);
		EXPECT(m, "present", huge_size / ps);
		ck_assert_msg(tk_json_int(m, "thp") == 0,
		    "%s (hugetlb, VmFlags ht): thp = %" PRId64 ", expected 0",
		    s.path, tk_json_int(m, "thp"));
	}
	relations(root, &c, "hugetlb");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== swap (6) ========================================================== */

/* Set in the runner by the unchecked fixture, seen by the forked test. */
static char swap_skip[256];

static bool
swapfile_active(void)
{
	char line[512];
	bool on = false;
	FILE *fp = fopen("/proc/swaps", "re");

	if (fp == NULL)
		return false;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, SWAPFILE, strlen(SWAPFILE)) == 0 &&
		    (line[strlen(SWAPFILE)] == ' ' || line[strlen(SWAPFILE)] == '\t'))
			on = true;
	fclose(fp);
	return on;
}

/* Turn our swapfile off and remove it: at start (a crashed run) and at end. */
static void
swap_remove(void)
{
	if (swapfile_active() && swapoff(SWAPFILE) != 0)
		fprintf(stderr, "swapoff %s: %s\n", SWAPFILE, strerror(errno));
	if (unlink(SWAPFILE) != 0 && errno != ENOENT)
		fprintf(stderr, "unlink %s: %s\n", SWAPFILE, strerror(errno));
}

static void
swap_setup(void)
{
	char cmd[256];
	int fd, r;

	global_lock();
	swap_remove();
	swap_skip[0] = '\0';
	if (!am_root()) {
		snprintf(swap_skip, sizeof(swap_skip), "not root");
		return;
	}
	fd = open(SWAPFILE, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(swap_skip, sizeof(swap_skip), "create %s: %s", SWAPFILE,
		    strerror(errno));
		return;
	}
	r = posix_fallocate(fd, 0, SWAP_BYTES);
	close(fd);
	if (r != 0) {
		snprintf(swap_skip, sizeof(swap_skip), "fallocate: %s",
		    strerror(r));
		swap_remove();
		return;
	}
	snprintf(cmd, sizeof(cmd), "mkswap %s >/dev/null 2>&1", SWAPFILE);
	if ((r = system(cmd)) != 0) {
		snprintf(swap_skip, sizeof(swap_skip), "mkswap failed (status %d)",
		    r);
		swap_remove();
		return;
	}
	if (swapon(SWAPFILE, 0) != 0) {
		snprintf(swap_skip, sizeof(swap_skip), "swapon: %s",
		    strerror(errno));
		swap_remove();
	}
}

static void
swap_teardown(void)
{
	/* The children first: swapoff would have to read their pages back. */
	tk_cleanup();
	swap_remove();
	global_unlock();
}

START_TEST(test_swap)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m, *proc;
	uint64_t addr;

	if (swap_skip[0] != '\0') {
		tk_log_skip("swap", "%s", swap_skip);
		return;
	}
	if (!spawn("swap", NULL, -1, &c))
		return;
	addr = c.rep.addr[0];
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, addr, &s);
	EXPECT(m, "pages", SWAP_N);
	EXPECT(m, "swapped", SWAP_OUT);
	EXPECT(m, "present", SWAP_N - SWAP_OUT);
	EXPECT(m, "anon", SWAP_N - SWAP_OUT);
	EXPECT(m, "exclusive", SWAP_N - SWAP_OUT);
	ck_assert_int_eq(s.swap, SWAP_OUT * pk);
	ck_assert_int_eq(s.rss, (SWAP_N - SWAP_OUT) * pk);
	relations(root, &c, "swap");
	json_decref(root);

	root = pmstat_pages(-1, c.pid, addr, SWAP_N);
	proc = tk_json_process(root, c.pid);
	for (size_t i = 0; i < SWAP_N; i++) {
		json_t *pg = tk_json_page(proc, addr + i * ps);
		bool out = i >= SWAP_OUT && i < 2 * SWAP_OUT;

		ck_assert_msg(tk_json_bool(pg, "swapped") == out &&
		    tk_json_bool(pg, "present") == !out, "page %zu: swapped %d",
		    i, tk_json_bool(pg, "swapped"));
		ck_assert_msg(tk_json_is_null(pg, "swap_type") == !out &&
		    tk_json_is_null(pg, "swap_offset") == !out,
		    "page %zu: swap_type/swap_offset", i);
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * The same, with the layout and pmstat as nobody: the swap type and offset
 * share the PFN bits, which the kernel zeroes without CAP_SYS_ADMIN; so
 * they are unknown (null), never 0 (type 0 is the first swap area).
 */
START_TEST(test_swap_unprivileged)
{
	struct tk_child c;
	char why[256];
	json_t *root, *m, *proc;
	uint64_t addr;

	if (swap_skip[0] != '\0') {
		tk_log_skip("swap_unprivileged", "%s", swap_skip);
		return;
	}
	if (!tk_can_exec_as(NOBODY_UID, NOBODY_GID, tk_pmstat_path(), why,
	    sizeof(why)) || !tk_can_exec_as(NOBODY_UID, NOBODY_GID,
	    "/proc/self/exe", why, sizeof(why))) {
		tk_log_skip("swap_unprivileged", "%s", why);
		return;
	}
	if (!spawn("swap", NULL, NOBODY_UID, &c))
		return;
	addr = c.rep.addr[0];
	root = pmstat_json(NOBODY_UID, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, addr, NULL);
	EXPECT(m, "swapped", SWAP_OUT);
	EXPECT(m, "present", SWAP_N - SWAP_OUT);
	EXPECT(m, "anon", SWAP_N - SWAP_OUT);
	EXPECT_NULL(m, "dirty");
	relations(root, &c, "swap_unprivileged");
	json_decref(root);

	root = pmstat_pages(NOBODY_UID, c.pid, addr, SWAP_N);
	proc = tk_json_process(root, c.pid);
	for (size_t i = SWAP_OUT; i < 2 * SWAP_OUT; i++) {
		json_t *pg = tk_json_page(proc, addr + i * ps);

		ck_assert_msg(tk_json_bool(pg, "swapped"), "page %zu not swapped",
		    i);
		ck_assert_msg(tk_json_is_null(pg, "swap_type") &&
		    tk_json_is_null(pg, "swap_offset"),
		    "page %zu: swap_type %s, swap_offset %s without CAP_SYS_ADMIN "
		    "(the kernel zeroes them: unknown, expected null)", i,
		    json_dumps(json_object_get(pg, "swap_type"), JSON_ENCODE_ANY),
		    json_dumps(json_object_get(pg, "swap_offset"), JSON_ENCODE_ANY));
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== smaps relations on a process with everything in it (7) =========== */

START_TEST(test_relations_all)
{
	struct tk_child c;
	char path[64];
	json_t *root;

	make_seed_file(path, sizeof(path));
	spawn("all", path, -1, &c);
	root = pmstat_json(-1, NULL, c.pid, c.rep.pids[0]);
	expect_seed_mapping(mapping_of(root, c.pid, c.rep.addr[AT_SEED], NULL),
	    am_root());
	expect_zero_mapping(mapping_of(root, c.pid, c.rep.addr[AT_ZERO], NULL),
	    am_root());
	expect_fork_mapping(mapping_of(root, c.pid, c.rep.addr[AT_FORK], NULL),
	    am_root());
	expect_fork_mapping(mapping_of(root, c.rep.pids[0], c.rep.addr[AT_FORK],
	    NULL), am_root());
	relations(root, &c, "all");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== unprivileged (8) ================================================== */

/* What pagemap and PAGEMAP_SCAN give without privilege. */
static const char *const scan_counters[] = {
	"pages", "present", "swapped", "file", "exclusive",
	"zero", "anon", "shared", "cow_copied", "cow_shared", "thp", NULL
};

/* Both runs must agree on every mapping of pid; the kpage counters null. */
static void
compare_runs(json_t *full, json_t *lesser, pid_t pid, const char *what)
{
	json_t *fp = tk_json_process(full, pid), *lp = tk_json_process(lesser, pid);
	json_t *fm = json_object_get(fp, "mappings");
	json_t *lm = json_object_get(lp, "mappings"), *m;
	size_t i;

	ck_assert_msg(json_array_size(fm) == json_array_size(lm),
	    "%s: %zu vs %zu mappings", what, json_array_size(fm),
	    json_array_size(lm));
	json_array_foreach(lm, i, m) {
		json_t *f = tk_json_mapping(fp, tk_json_hex(m, "start"));
		bool stable = tk_json_mapping_stable(f);

		for (size_t k = 0; scan_counters[k] != NULL; k++) {
			const char *key = scan_counters[k];

			/* See tk_json_mapping_stable(): other processes' doing. */
			if (!stable && (strcmp(key, "exclusive") == 0 ||
			    strcmp(key, "shared") == 0 ||
			    strcmp(key, "cow_shared") == 0))
				continue;
			ck_assert_msg(tk_json_int(m, key) == tk_json_int(f, key),
			    "%s: 0x%" PRIx64 " %s: %" PRId64 " vs %" PRId64, what,
			    tk_json_hex(m, "start"), key, tk_json_int(m, key),
			    tk_json_int(f, key));
		}
		EXPECT_NULL(m, "dirty");
		EXPECT_NULL(m, "ksm");
		EXPECT_NULL(m, "pss");
	}
	EXPECT_NULL(json_object_get(lp, "totals"), "dirty");
	EXPECT_NULL(json_object_get(lp, "totals"), "ksm");
	EXPECT_NULL(json_object_get(lp, "totals"), "pss");
}

START_TEST(test_unprivileged)
{
	struct tk_child c;
	char path[64], why[256];
	json_t *root, *full, *m;
	struct tk_smaps s;
	pid_t b;

	if (!am_root()) {
		tk_log_skip("unprivileged", "not root: cannot become nobody");
		return;
	}
	if (!tk_can_exec_as(NOBODY_UID, NOBODY_GID, tk_pmstat_path(), why,
	    sizeof(why)) || !tk_can_exec_as(NOBODY_UID, NOBODY_GID,
	    "/proc/self/exe", why, sizeof(why))) {
		tk_log_skip("unprivileged", "%s", why);
		return;
	}
	make_seed_file(path, sizeof(path));
	spawn("all", path, NOBODY_UID, &c);
	b = c.rep.pids[0];

	root = pmstat_json(NOBODY_UID, NULL, c.pid, b);
	ck_assert_msg(json_is_false(json_object_get(root, "privileged")),
	    "pmstat as nobody claims privilege");
	expect_seed_mapping(mapping_of(root, c.pid, c.rep.addr[AT_SEED], NULL),
	    false);
	expect_zero_mapping(mapping_of(root, c.pid, c.rep.addr[AT_ZERO], NULL),
	    false);
	expect_fork_mapping(mapping_of(root, c.pid, c.rep.addr[AT_FORK], NULL),
	    false);
	expect_fork_mapping(mapping_of(root, b, c.rep.addr[AT_FORK], NULL), false);
	m = mapping_of(root, c.pid, c.rep.addr[AT_SHM], NULL);
	EXPECT(m, "file", SHM_N);
	EXPECT(m, "anon", 0);
	m = mapping_of(root, c.pid, c.rep.addr[AT_THP], &s);
	if (s.anon_huge > 0)
		EXPECT(m, "thp", s.anon_huge / pk);
	else
		tk_log_skip("unprivileged thp", "no huge page was given");

	full = pmstat_json(-1, NULL, c.pid, b);
	compare_runs(full, root, c.pid, "nobody vs root");
	compare_runs(full, root, b, "nobody vs root");
	relations(root, &c, "unprivileged");
	json_decref(full);
	json_decref(root);

	root = pmstat_pages(NOBODY_UID, c.pid, c.rep.addr[AT_SEED], SEED_PAGES);
	expect_seed_pages(root, c.pid, c.rep.addr[AT_SEED], false);
	json_decref(root);

	/* A root process (this test) is not nobody's to read: an error entry. */
	{
		char pa[16], pr[16];
		const char *args[] = { "--json", pidarg(pr, sizeof(pr), getpid()),
		    pidarg(pa, sizeof(pa), c.pid), NULL };
		int status;

		root = tk_pmstat_json(NOBODY_UID, NOBODY_GID, &status, args);
		ck_assert_msg(status == 1, "exit status %d, expected 1", status);
		ck_assert_msg(json_is_string(json_object_get(tk_json_process(root,
		    getpid()), "error")), "no error for a root process");
		expect_seed_mapping(mapping_of(root, c.pid, c.rep.addr[AT_SEED],
		    NULL), false);
		json_decref(root);
	}
	tk_kill(&c);
}
END_TEST

/* ==== errors and --range (9) ============================================ */

START_TEST(test_missing_pid)
{
	struct tk_child c;
	char pa[16], pb[16], pd[16];
	json_t *root, *dead, *maps;
	pid_t gone;
	int status;

	spawn("fork", NULL, -1, &c);
	/* A PID that existed a moment ago and is reaped: nobody has it now. */
	gone = fork();
	ck_assert(gone >= 0);
	if (gone == 0)
		_exit(0);
	ck_assert(waitpid(gone, NULL, 0) == gone);
	{
		const char *args[] = { "--json", pidarg(pa, sizeof(pa), c.pid),
		    pidarg(pd, sizeof(pd), gone),
		    pidarg(pb, sizeof(pb), c.rep.pids[0]), NULL };

		root = tk_pmstat_json(-1, -1, &status, args);
	}
	ck_assert_msg(status == 1, "exit status %d, expected 1", status);
	ck_assert_int_eq(json_array_size(json_object_get(root, "processes")), 3);
	dead = tk_json_process(root, gone);
	ck_assert_msg(json_is_string(json_object_get(dead, "error")),
	    "no error for a missing process");
	maps = json_object_get(dead, "mappings");
	ck_assert_msg(maps == NULL || json_array_size(maps) == 0,
	    "a missing process has mappings");
	ck_assert_msg(json_is_null(json_object_get(dead, "totals")),
	    "a missing process has totals");
	for (int i = 0; i < 2; i++) {
		pid_t pid = i ? c.rep.pids[0] : c.pid;

		expect_fork_mapping(mapping_of(root, pid, c.rep.addr[0], NULL),
		    am_root());
		ck_assert(json_is_object(json_object_get(tk_json_process(root,
		    pid), "totals")));
	}
	relations(root, &c, "missing pid");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* pmstat --json --range START-END PID: exactly one mapping is expected. */
static json_t *
range_one(json_t **rootp, pid_t pid, uint64_t start, uint64_t end)
{
	char r[64], p[16];
	const char *args[] = { "--json", "--range",
	    rangearg(r, sizeof(r), start, end), pidarg(p, sizeof(p), pid), NULL };
	json_t *proc, *maps, *m, *totals;
	int status;

	*rootp = tk_pmstat_json(-1, -1, &status, args);
	ck_assert_int_eq(status, 0);
	proc = tk_json_process(*rootp, pid);
	maps = json_object_get(proc, "mappings");
	ck_assert_msg(json_array_size(maps) == 1, "--range %s: %zu mappings", r,
	    json_array_size(maps));
	m = json_array_get(maps, 0);
	ck_assert_msg(tk_json_hex(m, "start") == start &&
	    tk_json_hex(m, "end") == end, "--range %s: not clipped", r);
	totals = json_object_get(proc, "totals");
	for (size_t k = 0; scan_counters[k] != NULL; k++)
		ck_assert_msg(tk_json_int(totals, scan_counters[k]) ==
		    tk_json_int(m, scan_counters[k]), "--range %s: totals %s", r,
		    scan_counters[k]);
	return m;
}

START_TEST(test_range)
{
	struct tk_child c, f;
	char path[64], hb[32];
	json_t *root, *m;
	uint64_t a;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	a = c.rep.addr[0];
	/* Pages 2 (a copy) and 3 (the file's page) of the seed mapping. */
	m = range_one(&root, c.pid, a + 2 * ps, a + 4 * ps);
	EXPECT(m, "pages", 2);
	EXPECT(m, "present", 2);
	EXPECT(m, "anon", 1);
	EXPECT(m, "file", 1);
	EXPECT(m, "cow_copied", 1);
	EXPECT(m, "exclusive", 2);
	ck_assert_msg(tk_json_hex(m, "offset") == 2 * ps,
	    "clipped file offset %s, expected %s",
	    json_string_value(json_object_get(m, "offset")),
	    hexarg(hb, sizeof(hb), 2 * ps));
	json_decref(root);
	tk_kill(&c);

	spawn("fork", NULL, -1, &f);
	a = f.rep.addr[0];
	/* Pages 8..23: 8 copied by the child (exclusive), 8 still shared. */
	for (int i = 0; i < 2; i++) {
		pid_t pid = i ? f.rep.pids[0] : f.pid;

		m = range_one(&root, pid, a + 8 * ps, a + 24 * ps);
		EXPECT(m, "pages", 16);
		EXPECT(m, "present", 16);
		EXPECT(m, "anon", 16);
		EXPECT(m, "exclusive", 8);
		EXPECT(m, "cow_shared", 8);
		if (am_root())
			ck_assert_msg(tk_json_real(m, "pss") == 12.0, "pss %f",
			    tk_json_real(m, "pss"));
		json_decref(root);
	}
	tk_kill(&f);
}
END_TEST

/* ==== --no-kpage (10) =================================================== */

START_TEST(test_no_kpage)
{
	struct tk_child c;
	json_t *full, *lesser;

	spawn("fork", NULL, -1, &c);
	full = pmstat_json(-1, NULL, c.pid, c.rep.pids[0]);
	lesser = pmstat_json(-1, "--no-kpage", c.pid, c.rep.pids[0]);
	for (int i = 0; i < 2; i++) {
		pid_t pid = i ? c.rep.pids[0] : c.pid;

		expect_fork_mapping(mapping_of(lesser, pid, c.rep.addr[0], NULL),
		    false);
		compare_runs(full, lesser, pid, "--no-kpage vs full");
	}
	relations(lesser, &c, "--no-kpage");
	json_decref(full);
	json_decref(lesser);
	tk_kill(&c);
}
END_TEST

/* ==== page-level views: --pages, --summary, --flags (11) =============== */

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

/* The test's own reading of /proc/PID/pagemap (as root: with PFNs). */
static int
open_pagemap(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* The pagemap entry of the page at addr. */
static uint64_t
pagemap_word(int fd, uint64_t addr)
{
	uint64_t w;

	ck_assert_msg(pread(fd, &w, sizeof(w), (off_t)(addr / ps * sizeof(w))) ==
	    (ssize_t)sizeof(w), "pread pagemap at 0x%" PRIx64 ": %s", addr,
	    strerror(errno));
	return w;
}

/*
 * The blocks layout: a 1 GiB mapping (MADV_NOHUGEPAGE: no THP, one PTE per
 * page) in blocks of BLK_PAGES pages that cycle written / read (the zero
 * page) / untouched.
 */
#define BLK_PAGES	1024
#define BLK_N		256
#define BLK_TOTAL	((size_t)BLK_PAGES * BLK_N)	/* 262,144 pages */

enum blk_state { BLK_WRITTEN, BLK_ZERO, BLK_NONE };

static enum blk_state
blk_state(size_t block)
{
	return (enum blk_state)(block % 3);
}

static const char *const blk_names[] = { "written", "zero page", "untouched" };

/*
 * Fresh pages wait in a per-CPU batch before they reach the LRU (and get
 * PG_lru); another process's faults on that CPU drain it at any time, which
 * would change kpageflags between two readings. Stay on one CPU while
 * faulting, then drain it: MADV_COLD starts with lru_add_drain(), and is
 * given a page of its own so that ours keep their flags.
 */
static int
pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int
drain_lru(void)
{
	char *d = mmap(NULL, ps, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (d == MAP_FAILED)
		return -1;
	d[0] = 'D';
	return madvise(d, ps, MADV_COLD);
}

static void
layout_blocks(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(BLK_TOTAL, 0);
	volatile char *v;
	int64_t sum = 0;

	(void)arg;
	pin_cpu();
	if (m == NULL || mprotect(m, BLK_TOTAL * ps, PROT_READ | PROT_WRITE) != 0 ||
	    madvise(m, BLK_TOTAL * ps, MADV_NOHUGEPAGE) != 0) {
		tk_fail(rep, "blocks layout: %s", strerror(errno));
		return;
	}
	v = m;
	for (size_t i = 0; i < BLK_TOTAL; i++) {
		switch (blk_state(i / BLK_PAGES)) {
		case BLK_WRITTEN:
			v[i * ps] = 'W';
			break;
		case BLK_ZERO:
			sum += v[i * ps];
			break;
		case BLK_NONE:
			break;
		}
	}
	if (drain_lru() != 0) {
		tk_fail(rep, "blocks layout: drain: %s", strerror(errno));
		return;
	}
	rep->val[0] = sum;
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/*
 * The mix layout, in one reservation:
 *   anon  MIX_ANON private anonymous pages: MIX_W written, then MIX_Z read
 *         (the zero page), the rest untouched;
 *   file  right after it, the seed scenario on a private mapping of the
 *         seed file (arg);
 *   hole  MIX_HOLE unmapped pages: no mapping at all;
 *   ro    MIX_RO untouched read-only anonymous pages;
 *   tail  right after it, MIX_TAIL read-write anonymous pages, the first
 *         MIX_TAIL_NONE untouched (in the same state as ro's), the rest
 *         written.
 */
#define MIX_ANON	96
#define MIX_W		64
#define MIX_Z		16
#define MIX_HOLE	4
#define MIX_RO		4
#define MIX_TAIL	8
#define MIX_TAIL_NONE	4

enum { MIX_AT_ANON, MIX_AT_FILE, MIX_AT_HOLE, MIX_AT_RO, MIX_AT_TAIL };

static void
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

/* Whether this test can run things as nobody; logs a SKIP if not. */
static bool
can_be_nobody(const char *test)
{
	char why[256];

	if (!am_root()) {
		tk_log_skip(test, "not root: cannot become nobody");
		return false;
	}
	if (!tk_can_exec_as(NOBODY_UID, NOBODY_GID, tk_pmstat_path(), why,
	    sizeof(why)) || !tk_can_exec_as(NOBODY_UID, NOBODY_GID,
	    "/proc/self/exe", why, sizeof(why))) {
		tk_log_skip(test, "%s", why);
		return false;
	}
	return true;
}

/* A NULL-terminated list of options, for pmstat_view(). */
#define OPTS(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* The command line of a run, for messages. */
static void
describe(char *buf, size_t len, const char *const *args)
{
	buf[0] = '\0';
	strlcat(buf, "pmstat", len);
	for (; *args != NULL; args++) {
		strlcat(buf, " ", len);
		strlcat(buf, *args, len);
	}
}

/*
 * pmstat OPTS... --json --range START[-END] PID as uid (-1: as we are),
 * which must exit 0. end 0: the range is the page at start alone.
 */
static json_t *
pmstat_view(int uid, const char *const *opts, pid_t pid, uint64_t start,
    uint64_t end)
{
	const char *args[24];
	char r[64], p[16], cmd[512];
	size_t n = 0;
	json_t *root;
	int status;

	for (; *opts != NULL && n < 16; opts++)
		args[n++] = *opts;
	args[n++] = "--json";
	args[n++] = "--range";
	args[n++] = end ? rangearg(r, sizeof(r), start, end) :
	    hexarg(r, sizeof(r), start);
	args[n++] = pidarg(p, sizeof(p), pid);
	args[n] = NULL;
	describe(cmd, sizeof(cmd), args);
	root = tk_pmstat_json(uid, uid >= 0 ? NOBODY_GID : -1, &status, args);
	ck_assert_msg(status == 0, "%s (uid %d): exit %d", cmd, uid, status);
	return root;
}

/* The array key of pid's entry; "runs" must not be there when key is "pages". */
static json_t *
items(json_t *root, pid_t pid, const char *key)
{
	json_t *proc = tk_json_process(root, pid);
	json_t *a = json_object_get(proc, key);

	ck_assert_msg(json_is_null(json_object_get(proc, "error")),
	    "pmstat reported an error for %d", (int)pid);
	ck_assert_msg(json_is_array(a), "no \"%s\" array for %d", key, (int)pid);
	ck_assert_msg(json_object_get(proc, "mappings") == NULL ||
	    strcmp(key, "mappings") == 0, "\"mappings\" next to \"%s\"", key);
	ck_assert_msg(strcmp(key, "pages") != 0 ||
	    json_object_get(proc, "runs") == NULL, "both pages and runs");
	ck_assert_msg(strcmp(key, "runs") != 0 ||
	    json_object_get(proc, "pages") == NULL, "both runs and pages");
	return a;
}

/* A boolean that must be known (true or false, not null). */
static bool
known_bool(json_t *pg, const char *key, const char *what, long i)
{
	json_t *v = json_object_get(pg, key);

	ck_assert_msg(json_is_boolean(v), "%s page %ld: %s is %s, expected "
	    "true or false", what, i, key, v == NULL ? "missing" :
	    json_is_null(v) ? "null" : "not a boolean");
	return json_is_true(v);
}

/*
 * The seed scenario page by page (--pages=all): 0 and 2 copied on write, 3
 * the file's page-cache page, 1 not present (or, by fault-around, the
 * file's page). priv: pmstat could read the kpage files.
 */
static void
check_seed_page_objects(json_t *root, pid_t pid, uint64_t addr,
    const char *path, bool priv, const char *what)
{
	json_t *pages = items(root, pid, "pages");

	ck_assert_msg(json_is_true(json_object_get(root, "privileged")) == priv,
	    "%s: privileged is not %d", what, priv);
	ck_assert_msg(json_array_size(pages) == SEED_PAGES,
	    "%s: %zu pages listed, expected %d", what, json_array_size(pages),
	    SEED_PAGES);
	for (long i = 0; i < SEED_PAGES; i++) {
		json_t *pg = json_array_get(pages, (size_t)i);
		bool copy = i == 0 || i == 2;
		bool present = known_bool(pg, "present", what, i);
		bool file = known_bool(pg, "file", what, i);
		bool cow = known_bool(pg, "cow_copied", what, i);
		bool excl = known_bool(pg, "exclusive", what, i);
		uint64_t pm = tk_json_hex(pg, "pagemap");
		uint64_t w = tk_json_hex(pg, "flags");
		const char *pp = json_string_value(json_object_get(pg, "path"));

		ck_assert_msg(tk_json_hex(pg, "addr") == addr + (uint64_t)i * ps,
		    "%s: entry %ld is 0x%" PRIx64 ", expected page %ld", what, i,
		    tk_json_hex(pg, "addr"), i);
		ck_assert_msg(pp != NULL && strcmp(pp, path) == 0,
		    "%s page %ld: path %s, expected %s", what, i, pp, path);
		ck_assert_msg(!known_bool(pg, "swapped", what, i) &&
		    !known_bool(pg, "uffd_wp", what, i) &&
		    !known_bool(pg, "guard", what, i) &&
		    tk_json_is_null(pg, "swap_type") &&
		    tk_json_is_null(pg, "swap_offset"),
		    "%s page %ld: swapped, uffd_wp, guard or a swap entry", what,
		    i);
		if (copy)
			ck_assert_msg(present && cow && !file && excl,
			    "%s page %ld: present %d cow_copied %d file %d "
			    "exclusive %d, expected a private copy (1 1 0 1)", what,
			    i, present, cow, file, excl);
		else if (i == 3 || present)
			ck_assert_msg(present && file && !cow,
			    "%s page %ld: present %d file %d cow_copied %d, "
			    "expected the file's page (1 1 0)", what, i, present,
			    file, cow);
		else
			ck_assert_msg(!file && !excl, "%s page 1: absent but "
			    "file %d exclusive %d", what, file, excl);
		if (present)
			ck_assert_msg(!known_bool(pg, "zero", what, i),
			    "%s page %ld: the zero page", what, i);
		/* The raw pagemap entry and the flags word say the same. */
		ck_assert_msg(!!(pm & PM_PRESENT) == present &&
		    (!present || !!(pm & PM_FILE) == file) &&
		    !!(pm & PM_EXCLUSIVE) == excl,
		    "%s page %ld: pagemap 0x%" PRIx64 " disagrees with present "
		    "%d file %d exclusive %d", what, i, pm, present, file, excl);
		ck_assert_msg(!!(w & W_ANON) == copy && !!(w & W_FILE) == file &&
		    !!(w & W_EXCLUSIVE) == excl && !(w & W_SWAP) &&
		    !(w & W_ZERO_PAGE) && (present || w == 0),
		    "%s page %ld: flags 0x%" PRIx64 " (anon %d file %d "
		    "mmap_exclusive %d), expected anon %d file %d mmap_exclusive "
		    "%d", what, i, w, !!(w & W_ANON), !!(w & W_FILE),
		    !!(w & W_EXCLUSIVE), copy, file, excl);
		if (priv && present) {
			ck_assert_msg(!tk_json_is_null(pg, "pfn") &&
			    tk_json_hex(pg, "pfn") == (pm & PM_PFN) &&
			    tk_json_hex(pg, "pfn") != 0,
			    "%s page %ld: pfn %s, pagemap 0x%" PRIx64, what, i,
			    json_string_value(json_object_get(pg, "pfn")), pm);
			ck_assert_msg(tk_json_int(pg, "kpagecount") == 1,
			    "%s page %ld: kpagecount %" PRId64, what, i,
			    tk_json_int(pg, "kpagecount"));
			ck_assert_msg(json_is_array(json_object_get(pg,
			    "kpageflags")), "%s page %ld: kpageflags not a list",
			    what, i);
			ck_assert_msg(flag_in(pg, "anon") == copy &&
			    flag_in(pg, "swapbacked") == copy,
			    "%s page %ld: kpageflags anon %d swapbacked %d, "
			    "expected %d", what, i, flag_in(pg, "anon"),
			    flag_in(pg, "swapbacked"), copy);
		} else {
			EXPECT_NULL(pg, "pfn");
			EXPECT_NULL(pg, "kpagecount");
			EXPECT_NULL(pg, "kpageflags");
		}
		if (!priv) {
			/*
			 * Without CAP_SYS_ADMIN the PFN bits read 0 and the word
			 * is pagemap's alone: KPF_ANON for a present page
			 * without the file bit (the zero page being known from
			 * PAGEMAP_SCAN), and the PF_* bits.
			 */
			uint64_t want = (copy ? W_ANON : 0) | (file ? W_FILE : 0) |
			    (excl ? W_EXCLUSIVE : 0);

			ck_assert_msg((pm & PM_PFN) == 0, "%s page %ld: a PFN "
			    "without privilege: pagemap 0x%" PRIx64, what, i, pm);
			ck_assert_msg(w == want, "%s page %ld: flags 0x%" PRIx64
			    ", expected 0x%" PRIx64, what, i, w, want);
		}
	}
}

/*
 * The table (--pages: runs; --pages=all) as uid: the Flags column's fourth
 * letter is 'c' (copied on write) exactly on pages 0 and 2. Rows are
 * expanded by their page count and matched by address; every page of the
 * range must be covered once.
 */
static void
check_seed_table(int uid, const char *mode, pid_t pid, uint64_t addr)
{
	char r[64], p[16], cmd[256], *out = NULL, *line, *save = NULL;
	const char *args[] = { mode, "--range",
	    rangearg(r, sizeof(r), addr, addr + SEED_PAGES * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	int seen[SEED_PAGES] = { 0 }, status, rows = 0;

	describe(cmd, sizeof(cmd), args);
	status = tk_run_pmstat(uid, uid >= 0 ? NOBODY_GID : -1, &out, args);
	ck_assert_msg(status == 0 && out != NULL, "%s: exit %d", cmd, status);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char state[16], flags[16];
		uint64_t a, n;

		/* Page rows start with a 16-digit address. */
		if (strspn(line, "0123456789abcdef") != 16 ||
		    sscanf(line, "%" SCNx64 " %" SCNu64 " %15s %15s", &a, &n,
		    state, flags) != 4)
			continue;
		rows++;
		ck_assert_msg(strlen(flags) == 7, "%s: Flags column '%s'", cmd,
		    flags);
		ck_assert_msg(a >= addr && n >= 1 &&
		    a + n * ps <= addr + SEED_PAGES * ps && (a - addr) % ps == 0,
		    "%s: row 0x%" PRIx64 " x %" PRIu64 " outside the range", cmd,
		    a, n);
		for (uint64_t k = 0; k < n; k++) {
			size_t i = (size_t)((a - addr) / ps + k);
			bool copy = i == 0 || i == 2;

			seen[i]++;
			ck_assert_msg((flags[3] == 'c') == copy,
			    "%s: page %zu has Flags %s: cow_copied should be %s",
			    cmd, i, flags, copy ? "'c'" : "clear ('.')");
			ck_assert_msg(!copy || strcmp(state, "present") == 0,
			    "%s: page %zu is %s", cmd, i, state);
		}
	}
	for (size_t i = 0; i < SEED_PAGES; i++)
		ck_assert_msg(seen[i] == 1, "%s: page %zu in %d rows\n%s", cmd, i,
		    seen[i], out);
	ck_assert_msg(strcmp(mode, "--pages=all") != 0 || rows == SEED_PAGES,
	    "%s: %d rows", cmd, rows);
	free(out);
}

START_TEST(test_pages_seed)
{
	struct tk_child c;
	char path[64];
	json_t *root;
	uint64_t a;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	a = c.rep.addr[0];
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, a, a + SEED_PAGES * ps);
	check_seed_page_objects(root, c.pid, a, path, am_root(), "--pages=all");
	json_decref(root);
	/* JSON's default is one object per page too. */
	root = pmstat_view(-1, OPTS("--pages"), c.pid, a, a + SEED_PAGES * ps);
	check_seed_page_objects(root, c.pid, a, path, am_root(), "--pages");
	json_decref(root);
	check_seed_table(-1, "--pages", c.pid, a);
	tk_kill(&c);
}
END_TEST

/*
 * The seed note's question without root: nobody asks about its own
 * process. pagemap's file bit still tells the copies from the file's pages;
 * PFN, kpagecount and kpageflags are unknown (null), cow_copied is not.
 */
START_TEST(test_pages_seed_unprivileged)
{
	struct tk_child c;
	char path[64];
	json_t *root;
	uint64_t a;

	if (!can_be_nobody("pages_seed_unprivileged"))
		return;
	make_seed_file(path, sizeof(path));
	spawn("seed", path, NOBODY_UID, &c);
	a = c.rep.addr[0];
	ck_assert_msg(c.rep.val[0] == 'd', "page 3 read 0x%02x, not the file's",
	    (unsigned)c.rep.val[0]);
	root = pmstat_view(NOBODY_UID, OPTS("--pages=all"), c.pid, a,
	    a + SEED_PAGES * ps);
	check_seed_page_objects(root, c.pid, a, path, false,
	    "--pages=all as nobody");
	json_decref(root);
	check_seed_table(NOBODY_UID, "--pages", c.pid, a);
	check_seed_table(NOBODY_UID, "--pages=all", c.pid, a);
	tk_kill(&c);
}
END_TEST

/* ---- runs against pages on 1 GiB ---------------------------------------- */

struct run_rec {
	size_t		first;		/* page index in the mapping */
	size_t		n;
	uint64_t	word;
	bool		present;
	bool		zero;
};

/*
 * ck_assert_msg() records its location with the runner on every pass, a
 * write per call: too slow for 262,144 rows. This one only fails.
 */
#define HOT_ASSERT(cond, ...) do {					\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* Split a CSV line (no quoting: no field here needs it) into fields. */
static size_t
csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, ',')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

static uint64_t
parse_hex(const char *s, const char *what, size_t row)
{
	char *end;
	uint64_t v;

	HOT_ASSERT(strncmp(s, "0x", 2) == 0, "CSV row %zu: %s '%s' is not "
	    "hex", row, what, s);
	errno = 0;
	v = strtoull(s + 2, &end, 16);
	HOT_ASSERT(errno == 0 && *end == '\0' && end != s + 2,
	    "CSV row %zu: bad %s '%s'", row, what, s);
	return v;
}

/*
 * pmstat --pages=all --csv -n over the 1 GiB: one row per page, read as it
 * comes (about 30 MB of text) and held against the runs page by page: the
 * same presence, zero page and flags word as the run that covers it.
 */
static void
compare_csv_with_runs(int uid, const char *opt, pid_t pid, uint64_t base,
    const struct run_rec *runs, size_t nruns, uint64_t volatile_bits,
    const char *who)
{
	enum { C_PID, C_ADDR, C_PAGES, C_PRESENT, C_SWAPPED, C_FILE, C_EXCL,
	    C_ZERO, C_SOFT_DIRTY, C_UFFD_WP, C_GUARD, C_PFN, C_SWAP_TYPE,
	    C_SWAP_OFFSET, C_KPAGECOUNT, C_KPAGEFLAGS, C_COW, C_FLAGS, C_PATH,
	    C_N };
	char r[64], p[16], pidstr[16], *line = NULL, *f[C_N + 1];
	const char *args[] = { "--pages=all", "--csv", "-n", opt ? opt : "-n",
	    "--range", rangearg(r, sizeof(r), base, base + BLK_TOTAL * ps),
	    pidarg(p, sizeof(p), pid), NULL };
	size_t cap = 0, row = 0, k = 0;
	FILE *fp;
	pid_t ppid;
	int status;

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	ppid = tk_pmstat_open(uid, uid >= 0 ? NOBODY_GID : -1, &fp, args);
	ck_assert_msg(ppid > 0, "cannot run pmstat --pages=all --csv");
	while (getline(&line, &cap, fp) > 0) {
		size_t nf = csv_split(line, f, C_N + 1);
		uint64_t addr, word;
		bool present;

		if (row >= BLK_TOTAL) {
			row++;
			continue;	/* counted, reported below */
		}
		HOT_ASSERT(nf == C_N, "%s CSV row %zu: %zu fields, expected %d",
		    who, row, nf, C_N);
		while (k < nruns && row >= runs[k].first + runs[k].n)
			k++;
		HOT_ASSERT(k < nruns && row >= runs[k].first,
		    "%s CSV row %zu: in no run", who, row);
		addr = parse_hex(f[C_ADDR], "addr", row);
		word = parse_hex(f[C_FLAGS], "flags", row);
		present = strcmp(f[C_PRESENT], "true") == 0;
		HOT_ASSERT(strcmp(f[C_PID], pidstr) == 0 &&
		    addr == base + row * ps && strcmp(f[C_PAGES], "1") == 0,
		    "%s CSV row %zu: pid %s addr 0x%" PRIx64 " pages %s, expected "
		    "%s 0x%" PRIx64 " 1", who, row, f[C_PID], addr, f[C_PAGES],
		    pidstr, base + row * ps);
		HOT_ASSERT((present || strcmp(f[C_PRESENT], "false") == 0) &&
		    present == runs[k].present,
		    "%s page %zu: present %s, its run (%zu at page %zu) %d", who,
		    row, f[C_PRESENT], runs[k].n, runs[k].first, runs[k].present);
		HOT_ASSERT((word & ~volatile_bits) ==
		    (runs[k].word & ~volatile_bits),
		    "%s page %zu: flags 0x%" PRIx64 ", its run (%zu pages at page "
		    "%zu) 0x%" PRIx64, who, row, word, runs[k].n, runs[k].first,
		    runs[k].word);
		HOT_ASSERT(strcmp(f[C_ZERO], runs[k].zero ? "true" : "false")
		    == 0, "%s page %zu: zero %s, its run %d", who, row, f[C_ZERO],
		    runs[k].zero);
		HOT_ASSERT(*f[C_PATH] == '\0', "%s page %zu: path '%s'", who,
		    row, f[C_PATH]);
		row++;
	}
	free(line);
	status = tk_pmstat_close(fp, ppid);
	ck_assert_msg(status == 0, "%s: pmstat --pages=all --csv exited %d", who,
	    status);
	ck_assert_msg(row == BLK_TOTAL, "%s: %zu CSV rows, expected %zu (one "
	    "per page)", who, row, BLK_TOTAL);
}

/*
 * --pages=runs over the 1 GiB as uid (with opt, if not NULL), then the
 * per-page CSV against the runs. The runs must tile the mapping in order,
 * one run per block (a run breaks on the flags word, volatile_bits aside,
 * and on kpagecount) in the block's state. The CSV's words are compared
 * with their run's without volatile_bits.
 */
static void
check_blocks(int uid, const char *opt, pid_t pid, uint64_t base,
    uint64_t volatile_bits, const char *who)
{
	struct run_rec *runs;
	json_t *root, *a, *run;
	size_t i, next = 0, nruns;
	bool kpage = uid < 0 && am_root() && opt == NULL;
	int fd = -1;

	root = opt ? pmstat_view(uid, OPTS("--pages=runs", opt), pid, base,
	    base + BLK_TOTAL * ps) : pmstat_view(uid, OPTS("--pages=runs"), pid,
	    base, base + BLK_TOTAL * ps);
	a = items(root, pid, "runs");
	nruns = json_array_size(a);
	ck_assert_msg(nruns == BLK_N, "%s: %zu runs, expected %d (one per "
	    "block of %d pages)", who, nruns, BLK_N, BLK_PAGES);
	runs = calloc(nruns, sizeof(*runs));
	ck_assert(runs != NULL);
	if (uid < 0 && am_root())
		fd = open_pagemap(pid);
	json_array_foreach(a, i, run) {
		uint64_t addr = tk_json_hex(run, "addr");
		int64_t n = tk_json_int(run, "pages");
		uint64_t w = tk_json_hex(run, "flags");
		size_t blk = next / BLK_PAGES;
		enum blk_state st = blk_state(blk);
		bool present = known_bool(run, "present", who, (long)next);
		bool zero = known_bool(run, "zero", who, (long)next);
		bool excl = known_bool(run, "exclusive", who, (long)next);
		json_t *kc = json_object_get(run, "kpagecount");

		ck_assert_msg(addr == base + next * ps && n == BLK_PAGES, "%s: run %zu is %" PRId64 " pages at page %"
		    PRIu64 ", expected block %zu at page %zu (%s, %d pages)", who,
		    i, n, (addr - base) / ps, blk, next, blk_names[st],
		    BLK_PAGES);
		ck_assert_msg(present == (st != BLK_NONE) &&
		    zero == (st == BLK_ZERO) && excl == (st == BLK_WRITTEN) &&
		    !known_bool(run, "file", who, (long)next) &&
		    !known_bool(run, "swapped", who, (long)next),
		    "%s: run %zu (block %zu, %s): present %d zero %d exclusive %d",
		    who, i, blk, blk_names[st], present, zero, excl);
		switch (st) {
		case BLK_WRITTEN:
			ck_assert_msg((w & W_ANON) && (w & W_EXCLUSIVE) &&
			    !(w & (W_ZERO_PAGE | W_FILE)), "%s: run %zu (written): "
			    "flags 0x%" PRIx64, who, i, w);
			break;
		case BLK_ZERO:
			ck_assert_msg((w & W_ZERO_PAGE) &&
			    !(w & (W_ANON | W_FILE | W_EXCLUSIVE)),
			    "%s: run %zu (zero page): flags 0x%" PRIx64, who, i, w);
			break;
		case BLK_NONE:
			ck_assert_msg(w == 0, "%s: run %zu (untouched): flags 0x%"
			    PRIx64, who, i, w);
			break;
		}
		/* The zero page is mapped 0 times, by kpagecount. */
		if (kpage && present)
			ck_assert_msg(json_is_integer(kc) &&
			    json_integer_value(kc) == (st == BLK_WRITTEN),
			    "%s: run %zu (%s): kpagecount %s", who, i,
			    blk_names[st], json_is_integer(kc) ? "wrong" : "unknown");
		else
			ck_assert_msg(json_is_null(kc), "%s: run %zu: kpagecount "
			    "known", who, i);
		/* A run's PFN is its first page's. */
		if (fd >= 0 && present) {
			uint64_t pm = pagemap_word(fd, addr);

			ck_assert_msg(!tk_json_is_null(run, "pfn") &&
			    tk_json_hex(run, "pfn") == (pm & PM_PFN),
			    "%s: run %zu: pfn %s, its first page's 0x%" PRIx64, who,
			    i, json_string_value(json_object_get(run, "pfn")),
			    pm & PM_PFN);
		}
		runs[i] = (struct run_rec){ .first = next, .n = (size_t)n,
		    .word = w, .present = present, .zero = zero };
		next += (size_t)n;
	}
	ck_assert_msg(next == BLK_TOTAL, "%s: the runs cover %zu pages of %zu",
	    who, next, BLK_TOTAL);
	if (fd >= 0)
		close(fd);
	json_decref(root);
	compare_csv_with_runs(uid, opt, pid, base, runs, nruns, volatile_bits,
	    who);
	free(runs);
}

/*
 * Without kpageflags (--no-kpage, or as nobody) the words come from pagemap
 * alone. With them, the kernel's LRU aging sets and clears referenced,
 * active and idle page by page at any moment (kdamond, DAMON's
 * physical-address monitor, runs on these machines and marks the pages it
 * samples idle): runs do not break on those bits, and the per-page CSV,
 * read later, may differ from the runs in them alone.
 */
START_TEST(test_pages_runs_1gib)
{
	struct tk_child c;
	bool nobody = can_be_nobody("pages_runs_1gib (unprivileged part)");
	uint64_t base;

	spawn("blocks", NULL, nobody ? NOBODY_UID : -1, &c);
	base = c.rep.addr[0];
	ck_assert_int_eq(c.rep.val[0], 0);
	check_blocks(-1, "--no-kpage", c.pid, base, 0, "--no-kpage");
	if (nobody)
		check_blocks(NOBODY_UID, NULL, c.pid, base, 0, "nobody");
	if (am_root())
		check_blocks(-1, NULL, c.pid, base, W_AGING, "root");
	tk_kill(&c);
}
END_TEST

/* ---- the summary against kpageflags read here ---------------------------- */

/* Pages per flags word, unsorted. */
struct hist {
	size_t		n;
	uint64_t	flags[64];
	uint64_t	pages[64];
};

static void
hist_add(struct hist *h, uint64_t w, uint64_t n)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->flags[i] == w) {
			h->pages[i] += n;
			return;
		}
	ck_assert_msg(h->n < 64, "more than 64 distinct flags words");
	h->flags[h->n] = w;
	h->pages[h->n++] = n;
}

static uint64_t
hist_total(const struct hist *h)
{
	uint64_t t = 0;

	for (size_t i = 0; i < h->n; i++)
		t += h->pages[i];
	return t;
}

static bool
hist_equal(const struct hist *a, const struct hist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		size_t j;

		for (j = 0; j < b->n; j++)
			if (b->flags[j] == a->flags[i])
				break;
		if (j == b->n || b->pages[j] != a->pages[i])
			return false;
	}
	return true;
}

/* The pages with all of bits set. */
static uint64_t
hist_with(const struct hist *h, uint64_t bits)
{
	uint64_t t = 0;

	for (size_t i = 0; i < h->n; i++)
		if ((h->flags[i] & bits) == bits)
			t += h->pages[i];
	return t;
}

static const char *
hist_str(const struct hist *h, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < h->n; i++) {
		char one[64];

		snprintf(one, sizeof(one), " 0x%" PRIx64 ":%" PRIu64, h->flags[i],
		    h->pages[i]);
		strlcat(buf, one, len);
	}
	return buf;
}

/*
 * What the summary should say of [start, end) of pid, from pagemap and
 * /proc/kpageflags read here: the kpageflags word of every present page
 * (KPF_SOFTDIRTY from pagemap where the kernel tracks it, as pmstat and
 * page-types do), 0 for a swapped page. pmstat's bits 57-63 are its own.
 */
static void
own_histogram(pid_t pid, uint64_t start, uint64_t end, bool soft_dirty,
    struct hist *h)
{
	int pm = open_pagemap(pid);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);

	ck_assert_msg(kf >= 0, "open /proc/kpageflags: %s", strerror(errno));
	memset(h, 0, sizeof(*h));
	for (uint64_t a = start; a < end; a += ps) {
		uint64_t w = pagemap_word(pm, a), k;

		if (w & PM_PRESENT) {
			ck_assert_msg(pread(kf, &k, sizeof(k),
			    (off_t)((w & PM_PFN) * sizeof(k))) == (ssize_t)sizeof(k),
			    "pread /proc/kpageflags: %s", strerror(errno));
			if (soft_dirty && (w & PM_SOFTDIRTY))
				k |= W_SOFTDIRTY;
			hist_add(h, k, 1);
		} else if ((w & PM_SWAPPED) && !(w & PM_GUARD)) {
			hist_add(h, 0, 1);
		}
	}
	close(kf);
	close(pm);
}

/*
 * A summary array (entries {flags, names, pages}), checked for its form:
 * most pages first, a name for every bit, no empty entry, no word twice.
 * Returns it masked to the kpageflags bits and re-aggregated in *masked,
 * as it is in *raw.
 */
static void
read_summary(json_t *a, struct hist *masked, struct hist *raw,
    const char *what)
{
	json_t *e;
	size_t i;
	int64_t last = INT64_MAX;

	memset(masked, 0, sizeof(*masked));
	memset(raw, 0, sizeof(*raw));
	ck_assert_msg(json_is_array(a), "%s: no summary array", what);
	json_array_foreach(a, i, e) {
		uint64_t w = tk_json_hex(e, "flags");
		int64_t n = tk_json_int(e, "pages");
		json_t *names = json_object_get(e, "names");

		ck_assert_msg(n > 0 && n <= last, "%s: entry %zu has %" PRId64
		    " pages after %" PRId64 ": not sorted by count", what, i, n,
		    last);
		last = n;
		ck_assert_msg(json_is_array(names) && json_array_size(names) ==
		    (size_t)__builtin_popcountll(w), "%s: flags 0x%" PRIx64
		    " with %zu names", what, w, json_array_size(names));
		for (size_t b = 0; b < raw->n; b++)
			ck_assert_msg(raw->flags[b] != w, "%s: flags 0x%" PRIx64
			    " twice", what, w);
		hist_add(raw, w, (uint64_t)n);
		hist_add(masked, w & W_KPAGEFLAGS, (uint64_t)n);
	}
}

START_TEST(test_summary_kpageflags)
{
	struct tk_child c;
	char path[64], b1[2048], b2[2048];
	uint64_t anon, file, end, present;
	struct hist own[2], all, before, pm, pmraw, mm, mmraw;
	json_t *root = NULL, *maproot = NULL, *totals, *maps, *e;
	bool sd = false, stable = false;
	size_t i;

	if (!am_root()) {
		tk_log_skip("summary_kpageflags", "not root: /proc/kpageflags");
		return;
	}
	make_seed_file(path, sizeof(path));
	spawn("mix", path, -1, &c);
	anon = c.rep.addr[MIX_AT_ANON];
	file = c.rep.addr[MIX_AT_FILE];
	end = file + SEED_PAGES * ps;
	ck_assert_msg(file == anon + MIX_ANON * ps, "mix: the file mapping is "
	    "not right after the anonymous one");
	/*
	 * kpageflags may change under us (the LRU); compare only when our
	 * readings before and after pmstat's agree.
	 */
	root = pmstat_view(-1, OPTS("--summary"), c.pid, anon, end);
	sd = !json_is_null(json_object_get(json_object_get(
	    tk_json_process(root, c.pid), "totals"), "soft_dirty"));
	for (int attempt = 0; attempt < 5 && !stable; attempt++) {
		json_decref(root);
		json_decref(maproot);
		own_histogram(c.pid, anon, end, sd, &before);
		root = pmstat_view(-1, OPTS("--summary"), c.pid, anon, end);
		maproot = pmstat_view(-1, OPTS("--summary=mapping"), c.pid, anon,
		    end);
		own_histogram(c.pid, anon, file, sd, &own[0]);
		own_histogram(c.pid, file, end, sd, &own[1]);
		memset(&all, 0, sizeof(all));
		for (int k = 0; k < 2; k++)
			for (size_t j = 0; j < own[k].n; j++)
				hist_add(&all, own[k].flags[j], own[k].pages[j]);
		stable = hist_equal(&before, &all);
		if (!stable)
			fprintf(stderr, "summary_kpageflags: kpageflags changed "
			    "during attempt %d:\n  before%s\n  after %s\n", attempt,
			    hist_str(&before, b1, sizeof(b1)),
			    hist_str(&all, b2, sizeof(b2)));
	}
	ck_assert_msg(stable, "kpageflags never held still for a reading");

	/* Our own reading first: it must see the layout. */
	ck_assert_msg(hist_with(&own[0], W_ANON) == MIX_W &&
	    hist_with(&own[0], W_ZERO_PAGE) == MIX_Z &&
	    hist_total(&own[0]) == MIX_W + MIX_Z,
	    "our kpageflags reading of the anonymous mapping:%s",
	    hist_str(&own[0], b1, sizeof(b1)));
	ck_assert_msg(hist_with(&own[1], W_ANON) == 2 &&
	    (hist_total(&own[1]) == 3 || hist_total(&own[1]) == 4),
	    "our kpageflags reading of the file mapping:%s",
	    hist_str(&own[1], b1, sizeof(b1)));

	/* Per process: one summary of both mappings of the range. */
	read_summary(items(root, c.pid, "summary"), &pm, &pmraw, "--summary");
	ck_assert_msg(hist_equal(&pm, &all), "--summary (bits 0-56):%s\n"
	    "kpageflags read by the test:%s", hist_str(&pm, b1, sizeof(b1)),
	    hist_str(&all, b2, sizeof(b2)));
	/* pmstat's own bits: the written anonymous pages are exclusive. */
	ck_assert_msg(hist_with(&pmraw, W_ANON | W_EXCLUSIVE) == MIX_W + 2 &&
	    hist_with(&pmraw, W_ZERO_PAGE | W_EXCLUSIVE) == 0 &&
	    hist_with(&pmraw, W_FILE) == hist_total(&own[1]) - 2,
	    "--summary: mmap_exclusive/file bits:%s",
	    hist_str(&pmraw, b1, sizeof(b1)));
	totals = json_object_get(tk_json_process(root, c.pid), "totals");
	present = (uint64_t)(tk_json_int(totals, "present") +
	    tk_json_int(totals, "swapped"));
	ck_assert_msg(hist_total(&pmraw) == present, "--summary counts %" PRIu64
	    " pages, the range has %" PRIu64 " present + swapped",
	    hist_total(&pmraw), present);
	ck_assert_int_eq(present, MIX_W + MIX_Z + hist_total(&own[1]));

	/* Per mapping: the same numbers under each mapping's entry. */
	maps = items(maproot, c.pid, "mappings");
	ck_assert_msg(json_array_size(maps) == 2, "--summary=mapping: %zu "
	    "mappings in the range, expected 2", json_array_size(maps));
	memset(&all, 0, sizeof(all));
	json_array_foreach(maps, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		uint64_t s = i ? file : anon;

		ck_assert_msg(tk_json_hex(e, "start") == s &&
		    tk_json_hex(e, "end") == (i ? end : file) &&
		    p != NULL && strcmp(p, i ? path : "") == 0,
		    "--summary=mapping entry %zu: %s-%s %s", i,
		    json_string_value(json_object_get(e, "start")),
		    json_string_value(json_object_get(e, "end")), p);
		ck_assert_msg(json_is_string(json_object_get(e, "perms")),
		    "--summary=mapping entry %zu: no perms", i);
		read_summary(json_object_get(e, "summary"), &mm, &mmraw,
		    "--summary=mapping");
		ck_assert_msg(hist_equal(&mm, &own[i]), "--summary=mapping, %s "
		    "(bits 0-56):%s\nkpageflags read by the test:%s",
		    i ? "file" : "anon", hist_str(&mm, b1, sizeof(b1)),
		    hist_str(&own[i], b2, sizeof(b2)));
		for (size_t j = 0; j < mmraw.n; j++)
			hist_add(&all, mmraw.flags[j], mmraw.pages[j]);
	}
	ck_assert_msg(hist_equal(&all, &pmraw), "the mappings' summaries do "
	    "not add up to the process's:%s\nvs%s",
	    hist_str(&all, b1, sizeof(b1)), hist_str(&pmraw, b2, sizeof(b2)));
	totals = json_object_get(tk_json_process(maproot, c.pid), "totals");
	ck_assert_msg(hist_total(&all) == (uint64_t)(tk_json_int(totals,
	    "present") + tk_json_int(totals, "swapped")),
	    "--summary=mapping: %" PRIu64 " pages, totals say otherwise",
	    hist_total(&all));
	json_decref(root);
	json_decref(maproot);

	/* --flags selects what is counted. */
	root = pmstat_view(-1, OPTS("--summary", "--flags", "anon"), c.pid, anon,
	    end);
	read_summary(items(root, c.pid, "summary"), &pm, &pmraw,
	    "--summary --flags anon");
	ck_assert_msg(hist_with(&pmraw, W_ANON) == hist_total(&pmraw) &&
	    hist_total(&pmraw) == MIX_W + 2, "--summary --flags anon:%s",
	    hist_str(&pmraw, b1, sizeof(b1)));
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ---- --flags ----------------------------------------------------------- */

/* The page indexes (from base) pmstat lists, in order, as a string. */
static const char *
listed(json_t *root, pid_t pid, uint64_t base, char *buf, size_t len)
{
	json_t *pages = items(root, pid, "pages"), *pg;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(pages, i, pg) {
		char one[32];

		snprintf(one, sizeof(one), "%s%" PRId64, i ? "," : "",
		    (int64_t)(tk_json_hex(pg, "addr") - base) / (int64_t)ps);
		strlcat(buf, one, len);
	}
	return buf;
}

/* --pages=all --flags... over the seed mapping lists exactly want. */
static void
expect_selected(int uid, pid_t pid, uint64_t a, const char *const *opts,
    const char *want)
{
	char got[256], cmd[256];
	json_t *root = pmstat_view(uid, opts, pid, a, a + SEED_PAGES * ps);

	describe(cmd, sizeof(cmd), opts);
	ck_assert_msg(strcmp(listed(root, pid, a, got, sizeof(got)), want) == 0,
	    "%s (uid %d): pages %s listed, expected %s", cmd, uid, got, want);
	json_decref(root);
}

static void
check_flag_selections(int uid, pid_t pid, uint64_t a)
{
	json_t *root = pmstat_view(uid, OPTS("--pages=all"), pid, a,
	    a + SEED_PAGES * ps);
	json_t *p1 = json_array_get(items(root, pid, "pages"), 1);
	bool p1_file = tk_json_bool(p1, "present");

	/* Page 1, when fault-around brought it in, is the file's page. */
	ck_assert_msg(!p1_file || tk_json_bool(p1, "file"), "page 1 present "
	    "but not a file page");
	json_decref(root);
	expect_selected(uid, pid, a, OPTS("--pages=all", "--flags", "anon"),
	    "0,2");
	expect_selected(uid, pid, a, OPTS("--pages=all", "--flags", "~anon"),
	    "1,3");
	expect_selected(uid, pid, a, OPTS("--pages=all", "--flags", "anon",
	    "--flags", "file"), p1_file ? "0,1,2,3" : "0,2,3");
	expect_selected(uid, pid, a, OPTS("--pages=all", "--flags", "file"),
	    p1_file ? "1,3" : "3");
	expect_selected(uid, pid, a, OPTS("--pages=all", "--flags",
	    "~anon,~file"), p1_file ? "" : "1");
	/* page-types' long name for anon. */
	expect_selected(uid, pid, a, OPTS("--pages=all", "--flags", "anonymous"),
	    "0,2");
}

/* pmstat ARGS as uid: exit status, stdout and stderr. */
static int
run_err(int uid, const char *const *args, char **out, char **err)
{
	int status = tk_run_pmstat_err(uid, uid >= 0 ? NOBODY_GID : -1, out, err,
	    args);

	ck_assert_msg(status >= 0 && *out != NULL && *err != NULL,
	    "cannot run pmstat");
	return status;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

START_TEST(test_pages_flags)
{
	struct tk_child c;
	char path[64], r[64], p[16], *out, *err;
	uint64_t a;
	int status;

	make_seed_file(path, sizeof(path));
	spawn("seed", path, -1, &c);
	a = c.rep.addr[0];
	check_flag_selections(-1, c.pid, a);
	/* An unknown flag is a usage error. */
	status = run_err(-1, OPTS("--pages=all", "--flags", "bogus", "--range",
	    rangearg(r, sizeof(r), a, a + SEED_PAGES * ps),
	    pidarg(p, sizeof(p), c.pid)), &out, &err);
	ck_assert_msg(status == 2 && count_lines(err) == 1 &&
	    strstr(err, "bogus") != NULL && *out == '\0',
	    "--flags bogus: exit %d, stderr \"%s\", stdout \"%s\"; expected 2, "
	    "one line naming bogus, nothing", status, err, out);
	free(out);
	free(err);
	tk_kill(&c);

	if (!can_be_nobody("pages_flags (unprivileged part)"))
		return;
	spawn("seed", path, NOBODY_UID, &c);
	a = c.rep.addr[0];
	check_flag_selections(NOBODY_UID, c.pid, a);
	/* lru is kpageflags' alone: refused, not an empty selection. */
	status = run_err(NOBODY_UID, OPTS("--pages=all", "--json", "--flags",
	    "lru", "--range", rangearg(r, sizeof(r), a, a + SEED_PAGES * ps),
	    pidarg(p, sizeof(p), c.pid)), &out, &err);
	ck_assert_msg(status == 1 && count_lines(err) == 1 &&
	    strstr(err, "lru") != NULL && *out == '\0',
	    "--flags lru as nobody: exit %d, stderr \"%s\", stdout \"%s\"; "
	    "expected 1, one line naming lru, nothing", status, err, out);
	free(out);
	free(err);
	tk_kill(&c);
}
END_TEST

/* ---- --range edge cases for --pages ------------------------------------- */

/* The pages listed must be exactly want[0..n) (addresses), in order. */
static void
expect_page_addrs(json_t *root, pid_t pid, const uint64_t *want,
    const char *const *paths, size_t n, const char *what)
{
	json_t *pages = items(root, pid, "pages");

	ck_assert_msg(json_array_size(pages) == n, "%s: %zu pages listed, "
	    "expected %zu", what, json_array_size(pages), n);
	for (size_t i = 0; i < n; i++) {
		json_t *pg = json_array_get(pages, i);
		const char *p = json_string_value(json_object_get(pg, "path"));

		ck_assert_msg(tk_json_hex(pg, "addr") == want[i], "%s: entry %zu "
		    "is 0x%" PRIx64 ", expected 0x%" PRIx64, what, i,
		    tk_json_hex(pg, "addr"), want[i]);
		ck_assert_msg(p != NULL && strcmp(p, paths[i]) == 0,
		    "%s: 0x%" PRIx64 " has path \"%s\", expected \"%s\"", what,
		    want[i], p, paths[i]);
	}
}

/* Whether pid maps [vsyscall] at 0xffffffffff600000. */
static bool
has_vsyscall(pid_t pid)
{
	struct tk_smaps *sm;
	ssize_t n = tk_smaps_read(pid, &sm);
	bool found = false;

	for (ssize_t i = 0; i < n; i++)
		if (sm[i].start == UINT64_C(0xffffffffff600000) &&
		    strcmp(sm[i].path, "[vsyscall]") == 0)
			found = true;
	free(sm);
	return found;
}

/* --pages=runs over [start, end): the runs' (address, pages) in order. */
static void
expect_runs(pid_t pid, uint64_t start, uint64_t end, const uint64_t *addr,
    const int64_t *n, size_t nruns, const char *what)
{
	json_t *root = pmstat_view(-1, OPTS("--pages=runs"), pid, start, end);
	json_t *runs = items(root, pid, "runs"), *run;
	size_t i;

	ck_assert_msg(json_array_size(runs) == nruns, "%s: %zu runs, expected "
	    "%zu", what, json_array_size(runs), nruns);
	json_array_foreach(runs, i, run)
		ck_assert_msg(tk_json_hex(run, "addr") == addr[i] &&
		    tk_json_int(run, "pages") == n[i], "%s: run %zu is %" PRId64
		    " pages at 0x%" PRIx64 ", expected %" PRId64 " at 0x%" PRIx64,
		    what, i, tk_json_int(run, "pages"), tk_json_hex(run, "addr"),
		    n[i], addr[i]);
	json_decref(root);
}

START_TEST(test_pages_range_edges)
{
	struct tk_child c;
	char path[64];
	uint64_t anon, file, hole, ro, tail, want[8];
	const char *paths[8];
	json_t *root;

	make_seed_file(path, sizeof(path));
	spawn("mix", path, -1, &c);
	anon = c.rep.addr[MIX_AT_ANON];
	file = c.rep.addr[MIX_AT_FILE];
	hole = c.rep.addr[MIX_AT_HOLE];
	ro = c.rep.addr[MIX_AT_RO];
	tail = c.rep.addr[MIX_AT_TAIL];
	ck_assert(file == anon + MIX_ANON * ps && hole == file + SEED_PAGES * ps &&
	    ro == hole + MIX_HOLE * ps && tail == ro + MIX_RO * ps);

	/* Across two adjacent mappings: both, in order, each its own path. */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, file - 2 * ps,
	    file + 2 * ps);
	for (size_t i = 0; i < 4; i++) {
		want[i] = file - 2 * ps + i * ps;
		paths[i] = i < 2 ? "" : path;
	}
	expect_page_addrs(root, c.pid, want, paths, 4, "across two mappings");
	json_decref(root);

	/*
	 * ro's pages and tail's first ones are in the same state (untouched
	 * anonymous, flags 0) on both sides of a mapping boundary: listed one
	 * by one, in order; as runs, one per mapping, never one across.
	 */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, ro,
	    tail + MIX_TAIL_NONE * ps);
	for (size_t i = 0; i < MIX_RO + MIX_TAIL_NONE; i++) {
		want[i] = ro + i * ps;
		paths[i] = "";
	}
	expect_page_addrs(root, c.pid, want, paths, MIX_RO + MIX_TAIL_NONE,
	    "across two mappings in the same state");
	json_decref(root);
	expect_runs(c.pid, ro, tail + MIX_TAIL_NONE * ps,
	    (const uint64_t[]){ ro, tail },
	    (const int64_t[]){ MIX_RO, MIX_TAIL_NONE }, 2,
	    "runs across two mappings in the same state");
	expect_runs(c.pid, ro, tail + MIX_TAIL * ps,
	    (const uint64_t[]){ ro, tail, tail + MIX_TAIL_NONE * ps },
	    (const int64_t[]){ MIX_RO, MIX_TAIL_NONE, MIX_TAIL - MIX_TAIL_NONE },
	    3, "runs over ro and tail");

	/*
	 * Across a hole: the last page of the file mapping, MIX_HOLE unmapped
	 * pages, the first two of ro. pmstat lists the pages of mappings; an
	 * address in no mapping has no page (pagemap would read 0 there, as
	 * for a page not present), so the hole's pages are left out, not
	 * shown as "not present".
	 */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, file + 3 * ps,
	    ro + 2 * ps);
	want[0] = file + 3 * ps;
	paths[0] = path;
	want[1] = ro;
	want[2] = ro + ps;
	paths[1] = paths[2] = "";
	expect_page_addrs(root, c.pid, want, paths, 3, "across a hole");
	json_decref(root);
	expect_runs(c.pid, file + 3 * ps, ro + 2 * ps,
	    (const uint64_t[]){ file + 3 * ps, ro }, (const int64_t[]){ 1, 2 }, 2,
	    "runs across a hole");
	/* The hole alone: nothing, and no error. */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid, hole,
	    hole + MIX_HOLE * ps);
	expect_page_addrs(root, c.pid, want, paths, 0, "the hole alone");
	json_decref(root);

	/* The last page of the address space: no mapping, nothing listed. */
	root = pmstat_view(-1, OPTS("--pages=all"), c.pid,
	    UINT64_C(0xfffffffffffff000), 0);
	expect_page_addrs(root, c.pid, want, paths, 0, "the last page");
	json_decref(root);

	/* [vsyscall], above the task's address space: one page, not present. */
	if (!has_vsyscall(c.pid)) {
		tk_log_skip("pages_range_edges", "no [vsyscall] mapping");
	} else {
		json_t *pg;

		root = pmstat_view(-1, OPTS("--pages=all"), c.pid,
		    UINT64_C(0xffffffffff600000), 0);
		want[0] = UINT64_C(0xffffffffff600000);
		paths[0] = "[vsyscall]";
		expect_page_addrs(root, c.pid, want, paths, 1, "[vsyscall]");
		pg = json_array_get(items(root, c.pid, "pages"), 0);
		ck_assert_msg(!tk_json_bool(pg, "present") &&
		    !tk_json_bool(pg, "swapped") && tk_json_is_null(pg, "pfn"),
		    "[vsyscall]: present %d swapped %d",
		    tk_json_bool(pg, "present"), tk_json_bool(pg, "swapped"));
		json_decref(root);
	}
	tk_kill(&c);
}
END_TEST

/* ==== KSM (10) ========================================================== */

/*
 * The ksm layout, in one private anonymous mapping of KSM_N pages, made
 * MADV_MERGEABLE:
 *   pages [0, 64)   four patterns, page i has pattern i % 4: each becomes one
 *                   KSM page mapped 16 times (kpagecount 16, not exclusive);
 *   pages 64, 65    a fifth pattern: merged into one KSM page, then page 65 is
 *                   written, which gives it a copy of its own; page 64 stays a
 *                   KSM page mapped once (exclusive, kpagecount 1);
 *   pages [66, 74)  unique content: never merged;
 *   pages [74, 78)  only read: the zero page, which KSM leaves alone.
 * Every pattern is seeded with the child's pid, so no other process (another
 * run, another tree) holds a page KSM could merge ours with.
 */
#define KSM_GROUPS	4
#define KSM_GROUP_N	16
#define KSM_AT_PAIR	(KSM_GROUPS * KSM_GROUP_N)	/* 64: the lone KSM page */
#define KSM_AT_COPY	(KSM_AT_PAIR + 1)		/* 65: written after merging */
#define KSM_AT_UNIQUE	(KSM_AT_PAIR + 2)
#define KSM_UNIQUE	8
#define KSM_AT_ZERO	(KSM_AT_UNIQUE + KSM_UNIQUE)
#define KSM_ZERO	4
#define KSM_N		(KSM_AT_ZERO + KSM_ZERO)
#define KSM_MERGED	(KSM_GROUPS * KSM_GROUP_N + 1)		/* KPF_KSM at the end */
#define KSM_EXCL	(KSM_UNIQUE + 2)	/* unique pages, the lone KSM page, the copy */
#define KSM_SHARED	(KSM_GROUPS * KSM_GROUP_N)
#define KSM_ANON	(KSM_N - KSM_ZERO)
/* Each group's page is a 16th of a page to PSS; the mapping's Pss in pages. */
#define KSM_PSS		(KSM_EXCL + KSM_GROUPS)
/* The layout child waits this long for ksmd, inside tk_spawn()'s 20 s. */
#define KSM_WAIT_MS	15000

#define KSM_DIR		"/sys/kernel/mm/ksm"

/* A page of words from seed: distinct seeds give distinct first words. */
static void
ksm_fill(char *p, uint64_t seed)
{
	uint64_t *w = (uint64_t *)(void *)p;

	for (size_t j = 0; j < ps / sizeof(*w); j++)
		w[j] = seed * UINT64_C(0x9e3779b97f4a7c15) +
		    j * UINT64_C(0xbf58476d1ce4e5b9) + 1;
}

/* A number from /sys/kernel/mm/ksm/name, or -1. */
static long
ksm_sys(const char *name)
{
	char path[128];
	FILE *fp;
	long v = -1;

	snprintf(path, sizeof(path), KSM_DIR "/%s", name);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * In the layout child: wait until our smaps shows want pages of m merged
 * (ksmd needs a few full scans: a checksum, then the unstable tree, then the
 * merge; on 6.18 with the fixture's settings that took 5-20 ms). 0, or -1
 * with rep failed (or skipped).
 */
static int
ksm_wait(const char *m, long want, struct tk_report *rep)
{
	long fs0 = ksm_sys("full_scans"), fs = fs0, last = -1, since = fs0;
	struct tk_smaps s;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (tk_smaps_one(getpid(), (uintptr_t)m, &s) != 0)
			return tk_fail(rep, "ksm: no smaps entry at %p",
			    (const void *)m);
		if (s.ksm < 0) {
			tk_skip(rep, "smaps has no KSM line (an older kernel)");
			return -1;
		}
		fs = ksm_sys("full_scans");
		if (s.ksm == want * pk) {
			rep->val[1] += ms_since(&t0);
			rep->val[2] += fs - fs0;
			return 0;
		}
		if (s.ksm != last) {
			last = s.ksm;
			since = fs;
		}
		/* Twenty full scans with ten of them changing nothing: settled. */
		if (fs0 >= 0 && fs - fs0 >= 20 && fs - since >= 10)
			return tk_fail(rep, "ksm: merging settled at %ld kB of the "
			    "mapping, expected %ld kB (full_scans %ld -> %ld)",
			    s.ksm, want * pk, fs0, fs);
		if (ms_since(&t0) >= KSM_WAIT_MS)
			return tk_fail(rep, "ksm: %ld of %ld kB merged after %d ms "
			    "(full_scans %ld -> %ld, run %ld): ksmd is not merging",
			    s.ksm, want * pk, KSM_WAIT_MS, fs0, fs, ksm_sys("run"));
		usleep(5000);
	}
}

static void
layout_ksm(const char *arg, struct tk_report *rep)
{
	char *m = tk_reserve(KSM_N, 0);
	uint64_t base = (uint64_t)getpid() << 16;
	volatile const char *v = m;
	int64_t sum = 0;

	(void)arg;
	if (m == NULL || mprotect(m, KSM_N * ps, PROT_READ | PROT_WRITE) != 0) {
		tk_fail(rep, "ksm layout: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < KSM_N; i++) {
		if (i < KSM_AT_PAIR)
			ksm_fill(m + i * ps, base | (i % KSM_GROUPS));
		else if (i < KSM_AT_UNIQUE)
			ksm_fill(m + i * ps, base | KSM_GROUPS);
		else if (i < KSM_AT_ZERO)
			ksm_fill(m + i * ps, base | (0x100 + i));
		else
			sum += v[i * ps];
	}
	if (madvise(m, KSM_N * ps, MADV_MERGEABLE) != 0) {
		if (errno == EINVAL)
			tk_skip(rep, "MADV_MERGEABLE: %s (no KSM)", strerror(errno));
		else
			tk_fail(rep, "MADV_MERGEABLE: %s", strerror(errno));
		return;
	}
	if (ksm_wait(m, KSM_MERGED + 1, rep) != 0)
		return;
	/* A write to a KSM page copies it: page 64 is left mapped once. */
	ksm_fill(m + KSM_AT_COPY * ps, base | 0x200);
	if (ksm_wait(m, KSM_MERGED, rep) != 0)
		return;
	rep->addr[0] = (uintptr_t)m;
	rep->val[0] = sum;
	rep->ok = 1;
}

/*
 * The KSM settings are system-wide. The unchecked fixture (in the runner,
 * so that it runs however the test ends) saves them, speeds ksmd up and
 * turns it on; its teardown puts every one back. The saved values also go
 * to KSM_SAVED first: if the runner is killed in between, the next run
 * restores them from there. An flock on KSM_DIR/run (sysfs files take
 * flocks) serializes this test case across every tree that runs it, so
 * that no run saves another run's settings as the original ones.
 */
#define KSM_SAVED	"/tmp/pmstat-itest.ksm-saved"

/* Written in this order and restored in the reverse: run last, then first. */
static const struct {
	const char	*knob;
	long		 value;
	bool		 needed;	/* without it the test cannot run */
} ksm_knobs[] = {
	{ "pages_to_scan", 10000, false },
	{ "sleep_millisecs", 1, false },
	{ "run", 1, true },
};
#define KSM_KNOBS	(sizeof(ksm_knobs) / sizeof(ksm_knobs[0]))

/* What ksmd counts of the pages merged; ours go when ksmd reaps our children. */
static const char *const ksm_counters[] = {
	"pages_shared", "pages_sharing", "pages_unshared",
};
#define KSM_COUNTERS	(sizeof(ksm_counters) / sizeof(ksm_counters[0]))

/* Set in the runner by the unchecked fixture, seen by the forked test. */
static char ksm_skip[256];
static long ksm_saved[KSM_KNOBS];
static long ksm_base[KSM_COUNTERS];
static int ksm_lock_fd = -1;

static int
ksm_set(const char *knob, long v)
{
	char path[128];

	snprintf(path, sizeof(path), KSM_DIR "/%s", knob);
	return ksm_sys(knob) == v ? 0 : write_long_file(path, v);
}

/* Put back every saved setting, run first; 0 if all are back. */
static int
ksm_restore(const long *saved)
{
	int r = 0;

	for (size_t i = KSM_KNOBS; i-- > 0; ) {
		if (saved[i] < 0)
			continue;
		if (ksm_set(ksm_knobs[i].knob, saved[i]) != 0) {
			fprintf(stderr, "cannot restore %s/%s to %ld: %s\n", KSM_DIR,
			    ksm_knobs[i].knob, saved[i], strerror(errno));
			r = -1;
		}
	}
	return r;
}

/* Settings an interrupted run left in KSM_SAVED: put them back; 0 or -1. */
static int
ksm_recover(void)
{
	long saved[KSM_KNOBS];
	char knob[64];
	long v;
	FILE *fp = fopen(KSM_SAVED, "re");

	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	for (size_t i = 0; i < KSM_KNOBS; i++)
		saved[i] = -1;
	while (fscanf(fp, "%63s %ld", knob, &v) == 2)
		for (size_t i = 0; i < KSM_KNOBS; i++)
			if (strcmp(knob, ksm_knobs[i].knob) == 0)
				saved[i] = v;
	fclose(fp);
	fprintf(stderr, "note: ksm: restoring the settings an interrupted run "
	    "saved in %s\n", KSM_SAVED);
	if (ksm_restore(saved) != 0 || unlink(KSM_SAVED) != 0)
		return -1;
	return 0;
}

static bool
ksm_write_saved(void)
{
	int fd = open(KSM_SAVED, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	FILE *fp;
	bool ok;

	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (size_t i = 0; i < KSM_KNOBS; i++)
		fprintf(fp, "%s %ld\n", ksm_knobs[i].knob, ksm_saved[i]);
	ok = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
	return fclose(fp) == 0 && ok;
}

static void
ksm_setup(void)
{
	ksm_skip[0] = '\0';
	for (size_t i = 0; i < KSM_KNOBS; i++)
		ksm_saved[i] = -1;
	if (access(KSM_DIR "/run", F_OK) != 0) {
		snprintf(ksm_skip, sizeof(ksm_skip), "no %s/run: %s", KSM_DIR,
		    strerror(errno));
		return;
	}
	if (!am_root()) {
		snprintf(ksm_skip, sizeof(ksm_skip), "not root: cannot turn "
		    "ksmd on");
		return;
	}
	if ((ksm_lock_fd = open(KSM_DIR "/run", O_RDONLY | O_CLOEXEC)) < 0 ||
	    flock(ksm_lock_fd, LOCK_EX) != 0) {
		snprintf(ksm_skip, sizeof(ksm_skip), "cannot lock %s/run: %s",
		    KSM_DIR, strerror(errno));
		return;
	}
	/* Not knowing the original settings, change none. */
	if (ksm_recover() != 0) {
		snprintf(ksm_skip, sizeof(ksm_skip), "cannot restore the settings "
		    "in %s", KSM_SAVED);
		close(ksm_lock_fd);
		ksm_lock_fd = -1;
		return;
	}
	/* Below 16, each group's page would be split into a chain of dups. */
	if (ksm_sys("max_page_sharing") >= 0 &&
	    ksm_sys("max_page_sharing") < KSM_GROUP_N) {
		snprintf(ksm_skip, sizeof(ksm_skip), "%s/max_page_sharing is "
		    "%ld, below %d", KSM_DIR, ksm_sys("max_page_sharing"),
		    KSM_GROUP_N);
		return;
	}
	for (size_t i = 0; i < KSM_KNOBS; i++)
		if ((ksm_saved[i] = ksm_sys(ksm_knobs[i].knob)) < 0) {
			snprintf(ksm_skip, sizeof(ksm_skip), "cannot read %s/%s",
			    KSM_DIR, ksm_knobs[i].knob);
			return;
		}
	for (size_t i = 0; i < KSM_COUNTERS; i++)
		ksm_base[i] = ksm_sys(ksm_counters[i]);
	if (!ksm_write_saved())
		fprintf(stderr, "note: ksm: cannot save the settings in %s: %s\n",
		    KSM_SAVED, strerror(errno));
	for (size_t i = 0; i < KSM_KNOBS; i++) {
		if (ksm_set(ksm_knobs[i].knob, ksm_knobs[i].value) == 0)
			continue;
		if (ksm_knobs[i].needed) {
			snprintf(ksm_skip, sizeof(ksm_skip), "cannot write %s/%s: %s",
			    KSM_DIR, ksm_knobs[i].knob, strerror(errno));
			return;
		}
		/* pages_to_scan is refused while the scan-time advisor runs. */
		fprintf(stderr, "note: ksm: cannot set %s/%s to %ld (%s): scanning "
		    "at its own pace\n", KSM_DIR, ksm_knobs[i].knob,
		    ksm_knobs[i].value, strerror(errno));
	}
}

static void
ksm_teardown(void)
{
	struct timespec t0;
	long fs0;

	/*
	 * The children first. ksmd drops a dead process's rmap items and
	 * stable nodes when its scan reaches it: until then pages_shared and
	 * pages_sharing still count its pages, and stopping ksmd would leave
	 * them so. Wait for the counters to be back where they were, or (other
	 * processes merging meanwhile) two full scans.
	 */
	tk_cleanup();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ksm_sys("run") == 1 && (fs0 = ksm_sys("full_scans")) >= 0)
		while (ksm_sys("full_scans") < fs0 + 2 && ms_since(&t0) < 5000) {
			bool back = true;

			for (size_t i = 0; i < KSM_COUNTERS; i++)
				if (ksm_sys(ksm_counters[i]) > ksm_base[i])
					back = false;
			if (back)
				break;
			usleep(2000);
		}
	if (ksm_lock_fd >= 0 && ksm_restore(ksm_saved) == 0)
		unlink(KSM_SAVED);
	for (size_t i = 0; i < KSM_KNOBS; i++)
		ksm_saved[i] = -1;
	if (ksm_lock_fd >= 0)
		close(ksm_lock_fd);
	ksm_lock_fd = -1;
}

static void
expect_ksm_mapping(json_t *m, bool priv)
{
	EXPECT(m, "pages", KSM_N);
	EXPECT(m, "present", KSM_N);
	EXPECT(m, "zero", KSM_ZERO);
	EXPECT(m, "anon", KSM_ANON);
	EXPECT(m, "file", 0);
	EXPECT(m, "swapped", 0);
	EXPECT(m, "thp", 0);
	/*
	 * A KSM page mapped twice or more is shared (pagemap bit 56 clear); one
	 * mapped once has the bit, as smaps counts it Private_Dirty. So
	 * cow_shared, by its definition (anon, not exclusive), leaves the lone
	 * KSM page out, although the kernel copies a KSM page on every write
	 * (seen on 6.18: the lone page's next write gave it a new frame).
	 */
	EXPECT(m, "exclusive", KSM_EXCL);
	EXPECT(m, "shared", KSM_SHARED);
	EXPECT(m, "cow_shared", KSM_SHARED);
	EXPECT(m, "cow_copied", 0);
	if (priv) {
		EXPECT(m, "ksm", KSM_MERGED);
		EXPECT(m, "dirty", KSM_ANON);
		ck_assert_msg(tk_json_real(m, "pss") == (double)KSM_PSS,
		    "ksm: pss %f, expected %d", tk_json_real(m, "pss"), KSM_PSS);
	} else {
		EXPECT_NULL(m, "ksm");
		EXPECT_NULL(m, "dirty");
		EXPECT_NULL(m, "pss");
	}
}

/* The kernel's own view of the mapping, before pmstat's is compared with it. */
static void
expect_ksm_smaps(const struct tk_smaps *s)
{
	ck_assert_msg(tk_smaps_has_flag(s, "mg"), "ksm: VmFlags without mg: %s",
	    s->vmflags);
	ck_assert_int_eq(s->ksm, KSM_MERGED * pk);
	ck_assert_int_eq(s->rss, KSM_ANON * pk);
	ck_assert_int_eq(s->anonymous, KSM_ANON * pk);
	ck_assert_int_eq(s->private_clean + s->private_dirty, KSM_EXCL * pk);
	ck_assert_int_eq(s->shared_clean + s->shared_dirty, KSM_SHARED * pk);
	ck_assert_int_eq(s->pss, KSM_PSS * pk);
}

/*
 * Per page: each group one frame with KPF_KSM and kpagecount 16, a frame of
 * its own per group; the lone KSM page exclusive with kpagecount 1; the
 * copy, the unique pages ordinary exclusive pages; the zero page last.
 */
static void
expect_ksm_pages(int uid, pid_t pid, uint64_t addr)
{
	json_t *root = pmstat_pages(uid, pid, addr, KSM_N);
	json_t *proc = tk_json_process(root, pid);
	uint64_t gpfn[KSM_GROUPS + 1] = { 0 };
	bool priv = uid < 0 && am_root();

	for (size_t i = 0; i < KSM_N; i++) {
		json_t *pg = tk_json_page(proc, addr + i * ps);
		bool grouped = i < KSM_AT_PAIR, zero = i >= KSM_AT_ZERO;
		bool ksm = i <= KSM_AT_PAIR;
		int64_t count = grouped ? KSM_GROUP_N : zero ? 0 : 1;

		ck_assert_msg(tk_json_bool(pg, "present") &&
		    !tk_json_bool(pg, "file") && !tk_json_bool(pg, "swapped"),
		    "ksm page %zu: not present anonymous", i);
		ck_assert_msg(tk_json_bool(pg, "zero") == zero,
		    "ksm page %zu: zero %d", i, tk_json_bool(pg, "zero"));
		ck_assert_msg(tk_json_bool(pg, "exclusive") == (!grouped && !zero),
		    "ksm page %zu: exclusive %d, expected %d", i,
		    tk_json_bool(pg, "exclusive"), !grouped && !zero);
		if (!priv) {
			EXPECT_NULL(pg, "kpageflags");
			EXPECT_NULL(pg, "kpagecount");
			continue;
		}
		ck_assert_msg(flag_in(pg, "ksm") == ksm,
		    "ksm page %zu: KPF_KSM %d, expected %d", i, flag_in(pg, "ksm"),
		    ksm);
		ck_assert_msg(flag_in(pg, "anon") == !zero &&
		    flag_in(pg, "zero_page") == zero,
		    "ksm page %zu: kpageflags anon %d zero_page %d", i,
		    flag_in(pg, "anon"), flag_in(pg, "zero_page"));
		ck_assert_msg(tk_json_int(pg, "kpagecount") == count,
		    "ksm page %zu: kpagecount %" PRId64 ", expected %" PRId64, i,
		    tk_json_int(pg, "kpagecount"), count);
		if (grouped) {
			uint64_t pfn = tk_json_hex(pg, "pfn");

			if (i < KSM_GROUPS)
				gpfn[i] = pfn;
			ck_assert_msg(pfn == gpfn[i % KSM_GROUPS],
			    "ksm page %zu: frame 0x%" PRIx64 ", its group's is 0x%"
			    PRIx64, i, pfn, gpfn[i % KSM_GROUPS]);
		}
		if (i == KSM_AT_PAIR)
			gpfn[KSM_GROUPS] = tk_json_hex(pg, "pfn");
		if (i == KSM_AT_COPY)
			ck_assert_msg(tk_json_hex(pg, "pfn") != gpfn[KSM_GROUPS],
			    "ksm: the written page still maps the KSM frame");
	}
	for (int a = 0; priv && a <= KSM_GROUPS; a++)
		for (int b = a + 1; b <= KSM_GROUPS; b++)
			ck_assert_msg(gpfn[a] != gpfn[b],
			    "ksm: groups %d and %d share frame 0x%" PRIx64, a, b,
			    gpfn[a]);
	json_decref(root);
}

START_TEST(test_ksm)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;

	if (ksm_skip[0] != '\0') {
		tk_log_skip("ksm", "%s", ksm_skip);
		return;
	}
	if (!spawn("ksm", NULL, -1, &c))
		return;
	ck_assert_int_eq(c.rep.val[0], 0);
	root = pmstat_json(-1, NULL, c.pid, 0);
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	expect_ksm_smaps(&s);
	expect_ksm_mapping(m, true);
	/* ksm = KSM, exclusive, shared and pss against smaps; = --full-join. */
	relations(root, &c, "ksm");
	json_decref(root);
	expect_ksm_pages(-1, c.pid, c.rep.addr[0]);
	tk_kill(&c);
}
END_TEST

/* The layout and pmstat as nobody: the map counts known, the kpage ones null. */
START_TEST(test_ksm_unprivileged)
{
	struct tk_child c;
	struct tk_smaps s;
	json_t *root, *m;

	if (ksm_skip[0] != '\0') {
		tk_log_skip("ksm_unprivileged", "%s", ksm_skip);
		return;
	}
	if (!can_be_nobody("ksm_unprivileged") ||
	    !spawn("ksm", NULL, NOBODY_UID, &c))
		return;
	root = pmstat_json(NOBODY_UID, NULL, c.pid, 0);
	ck_assert_msg(json_is_false(json_object_get(root, "privileged")),
	    "pmstat as nobody claims privilege");
	m = mapping_of(root, c.pid, c.rep.addr[0], &s);
	expect_ksm_smaps(&s);
	expect_ksm_mapping(m, false);
	relations(root, &c, "ksm_unprivileged");
	json_decref(root);
	expect_ksm_pages(NOBODY_UID, c.pid, c.rep.addr[0]);

	/* Root sees the same process's KSM pages. */
	root = pmstat_json(-1, NULL, c.pid, 0);
	expect_ksm_mapping(mapping_of(root, c.pid, c.rep.addr[0], NULL), true);
	relations(root, &c, "ksm_unprivileged (root's run)");
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/* ==== the suite ========================================================= */

static TCase *
tcase(Suite *s, const char *name)
{
	TCase *tc = check_tcase(s, name);

	/* Checked: runs in the test when it passes; unchecked: in the runner. */
	tcase_add_checked_fixture(tc, NULL, tk_cleanup);
	tcase_add_unchecked_fixture(tc, NULL, tk_cleanup);
	tcase_set_timeout(tc, 60);
	return tc;
}

static Suite *
integration_suite(void)
{
	Suite *s = suite_create("integration");
	TCase *tc;

	tcase_add_test(tcase(s, "seed_private_file"), test_seed_private_file);
	tcase_add_test(tcase(s, "fork_cow"), test_fork_cow);
	tc = tcase(s, "zero_page");
	tcase_add_test(tc, test_zero_page);
	tcase_add_test(tc, test_huge_zero_page);
	tcase_add_test(tcase(s, "shared_anon"), test_shared_anon);
	tcase_add_test(tcase(s, "guard"), test_guard_not_swap);
	tc = tcase(s, "thp");
	tcase_add_test(tc, test_thp);
	tcase_add_test(tc, test_thp_fork);
	tcase_add_test(tcase(s, "scan_regions"), test_scan_regions);
	tcase_add_test(tcase(s, "sparse"), test_sparse_agrees_with_dense);
	tc = check_tcase(s, "hugetlb");
	tcase_add_checked_fixture(tc, NULL, tk_cleanup);
	tcase_add_unchecked_fixture(tc, huge_setup, huge_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hugetlb_not_thp);
	tc = check_tcase(s, "swap");
	tcase_add_checked_fixture(tc, NULL, tk_cleanup);
	tcase_add_unchecked_fixture(tc, swap_setup, swap_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_swap);
	tcase_add_test(tc, test_swap_unprivileged);
	tcase_add_test(tcase(s, "relations"), test_relations_all);
	tcase_add_test(tcase(s, "unprivileged"), test_unprivileged);
	tc = tcase(s, "errors");
	tcase_add_test(tc, test_missing_pid);
	tcase_add_test(tc, test_range);
	tcase_add_test(tcase(s, "no_kpage"), test_no_kpage);
	tc = tcase(s, "pages");
	tcase_add_test(tc, test_pages_seed);
	tcase_add_test(tc, test_pages_seed_unprivileged);
	tcase_add_test(tc, test_pages_flags);
	tcase_add_test(tc, test_pages_range_edges);
	tcase_add_test(tcase(s, "pages_runs"), test_pages_runs_1gib);
	tcase_add_test(tcase(s, "summary"), test_summary_kpageflags);
	tc = check_tcase(s, "ksm");
	tcase_add_checked_fixture(tc, NULL, tk_cleanup);
	tcase_add_unchecked_fixture(tc, ksm_setup, ksm_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ksm);
	tcase_add_test(tc, test_ksm_unprivileged);
	return s;
}

int
main(int argc, char **argv)
{
	int status;

	ps = (size_t)sysconf(_SC_PAGESIZE);
	pk = (long)(ps / 1024);
	tk_layout_main(argc, argv, layouts);	/* returns unless a layout */

	tk_init();
	atexit(tk_cleanup);
	if (getenv("PMSTAT") == NULL)
		fprintf(stderr, "PMSTAT not set, using %s\n", tk_pmstat_path());
	status = check_run(integration_suite(), CK_ENV);
	return status;
}
