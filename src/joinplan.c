/* joinplan.c - need-driven kpage join: read only the words that matter */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "joinplan.h"
#include "pagemap.h"
#include "pagescan.h"
#include "stats.h"

long long
joinplan_meminfo_kb(const char *meminfo, const char *field)
{
	size_t len = strlen(field);
	const char *p = meminfo;

	while (p != NULL) {
		if (strncmp(p, field, len) == 0 && p[len] == ':')
			return strtoll(p + len + 1, NULL, 10);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

/* A small proc or sys file into buf; false if it cannot be read. */
static bool
slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "re");
	size_t n;

	if (fp == NULL)
		return false;
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return n > 0;
}

/*
 * True unless KSM is provably sharing nothing: a KSM page is a stable-tree
 * page, and every one of those counts in pages_shared. A sysfs that shows
 * /sys/kernel/mm but no ksm in it: a kernel without KSM. No sysfs at all
 * (a container may hide it): anything is possible.
 */
static bool
ksm_may_share(void)
{
	char buf[64];

	if (slurp("/sys/kernel/mm/ksm/pages_shared", buf, sizeof(buf)))
		return strtoull(buf, NULL, 10) != 0;
	return access("/sys/kernel/mm/ksm", F_OK) == 0 ||
	    access("/sys/kernel/mm", F_OK) != 0;
}

int
joinplan_ksm_stat(const char *text)
{
	static const char key[] = "ksm_mergeable:";
	const char *p = text;

	while (p != NULL) {
		if (strncmp(p, key, sizeof(key) - 1) == 0) {
			p += sizeof(key) - 1;
			p += strspn(p, " \t");
			if (strncmp(p, "no", 2) == 0 && (p[2] == '\n' || p[2] == '\0'))
				return 0;
			if (strncmp(p, "yes", 3) == 0 && (p[3] == '\n' || p[3] == '\0'))
				return 1;
			return -1;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

/*
 * ksm_merging_pages alone would not do: a child forked from a process with
 * KSM pages maps them before ksmd has scanned it, and with ksmd stopped it
 * never does, so its count stays 0. ksm_mergeable looks at the VMAs.
 */
bool
joinplan_ksm_of(const struct join_plan *p, int pid)
{
	char path[64], buf[512];

	if (p->full || !p->want_ksm || !p->ksm)
		return p->ksm;
	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
	if (!slurp(path, buf, sizeof(buf)))
		return true;
	return joinplan_ksm_stat(buf) != 0;
}

void
joinplan_init(struct join_plan *p, uint32_t wanted, bool full)
{
	char buf[8192];
	long long cached = -1, total = -1;

	memset(p, 0, sizeof(*p));
	p->full = full;
	p->want_dirty = (wanted & CTR_BIT(CTR_DIRTY)) != 0;
	p->want_ksm = (wanted & CTR_BIT(CTR_KSM)) != 0;
	p->want_pss = (wanted & CTR_BIT(CTR_PSS)) != 0;
	p->want_thp = (wanted & CTR_BIT(CTR_THP)) != 0;
	p->huge_count = (wanted & (CTR_BIT(CTR_EXCLUSIVE) |
	    CTR_BIT(CTR_SHARED) | CTR_BIT(CTR_COW_SHARED) | CTR_BIT(CTR_PSS)));
	if (slurp("/proc/meminfo", buf, sizeof(buf))) {
		cached = joinplan_meminfo_kb(buf, "SwapCached");
		total = joinplan_meminfo_kb(buf, "SwapTotal");
	}
	/*
	 * SwapCached lags: each CPU batches its changes to the count (up to
	 * 125 pages) and folds them in about once a second, so a handful of
	 * pages just read back from swap can hide behind a 0. Without any swap
	 * there is no swap cache; with swap, take it as possible.
	 */
	p->swapcache = cached != 0 || total != 0;
	p->ksm = ksm_may_share();
}
