/* smaps.c - read the few lines of /proc/PID/smaps that settle what pagemap cannot */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "smaps.h"

static const struct {
	const char	*name;
	enum smaps_field field;
} fields[] = {
	{ "Rss",		SM_RSS },
	{ "Pss",		SM_PSS },
	{ "Shared_Clean",	SM_SHARED_CLEAN },
	{ "Shared_Dirty",	SM_SHARED_DIRTY },
	{ "Private_Clean",	SM_PRIVATE_CLEAN },
	{ "Private_Dirty",	SM_PRIVATE_DIRTY },
	{ "Anonymous",		SM_ANONYMOUS },
	{ "KSM",		SM_KSM },
	{ "AnonHugePages",	SM_ANON_HUGE },
	{ "ShmemPmdMapped",	SM_SHMEM_PMD },
	{ "FilePmdMapped",	SM_FILE_PMD },
	{ "Swap",		SM_SWAP },
};

/* "start-end " at the head of a line: 1 with the two addresses, else 0. */
static int
parse_head(const char *line, uint64_t *start, uint64_t *end)
{
	char *p;

	errno = 0;
	*start = strtoull(line, &p, 16);
	if (p == line || *p != '-' || errno != 0)
		return 0;
	line = p + 1;
	*end = strtoull(line, &p, 16);
	if (p == line || *p != ' ' || errno != 0)
		return 0;
	return 1;
}

int
smaps_parse_line(const char *line, struct smaps_rec *rec)
{
	const char *colon = strchr(line, ':');
	size_t len;
	char *p;
	long long v;

	if (parse_head(line, &rec->start, &rec->end)) {
		for (int i = 0; i < SM_NFIELDS; i++)
			rec->kb[i] = -1;
		return 1;
	}
	/* A field line: a name with no space before its colon. */
	if (colon == NULL || colon == line || strcspn(line, " \t") < (size_t)(colon - line))
		return -1;
	len = (size_t)(colon - line);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].name) != len ||
		    strncmp(fields[i].name, line, len) != 0)
			continue;
		errno = 0;
		v = strtoll(colon + 1, &p, 10);
		if (p == colon + 1 || errno != 0 || v < 0)
			return -1;
		rec->kb[fields[i].field] = v;
		break;
	}
	return 0;
}

int
smaps_open(struct smaps_reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	if ((r->fp = fopen(path, "re")) == NULL)
		return -errno;
	return 0;
}

/* The next line into r->line: 1, 0 at the end, or -errno. */
static int
next_line(struct smaps_reader *r)
{
	if (r->eof)
		return 0;
	errno = 0;
	if (getline(&r->line, &r->cap, r->fp) < 0) {
		r->eof = true;
		return errno != 0 && ferror(r->fp) ? -errno : 0;
	}
	return 1;
}

/* Read up to the next header line (kept in r->line): 1, 0 at the end, -errno. */
static int
next_head(struct smaps_reader *r)
{
	struct smaps_rec scratch;
	int got;

	while ((got = next_line(r)) == 1)
		if (smaps_parse_line(r->line, &scratch) == 1) {
			r->have_head = true;
			return 1;
		}
	return got;
}

/* The record whose header r->line holds, to the next header or the end. */
static int
read_record(struct smaps_reader *r, struct smaps_rec *rec)
{
	int got;

	smaps_parse_line(r->line, rec);
	r->have_head = false;
	while ((got = next_line(r)) == 1) {
		uint64_t a, b;

		if (parse_head(r->line, &a, &b)) {
			/* The next record's header: kept for the next question. */
			r->have_head = true;
			return 0;
		}
		smaps_parse_line(r->line, rec);
	}
	return got;
}

int
smaps_find(struct smaps_reader *r, uint64_t start, uint64_t end,
    struct smaps_rec *rec)
{
	struct smaps_rec head;
	int err;

	for (;;) {
		if (!r->have_head && (err = next_head(r)) <= 0)
			return err;
		smaps_parse_line(r->line, &head);
		/* A later mapping: keep it for the next question. */
		if (head.start > start)
			return 0;
		if ((err = read_record(r, rec)) < 0)
			return err;
		if (head.start == start)
			return head.end == end ? 1 : 0;
	}
}

void
smaps_close(struct smaps_reader *r)
{
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->line);
	memset(r, 0, sizeof(*r));
}
