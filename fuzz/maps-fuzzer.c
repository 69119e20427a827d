/* maps-fuzzer.c - libFuzzer: /proc/PID/maps and smaps lines, as a hostile process names them */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "smaps.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Check what callers rely on: a parsed entry is a non-empty range, its
 * path lies inside the line and is NUL-terminated where path_len says.
 */
static void
check_entry(const char *line, size_t cap, const struct maps_entry *e)
{
	if (e->end <= e->start)
		abort();
	if (e->path < line || e->path + e->path_len >= line + cap ||
	    e->path[e->path_len] != '\0')
		abort();
	if (strlen(e->perms) != 4)
		abort();
	(void)maps_entry_is_private_file(e);
	(void)maps_entry_is_hugetlb(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct smaps_rec rec;

	memset(&rec, 0, sizeof(rec));
	/* One line per newline, as getline() hands them to maps_next(). */
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		/* The parser writes line[len]: give it exactly one byte more. */
		char *line = malloc(len + 1);
		struct maps_entry e;

		if (line == NULL)
			return 0;
		memcpy(line, p, len);
		line[len] = '\0';
		/* smaps_parse_line() takes a C string: maps_next() refuses NULs too. */
		if (memchr(line, '\0', len) == NULL)
			(void)smaps_parse_line(line, &rec);
		if (maps_parse_line(line, len, &e) == 0)
			check_entry(line, len + 1, &e);
		free(line);
		p += len;
	}
	return 0;
}
