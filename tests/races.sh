#!/bin/sh
# Races against real processes (issue 11): targets that exit mid-walk,
# munmap and mmap in a tight loop, exec, hold 50,000 churning mappings, and
# rename their mapped file while pmstat reads them. pmstat must never crash,
# never print a counter larger than its mapping, report a vanished process
# as an error entry (exit 1) and keep reporting the others. Then --freeze:
# the target runs again after pmstat ends, however it ends. Run by make
# check with PMSTAT, MAPFILE, RACER and JSONQ set; prints TAP.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${MAPFILE:?MAPFILE must name the tests/mapfile helper}"
: "${RACER:?RACER must name the tests/racer helper}"
: "${JSONQ:?JSONQ must name the tests/jsonq helper}"
. "$(dirname "$0")/tap.sh"
tap_begin race
# The fifo's reading end, open while a racer waits on it, is closed first.
cleanup_more() { exec 3<&- 2>/dev/null; }

# wait_ready FILE: until a helper wrote "ready" into FILE (30 s at most:
# 50,000 mappings take a while on a busy machine).
wait_ready() {
	i=0
	while [ "$(head -n 1 "$1" 2>/dev/null)" != ready ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(head -n 1 "$1" 2>/dev/null)" = ready ]
}

# start NAME CMD...: start a helper, its pid in $pid; fails if not ready.
start() {
	name=$1; shift
	"$@" >"$tmp/$name.ready" 2>"$tmp/$name.err" &
	pid=$!
	children="$children $pid"
	wait_ready "$tmp/$name.ready"
}

# The state letter of a process: R, S, T...
state() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

COUNTERS=pages,present,swapped,file,anon,zero,exclusive,shared,dirty,cow_copied,cow_shared,thp,ksm,soft_dirty,pss

# bounded FILE: every counter of every CSV row (pid,pages,...) within pages.
bounded() {
	awk -F, 'NR == 1 { next }
	{ sub(/\r$/, "") }
	{ for (i = 3; i <= NF; i++) if ($i != "" && $i + 0 > $2 + 0) {
		print "row " NR ": " $0 > "/dev/stderr"; bad = 1 } }
	END { exit bad }' "$1"
}

# hammer NAME SECONDS PID...: read the PIDs again and again for SECONDS; every
# run must end by exit (0, or 1 for a target that changed too fast), never a
# signal, with every row bounded and the stable target reported.
hammer() {
	name=$1 secs=$2; shift 2
	runs=0 bad="" end=$(($(date +%s) + secs))
	while [ "$(date +%s)" -lt "$end" ] || [ $runs -lt 3 ]; do
		"$PMSTAT" --csv -o "$COUNTERS" "$@" >"$tmp/h.out" 2>"$tmp/h.err"
		st=$?
		runs=$((runs + 1))
		if [ $st -gt 1 ]; then
			bad="exit $st: $(head -c 300 "$tmp/h.err")"
			break
		fi
		if ! bounded "$tmp/h.out" 2>"$tmp/h.bound"; then
			bad="a counter above pages: $(head -n 3 "$tmp/h.bound")"
			break
		fi
		if ! grep -q "^$stable," "$tmp/h.out"; then
			bad="the stable target $stable is missing (exit $st)"
			break
		fi
	done
	echo "# $name: $runs runs in $secs s"
	if [ -z "$bad" ]; then ok "$name: $runs runs, no crash, counters bounded"
	else not_ok "$name: $bad"; fi
}

# The stable target that every run must keep reporting.
start stable "$MAPFILE" "$MAPFILE" || { echo "Bail out! mapfile not ready"; exit 99; }
stable=$pid

t0=$(date +%s)
# 1. munmap and mmap in a tight loop.
if start churn "$RACER" churn; then
	hammer "churn (munmap/mmap loop)" 3 "$pid" "$stable"
	kill -KILL "$pid"
else
	not_ok "churn: racer not ready: $(cat "$tmp/churn.err")"
fi

# 2. exec again and again.
if start exec "$RACER" exec; then
	hammer "exec loop" 3 "$pid" "$stable"
	kill -KILL "$pid"
else
	not_ok "exec: racer not ready: $(cat "$tmp/exec.err")"
fi

# 3. a file renamed while it is mapped: its path is either name.
if start rename "$RACER" rename "$tmp/mapped"; then
	hammer "rename of the mapped file" 3 "$pid" "$stable"
	# CSV lines end in CRLF (RFC 4180).
	"$PMSTAT" --csv -o path "$pid" 2>"$tmp/r.err" | tr -d '\r' >"$tmp/r.out"
	if grep -q "^$pid,$tmp/mapped\(\.moved\)\{0,1\}\$" "$tmp/r.out"; then
		ok "rename: the mapping has one of its two names"
	else
		not_ok "rename: the mapping has neither name: $(tail -n 2 "$tmp/r.out") $(cat "$tmp/r.err" "$tmp/rename.err")"
	fi
	kill -KILL "$pid"
else
	not_ok "rename: racer not ready: $(cat "$tmp/rename.err")"
fi

# 4. 50,000 mappings whose protections flip.
max=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0)
if [ "$max" -lt 50100 ]; then
	skip "50,000 churning mappings" "vm.max_map_count is $max"
elif start many "$RACER" many 50000; then
	hammer "50,000 churning mappings" 5 "$pid" "$stable"
	rows=$(grep -c "^$pid," "$tmp/h.out")
	check "50,000 mappings: at least 25,000 rows ($rows)" test "$rows" -ge 25000
	kill -KILL "$pid"
else
	not_ok "many: racer not ready: $(cat "$tmp/many.err")"
fi

# 5. exit mid-walk: pmstat blocks writing a page listing into a FIFO nobody
# reads; the target is killed and reaped; then the FIFO is drained.
mkfifo "$tmp/fifo" || exit 99
# vanish [OPTION]: one run; its status in $st, its JSON in $tmp/v.out.
vanish() {
	start hold "$RACER" hold 16 || return 1
	victim=$pid
	# Its 16 MiB only (racer's second line): 4,096 pages listed.
	"$PMSTAT" "$@" --json --pages=all --range "$(sed -n 2p "$tmp/hold.ready")" \
	    "$victim" "$stable" >"$tmp/fifo" \
	    2>"$tmp/v.err" &
	reader=$!
	children="$children $reader"
	exec 3<"$tmp/fifo"
	# The pipe (64 KiB) fills long before 4,096 pages are listed.
	sleep 1
	kill -KILL "$victim"
	wait "$victim" 2>/dev/null
	cat <&3 >"$tmp/v.out"
	exec 3<&-
	wait "$reader"
	st=$?
}
for opt in "" --freeze; do
	what="exit mid-walk${opt:+ ($opt)}"
	if ! vanish $opt; then
		not_ok "$what: racer not ready: $(cat "$tmp/hold.err")"
		continue
	fi
	check "$what: exit 1 ($st)" test "$st" -eq 1
	check "$what: the output is one JSON document" \
	    sh -c '"$1" schema <"$2" >/dev/null' sh "$JSONQ" "$tmp/v.out"
	e=$("$JSONQ" processes.0.error <"$tmp/v.out" 2>/dev/null)
	t=$("$JSONQ" processes.0.totals <"$tmp/v.out" 2>/dev/null)
	check "$what: the vanished process is an error entry ($e), no totals ($t)" \
	    test "$e" != null -a -n "$e" -a "$t" = null
	check "$what: the other process is reported whole" test \
	    "$("$JSONQ" processes.1.pid <"$tmp/v.out")" = "$stable" -a \
	    "$("$JSONQ" processes.1.error <"$tmp/v.out")" = null -a \
	    "$("$JSONQ" processes.1.totals <"$tmp/v.out")" != null
done

# --freeze
if start frz "$RACER" hold 64; then
	frz=$pid
	"$PMSTAT" --freeze "$frz" >/dev/null 2>"$tmp/f.err"
	st=$?
	check "--freeze: exit 0 ($st)" test "$st" -eq 0
	check "--freeze: the target runs again after pmstat ($(state "$frz"))" \
	    test "$(state "$frz")" != T

	# The page map freezes its targets too, and resumes them.
	"$PMSTAT" --map --freeze "$frz" >"$tmp/fm.out" 2>"$tmp/fm.err"
	st=$?
	check "--map --freeze: exit 0 ($st)" test "$st" -eq 0
	check "--map --freeze: the target runs again ($(state "$frz"))" \
	    test "$(state "$frz")" != T

	kill -STOP "$frz"
	"$PMSTAT" --freeze "$frz" >/dev/null 2>&1
	check "--freeze: a target stopped before stays stopped ($(state "$frz"))" \
	    test "$(state "$frz")" = T
	kill -CONT "$frz"

	# Killed mid-run: pmstat blocks on a FIFO while the target is stopped.
	# Its 64 MiB only (racer's second line): 16,384 pages listed.
	frange=$(sed -n 2p "$tmp/frz.ready")
	"$PMSTAT" --freeze --json --pages=all --range "$frange" "$frz" \
	    >"$tmp/fifo" 2>/dev/null &
	reader=$!
	children="$children $reader"
	exec 3<"$tmp/fifo"
	i=0
	while [ "$(state "$frz")" != T ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	check "--freeze: the target is stopped while read" test "$(state "$frz")" = T
	kill -TERM "$reader"
	wait "$reader"
	st=$?
	exec 3<&-
	check "--freeze, SIGTERM mid-run: pmstat dies of it ($st)" test "$st" -eq 143
	check "--freeze, SIGTERM mid-run: the target runs again ($(state "$frz"))" \
	    test "$(state "$frz")" != T

	# Into a closed pipe: SIGPIPE (or EPIPE) mid-run.
	("$PMSTAT" --freeze --json --pages=all --range "$frange" "$frz"
	    echo $? >"$tmp/p.st") |
	    head -c 100 >/dev/null
	check "--freeze, closed pipe: pmstat stopped ($(cat "$tmp/p.st"))" \
	    test "$(cat "$tmp/p.st")" -ne 0
	check "--freeze, closed pipe: the target runs again ($(state "$frz"))" \
	    test "$(state "$frz")" != T
	kill -KILL "$frz"
else
	not_ok "--freeze: racer not ready: $(cat "$tmp/frz.err")"
fi

echo "# races.sh: $(($(date +%s) - t0)) s"
tap_end
