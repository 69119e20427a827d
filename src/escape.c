/* escape.c - vis for terminals, RFC 4180 for CSV, valid UTF-8 for JSON */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "escape.h"

char *
escape_vis(const char *s)
{
	char *out = NULL;

	/*
	 * VIS_NOSLASH: the kernel already writes a newline in a path as the
	 * four characters \012; doubling the backslash would hide that.
	 */
	if (stravis(&out, s, VIS_TAB | VIS_NL | VIS_CSTYLE | VIS_OCTAL |
	    VIS_NOSLASH) < 0)
		return NULL;
	return out;
}

bool
escape_vis_plain(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/*
 * The length of the character at s as a reader sees vis(3)'s output: \ooo
 * (one to three octal digits), \M-^c, \M-c, \M^c, \^c, \c, or one byte.
 * With VIS_NOSLASH a backslash of the name itself is read the same way,
 * which is what a person sees too (the kernel writes a newline as \012).
 */
static size_t
vis_char(const char *s)
{
	size_t n;

	if (s[0] != '\\' || s[1] == '\0')
		return 1;
	if (s[1] >= '0' && s[1] <= '7') {
		for (n = 2; n < 4 && s[n] >= '0' && s[n] <= '7'; n++)
			;
		return n;
	}
	if (s[1] == 'M' && (s[2] == '-' || s[2] == '^') && s[3] != '\0')
		return s[2] == '-' && s[3] == '^' && s[4] != '\0' ? 5 : 4;
	if (s[1] == '^' && s[2] != '\0')
		return 3;
	return 2;
}

size_t
escape_vis_cut(const char *s, size_t len, size_t max)
{
	size_t i = 0;

	/* vis_char() stops at the NUL, so i never passes len. */
	while (i < len && len - i > max)
		i += vis_char(s + i);
	return i;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool
escape_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, k; i < len; i += k)
		if ((k = utf8_seq(p + i, len - i)) == 0)
			return false;
	return true;
}

char *
escape_utf8(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;

	if (escape_utf8_valid(s, len)) {
		if ((out = malloc(len + 1)) == NULL)
			return NULL;
		memcpy(out, s, len);
		out[len] = '\0';
		return out;
	}
	if (len > (SIZE_MAX - 1) / 4 || (out = malloc(4 * len + 1)) == NULL)
		return NULL;
	o = out;
	for (size_t i = 0, k; i < len; i += k) {
		k = utf8_seq(p + i, len - i);
		if (k == 0) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[p[i] >> 4];
			*o++ = hex[p[i] & 0xf];
			k = 1;
		} else if (p[i] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else {
			memcpy(o, p + i, k);
			o += k;
		}
	}
	*o = '\0';
	return out;
}

/* Append the bytes of a label value, escaped as the format's syntax wants. */
static char *
prom_put(char *o, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\\' || v[i] == '"')
			*o++ = '\\';
		if (v[i] == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else
			*o++ = v[i];
	}
	return o;
}

char *
escape_prom_label(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;

	/* The worst byte, \xNN in the value, is five characters in the file. */
	if (len > (SIZE_MAX - 1) / 5 || (out = malloc(5 * len + 1)) == NULL)
		return NULL;
	o = out;
	for (size_t i = 0, k; i < len; i += k) {
		k = utf8_seq(p + i, len - i);
		/* C0 but newline, DEL, and C1 (U+0080-U+009F: 0xc2 0x80-0x9f). */
		if (k == 0 || (k == 1 && ((p[i] < 0x20 && p[i] != '\n') ||
		    p[i] == 0x7f)) || (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			if (k == 0)
				k = 1;
			for (size_t j = 0; j < k; j++) {
				char x[4] = { '\\', 'x', hex[p[i + j] >> 4],
				    hex[p[i + j] & 0xf] };

				o = prom_put(o, x, sizeof(x));
			}
		} else if (p[i] == '\\')
			o = prom_put(o, "\\\\", 2);
		else
			o = prom_put(o, s + i, k);
	}
	*o = '\0';
	return out;
}

int
escape_csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL)
		return fputs(s, fp) < 0 ? -1 : 0;
	if (putc('"', fp) == EOF)
		return -1;
	for (; *s; s++) {
		if (*s == '"' && putc('"', fp) == EOF)
			return -1;
		if (putc(*s, fp) == EOF)
			return -1;
	}
	return putc('"', fp) == EOF ? -1 : 0;
}
