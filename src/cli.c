/* cli.c - getopt_long, strtonum and the --help text */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* pid_max can be raised to 2^22 (PID_MAX_LIMIT); anything larger is junk. */
#define PMSTAT_PID_MAX	4194304

enum {
	OPT_NO_SCAN = CHAR_MAX + 1,
	OPT_FULL_JOIN,
	OPT_TREE,
	OPT_BY,
	OPT_SORT,
	OPT_FAMILY,
	OPT_MAP,
	OPT_WIDTH,
	OPT_ROWS,
	OPT_COLOR,
	OPT_ASCII,
	OPT_PROMETHEUS,
	OPT_FREEZE,
	OPT_COUNT,
	OPT_DELTA,
};

static const struct option long_options[] = {
	{ "all",	no_argument,		NULL, 'a' },
	{ "all-mappings", no_argument,		NULL, 'v' },
	{ "ascii",	no_argument,		NULL, OPT_ASCII },
	{ "by",		required_argument,	NULL, OPT_BY },
	{ "color",	optional_argument,	NULL, OPT_COLOR },
	{ "comm",	required_argument,	NULL, 'C' },
	{ "count",	required_argument,	NULL, OPT_COUNT },
	{ "csv",	no_argument,		NULL, 'c' },
	{ "delta",	no_argument,		NULL, OPT_DELTA },
	{ "extended",	no_argument,		NULL, 'x' },
	{ "family",	no_argument,		NULL, OPT_FAMILY },
	{ "flags",	required_argument,	NULL, 'F' },
	{ "freeze",	no_argument,		NULL, OPT_FREEZE },
	{ "full-join",	no_argument,		NULL, OPT_FULL_JOIN },
	{ "help",	no_argument,		NULL, 'h' },
	{ "interval",	required_argument,	NULL, 'i' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "map",	no_argument,		NULL, OPT_MAP },
	{ "no-headers",	no_argument,		NULL, 'n' },
	{ "no-kpage",	no_argument,		NULL, 'N' },
	{ "no-scan",	no_argument,		NULL, OPT_NO_SCAN },
	{ "output",	required_argument,	NULL, 'o' },
	{ "output-all",	no_argument,		NULL, 'X' },
	{ "pages",	optional_argument,	NULL, 'P' },
	{ "pid",	required_argument,	NULL, 'p' },
	{ "prometheus",	no_argument,		NULL, OPT_PROMETHEUS },
	{ "range",	required_argument,	NULL, 'r' },
	{ "rows",	required_argument,	NULL, OPT_ROWS },
	{ "sort",	required_argument,	NULL, OPT_SORT },
	{ "summary",	optional_argument,	NULL, 's' },
	{ "tree",	required_argument,	NULL, OPT_TREE },
	{ "unit",	required_argument,	NULL, 'U' },
	{ "user",	required_argument,	NULL, 'u' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "wide",	no_argument,		NULL, 'w' },
	{ "width",	required_argument,	NULL, OPT_WIDTH },
	{ NULL,		0,			NULL, 0 }
};
static const char short_options[] = "aC:cF:hi:jnNo:Pp:r:su:U:VvwxX";

int
cli_usage(FILE *fp)
{
	fputs("\nUsage:\n"
	    " pmstat [options] PID...\n"
	    " pmstat [options] -p PID[,PID...]\n"
	    " pmstat [options] -a | --tree PID | -C NAME | -u USER\n"
	    " pmstat --map [options] PID...\n"
	    " pmstat -i SECONDS [--count N] [--delta] [options] PID...\n"
	    " pmstat --prometheus [options] PID...\n"
	    "\nReport, per mapping, how a process's pages are backed: present, swapped,\n"
	    "file, anonymous, zero page, shared, dirty, copied on write, THP, KSM, PSS.\n"
	    "\nOptions:\n"
	    " -p, --pid PID[,PID...]   processes to inspect (also as arguments)\n"
	    " -a, --all                every process the caller may read\n"
	    "     --tree PID[,PID...]  PID and its descendants, and their family\n"
	    " -C, --comm NAME[,NAME...] processes whose command name is NAME\n"
	    " -u, --user USER[,USER...] processes of USER (a name or a uid)\n"
	    "     --by ROW             what a row stands for: mapping (named PIDs'\n"
	    "                          default), process (a selection's), path, user\n"
	    "     --sort [+|-]KEY[,...] order the rows: a counter, pid, ppid, uid,\n"
	    "                          user, comm, path or procs; - descending\n"
	    "     --family             count the processes' pages once: present,\n"
	    "                          anon, cow_shared, cow_exposure (needs PFNs)\n"
	    " -j, --json               JSON output (schema 1)\n"
	    " -c, --csv                CSV output (RFC 4180, header row)\n"
	    "     --prometheus         Prometheus text exposition (0.0.4), bytes,\n"
	    "                          one row per process unless --by says else\n"
	    " -P, --pages[=MODE]       pages instead of mappings: MODE runs (pages in\n"
	    "                          the same state as one row; the table's default)\n"
	    "                          or all (one row per page; CSV's and JSON's)\n"
	    " -s, --summary[=SCOPE]    pages per distinct flags combination, per\n"
	    "                          process (default) or per mapping\n"
	    " -F, --flags LIST         only pages whose flags match LIST, e.g. anon,~lru\n"
	    "                          (repeat for either-or; names below)\n"
	    " -r, --range START[-END]  only addresses in [START, END) (hex)\n"
	    "     --map                a page map: a strip of glyphs per mapping,\n"
	    "                          one per bucket of pages (legend printed)\n"
	    "     --width N            the map's line width (default: the terminal's,\n"
	    "                          $COLUMNS, 80); with --json, buckets per row\n"
	    "     --rows N             rows a large mapping's strip may take (1)\n"
	    "     --color[=WHEN]       the map in colour: auto (default), always, never\n"
	    "     --ascii              the map in ASCII even in a UTF-8 locale\n"
	    " -v, --all-mappings       the map draws mappings under 64 KiB too\n"
	    " -i, --interval SECONDS   watch: a sample every SECONDS (fractions\n"
	    "                          allowed), until interrupted\n"
	    "     --count N            watch: stop after N samples\n"
	    "     --delta              watch: the change since the last sample\n"
	    " -o, --output LIST        columns to print (table and CSV)\n"
	    " -x, --extended           table: every counter\n"
	    " -X, --output-all         table: every column, as CSV and JSON\n"
	    " -w, --wide               table: never cut paths to the terminal's width\n"
	    " -U, --unit UNIT          table sizes in kB (default), pages, bytes, human\n"
	    " -n, --no-headers         no header line (table and CSV); the table\n"
	    "                          also leaves out its totals row\n"
	    " -N, --no-kpage           do not read /proc/kpagecount and /proc/kpageflags\n"
	    "     --no-scan            do not use the PAGEMAP_SCAN ioctl\n"
	    "     --full-join          read the kpage words of every present page,\n"
	    "                          also those the counters do not need\n"
	    "     --freeze             stop each process (SIGSTOP) while it is read,\n"
	    "                          for a consistent snapshot; always resumed\n"
	    "\n -h, --help               display this help\n"
	    " -V, --version            display version\n", fp);
	col_usage(fp);
	fputs("\nLetters of the --pages table's Flags column ('.' clear, '?' unknown):\n"
	    " f file page (not the zero page)    x mapped only here (exclusive)\n"
	    " z the shared zero page             c copied on write (private file map)\n"
	    " d soft-dirty                       w write-protected by userfaultfd\n"
	    " g guard region marker\n", fp);
	fputs("\nPage flags (--flags, --summary):\n", fp);
	for (unsigned int b = 0, col = 0; b < 64; b++) {
		const char *name = pageflags_name(b);

		if (name == NULL)
			continue;
		if (col + strlen(name) + 1 > 76) {
			fputc('\n', fp);
			col = 0;
		}
		col += (unsigned int)fprintf(fp, " %s", name);
	}
	fputs("\n", fp);
	fputs("\nA counter that cannot be known (no privilege, no kernel support) is\n"
	    "shown as -, empty in CSV, null in JSON.\n"
	    "\nFor more details see pmstat(1).\n", fp);
	return ferror(fp) ? -1 : 0;
}

int
cli_parse_pid(const char *s, char *err, size_t errlen)
{
	const char *errstr = NULL, *arg = s;
	char digits[32];
	size_t n;
	long long v;

	/* "/proc/1234/", as the shell's completion writes it, names 1234 too. */
	if (strncmp(s, "/proc/", 6) == 0)
		s += 6;
	n = strcspn(s, "/");
	if (s[n + strspn(s + n, "/")] != '\0' || (s != arg && n == 0) ||
	    (s == arg && s[n] == '/') || n >= sizeof(digits)) {
		snprintf(err, errlen, "invalid PID '%s'", arg);
		return 0;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	v = strtonum(digits, 1, PMSTAT_PID_MAX, &errstr);
	if (errstr != NULL) {
		snprintf(err, errlen, "invalid PID '%s': %s", arg,
		    strcmp(errstr, "invalid") == 0 ? "not a number" : errstr);
		return 0;
	}
	return (int)v;
}

/* Parse one hex address; the whole string must be consumed. */
static int
parse_addr(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i == len)
		return -1;
	for (; i < len; i++) {
		int c = tolower((unsigned char)s[i]), d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		if (v >> 60)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

int
cli_parse_range(const char *s, size_t page_size, uint64_t *start,
    uint64_t *end, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	size_t slen = dash ? (size_t)(dash - s) : strlen(s);
	uint64_t a, b;

	if (parse_addr(s, slen, &a) != 0 ||
	    (dash && parse_addr(dash + 1, strlen(dash + 1), &b) != 0)) {
		snprintf(err, errlen, "invalid range '%s': expected START[-END] in hex", s);
		return -1;
	}
	if (dash && b <= a) {
		snprintf(err, errlen, "invalid range '%s': empty or inverted", s);
		return -1;
	}
	a &= ~((uint64_t)page_size - 1);
	/* A lone address selects the page that holds it. */
	if (!dash)
		b = a + page_size;
	/* The end rounds up so the page holding END - 1 is included. */
	if (b > UINT64_MAX - (page_size - 1))
		b = 0;	/* END - 1 is in the top page: no limit */
	else
		b = (b + page_size - 1) & ~((uint64_t)page_size - 1);
	if (b <= a) {
		/* Only the top page of the address space can wrap to 0. */
		b = 0;
	}
	*start = a;
	*end = b;
	return 0;
}

/*
 * Decimal seconds by hand, not strtod(): it would take "1e3", "inf", "0x10",
 * a sign and leading blanks, and round "0.1" to a double. Digits past the
 * ninth after the point are below a nanosecond and dropped.
 */
int
cli_parse_interval(const char *s, uint64_t *ns, char *err, size_t errlen)
{
	uint64_t sec = 0, frac = 0, scale = 1000000000;
	const char *p = s;
	size_t nint = 0, nfrac = 0;

	for (; *p >= '0' && *p <= '9'; p++, nint++)
		if ((sec = sec * 10 + (uint64_t)(*p - '0')) > CLI_INTERVAL_MAX)
			break;
	if (sec > CLI_INTERVAL_MAX) {
		snprintf(err, errlen, "invalid --interval '%s': at most %d "
		    "seconds (a day)", s, CLI_INTERVAL_MAX);
		return -1;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
	if (*p != '\0' || nint + nfrac == 0) {
		snprintf(err, errlen, "invalid --interval '%s': expected seconds, "
		    "e.g. 2 or 0.5", s);
		return -1;
	}
	*ns = sec * 1000000000 + frac;
	if (*ns == 0) {
		snprintf(err, errlen, "invalid --interval '%s': must be above 0", s);
		return -1;
	}
	if (*ns > (uint64_t)CLI_INTERVAL_MAX * 1000000000) {
		snprintf(err, errlen, "invalid --interval '%s': at most %d "
		    "seconds (a day)", s, CLI_INTERVAL_MAX);
		return -1;
	}
	return 0;
}

/* Append the PIDs of a comma-separated list to (*arr, *n). */
static int
add_pid_list(int **arr, size_t *n, const char *list, const char *what,
    char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok;
	int ret = CLI_OK;

	if (*list == '\0' || *list == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,")) {
		snprintf(err, errlen, "invalid %s '%s'", what, list);
		return CLI_USAGE;
	}
	if ((copy = strdup(list)) == NULL)
		return CLI_NOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int pid = cli_parse_pid(tok, err, errlen);
		int *np;

		if (pid == 0) {
			ret = CLI_USAGE;
			break;
		}
		if ((np = reallocarray(*arr, *n + 1, sizeof(**arr))) == NULL) {
			ret = CLI_NOMEM;
			break;
		}
		*arr = np;
		(*arr)[(*n)++] = pid;
	}
	free(copy);
	return ret;
}

static int
add_pids(struct options *o, const char *list, char *err, size_t errlen)
{
	return add_pid_list(&o->pids, &o->npids, list, "PID list", err, errlen);
}

/*
 * Split a comma-separated list into its words, each passed to add(); an
 * empty list or an empty word is refused, naming the option.
 */
static int
each_word(const char *list, const char *opt, struct options *o,
    int (*add)(struct options *, const char *, char *, size_t),
    char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok;
	int ret = CLI_OK;

	if (*list == '\0' || *list == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,")) {
		snprintf(err, errlen, "%s: empty name in '%s'", opt, list);
		return CLI_USAGE;
	}
	if ((copy = strdup(list)) == NULL)
		return CLI_NOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && ret == CLI_OK;
	    tok = strtok_r(NULL, ",", &save))
		ret = add(o, tok, err, errlen);
	free(copy);
	return ret;
}

static int
add_comm(struct options *o, const char *name, char *err, size_t errlen)
{
	char **nc, *copy;

	(void)err;
	(void)errlen;
	if ((copy = strdup(name)) == NULL)
		return CLI_NOMEM;
	if ((nc = reallocarray(o->sel.comms, o->sel.ncomms + 1,
	    sizeof(*nc))) == NULL) {
		free(copy);
		return CLI_NOMEM;
	}
	o->sel.comms = nc;
	o->sel.comms[o->sel.ncomms++] = copy;
	return CLI_OK;
}

/* A user name, or a uid as a number (as ps -u takes either). */
static int
add_user(struct options *o, const char *name, char *err, size_t errlen)
{
	const char *errstr = NULL;
	struct passwd *pw;
	uid_t uid, *nu;

	errno = 0;
	if ((pw = getpwnam(name)) != NULL)
		uid = pw->pw_uid;
	else {
		uid = (uid_t)strtonum(name, 0, UINT32_MAX - 1, &errstr);
		if (errstr != NULL) {
			snprintf(err, errlen, "unknown user '%s'", name);
			return CLI_USAGE;
		}
	}
	if ((nu = reallocarray(o->sel.uids, o->sel.nuids + 1, sizeof(*nu))) == NULL)
		return CLI_NOMEM;
	o->sel.uids = nu;
	o->sel.uids[o->sel.nuids++] = uid;
	return CLI_OK;
}

static int
parse_by(const char *s, enum by_mode *by)
{
	static const struct { const char *name; enum by_mode by; } modes[] = {
		{ "mapping", BY_MAPPING }, { "process", BY_PROCESS },
		{ "path", BY_PATH }, { "user", BY_USER },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0) {
			*by = modes[i].by;
			return 0;
		}
	return -1;
}

static int
parse_unit(const char *s, enum out_unit *u)
{
	static const struct { const char *name; enum out_unit unit; } units[] = {
		{ "kb", UNIT_KB }, { "k", UNIT_KB }, { "kib", UNIT_KB },
		{ "pages", UNIT_PAGES }, { "p", UNIT_PAGES },
		{ "bytes", UNIT_BYTES }, { "b", UNIT_BYTES },
		{ "human", UNIT_HUMAN }, { "h", UNIT_HUMAN },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(s, units[i].name) == 0) {
			*u = units[i].unit;
			return 0;
		}
	return -1;
}

/* --color[=WHEN]: ls's words and their synonyms; bare, as ls, always. */
static int
parse_color(const char *s, enum color_mode *c)
{
	static const struct { const char *name; enum color_mode mode; } modes[] = {
		{ "auto", COLOR_AUTO }, { "tty", COLOR_AUTO },
		{ "if-tty", COLOR_AUTO }, { "always", COLOR_ALWAYS },
		{ "yes", COLOR_ALWAYS }, { "force", COLOR_ALWAYS },
		{ "never", COLOR_NEVER }, { "no", COLOR_NEVER },
		{ "none", COLOR_NEVER },
	};

	if (s == NULL) {
		*c = COLOR_ALWAYS;
		return 0;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0) {
			*c = modes[i].mode;
			return 0;
		}
	return -1;
}

/* A number from min to max for option name, or a one-line complaint. */
static enum cli_result
parse_count(const char *s, const char *name, long long min, long long max,
    size_t *v, char *err, size_t errlen)
{
	const char *errstr = NULL;
	long long n = strtonum(s, min, max, &errstr);

	if (errstr != NULL) {
		snprintf(err, errlen, "invalid %s '%s': a number from %lld to %lld",
		    name, s, min, max);
		return CLI_USAGE;
	}
	*v = (size_t)n;
	return CLI_OK;
}

static enum cli_result
parse_option(int c, const char *arg, size_t page_size, struct options *o,
    char *err, size_t errlen)
{
	const char *bad;
	int n;

	switch (c) {
	case 'a':
		o->sel.all = true;
		break;
	case 'C':
		return each_word(arg, "--comm", o, add_comm, err, errlen);
	case 'u':
		return each_word(arg, "--user", o, add_user, err, errlen);
	case OPT_TREE:
		o->family = true;
		return add_pid_list(&o->sel.trees, &o->sel.ntrees, arg,
		    "--tree PID", err, errlen);
	case OPT_FAMILY:
		o->family = true;
		break;
	case OPT_BY:
		if (parse_by(arg, &o->by) != 0) {
			snprintf(err, errlen, "unknown --by '%s': use mapping, process, path or user", arg);
			return CLI_USAGE;
		}
		o->by_given = true;
		break;
	case OPT_SORT:
		n = sortkey_parse(arg, o->sort, SORT_MAX, err, errlen);
		if (n < 0)
			return CLI_USAGE;
		o->nsort = (size_t)n;
		break;
	case 'c':
		o->format = FMT_CSV;
		o->formats |= FMT_BIT(FMT_CSV);
		break;
	case OPT_PROMETHEUS:
		o->format = FMT_PROMETHEUS;
		o->formats |= FMT_BIT(FMT_PROMETHEUS);
		break;
	case 'i':
		if (cli_parse_interval(arg, &o->interval_ns, err, errlen) != 0)
			return CLI_USAGE;
		break;
	case OPT_COUNT:
		o->count = (uint64_t)strtonum(arg, 1, LLONG_MAX, &bad);
		if (bad != NULL) {
			snprintf(err, errlen, "invalid --count '%s': %s", arg,
			    strcmp(bad, "invalid") == 0 ? "not a number" :
			    strcmp(bad, "too small") == 0 ? "at least 1" : bad);
			return CLI_USAGE;
		}
		break;
	case OPT_DELTA:
		o->delta = true;
		break;
	case 'h':
		return CLI_HELP;
	case 'j':
		o->format = FMT_JSON;
		o->formats |= FMT_BIT(FMT_JSON);
		break;
	case 'n':
		o->no_headers = true;
		break;
	case 'N':
		o->no_kpage = true;
		break;
	case OPT_NO_SCAN:
		o->no_scan = true;
		break;
	case OPT_FREEZE:
		o->freeze = true;
		break;
	case OPT_FULL_JOIN:
		o->full_join = true;
		break;
	case 'o':
		n = col_parse_list(arg, o->cols, COL_COUNT, &bad);
		if (n < 0) {
			snprintf(err, errlen, "unknown column '%.*s' (see --help)",
			    (int)strcspn(bad, ","), bad);
			return CLI_USAGE;
		}
		o->ncols = (size_t)n;
		break;
	case 'w':
		o->wide = true;
		break;
	case 'x':
	case 'X':
		/* The last of -o, -x and -X wins. */
		o->level = c == 'x' ? COLV_EXTENDED : COLV_ALL;
		o->ncols = 0;
		break;
	case 'P':
		if (arg == NULL)
			o->pages = PAGES_DEFAULT;
		else if (strcmp(arg, "all") == 0)
			o->pages = PAGES_ALL;
		else if (strcmp(arg, "runs") == 0)
			o->pages = PAGES_RUNS;
		else {
			snprintf(err, errlen, "unknown --pages mode '%s': use runs or all", arg);
			return CLI_USAGE;
		}
		break;
	case 's':
		if (arg == NULL || strcmp(arg, "process") == 0)
			o->summary = SUMMARY_PROCESS;
		else if (strcmp(arg, "mapping") == 0)
			o->summary = SUMMARY_MAPPING;
		else {
			snprintf(err, errlen, "unknown --summary scope '%s': use process or mapping", arg);
			return CLI_USAGE;
		}
		break;
	case 'F':
		n = flag_filter_add(&o->filter, arg, err, errlen);
		if (n == -ENOMEM)
			return CLI_NOMEM;
		if (n != 0)
			return CLI_USAGE;
		break;
	case 'p':
		return add_pids(o, arg, err, errlen);
	case 'r':
		if (cli_parse_range(arg, page_size, &o->range_start,
		    &o->range_end, err, errlen) != 0)
			return CLI_USAGE;
		o->have_range = true;
		break;
	case 'U':
		o->unit_given = true;
		if (parse_unit(arg, &o->unit) != 0) {
			snprintf(err, errlen, "unknown unit '%s': use kB, pages, bytes or human", arg);
			return CLI_USAGE;
		}
		break;
	case 'V':
		return CLI_VERSION;
	case OPT_MAP:
		o->map = true;
		break;
	case OPT_WIDTH:
		return parse_count(arg, "--width", MAP_WIDTH_MIN, MAP_WIDTH_MAX,
		    &o->map_width, err, errlen);
	case OPT_ROWS:
		return parse_count(arg, "--rows", 1, MAP_ROWS_MAX, &o->map_rows,
		    err, errlen);
	case OPT_COLOR:
		if (parse_color(arg, &o->color) != 0) {
			snprintf(err, errlen, "unknown --color '%s': use auto, always or never", arg);
			return CLI_USAGE;
		}
		o->color_given = true;
		break;
	case OPT_ASCII:
		o->ascii = true;
		break;
	case 'v':
		o->all_mappings = true;
		break;
	default:
		snprintf(err, errlen, "try 'pmstat --help' for more information");
		return CLI_USAGE;
	}
	return CLI_OK;
}

/*
 * The long option that arg ("--name" or "--name=value") names, as getopt
 * resolves it: exact, or an unambiguous prefix. NULL if none; *ambiguous
 * tells a prefix of several.
 */
static const struct option *
long_option_of(const char *arg, bool *ambiguous)
{
	const struct option *found = NULL;
	size_t len;

	*ambiguous = false;
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	arg += 2;
	len = strcspn(arg, "=");
	for (const struct option *lo = long_options; lo->name; lo++) {
		if (strncmp(lo->name, arg, len) != 0)
			continue;
		if (strlen(lo->name) == len)
			return lo;
		if (found != NULL)
			*ambiguous = true;
		found = lo;
	}
	return *ambiguous ? NULL : found;
}

/* getopt's complaint, in one line that names the option as it was written. */
static void
option_error(int c, const char *arg, char *err, size_t errlen)
{
	const struct option *lo;
	bool ambiguous;

	if (strncmp(arg, "--", 2) == 0) {
		int len = (int)strcspn(arg, "=");

		lo = long_option_of(arg, &ambiguous);
		if (ambiguous) {
			size_t used = (size_t)snprintf(err, errlen,
			    "ambiguous option '%.*s': could be", len, arg);
			const char *sep = " ";

			for (lo = long_options; lo->name && used < errlen; lo++)
				if (strncmp(lo->name, arg + 2, (size_t)len - 2) == 0) {
					used += (size_t)snprintf(err + used, errlen - used,
					    "%s--%s", sep, lo->name);
					sep = ", ";
				}
		} else if (lo == NULL)
			snprintf(err, errlen, "unrecognized option '%.*s'", len, arg);
		else if (lo->has_arg == no_argument && arg[len] == '=')
			snprintf(err, errlen, "option '--%s' takes no argument", lo->name);
		else
			snprintf(err, errlen, "option '--%s' needs an argument", lo->name);
	} else if (optopt && optopt < CHAR_MAX)
		snprintf(err, errlen, "%s option -%c",
		    c == ':' || strchr(short_options, optopt) ?
		    "missing argument to" : "invalid", optopt);
	else
		snprintf(err, errlen, "invalid option '%s'", arg);
}

/*
 * getopt takes an optional argument only as "--pages=all": "--pages all"
 * leaves "all" as an operand, which then fails as a PID. Find the option
 * that word followed in argv as written, so that the error can say so.
 */
static const char *
optional_arg_of(char *const *argv, int argc, const char *word)
{
	static const struct {
		const char	*opt;
		char		 letter;
		const char	*values[2];
	} modes[] = {
		{ "pages", 'P', { "runs", "all" } },
		{ "summary", 's', { "process", "mapping" } },
		{ "color", '\0', { "always", "never" } },
	};

	for (int i = 1; i + 1 < argc; i++) {
		const struct option *lo;
		bool ambiguous;

		if (argv[i + 1] != word)
			continue;
		lo = long_option_of(argv[i], &ambiguous);
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			bool named = lo != NULL ? strcmp(lo->name, modes[m].opt) == 0 :
			    modes[m].letter != '\0' && argv[i][0] == '-' &&
			    argv[i][1] == modes[m].letter &&
			    argv[i][2] == '\0';

			if (named && (strcmp(word, modes[m].values[0]) == 0 ||
			    strcmp(word, modes[m].values[1]) == 0))
				return modes[m].opt;
		}
	}
	return NULL;
}

/* An operand: a PID, or a PID list; a mode word gets a hint. */
static enum cli_result
add_operand(struct options *o, char **argv, int argc, int i, char *err,
    size_t errlen)
{
	enum cli_result r = add_pids(o, argv[i], err, errlen);
	const char *opt;

	if (r == CLI_USAGE && (opt = optional_arg_of(argv, argc, argv[i])) != NULL)
		snprintf(err, errlen, "invalid PID '%s': did you mean --%s=%s?",
		    argv[i], opt, argv[i]);
	return r;
}

static const char *const by_names[] = {
	[BY_MAPPING] = "mapping", [BY_PROCESS] = "process", [BY_PATH] = "path",
	[BY_USER] = "user",
};

/* Sort keys must name a field the rows of the view have. */
static enum cli_result
check_sort(struct options *o, char *err, size_t errlen)
{
	static const unsigned int fields_of[] = {
		[BY_PROCESS] = 1u << SORT_COUNTER | 1u << SORT_PID |
		    1u << SORT_PPID | 1u << SORT_UID | 1u << SORT_USER |
		    1u << SORT_COMM,
		[BY_PATH] = 1u << SORT_COUNTER | 1u << SORT_PATH | 1u << SORT_PROCS,
		[BY_USER] = 1u << SORT_COUNTER | 1u << SORT_UID | 1u << SORT_USER |
		    1u << SORT_PROCS,
	};

	if (o->nsort == 0)
		return CLI_OK;
	if (o->by == BY_MAPPING) {
		snprintf(err, errlen, "--sort orders the rows of --by process, "
		    "path or user, not mappings");
		return CLI_USAGE;
	}
	for (size_t i = 0; i < o->nsort; i++)
		if (!(fields_of[o->by] & 1u << o->sort[i].field)) {
			snprintf(err, errlen, "--sort %s: not a field of --by %s",
			    sortkey_name(&o->sort[i]), by_names[o->by]);
			return CLI_USAGE;
		}
	return CLI_OK;
}

/* Options that another choice makes meaningless: refused, never ignored. */
/* The first column of -o that is not a counter, or NULL. */
static const char *
first_non_counter(const struct options *o)
{
	for (size_t i = 0; i < o->ncols; i++)
		if (columns[o->cols[i]].kind != COLK_COUNTER)
			return columns[o->cols[i]].name;
	return NULL;
}

/* The page map draws mappings: what chooses other rows or columns is refused. */
static enum cli_result
check_map(const struct options *o, char *err, size_t errlen)
{
	const char *with = NULL;

	if (!o->map) {
		with = o->map_width ? "--width" : o->map_rows ? "--rows" :
		    o->color_given ? "--color" : o->ascii ? "--ascii" :
		    o->all_mappings ? "--all-mappings" : NULL;
		if (with == NULL)
			return CLI_OK;
		snprintf(err, errlen, "%s sets how the page map is drawn: use it with --map",
		    with);
		return CLI_USAGE;
	}
	with = o->pages != PAGES_OFF ? "--pages" : o->summary != SUMMARY_OFF ?
	    "--summary" : o->by != BY_MAPPING ? "--by" : o->ncols > 0 ? "-o" :
	    o->format == FMT_CSV ? "--csv" : o->format == FMT_PROMETHEUS ?
	    "--prometheus" : o->family ? "--family (or --tree)" :
	    o->level != COLV_DEFAULT ? "-x or -X" : o->unit_given ? "--unit" :
	    o->no_headers ? "--no-headers" : o->wide ? "--wide" :
	    o->filter.n > 0 ? "--flags" : o->interval_ns > 0 ? "--interval" :
	    NULL;
	if (with == NULL)
		return CLI_OK;
	snprintf(err, errlen, "--map draws every mapping of each process: not with %s",
	    with);
	return CLI_USAGE;
}

/*
 * The exposition is the counters of rows, in bytes, every one of them: what
 * would choose a format, columns, units or pages besides is refused.
 */
static enum cli_result
check_prometheus(const struct options *o, char *err, size_t errlen)
{
	if (!(o->formats & FMT_BIT(FMT_PROMETHEUS)))
		return CLI_OK;
	if (o->formats & (FMT_BIT(FMT_JSON) | FMT_BIT(FMT_CSV)))
		snprintf(err, errlen, "--prometheus and --%s exclude each other",
		    o->formats & FMT_BIT(FMT_JSON) ? "json" : "csv");
	else if (o->pages != PAGES_OFF || o->summary != SUMMARY_OFF)
		snprintf(err, errlen, "--prometheus exports counters: not with %s",
		    o->pages != PAGES_OFF ? "--pages" : "--summary");
	else if (o->interval_ns > 0)
		snprintf(err, errlen, "--prometheus writes one exposition a run "
		    "(a textfile, scraped): not with --interval");
	else if (o->ncols > 0)
		snprintf(err, errlen, "-o chooses the table's and CSV's columns: "
		    "--prometheus exports every counter");
	else if (o->unit_given)
		snprintf(err, errlen, "--unit sets the table's sizes: "
		    "--prometheus exports bytes");
	else if (o->no_headers)
		snprintf(err, errlen, "--no-headers applies to the table and CSV, "
		    "not --prometheus");
	else
		return CLI_OK;
	return CLI_USAGE;
}

static enum cli_result
check_combinations(const struct options *o, char *err, size_t errlen)
{
	bool pages = o->pages != PAGES_OFF || o->summary != SUMMARY_OFF;
	const char *bad;

	if (check_prometheus(o, err, errlen) != CLI_OK)
		return CLI_USAGE;
	if (o->pages != PAGES_OFF && o->summary != SUMMARY_OFF)
		snprintf(err, errlen, "--pages and --summary exclude each other");
	else if ((o->count > 0 || o->delta) && o->interval_ns == 0)
		snprintf(err, errlen, "%s applies to a watch: use it with "
		    "--interval", o->count > 0 ? "--count" : "--delta");
	else if (o->delta && pages)
		snprintf(err, errlen, "--delta subtracts counters: not with %s",
		    o->pages != PAGES_OFF ? "--pages" : "--summary");
	else if (pages && o->by != BY_MAPPING)
		snprintf(err, errlen, "%s lists the pages of each process: not with --by %s",
		    o->pages != PAGES_OFF ? "--pages" : "--summary", by_names[o->by]);
	else if (o->filter.n > 0 && !pages)
		snprintf(err, errlen, "--flags selects pages: use it with --pages or --summary");
	else if (o->ncols > 0 && pages)
		snprintf(err, errlen, "-o chooses the columns of mappings: not with %s",
		    o->pages != PAGES_OFF ? "--pages" : "--summary");
	else if (o->by != BY_MAPPING && (bad = first_non_counter(o)) != NULL)
		snprintf(err, errlen, "-o %s: the rows of --by %s have counters "
		    "only (their names come first)", bad, by_names[o->by]);
	else if (o->ncols > 0 && o->format == FMT_JSON)
		snprintf(err, errlen, "-o chooses the table's and CSV's columns: "
		    "JSON has every field");
	else if (o->unit_given && o->format != FMT_TABLE)
		snprintf(err, errlen, "--unit sets the table's sizes: %s counts pages",
		    o->format == FMT_JSON ? "JSON" : "CSV");
	else if (o->no_headers && o->format == FMT_JSON)
		snprintf(err, errlen, "--no-headers applies to the table and CSV, not JSON");
	else
		return CLI_OK;
	return CLI_USAGE;
}

enum cli_result
cli_parse(int argc, char **argv, size_t page_size, struct options *o,
    char *err, size_t errlen)
{
	char **written = NULL;
	enum cli_result r;
	int c;

	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	optind = 0;	/* full reset: tests parse many command lines */
	opterr = 0;
	/* getopt reorders argv: keep the order the user wrote, for hints. */
	if (argc > 0 && (written = reallocarray(NULL, (size_t)argc + 1,
	    sizeof(*written))) == NULL)
		return CLI_NOMEM;
	if (written != NULL)
		memcpy(written, argv, ((size_t)argc + 1) * sizeof(*written));
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (c == '?' || c == ':') {
			option_error(c, argv[optind - 1], err, errlen);
			r = CLI_USAGE;
			goto out;
		}
		if ((r = parse_option(c, optarg, page_size, o, err, errlen)) != CLI_OK)
			goto out;
	}
	for (r = CLI_OK; optind < argc && r == CLI_OK; optind++)
		for (int i = 0; i < argc; i++)
			if (written[i] == argv[optind]) {
				r = add_operand(o, written, argc, i, err, errlen);
				break;
			}
	if (r != CLI_OK)
		goto out;
	if (o->npids == 0 && !procsel_active(&o->sel)) {
		snprintf(err, errlen, "no process given (see --help)");
		r = CLI_USAGE;
		goto out;
	}
	/*
	 * A selection is many processes: one row each, unless told otherwise.
	 * So is an exposition: a series per mapping is a cardinality that a
	 * Prometheus must be asked for (--by mapping), not given by default.
	 */
	if (!o->by_given)
		o->by = (procsel_active(&o->sel) ||
		    o->format == FMT_PROMETHEUS) && o->pages == PAGES_OFF &&
		    o->summary == SUMMARY_OFF && !o->map ? BY_PROCESS : BY_MAPPING;
	r = check_map(o, err, errlen);
	if (r == CLI_OK)
		r = check_combinations(o, err, errlen);
	if (r == CLI_OK)
		r = check_sort(o, err, errlen);
out:
	free(written);
	return r;
}

void
cli_free(struct options *o)
{
	free(o->pids);
	o->pids = NULL;
	o->npids = 0;
	flag_filter_free(&o->filter);
	procsel_free(&o->sel);
}
