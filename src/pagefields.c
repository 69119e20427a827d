/* pagefields.c - per-page field descriptors in one place, so no format can drift */
#include "config.h"

#include "pagefields.h"

#define ALL	(PFO_TABLE | PFO_CSV | PFO_JSON)
#define DATA	(PFO_CSV | PFO_JSON)

/* A fact with a letter in the table's Flags column. */
#define LETTERED(nm, ltr, s) \
	{ .name = (nm), .kind = PFK_BOOL, .in = DATA, .letter = (ltr), \
	    .slot = (s) }

const struct page_field page_fields[PFLD_COUNT] = {
	[PFLD_ADDR] = { .name = "addr", .header = "Address", .kind = PFK_ADDR,
	    .in = ALL, .width = -16 },
	[PFLD_PAGES] = { .name = "pages", .header = "Pages", .kind = PFK_COUNT,
	    .in = PFO_TABLE | PFO_CSV | PFO_JSON_RUNS, .width = 8 },
	[PFLD_STATE] = { .name = "state", .header = "State", .kind = PFK_STATE,
	    .in = PFO_TABLE, .width = -7 },
	[PFLD_LETTERS] = { .name = "letters", .header = "Flags",
	    .kind = PFK_LETTERS, .in = PFO_TABLE, .width = -7 },
	[PFLD_PRESENT] = { .name = "present", .kind = PFK_BOOL, .in = DATA },
	[PFLD_SWAPPED] = { .name = "swapped", .kind = PFK_BOOL, .in = DATA },
	[PFLD_FILE] = LETTERED("file", 'f', 0),
	[PFLD_EXCLUSIVE] = LETTERED("exclusive", 'x', 1),
	[PFLD_ZERO] = LETTERED("zero", 'z', 2),
	[PFLD_SOFT_DIRTY] = LETTERED("soft_dirty", 'd', 4),
	[PFLD_UFFD_WP] = LETTERED("uffd_wp", 'w', 5),
	[PFLD_GUARD] = LETTERED("guard", 'g', 6),
	[PFLD_PFN] = { .name = "pfn", .header = "PFN", .kind = PFK_HEX,
	    .in = ALL, .width = 10 },
	[PFLD_SWAP_TYPE] = { .name = "swap_type", .kind = PFK_NUM, .in = DATA },
	[PFLD_SWAP_OFFSET] = { .name = "swap_offset", .kind = PFK_HEX,
	    .in = DATA },
	[PFLD_KPAGECOUNT] = { .name = "kpagecount", .header = "Count",
	    .kind = PFK_NUM, .in = ALL, .width = 5 },
	[PFLD_SWAP] = { .name = "swap", .header = "Swap", .kind = PFK_SWAP,
	    .in = PFO_TABLE, .width = -12 },
	/* The table's KPageFlags column is ragged: the names have no width. */
	[PFLD_KPAGEFLAGS] = { .name = "kpageflags", .header = "KPageFlags",
	    .kind = PFK_NAMES, .in = ALL, .width = -24 },
	[PFLD_COW_COPIED] = LETTERED("cow_copied", 'c', 3),
	[PFLD_PAGEMAP] = { .name = "pagemap", .kind = PFK_HEX, .in = PFO_JSON },
	[PFLD_FLAGS] = { .name = "flags", .kind = PFK_HEX, .in = DATA },
	[PFLD_PATH] = { .name = "path", .header = "Mapping", .kind = PFK_PATH,
	    .in = ALL },
};

/* A fact that can be unknown (-1) as a value. */
static bool
tri_value(int8_t t, uint64_t *v)
{
	*v = t > 0;
	return t >= 0;
}

bool
pfield_value(const struct page_row *r, int id, uint64_t *v)
{
	const struct page_facts *f = &r->f;

	*v = 0;
	switch (id) {
	case PFLD_ADDR:
		*v = r->addr;
		return true;
	case PFLD_PAGES:
		*v = r->npages;
		return true;
	case PFLD_PRESENT:
		return tri_value(f->present, v);
	case PFLD_SWAPPED:
		return tri_value(f->swapped, v);
	case PFLD_FILE:
		return tri_value(f->file, v);
	case PFLD_EXCLUSIVE:
		return tri_value(f->exclusive, v);
	case PFLD_ZERO:
		return tri_value(f->zero, v);
	case PFLD_SOFT_DIRTY:
		return tri_value(f->soft_dirty, v);
	case PFLD_UFFD_WP:
		return tri_value(f->uffd_wp, v);
	case PFLD_GUARD:
		return tri_value(f->guard, v);
	case PFLD_COW_COPIED:
		return tri_value(f->cow_copied, v);
	case PFLD_PFN:
		*v = f->pfn;
		return f->have_pfn;
	case PFLD_SWAP_TYPE:
		*v = f->swap_type;
		return f->have_swap;
	case PFLD_SWAP_OFFSET:
		*v = f->swap_offset;
		return f->have_swap;
	case PFLD_KPAGECOUNT:
		*v = f->kcount;
		return f->have_kcount;
	case PFLD_KPAGEFLAGS:
		*v = f->kflags;
		return f->have_kflags;
	case PFLD_PAGEMAP:
		*v = r->pm;
		return true;
	case PFLD_FLAGS:
		*v = r->word;
		return true;
	default:
		return false;
	}
}

void
pfield_letters(const struct page_row *r, char *buf)
{
	for (int i = 0; i < PFIELD_NLETTERS; i++)
		buf[i] = '.';
	buf[PFIELD_NLETTERS] = '\0';
	for (int id = 0; id < PFLD_COUNT; id++) {
		const struct page_field *pf = &page_fields[id];
		uint64_t v;

		if (pf->letter == 0 || pf->slot < 0 || pf->slot >= PFIELD_NLETTERS)
			continue;
		if (!pfield_value(r, id, &v))
			buf[pf->slot] = '?';
		else if (v)
			buf[pf->slot] = pf->letter;
	}
}

const char *
pfield_state(const struct page_row *r)
{
	return r->f.present ? "present" : r->f.swapped ? "swapped" : "none";
}
