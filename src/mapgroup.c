/* mapgroup.c - a run of small, nearby mappings, held to be read as one */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mapgroup.h"

int
mapgroup_init(struct mapgroup *g, size_t max_entries, uint64_t max_pages,
    uint64_t max_gap, unsigned int page_shift)
{
	memset(g, 0, sizeof(*g));
	if ((g->slot = calloc(max_entries, sizeof(*g->slot))) == NULL)
		return -ENOMEM;
	g->max = max_entries;
	g->max_pages = max_pages;
	g->max_gap = max_gap;
	g->page_shift = page_shift;
	return 0;
}

void
mapgroup_release(struct mapgroup *g)
{
	for (size_t i = 0; g->slot != NULL && i < g->max; i++)
		free(g->slot[i].path);
	free(g->slot);
	g->slot = NULL;
	g->n = g->max = 0;
}

bool
mapgroup_fits(const struct mapgroup *g, const struct maps_entry *e)
{
	uint64_t first, last, start = e->start >> g->page_shift;
	uint64_t end = e->end >> g->page_shift;

	if (end - start > g->max_pages)
		return false;
	if (g->n == 0)
		return true;
	if (g->n == g->max)
		return false;
	mapgroup_window(g, &first, &last);
	/* maps is in address order; anything else starts a new window. */
	return start >= last && start - last <= g->max_gap &&
	    end - first <= g->max_pages;
}

int
mapgroup_add(struct mapgroup *g, const struct maps_entry *e, bool need_scan)
{
	struct mapgroup_slot *s = &g->slot[g->n];

	if (s->cap < e->path_len + 1) {
		char *p = realloc(s->path, e->path_len + 1);

		if (p == NULL)
			return -ENOMEM;
		s->path = p;
		s->cap = e->path_len + 1;
	}
	memcpy(s->path, e->path, e->path_len + 1);
	s->e = *e;
	s->e.path = s->path;
	g->need_scan |= need_scan;
	g->n++;
	return 0;
}

void
mapgroup_window(const struct mapgroup *g, uint64_t *first, uint64_t *last)
{
	*first = g->slot[0].e.start >> g->page_shift;
	*last = g->slot[g->n - 1].e.end >> g->page_shift;
}
