/* maps.c - /proc/PID/maps parser: one pure line parser and a getline reader */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

/*
 * The kernel pads the fields before the path to a width of 25 + 6 * the width
 * of a 64-bit pointer - 1 = 73 characters, the last of them the space that
 * ends the padding, so a path starts at column 73 (counted from 0). Parsing by
 * position keeps the leading spaces of a file name that has them.
 */
#define MAPS_PATH_COLUMN	73

static const char deleted_suffix[] = " (deleted)";

/*
 * The value of a hex digit, or -1. Not isxdigit(): its locale lookup was a
 * tenth of a run over 50,000 mappings, and maps is ASCII whatever the locale.
 */
static inline int
hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse a hex number of 1..16 digits at *pp, advancing *pp. */
static int
parse_hex(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	int digits = 0, d;

	while (p < end && (d = hex_digit((unsigned char)*p)) >= 0) {
		if (++digits > 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
		p++;
	}
	if (digits == 0)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

static int
parse_dec(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || !isdigit((unsigned char)*p))
		return -EINVAL;
	while (p < end && isdigit((unsigned char)*p)) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*out = v;
	return 0;
}

static int
expect(const char **pp, const char *end, char c)
{
	if (*pp >= end || **pp != c)
		return -EINVAL;
	(*pp)++;
	return 0;
}

static int
parse_perms(const char **pp, const char *end, char perms[5])
{
	static const char allowed[4][3] = { "r-", "w-", "x-", "ps" };
	const char *p = *pp;

	if (end - p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (p[i] != allowed[i][0] && p[i] != allowed[i][1])
			return -EINVAL;
		perms[i] = p[i];
	}
	perms[4] = '\0';
	*pp = p + 4;
	return 0;
}

/* Locate the path after "inode ": see MAPS_PATH_COLUMN. */
static const char *
find_path(const char *line, const char *p, const char *end)
{
	const char *col = line + MAPS_PATH_COLUMN - 1;	/* the last padding space */
	const char *q;

	if (p >= end)
		return end;
	q = p < col ? col : p;
	if (q < end) {
		const char *s;
		for (s = p; s < q && *s == ' '; s++)
			;
		if (s == q && *q == ' ')
			return q + 1;
	}
	/* Not the layout we know: fall back to skipping the blank run. */
	while (p < end && *p == ' ')
		p++;
	return p;
}

int
maps_parse_line(char *line, size_t len, struct maps_entry *e)
{
	const char *p = line, *end;
	uint64_t major, minor;
	char *path;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	end = line + len;
	memset(e, 0, sizeof(*e));
	if (parse_hex(&p, end, &e->start) || expect(&p, end, '-') ||
	    parse_hex(&p, end, &e->end) || expect(&p, end, ' ') ||
	    parse_perms(&p, end, e->perms) || expect(&p, end, ' ') ||
	    parse_hex(&p, end, &e->offset) || expect(&p, end, ' ') ||
	    parse_hex(&p, end, &major) || expect(&p, end, ':') ||
	    parse_hex(&p, end, &minor) || expect(&p, end, ' ') ||
	    parse_dec(&p, end, &e->inode))
		return -EINVAL;
	if (e->end <= e->start || major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	e->dev_major = (unsigned int)major;
	e->dev_minor = (unsigned int)minor;
	if (p < end && expect(&p, end, ' '))
		return -EINVAL;

	path = line + (find_path(line, p, end) - line);
	e->path_len = (size_t)(end - path);
	path[e->path_len] = '\0';
	e->path = path;
	if (e->path_len >= sizeof(deleted_suffix) &&
	    memcmp(path + e->path_len - (sizeof(deleted_suffix) - 1),
	    deleted_suffix, sizeof(deleted_suffix) - 1) == 0)
		e->deleted = true;
	return 0;
}

bool
maps_entry_is_private_file(const struct maps_entry *e)
{
	return e->perms[3] == 'p' && e->inode != 0;
}

bool
maps_entry_is_hugetlb(const struct maps_entry *e)
{
	static const char anon_huge[] = "/anon_hugepage";

	return strncmp(e->path, anon_huge, sizeof(anon_huge) - 1) == 0;
}

int
maps_open(struct maps_reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->fp = fopen(path, "re");
	if (r->fp == NULL)
		return -errno;
	/*
	 * The kernel fills a read with as many lines as fit: stdio's 4 KiB
	 * buffer would cost a system call every 40 mappings.
	 */
	if ((r->buf = malloc(MAPS_READ_BUF)) == NULL) {
		fclose(r->fp);
		r->fp = NULL;
		return -ENOMEM;
	}
	setvbuf(r->fp, r->buf, _IOFBF, MAPS_READ_BUF);
	return 0;
}

int
maps_next(struct maps_reader *r, struct maps_entry *e)
{
	ssize_t n;

	errno = 0;
	n = getline(&r->line, &r->cap, r->fp);
	if (n < 0) {
		if (ferror(r->fp))
			return errno ? -errno : -EIO;
		return 0;
	}
	r->lineno++;
	if (memchr(r->line, '\0', (size_t)n) != NULL)
		return -EBADMSG;
	return maps_parse_line(r->line, (size_t)n, e) == 0 ? 1 : -EBADMSG;
}

void
maps_close(struct maps_reader *r)
{
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->buf);
	free(r->line);
	memset(r, 0, sizeof(*r));
}
