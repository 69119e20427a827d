/*
 * check_map.c - the page map (--map, issue 12) of known layouts: a mapping
 * half written draws half and half at every width from 10 to 300, a fork
 * child's copies are where it wrote them, a bucket of two states gets the
 * mixed mark, holes skipped by the scan still count as not present, and an
 * unprivileged run without the scan draws unknown, never "not present".
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "itest.h"
#include "kprobe.h"
#include "layouts.h"

#define HALF_N		512	/* pages of the half layout; the first half written */
#define ALT_N		64	/* pages of the alt layout; every other one written */
#define SPARSE_N	16384	/* pages of the sparse layout (64 MiB) */

/*
 * What a written anonymous page draws as, run as how: anonymous where the
 * zero page can be told apart (PAGEMAP_SCAN, or the kpage files as root),
 * else unknown; the same for a bucket it shares with another state.
 */
static bool
anon_known(unsigned how)
{
	return kp_page_known("anon", how);
}

static char
anon_glyph(unsigned how, bool mixed)
{
	if (anon_known(how))
		return mixed ? 'a' : 'A';
	return mixed ? '%' : '?';
}

static const char *
anon_state(unsigned how)
{
	return anon_known(how) ? "anon" : "unknown";
}

/* Pages of the sparse layout that are written: a bucket of 1,024 each. */
static const size_t sparse_at[] = { 0, 8000, SPARSE_N - 1 };

/*
 * A private anonymous mapping of n pages, read-write, from tk_reserve().
 * Without THP: under transparent_hugepage=always one written page would
 * fault in the 511 around it, and these layouts are drawn page by page.
 */
static char *
rw_pages(size_t n, struct tk_report *rep, const char *what)
{
	char *m = tk_reserve(n, 0);

	if (m == NULL || mprotect(m, n * ps, PROT_READ | PROT_WRITE) != 0 ||
	    madvise(m, n * ps, MADV_NOHUGEPAGE) != 0) {
		tk_fail(rep, "%s layout: %s", what, strerror(errno));
		return NULL;
	}
	return m;
}

static void
layout_half(const char *arg, struct tk_report *rep)
{
	char *m = rw_pages(HALF_N, rep, "half");

	(void)arg;
	if (m == NULL)
		return;
	memset(m, 'H', HALF_N / 2 * ps);
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

static void
layout_alt(const char *arg, struct tk_report *rep)
{
	char *m = rw_pages(ALT_N, rep, "alt");

	(void)arg;
	if (m == NULL)
		return;
	for (size_t i = 0; i < ALT_N; i += 2)
		m[i * ps] = 'a';
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

static void
layout_sparse(const char *arg, struct tk_report *rep)
{
	char *m = rw_pages(SPARSE_N, rep, "sparse");

	(void)arg;
	if (m == NULL)
		return;
	for (size_t i = 0; i < sizeof(sparse_at) / sizeof(sparse_at[0]); i++)
		m[sparse_at[i] * ps] = 's';
	rep->addr[0] = (uintptr_t)m;
	rep->ok = 1;
}

/*
 * pmstat --map --ascii --color=never -v --width W [opt] --range over npages
 * at a, as uid; exit 0. Returns its output.
 */
static char *
map_text(int uid, pid_t pid, uint64_t a, size_t npages, int width,
    const char *opt)
{
	char r[64], p[16], w[16], cmd[512], *out = NULL;
	const char *args[] = { "--map", "--ascii", "--color=never", "-v",
	    "--width", w, "--range", rangearg(r, sizeof(r), a, a + npages * ps),
	    pidarg(p, sizeof(p), pid), opt, NULL };
	int status;

	snprintf(w, sizeof(w), "%d", width);
	describe(cmd, sizeof(cmd), args);
	status = tk_run_pmstat(uid, uid >= 0 ? NOBODY_GID : -1, &out, args);
	ck_assert_msg(status == 0 && out != NULL, "%s: exit %d", cmd, status);
	return out;
}

/*
 * The strip of the one mapping in out, its rows joined: what lies between
 * the bars (the legend and the header have none). Into buf.
 */
static const char *
strip_of(const char *out, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *s = out; (s = strchr(s, '|')) != NULL; ) {
		const char *e = strchr(s + 1, '|');

		ck_assert_msg(e != NULL, "an open strip:\n%s", out);
		ck_assert(n + (size_t)(e - s - 1) < len);
		memcpy(buf + n, s + 1, (size_t)(e - s - 1));
		n += (size_t)(e - s - 1);
		s = e + 1;
	}
	buf[n] = '\0';
	ck_assert_msg(n > 0, "no strip:\n%s", out);
	return buf;
}

/*
 * First half written, second untouched: whole anon buckets, then at most
 * one mixed bucket where the halves meet, then whole not-present buckets,
 * as many of each as the other, at every width.
 */
START_TEST(test_half_every_width)
{
	struct tk_child c;
	char buf[1024], bad[4096] = "", whole[2] = { anon_glyph(0, false) };
	uint64_t a;

	if (!spawn("half", NULL, -1, &c))
		return;
	a = c.rep.addr[0];
	for (int w = 10; w <= 300; w++) {
		char *out = map_text(-1, c.pid, a, HALF_N, w, NULL);
		const char *s = strip_of(out, buf, sizeof(buf));
		size_t len = strlen(s), na = strspn(s, whole), nm, ne;

		nm = s[na] == anon_glyph(0, true) || s[na] == ':' ? 1 : 0;
		ne = strspn(s + na + nm, ".");
		if (na + nm + ne != len || na == 0 || ne == 0 ||
		    (na > ne ? na - ne : ne - na) > 1 || (len % 2 == 1 && nm != 1))
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
			    "\n  width %d: %s", w, s);
		free(out);
	}
	ck_assert_msg(bad[0] == '\0', "not half and half:%s", bad);
	tk_kill(&c);
}
END_TEST

/*
 * After fork() the child wrote its first FORK_K pages: they are copies of
 * its own (A), the rest still shared with the parent (S); one bucket a page
 * at a width that leaves 64 buckets. Where the zero page cannot be told
 * (unprivileged, no PAGEMAP_SCAN), every one of them is unknown.
 */
START_TEST(test_fork_child)
{
	struct tk_child c;
	char buf[256], want[FORK_N + 1];
	const char *s;
	char *out;

	if (!spawn("fork", NULL, -1, &c))
		return;
	memset(want, anon_known(0) ? 'S' : '?', FORK_N);
	memset(want, anon_glyph(0, false), FORK_K);
	want[FORK_N] = '\0';
	out = map_text(-1, c.rep.pids[0], c.rep.addr[0], FORK_N, 56 + FORK_N,
	    NULL);
	s = strip_of(out, buf, sizeof(buf));
	ck_assert_msg(strcmp(s, want) == 0, "child: %s, expected %s\n%s", s, want,
	    out);
	free(out);
	/*
	 * Without the scan (as on kernels before 6.7) the kpage files tell
	 * the same where they can be read: the map joins them in full.
	 */
	memset(want, anon_known(KP_NO_SCAN) ? 'S' : '?', FORK_N);
	memset(want, anon_glyph(KP_NO_SCAN, false), FORK_K);
	out = map_text(-1, c.rep.pids[0], c.rep.addr[0], FORK_N, 56 + FORK_N,
	    "--no-scan");
	s = strip_of(out, buf, sizeof(buf));
	ck_assert_msg(strcmp(s, want) == 0, "child, --no-scan: %s, expected %s\n%s",
	    s, want, out);
	free(out);
	/* The parent's pages the child did not write are shared all along. */
	out = map_text(-1, c.pid, c.rep.addr[0], FORK_N, 56 + FORK_N, NULL);
	s = strip_of(out, buf, sizeof(buf));
	ck_assert_msg(strspn(s + FORK_K, anon_known(0) ? "S" : "?") ==
	    FORK_N - FORK_K,
	    "parent: %s\n%s", s, out);
	free(out);
	tk_kill(&c);
}
END_TEST

/* Every other page written, two pages a bucket: each bucket mixed, a tie
 * that the populated state wins. */
START_TEST(test_mixed_mark)
{
	struct tk_child c;
	char buf[256], r[64], p[16], want[ALT_N / 2 + 1];
	json_t *root, *maps, *b;
	char *out;
	int status;

	if (!spawn("alt", NULL, -1, &c))
		return;
	memset(want, anon_glyph(0, true), ALT_N / 2);
	want[ALT_N / 2] = '\0';
	out = map_text(-1, c.pid, c.rep.addr[0], ALT_N, 56 + ALT_N / 2, NULL);
	ck_assert_msg(strcmp(strip_of(out, buf, sizeof(buf)), want) == 0,
	    "strip %s, expected %s", buf, want);
	free(out);

	root = tk_pmstat_json(-1, -1, &status, (const char *const[]){
	    "--map", "--json", "--width", "32", "--range",
	    rangearg(r, sizeof(r), c.rep.addr[0], c.rep.addr[0] + ALT_N * ps),
	    pidarg(p, sizeof(p), c.pid), NULL });
	ck_assert_int_eq(status, 0);
	maps = items(root, c.pid, "mappings");
	ck_assert_int_eq(json_array_size(maps), 1);
	b = json_object_get(json_array_get(maps, 0), "buckets");
	ck_assert_int_eq(json_array_size(b), 32);
	for (size_t i = 0; i < json_array_size(b); i++) {
		json_t *k = json_array_get(b, i), *n = json_object_get(k, "counts");

		ck_assert_int_eq(tk_json_hex(k, "start"), c.rep.addr[0] + 2 * i * ps);
		EXPECT(k, "pages", 2);
		EXPECT(n, anon_state(0), 1);
		EXPECT(n, "not_present", 1);
		ck_assert(tk_json_bool(k, "mixed"));
		ck_assert_str_eq(json_string_value(json_object_get(k, "state")),
		    anon_state(0));
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * 64 MiB with three pages written: the scan skips the holes, which are not
 * reported page by page; each bucket's counts still add up to its size.
 */
START_TEST(test_sparse_holes)
{
	struct tk_child c;
	char r[64], p[16];
	json_t *root, *b;
	int status;

	if (!spawn("sparse", NULL, -1, &c))
		return;
	root = tk_pmstat_json(-1, -1, &status, (const char *const[]){
	    "--map", "--json", "--width", "16", "--range",
	    rangearg(r, sizeof(r), c.rep.addr[0], c.rep.addr[0] + SPARSE_N * ps),
	    pidarg(p, sizeof(p), c.pid), NULL });
	ck_assert_int_eq(status, 0);
	b = json_object_get(json_array_get(items(root, c.pid, "mappings"), 0),
	    "buckets");
	ck_assert_int_eq(json_array_size(b), 16);
	for (size_t i = 0; i < 16; i++) {
		json_t *k = json_array_get(b, i), *n = json_object_get(k, "counts");
		int64_t want = 0;

		for (size_t j = 0; j < sizeof(sparse_at) / sizeof(sparse_at[0]); j++)
			want += sparse_at[j] / (SPARSE_N / 16) == i;
		EXPECT(k, "pages", SPARSE_N / 16);
		EXPECT(n, anon_state(0), want);
		EXPECT(n, "not_present", SPARSE_N / 16 - want);
		ck_assert(tk_json_bool(k, "mixed") == (want > 0));
	}
	json_decref(root);
	tk_kill(&c);
}
END_TEST

/*
 * Without privilege and without the scan the zero page cannot be told, so
 * a written page is unknown ('?'), never not present; the untouched half
 * is known not present.
 */
START_TEST(test_unknown_unprivileged)
{
	struct tk_child c;
	char buf[1024];
	const char *s;
	char *out;

	if (!can_be_nobody("map unknown"))
		return;
	if (!spawn("half", NULL, NOBODY_UID, &c))
		return;
	out = map_text(NOBODY_UID, c.pid, c.rep.addr[0], HALF_N, 56 + 64,
	    "--no-scan");
	s = strip_of(out, buf, sizeof(buf));
	ck_assert_msg(strspn(s, "?") == 32 && strspn(s + 32, ".") == 32,
	    "unprivileged, no scan: %s\n%s", s, out);
	free(out);
	/* With the scan, where the kernel has it, they are known anonymous. */
	out = map_text(NOBODY_UID, c.pid, c.rep.addr[0], HALF_N, 56 + 64, NULL);
	s = strip_of(out, buf, sizeof(buf));
	ck_assert_msg(strspn(s, anon_known(KP_NOBODY) ? "A" : "?") == 32 &&
	    strspn(s + 32, ".") == 32, "unprivileged: %s\n%s", s, out);
	free(out);
	tk_kill(&c);
}
END_TEST

static Suite *
map_suite(void)
{
	Suite *s = suite_create("map");
	TCase *tc;

	tc = itest_tcase(s, "half_every_width", NULL, NULL);
	tcase_add_test(tc, test_half_every_width);
	tc = itest_tcase(s, "fork_child", NULL, NULL);
	tcase_add_test(tc, test_fork_child);
	tc = itest_tcase(s, "mixed_mark", NULL, NULL);
	tcase_add_test(tc, test_mixed_mark);
	tc = itest_tcase(s, "sparse_holes", NULL, NULL);
	tcase_add_test(tc, test_sparse_holes);
	tc = itest_tcase(s, "unknown_unprivileged", NULL, NULL);
	tcase_add_test(tc, test_unknown_unprivileged);
	return s;
}

static const struct tk_layout layouts[] = {
	{ "half", layout_half },
	{ "alt", layout_alt },
	{ "sparse", layout_sparse },
	{ "fork", layout_fork },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return itest_main(argc, argv, layouts, map_suite);
}
