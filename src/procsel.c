/* procsel.c - one pass over /proc that selects processes, as ps -C/-u and pgrep do */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procinfo.h"
#include "procsel.h"

/* One process seen in /proc, and whether a selector took it. */
struct seen {
	int	pid;
	int	ppid;
	bool	kthread;
	bool	zombie;
	bool	in_tree;
	bool	matched;
};

bool
procsel_active(const struct procsel *sel)
{
	return sel->all || sel->ntrees > 0 || sel->ncomms > 0 || sel->nuids > 0;
}

static int
cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static struct seen *
find_seen(struct seen *v, size_t n, int pid)
{
	struct seen key = { .pid = pid };

	return n > 0 ? bsearch(&key, v, n, sizeof(*v), cmp_seen) : NULL;
}

/* Every process in /proc with its parent; vanished ones are left out. */
static int
scan_proc(const struct procsel *sel, struct seen **out, size_t *nout)
{
	struct seen *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dir;
	int err = 0;

	if ((dir = opendir("/proc")) == NULL)
		return -errno;
	while ((errno = 0, d = readdir(dir)) != NULL) {
		struct proc_facts f;
		bool match = sel->all;
		char *end;
		long pid;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = strtol(d->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || pid > INT32_MAX)
			continue;
		/* A process that ends between readdir and here was never there. */
		if (procinfo_stat((int)pid, &f) != 0)
			continue;
		for (size_t i = 0; !match && i < sel->ncomms; i++)
			match = strcmp(f.comm, sel->comms[i]) == 0;
		if (!match && sel->nuids > 0 && procinfo_uid((int)pid, &f.uid) == 0)
			for (size_t i = 0; !match && i < sel->nuids; i++)
				match = f.uid == sel->uids[i];
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				err = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n++] = (struct seen){ .pid = (int)pid, .ppid = f.ppid,
		    .kthread = f.kthread, .zombie = f.state == 'Z' || f.state == 'X',
		    .matched = match };
	}
	if (err == 0 && errno != 0)
		err = -errno;
	closedir(dir);
	if (err != 0) {
		free(v);
		return err;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_seen);
	*out = v;
	*nout = n;
	return 0;
}

/*
 * Mark the descendants of the roots. Parents need not have smaller PIDs
 * (PIDs wrap), so repeat until nothing changes: one pass per generation.
 */
static void
mark_trees(const struct procsel *sel, struct seen *v, size_t n)
{
	bool changed = true;

	for (size_t i = 0; i < sel->ntrees; i++) {
		struct seen *s = find_seen(v, n, sel->trees[i]);

		if (s != NULL)
			s->in_tree = true;
	}
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			struct seen *parent;

			if (v[i].in_tree || v[i].ppid <= 0)
				continue;
			parent = find_seen(v, n, v[i].ppid);
			if (parent != NULL && parent->in_tree) {
				v[i].in_tree = true;
				changed = true;
			}
		}
	}
}

static bool
listed(const int *pids, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static int
append(int **pids, size_t *n, int pid)
{
	int *np = reallocarray(*pids, *n + 1, sizeof(**pids));

	if (np == NULL)
		return -ENOMEM;
	np[(*n)++] = pid;
	*pids = np;
	return 0;
}

/*
 * The children of every thread of pid, appended to *v (a queue): what
 * /proc/PID/task/TID/children lists (CONFIG_PROC_CHILDREN). Returns 0,
 * -ENOENT when the kernel has no such file, or -ENOMEM.
 */
static int
add_children(int pid, struct seen **v, size_t *n, size_t *cap)
{
	char path[320], *line = NULL;
	size_t cap_line = 0;
	struct dirent *d;
	DIR *dir;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if ((dir = opendir(path)) == NULL)
		return 0;	/* gone: no children to find */
	while (err == 0 && (d = readdir(dir)) != NULL) {
		char *p, *end;
		FILE *fp;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", pid,
		    d->d_name);
		if ((fp = fopen(path, "re")) == NULL) {
			/* A task that is still there without the file: no such file here. */
			snprintf(path, sizeof(path), "/proc/%d/task/%s", pid,
			    d->d_name);
			if (errno == ENOENT && access(path, F_OK) == 0)
				err = -ENOENT;
			continue;
		}
		/* One line of every child: getline, however many there are. */
		while (err == 0 && getline(&line, &cap_line, fp) > 0)
			for (p = line; err == 0; p = end) {
				long c = strtol(p, &end, 10);
				struct seen *nv;

				if (end == p)
					break;
				if (*n == *cap) {
					*cap = *cap ? *cap * 2 : 64;
					if ((nv = reallocarray(*v, *cap,
					    sizeof(*nv))) == NULL) {
						err = -ENOMEM;
						break;
					}
					*v = nv;
				}
				(*v)[(*n)++] = (struct seen){ .pid = (int)c,
				    .ppid = pid, .in_tree = true };
			}
		fclose(fp);
	}
	closedir(dir);
	free(line);
	return err;
}

/*
 * Only --tree: walk down from the roots through the children files rather
 * than reading every process in /proc. Returns -ENOENT where the kernel
 * lists no children (the caller then scans /proc).
 */
static int
scan_trees(const struct procsel *sel, struct seen **out, size_t *nout)
{
	struct seen *v = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (size_t i = 0; i < sel->ntrees && err == 0; i++)
		err = add_children(sel->trees[i], &v, &n, &cap);
	/* The queue grows as it is walked: each child's children follow. */
	for (size_t i = 0; i < n && err == 0; i++) {
		struct proc_facts f;

		if (procinfo_stat(v[i].pid, &f) != 0) {
			v[i].pid = 0;	/* gone */
			continue;
		}
		v[i].kthread = f.kthread;
		v[i].zombie = f.state == 'Z' || f.state == 'X';
		err = add_children(v[i].pid, &v, &n, &cap);
	}
	if (err != 0) {
		free(v);
		return err;
	}
	/* qsort's array may not be NULL, even empty (a root with no children). */
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_seen);
	*out = v;
	*nout = n;
	return 0;
}

int
procsel_collect(const struct procsel *sel, int **pids, size_t *n,
    struct procsel_skips *sk)
{
	size_t nseen = 0, first = *n;
	struct seen *v = NULL;
	int self = (int)getpid();
	int r;

	memset(sk, 0, sizeof(*sk));
	r = -ENOENT;
	if (!sel->all && sel->ncomms == 0 && sel->nuids == 0)
		r = scan_trees(sel, &v, &nseen);
	if (r == -ENOENT) {
		if ((r = scan_proc(sel, &v, &nseen)) != 0)
			return r;
		mark_trees(sel, v, nseen);
	} else if (r != 0)
		return r;
	/* Roots as named: a root that is gone gets its error like any PID. */
	for (size_t i = 0; i < sel->ntrees && r == 0; i++)
		if (!listed(*pids, *n, sel->trees[i]))
			r = append(pids, n, sel->trees[i]);
	for (size_t i = 0; i < nseen && r == 0; i++) {
		if ((!v[i].matched && !v[i].in_tree) || v[i].pid <= 0)
			continue;
		if (listed(*pids, first, v[i].pid))
			continue;
		if (listed(sel->trees, sel->ntrees, v[i].pid))
			continue;	/* a root, already there */
		/* pmstat itself changes as it reads: only when named. */
		if (v[i].pid == self)
			continue;
		if (v[i].kthread)
			sk->kthreads++;
		else if (v[i].zombie)
			sk->zombies++;
		else
			r = append(pids, n, v[i].pid);
	}
	free(v);
	return r;
}

void
procsel_free(struct procsel *sel)
{
	free(sel->trees);
	for (size_t i = 0; i < sel->ncomms; i++)
		free(sel->comms[i]);
	free(sel->comms);
	free(sel->uids);
	memset(sel, 0, sizeof(*sel));
}
