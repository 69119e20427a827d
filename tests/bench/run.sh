#!/bin/sh
# run.sh - pmstat against pmap -X and three readers of our own, side by side
#
# Run by `make bench` (as root: the kpage files and pmap -X need it). For
# each layout, bench_target builds the memory; bench_run times every reader
# in paired rounds; then the readers' totals are held against each other and
# against the kernel's /proc/PID/smaps_rollup. Prints the medians, the
# ratios, peak RSS, and whether each target of issue 4 is met.
#
# The layout "many" is issue 8's: 500 processes, pmstat's selections of many
# processes against smem, a shell loop of pmap -X, and pmstat's own
# single-process runs, with a table of its own (see bench_many).
#
# Environment: PMSTAT, BENCH_BIN (set by make); BENCH_RUNS rounds (default
# 5); BENCH_ONLY a list of layouts; BENCH_DIR for the work files (/tmp).
# Exit 0 when every reader agreed and every target was met, 1 otherwise.

set -u

: "${PMSTAT:?set PMSTAT to the pmstat binary}"
: "${BENCH_BIN:?set BENCH_BIN to the directory of bench_target}"
RUNS=${BENCH_RUNS:-5}
LAYOUTS=${BENCH_ONLY:-"dense4g sparse256g maps50k fork2g privfile thp swap many"}

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root: kpagecount, kpageflags and pmap -X need it" >&2
	exit 1
fi
if ! command -v pmap >/dev/null 2>&1; then
	echo "bench: pmap (procps) not found" >&2
	exit 1
fi
case " $LAYOUTS " in
*" many "*)
	if ! command -v smem >/dev/null 2>&1; then
		echo "bench: smem (Debian package smem) not found: the many layout needs it" >&2
		exit 1
	fi
esac

WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/pmstat-bench.XXXXXX") || exit 1
TPID=""
SWAPFILE=""
FAILED=0

cleanup() {
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	if [ -n "$SWAPFILE" ]; then
		swapoff "$SWAPFILE" 2>/dev/null
		rm -f "$SWAPFILE"
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "bench: $*" >&2
	FAILED=1
}

# Start layout $1 and set PID to the process to inspect.
start_target() {
	rm -f "$WORK/ready"
	"$BENCH_BIN/bench_target" "$1" "$WORK/ready" "$WORK" &
	TPID=$!
	n=0
	while [ ! -s "$WORK/ready" ]; do
		if ! kill -0 "$TPID" 2>/dev/null || [ $n -ge 1200 ]; then
			echo "bench: layout $1 did not come up" >&2
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	PID=$(cat "$WORK/ready")
}

stop_target() {
	kill "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	TPID=""
}

# Swap for the swap layout: a swapfile of our own unless swap is on already.
ensure_swap() {
	[ "$(awk 'NR > 1' /proc/swaps | wc -l)" -gt 0 ] && return 0
	SWAPFILE="$WORK/swapfile"
	if dd if=/dev/zero of="$SWAPFILE" bs=1M count=768 status=none &&
	    chmod 600 "$SWAPFILE" && mkswap "$SWAPFILE" >/dev/null 2>&1 &&
	    swapon "$SWAPFILE" 2>/dev/null; then
		return 0
	fi
	rm -f "$SWAPFILE"
	SWAPFILE=""
	return 1
}

# smaps_rollup field $2 of pid $1, in pages.
rollup() {
	awk -v f="$2:" '$1 == f { print int($2 / 4); found = 1 }
	    END { if (!found) print 0 }' "/proc/$1/smaps_rollup"
}

# Field $2 of a reader's "name value ..." line in file $1.
field() {
	awk -v f="$2" '{ for (i = 1; i < NF; i += 2) if ($i == f) print $(i + 1) }' "$1"
}

# (The join reader's thp counts KPF_THP: large folios of the page cache too,
# mapped by PTEs, which neither smaps's *PmdMapped nor pmstat count.)

# pmstat's totals for pid $1, summed over its CSV rows: present swapped thp pss
pmstat_totals() {
	"$PMSTAT" --csv -n -o present,swapped,thp,pss "$1" |
	    awk -F, '{ p += $2; s += $3; t += $4; k += $5 }
	    END { printf "present %d swapped %d thp %d pss_kb %.0f\n", p, s, t, k * 4 }'
}

# Two PSS figures in kB agree within 1 % or 1 MiB: every reader maps libc
# itself while it runs, which moves the shares of the target's libc pages.
pss_close() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d;
	    lim = (a > b ? a : b) / 100; if (lim < 1024) lim = 1024;
	    exit !(d <= lim) }'
}

verify() {
	layout=$1 out=$2
	pmstat_totals "$PID" >"$out/pmstat-totals" || fail "$layout: pmstat --csv failed"
	rss=$(rollup "$PID" Rss) swap=$(rollup "$PID" Swap)
	pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$PID/smaps_rollup")
	thp=$(( $(rollup "$PID" AnonHugePages) + $(rollup "$PID" ShmemPmdMapped) +
	    $(rollup "$PID" FilePmdMapped) ))
	for r in pmstat-totals plain.out join.out seek.out; do
		[ -s "$out/$r" ] || continue
		[ "$(field "$out/$r" present)" = "$rss" ] ||
		    fail "$layout: $r present $(field "$out/$r" present), smaps Rss $rss pages"
		[ "$(field "$out/$r" swapped)" = "$swap" ] ||
		    fail "$layout: $r swapped $(field "$out/$r" swapped), smaps Swap $swap pages"
		p=$(field "$out/$r" pss_kb)
		[ -z "$p" ] || pss_close "$p" "$pss" ||
		    fail "$layout: $r pss $p kB, smaps Pss $pss kB"
	done
	[ "$(field "$out/pmstat-totals" thp)" = "$thp" ] ||
	    fail "$layout: pmstat thp $(field "$out/pmstat-totals" thp), smaps $thp pages"
	echo "  agree: present $rss, swapped $swap, thp $thp pages, pss $pss kB (smaps_rollup)"
}

# The watch's output, where it ran: 20 samples, each with the present
# total of a single run (the target is quiescent: its pss may move, as
# readers map libc, but not its pages).
watch_verify() {
	[ -s "$2/watch20.out" ] || return 0
	n=$(grep -c '^time: ' "$2/watch20.out")
	[ "$n" = 20 ] || fail "$1: the watch wrote $n samples, not 20"
	a=$(awk '$1 == "total" { print $2 }' "$2/pmstat.out")
	n=$(awk -v a="$a" '$1 == "total" && $2 == a' "$2/watch20.out" | wc -l)
	[ "$n" -eq 20 ] || fail "$1: $n of the watch's 20 samples have a single run's present"
}

# The many layout (issue 8). All 500 processes are named pmsbench-many:
# -C selects exactly them for pmstat, and -P for smem (anchored, so that
# smem's own command line, which holds the pattern, does not match).
MANY_COMM=pmsbench-many
MANY="$WORK/many-results"

# Sum of smaps_rollup field $1 (kB) over the PIDs of file $2.
rollup_sum() {
	while read -r p; do
		cat "/proc/$p/smaps_rollup"
	done <"$2" | awk -v f="$1:" '$1 == f { s += $2 } END { print s + 0 }'
}

# pmstat's JSON $1: the number of processes read, and their summed counter $2.
json_count() {
	grep '^{"pid":' "$1" | grep -c '"error":null'
}
json_sum() {
	grep '^{"pid":' "$1" | grep -o "\"$2\":[0-9.]*" |
	    awk -F: '{ s += $2 } END { printf "%.0f\n", s }'
}

many_verify() {
	out=$1
	n=$(json_count "$out/pmstat-500.out")
	[ "$n" = 500 ] || fail "many: pmstat -C $MANY_COMM read $n processes, not 500"
	n=$(json_count "$out/tree.out")
	[ "$n" = 16 ] || fail "many: pmstat --tree read $n processes, not 16"
	n=$(grep -c '^{"pid":' "$out/singles.out")
	[ "$n" = 16 ] || fail "many: the single runs read $n processes, not 16"
	n=$(awk 'NR > 1' "$out/smem-500.out" | wc -l)
	[ "$n" = 500 ] || fail "many: smem -P read $n processes, not 500"
	rss=$(( $(rollup_sum Rss "$WORK/many.pids") / 4 ))
	present=$(json_sum "$out/pmstat-500.out" present)
	[ "$present" = "$rss" ] ||
	    fail "many: pmstat present $present pages, smaps Rss $rss pages"
	pss=$(rollup_sum Pss "$WORK/many.pids")
	p=$(( $(json_sum "$out/pmstat-500.out" pss) * 4 ))
	pss_close "$p" "$pss" || fail "many: pmstat pss $p kB, smaps Pss $pss kB"
	echo "  agree: 500 processes, present $rss pages, pss $pss kB (smaps_rollup)"
}

# Time the many layout's commands in paired rounds and verify them. The
# 16 single runs are one command of 16 parts (bench_run's ++): their sum.
bench_many() {
	out="$WORK/out-many"
	mkdir -p "$out"
	famroot=$(head -n 1 "$WORK/many.family")
	# The loop's $p is the inner shell's; one word per PID of many.pids.
	# shellcheck disable=SC2016,SC2046
	set -- \
	    pmstat-all "$PMSTAT" --all --by process --json -- \
	    smem-all smem -c "pid pss uss rss" -- \
	    pmstat-500 "$PMSTAT" -C "$MANY_COMM" --by process --json -- \
	    smem-500 smem -c "pid pss uss rss" -P "^$MANY_COMM\$" -- \
	    pmap-500 sh -c 'for p; do pmap -X "$p"; done' sh $(cat "$WORK/many.pids") -- \
	    tree "$PMSTAT" --tree "$famroot" --json -- \
	    singles
	sep=""
	while read -r p; do
		[ -z "$sep" ] || set -- "$@" ++
		set -- "$@" "$PMSTAT" --json "$p"
		sep=++
	done <"$WORK/many.family"
	set -- "$@" -- family "$PMSTAT" --all --family --json
	trace=""
	command -v strace >/dev/null 2>&1 && trace=-s
	# shellcheck disable=SC2086
	if "$BENCH_BIN/bench_run" $trace "$RUNS" "$out" "$@" >"$out/times"; then
		sed 's/^/  /' "$out/times"
		cp "$out/times" "$MANY"
		many_verify "$out"
	else
		fail "many: a command failed"
	fi
}

# The many layout's table: each of issue 8's ratios beside its target.
many_table() {
	[ -s "$MANY" ] || return 0
	echo
	awk -v runs="$RUNS" '
	{ t[$1] = $2; min[$1] = $3; rss[$1] = $5; sc[$1] = $7 }
	function row(name, p, b, x,   v, ok) {
		v = t[p] / t[b]; ok = v <= x; bad += !ok
		printf "%-38s %10.1f %10.1f %7.3f %7s  %s\n", name, t[p], t[b], v,
		    "<= " x, ok ? "MET" : "MISS"
	}
	END {
		printf "many: 500 processes (8 families of 16 sharing 64 MiB, 372 small), medians of %d paired runs\n", runs
		printf "%-38s %10s %10s %7s %7s\n", "comparison", "pmstat ms", "base ms",
		    "ratio", "target"
		row("--all --by process / smem (all)", "pmstat-all", "smem-all", 0.25)
		row("-C (the 500) / smem -P (the 500)", "pmstat-500", "smem-500", 0.25)
		row("-C (the 500) / pmap -X loop (the 500)", "pmstat-500", "pmap-500", 0.5)
		row("--tree (16) / 16 single runs", "tree", "singles", 1.5)
		v = rss["family"] / 1024; ok = v <= 64; bad += !ok
		printf "%-38s %10s %10s %7.1f %7s  %s\n", "--all --family peak RSS (MiB)",
		    "", "", v, "<= 64", ok ? "MET" : "MISS"
		printf "\n%-11s %10s %10s %10s %10s\n", "command", "median ms",
		    "min ms", "RSS(KiB)", "syscalls"
		split("pmstat-all smem-all pmstat-500 smem-500 pmap-500 tree singles family", o)
		for (i = 1; i in o; i++)
			printf "%-11s %10.1f %10.1f %10d %10s\n", o[i], t[o[i]],
			    min[o[i]], rss[o[i]], sc[o[i]]
		exit bad != 0
	}' "$MANY" || FAILED=1
}

RESULTS="$WORK/results"
: >"$RESULTS"
for layout in $LAYOUTS; do
	if [ "$layout" = swap ] && ! ensure_swap; then
		echo "== swap: skipped, no swap could be enabled"
		continue
	fi
	echo "== $layout"
	start_target "$layout" || { FAILED=1; continue; }
	if [ "$layout" = many ]; then
		bench_many
		stop_target
		continue
	fi
	out="$WORK/out-$layout"
	mkdir -p "$out"
	# The seed's way walks 64 Mi pages one system call at a time on the
	# sparse layout: about a minute a run, so it runs once there.
	seek=seek
	[ "$layout" = sparse256g ] && seek=seek:1
	set -- \
	    pmstat "$PMSTAT" "$PID" -- \
	    full-join "$PMSTAT" --full-join "$PID" -- \
	    pmap pmap -X "$PID" -- \
	    plain "$BENCH_BIN/bench_reader" plain "$PID" -- \
	    join "$BENCH_BIN/bench_reader" join "$PID" -- \
	    "$seek" "$BENCH_BIN/bench_reader" seek "$PID"
	# Issue 13: a watch of 20 samples, back to back (an interval of 1 ns:
	# each next sample is due at once), against the single runs above.
	[ "$layout" = dense4g ] && set -- "$@" -- \
	    watch20 "$PMSTAT" --interval 0.000000001 --count 20 "$PID"
	if "$BENCH_BIN/bench_run" "$RUNS" "$out" "$@" >"$out/times"; then
		sed 's/^/  /' "$out/times"
		sed "s/^/$layout /" "$out/times" >>"$RESULTS"
		verify "$layout" "$out"
		watch_verify "$layout" "$out"
	else
		fail "$layout: a reader failed"
	fi
	stop_target
	if [ -n "$SWAPFILE" ]; then
		swapoff "$SWAPFILE" && rm -f "$SWAPFILE"
		SWAPFILE=""
	fi
done

# The table: pmstat's median over each baseline's, and peak RSS.
[ -s "$RESULTS" ] && echo && awk '
function ms(l, r) { return t[l, r] }
{ t[$1, $2] = $3; rss[$1, $2] = $6; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
END {
	printf "%-11s %9s %9s %9s %9s %9s %10s %9s %9s\n", "target", "pmstat",
	    "/pmap-X", "/plain", "/join", "/fulljoin", "seek/pms", "RSS(KiB)", "pmapRSS"
	for (i = 0; i < n; i++) {
		l = order[i]; p = ms(l, "pmstat")
		printf "%-11s %7.1fms %9.2f %9.2f %9.2f %9.2f %9.0fx %9d %9d\n", l, p,
		    p / ms(l, "pmap"), p / ms(l, "plain"), p / ms(l, "join"),
		    p / ms(l, "full-join"), ms(l, "seek") / p, rss[l, "pmstat"],
		    rss[l, "pmap"]
	}
}' "$RESULTS"

# The targets of issue 4: layout, baseline, bound on pmstat / baseline
# (or, for "seek", a floor on seek / pmstat).
echo
while read -r layout base bound; do
	grep -q "^$layout pmstat " "$RESULTS" || continue
	awk -v l="$layout" -v b="$base" -v x="$bound" '
	{ t[$1, $2] = $3; rss[$1, $2] = $6 }
	END {
		p = t[l, "pmstat"]
		if (b == "watch20") {
			# The mean of 20 samples (the start of pmstat counted once).
			v = t[l, b] / 20 / p; ok = v <= x
			printf "%-4s %-11s mean --interval sample (of 20) / pmstat = %.3f <= %s\n",
			    ok ? "MET" : "MISS", l, v, x
		} else if (b == "rss") {
			v = rss[l, "pmstat"] / 1024; ok = v <= x
			printf "%-4s %-11s pmstat peak RSS %.1f MiB <= %s MiB\n",
			    ok ? "MET" : "MISS", l, v, x
		} else if (b == "seek") {
			v = t[l, b] / p; ok = v >= x
			printf "%-4s %-11s seek+read / pmstat = %.1f >= %s\n",
			    ok ? "MET" : "MISS", l, v, x
		} else {
			v = p / t[l, b]; ok = v <= x
			printf "%-4s %-11s pmstat / %s = %.3f <= %s\n",
			    ok ? "MET" : "MISS", l, b, v, x
		}
		exit !ok
	}' "$RESULTS" || FAILED=1
done <<'EOF'
dense4g pmap 0.5
dense4g plain 1.5
dense4g seek 50
dense4g watch20 1.1
sparse256g plain 0.5
sparse256g pmap 1.0
maps50k pmap 0.1
fork2g pmap 1.0
dense4g rss 16
sparse256g rss 16
maps50k rss 16
fork2g rss 16
privfile rss 16
thp rss 16
swap rss 16
EOF

many_table

[ "$FAILED" = 0 ] || echo "bench: some readers disagreed or a target was missed" >&2
exit "$FAILED"
