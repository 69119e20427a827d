/* sortkey.c - parsing --sort keys: counters by their column names, and row fields */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "columns.h"
#include "sortkey.h"

static const struct {
	const char	*name;
	enum sort_field	 field;
} fields[] = {
	{ "pid", SORT_PID }, { "ppid", SORT_PPID }, { "uid", SORT_UID },
	{ "user", SORT_USER }, { "comm", SORT_COMM }, { "path", SORT_PATH },
	{ "mapping", SORT_PATH }, { "procs", SORT_PROCS },
};

static int
parse_one(const char *s, size_t len, struct sort_key *k)
{
	int id;

	k->desc = false;
	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		k->desc = s[0] == '-';
		s++;
		len--;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == len &&
		    strncasecmp(fields[i].name, s, len) == 0) {
			k->field = fields[i].field;
			k->counter = -1;
			return 0;
		}
	/* Every counter, by any name -o takes for it. */
	id = col_lookup(s, len);
	if (id < 0 || columns[id].kind != COLK_COUNTER)
		return -1;
	k->field = SORT_COUNTER;
	k->counter = columns[id].counter;
	return 0;
}

int
sortkey_parse(const char *list, struct sort_key *keys, size_t max, char *err,
    size_t errlen)
{
	size_t n = 0;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");

		if (n >= max || len == 0 || parse_one(p, len, &keys[n]) != 0) {
			snprintf(err, errlen, "unknown --sort key '%.*s' "
			    "(a counter, or pid, ppid, uid, user, comm, path, procs)",
			    (int)len, p);
			return -1;
		}
		n++;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return (int)n;
}

const char *
sortkey_name(const struct sort_key *k)
{
	if (k->field == SORT_COUNTER)
		return columns[COL_COUNTER0 + k->counter].name;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].field == k->field)
			return fields[i].name;
	return "?";
}
