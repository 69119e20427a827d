/* flags-fuzzer.c - libFuzzer: --flags expressions, several terms at once */
#include "config.h"

#include <errno.h>

#include "fuzz.h"
#include "pageflags.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flag_filter f = { .terms = NULL, .n = 0 };
	char *all = fuzz_cstring(data, size), err[256], *term, *save = NULL;
	uint64_t word = 0;

	if (all == NULL)
		return 0;
	/* Each line is one --flags option; the filter is their union. */
	for (term = strtok_r(all, "\n", &save); term != NULL;
	    term = strtok_r(NULL, "\n", &save)) {
		err[0] = '\0';
		if (flag_filter_add(&f, term, err, sizeof(err)) == -EINVAL &&
		    err[0] == '\0')
			abort();
	}
	/* A term matches the word that has exactly its value. */
	for (size_t i = 0; i < f.n; i++) {
		if ((f.terms[i].value & ~f.terms[i].mask) != 0 ||
		    !flag_filter_match(&f, f.terms[i].value))
			abort();
		word |= f.terms[i].mask;
	}
	if (flag_filter_bits(&f) != word)
		abort();
	flag_filter_free(&f);
	free(all);
	return 0;
}
