/* rollup.c - summing counters into rows per process, path or user, and sorting them */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollup.h"

void
rollup_init(struct rollup *r, enum by_mode by)
{
	memset(r, 0, sizeof(*r));
	r->by = by;
	stats_init(&r->totals, CTR_ALL);
}

static struct rollup_row *
new_row(struct rollup *r)
{
	struct rollup_row *row;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct rollup_row *nr = reallocarray(r->rows, cap, sizeof(*nr));

		if (nr == NULL)
			return NULL;
		r->rows = nr;
		r->cap = cap;
	}
	row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	row->uid = (uid_t)-1;
	row->last_pid = -1;
	stats_init(&row->c, CTR_ALL);
	return row;
}

/* FNV-1a: paths and uids hash well enough, and it needs no state. */
static uint64_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static bool
row_is(const struct rollup *r, const struct rollup_row *row, const char *path,
    uid_t uid)
{
	return r->by == BY_PATH ? strcmp(row->path, path) == 0 : row->uid == uid;
}

static uint64_t
row_hash(const struct rollup *r, const char *path, uid_t uid)
{
	return r->by == BY_PATH ? hash_bytes(path, strlen(path)) :
	    hash_bytes(&uid, sizeof(uid));
}

/* Rebuild the index at twice the rows' number, so it stays at most half full. */
static int
reindex(struct rollup *r)
{
	size_t cap = r->index_cap ? r->index_cap * 2 : 256;
	size_t *ix = calloc(cap, sizeof(*ix));

	if (ix == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct rollup_row *row = &r->rows[i];
		size_t h = (size_t)row_hash(r, row->path, row->uid) & (cap - 1);

		while (ix[h] != 0)
			h = (h + 1) & (cap - 1);
		ix[h] = i + 1;	/* 0 marks an empty slot */
	}
	free(r->index);
	r->index = ix;
	r->index_cap = cap;
	return 0;
}

/* The row of a path (BY_PATH) or uid (BY_USER), made on first use. */
static struct rollup_row *
keyed_row(struct rollup *r, const char *path, uid_t uid)
{
	struct rollup_row *row;
	size_t h;

	if ((r->n + 1) * 2 > r->index_cap && reindex(r) != 0)
		return NULL;
	h = (size_t)row_hash(r, path, uid) & (r->index_cap - 1);
	for (; r->index[h] != 0; h = (h + 1) & (r->index_cap - 1))
		if (row_is(r, &r->rows[r->index[h] - 1], path, uid))
			return &r->rows[r->index[h] - 1];
	if ((row = new_row(r)) == NULL)
		return NULL;
	row->uid = uid;
	if ((path != NULL && (row->path = strdup(path)) == NULL) ||
	    (path == NULL && (row->user = strdup(rollup_user_name(uid))) == NULL)) {
		free(row->path);
		r->n--;
		return NULL;
	}
	r->index[h] = r->n;
	return row;
}

static int
dup_or_null(char **dst, const char *src)
{
	*dst = NULL;
	return src != NULL && (*dst = strdup(src)) == NULL ? -ENOMEM : 0;
}

int
rollup_process(struct rollup *r, int pid, int ppid, uid_t uid,
    const char *comm, const char *cmdline, const struct counts *totals,
    const char *error)
{
	struct rollup_row *row;

	if (totals != NULL)
		stats_merge(&r->totals, totals);
	if (r->by == BY_USER) {
		if (totals == NULL)
			return 0;
		if ((row = keyed_row(r, NULL, uid)) == NULL)
			return -ENOMEM;
		row->nprocs++;
		stats_merge(&row->c, totals);
		return 0;
	}
	if (r->by != BY_PROCESS)
		return 0;
	if ((row = new_row(r)) == NULL)
		return -ENOMEM;
	row->pid = pid;
	row->ppid = ppid;
	row->uid = uid;
	row->error = error;
	if (totals != NULL)
		row->c = *totals;
	if (dup_or_null(&row->comm, comm) != 0 ||
	    dup_or_null(&row->cmdline, cmdline) != 0 ||
	    dup_or_null(&row->user, rollup_user_name(uid)) != 0) {
		free(row->comm);
		free(row->cmdline);
		free(row->user);
		r->n--;
		return -ENOMEM;
	}
	return 0;
}

int
rollup_mapping(struct rollup *r, int pid, const struct maps_entry *e,
    const struct counts *c)
{
	struct rollup_row *row;

	if (r->by != BY_PATH)
		return 0;
	/* Anonymous mappings have no path: one row for all of them, as pmap names them. */
	if ((row = keyed_row(r, e->path[0] ? e->path : "[anon]", 0)) == NULL)
		return -ENOMEM;
	row->uid = (uid_t)-1;
	row->nmappings++;
	if (row->last_pid != pid) {
		/* A process's mappings come together: a new pid is a new process. */
		row->nprocs++;
		row->last_pid = pid;
	}
	stats_merge(&row->c, c);
	return 0;
}

struct sort_ctx {
	const struct sort_key	*keys;
	size_t			 nkeys;
	enum by_mode		 by;
};

static int
cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* One key, ascending; an unknown counter sorts after every known one. */
static int
cmp_key(const struct rollup_row *a, const struct rollup_row *b,
    const struct sort_key *k, bool *unknown)
{
	*unknown = false;
	switch (k->field) {
	case SORT_COUNTER: {
		bool ka = stats_is_known(&a->c, k->counter) && a->error == NULL;
		bool kb = stats_is_known(&b->c, k->counter) && b->error == NULL;

		if (!ka || !kb) {
			*unknown = true;
			return (int)!ka - (int)!kb;
		}
		return cmp_u64(a->c.v[k->counter], b->c.v[k->counter]);
	}
	case SORT_PID:
		return cmp_u64((uint64_t)a->pid, (uint64_t)b->pid);
	case SORT_PPID:
		return cmp_u64((uint64_t)a->ppid, (uint64_t)b->ppid);
	case SORT_UID:
		return cmp_u64(a->uid, b->uid);
	case SORT_USER:
		return cmp_str(a->user, b->user);
	case SORT_COMM:
		return cmp_str(a->comm, b->comm);
	case SORT_PATH:
		return cmp_str(a->path, b->path);
	case SORT_PROCS:
		return cmp_u64(a->nprocs, b->nprocs);
	}
	return 0;
}

static int
cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct rollup_row *a = pa, *b = pb;
	const struct sort_ctx *ctx = arg;

	for (size_t i = 0; i < ctx->nkeys; i++) {
		bool unknown;
		int c = cmp_key(a, b, &ctx->keys[i], &unknown);

		if (c != 0)
			return ctx->keys[i].desc && !unknown ? -c : c;
	}
	/* Ties in a stable, documented order. */
	if (ctx->by == BY_PATH)
		return cmp_str(a->path, b->path);
	if (ctx->by == BY_USER)
		return cmp_u64(a->uid, b->uid);
	return cmp_u64((uint64_t)a->pid, (uint64_t)b->pid);
}

void
rollup_sort(struct rollup *r, const struct sort_key *keys, size_t nkeys)
{
	struct sort_key dflt = { .field = SORT_COUNTER, .counter = CTR_PSS,
	    .desc = true };
	struct sort_ctx ctx = { .keys = keys, .nkeys = nkeys, .by = r->by };

	if (nkeys == 0) {
		bool pss = false;

		for (size_t i = 0; i < r->n && !pss; i++)
			pss = r->rows[i].error == NULL &&
			    stats_is_known(&r->rows[i].c, CTR_PSS);
		if (!pss)
			dflt.counter = CTR_PRESENT;
		ctx.keys = &dflt;
		ctx.nkeys = 1;
	}
	/* The hash index points at rows by position: sorting ends its use. */
	free(r->index);
	r->index = NULL;
	r->index_cap = 0;
	if (r->n > 0)
		qsort_r(r->rows, r->n, sizeof(*r->rows), cmp_rows, &ctx);
}

const char *
rollup_user_name(uid_t uid)
{
	static struct { uid_t uid; char name[64]; } cache[64];
	static size_t ncache, next;
	struct passwd *pw;
	size_t slot;

	for (size_t i = 0; i < ncache; i++)
		if (cache[i].uid == uid)
			return cache[i].name;
	slot = ncache < 64 ? ncache++ : next++ % 64;
	cache[slot].uid = uid;
	if (uid == (uid_t)-1)
		snprintf(cache[slot].name, sizeof(cache[slot].name), "?");
	else if ((pw = getpwuid(uid)) != NULL)
		snprintf(cache[slot].name, sizeof(cache[slot].name), "%s", pw->pw_name);
	else
		snprintf(cache[slot].name, sizeof(cache[slot].name), "%u",
		    (unsigned int)uid);
	return cache[slot].name;
}

void
rollup_release(struct rollup *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].comm);
		free(r->rows[i].cmdline);
		free(r->rows[i].path);
		free(r->rows[i].user);
	}
	free(r->rows);
	free(r->index);
	memset(r, 0, sizeof(*r));
}
