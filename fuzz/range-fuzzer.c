/* range-fuzzer.c - libFuzzer: --range START[-END] */
#include "config.h"

#include "cli.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first byte picks the page size: 4 KiB to 1 GiB, as pmstat may see. */
	static const size_t page_sizes[] = { 4096, 16384, 65536, 2097152, 1073741824 };
	size_t ps;
	uint64_t start = 1, end = 1;
	char *s, err[256];

	if (size < 1)
		return 0;
	ps = page_sizes[data[0] % (sizeof(page_sizes) / sizeof(*page_sizes))];
	if ((s = fuzz_cstring(data + 1, size - 1)) == NULL)
		return 0;
	err[0] = '\0';
	if (cli_parse_range(s, ps, &start, &end, err, sizeof(err)) == 0) {
		/* Page aligned, and non-empty: end 0 stands for the top. */
		if (start % ps != 0 || end % ps != 0 || (end != 0 && end <= start))
			abort();
	} else if (err[0] == '\0')
		abort();
	free(s);
	return 0;
}
