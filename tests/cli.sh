#!/bin/sh
# The command-line contract: exit codes, one-line errors, closed pipes, full
# disks and hostile file names. Run by make check with PMSTAT and MAPFILE set.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${MAPFILE:?MAPFILE must name the tests/mapfile helper}"

. "$(dirname "$0")/tap.sh"
tap_begin cli

# Start a target mapping the given files; its pid in $target.
start_target() {
	"$MAPFILE" "$@" >"$tmp/ready" &
	target=$!
	children="$children $target"
	i=0
	while [ "$(cat "$tmp/ready" 2>/dev/null)" != ready ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# --help and --version
run --help
check "--help exits 0" test "$st" -eq 0
check "--help ends with the man page pointer" \
	sh -c "tail -n 1 '$tmp/out' | grep -qx 'For more details see pmstat(1).'"
check "--help lists every long option" sh -c '
	for o in count csv delta extended flags full-join help interval json no-headers \
	    no-kpage no-scan output output-all pages pid range summary unit version wide; do
		grep -q -- "--$o" "$1" || exit 1
	done' sh "$tmp/out"
run --version
check "--version prints the version" grep -q '^pmstat [0-9]' "$tmp/out"
if [ -w /dev/full ]; then
	"$PMSTAT" --help >/dev/full 2>"$tmp/err"
	st=$?
	check "--help >/dev/full fails" test "$st" -eq 1
	check "--help >/dev/full says write error once" \
		sh -c "[ \$(wc -l <'$tmp/err') -eq 1 ] && grep -q 'write error' '$tmp/err'"
fi

# usage errors: exit 2 and exactly one line on stderr
for args in "0" "-1" "abc" "12abc" "99999999999999999999" "-p 1,,2" "-p ''" \
    "--range zz 1" "--range 0x2000-0x1000 1" "--range 0x1000-0x1000 1" \
    "--unit parsecs 1" "--output nope 1" "-o PSSX 1" "-o rss,Mappingx 1" "--bogus 1" "" "--pid" \
    "--pages=some 1" "--summary=page 1" "--summary --pages 1" "--flags anon 1" \
    "--pages --flags nonsense 1"; do
	eval "run $args"
	check "usage error for '$args' exits 2" test "$st" -eq 2
	check "usage error for '$args' is one line" test "$(lines "$tmp/err")" -eq 1
	check "usage error for '$args' prints nothing on stdout" test ! -s "$tmp/out"
done

# A missing process is reported; the others are still printed; exit 1.
# A child that has exited and been reaped: its PID names no process.
true &
gone=$!
wait $gone
start_target /etc/hostname
run "$gone" "$target"
check "a missing PID exits 1" test "$st" -eq 1
# Unprivileged, pmstat also notes once which counters need CAP_SYS_ADMIN.
check "a missing PID is named once on stderr" \
	sh -c "[ \$(grep -vc '^pmstat: note:' '$tmp/err') -eq 1 ] && grep -q '$gone: no such process' '$tmp/err'"
check "the other PID is still reported" grep -q "^$target:" "$tmp/out"
run --json "$gone" "$target"
check "JSON: a missing PID keeps its entry with an error" \
	grep -q "\"pid\":$gone,\"comm\":null,\"mappings\":\[\],\"totals\":null,\"error\":\"no such process\"" "$tmp/out"
run --json /proc/"$target"
check "/proc/PID is accepted" test "$st" -eq 0

# A closed pipe ends quietly; a full disk gives one message and exit 1.
"$PMSTAT" --pages "$target" 2>"$tmp/err" | head -n 1 >/dev/null
check "a closed pipe says nothing" test ! -s "$tmp/err"
if [ -w /dev/full ]; then
	"$PMSTAT" --pages "$target" >/dev/full 2>"$tmp/err"
	st=$?
	check "/dev/full exits 1" test "$st" -eq 1
	check "/dev/full says write error once" \
		sh -c "[ \$(wc -l <'$tmp/err') -eq 1 ] && grep -q 'write error' '$tmp/err'"
fi

# Hostile names: escape sequences, newlines, tabs, invalid UTF-8, commas, quotes.
esc=$(printf '\033')
hostile="$tmp/$(printf 'evil\033]0;pwned\007\033[2J name\twith, "quotes" \377\376')"
nl="$tmp/$(printf 'new\nline')"
printf 'x' >"$hostile" && printf 'y' >"$nl" || exit 99
start_target "$hostile" "$nl"
addr=$(grep -a 'evil' /proc/"$target"/maps | cut -d- -f1)
run "$target"
check "table: hostile names exit 0" test "$st" -eq 0
check "table: no raw ESC or BEL reaches the terminal" \
	sh -c "! grep -aq \"\$(printf '[\033\007]')\" '$tmp/out'"
check "table: the escaped name is there" grep -aq 'evil\\033\]0;pwned' "$tmp/out"
check "table: the newline in a name is shown escaped" grep -aq 'new\\012line' "$tmp/out"
run --csv "$target"
check "CSV: the hostile name is one quoted field" \
	grep -aq '"[^"]*evil.*name.*with, ""quotes"" [^"]*"' "$tmp/out"
check "CSV: rows end in CRLF" sh -c "head -n 1 '$tmp/out' | grep -q \"\$(printf '\r')\$\""
run --json "$target"
check "JSON: hostile names exit 0" test "$st" -eq 0
check "JSON: invalid UTF-8 is escaped visibly" grep -aq '\\\\xff\\\\xfe' "$tmp/out"
if command -v python3 >/dev/null 2>&1; then
	check "JSON: output parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"
	# --range: an ASan-built target reserves terabytes that a page list reads.
	for mode in --pages=all --pages=runs --summary --summary=mapping; do
		run --json "$mode" --range "$addr" "$target"
		check "JSON $mode: hostile names, output parses" python3 -c \
		    'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"
	done
else
	skip "JSON: output parses" "no python3 to parse it"
fi
for mode in --pages --summary=mapping; do
	run "$mode" --range "$addr" "$target"
	check "table $mode: no raw ESC or BEL reaches the terminal" \
		sh -c "! grep -aq \"\$(printf '[\033\007]')\" '$tmp/out'"
done

# --range picks the mapping of the hostile file and nothing else.
run --csv -o start,pages,path --range "$addr" "$target"
check "--range selects one mapping" test "$(lines "$tmp/out")" -eq 2
check "--range gives its start" grep -q "^$target,0x$addr,1," "$tmp/out"

# The totals row never hides a counter behind its label.
run -o pages,present "$target"
check "totals of counters only: the label comes last" \
	sh -c "tail -n 1 '$tmp/out' | grep -Eq '^ *[0-9]+ +[0-9]+ total\$'"
run -o start,pages "$target"
check "totals: the label takes the first text column" \
	sh -c "tail -n 1 '$tmp/out' | grep -Eq '^total +[0-9]+\$'"

# The note on unknown counters: said once, after the output, naming only
# the printed columns that stayed unknown, and not into a closed pipe.
# Without the kpage files smaps settles pss and dirty of whole mappings:
# a range that cuts one leaves them unknown.
big=""
while read -r span _; do
	lo=${span%-*}
	if [ $((0x${span#*-} - 0x$lo)) -ge 8192 ]; then big=$lo; break; fi
done <"/proc/$target/maps"
cut="$big-$(printf '%x' $((0x$big + 1)))"
run --no-kpage -o start,dirty,ksm,pss --range "$cut" "$target"
check "--no-kpage, a cut mapping: one note, naming dirty and pss" \
	sh -c "[ \$(grep -c 'note:' '$tmp/err') -eq 1 ] &&
	    grep -q 'note: --no-kpage, and smaps could not tell (a mapping cut by --range, or changed while read): dirty, .*pss shown as -' '$tmp/err'"
run --no-kpage -o start,pss --range "$cut" -p "$target,$target"
check "--no-kpage, two processes, pss printed: one note naming pss" \
	sh -c "[ \$(wc -l <'$tmp/err') -eq 1 ] && grep -q 'note: --no-kpage, .*: pss shown as -\$' '$tmp/err'"
run --no-kpage -o start,pss,dirty "$target"
check "--no-kpage on whole mappings: pss and dirty from smaps, no note" \
	sh -c "test ! -s '$tmp/err' && ! grep -q ' -\$' '$tmp/out'"
run --no-kpage -o start,present,anon "$target"
check "--no-kpage without an unknown column: no note" test ! -s "$tmp/err"
run --no-kpage "$gone"
check "--no-kpage on a missing PID: only the error, no note" \
	sh -c "[ \$(wc -l <'$tmp/err') -eq 1 ] && ! grep -q note '$tmp/err'"
if command -v python3 >/dev/null 2>&1; then
	# SIGPIPE ignored, so that pmstat sees EPIPE rather than dying of it.
	python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE,
    restore_signals=False)
sys.stderr.buffer.write(p.stderr)
sys.exit(p.returncode)' "$PMSTAT" --no-kpage "$target" 2>"$tmp/err"
	check "--no-kpage into a closed pipe: no note" test ! -s "$tmp/err"
fi

tap_end
