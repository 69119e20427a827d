/* pageflags.c - the page flags word, its names, and --flags selections */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpf.h"
#include "pageflags.h"

static const char *const pseudo_names[KPF_NBITS] = {
	[PF_UFFD_WP] = "uffd_wp",
	[PF_GUARD] = "guard",
	[PF_PMD] = "pmd",
	[PF_FILE] = "file",
	[PF_SWAP] = "swap",
	[PF_MMAP_EXCLUSIVE] = "mmap_exclusive",
};

/* page-types' long names where they differ from the KPF_ names. */
static const struct {
	const char	*alias;
	unsigned int	 bit;
} aliases[] = {
	{ "anonymous", KPF_ANON },
	{ "idle_page", KPF_IDLE },
	{ "owner_2", KPF_MAPPEDTODISK },
};

uint64_t
pageflags_word(const struct page_facts *f)
{
	uint64_t w = 0;

	if (f->have_kflags)
		w = f->kflags;
	else if (f->anon > 0)
		w = KPF_BIT(KPF_ANON);	/* pagemap clears bit 61 just for PageAnon */
	/* A word has no "unknown": a fact sets its bit only where it is known. */
	if (f->zero > 0)
		w |= KPF_BIT(KPF_ZERO_PAGE);
	if (f->pmd)
		w |= KPF_BIT(PF_PMD);
	if (f->soft_dirty > 0)
		w |= KPF_BIT(KPF_SOFTDIRTY);
	if (f->uffd_wp)
		w |= KPF_BIT(PF_UFFD_WP);
	if (f->guard)
		w |= KPF_BIT(PF_GUARD);
	if (f->file > 0)
		w |= KPF_BIT(PF_FILE);
	if (f->swapped)
		w |= KPF_BIT(PF_SWAP);
	if (f->exclusive)
		w |= KPF_BIT(PF_MMAP_EXCLUSIVE);
	return w;
}

uint64_t
pageflags_unknown(const struct sources *src)
{
	const uint64_t pagemap_bits = KPF_BIT(PF_UFFD_WP) | KPF_BIT(PF_GUARD) |
	    KPF_BIT(PF_FILE) | KPF_BIT(PF_SWAP) | KPF_BIT(PF_MMAP_EXCLUSIVE);
	uint64_t known = pagemap_bits;

	if (src->kflags)
		known |= KPF_BIT(PF_PMD) - 1;	/* every kpageflags bit */
	if (src->scan)
		known |= KPF_BIT(KPF_ZERO_PAGE) | KPF_BIT(KPF_ANON) | KPF_BIT(PF_PMD);
	if (src->ksm_noise)
		known &= ~KPF_BIT(KPF_KSM);
	if (src->soft_dirty)
		known |= KPF_BIT(KPF_SOFTDIRTY);
	else
		known &= ~KPF_BIT(KPF_SOFTDIRTY);
	return ~known;
}

const char *
pageflags_name(unsigned int bit)
{
	if (bit >= KPF_NBITS)
		return NULL;
	return pseudo_names[bit] ? pseudo_names[bit] : kpf_name(bit);
}

int
pageflags_lookup(const char *name, size_t len)
{
	for (unsigned int b = 0; b < KPF_NBITS; b++) {
		const char *n = pageflags_name(b);

		if (n && strlen(n) == len && strncmp(n, name, len) == 0)
			return (int)b;
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		if (strlen(aliases[i].alias) == len &&
		    strncmp(aliases[i].alias, name, len) == 0)
			return (int)aliases[i].bit;
	return -1;
}

int
flag_filter_add(struct flag_filter *f, const char *expr, char *err,
    size_t errlen)
{
	struct flag_term t = { 0, 0 }, *nt;
	const char *p = expr;

	for (;;) {
		size_t len = strcspn(p, ",");
		bool neg = len > 0 && *p == '~';
		int bit = pageflags_lookup(p + neg, len - neg);

		if (bit < 0) {
			snprintf(err, errlen, "unknown page flag '%.*s' (see --help)",
			    (int)(len - neg), p + neg);
			return -EINVAL;
		}
		/* anon,~anon would select nothing, silently: refuse it. */
		if ((t.mask & KPF_BIT(bit)) &&
		    ((t.value & KPF_BIT(bit)) != 0) == neg) {
			snprintf(err, errlen, "--flags %s: contradiction: %s both "
			    "set and clear", expr, pageflags_name((unsigned)bit));
			return -EINVAL;
		}
		t.mask |= KPF_BIT(bit);
		if (neg)
			t.value &= ~KPF_BIT(bit);
		else
			t.value |= KPF_BIT(bit);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	nt = reallocarray(f->terms, f->n + 1, sizeof(*f->terms));
	if (nt == NULL)
		return -ENOMEM;
	f->terms = nt;
	f->terms[f->n++] = t;
	return 0;
}

bool
flag_filter_match(const struct flag_filter *f, uint64_t word)
{
	if (f->n == 0)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if ((word & f->terms[i].mask) == f->terms[i].value)
			return true;
	return false;
}

uint64_t
flag_filter_bits(const struct flag_filter *f)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < f->n; i++)
		bits |= f->terms[i].mask;
	return bits;
}

void
flag_filter_free(struct flag_filter *f)
{
	free(f->terms);
	f->terms = NULL;
	f->n = 0;
}
