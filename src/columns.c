/* columns.c - field descriptors in one place, so no output can drift */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "columns.h"

#define CTR_COL(ctr, nm, hdr, lvl, al, hlp) \
	[COL_COUNTER0 + (ctr)] = { .name = (nm), .header = (hdr), \
	    .kind = COLK_COUNTER, .counter = (ctr), .level = (lvl), \
	    .aliases = (al), .help = (hlp) }

/*
 * The default table holds what people ask of a mapping first, and fits 80
 * columns: how much is in memory (present, pmap's and ps's RSS), how much is
 * its own (anon), how much is shared with other processes, a fork relative
 * or the page cache (shared), how much is in swap, and its fair share (pss).
 * The virtual size is a property of the mapping rather than of its pages,
 * and the number that outgrows any width (reservations of terabytes): -x.
 * The file's identity (offset, device, inode) and the end address, as
 * pmap -X shows them, only at the last level, -X.
 *
 * Aliases are the names users bring: pmap -x's Kbytes and Mode, ps's VSZ and
 * RSS, smem's VSS and USS (Private_Clean + Private_Dirty of smaps: the pages
 * mapped by this process only, which is exclusive), smaps' Anonymous.
 */
const struct column columns[COL_COUNT] = {
	[COL_START] = { "start", "Address", COLK_ADDR, -1, COLV_DEFAULT, NULL,
	    "first address of the mapping" },
	[COL_END] = { "end", "End", COLK_ADDR, -1, COLV_ALL, NULL,
	    "address just past the mapping" },
	[COL_PERMS] = { "perms", "Perm", COLK_PERMS, -1, COLV_DEFAULT, "mode",
	    "permissions, p private or s shared" },
	[COL_OFFSET] = { "offset", "Offset", COLK_HEX, -1, COLV_ALL, NULL,
	    "file offset of the first page" },
	[COL_DEV] = { "dev", "Device", COLK_DEV, -1, COLV_ALL, NULL,
	    "device major:minor of the file" },
	[COL_INODE] = { "inode", "Inode", COLK_INODE, -1, COLV_ALL, NULL,
	    "inode of the file" },
	CTR_COL(CTR_PAGES, "pages", "Size", COLV_EXTENDED, "kbytes,vsz,vss",
	    "virtual size"),
	CTR_COL(CTR_PRESENT, "present", "Present", COLV_DEFAULT, "rss",
	    "pages in memory (pagemap bit 63)"),
	CTR_COL(CTR_SWAPPED, "swapped", "Swap", COLV_DEFAULT, NULL,
	    "pages in swap (bit 62)"),
	CTR_COL(CTR_FILE, "file", "File", COLV_EXTENDED, NULL,
	    "present page-cache or shmem pages (bit 61)"),
	CTR_COL(CTR_ANON, "anon", "Anon", COLV_DEFAULT, "anonymous",
	    "present anonymous pages, not the zero page"),
	CTR_COL(CTR_ZERO, "zero", "Zero", COLV_EXTENDED, NULL,
	    "present pages mapping the shared zero page"),
	CTR_COL(CTR_EXCLUSIVE, "exclusive", "Excl", COLV_EXTENDED, "uss",
	    "present pages mapped only here (bit 56)"),
	CTR_COL(CTR_SHARED, "shared", "Shared", COLV_DEFAULT, NULL,
	    "present pages mapped elsewhere too, not zero"),
	CTR_COL(CTR_DIRTY, "dirty", "Dirty", COLV_EXTENDED, NULL,
	    "anon (not clean swap cache) and KPF_DIRTY file pages"),
	CTR_COL(CTR_COW_COPIED, "cow_copied", "Copied", COLV_EXTENDED, NULL,
	    "anon pages of a private file mapping: copied on write"),
	CTR_COL(CTR_COW_SHARED, "cow_shared", "CowShr", COLV_EXTENDED, NULL,
	    "anon pages of a private mapping still shared"),
	CTR_COL(CTR_THP, "thp", "THP", COLV_EXTENDED, NULL,
	    "pages of PMD-mapped transparent huge pages"),
	CTR_COL(CTR_KSM, "ksm", "KSM", COLV_EXTENDED, NULL,
	    "pages merged by KSM"),
	CTR_COL(CTR_SOFT_DIRTY, "soft_dirty", "SoftD", COLV_EXTENDED, NULL,
	    "present or swapped pages with the soft-dirty bit (55)"),
	CTR_COL(CTR_PSS, "pss", "PSS", COLV_DEFAULT, NULL,
	    "proportional set size: 1/kpagecount per page"),
	[COL_PATH] = { "path", "Mapping", COLK_PATH, -1, COLV_DEFAULT, NULL,
	    "file, [heap], [stack]... (escaped)" },
};

/* Whether key is name[0..len), in any case. */
static bool
key_is(const char *key, size_t klen, const char *name, size_t len)
{
	return klen == len && strncasecmp(key, name, len) == 0;
}

int
col_lookup(const char *name, size_t len)
{
	for (int i = 0; i < COL_COUNT; i++) {
		const struct column *col = &columns[i];
		const char *a = col->aliases;

		if (key_is(col->name, strlen(col->name), name, len) ||
		    key_is(col->header, strlen(col->header), name, len))
			return i;
		while (a != NULL && *a != '\0') {
			size_t alen = strcspn(a, ",");

			if (key_is(a, alen, name, len))
				return i;
			a += alen + (a[alen] == ',');
		}
	}
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
col_defaults(int *ids, size_t max, enum col_level level)
{
	size_t n = 0;

	for (int i = 0; i < COL_COUNT && n < max; i++)
		if (columns[i].level <= level)
			ids[n++] = i;
	return n;
}

static int
aliases_usage(FILE *fp, const char *a)
{
	const char *sep = "also ";

	if (fprintf(fp, "%25s", "") < 0)
		return -1;
	for (size_t len; *a != '\0'; a += len + (a[len] == ',')) {
		len = strcspn(a, ",");
		if (fprintf(fp, "%s%.*s", sep, (int)len, a) < 0)
			return -1;
		sep = ", ";
	}
	return putc('\n', fp) == EOF ? -1 : 0;
}

int
col_usage(FILE *fp)
{
	static const char mark[] = { [COLV_DEFAULT] = '*',
	    [COLV_EXTENDED] = 'x', [COLV_ALL] = 'X' };

	if (fputs("\nColumns (-o takes a name, a table header or an alias, in any case;\n"
	    "the table shows * by default, x too with -x, X too with -X):\n", fp) < 0)
		return -1;
	for (int i = 0; i < COL_COUNT; i++) {
		const struct column *col = &columns[i];

		if (fprintf(fp, "  %-11s %-8s %c %s\n", col->name, col->header,
		    mark[col->level], col->help) < 0)
			return -1;
		/* Aliases on a line of their own: the help lines fill 80 columns. */
		if (col->aliases != NULL && aliases_usage(fp, col->aliases) < 0)
			return -1;
	}
	return 0;
}
