/* columns.c - field descriptors in one place, so no output can drift */
#include "config.h"

#include <string.h>

#include "columns.h"

#define CTR_COL(ctr, nm, hdr, dflt, hlp) \
	[COL_COUNTER0 + (ctr)] = { .name = (nm), .header = (hdr), \
	    .kind = COLK_COUNTER, .counter = (ctr), .table_default = (dflt), \
	    .help = (hlp) }

const struct column columns[COL_COUNT] = {
	[COL_START] = { "start", "Address", COLK_ADDR, -1, true,
	    "first address of the mapping" },
	[COL_END] = { "end", "End", COLK_ADDR, -1, false,
	    "address just past the mapping" },
	[COL_PERMS] = { "perms", "Perm", COLK_PERMS, -1, true,
	    "permissions, p private or s shared" },
	[COL_OFFSET] = { "offset", "Offset", COLK_HEX, -1, false,
	    "file offset of the first page" },
	[COL_DEV] = { "dev", "Device", COLK_DEV, -1, false,
	    "device major:minor of the file" },
	[COL_INODE] = { "inode", "Inode", COLK_INODE, -1, false,
	    "inode of the file" },
	CTR_COL(CTR_PAGES, "pages", "Size", true, "virtual size"),
	CTR_COL(CTR_PRESENT, "present", "Present", true,
	    "pages in memory (pagemap bit 63)"),
	CTR_COL(CTR_SWAPPED, "swapped", "Swap", true,
	    "pages in swap (bit 62)"),
	CTR_COL(CTR_FILE, "file", "File", true,
	    "present page-cache or shmem pages (bit 61)"),
	CTR_COL(CTR_ANON, "anon", "Anon", true,
	    "present anonymous pages, not the zero page"),
	CTR_COL(CTR_ZERO, "zero", "Zero", true,
	    "present pages mapping the shared zero page"),
	CTR_COL(CTR_EXCLUSIVE, "exclusive", "Excl", true,
	    "present pages mapped only here (bit 56)"),
	CTR_COL(CTR_SHARED, "shared", "Shared", true,
	    "present pages mapped elsewhere too, not zero"),
	CTR_COL(CTR_DIRTY, "dirty", "Dirty", true,
	    "anon pages but clean swap cache, file pages with KPF_DIRTY"),
	CTR_COL(CTR_COW_COPIED, "cow_copied", "Copied", true,
	    "anon pages of a private file mapping: copied on write"),
	CTR_COL(CTR_COW_SHARED, "cow_shared", "CowShr", true,
	    "anon pages of a private mapping still shared"),
	CTR_COL(CTR_THP, "thp", "THP", true,
	    "pages of PMD-mapped transparent huge pages"),
	CTR_COL(CTR_KSM, "ksm", "KSM", true, "pages merged by KSM"),
	CTR_COL(CTR_SOFT_DIRTY, "soft_dirty", "SoftD", false,
	    "present or swapped pages with the soft-dirty bit (55)"),
	CTR_COL(CTR_PSS, "pss", "PSS", true,
	    "proportional set size: 1/kpagecount per page"),
	[COL_PATH] = { "path", "Mapping", COLK_PATH, -1, true,
	    "file, [heap], [stack]... (escaped)" },
};

int
col_lookup(const char *name, size_t len)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strlen(columns[i].name) == len &&
		    strncmp(columns[i].name, name, len) == 0)
			return i;
	return -1;
}

int
col_parse_list(const char *list, int *ids, size_t max, const char **bad)
{
	size_t n = 0;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		int id = col_lookup(p, len);

		if (id < 0 || n >= max) {
			*bad = p;
			return -1;
		}
		ids[n++] = id;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return (int)n;
}

size_t
col_defaults(int *ids, size_t max, bool table)
{
	size_t n = 0;

	for (int i = 0; i < COL_COUNT && n < max; i++)
		if (!table || columns[i].table_default)
			ids[n++] = i;
	return n;
}
