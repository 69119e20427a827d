/*
 * tk_smaps.c - the test kit's reading of pmstat's JSON and of
 * /proc/PID/smaps, and the relations semantics.md section 3 sets between
 * them (testkit.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "kprobe.h"
#include "testkit.h"

static size_t
page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- JSON ----------------------------------------------------------- */

static const char *
json_type_name(const json_t *v)
{
	if (v == NULL)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "object";
	case JSON_ARRAY:	return "array";
	case JSON_STRING:	return "string";
	case JSON_INTEGER:	return "integer";
	case JSON_REAL:		return "real";
	case JSON_TRUE:		return "true";
	case JSON_FALSE:	return "false";
	case JSON_NULL:		return "null";
	}
	return "?";
}

json_t *
tk_json_process(json_t *root, pid_t pid)
{
	json_t *procs = json_object_get(root, "processes"), *p;
	size_t i;

	ck_assert_msg(json_is_array(procs), "no processes array");
	json_array_foreach(procs, i, p) {
		if (json_integer_value(json_object_get(p, "pid")) == pid)
			return p;
	}
	ck_abort_msg("pid %d not in pmstat's output", (int)pid);
	return NULL;
}

static uint64_t
hex_value(const json_t *v, const char *key)
{
	const char *s = json_string_value(v);
	char *end;
	uint64_t x;

	ck_assert_msg(s != NULL && strncmp(s, "0x", 2) == 0,
	    "%s is not a hex string (%s)", key, json_type_name(v));
	errno = 0;
	x = strtoull(s + 2, &end, 16);
	ck_assert_msg(errno == 0 && end != s + 2 && *end == '\0',
	    "%s: bad hex \"%s\"", key, s);
	return x;
}

static json_t *
find_by_hex(json_t *proc, const char *array, const char *key, uint64_t v)
{
	json_t *a = json_object_get(proc, array), *m;
	size_t i;

	ck_assert_msg(json_is_array(a), "process has no %s array (%s)", array,
	    json_type_name(a));
	json_array_foreach(a, i, m) {
		if (hex_value(json_object_get(m, key), key) == v)
			return m;
	}
	ck_abort_msg("no entry of %s with %s 0x%" PRIx64, array, key, v);
	return NULL;
}

json_t *
tk_json_mapping(json_t *proc, uint64_t start)
{
	return find_by_hex(proc, "mappings", "start", start);
}

json_t *
tk_json_page(json_t *proc, uint64_t addr)
{
	return find_by_hex(proc, "pages", "addr", addr);
}

uint64_t
tk_json_hex(json_t *o, const char *key)
{
	return hex_value(json_object_get(o, key), key);
}

int64_t
tk_json_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer (%s)", key,
	    json_type_name(v));
	return (int64_t)json_integer_value(v);
}

bool
tk_json_bool(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_boolean(v), "%s is not a boolean (%s)", key,
	    json_type_name(v));
	return json_is_true(v);
}

bool
tk_json_is_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(v != NULL, "%s is missing", key);
	return json_is_null(v);
}

double
tk_json_real(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_number(v), "%s is not a number (%s)", key,
	    json_type_name(v));
	return json_number_value(v);
}

/* ---- smaps ---------------------------------------------------------- */

static void
smaps_clear(struct tk_smaps *s)
{
	memset(s, 0, sizeof(*s));
	s->size = s->rss = s->pss = -1;
	s->shared_clean = s->shared_dirty = s->private_clean = -1;
	s->private_dirty = s->anonymous = s->ksm = s->anon_huge = -1;
	s->file_pmd = s->shmem_pmd = s->swap = -1;
	s->shared_hugetlb = s->private_hugetlb = -1;
}

/* Parse a maps-style header line; 0 or -1. */
static int
smaps_header(const char *line, struct tk_smaps *s)
{
	int off = 0;
	size_t len;

	smaps_clear(s);
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*x %*x:%*x %*u %n",
	    &s->start, &s->end, s->perms, &off) < 3 || off == 0)
		return -1;
	strlcpy(s->path, line + off, sizeof(s->path));
	len = strlen(s->path);
	if (len > 0 && s->path[len - 1] == '\n')
		s->path[len - 1] = '\0';
	return 0;
}

static void
smaps_field(const char *line, struct tk_smaps *s)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "Size", offsetof(struct tk_smaps, size) },
		{ "Rss", offsetof(struct tk_smaps, rss) },
		{ "Pss", offsetof(struct tk_smaps, pss) },
		{ "Shared_Clean", offsetof(struct tk_smaps, shared_clean) },
		{ "Shared_Dirty", offsetof(struct tk_smaps, shared_dirty) },
		{ "Private_Clean", offsetof(struct tk_smaps, private_clean) },
		{ "Private_Dirty", offsetof(struct tk_smaps, private_dirty) },
		{ "Anonymous", offsetof(struct tk_smaps, anonymous) },
		{ "KSM", offsetof(struct tk_smaps, ksm) },
		{ "AnonHugePages", offsetof(struct tk_smaps, anon_huge) },
		{ "FilePmdMapped", offsetof(struct tk_smaps, file_pmd) },
		{ "ShmemPmdMapped", offsetof(struct tk_smaps, shmem_pmd) },
		{ "Swap", offsetof(struct tk_smaps, swap) },
		{ "Shared_Hugetlb", offsetof(struct tk_smaps, shared_hugetlb) },
		{ "Private_Hugetlb", offsetof(struct tk_smaps, private_hugetlb) },
	};
	const char *colon = strchr(line, ':');
	size_t klen;

	if (colon == NULL)
		return;
	klen = (size_t)(colon - line);
	if (klen == 7 && strncmp(line, "VmFlags", 7) == 0) {
		strlcpy(s->vmflags, colon + 1, sizeof(s->vmflags));
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].key) == klen &&
		    strncmp(line, keys[i].key, klen) == 0) {
			*(long *)(void *)((char *)s + keys[i].off) =
			    strtol(colon + 1, NULL, 10);
			return;
		}
	}
}

ssize_t
tk_smaps_read(pid_t pid, struct tk_smaps **out)
{
	struct tk_smaps *v = NULL, *nv;
	size_t n = 0, cap = 0, lcap = 0;
	char path[64], *line = NULL;
	FILE *fp;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (getline(&line, &lcap, fp) > 0) {
		/* Mapping lines start with a lower-case hex address, fields with a capital. */
		if (isxdigit((unsigned char)line[0]) &&
		    !isupper((unsigned char)line[0])) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
					goto fail;
				v = nv;
			}
			if (smaps_header(line, &v[n]) != 0)
				goto fail;
			n++;
		} else if (n > 0) {
			smaps_field(line, &v[n - 1]);
		}
	}
	free(line);
	fclose(fp);
	*out = v;
	return (ssize_t)n;
fail:
	free(line);
	free(v);
	fclose(fp);
	return -1;
}

int
tk_smaps_one(pid_t pid, uint64_t start, struct tk_smaps *out)
{
	struct tk_smaps *v;
	ssize_t n = tk_smaps_read(pid, &v);
	int r = -1;

	for (ssize_t i = 0; i < n; i++) {
		if (v[i].start == start) {
			*out = v[i];
			r = 0;
			break;
		}
	}
	free(v);
	return r;
}

bool
tk_smaps_has_flag(const struct tk_smaps *s, const char *flag)
{
	const char *p = s->vmflags;
	size_t fl = strlen(flag);

	while (*p != '\0') {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		len = strcspn(p, " \t\n");
		if (len == fl && strncmp(p, flag, fl) == 0)
			return true;
		p += len;
	}
	return false;
}

/* ---- smaps relations ------------------------------------------------ */

struct mismatches {
	char	*text;
	size_t	 len;
	int	 count;
};

static void
mismatch(struct mismatches *mm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
mismatch(struct mismatches *mm, const char *fmt, ...)
{
	char line[512];
	char *nt;
	va_list ap;
	size_t l;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	l = strlen(line);
	if ((nt = realloc(mm->text, mm->len + l + 2)) == NULL)
		return;
	mm->text = nt;
	memcpy(mm->text + mm->len, line, l);
	mm->text[mm->len + l] = '\n';
	mm->text[mm->len + l + 1] = '\0';
	mm->len += l + 1;
	mm->count++;
}

/* A counter, or -1 when pmstat says it is unknown (null). */
static int64_t
ctr(json_t *m, const char *key)
{
	json_t *v = json_object_get(m, key);

	ck_assert_msg(v != NULL, "counter %s missing", key);
	if (json_is_null(v))
		return -1;
	ck_assert_msg(json_is_integer(v), "counter %s is %s", key,
	    json_type_name(v));
	return (int64_t)json_integer_value(v);
}

/*
 * Whether the map counts of this mapping's pages can only be changed by the
 * processes of the layout. Anonymous pages are shared at most with a fork
 * relative, which is quiescent too; pages of a file only this test maps
 * (its temporary files, the shmem behind MAP_SHARED|MAP_ANONYMOUS) likewise.
 * A page of a library, a locale file or the vdso is mapped by every process
 * that uses it: pmstat itself maps libc, ld.so, libjansson and libbsd while
 * it reads, and `make check` runs other programs beside us, so its map count
 * differs between pmstat's reading and ours of smaps. For such mappings
 * exclusive, shared and pss are not compared.
 */
bool
tk_json_mapping_stable(json_t *m)
{
	const char *path = json_string_value(json_object_get(m, "path"));

	if (ctr(m, "file") == 0)
		return true;
	return path != NULL && (strncmp(path, "/tmp/pmstat-itest", 17) == 0 ||
	    strncmp(path, "/dev/zero", 9) == 0);
}

static void
relate(struct mismatches *mm, const struct tk_smaps *s, const char *what,
    int64_t pm, long kb, long pk)
{
	if (pm < 0 || kb < 0)
		return;
	if (pm * pk != kb)
		mismatch(mm, "  0x%" PRIx64 " %-4s %s: pmstat %s = %" PRId64
		    " pages (%" PRId64 " kB), smaps %ld kB", s->start, s->perms,
		    s->path, what, pm, pm * pk, kb);
}

static long
kb_sum(long a, long b)
{
	return (a < 0 ? 0 : a) + (b < 0 ? 0 : b);
}

static void
relate_mapping(struct mismatches *mm, json_t *m, const struct tk_smaps *s,
    bool privileged, long pk)
{
	int64_t present = ctr(m, "present"), zero = ctr(m, "zero");

	relate(mm, s, "pages", ctr(m, "pages"), s->size, pk);
	relate(mm, s, "thp", ctr(m, "thp"),
	    kb_sum(s->anon_huge, kb_sum(s->file_pmd, s->shmem_pmd)), pk);
	/*
	 * smaps keeps hugetlb pages out of Rss, Anonymous, Pss and the
	 * Shared/Private lines and counts them in *_Hugetlb; pagemap shows them
	 * as present pages like any other.
	 */
	if (tk_smaps_has_flag(s, "ht")) {
		relate(mm, s, "present (hugetlb)", present,
		    kb_sum(s->shared_hugetlb, s->private_hugetlb), pk);
		return;
	}
	/*
	 * Every present page is exactly one of file, anon and zero (section 3:
	 * anon is neither bit 61 nor the zero page; section 2: the zero page
	 * is not a file page).
	 */
	if (zero >= 0 && ctr(m, "file") + ctr(m, "anon") + zero != present)
		mismatch(mm, "  0x%" PRIx64 " %-4s %s: file %" PRId64 " + anon %"
		    PRId64 " + zero %" PRId64 " != present %" PRId64, s->start,
		    s->perms, s->path, ctr(m, "file"), ctr(m, "anon"), zero,
		    present);
	if (zero >= 0)
		relate(mm, s, "present - zero", present - zero, s->rss, pk);
	relate(mm, s, "anon", ctr(m, "anon"), s->anonymous, pk);
	/* shmem swap is invisible to pagemap, and smaps counts it under Swap. */
	if (s->perms[3] == 'p')
		relate(mm, s, "swapped", ctr(m, "swapped"), s->swap, pk);
	if (s->ksm >= 0)
		relate(mm, s, "ksm", ctr(m, "ksm"), s->ksm, pk);
	if (!tk_json_mapping_stable(m))
		return;
	/*
	 * pagemap gives every page of a PMD-mapped huge page the exclusive bit
	 * of its first page; smaps counts each page by its own map count, and
	 * so must pmstat (kpagecount with privilege, smaps without).
	 */
	relate(mm, s, "exclusive", ctr(m, "exclusive"),
	    kb_sum(s->private_clean, s->private_dirty), pk);
	relate(mm, s, "shared", ctr(m, "shared"),
	    kb_sum(s->shared_clean, s->shared_dirty), pk);
	/* Without the kpage files, pmstat takes dirty from the same lines. */
	if (!privileged)
		relate(mm, s, "dirty", ctr(m, "dirty"),
		    kb_sum(s->private_dirty, s->shared_dirty), pk);
	if (!tk_json_is_null(m, "pss")) {
		/*
		 * smaps sums PSS in 2^-12 byte units and prints it truncated
		 * to kB; unprivileged, pmstat takes that very number.
		 */
		double pss = tk_json_real(m, "pss");
		long kb = (long)floor(pss * (double)pk);

		if (labs(kb - s->pss) > 1)
			mismatch(mm, "  0x%" PRIx64 " %-4s %s: pmstat pss = %.4f "
			    "pages (%ld kB), smaps Pss %ld kB", s->start, s->perms,
			    s->path, pss, kb, s->pss);
	}
}

/* The totals of a process are the sums of its mappings. */
static void
check_totals(struct mismatches *mm, json_t *proc)
{
	static const char *const keys[] = {
		"pages", "present", "swapped", "file", "anon", "zero", "exclusive",
		"shared", "dirty", "cow_copied", "cow_shared", "thp", "ksm",
		"soft_dirty", NULL
	};
	json_t *maps = json_object_get(proc, "mappings");
	json_t *totals = json_object_get(proc, "totals"), *m;
	double pss = 0;
	size_t i;

	ck_assert_msg(json_is_object(totals), "no totals object");
	for (size_t k = 0; keys[k] != NULL; k++) {
		int64_t sum = 0, t = ctr(totals, keys[k]);
		bool known = true;

		json_array_foreach(maps, i, m) {
			int64_t v = ctr(m, keys[k]);

			if (v < 0)
				known = false;
			sum += v < 0 ? 0 : v;
		}
		if (!known && t >= 0)
			mismatch(mm, "  totals: %s known, some mapping's is not",
			    keys[k]);
		else if (known && t != sum)
			mismatch(mm, "  totals: %s = %" PRId64 ", mappings sum to %"
			    PRId64, keys[k], t, sum);
	}
	if (json_is_null(json_object_get(totals, "pss")))
		return;
	json_array_foreach(maps, i, m)
		pss += tk_json_real(m, "pss");
	if (fabs(pss - tk_json_real(totals, "pss")) > 1e-3)
		mismatch(mm, "  totals: pss = %f, mappings sum to %f",
		    tk_json_real(totals, "pss"), pss);
}

void
tk_check_relations(pid_t pid, json_t *proc, bool privileged, const char *what)
{
	json_t *maps = json_object_get(proc, "mappings"), *m;
	struct mismatches mm = { NULL, 0, 0 };
	long pk = (long)(page_size() / 1024);
	struct tk_smaps *sm;
	ssize_t n;
	size_t i, compared = 0;

	ck_assert_msg(json_is_array(maps), "%s: no mappings", what);
	n = tk_smaps_read(pid, &sm);
	ck_assert_msg(n > 0, "%s: cannot read /proc/%d/smaps", what, (int)pid);
	if ((size_t)n != json_array_size(maps))
		mismatch(&mm, "  pmstat has %zu mappings, smaps %zd",
		    json_array_size(maps), n);
	json_array_foreach(maps, i, m) {
		uint64_t start = tk_json_hex(m, "start");
		const struct tk_smaps *s = NULL;

		for (ssize_t j = 0; j < n; j++)
			if (sm[j].start == start)
				s = &sm[j];
		if (s == NULL) {
			mismatch(&mm, "  0x%" PRIx64 ": not in smaps", start);
			continue;
		}
		if (tk_json_hex(m, "end") != s->end)
			mismatch(&mm, "  0x%" PRIx64 ": ends differ", start);
		/*
		 * [vsyscall] lies above the task's address space: pagemap ends
		 * below it. PFN and I/O maps ([vvar] and friends: VmFlags pf or
		 * io) have no struct page: pagemap shows their PFNs as present,
		 * smaps counts none of them.
		 */
		if (strcmp(s->path, "[vsyscall]") == 0 ||
		    tk_smaps_has_flag(s, "pf") || tk_smaps_has_flag(s, "io"))
			continue;
		/*
		 * Known exactly where the kernel tracks soft-dirty, which only
		 * a written page tells (kprobe.h): VmFlags sd marks a
		 * VM_SOFTDIRTY mapping, and 6.1 sets bit 55 on [stack] without.
		 */
		if (kp_get()->soft_dirty.yes == tk_json_is_null(m, "soft_dirty"))
			mismatch(&mm, "  0x%" PRIx64 ": soft_dirty %s, but %s", start,
			    kp_get()->soft_dirty.yes ? "unknown" : "known",
			    kp_get()->soft_dirty.why);
		/* Unprivileged, smaps' own Pss: never unknown on a whole mapping. */
		if (tk_json_is_null(m, "pss") || tk_json_is_null(m, "dirty"))
			mismatch(&mm, "  0x%" PRIx64 ": pss or dirty unknown",
			    start);
		relate_mapping(&mm, m, s, privileged, pk);
		compared++;
	}
	free(sm);
	check_totals(&mm, proc);
	if (mm.count > 0)
		fprintf(stderr, "%s: pid %d: %d smaps mismatch(es):\n%s", what,
		    (int)pid, mm.count, mm.text);
	ck_assert_msg(mm.count == 0, "%s: pid %d: %d mismatch(es) with smaps, "
	    "first:%s", what, (int)pid, mm.count, mm.text ? strtok(mm.text, "\n") : "");
	ck_assert_msg(compared > 0, "%s: no mapping compared", what);
	free(mm.text);
}
