/* pid-fuzzer.c - libFuzzer: PID operands ("1234", "/proc/1234/") */
#include "config.h"

#include "cli.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size), err[256];
	int pid;

	if (s == NULL)
		return 0;
	err[0] = '\0';
	pid = cli_parse_pid(s, err, sizeof(err));
	/* A PID is positive and in range, or 0 with the reason said. */
	if (pid < 0 || (pid == 0 && err[0] == '\0'))
		abort();
	free(s);
	return 0;
}
