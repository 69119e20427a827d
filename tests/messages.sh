#!/bin/sh
# First contact: what pmstat says about processes it cannot read (kernel
# threads, zombies, gone), the hints for options written the wrong way, and
# the choices it refuses rather than ignores. Run by make check with PMSTAT
# and MAPFILE set; prints TAP.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${MAPFILE:?MAPFILE must name the tests/mapfile helper}"

. "$(dirname "$0")/tap.sh"
tap_begin msg

# A target that maps a file and waits; its pid in $target.
"$MAPFILE" "$MAPFILE" >"$tmp/ready" &
target=$!
children="$children $target"
i=0
while [ "$(cat "$tmp/ready" 2>/dev/null)" != ready ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done

# The kth field of /proc/PID/stat after the comm, which may hold spaces.
stat_field() { # stat_field PID K
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"
}

# A kernel thread: PF_KTHREAD (0x00200000) in the flags field. In a PID
# namespace of its own a machine may show none.
kthread=""
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	f=$(stat_field "$p" 7)
	[ -n "$f" ] || continue
	if [ $((f & 0x00200000)) -ne 0 ]; then
		kthread=$p
		break
	fi
done
if [ -n "$kthread" ]; then
	run "$kthread"
	check "a kernel thread exits 1" test "$st" -eq 1
	check "a kernel thread is named as one" \
		grep -qx "pmstat: $kthread: kernel thread: no user memory" "$tmp/err"
	check "a kernel thread prints nothing on stdout" test ! -s "$tmp/out"
	run --json "$kthread"
	check "a kernel thread's JSON entry carries the reason" \
		grep -q '"error": *"kernel thread: no user memory"' "$tmp/out"
	run "$kthread" "$target"
	check "a kernel thread beside a process: exit 1, the process reported" \
		sh -c "[ $st -eq 1 ] && [ \$(grep -c '^[0-9]*: ' '$tmp/out') -eq 1 ] &&
		    grep -q '^$target: ' '$tmp/out'"
else
	for t in 1 2 3 4 5; do
		skip "kernel thread message $t" "no kernel thread visible in this PID namespace"
	done
fi

# A zombie: a child that exits under a parent that never reaps it.
sh -c 'sleep 0 & exec sleep 30' &
zparent=$!
children="$children $zparent"
zombie=""
i=0
while [ $i -lt 100 ]; do
	for c in $(cat "/proc/$zparent/task/$zparent/children" 2>/dev/null); do
		[ "$(stat_field "$c" 1)" = Z ] && zombie=$c
	done
	[ -n "$zombie" ] && break
	sleep 0.05
	i=$((i + 1))
done
if [ -n "$zombie" ]; then
	run "$zombie"
	check "a zombie exits 1" test "$st" -eq 1
	check "a zombie is named as one" \
		grep -qx "pmstat: $zombie: zombie: no user memory" "$tmp/err"
	check "a zombie prints nothing on stdout" test ! -s "$tmp/out"
else
	for t in 1 2 3; do
		skip "zombie message $t" "no zombie appeared (/proc/PID/task/PID/children missing?)"
	done
fi

# A PID that is gone: one line on stderr, no heading on stdout.
sh -c 'exit 0' &
gone=$!
wait "$gone"
run "$gone"
check "a gone PID says no such process" \
	sh -c "[ $st -eq 1 ] && grep -qx 'pmstat: $gone: no such process' '$tmp/err'"
check "a gone PID prints no heading" test ! -s "$tmp/out"
run -o start,pages,path "$gone" "$target"
check "a gone PID beside a process: only the process's heading" \
	sh -c "[ \$(grep -c '^[0-9]*: ' '$tmp/out') -eq 1 ] && [ \$(grep -c '^Address' '$tmp/out') -eq 1 ]"

# The forms tab completion writes are the same process.
run --csv -o start,pages,path "$target"
cp "$tmp/out" "$tmp/plain"
for form in "/proc/$target" "/proc/$target/" "-p /proc/$target/"; do
	eval "run --csv -o start,pages,path $form"
	check "'$form' names the process" \
		sh -c "[ $st -eq 0 ] && cmp -s '$tmp/out' '$tmp/plain'"
done

# usage(): exit 2, the one line given, nothing on stdout
usage() { # usage MESSAGE ARGS...
	msg=$1; shift
	run "$@"
	check "'$*' exits 2" test "$st" -eq 2
	printf 'pmstat: %s\n' "$msg" >"$tmp/want"
	check "'$*' says: $msg" cmp -s "$tmp/err" "$tmp/want"
	check "'$*' prints nothing on stdout" test ! -s "$tmp/out"
}
usage "invalid PID 'all': did you mean --pages=all?" --pages all "$target"
usage "invalid PID 'runs': did you mean --pages=runs?" -P runs "$target"
usage "invalid PID 'mapping': did you mean --summary=mapping?" --summary mapping "$target"
usage "invalid PID 'process': did you mean --summary=process?" -s process "$target"
usage "invalid PID 'all': not a number" "$target" all
usage "option '--json' takes no argument" --json=1 "$target"
usage "option '--csv' takes no argument" --cs=yes "$target"
usage "option '--range' needs an argument" "$target" --range
usage "unrecognized option '--bogus'" --bogus=3 "$target"
usage "ambiguous option '--p': could be --pages, --pid, --prometheus" --p "$target"
usage "invalid PID '/proc//'" /proc//
usage "invalid PID '$target/x'" "$target/x"
usage "--unit sets the table's sizes: CSV counts pages" --csv -U pages "$target"
usage "--unit sets the table's sizes: JSON counts pages" --json --unit=kB "$target"
usage "-o chooses the columns of mappings: not with --pages" --pages -o pss "$target"
usage "-o chooses the columns of mappings: not with --summary" -s -o pss "$target"
usage "-o chooses the table's and CSV's columns: JSON has every field" \
	--json -o pss "$target"
usage "--no-headers applies to the table and CSV, not JSON" -n --json "$target"

# --help explains every letter of the --pages table's Flags column.
run --help
for l in f x z c d w g; do
	check "--help explains the page letter $l" \
		grep -qE "^ $l [a-z]|  $l [a-z]" "$tmp/out"
done
check "--help says -n drops the totals row" grep -q "totals row" "$tmp/out"

tap_end
