/* check_escape.c - vis for terminals, valid UTF-8 for JSON, RFC 4180 for CSV */
#include "config.h"

#include <check.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "checkrun.h"

/* escape_vis(in) must be exactly want. */
static void
vis_is(const char *in, const char *want)
{
	char *out = escape_vis(in);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	free(out);
}

START_TEST(test_vis_controls)
{
	vis_is("plain /usr/lib/x.so", "plain /usr/lib/x.so");
	vis_is("", "");
	/* A terminal escape sequence in a file name must not reach the terminal. */
	vis_is("a\x1b[31mred\x1b[0m", "a\\033[31mred\\033[0m");
	vis_is("x\ny", "x\\ny");
	vis_is("a\tb", "a\\tb");
	vis_is("a\rb", "a\\rb");
	vis_is("\a\b\f\v", "\\a\\b\\f\\v");
	vis_is("del\x7f", "del\\177");
	vis_is("\x01\x1f", "\\001\\037");
	/* Spaces are printable and stay. */
	vis_is("  a b  ", "  a b  ");
	/* The kernel writes a newline in a path as \012: it passes unchanged. */
	vis_is("/tmp/a\\012b", "/tmp/a\\012b");
	vis_is("back\\slash", "back\\slash");
}
END_TEST

START_TEST(test_vis_high_bytes)
{
	/* In the C locale every byte >= 0x80 is encoded, UTF-8 or not. */
	vis_is("\x80\xff", "\\200\\377");
	vis_is("caf\xc3\xa9", "caf\\303\\251");
	vis_is("\xe2\x80\xae" "evil", "\\342\\200\\256evil");	/* U+202E RLO */
}
END_TEST

/* Every single byte: printable ASCII stays itself, the rest is escaped. */
START_TEST(test_vis_every_byte)
{
	char in[2] = { (char)_i, '\0' };
	char *out = escape_vis(in);

	ck_assert_ptr_nonnull(out);
	/* The table's shortcut: plain exactly where vis leaves the byte. */
	ck_assert_int_eq(escape_vis_plain(in, 1), strcmp(out, in) == 0);
	if (_i >= 0x20 && _i < 0x7f) {
		ck_assert_str_eq(out, in);
	} else {
		ck_assert_msg(out[0] == '\\', "byte 0x%02x gave \"%s\"", _i, out);
		ck_assert_uint_ge(strlen(out), 2);
		for (const char *p = out; *p; p++)
			ck_assert_msg((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
			    "byte 0x%02x left raw byte 0x%02x", _i, (unsigned char)*p);
	}
	free(out);
}
END_TEST

struct utf8_case {
	const char	*s;
	size_t		 len;
	bool		 valid;
};

#define U(str, v)	{ str, sizeof(str) - 1, v }

static const struct utf8_case utf8_cases[] = {
	U("", true),
	U("plain ascii", true),
	U("a\0b", true),			/* U+0000 is valid UTF-8 */
	U("\x7f", true),
	U("\xc2\x80", true),			/* U+0080, smallest 2-byte */
	U("caf\xc3\xa9", true),
	U("\xdf\xbf", true),			/* U+07FF */
	U("\xe0\xa0\x80", true),		/* U+0800, smallest 3-byte */
	U("\xe2\x82\xac", true),		/* euro sign */
	U("\xed\x9f\xbf", true),		/* U+D7FF, below the surrogates */
	U("\xee\x80\x80", true),		/* U+E000, above them */
	U("\xef\xbf\xbf", true),		/* U+FFFF */
	U("\xf0\x90\x80\x80", true),		/* U+10000, smallest 4-byte */
	U("\xf0\x9f\x98\x80", true),		/* emoji */
	U("\xf4\x8f\xbf\xbf", true),		/* U+10FFFF, the last code point */
	U("\xd0\x9f\xd1\x80\xd0\xb8", true),	/* Cyrillic */
	U("\x80", false),			/* lone continuation */
	U("\xbf", false),
	U("a\x80z", false),
	U("\xc0\x80", false),			/* overlong NUL */
	U("\xc1\xbf", false),			/* overlong 2-byte */
	U("\xe0\x80\x80", false),		/* overlong 3-byte */
	U("\xe0\x9f\xbf", false),
	U("\xf0\x80\x80\x80", false),		/* overlong 4-byte */
	U("\xf0\x8f\xbf\xbf", false),
	U("\xed\xa0\x80", false),		/* U+D800, high surrogate */
	U("\xed\xbf\xbf", false),		/* U+DFFF, low surrogate */
	U("\xed\xa0\xbd\xed\xb8\x80", false),	/* CESU-8 surrogate pair */
	U("\xf4\x90\x80\x80", false),		/* U+110000 */
	U("\xf5\x80\x80\x80", false),
	U("\xf7\xbf\xbf\xbf", false),
	U("\xf8\x88\x80\x80\x80", false),	/* 5-byte form */
	U("\xfc\x84\x80\x80\x80\x80", false),	/* 6-byte form */
	U("\xfe", false),
	U("\xff", false),
	U("\xc3", false),			/* truncated 2-byte */
	U("ab\xc3", false),
	U("\xe2\x82", false),			/* truncated 3-byte */
	U("\xf0\x9f\x98", false),		/* truncated 4-byte */
	U("\xf0\x9f\x98z", false),
	U("\xc3\x28", false),			/* bad continuation */
	U("\xe2\x28\xa1", false),
	U("\xe2\x82\x28", false),
	U("\xf0\x28\x8c\xbc", false),
};

/* escape_vis_cut on an escaped string: the tail left for max bytes. */
struct cut_case {
	const char	*vis;	/* as escape_vis() writes it */
	size_t		 max;
	const char	*tail;
};

static const struct cut_case cut_cases[] = {
	{ "/usr/lib/libc.so.6", 100, "/usr/lib/libc.so.6" },
	{ "/usr/lib/libc.so.6", 18, "/usr/lib/libc.so.6" },
	{ "/usr/lib/libc.so.6", 10, "/libc.so.6" },
	{ "/usr/lib/libc.so.6", 0, "" },
	{ "a\\033b", 4, "b" },		/* \033 is whole or gone */
	{ "a\\033b", 5, "\\033b" },
	{ "a\\033b", 6, "a\\033b" },
	{ "x\\ty", 2, "y" },
	{ "x\\ty", 3, "\\ty" },
	{ "\\M-^?z", 5, "z" },		/* vis's meta forms, were they used */
	{ "\\M-^?z", 6, "\\M-^?z" },
	{ "\\M-az", 4, "z" },
	{ "\\M^Az", 4, "z" },
	{ "\\^Az", 2, "z" },
	{ "\\^Az", 3, "z" },
	{ "\\^Az", 4, "\\^Az" },
	{ "\\0011", 1, "1" },		/* three octal digits at most */
	{ "\\0011", 4, "1" },
	{ "\\0011", 5, "\\0011" },
	{ "/tmp/a\\012b", 4, "b" },	/* the kernel's own \012 stays whole */
	{ "/tmp/a\\012b", 5, "\\012b" },
	{ "end\\", 1, "\\" },		/* a lone trailing backslash */
};

START_TEST(test_vis_cut_table)
{
	const struct cut_case *c = &cut_cases[_i];
	size_t len = strlen(c->vis), off = escape_vis_cut(c->vis, len, c->max);

	ck_assert_uint_le(off, len);
	ck_assert_msg(strcmp(c->vis + off, c->tail) == 0,
	    "cut of \"%s\" to %zu: \"%s\", want \"%s\"", c->vis, c->max,
	    c->vis + off, c->tail);
}
END_TEST

/*
 * Names without a backslash of their own: escaping byte by byte gives the
 * boundaries of whole characters, an oracle independent of the cut's own
 * reading. For every max, the cut falls on one of them, leaves at most max
 * bytes, and leaves as many as it can.
 */
static const char *const cut_names[] = {
	"/tmp/evil\033]0;pwned\007\033[2J name\twith, \"quotes\" \377\376",
	"x\033\377\tx\033\377\t\n\r\001\177",
	"\342\200\256evil.so (deleted)",
	"",
};

START_TEST(test_vis_cut_boundaries)
{
	const char *name = cut_names[_i];
	char *vis = escape_vis(name);
	size_t len, nb = 0, bound[1024];

	ck_assert_ptr_nonnull(vis);
	len = strlen(vis);
	bound[nb++] = 0;
	for (const char *p = name; *p != '\0'; p++) {
		char one[2] = { *p, '\0' };
		char *e = escape_vis(one);

		ck_assert_ptr_nonnull(e);
		ck_assert_uint_lt(nb, sizeof(bound) / sizeof(bound[0]));
		bound[nb] = bound[nb - 1] + strlen(e);
		nb++;
		free(e);
	}
	ck_assert_uint_eq(bound[nb - 1], len);
	for (size_t max = 0; max <= len + 1; max++) {
		size_t off = escape_vis_cut(vis, len, max), k = 0;

		while (k < nb && bound[k] < off)
			k++;
		ck_assert_msg(k < nb && bound[k] == off,
		    "cut at %zu of \"%s\" splits a character", off, vis);
		ck_assert_uint_le(len - off, max);
		ck_assert_msg(k == 0 || len - bound[k - 1] > max,
		    "cut at %zu of \"%s\" for %zu leaves less than it could", off,
		    vis, max);
	}
	free(vis);
}
END_TEST

START_TEST(test_utf8_valid_table)
{
	const struct utf8_case *c = &utf8_cases[_i];

	ck_assert_msg(escape_utf8_valid(c->s, c->len) == c->valid,
	    "case %d: expected %s", _i, c->valid ? "valid" : "invalid");
}
END_TEST

START_TEST(test_utf8_valid_len)
{
	/* Only s[0..len) is looked at. */
	ck_assert(!escape_utf8_valid("\xc3\xa9", 1));
	ck_assert(escape_utf8_valid("\xc3\xa9", 2));
	ck_assert(escape_utf8_valid("\xc3\xa9\xff", 2));
	ck_assert(escape_utf8_valid("\xff", 0));
	ck_assert(!escape_utf8_valid("ok\xf0\x9f\x98\x80", 5));
	ck_assert(escape_utf8_valid("ok\xf0\x9f\x98\x80", 6));
}
END_TEST

/* escape_utf8(in[0..len)) must be exactly want. */
static void
utf8_is(const char *in, size_t len, const char *want)
{
	char *out = escape_utf8(in, len);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	ck_assert(escape_utf8_valid(out, strlen(out)));
	free(out);
}

#define UTF8_IS(in, want)	utf8_is(in, sizeof(in) - 1, want)

START_TEST(test_utf8_escape)
{
	/* Valid input is copied as is, backslashes included. */
	UTF8_IS("", "");
	UTF8_IS("/usr/lib/libc.so.6", "/usr/lib/libc.so.6");
	UTF8_IS("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
	UTF8_IS("a\\xffb", "a\\xffb");
	/* Invalid input: bad bytes become \xNN, backslashes are doubled. */
	UTF8_IS("a\xff" "b", "a\\xffb");
	UTF8_IS("\x80", "\\x80");
	UTF8_IS("\xc0\x80", "\\xc0\\x80");
	UTF8_IS("\xe0\x80\x80", "\\xe0\\x80\\x80");
	UTF8_IS("\xed\xa0\x80", "\\xed\\xa0\\x80");
	UTF8_IS("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	UTF8_IS("ab\xe2\x82", "ab\\xe2\\x82");
	UTF8_IS("\xf0\x9f\x98", "\\xf0\\x9f\\x98");
	/* Valid sequences around the damage survive. */
	UTF8_IS("\xc3\xa9\xff\xc3\xa9", "\xc3\xa9\\xff\xc3\xa9");
	UTF8_IS("\xc3\x28", "\\xc3(");
	/* The literal text \xff and the byte 0xff stay distinguishable. */
	UTF8_IS("\\xff\xff", "\\\\xff\\xff");
	UTF8_IS("back\\slash\xfe", "back\\\\slash\\xfe");
	/* Uppercase hex is never produced. */
	UTF8_IS("\xab\xcd\xef", "\\xab\\xcd\\xef");
}
END_TEST

START_TEST(test_utf8_every_byte)
{
	/* Each byte alone, and between ASCII letters. */
	char in[3] = { 'a', (char)_i, 'z' };
	char *out = escape_utf8(in, 3);
	char want[16];

	ck_assert_ptr_nonnull(out);
	ck_assert(escape_utf8_valid(out, strlen(out)));
	if (_i == 0)
		ck_assert_mem_eq(out, "a\0z", 4);
	else if (_i < 0x80)
		ck_assert_mem_eq(out, in, 3);
	else {
		snprintf(want, sizeof(want), "a\\x%02xz", _i);
		ck_assert_str_eq(out, want);
	}
	free(out);
}
END_TEST

START_TEST(test_utf8_random)
{
	/* Random garbage always comes out valid; valid input comes out unchanged. */
	uint32_t x = 2463534242u;
	char buf[64];

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(round % 64);
		char *out;

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (char)(x & 0xff);
			if (buf[i] == '\0')
				buf[i] = '\\';
		}
		out = escape_utf8(buf, len);
		ck_assert_ptr_nonnull(out);
		ck_assert(escape_utf8_valid(out, strlen(out)));
		if (escape_utf8_valid(buf, len)) {
			ck_assert_uint_eq(strlen(out), len);
			ck_assert_mem_eq(out, buf, len);
		} else {
			ck_assert_uint_gt(strlen(out), len);
		}
		free(out);
	}
}
END_TEST

/* escape_prom_label(in[0..len)) must be exactly want. */
static void
prom_is(const char *in, size_t len, const char *want)
{
	char *out = escape_prom_label(in, len);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	free(out);
}

#define PROM_IS(in, want)	prom_is(in, sizeof(in) - 1, want)

START_TEST(test_prom_label)
{
	PROM_IS("", "");
	PROM_IS("/usr/lib/libc.so.6", "/usr/lib/libc.so.6");
	PROM_IS("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
	/* The format's own three: backslash (doubled in the value, too). */
	PROM_IS("a\"b", "a\\\"b");
	PROM_IS("a\nb", "a\\nb");
	PROM_IS("a\\b", "a\\\\\\\\b");
	/* Control characters and bad bytes as \xNN in the value. */
	PROM_IS("\033[31m", "\\\\x1b[31m");
	PROM_IS("\t\r\x7f", "\\\\x09\\\\x0d\\\\x7f");
	PROM_IS("\xc2\x9b" "2J", "\\\\xc2\\\\x9b2J");
	PROM_IS("\xc2\xa0", "\xc2\xa0");
	PROM_IS("\xff", "\\\\xff");
	PROM_IS("\xed\xa0\x80", "\\\\xed\\\\xa0\\\\x80");
	/* The text \xff and the byte 0xff stay two values. */
	PROM_IS("\\xff", "\\\\\\\\xff");
	PROM_IS("a\033\"\\\n\xff", "a\\\\x1b\\\"\\\\\\\\\\n\\\\xff");
	/* An embedded NUL is a byte like any other. */
	prom_is("a\0b", 3, "a\\\\x00b");
}
END_TEST

/*
 * Undo the format's escapes of a label value (what a scraper reads), or NULL
 * if the text is not one: an unescaped quote or newline, or a stray escape.
 */
static char *
prom_unquote(const char *t)
{
	char *v = malloc(strlen(t) + 1), *o = v;

	ck_assert_ptr_nonnull(v);
	for (; *t; t++) {
		if (*t == '"' || *t == '\n')
			goto bad;
		if (*t != '\\') {
			*o++ = *t;
			continue;
		}
		t++;
		if (*t == '\\' || *t == '"')
			*o++ = *t;
		else if (*t == 'n')
			*o++ = '\n';
		else
			goto bad;
	}
	*o = '\0';
	return v;
bad:
	free(v);
	return NULL;
}

START_TEST(test_prom_random)
{
	/*
	 * Random bytes: the text is a label value of the format, its value is
	 * valid UTF-8 without control characters but newline, and two inputs
	 * never share a value.
	 */
	uint32_t x = 88172645u;
	char buf[2][16];
	char *val[2];

	for (int round = 0; round < 20000; round++) {
		for (int k = 0; k < 2; k++) {
			size_t len = (size_t)(round % 16);
			char *text;

			for (size_t i = 0; i < len; i++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				/* Mostly the bytes that matter. */
				buf[k][i] = (char)("\\x\"\n\033\xff\xc2\x9b"
				    "a0\xc3\xa9"[x % 12]);
				if (x & 0x100000)
					buf[k][i] = (char)(x >> 24);
			}
			text = escape_prom_label(buf[k], len);
			if (text == NULL || (val[k] = prom_unquote(text)) == NULL)
				ck_abort_msg("round %d: no label value", round);
			/* Plain ifs: every ck_assert costs a message to the runner. */
			if (!escape_utf8_valid(val[k], strlen(val[k])))
				ck_abort_msg("round %d: invalid UTF-8", round);
			for (const unsigned char *c = (unsigned char *)val[k]; *c; c++)
				if (*c < 0x20 ? *c != '\n' : *c == 0x7f)
					ck_abort_msg("round %d: control 0x%02x", round, *c);
			free(text);
		}
		if (memcmp(buf[0], buf[1], (size_t)(round % 16)) != 0 &&
		    strcmp(val[0], val[1]) == 0)
			ck_abort_msg("round %d: two inputs, one value", round);
		free(val[0]);
		free(val[1]);
	}
}
END_TEST

/* escape_csv_field(in) writes exactly want. */
static void
csv_is(const char *in, const char *want)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(escape_csv_field(fp, in), 0);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_str_eq(text, want);
	ck_assert_uint_eq(len, strlen(want));
	free(text);
}

START_TEST(test_csv_field)
{
	csv_is("plain", "plain");
	csv_is("", "");
	csv_is("/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	csv_is(" spaced out ", " spaced out ");
	csv_is("[heap]", "[heap]");
	csv_is("a,b", "\"a,b\"");
	csv_is(",", "\",\"");
	csv_is("say \"hi\"", "\"say \"\"hi\"\"\"");
	csv_is("\"", "\"\"\"\"");
	csv_is("a\rb", "\"a\rb\"");
	csv_is("a\nb", "\"a\nb\"");
	csv_is("a\r\nb", "\"a\r\nb\"");
	csv_is("x,\"y\"\n", "\"x,\"\"y\"\"\n\"");
	/* Backslashes and tabs are not special in RFC 4180. */
	csv_is("a\\b\tc", "a\\b\tc");
}
END_TEST

START_TEST(test_csv_write_error)
{
	FILE *fp = fopen("/dev/full", "we");

	ck_assert_ptr_nonnull(fp);
	setvbuf(fp, NULL, _IONBF, 0);
	ck_assert_int_eq(escape_csv_field(fp, "plain"), -1);
	clearerr(fp);
	ck_assert_int_eq(escape_csv_field(fp, "needs,quotes"), -1);
	fclose(fp);
}
END_TEST

static Suite *
escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc;

	tc = check_tcase(s, "vis");
	tcase_add_test(tc, test_vis_controls);
	tcase_add_test(tc, test_vis_high_bytes);
	tcase_add_loop_test(tc, test_vis_every_byte, 1, 256);
	tcase_add_loop_test(tc, test_vis_cut_table, 0,
	    (int)(sizeof(cut_cases) / sizeof(cut_cases[0])));
	tcase_add_loop_test(tc, test_vis_cut_boundaries, 0,
	    (int)(sizeof(cut_names) / sizeof(cut_names[0])));

	tc = check_tcase(s, "utf8_valid");
	tcase_add_loop_test(tc, test_utf8_valid_table, 0,
	    (int)(sizeof(utf8_cases) / sizeof(utf8_cases[0])));
	tcase_add_test(tc, test_utf8_valid_len);

	tc = check_tcase(s, "utf8_escape");
	tcase_add_test(tc, test_utf8_escape);
	tcase_add_loop_test(tc, test_utf8_every_byte, 0, 256);
	tcase_add_test(tc, test_utf8_random);

	tc = check_tcase(s, "prom_label");
	tcase_add_test(tc, test_prom_label);
	tcase_add_test(tc, test_prom_random);

	tc = check_tcase(s, "csv");
	tcase_add_test(tc, test_csv_field);
	tcase_add_test(tc, test_csv_write_error);
	return s;
}

int
main(void)
{
	/* vis(3) decides what is printable by the locale: pin the C locale. */
	setlocale(LC_ALL, "C");
	return check_run(escape_suite(), CK_NORMAL);
}
