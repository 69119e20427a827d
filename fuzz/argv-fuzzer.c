/* argv-fuzzer.c - libFuzzer: whole command lines through cli_parse() */
#include "config.h"

#include "cli.h"
#include "fuzz.h"

#define ARGV_MAX	64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "pmstat";
	char *buf, *argv[ARGV_MAX + 2], err[256];
	struct options o;
	int argc = 0;

	/* NUL-separated words; argv[0] is the program. */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = prog;
	for (char *p = buf; p < buf + size && argc <= ARGV_MAX; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	err[0] = '\0';
	switch (cli_parse(argc, argv, 4096, &o, err, sizeof(err))) {
	case CLI_USAGE:
		if (err[0] == '\0')
			abort();
		break;
	case CLI_OK:
		/* What main() relies on: a range is page aligned and non-empty. */
		if (o.have_range && (o.range_start % 4096 != 0 ||
		    (o.range_end != 0 && o.range_end <= o.range_start)))
			abort();
		if (o.ncols > COL_COUNT || o.nsort > SORT_MAX)
			abort();
		break;
	default:
		break;
	}
	cli_free(&o);
	free(buf);
	return 0;
}
