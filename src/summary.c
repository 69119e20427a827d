/* summary.c - counting pages per flags word */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

/* A word never produced: pageflags_word() never sets bit 60. */
#define EMPTY	UINT64_MAX

void
summary_init(struct summary *s)
{
	memset(s, 0, sizeof(*s));
}

static size_t
slot_of(uint64_t flags, size_t cap)
{
	/* Fibonacci hashing spreads words that differ in a few bits. */
	return (size_t)((flags * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

static struct summary_entry *
find(struct summary_entry *slots, size_t cap, uint64_t flags)
{
	size_t i = slot_of(flags, cap);

	while (slots[i].flags != EMPTY && slots[i].flags != flags)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int
grow(struct summary *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct summary_entry *slots = reallocarray(NULL, cap, sizeof(*slots));

	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		slots[i].flags = EMPTY;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].flags != EMPTY)
			*find(slots, cap, s->slots[i].flags) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int
summary_add(struct summary *s, uint64_t flags, uint64_t n)
{
	struct summary_entry *e;

	/* At most half full, so probes stay short. */
	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return -ENOMEM;
	e = find(s->slots, s->cap, flags);
	if (e->flags == EMPTY) {
		e->flags = flags;
		e->pages = 0;
		s->n++;
	}
	e->pages += n;
	return 0;
}

static int
by_pages(const void *a, const void *b)
{
	const struct summary_entry *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages < y->pages ? 1 : -1;
	return (x->flags > y->flags) - (x->flags < y->flags);
}

struct summary_entry *
summary_sorted(const struct summary *s, int *err)
{
	struct summary_entry *out;
	size_t k = 0;

	*err = 0;
	if (s->n == 0)
		return NULL;
	if ((out = reallocarray(NULL, s->n, sizeof(*out))) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].flags != EMPTY)
			out[k++] = s->slots[i];
	qsort(out, k, sizeof(*out), by_pages);
	return out;
}

void
summary_clear(struct summary *s)
{
	for (size_t i = 0; i < s->cap; i++)
		s->slots[i].flags = EMPTY;
	s->n = 0;
}

void
summary_release(struct summary *s)
{
	free(s->slots);
	summary_init(s);
}
