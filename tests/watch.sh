#!/bin/sh
# Watch mode (--interval, --count, --delta) on real processes: the rate of a
# process writing pages, JSON Lines and their times, a target that exits,
# SIGINT and SIGTERM, CSV's single header, selections, closed pipes, and
# every bad input. Run by make check with PMSTAT, JSONQ and PAGEWRITER set.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${JSONQ:?JSONQ must name the tests/jsonq helper}"
: "${PAGEWRITER:?PAGEWRITER must name the tests/pagewriter helper}"

. "$(dirname "$0")/tap.sh"
tap_begin watch

# writer PAGES MS [ROUNDS]: start a pagewriter; its pid in $target, once
# it has written its first pages.
writer() {
	rm -f "$tmp/ready"
	"$PAGEWRITER" "$@" >"$tmp/ready" &
	target=$!
	children="$children $target"
	i=0
	while [ "$(head -n 1 "$tmp/ready" 2>/dev/null)" != ready ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# each PATH FILE: for every JSON line of FILE, what $JSONQ finds at PATH
# (one value a line); a line that is not one JSON document prints "BAD".
each() {
	while IFS= read -r line; do
		printf '%s\n' "$line" | "$JSONQ" "$1" 2>/dev/null || echo BAD
	done <"$2"
}

# lines_at_least FILE N PID: wait (10 s at most) until FILE has N lines
# while PID runs; true if it did.
lines_at_least() {
	i=0
	while [ "$(lines "$1")" -lt "$2" ] && [ $i -lt 200 ]; do
		kill -0 "$3" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(lines "$1")" -ge "$2" ]
}

# Bad input: one line on stderr, nothing on stdout, exit 2.
for args in "-i 0" "-i 0.0" "-i -1" "-i abc" "-i 1e3" "-i ." "-i ''" "-i 0x10" \
    "-i 86401" "-i 86400.001" "-i 99999999999999999999" "-i 0.0000000001" \
    "--interval=-0.5" "-i 1 --count 0" "-i 1 --count -3" "-i 1 --count x" \
    "-i 1 --count 1.5" "-i 1 --count ''" "--count 3" "--delta" \
    "--count 2 --delta" "-i 1 --delta --pages" "-i 1 --delta --summary" "-i" \
    "--count"; do
	eval "run $args $$"
	check "usage error for '$args' exits 2" test "$st" -eq 2
	check "usage error for '$args' is one line" test "$(lines "$tmp/err")" -eq 1
	check "usage error for '$args' prints nothing on stdout" test ! -s "$tmp/out"
done
run -i 86400 --count 1 $$
check "-i 86400 (a day) is accepted" test "$st" -eq 0
run -i 0.05 --count 2 $$
check "-i 0.05 --count 2 is accepted" test "$st" -eq 0

# The rate. The writer adds 1,000 pages every 200 ms on its own grid of
# the monotonic clock, and pmstat samples every 200 ms on its own grid.
# The two grids' phases differ, so a round that straddles a sample is split
# between two changes; and on a loaded machine (2 cores shared by several
# builds) either side can fall behind. So the changes are held against
# what the writer says it wrote: over the whole watch, the sum of the
# changes is the writer's rounds that ended between the first sample and
# the last, give or take the round under way at either end (2,000 pages).
# Where the writer kept to its schedule, that is 1,000 per 200 ms sample
# (+- 200 over ten intervals); where it could not, the machine is too
# busy to tell, and that check is skipped.
writer 1000 200
log=$tmp/ready
run --json -i 0.2 --count 11 --delta "$target"
check "a watch of 11 samples exits 0" test "$st" -eq 0
check "a watch of 11 samples writes 11 lines" test "$(lines "$tmp/out")" -eq 11
each processes.0.totals.present "$tmp/out" >"$tmp/present"
each delta "$tmp/out" >"$tmp/delta"
each time "$tmp/out" >"$tmp/time"
check "every line is one JSON document" sh -c "! grep -q BAD '$tmp/present'"
check "each document is schema 1" \
	test "$(each schema "$tmp/out" | sort -u)" = 1
check "the first sample says delta false, the others true" \
	test "$(tr '\n' ' ' <"$tmp/delta")" = \
	"false true true true true true true true true true true "
paste "$tmp/time" "$tmp/present" >"$tmp/rate"
t1=$(head -n 1 "$tmp/time")
tn=$(tail -n 1 "$tmp/time")
sum=$(awk 'NR > 1 { s += $2 } END { print s + 0 }' "$tmp/rate")
wrote=$(awk -v a="$t1" -v b="$tn" 'NF == 2 && $2 > a && $2 <= b { n++ }
    END { print (n + 0) * 1000 }' "$log")
rate=$(awk -v s="$sum" -v a="$t1" -v b="$tn" 'BEGIN { printf "%d", s / (b - a) * 0.2 }')
echo "# changes of present: $(sed 1d "$tmp/present" | tr '\n' ' ')"
echo "# sample times: $(tr '\n' ' ' <"$tmp/time")"
echo "# the writer wrote $wrote pages between the first and last sample"
check "the changes add up to what the writer wrote (sum $sum, wrote $wrote)" \
	awk -v s="$sum" -v w="$wrote" 'BEGIN { d = s - w; exit !(d >= -2100 && d <= 2100) }'
if [ "$wrote" -ge 9000 ]; then
	check "1,000 pages per 200 ms show as about 1,000 per 200 ms sample (got $rate)" \
		test "$rate" -ge 800 -a "$rate" -le 1200
else
	skip "1,000 pages per 200 ms show as about 1,000 per 200 ms sample" \
	    "the writer fell behind: $wrote pages in 10 intervals, not 10,000"
fi
check "the first sample is absolute: at least the first round's 1,000 pages" \
	test "$(head -n 1 "$tmp/present")" -ge 1000
check "no change is negative" awk 'NR > 1 && $2 < -50 { exit 1 }' "$tmp/rate"

# The times: seconds since the epoch, rising by the interval, on a grid
# from the first: each sample is due at t0 + k * 0.2 however long the
# ones before took. A sample is taken a little after its point (the wake
# from sleep; more under load): up to 100 ms is allowed. Two samples never
# share a point.
check "the times are seconds since the epoch, with a fraction" \
	awk -v now="$(date +%s)" '!($1 ~ /^[0-9]+\.[0-9]+$/) || $1 < now - 600 ||
	    $1 > now + 600 { exit 1 }' "$tmp/time"
check "the times rise by the interval, on the grid of the first" \
	awk 'NR == 1 { t0 = $1; last = -1; next }
	    { k = int(($1 - t0) / 0.2 + 0.5); off = $1 - t0 - k * 0.2;
	      if (k <= last || off < -0.02 || off > 0.1) exit 1; last = k }' \
	"$tmp/time"
span=$(awk 'NR == 1 { f = $1 } { l = $1 } END { printf "%.3f", l - f }' "$tmp/time")
check "ten intervals of 0.2 s take at least 2 s (got $span)" \
	awk -v s="$span" 'BEGIN { exit !(s >= 1.98) }'

# The table: each sample under its time line; changes say so.
run -i 0.2 --count 3 --delta -U pages "$target"
check "the table has a time line per sample" \
	test "$(grep -c '^time: [0-9-]*T[0-9:.]*Z' "$tmp/out")" -eq 3
check "the table's later samples say they are changes" \
	test "$(grep -c '^time: .*(change since the last sample)$' "$tmp/out")" -eq 2
check "the table has the process's heading in each sample" \
	test "$(grep -c "^$target: " "$tmp/out")" -eq 3

# CSV: one header for the whole watch, and a time on every row.
run --csv -i 0.2 --count 3 -o present,pss "$target"
check "CSV has a single header" test "$(grep -c '^time,' "$tmp/out")" -eq 1
check "CSV's header comes first and leads with time" \
	test "$(head -n 1 "$tmp/out")" = "$(printf 'time,pid,present,pss\r')"
check "CSV's rows lead with their sample's time" \
	test "$(sed 1d "$tmp/out" | cut -d, -f1 | sort -u | wc -l)" -eq 3
run --csv -n -i 0.2 --count 2 "$target"
check "CSV with -n has no header at all" sh -c "! grep -q '^time,' '$tmp/out'"

# Many processes: a second writer joins a -C watch, rows by process.
comm=$(cat "/proc/$target/comm")
first=$target
run --json -C "$comm" -i 0.2 --count 2 --delta
check "-C with --delta: a row per writer" \
	test "$(each processes.0.pid "$tmp/out" | sort -u)" = "$first"
"$PMSTAT" --json -C "$comm" -i 0.2 --count 200 >"$tmp/join" 2>"$tmp/err" &
w=$!
lines_at_least "$tmp/join" 1 "$w"
writer 10 200
lines_at_least "$tmp/join" $(($(lines "$tmp/join") + 2)) "$w"
kill -TERM "$w"
wait "$w"
st=$?
check "a -C watch exits 0" test "$st" -eq 0
check "a -C watch's first sample has the one writer" \
	test "$(head -n 1 "$tmp/join" | "$JSONQ" -n 'processes.*')" -eq 1
check "a process that starts and matches -C joins the watch" \
	test "$(tail -n 1 "$tmp/join" | "$JSONQ" -n 'processes.*')" -eq 2
for by in path user; do
	run --json -C "$comm" --by "$by" -i 0.2 --count 2 --delta
	check "-C --by $by --delta: two JSON lines" test "$(lines "$tmp/out")" -eq 2
	check "-C --by $by --delta: totals in each" \
		test "$(each totals.present "$tmp/out" | grep -c '^-\{0,1\}[0-9]')" -eq 2
done
# Every selection watches: -a and -u too, by process (their default).
for sel in "-a" "-u $(id -u)"; do
	# shellcheck disable=SC2086
	run --json $sel -i 0.2 --count 2 --delta
	check "$sel with --delta: two JSON lines, exit 0" \
		test "$(lines "$tmp/out")" -eq 2 -a "$st" -eq 0
	check "$sel with --delta: the writer among the processes of each" \
		test "$(each processes.*.pid "$tmp/out" | grep -c "^$first$")" -eq 2
done
run --tree "$first" -i 0.2 --count 2 --delta
check "--tree with --delta: a family line per sample" \
	test "$(grep -c "^family of $first" "$tmp/out")" -eq 2

# A named target that exits mid-watch: reported once with its error, then
# left out; with no process left, the watch ends (exit 1, as any run that
# could not read a named process). The target is killed once the watch
# has read it twice, however slow the machine.
writer 10 200
"$PMSTAT" --json -i 0.2 --count 50 "$target" >"$tmp/exit" 2>"$tmp/err" &
w=$!
lines_at_least "$tmp/exit" 2 "$w"
kill "$target"
wait "$w"
st=$?
check "a watch whose target exits ends before --count" \
	test "$(lines "$tmp/exit")" -lt 50
check "the target's exit is reported in one sample" \
	test "$(each processes.0.error "$tmp/exit" | grep -vc '^null$')" -eq 1
check "the report is the last sample" \
	sh -c "tail -n 1 '$tmp/exit' | '$JSONQ' processes.0.error | grep -qv '^null$'"
check "the exit is said once on stderr" test "$(lines "$tmp/err")" -eq 1
check "a watch whose named target exits exits 1" test "$st" -eq 1
# The same in a selection: reported once, the watch goes on, exit 0.
writer 10 200
gone=$target
"$PMSTAT" --json -C "$comm" -i 0.2 --count 12 >"$tmp/exit" 2>"$tmp/err" &
w=$!
lines_at_least "$tmp/exit" 2 "$w"
kill "$gone"
wait "$w"
st=$?
check "a -C watch goes on when a process exits" test "$(lines "$tmp/exit")" -eq 12
check "a -C watch exits 0 when a process exits" test "$st" -eq 0
each processes.*.error "$tmp/exit" >"$tmp/errors"
check "the process that exits is reported with an error once" \
	test "$(grep -vc '^null$' "$tmp/errors")" -eq 1
check "and left out after" \
	test "$(tail -n 1 "$tmp/exit" | "$JSONQ" processes.*.pid | grep -c "^$gone$")" -eq 0

# SIGINT and SIGTERM: the sample under way completes, exit 0.
for sig in INT TERM; do
	"$PMSTAT" --json -i 0.2 "$first" >"$tmp/sig" 2>"$tmp/err" &
	w=$!
	lines_at_least "$tmp/sig" 2 "$w"
	kill -"$sig" "$w"
	wait "$w"
	st=$?
	check "SIG$sig ends a watch with exit 0" test "$st" -eq 0
	check "SIG$sig: the samples before it were written" \
		test "$(lines "$tmp/sig")" -ge 2
	check "SIG$sig: every line is complete JSON" \
		test "$(each schema "$tmp/sig" | grep -vc '^1$')" -eq 0
	check "SIG$sig: the output ends with a newline" \
		test "$(tail -c 1 "$tmp/sig" | od -An -c | tr -d ' ')" = '\n'
	check "SIG$sig: nothing on stderr" test ! -s "$tmp/err"
done

# Flushed per sample: a reader has each sample while the watch goes on,
# whole, though far less than stdio's 64 KiB buffer was written.  The
# interval is long so that the copy below is taken between two samples:
# with a short one a slow machine copies the next sample half written.
"$PMSTAT" --json -i 4 "$first" >"$tmp/live" 2>/dev/null &
w=$!
lines_at_least "$tmp/live" 1 "$w"
cp "$tmp/live" "$tmp/seen"
running=no
kill -0 "$w" 2>/dev/null && running=yes
kill "$w"
wait "$w"
check "a sample is written while the watch goes on" test "$running" = yes
check "what was written is whole samples, each complete JSON" \
	test "$(each schema "$tmp/seen" | grep -vc '^1$')" -eq 0 -a \
	"$(tail -c 1 "$tmp/seen" | od -An -c | tr -d ' ')" = '\n'
check "... and less than a full stdio buffer" \
	test "$(wc -c <"$tmp/seen")" -lt 65536

# A reader that goes away ends the watch quietly (SIGPIPE ignored: EPIPE).
(trap '' PIPE; "$PMSTAT" -i 0.1 "$first" 2>"$tmp/err" | head -n 1 >/dev/null)
check "a closed pipe ends a watch without a message" test ! -s "$tmp/err"

tap_end
