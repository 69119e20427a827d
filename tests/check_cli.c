/* check_cli.c - the command line: options, PIDs, ranges, --help */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "columns.h"
#include "checkrun.h"

#define PS	4096

static struct options opts;
static char err[256];

/*
 * Run cli_parse on "pmstat" followed by the NULL-terminated arguments
 * (copied: getopt permutes argv) with the given page size.
 */
static enum cli_result
parse_ps(size_t page_size, const char *arg, ...)
{
	char *argv[32];
	int argc = 0;
	enum cli_result r;
	va_list ap;

	argv[argc++] = strdup("pmstat");
	va_start(ap, arg);
	for (const char *a = arg; a != NULL; a = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, 31);
		argv[argc++] = strdup(a);
	}
	va_end(ap);
	argv[argc] = NULL;
	memset(err, 'X', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	r = cli_parse(argc, argv, page_size, &opts, err, sizeof(err));
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

#define parse(...)	parse_ps(PS, __VA_ARGS__, (const char *)NULL)

/* A usage error comes with a one-line message. */
static void
usage_with(const char *needle)
{
	ck_assert_msg(err[0] != '\0' && err[0] != 'X', "no message: \"%s\"", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	if (needle != NULL)
		ck_assert_msg(strstr(err, needle) != NULL, "\"%s\" not in \"%s\"",
		    needle, err);
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(parse("42"), CLI_OK);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(opts.npids, 1);
	ck_assert_int_eq(opts.pids[0], 42);
	ck_assert_int_eq(opts.format, FMT_TABLE);
	ck_assert_int_eq(opts.unit, UNIT_KB);
	ck_assert_int_eq(opts.pages, PAGES_OFF);
	ck_assert_int_eq(opts.summary, SUMMARY_OFF);
	ck_assert(!opts.no_headers);
	ck_assert(!opts.no_kpage);
	ck_assert(!opts.no_scan);
	ck_assert(!opts.have_range);
	ck_assert_uint_eq(opts.ncols, 0);
	ck_assert_int_eq(opts.level, COLV_DEFAULT);
	ck_assert(!opts.wide);
	cli_free(&opts);
	ck_assert_ptr_null(opts.pids);
	ck_assert_uint_eq(opts.npids, 0);
}
END_TEST

START_TEST(test_long_options)
{
	ck_assert_int_eq(parse("--csv", "1"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_CSV);
	cli_free(&opts);
	ck_assert_int_eq(parse("--json", "1"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_JSON);
	cli_free(&opts);
	ck_assert_int_eq(parse("--no-headers", "1"), CLI_OK);
	ck_assert(opts.no_headers);
	cli_free(&opts);
	ck_assert_int_eq(parse("--no-kpage", "1"), CLI_OK);
	ck_assert(opts.no_kpage);
	ck_assert(!opts.no_scan);
	cli_free(&opts);
	ck_assert_int_eq(parse("--no-scan", "1"), CLI_OK);
	ck_assert(opts.no_scan);
	ck_assert(!opts.no_kpage);
	cli_free(&opts);
	ck_assert_int_eq(parse("--full-join", "1"), CLI_OK);
	ck_assert(opts.full_join);
	cli_free(&opts);
	ck_assert_int_eq(parse("--output", "pss,path", "1"), CLI_OK);
	ck_assert_uint_eq(opts.ncols, 2);
	ck_assert_int_eq(opts.cols[0], COL_COUNTER0 + CTR_PSS);
	ck_assert_int_eq(opts.cols[1], COL_PATH);
	cli_free(&opts);
	ck_assert_int_eq(parse("--output=start,end,inode", "1"), CLI_OK);
	ck_assert_uint_eq(opts.ncols, 3);
	ck_assert_int_eq(opts.cols[0], COL_START);
	ck_assert_int_eq(opts.cols[1], COL_END);
	ck_assert_int_eq(opts.cols[2], COL_INODE);
	cli_free(&opts);
	ck_assert_int_eq(parse("--pages", "1"), CLI_OK);
	ck_assert_int_eq(opts.pages, PAGES_DEFAULT);
	cli_free(&opts);
	ck_assert_int_eq(parse("--pid", "77"), CLI_OK);
	ck_assert_uint_eq(opts.npids, 1);
	ck_assert_int_eq(opts.pids[0], 77);
	cli_free(&opts);
	ck_assert_int_eq(parse("--pid=78"), CLI_OK);
	ck_assert_int_eq(opts.pids[0], 78);
	cli_free(&opts);
	ck_assert_int_eq(parse("--range", "0x1000-0x3000", "1"), CLI_OK);
	ck_assert(opts.have_range);
	ck_assert_uint_eq(opts.range_start, 0x1000);
	ck_assert_uint_eq(opts.range_end, 0x3000);
	cli_free(&opts);
	ck_assert_int_eq(parse("--unit", "pages", "1"), CLI_OK);
	ck_assert_int_eq(opts.unit, UNIT_PAGES);
	cli_free(&opts);
	ck_assert_int_eq(parse("--help"), CLI_HELP);
	cli_free(&opts);
	ck_assert_int_eq(parse("--version"), CLI_VERSION);
	cli_free(&opts);
	/* Unambiguous abbreviations, as getopt_long allows. */
	ck_assert_int_eq(parse("--js", "1"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_JSON);
	cli_free(&opts);
}
END_TEST

START_TEST(test_short_options)
{
	ck_assert_int_eq(parse("-c", "1"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_CSV);
	cli_free(&opts);
	ck_assert_int_eq(parse("-j", "1"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_JSON);
	cli_free(&opts);
	ck_assert_int_eq(parse("-n", "1"), CLI_OK);
	ck_assert(opts.no_headers);
	cli_free(&opts);
	ck_assert_int_eq(parse("-N", "1"), CLI_OK);
	ck_assert(opts.no_kpage);
	cli_free(&opts);
	ck_assert_int_eq(parse("-o", "anon", "1"), CLI_OK);
	ck_assert_uint_eq(opts.ncols, 1);
	ck_assert_int_eq(opts.cols[0], COL_COUNTER0 + CTR_ANON);
	cli_free(&opts);
	ck_assert_int_eq(parse("-ozero,dirty", "1"), CLI_OK);
	ck_assert_uint_eq(opts.ncols, 2);
	ck_assert_int_eq(opts.cols[0], COL_COUNTER0 + CTR_ZERO);
	ck_assert_int_eq(opts.cols[1], COL_COUNTER0 + CTR_DIRTY);
	cli_free(&opts);
	ck_assert_int_eq(parse("-P", "1"), CLI_OK);
	ck_assert(opts.pages);
	cli_free(&opts);
	ck_assert_int_eq(parse("-p", "9"), CLI_OK);
	ck_assert_int_eq(opts.pids[0], 9);
	cli_free(&opts);
	ck_assert_int_eq(parse("-p9"), CLI_OK);
	ck_assert_int_eq(opts.pids[0], 9);
	cli_free(&opts);
	ck_assert_int_eq(parse("-r", "2000", "1"), CLI_OK);
	ck_assert(opts.have_range);
	ck_assert_uint_eq(opts.range_start, 0x2000);
	ck_assert_uint_eq(opts.range_end, 0x3000);
	cli_free(&opts);
	ck_assert_int_eq(parse("-U", "bytes", "1"), CLI_OK);
	ck_assert_int_eq(opts.unit, UNIT_BYTES);
	cli_free(&opts);
	ck_assert_int_eq(parse("-h"), CLI_HELP);
	cli_free(&opts);
	ck_assert_int_eq(parse("-V"), CLI_VERSION);
	cli_free(&opts);
	/* Clustered flags, and options after the PID (GNU permutation). */
	ck_assert_int_eq(parse("-cnNP", "1"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_CSV);
	ck_assert(opts.no_headers && opts.no_kpage && opts.pages);
	cli_free(&opts);
	ck_assert_int_eq(parse("1", "-c", "2"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_CSV);
	ck_assert_uint_eq(opts.npids, 2);
	cli_free(&opts);
	/* The last format wins. */
	ck_assert_int_eq(parse("-c", "-j", "1"), CLI_OK);
	ck_assert_int_eq(opts.format, FMT_JSON);
	cli_free(&opts);
}
END_TEST

/* --pages[=MODE], --summary[=SCOPE], --flags and how they combine. */
START_TEST(test_page_views)
{
	ck_assert_int_eq(parse("--pages=all", "1"), CLI_OK);
	ck_assert_int_eq(opts.pages, PAGES_ALL);
	cli_free(&opts);
	ck_assert_int_eq(parse("--pages=runs", "1"), CLI_OK);
	ck_assert_int_eq(opts.pages, PAGES_RUNS);
	cli_free(&opts);
	ck_assert_int_eq(parse("-P", "1"), CLI_OK);
	ck_assert_int_eq(opts.pages, PAGES_DEFAULT);
	cli_free(&opts);
	ck_assert_int_eq(parse("--pages=some", "1"), CLI_USAGE);
	usage_with("'some'");
	cli_free(&opts);

	ck_assert_int_eq(parse("--summary", "1"), CLI_OK);
	ck_assert_int_eq(opts.summary, SUMMARY_PROCESS);
	cli_free(&opts);
	ck_assert_int_eq(parse("--summary=mapping", "1"), CLI_OK);
	ck_assert_int_eq(opts.summary, SUMMARY_MAPPING);
	cli_free(&opts);
	ck_assert_int_eq(parse("-s", "1"), CLI_OK);
	ck_assert_int_eq(opts.summary, SUMMARY_PROCESS);
	cli_free(&opts);
	ck_assert_int_eq(parse("--summary=page", "1"), CLI_USAGE);
	usage_with("'page'");
	cli_free(&opts);
	ck_assert_int_eq(parse("--summary", "--pages", "1"), CLI_USAGE);
	usage_with("--summary");
	cli_free(&opts);

	ck_assert_int_eq(parse("--pages", "--flags", "anon,~lru", "-F", "file", "1"),
	    CLI_OK);
	ck_assert_uint_eq(opts.filter.n, 2);
	cli_free(&opts);
	ck_assert_uint_eq(opts.filter.n, 0);
	ck_assert_int_eq(parse("--summary", "--flags=anonymous", "1"), CLI_OK);
	ck_assert_uint_eq(opts.filter.n, 1);
	cli_free(&opts);
	ck_assert_int_eq(parse("--pages", "--flags", "anon,nonsense", "1"), CLI_USAGE);
	usage_with("'nonsense'");
	cli_free(&opts);
	/* A selection of pages means nothing to per-mapping counters. */
	ck_assert_int_eq(parse("--flags", "anon", "1"), CLI_USAGE);
	usage_with("--flags");
	cli_free(&opts);
}
END_TEST

START_TEST(test_help_version_without_pid)
{
	/* --help and --version need no PID and win over a missing one. */
	ck_assert_int_eq(parse("-j", "--help"), CLI_HELP);
	cli_free(&opts);
	ck_assert_int_eq(parse("--version", "1"), CLI_VERSION);
	cli_free(&opts);
}
END_TEST

START_TEST(test_bad_options)
{
	ck_assert_int_eq(parse("-z", "1"), CLI_USAGE);
	usage_with("-z");
	cli_free(&opts);
	ck_assert_int_eq(parse("--bogus", "1"), CLI_USAGE);
	usage_with("--bogus");
	cli_free(&opts);
	ck_assert_int_eq(parse("1", "-p"), CLI_USAGE);
	usage_with("-p");
	cli_free(&opts);
	ck_assert_int_eq(parse("1", "--range"), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
	ck_assert_int_eq(parse("--no-scan=yes", "1"), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
}
END_TEST

struct pid_case {
	const char	*arg;
	int		 pid;	/* 0: a usage error */
};

static const struct pid_case pid_cases[] = {
	{ "1", 1 },
	{ "42", 42 },
	{ "/proc/42", 42 },
	{ "4194304", 4194304 },		/* PID_MAX_LIMIT */
	{ "4194305", 0 },
	{ "0", 0 },
	{ "-1", 0 },
	{ "abc", 0 },
	{ "12abc", 0 },
	{ "1.5", 0 },
	{ "0x10", 0 },
	{ "99999999999999999999", 0 },
	{ "", 0 },
	{ "/proc/", 0 },
	{ "/proc/abc", 0 },
	{ "/proc/0", 0 },
	{ "/proc/42/", 42 },	/* as the shell's completion writes it */
	{ "/proc/42//", 42 },
	{ "/proc/42/maps", 0 },
	{ "42/", 0 },
	{ "/proc//42", 0 },
	{ "proc/42", 0 },
};

START_TEST(test_pid_table)
{
	const struct pid_case *c = &pid_cases[_i];
	char e[128] = "";
	int pid = cli_parse_pid(c->arg, e, sizeof(e));

	ck_assert_msg(pid == c->pid, "'%s': got %d, want %d", c->arg, pid, c->pid);
	if (c->pid == 0)
		ck_assert_msg(e[0] != '\0', "'%s': no message", c->arg);

	/* The same through -p and as an argument. */
	ck_assert_int_eq(parse("-p", c->arg), c->pid ? CLI_OK : CLI_USAGE);
	if (c->pid) {
		ck_assert_uint_eq(opts.npids, 1);
		ck_assert_int_eq(opts.pids[0], c->pid);
	} else {
		usage_with(NULL);
	}
	cli_free(&opts);
	ck_assert_int_eq(parse("--", c->arg), c->pid ? CLI_OK : CLI_USAGE);
	if (c->pid)
		ck_assert_int_eq(opts.pids[0], c->pid);
	else
		usage_with(NULL);
	cli_free(&opts);
}
END_TEST

START_TEST(test_pid_lists)
{
	ck_assert_int_eq(parse("-p", "1,2,3"), CLI_OK);
	ck_assert_uint_eq(opts.npids, 3);
	ck_assert_int_eq(opts.pids[0], 1);
	ck_assert_int_eq(opts.pids[1], 2);
	ck_assert_int_eq(opts.pids[2], 3);
	cli_free(&opts);
	ck_assert_int_eq(parse("-p", "5,/proc/6", "7", "--pid", "8"), CLI_OK);
	ck_assert_uint_eq(opts.npids, 4);
	ck_assert_int_eq(opts.pids[0], 5);
	ck_assert_int_eq(opts.pids[1], 6);
	ck_assert_int_eq(opts.pids[2], 8);	/* options before arguments */
	ck_assert_int_eq(opts.pids[3], 7);
	cli_free(&opts);
	/* Many PIDs: no fixed cap. */
	{
		char list[8192];
		size_t off = 0;

		for (int i = 1; i <= 1000; i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%d",
			    i > 1 ? "," : "", i);
		ck_assert_int_eq(parse("-p", list), CLI_OK);
		ck_assert_uint_eq(opts.npids, 1000);
		ck_assert_int_eq(opts.pids[999], 1000);
		cli_free(&opts);
	}
	ck_assert_int_eq(parse("-p", "1,,2"), CLI_USAGE);
	usage_with("1,,2");
	cli_free(&opts);
	ck_assert_int_eq(parse("-p", "1,"), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
	ck_assert_int_eq(parse("-p", ","), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
	ck_assert_int_eq(parse("-p", ""), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
	ck_assert_int_eq(parse("-p", "1,x,3"), CLI_USAGE);
	usage_with("x");
	cli_free(&opts);
}
END_TEST

START_TEST(test_pid_list_leading_comma)
{
	/* "1," and "1,,2" are refused; ",1" has the same empty element. */
	ck_assert_int_eq(parse("-p", ",1"), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
}
END_TEST

START_TEST(test_no_pid)
{
	ck_assert_int_eq(parse("-j", "-n"), CLI_USAGE);
	usage_with("no process");
	cli_free(&opts);
	{
		char *argv[] = { NULL };
		ck_assert_int_eq(cli_parse(0, argv, PS, &opts, err, sizeof(err)),
		    CLI_USAGE);
		usage_with(NULL);
		cli_free(&opts);
	}
}
END_TEST

/* Every -o key of a column: its name, its header and its aliases. */
static size_t
column_keys(int id, char keys[][32], size_t max)
{
	const struct column *col = &columns[id];
	size_t n = 0;

	snprintf(keys[n++], sizeof(keys[0]), "%s", col->name);
	snprintf(keys[n++], sizeof(keys[0]), "%s", col->header);
	for (const char *a = col->aliases; a != NULL && *a != '\0' && n < max;) {
		size_t len = strcspn(a, ",");

		snprintf(keys[n++], sizeof(keys[0]), "%.*s", (int)len, a);
		a += len + (a[len] == ',');
	}
	return n;
}

/* key in upper case (how 0), lower case (1) or alternating (2). */
static void
recase(char *key, int how)
{
	for (size_t i = 0; key[i] != '\0'; i++) {
		bool up = how == 0 || (how == 2 && i % 2 == 0);

		key[i] = (char)(up ? toupper((unsigned char)key[i]) :
		    tolower((unsigned char)key[i]));
	}
}

START_TEST(test_output_columns)
{
	/* Every name, header and alias, in any case, names its own column. */
	for (int i = 0; i < COL_COUNT; i++) {
		char keys[8][32];
		size_t n = column_keys(i, keys, 8);

		for (size_t k = 0; k < n; k++)
			for (int how = 0; how < 3; how++) {
				recase(keys[k], how);
				ck_assert_msg(parse("-o", keys[k], "1") == CLI_OK,
				    "-o %s: %s", keys[k], err);
				ck_assert_uint_eq(opts.ncols, 1);
				ck_assert_msg(opts.cols[0] == i, "-o %s is %s, not %s",
				    keys[k], columns[opts.cols[0]].name, columns[i].name);
				cli_free(&opts);
			}
	}
	ck_assert_int_eq(parse("-o", "PSS,Rss,uss,KBytes,Mapping", "1"), CLI_OK);
	ck_assert_uint_eq(opts.ncols, 5);
	ck_assert_int_eq(opts.cols[0], COL_COUNTER0 + CTR_PSS);
	ck_assert_int_eq(opts.cols[1], COL_COUNTER0 + CTR_PRESENT);
	ck_assert_int_eq(opts.cols[2], COL_COUNTER0 + CTR_EXCLUSIVE);
	ck_assert_int_eq(opts.cols[3], COL_COUNTER0 + CTR_PAGES);
	ck_assert_int_eq(opts.cols[4], COL_PATH);
	cli_free(&opts);
	ck_assert_int_eq(parse("--output", "pss,bogus,path", "1"), CLI_USAGE);
	usage_with("'bogus'");
	cli_free(&opts);
	ck_assert_int_eq(parse("-o", "nosuchcolumn", "1"), CLI_USAGE);
	usage_with("nosuchcolumn");
	cli_free(&opts);
	/* A prefix of a name, or a name with more after it, is not the name. */
	ck_assert_int_eq(parse("-o", "ps", "1"), CLI_USAGE);
	usage_with("'ps'");
	cli_free(&opts);
	ck_assert_int_eq(parse("-o", "pssx", "1"), CLI_USAGE);
	usage_with("'pssx'");
	cli_free(&opts);
	ck_assert_int_eq(parse("-o", "kbytes,vsz,", "1"), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
	ck_assert_int_eq(parse("-o", "pss,", "1"), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
	ck_assert_int_eq(parse("-o", "", "1"), CLI_USAGE);
	usage_with(NULL);
	cli_free(&opts);
}
END_TEST

/* No key names two columns: -o would pick one silently. */
START_TEST(test_column_keys_unique)
{
	for (int i = 0; i < COL_COUNT; i++) {
		char keys[8][32];
		size_t n = column_keys(i, keys, 8);

		ck_assert_uint_lt(n, 8);
		for (size_t k = 0; k < n; k++)
			ck_assert_msg(col_lookup(keys[k], strlen(keys[k])) == i,
			    "'%s' of %s names %d", keys[k], columns[i].name,
			    col_lookup(keys[k], strlen(keys[k])));
	}
}
END_TEST

/* The table's levels: each holds the one below, in the table's order. */
START_TEST(test_column_levels)
{
	static const int compact[] = { COL_START, COL_PERMS,
	    COL_COUNTER0 + CTR_PRESENT, COL_COUNTER0 + CTR_SWAPPED,
	    COL_COUNTER0 + CTR_ANON, COL_COUNTER0 + CTR_SHARED,
	    COL_COUNTER0 + CTR_PSS, COL_PATH };
	int ids[COL_COUNT];
	size_t n;

	n = col_defaults(ids, COL_COUNT, COLV_DEFAULT);
	ck_assert_uint_eq(n, sizeof(compact) / sizeof(compact[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ids[i], compact[i]);
	/* -x: Address, Perm, every counter, Mapping. */
	n = col_defaults(ids, COL_COUNT, COLV_EXTENDED);
	ck_assert_uint_eq(n, 3 + CTR_COUNT);
	ck_assert_int_eq(ids[0], COL_START);
	ck_assert_int_eq(ids[1], COL_PERMS);
	for (int c = 0; c < CTR_COUNT; c++)
		ck_assert_int_eq(ids[2 + c], COL_COUNTER0 + c);
	ck_assert_int_eq(ids[n - 1], COL_PATH);
	/* -X: every column, in CSV's order. */
	n = col_defaults(ids, COL_COUNT, COLV_ALL);
	ck_assert_uint_eq(n, COL_COUNT);
	for (int i = 0; i < COL_COUNT; i++)
		ck_assert_int_eq(ids[i], i);
	/* A short array is filled, not overrun. */
	ck_assert_uint_eq(col_defaults(ids, 2, COLV_ALL), 2);
}
END_TEST

/* -x, -X, -o: the last one wins; -w. */
START_TEST(test_table_levels)
{
	ck_assert_int_eq(parse("-x", "1"), CLI_OK);
	ck_assert_int_eq(opts.level, COLV_EXTENDED);
	ck_assert_uint_eq(opts.ncols, 0);
	cli_free(&opts);
	ck_assert_int_eq(parse("--extended", "1"), CLI_OK);
	ck_assert_int_eq(opts.level, COLV_EXTENDED);
	cli_free(&opts);
	ck_assert_int_eq(parse("-X", "1"), CLI_OK);
	ck_assert_int_eq(opts.level, COLV_ALL);
	cli_free(&opts);
	ck_assert_int_eq(parse("--output-all", "1"), CLI_OK);
	ck_assert_int_eq(opts.level, COLV_ALL);
	cli_free(&opts);
	ck_assert_int_eq(parse("-o", "pss", "-x", "1"), CLI_OK);
	ck_assert_uint_eq(opts.ncols, 0);
	ck_assert_int_eq(opts.level, COLV_EXTENDED);
	cli_free(&opts);
	ck_assert_int_eq(parse("-X", "-o", "pss", "1"), CLI_OK);
	ck_assert_uint_eq(opts.ncols, 1);
	cli_free(&opts);
	ck_assert_int_eq(parse("-w", "1"), CLI_OK);
	ck_assert(opts.wide);
	cli_free(&opts);
	ck_assert_int_eq(parse("--wide", "1"), CLI_OK);
	ck_assert(opts.wide);
	cli_free(&opts);
	ck_assert_int_eq(parse("-wx", "1"), CLI_OK);
	ck_assert(opts.wide);
	ck_assert_int_eq(opts.level, COLV_EXTENDED);
	cli_free(&opts);
}
END_TEST

struct unit_case {
	const char	*arg;
	int		 unit;	/* -1: usage error */
};

static const struct unit_case unit_cases[] = {
	{ "kb", UNIT_KB }, { "kB", UNIT_KB }, { "KB", UNIT_KB },
	{ "pages", UNIT_PAGES }, { "bytes", UNIT_BYTES }, { "human", UNIT_HUMAN },
	{ "mb", -1 }, { "", -1 }, { "kbytes", -1 }, { "pagesx", -1 }, { "42", -1 },
};

START_TEST(test_units)
{
	const struct unit_case *c = &unit_cases[_i];

	if (c->unit < 0) {
		ck_assert_int_eq(parse("--unit", c->arg, "1"), CLI_USAGE);
		usage_with(c->arg);
	} else {
		ck_assert_int_eq(parse("-U", c->arg, "1"), CLI_OK);
		ck_assert_int_eq(opts.unit, c->unit);
	}
	cli_free(&opts);
}
END_TEST

struct range_case {
	const char	*arg;
	size_t		 page_size;
	bool		 ok;
	uint64_t	 start, end;
};

static const struct range_case range_cases[] = {
	{ "7f00", PS, true, 0x7000, 0x8000 },		/* lone address: its page */
	{ "0x7f00", PS, true, 0x7000, 0x8000 },
	{ "0x7000", PS, true, 0x7000, 0x8000 },
	{ "0x7f00-0x8000", PS, true, 0x7000, 0x8000 },
	{ "0x7f00-0x8001", PS, true, 0x7000, 0x9000 },	/* end rounds up */
	{ "0x1800-0x1900", PS, true, 0x1000, 0x2000 },
	{ "0x1800-0x1801", PS, true, 0x1000, 0x2000 },
	{ "5-6", PS, true, 0, 0x1000 },
	{ "0X1000-0X3000", PS, true, 0x1000, 0x3000 },
	{ "7F0000000000-7F0000100000", PS, true, 0x7f0000000000, 0x7f0000100000 },
	{ "0-0x1000", PS, true, 0, 0x1000 },
	{ "0", PS, true, 0, 0x1000 },
	{ "0x5000-0x9000", 16384, true, 0x4000, 0xc000 },
	{ "0x5000", 16384, true, 0x4000, 0x8000 },
	/* The top page of the address space: its end wraps to 0, no limit. */
	{ "0xfffffffffffff000", PS, true, 0xfffffffffffff000, 0 },
	{ "0xffffffffffffffff", PS, true, 0xfffffffffffff000, 0 },
	{ "0xfffffffffffff000-0xffffffffffffffff", PS, true, 0xfffffffffffff000, 0 },
	{ "0xffffffffffffe000-0xfffffffffffff000", PS, true,
	    0xffffffffffffe000, 0xfffffffffffff000 },
	/* Inverted, empty, junk. */
	{ "0x2000-0x1000", PS, false, 0, 0 },
	{ "0x1000-0x1000", PS, false, 0, 0 },
	{ "0x1800-0x1000", PS, false, 0, 0 },
	{ "0x1001-0x1001", PS, false, 0, 0 },		/* empty before rounding */
	{ "5-5", PS, false, 0, 0 },
	{ "0x1800-0x17ff", PS, false, 0, 0 },
	{ "0x1000-0", PS, false, 0, 0 },
	{ "zz", PS, false, 0, 0 },
	{ "", PS, false, 0, 0 },
	{ "0x", PS, false, 0, 0 },
	{ "-", PS, false, 0, 0 },
	{ "0x1000-", PS, false, 0, 0 },
	{ "-0x1000", PS, false, 0, 0 },
	{ "0x1000-zz", PS, false, 0, 0 },
	{ "0x1000-0x2000-0x3000", PS, false, 0, 0 },
	{ "0x1000 - 0x2000", PS, false, 0, 0 },
	{ " 0x1000", PS, false, 0, 0 },
	{ "0x1000 ", PS, false, 0, 0 },
	{ "0x0x1000", PS, false, 0, 0 },
	{ "10000000000000000", PS, false, 0, 0 },	/* 17 digits: > 64 bits */
	{ "0x1000-10000000000000000", PS, false, 0, 0 },
	{ "-1", PS, false, 0, 0 },
};

START_TEST(test_range_table)
{
	const struct range_case *c = &range_cases[_i];
	uint64_t start = 1, end = 1;
	char e[128] = "";
	int r = cli_parse_range(c->arg, c->page_size, &start, &end, e, sizeof(e));

	if (!c->ok) {
		ck_assert_msg(r == -1, "'%s' accepted as [%#llx, %#llx)", c->arg,
		    (unsigned long long)start, (unsigned long long)end);
		ck_assert_msg(e[0] != '\0', "'%s': no message", c->arg);
		ck_assert_int_eq(parse_ps(c->page_size, "--range", c->arg, "1",
		    (const char *)NULL), CLI_USAGE);
		usage_with(NULL);
		cli_free(&opts);
		return;
	}
	ck_assert_msg(r == 0, "'%s' refused: %s", c->arg, e);
	ck_assert_msg(start == c->start && end == c->end,
	    "'%s': got [%#llx, %#llx), want [%#llx, %#llx)", c->arg,
	    (unsigned long long)start, (unsigned long long)end,
	    (unsigned long long)c->start, (unsigned long long)c->end);
	ck_assert_int_eq(parse_ps(c->page_size, "-r", c->arg, "1", (const char *)NULL),
	    CLI_OK);
	ck_assert(opts.have_range);
	ck_assert_uint_eq(opts.range_start, c->start);
	ck_assert_uint_eq(opts.range_end, c->end);
	cli_free(&opts);
}
END_TEST

START_TEST(test_range_end_of_address_space)
{
	/*
	 * "The end rounds up so the page holding END - 1 is included": for an
	 * END in the top page that page is the last one, and the rounded end
	 * wraps to 0 (no limit), as it does for a lone top address.
	 */
	uint64_t start, end;
	char e[128];

	ck_assert_int_eq(cli_parse_range("0x1000-0xffffffffffffffff", PS, &start, &end,
	    e, sizeof(e)), 0);
	ck_assert_uint_eq(start, 0x1000);
	ck_assert_uint_eq(end, 0);
	ck_assert_int_eq(cli_parse_range("0-0xfffffffffffff001", PS, &start, &end,
	    e, sizeof(e)), 0);
	ck_assert_uint_eq(end, 0);
}
END_TEST

START_TEST(test_reparse)
{
	/* getopt state is reset: the same and different lines parse the same. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(parse("-j", "-p", "5", "6"), CLI_OK);
		ck_assert_uint_eq(opts.npids, 2);
		ck_assert_int_eq(opts.format, FMT_JSON);
		cli_free(&opts);
		ck_assert_int_eq(parse("-z"), CLI_USAGE);
		cli_free(&opts);
		ck_assert_int_eq(parse("7"), CLI_OK);
		ck_assert_int_eq(opts.format, FMT_TABLE);
		ck_assert_uint_eq(opts.npids, 1);
		cli_free(&opts);
	}
}
END_TEST

START_TEST(test_usage_text)
{
	static const char tail[] = "For more details see pmstat(1).\n";
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	static const char *const opts_listed[] = {
		"--csv", "--flags", "--summary", "--help", "--json", "--no-headers",
		"--no-kpage", "--no-scan", "--full-join",
		"--output", "--pages", "--pid", "--range", "--unit", "--version",
		"--extended", "--output-all", "--wide",
		" -c,", " -h,", " -j,", " -n,", " -N,", " -o,", " -P,", " -p,", " -r,",
		" -U,", " -V,", " -x,", " -X,", " -w,",
	};
	static const char *const aliases[] = { " also kbytes, vsz, vss\n",
	    " also rss\n", " also uss\n", " also mode\n", " also anonymous\n" };

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(cli_usage(fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_uint_gt(len, sizeof(tail));
	ck_assert_str_eq(text + len - (sizeof(tail) - 1), tail);
	ck_assert_ptr_nonnull(strstr(text, "Usage:\n"));
	for (size_t i = 0; i < sizeof(opts_listed) / sizeof(opts_listed[0]); i++)
		ck_assert_msg(strstr(text, opts_listed[i]) != NULL, "%s not in --help",
		    opts_listed[i]);
	/* Every column is listed, from the one table, with its header. */
	for (int i = 0; i < COL_COUNT; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "  %-11s %-8s ", columns[i].name,
		    columns[i].header);
		ck_assert_msg(strstr(text, needle) != NULL, "column %s not in --help",
		    columns[i].name);
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		ck_assert_msg(strstr(text, aliases[i]) != NULL, "%s not in --help",
		    aliases[i]);
	/* It fits an 80-column terminal. */
	for (const char *p = text, *nl; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(nl - p <= 80, "--help line of %d columns: %.*s",
		    (int)(nl - p), (int)(nl - p), p);
	}
	free(text);
}
END_TEST

/* --interval: decimal seconds to the nanosecond, above 0, at most a day. */
static const struct interval_case {
	const char	*arg;
	bool		 ok;
	uint64_t	 ns;
} interval_cases[] = {
	{ "1", true, 1000000000 },
	{ "0.2", true, 200000000 },
	{ ".5", true, 500000000 },
	{ "2.", true, 2000000000 },
	{ "0.000000001", true, 1 },
	{ "0.0000000019", true, 1 },	/* below a nanosecond: dropped */
	{ "86400", true, UINT64_C(86400000000000) },
	{ "86400.000", true, UINT64_C(86400000000000) },
	{ "007.25", true, 7250000000 },
	{ "0", false, 0 },
	{ "0.0", false, 0 },
	{ "0.0000000001", false, 0 },
	{ "86400.000000001", false, 0 },
	{ "86401", false, 0 },
	{ "99999999999999999999999", false, 0 },
	{ "-1", false, 0 },
	{ "+1", false, 0 },
	{ " 1", false, 0 },
	{ "1 ", false, 0 },
	{ "1e3", false, 0 },
	{ "0x10", false, 0 },
	{ "inf", false, 0 },
	{ "nan", false, 0 },
	{ "1,5", false, 0 },
	{ "1.2.3", false, 0 },
	{ ".", false, 0 },
	{ "", false, 0 },
	{ "abc", false, 0 },
};

START_TEST(test_interval_table)
{
	const struct interval_case *c = &interval_cases[_i];
	uint64_t ns = 7;
	char e[128] = "";
	int r = cli_parse_interval(c->arg, &ns, e, sizeof(e));

	if (!c->ok) {
		ck_assert_msg(r == -1, "'%s' accepted as %llu ns", c->arg,
		    (unsigned long long)ns);
		ck_assert_msg(e[0] != '\0', "'%s': no message", c->arg);
		ck_assert_int_eq(parse("-i", c->arg, "1"), CLI_USAGE);
		usage_with("--interval");
		cli_free(&opts);
		return;
	}
	ck_assert_msg(r == 0, "'%s' refused: %s", c->arg, e);
	ck_assert_msg(ns == c->ns, "'%s': %llu ns, want %llu", c->arg,
	    (unsigned long long)ns, (unsigned long long)c->ns);
	ck_assert_int_eq(parse("--interval", c->arg, "1"), CLI_OK);
	ck_assert_uint_eq(opts.interval_ns, c->ns);
	ck_assert_uint_eq(opts.count, 0);
	ck_assert(!opts.delta);
	cli_free(&opts);
}
END_TEST

/* --count and --delta belong to a watch; --count counts from 1. */
START_TEST(test_watch_options)
{
	ck_assert_int_eq(parse("-i", "0.5", "--count", "3", "--delta", "1"), CLI_OK);
	ck_assert_uint_eq(opts.interval_ns, 500000000);
	ck_assert_uint_eq(opts.count, 3);
	ck_assert(opts.delta);
	cli_free(&opts);
	ck_assert_int_eq(parse("-ai2", "--by", "user", "--delta"), CLI_OK);
	ck_assert_uint_eq(opts.interval_ns, 2000000000);
	cli_free(&opts);
	ck_assert_int_eq(parse("--count", "3", "1"), CLI_USAGE);
	usage_with("--count applies to a watch");
	cli_free(&opts);
	ck_assert_int_eq(parse("--delta", "1"), CLI_USAGE);
	usage_with("--delta applies to a watch");
	cli_free(&opts);
	ck_assert_int_eq(parse("-i", "1", "--count", "0", "1"), CLI_USAGE);
	usage_with("--count");
	cli_free(&opts);
	ck_assert_int_eq(parse("-i", "1", "--count", "2x", "1"), CLI_USAGE);
	usage_with("not a number");
	cli_free(&opts);
	ck_assert_int_eq(parse("-i", "1", "--count", "-1", "1"), CLI_USAGE);
	usage_with("--count");
	cli_free(&opts);
	ck_assert_int_eq(parse("-i", "1", "--delta", "--pages", "1"), CLI_USAGE);
	usage_with("--pages");
	cli_free(&opts);
	ck_assert_int_eq(parse("-i", "1", "--delta", "--summary", "1"), CLI_USAGE);
	usage_with("--summary");
	cli_free(&opts);
	/* Absolute pages may be watched. */
	ck_assert_int_eq(parse("-i", "1", "--pages", "1"), CLI_OK);
	cli_free(&opts);
}
END_TEST

START_TEST(test_usage_write_error)
{
	FILE *fp = fopen("/dev/full", "we");

	ck_assert_ptr_nonnull(fp);
	setvbuf(fp, NULL, _IONBF, 0);
	ck_assert_int_eq(cli_usage(fp), -1);
	fclose(fp);
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc;

	tc = check_tcase(s, "options");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_long_options);
	tcase_add_test(tc, test_page_views);
	tcase_add_test(tc, test_short_options);
	tcase_add_test(tc, test_help_version_without_pid);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_output_columns);
	tcase_add_test(tc, test_column_keys_unique);
	tcase_add_test(tc, test_column_levels);
	tcase_add_test(tc, test_table_levels);
	tcase_add_loop_test(tc, test_units, 0,
	    (int)(sizeof(unit_cases) / sizeof(unit_cases[0])));
	tcase_add_test(tc, test_reparse);

	tc = check_tcase(s, "pids");
	tcase_add_loop_test(tc, test_pid_table, 0,
	    (int)(sizeof(pid_cases) / sizeof(pid_cases[0])));
	tcase_add_test(tc, test_pid_lists);
	tcase_add_test(tc, test_pid_list_leading_comma);
	tcase_add_test(tc, test_no_pid);

	tc = check_tcase(s, "range");
	tcase_add_loop_test(tc, test_range_table, 0,
	    (int)(sizeof(range_cases) / sizeof(range_cases[0])));
	tcase_add_test(tc, test_range_end_of_address_space);

	tc = check_tcase(s, "watch");
	tcase_add_loop_test(tc, test_interval_table, 0,
	    (int)(sizeof(interval_cases) / sizeof(interval_cases[0])));
	tcase_add_test(tc, test_watch_options);

	tc = check_tcase(s, "usage");
	tcase_add_test(tc, test_usage_text);
	tcase_add_test(tc, test_usage_write_error);
	return s;
}

int
main(void)
{
	return check_run(cli_suite(), CK_NORMAL);
}
