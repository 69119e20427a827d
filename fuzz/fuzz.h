/* fuzz.h - what the libFuzzer harnesses share */
#ifndef PMSTAT_FUZZ_H
#define PMSTAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The input as a C string, as argv would carry it: cut at the first NUL,
 * since no command line can hold one. The caller frees it; NULL on ENOMEM.
 */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul != NULL ? (size_t)(nul - data) : size;
	char *s = malloc(len + 1);

	if (s != NULL) {
		memcpy(s, data, len);
		s[len] = '\0';
	}
	return s;
}

#endif
