/* columns-fuzzer.c - libFuzzer: -o column lists and --sort key lists */
#include "config.h"

#include "columns.h"
#include "fuzz.h"
#include "sortkey.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ids[COL_COUNT + 1];
	struct sort_key keys[16];
	const char *bad = NULL;
	char *s, err[256];
	size_t max;
	int n;

	if (size < 1)
		return 0;
	/* The first byte bounds the list, as -o's array does. */
	max = data[0] % (COL_COUNT + 2);
	if ((s = fuzz_cstring(data + 1, size - 1)) == NULL)
		return 0;
	n = col_parse_list(s, ids, max, &bad);
	if (n < 0) {
		/* bad points into the list. */
		if (bad == NULL || bad < s || bad > s + strlen(s))
			abort();
	} else {
		if ((size_t)n > max)
			abort();
		for (int i = 0; i < n; i++)
			if (ids[i] < 0 || ids[i] >= COL_COUNT)
				abort();
	}
	err[0] = '\0';
	n = sortkey_parse(s, keys, max < 16 ? max : 16, err, sizeof(err));
	if (n < 0 && err[0] == '\0')
		abort();
	for (int i = 0; i < n; i++)
		(void)sortkey_name(&keys[i]);
	free(s);
	return 0;
}
