/*
 * delta.c - a watch's changes (--delta). Each sample's counters are kept by
 * key until the next one; a key is looked up in a hash index, since a
 * system-wide watch by mapping has a hundred thousand of them.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"

void
delta_init(struct delta *d)
{
	memset(d, 0, sizeof(*d));
}

/* FNV-1a: short keys, no adversary (the kernel wrote them). */
static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static uint64_t
key_hash(const struct delta_key *k)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	uint64_t w[6] = { (uint64_t)k->kind, (uint64_t)(unsigned int)k->pid,
	    k->a, k->b, k->c, k->d };

	h = mix(h, w, sizeof(w));
	if (k->s != NULL)
		h = mix(h, k->s, strlen(k->s));
	return h;
}

static bool
key_equal(const struct delta_key *x, const struct delta_key *y)
{
	if (x->kind != y->kind || x->pid != y->pid || x->a != y->a ||
	    x->b != y->b || x->c != y->c || x->d != y->d)
		return false;
	if (x->s == NULL || y->s == NULL)
		return x->s == y->s;
	return strcmp(x->s, y->s) == 0;
}

/* The slot of k in t's index: its entry's, or the free one it would take. */
static size_t
slot_of(const struct delta_table *t, const struct delta_key *k, uint64_t h)
{
	size_t mask = t->index_cap - 1, i = (size_t)h & mask;

	while (t->index[i] != 0 && !key_equal(&t->e[t->index[i] - 1].key, k))
		i = (i + 1) & mask;
	return i;
}

static const struct delta_entry *
table_find(const struct delta_table *t, const struct delta_key *k)
{
	size_t i;

	if (t->index_cap == 0)
		return NULL;
	i = slot_of(t, k, key_hash(k));
	return t->index[i] ? &t->e[t->index[i] - 1] : NULL;
}

/* Keep the index at most half full: rebuilt at twice the size. */
static int
table_grow_index(struct delta_table *t)
{
	size_t cap = t->index_cap ? t->index_cap * 2 : 64, *old = t->index;

	if ((t->index = calloc(cap, sizeof(*t->index))) == NULL) {
		t->index = old;
		return -ENOMEM;
	}
	free(old);
	t->index_cap = cap;
	for (size_t j = 0; j < t->n; j++)
		t->index[slot_of(t, &t->e[j].key, key_hash(&t->e[j].key))] = j + 1;
	return 0;
}

/* Remember c under k (a key seen twice in a sample keeps its first value). */
static int
table_add(struct delta_table *t, const struct delta_key *k,
    const struct counts *c)
{
	struct delta_entry *e;
	size_t i;

	if ((t->n + 1) * 2 > t->index_cap && table_grow_index(t) != 0)
		return -ENOMEM;
	i = slot_of(t, k, key_hash(k));
	if (t->index[i] != 0)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		if ((e = reallocarray(t->e, cap, sizeof(*e))) == NULL)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	e = &t->e[t->n];
	*e = (struct delta_entry){ .key = *k, .c = *c };
	if (k->s != NULL && (e->key.s = e->own = strdup(k->s)) == NULL)
		return -ENOMEM;
	t->index[i] = ++t->n;
	return 0;
}

/* Forget the entries, keeping the memory for the next sample. */
static void
table_clear(struct delta_table *t)
{
	for (size_t j = 0; j < t->n; j++)
		free(t->e[j].own);
	t->n = 0;
	if (t->index_cap > 0)
		memset(t->index, 0, t->index_cap * sizeof(*t->index));
}

static void
table_release(struct delta_table *t)
{
	table_clear(t);
	free(t->e);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

int
delta_apply(struct delta *d, const struct delta_key *k, struct counts *c)
{
	const struct delta_entry *last = table_find(&d->last, k);

	if (table_add(&d->now, k, c) != 0)
		return -ENOMEM;
	if (last == NULL)
		return 0;
	for (int i = 0; i < CTR_COUNT; i++)
		c->v[i] -= last->c.v[i];
	c->known &= last->c.known;
	return 0;
}

void
delta_next(struct delta *d)
{
	struct delta_table t = d->last;

	d->last = d->now;
	d->now = t;
	table_clear(&d->now);
}

void
delta_release(struct delta *d)
{
	table_release(&d->last);
	table_release(&d->now);
}
