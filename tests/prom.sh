#!/bin/sh
# --prometheus: the exposition checked by the real promtool (Debian package
# prometheus), hostile comm and path bytes escaped, exact values of a
# process of known layout held against /proc/PID/smaps, unknown counters
# left out, metrics grouped, and the usage errors. Run by make check with
# PMSTAT, JSONQ and PROMTARGET set; prints TAP. Without promtool (Debian
# package prometheus) the checks that need it SKIP with the reason.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${JSONQ:?JSONQ must name the tests/jsonq helper}"
: "${PROMTARGET:?PROMTARGET must name the tests/promtarget helper}"

. "$(dirname "$0")/tap.sh"
tap_begin prom

ps=$(getconf PAGESIZE)
npages=64
want=$((npages * ps))

# Start promtarget with $@; sets pid and start (its anonymous mapping).
start_target() {
	"$PROMTARGET" "$@" >"$tmp/ready" &
	pid=$!
	children="$children $pid"
	i=0
	while [ ! -s "$tmp/ready" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	start=$(cat "$tmp/ready")
	[ -n "$start" ]
}

# The value of the sample of metric $1 whose labels hold the text $2.
val() {
	grep -F "$1{" "$tmp/out" | grep -F "$2" | awk '{ print $NF }'
}

# Field $1 of the smaps record of the mapping at $start, in bytes.
smaps_bytes() {
	awk -v s="${start#0x}-" -v f="$1:" '
	    index($1, s) == 1 { m = 1; next }
	    m && $1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { m = 0 }
	    m && $1 == f { print $2 * 1024; exit }' "/proc/$pid/smaps"
}

# Each metric: one HELP, then one TYPE, then its samples, all together.
grouped() {
	awk '
	function name(s) { sub(/[{ ].*/, "", s); return s }
	/^# HELP / { if (help[$3]++) bad = 1; last = $3; next }
	/^# TYPE / { if (type[$3]++ || $3 != last || $4 != "gauge") bad = 1; next }
	/^#/ { bad = 1; next }
	{
		m = name($0)
		if (!type[m] || (m != cur && seen[m])) bad = 1
		seen[m] = 1; cur = m
	}
	END { exit bad }' "$tmp/out"
}

# --- usage errors: one line, exit 2, nothing on stdout
for args in "--prometheus --json" "--json --prometheus" "--prometheus --csv" \
    "--csv --prometheus" "--prometheus --pages" "--prometheus --summary" \
    "--prometheus -o pss" "--prometheus --unit bytes" "--prometheus -n" \
    "--prometheus -i 1" "--prometheus --interval 0.5 --count 2" \
    "--prometheus --map"; do
	# shellcheck disable=SC2086
	run $args 1
	check "$args: exit 2, one line, no output" \
	    test "$st" = 2 -a "$(wc -l <"$tmp/err")" = 1 -a ! -s "$tmp/out"
done
run --prometheus --json 1
check "--prometheus --json names both" grep -q -- "--prometheus and --json" "$tmp/err"
run --prometheus -i 1 1
check "--prometheus -i: a textfile is written once a run" grep -q -- "not with --interval" "$tmp/err"

# --- a target of known layout, with a hostile comm and a hostile file name
comm=$(printf 'a\033"\\\n\377z')
file="$tmp/$(printf 'p\033"\\\n\377.dat')"
printf 'data' >"$file" || { echo "Bail out! cannot create a hostile file name"; exit 99; }
start_target -c "$comm" "$npages" "$file" ||
	{ echo "Bail out! promtarget did not start"; exit 99; }

# The label texts the exposition must hold: control and invalid bytes as
# \xNN and a backslash doubled in the value, then the format's escapes. The
# kernel writes the newline of a path as the four characters \012.
comm_text='comm="a\\x1b\"\\\\\n\\xffz"'
path_text="path=\"$tmp/"'p\\x1b\"\\\\\\\\012\\xff.dat"'

run --prometheus "$pid"
check "named PID: exit 0" test "$st" = 0
check "named PID: one row per process by default" \
    test "$(grep -c '^pmstat_present_bytes{' "$tmp/out")" = 1
check "hostile comm escaped" grep -qF "pmstat_present_bytes{pid=\"$pid\",$comm_text}" "$tmp/out"
check "each metric grouped under one HELP and TYPE" grouped
check "skipped processes by reason" test "$(grep -c '^pmstat_processes_skipped{reason="[a-z_]*"} [0-9]*$' "$tmp/out")" = 4
check "scrape duration" grep -q '^pmstat_scrape_duration_seconds [0-9.]*$' "$tmp/out"
check "named PID: none skipped" \
    test "$(grep -c '^pmstat_processes_skipped{reason="[a-z_]*"} 0$' "$tmp/out")" = 4
cp "$tmp/out" "$tmp/process.prom"

# A named PID that is gone: its error line and exit 1, as ever, and the
# exposition counts it with the skipped, so a scrape of the file sees it.
sh -c 'exit 0' &
gone=$!
wait "$gone"
run --prometheus "$pid" "$gone"
check "a named PID gone: exit 1, one line naming it" \
    test "$st" = 1 -a "$(wc -l <"$tmp/err")" = 1 -a "$(grep -c "$gone" "$tmp/err")" = 1
check "a named PID gone: counted as vanished" \
    grep -qx 'pmstat_processes_skipped{reason="vanished"} 1' "$tmp/out"
check "a named PID gone: the other still exported" \
    test "$(grep -c '^pmstat_present_bytes{' "$tmp/out")" = 1

# Unknown is left out, never 0: the counters JSON says null have no sample.
"$PMSTAT" --json --by process "$pid" >"$tmp/json" 2>/dev/null
bad=""
for c in pages present swapped file anon zero exclusive shared dirty \
    cow_copied cow_shared thp ksm soft_dirty pss; do
	v=$("$JSONQ" processes.0.totals."$c" <"$tmp/json")
	has=$(grep -c "^pmstat_${c}_bytes{" "$tmp/process.prom")
	if [ "$v" = null ]; then [ "$has" = 0 ] || bad="$bad $c"
	else [ "$has" = 1 ] || bad="$bad $c"; fi
done
check "a sample for every known counter, none for unknown ($bad)" test -z "$bad"

# A range that cuts the mapping, without the kpage files: smaps cannot
# settle pss, dirty or ksm, so the exposition has no such metric at all.
end=$(printf '0x%x' $((start + ps)))
run --prometheus --by mapping --no-kpage --range "$start-$end" "$pid"
check "--no-kpage --range: no pss, dirty or ksm metric" \
    test "$st" = 0 -a "$(grep -c '^[^#]*pmstat_\(pss\|dirty\|ksm\)_bytes' "$tmp/out")" = 0
check "--no-kpage --range: present still exported" \
    test "$(val pmstat_present_bytes "start=\"$start\"")" = "$ps"

# --- exact values of the written pages, against smaps
run --prometheus --by mapping "$pid"
cp "$tmp/out" "$tmp/mapping.prom"
check "--by mapping: start and path labels" \
    grep -qF "pmstat_present_bytes{pid=\"$pid\",$comm_text,start=\"$start\",path=\"\"}" "$tmp/out"
check "--by mapping: hostile path escaped" grep -qF "$path_text" "$tmp/out"
check "--by mapping: grouped" grouped
at="start=\"$start\""
for c in pages present anon exclusive; do
	check "$c of $npages written pages is $want bytes" \
	    test "$(val "pmstat_${c}_bytes" "$at")" = "$want"
done
for c in swapped file zero shared cow_copied cow_shared thp; do
	check "$c of the written pages is 0" test "$(val "pmstat_${c}_bytes" "$at")" = 0
done
check "present = smaps Rss" test "$(val pmstat_present_bytes "$at")" = "$(smaps_bytes Rss)"
check "anon = smaps Anonymous" test "$(val pmstat_anon_bytes "$at")" = "$(smaps_bytes Anonymous)"
check "exclusive = smaps Private_Dirty" \
    test "$(val pmstat_exclusive_bytes "$at")" = "$(smaps_bytes Private_Dirty)"
if grep -q '^pmstat_pss_bytes{' "$tmp/out"; then
	check "pss = smaps Pss = $want" \
	    test "$(val pmstat_pss_bytes "$at")" = "$(smaps_bytes Pss)" -a "$(smaps_bytes Pss)" = "$want"
else
	not_ok "pss of a process we own: smaps settles it, it must be known"
fi
if [ "$(id -u)" = 0 ]; then
	check "dirty = smaps Private_Dirty (root)" \
	    test "$(val pmstat_dirty_bytes "$at")" = "$(smaps_bytes Private_Dirty)"
else
	skip "dirty = smaps Private_Dirty" "not root"
fi
# The process: present less the zero page is smaps_rollup's Rss.
rss=$(awk '$1 == "Rss:" { print $2 * 1024 }' "/proc/$pid/smaps_rollup")
present=$(grep -F "pmstat_present_bytes{pid=\"$pid\"" "$tmp/process.prom" | awk '{ print $NF }')
zero=$(grep -F "pmstat_zero_bytes{pid=\"$pid\"" "$tmp/process.prom" | awk '{ print $NF }')
check "process: present - zero ($present - $zero) = smaps_rollup Rss ($rss)" \
    test "$((present - zero))" = "$rss"

# --- the other rows
run --prometheus --by path "$pid"
check "--by path: a path label only" grep -qF "pmstat_present_bytes{$path_text}" "$tmp/out"
check "--by path: grouped" grouped
cp "$tmp/out" "$tmp/path.prom"
run --prometheus --by user "$pid"
check "--by user: a user label only" \
    grep -q "^pmstat_present_bytes{user=\"$(id -un)\"} [0-9]*$" "$tmp/out"
cp "$tmp/out" "$tmp/user.prom"
run --prometheus --tree "$pid"
cp "$tmp/out" "$tmp/tree.prom"
if [ "$(id -u)" = 0 ]; then
	check "--tree: the family's present, by root" \
	    grep -q "^pmstat_family_present_bytes{root=\"$pid\"} [0-9]*$" "$tmp/out"
else
	skip "--tree: the family's present" "not root: no PFNs"
fi
check "--tree: the family's pss" grep -q "^pmstat_family_pss_bytes{root=\"$pid\"} [0-9.]*$" "$tmp/out"
run --prometheus --all
cp "$tmp/out" "$tmp/all.prom"
check "--all: exit 0" test "$st" = 0
check "--all: grouped" grouped

# --- promtool, the format's own checker
if ! command -v promtool >/dev/null 2>&1; then
	for f in process mapping path user tree all; do
		skip "promtool check metrics: $f" "promtool (Debian package prometheus) not installed"
	done
else
	for f in process mapping path user tree all; do
		check "promtool check metrics: $f" sh -c \
		    'promtool check metrics <"$1" >"$1.lint" 2>&1 && ! [ -s "$1.lint" ]' \
		    sh "$tmp/$f.prom"
	done
fi

tap_end
