/*
 * jsonq.c - the little of jq the shell tests need, on jansson (a dependency
 * of pmstat already), so that make check needs neither jq nor python.
 *
 *   jsonq [-k|-n] PATH <file
 *
 * PATH is "." or dot-separated steps: an object key, an array index, or "*"
 * for every element (or every value) of what is there. Prints each value
 * found on a line of its own: strings raw, anything else as compact JSON;
 * with -k the keys of each object found, space-separated, in document order;
 * with -n the number of values found. Exit 0; 1 if stdin is not one JSON
 * document or PATH leads nowhere; 2 for a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

enum mode { PRINT, KEYS, COUNT };

static size_t found;

static int
emit(json_t *v, enum mode mode)
{
	const char *key;
	json_t *x;
	char *s;
	int sep = 0;

	found++;
	switch (mode) {
	case COUNT:
		return 0;
	case KEYS:
		if (!json_is_object(v)) {
			fprintf(stderr, "jsonq: -k: not an object\n");
			return -1;
		}
		json_object_foreach(v, key, x)
			printf("%s%s", sep++ ? " " : "", key);
		putchar('\n');
		return 0;
	case PRINT:
		if (json_is_string(v)) {
			puts(json_string_value(v));
			return 0;
		}
		if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER)) == NULL)
			return -1;
		puts(s);
		free(s);
		return 0;
	}
	return -1;
}

/* Follow path from v, emitting every value it reaches. */
static int
walk(json_t *v, const char *path, enum mode mode)
{
	const char *rest, *key;
	char step[256];
	size_t len, i;
	json_t *x;

	if (*path == '\0')
		return emit(v, mode);
	len = strcspn(path, ".");
	rest = path[len] == '.' ? path + len + 1 : path + len;
	if (len >= sizeof(step))
		return -1;
	memcpy(step, path, len);
	step[len] = '\0';
	if (strcmp(step, "*") == 0) {
		if (json_is_array(v)) {
			json_array_foreach(v, i, x)
				if (walk(x, rest, mode) != 0)
					return -1;
		} else if (json_is_object(v)) {
			json_object_foreach(v, key, x)
				if (walk(x, rest, mode) != 0)
					return -1;
		} else
			return -1;
		return 0;
	}
	if (json_is_array(v)) {
		char *end;
		long n = strtol(step, &end, 10);

		if (*end != '\0' || n < 0 || (x = json_array_get(v, (size_t)n)) == NULL)
			return -1;
	} else if (!json_is_object(v) || (x = json_object_get(v, step)) == NULL)
		return -1;
	return walk(x, rest, mode);
}

int
main(int argc, char **argv)
{
	enum mode mode = PRINT;
	json_error_t err;
	const char *path;
	json_t *root;
	int r;

	if (argc == 3 && strcmp(argv[1], "-k") == 0)
		mode = KEYS;
	else if (argc == 3 && strcmp(argv[1], "-n") == 0)
		mode = COUNT;
	else if (argc != 2) {
		fprintf(stderr, "usage: jsonq [-k|-n] PATH <file\n");
		return 2;
	}
	path = argv[argc - 1];
	if ((root = json_loadf(stdin, 0, &err)) == NULL) {
		fprintf(stderr, "jsonq: line %d: %s\n", err.line, err.text);
		return 1;
	}
	r = walk(root, strcmp(path, ".") == 0 ? "" : path, mode);
	if (r != 0)
		fprintf(stderr, "jsonq: %s: no such value\n", argv[argc - 1]);
	else if (mode == COUNT)
		printf("%zu\n", found);
	json_decref(root);
	return r != 0 || fflush(stdout) != 0;
}
