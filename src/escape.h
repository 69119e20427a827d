/* escape.h - the one place untrusted bytes are made safe for each output */
#ifndef PMSTAT_ESCAPE_H
#define PMSTAT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Encode s for a terminal with vis(3) (tabs, newlines, control and
 * non-printable bytes as C-style or octal escapes; backslashes pass as they
 * are). Returns a malloc'd
 * string, or NULL on allocation failure.
 */
char	*escape_vis(const char *s);

/*
 * Whether escape_vis() would give s back unchanged: every byte printable
 * ASCII (a space and a backslash included). Most paths are: the table then
 * writes them without a copy per row.
 */
bool	 escape_vis_plain(const char *s, size_t len);

/*
 * Where to cut the front off s, a string escape_vis() wrote (len its length),
 * so that at most max bytes are left: the smallest offset at a boundary of
 * whole characters that does so. An escape sequence (\033, \n, \M-^?) is one
 * character, never split.
 */
size_t	 escape_vis_cut(const char *s, size_t len, size_t max);

/* True if s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool	 escape_utf8_valid(const char *s, size_t len);

/*
 * Make s[0..len) valid UTF-8 for JSON: valid input is copied as is; otherwise
 * every backslash is doubled and every byte that is not part of a valid
 * sequence becomes the four characters \xNN, so the damage stays visible.
 * Returns a malloc'd NUL-terminated string, or NULL on allocation failure.
 */
char	*escape_utf8(const char *s, size_t len);

/*
 * Make s[0..len) a label value of the Prometheus text format (0.0.4), the
 * text between the double quotes. The value that a reader decodes is valid
 * UTF-8 and says every byte of s unambiguously: a byte that is not part of
 * valid UTF-8, and a control character other than newline (C0, DEL, C1: ESC
 * would reach the terminal of whoever curls /metrics), is shown as the four
 * characters \xNN, and a backslash as two; a newline stays one. The format
 * then escapes backslash, double quote and newline (\\, \", \n). Distinct
 * inputs give distinct values, so that two processes or paths never become
 * one series. Returns a malloc'd string, or NULL on allocation failure.
 */
char	*escape_prom_label(const char *s, size_t len);

/* Write s as one RFC 4180 CSV field, quoted only when it has to be. */
int	 escape_csv_field(FILE *fp, const char *s);

#endif
