#!/bin/sh
# Many processes at once: the selectors (--tree, -C, -u, --all, PIDs, their
# union), the rows of --by process, path and user in the three formats, the
# skip note, races with processes that come and go, and the usage errors of
# the selection options. Run by make check with PMSTAT and JSONQ set (JSONQ:
# tests/jsonq, which reads JSON without jq or python); prints TAP.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${JSONQ:?JSONQ must name the tests/jsonq helper}"

. "$(dirname "$0")/tap.sh"
tap_begin many

# The words of stdin, one per line, sorted: sets compare as text.
set_of() { tr ' ,' '\n\n' | sed '/^$/d' | sort -n; }
# q PATH: what $JSONQ finds in the last output; qk PATH: the keys, as a set.
q() { "$JSONQ" "$1" <"$tmp/out"; }
qk() { "$JSONQ" -k "$1" <"$tmp/out" | set_of; }
is_json() { "$JSONQ" . <"$tmp/out" >/dev/null 2>&1; }
# Whether every line of stdin equals $1.
all_are() { w=$1; while IFS= read -r l; do [ "$l" = "$w" ] || return 1; done; }

me=$(id -u)
myname=$(id -un)

# The kth field of /proc/PID/stat after the comm, which may hold spaces.
stat_field() { # stat_field PID K
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"
}

# The family: a shell with two children of one name and one of another,
# names no other process on the machine has (copies of sleep; comm is the
# file's name, up to 15 bytes).
a=pmsA$$
b=pmsB$$
cp "$(command -v sleep)" "$tmp/$a" && cp "$(command -v sleep)" "$tmp/$b" ||
	{ echo "Bail out! cannot copy sleep"; exit 99; }
sh -c '"$1" 600 & "$1" 600 & "$2" 600 & wait' sh "$tmp/$a" "$tmp/$b" &
fam=$!
children="$fam"
kids=""
i=0
while [ $i -lt 200 ]; do
	kids=$(cat "/proc/$fam/task/$fam/children" 2>/dev/null)
	na=0 nb=0
	for k in $kids; do
		case $(cat "/proc/$k/comm" 2>/dev/null) in
		"$a") na=$((na + 1)) ;;
		"$b") nb=$((nb + 1)) ;;
		esac
	done
	[ $na -eq 2 ] && [ $nb -eq 1 ] && break
	sleep 0.05
	i=$((i + 1))
done
# The children first: killed after their shell, they would linger.
children="$kids $fam"
if [ "${na:-0}" -ne 2 ] || [ "${nb:-0}" -ne 1 ]; then
	echo "Bail out! the family did not start (children: $kids)"
	exit 99
fi
members=$(printf '%s\n' $fam $kids | sort -n)
bpid=""
for k in $kids; do
	[ "$(cat "/proc/$k/comm")" = "$b" ] && bpid=$k
done

# stderr of a run that must say nothing but notes (the table notes the
# counters it cannot know, as an unprivileged user).
only_notes() { ! grep -qv '^pmstat: note: ' "$tmp/err"; }
# rows_have PATH KEY...: every object at PATH has exactly these keys.
rows_have() {
	p=$1; shift
	w=$(echo "$@" | set_of | tr '\n' ' ')
	"$JSONQ" -k "$p" <"$tmp/out" >"$tmp/keys" || return 1
	[ -s "$tmp/keys" ] || return 1
	while IFS= read -r l; do
		[ "$(echo "$l" | set_of | tr '\n' ' ')" = "$w" ] || return 1
	done <"$tmp/keys"
}
first_line_starts() { head -n 1 "$tmp/out" | grep -q "^$1"; }
first_line_has() { head -n 1 "$tmp/out" | grep -q "$1"; }
uids_all_mine() { q 'processes.*.uid' >"$tmp/uids" && [ -s "$tmp/uids" ] && all_are "$me" <"$tmp/uids"; }
no_family() { ! "$JSONQ" family <"$tmp/out" >/dev/null 2>&1; }

# --by process over the family, in each format.
run --tree "$fam" --by process --json
check "--tree --by process --json exits 0" test "$st" -eq 0
check "--tree --by process --json says nothing but notes" only_notes
check "--by process --json: top-level keys" \
	test "$(qk . | tr '\n' ' ')" = "$(echo family page_size privileged processes schema sources totals version |
		set_of | tr '\n' ' ')"
check "--by process --json: one row per member" \
	test "$(q 'processes.*.pid' | set_of)" = "$members"
check "--by process --json: each row has exactly pid ppid uid user comm cmdline error totals" \
	rows_have 'processes.*' pid ppid uid user comm cmdline error totals
check "--by process --json: the children's ppid is the root" \
	test "$(q 'processes.*.ppid' | grep -cx "$fam")" -eq 3
check "--by process --json: every row's uid is the owner's" \
	uids_all_mine
check "--by process --json: comm" test "$(q 'processes.*.comm' | grep -cx "$a")" -eq 2
check "--by process --json: cmdline" grep -qx "$tmp/$b 600" "$(q 'processes.*.cmdline' >"$tmp/cl"; echo "$tmp/cl")"
q 'processes.*.error' >"$tmp/errors"
check "--by process --json: no errors" \
	test "$(lines "$tmp/errors")" -eq 4 -a "$(grep -cvx null "$tmp/errors")" -eq 0
check "--by process --json: totals" grep -qx '[0-9][0-9]*' "$(q totals.present >"$tmp/v"; echo "$tmp/v")"
check "--by process --json: the family's root and 4 members" \
	test "$(q family.root)" = "$fam" -a "$(q family.members)" = 4
fkeys=$(echo root members exact present anon cow_shared cow_exposure pss | set_of | tr '\n' ' ')
check "--json: the family's keys" test "$(qk family | tr '\n' ' ')" = "$fkeys"

run --tree "$fam" --by process --csv
check "--by process --csv exits 0" test "$st" -eq 0
check "--by process --csv: the header" \
	first_line_starts 'pid,ppid,uid,user,comm,cmdline,pages,present,'
check "--by process --csv: one row per member" \
	test "$(sed 1d "$tmp/out" | cut -d, -f1 | set_of)" = "$members"

run --tree "$fam" --by process
check "--by process table exits 0" test "$st" -eq 0
check "--by process table: a header" first_line_has '^ *PID  *PPID '
check "--by process table: one row per member" \
	test "$(awk '$1 ~ /^[0-9]+$/ { print $1 }' "$tmp/out" | set_of)" = "$members"
check "--by process table: a total row" test "$(grep -c '^total ' "$tmp/out")" -eq 1
check "--by process table: the family line" \
	grep -q "^family of $fam: 4 members" "$tmp/out"

# --by path: the two sleep copies are paths of their own.
run --tree "$fam" --by path --json
check "--by path --json exits 0" test "$st" -eq 0
check "--by path --json: top-level keys" \
	test "$(qk . | tr '\n' ' ')" = "$(echo family page_size privileged paths schema sources totals version |
		set_of | tr '\n' ' ')"
check "--by path --json: each row has exactly path processes mappings totals" \
	rows_have 'paths.*' path processes mappings totals
# paths.*.path and paths.*.processes line up, one line per row.
q 'paths.*.path' >"$tmp/paths"
q 'paths.*.processes' >"$tmp/procs"
paste "$tmp/paths" "$tmp/procs" >"$tmp/pp"
check "--by path --json: $a in 2 processes" grep -qx "$tmp/$a	2" "$tmp/pp"
check "--by path --json: $b in 1 process" grep -qx "$tmp/$b	1" "$tmp/pp"
check "--by path --json: each path once" test -z "$(sort "$tmp/paths" | uniq -d)"
check "--by path --json: no row has more than the 4 processes" \
	test "$(awk -F'\t' '$2 > 4' "$tmp/pp")" = ""
run --tree "$fam" --by path --csv
check "--by path --csv exits 0" test "$st" -eq 0
check "--by path --csv: the header" first_line_starts 'path,processes,mappings,pages,'
check "--by path --csv: $b's row" grep -q "^$tmp/$b,1,[0-9]" "$tmp/out"
run --tree "$fam" --by path
check "--by path table exits 0" test "$st" -eq 0
check "--by path table: a header" first_line_has '^ *Procs  *Maps .* Path$'
check "--by path table: $b's row" grep -q "^ *1  *[0-9].* $tmp/$b\$" "$tmp/out"
check "--by path table: a total row" test "$(grep -c '^total ' "$tmp/out")" -eq 1

# --by user: one user, four processes.
run --tree "$fam" --by user --json
check "--by user --json exits 0" test "$st" -eq 0
check "--by user --json: top-level keys" \
	test "$(qk . | tr '\n' ' ')" = "$(echo family page_size privileged schema sources totals users version |
		set_of | tr '\n' ' ')"
check "--by user --json: one row" test "$("$JSONQ" -n 'users.*' <"$tmp/out")" -eq 1
check "--by user --json: the row has exactly uid user processes totals" \
	rows_have 'users.*' uid user processes totals
check "--by user --json: uid $me, user $myname, 4 processes" \
	test "$(q users.0.uid)" = "$me" -a "$(q users.0.user)" = "$myname" \
	-a "$(q users.0.processes)" = 4
run --tree "$fam" --by user --csv
check "--by user --csv exits 0" test "$st" -eq 0
check "--by user --csv: the header" first_line_starts 'uid,user,processes,pages,'
check "--by user --csv: one row, the user's" \
	test "$(lines "$tmp/out")" -eq 2 -a "$(sed -n 2p "$tmp/out" | cut -d, -f1-3)" = "$me,$myname,4"
run --tree "$fam" --by user
check "--by user table exits 0" test "$st" -eq 0
check "--by user table: a header" first_line_has '^User  *Procs '
check "--by user table: the user's row" grep -q "^$myname  *4 " "$tmp/out"
check "--by user table: a total row" test "$(grep -c '^total ' "$tmp/out")" -eq 1

# -C with two names: the three sleeps, not the shell.
run -C "$a,$b" --json
check "-C two names: exit 0" test "$st" -eq 0
check "-C two names: exactly the processes of either name" \
	test "$(q 'processes.*.pid' | set_of)" = "$(printf '%s\n' $kids | sort -n)"
check "-C: no family unless asked" no_family

# Runs over every process of a user, or all, read one page of each (--range
# applies to all): a machine may have hundreds, and the rows are what
# these tests look at.
few="--range 0-1000"

# -u by name and by uid: every process of ours, each row ours.
for u in "$myname" "$me"; do
	run -u "$u" --json $few
	check "-u $u: exit 0" test "$st" -eq 0
	check "-u $u: JSON" is_json
	q 'processes.*.pid' | sort >"$tmp/pids"
	check "-u $u: the family is in it" \
		test "$(printf '%s\n' $members | sort | comm -23 - "$tmp/pids")" = ""
	check "-u $u: every row is uid $me" uids_all_mine
done

# A selector and a PID: the union.
run -C "$b" "$fam" --json
check "-C NAME and a PID: exit 0" test "$st" -eq 0
check "-C NAME and a PID: both, nothing else" \
	test "$(q 'processes.*.pid' | set_of)" = "$(printf '%s\n' "$bpid" "$fam" | sort -n)"

# --all --by user: our row holds at least the family.
run --all --by user --json $few
check "--all --by user: exit 0" test "$st" -eq 0
check "--all --by user: JSON" is_json
q 'users.*.uid' >"$tmp/uids"
q 'users.*.processes' >"$tmp/procs"
check "--all --by user: a row for uid $me with at least 4 processes" \
	test "$(paste "$tmp/uids" "$tmp/procs" | awk -F'\t' -v u="$me" '$1 == u && $2 >= 4')" != ""
check "--all --by user: at most one line on stderr" test "$(lines "$tmp/err")" -le 1
check "--all --by user: nothing on stderr but the skip note" \
	test "$(grep -cv '^pmstat: note: skipped ' "$tmp/err")" -eq 0
cp "$tmp/err" "$tmp/all-err"

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
	check "--all: the skip note counts kernel threads" \
		grep -q '^pmstat: note: skipped [0-9][0-9]* kernel threads' "$tmp/all-err"
	run "$kthread" --all --by process $few
	check "a kernel thread named beside --all: exit 1" test "$st" -eq 1
	check "a kernel thread named beside --all: its own error line, once" \
		test "$(grep -cx "pmstat: $kthread: kernel thread: no user memory" "$tmp/err")" -eq 1
	check "a kernel thread named beside --all: the others reported" \
		grep -q "^ *$fam " "$tmp/out"
else
	for t in 1 2 3 4; do
		skip "kernel thread $t" "no kernel thread visible in this PID namespace"
	done
fi

# Processes that come and go while --all reads: short-lived /bin/true in
# loops. Each run must end well, whatever it met: exit 0, the output whole,
# gone processes counted in the one note, never reported as errors. Up to 20
# runs, as many as fit in 12 s (a busy machine has many processes to read),
# and at least one in each format.
true_bin=$(command -v true)
for l in 1 2 3; do
	sh -c 'while :; do "$1"; done' sh "$true_bin" &
	children="$! $children"
done
runs=0 bad_st=0 bad_json=0 bad_err=0 notes=0
start=$(date +%s)
while [ $runs -lt 2 ] || { [ $runs -lt 20 ] && [ $(($(date +%s) - start)) -lt 12 ]; }; do
	if [ $((runs % 2)) -eq 0 ]; then
		run --all --by process --json
		is_json || bad_json=$((bad_json + 1))
	else
		run --all --by process
		grep -q '^total ' "$tmp/out" || bad_json=$((bad_json + 1))
	fi
	runs=$((runs + 1))
	[ "$st" -eq 0 ] || bad_st=$((bad_st + 1))
	s=$(grep -c '^pmstat: note: skipped ' "$tmp/err")
	[ "$s" -le 1 ] || bad_err=$((bad_err + 1))
	[ "$s" -eq 1 ] && notes=$((notes + 1))
	# Besides the skip note, only the table's note on unknown counters.
	if grep -v '^pmstat: note: skipped ' "$tmp/err" | grep -qv '^pmstat: note: .* shown as -$'; then
		bad_err=$((bad_err + 1))
		sed 's/^/# /' "$tmp/err"
	fi
	grep -q 'no such process' "$tmp/err" && bad_err=$((bad_err + 1))
done
echo "# churn: $runs runs of --all in $(($(date +%s) - start)) s, $notes with a skip note"
check "churn: --all exits 0 every time ($bad_st of $runs did not)" test "$bad_st" -eq 0
check "churn: the output is whole every time ($bad_json of $runs were not)" test "$bad_json" -eq 0
check "churn: no 'no such process', at most one note ($bad_err of $runs said more)" \
	test "$bad_err" -eq 0

# Usage errors: exit 2, one line on stderr, nothing on stdout.
usage() {
	run "$@"
	check "'$*' exits 2" test "$st" -eq 2
	check "'$*' says one line" test "$(lines "$tmp/err")" -eq 1
	check "'$*' prints nothing on stdout" test ! -s "$tmp/out"
}
usage --by foo --all
usage --sort bogus --all
usage --sort path --all
usage --sort -pss "$fam"
usage -C '' --all
usage -C a,,b
usage -u ''
usage -u no_such_user_x
usage --by process --summary "$fam"
usage --all --by user --pages
# Rows hold counters: a column of mappings is refused, not dropped.
usage -o start,present --all
usage --by user -o perms "$fam"
# The page views of selected processes are per process (--by mapping).
run -C "$(cat "/proc/$fam/comm")" --pages --range 0-1000
check "'-C NAME --pages' is the page view of each, exit 0" test "$st" -eq 0

# --help names every option of the selection and its views.
run --help
for o in "-a, --all" "-C, --comm" "-u, --user" --tree --by --sort --family; do
	check "--help lists $o" grep -q -- " $o[ =]" "$tmp/out"
done

# A tree whose root is gone: one line, exit 1.
sh -c 'exit 0' &
gone=$!
wait "$gone"
run --tree "$gone"
check "--tree of a gone PID exits 1" test "$st" -eq 1
check "--tree of a gone PID says one line" test "$(lines "$tmp/err")" -eq 1
check "--tree of a gone PID says no such process" \
	grep -qx "pmstat: $gone: no such process" "$tmp/err"
run --tree "$gone" --json
check "--tree of a gone PID --json: exit 1, JSON" test "$st" -eq 1 -a "$(is_json && echo y)" = y
check "--tree of a gone PID --json: family and totals null" \
	test "$(q family)" = null -a "$(q totals)" = null
check "--tree of a gone PID --json: its entry says why, its totals null" \
	test "$(q processes.0.error)" = "no such process" -a "$(q processes.0.totals)" = null
# Not known is null, never 0 (semantics.md): the PPID of a process gone.
check "--tree of a gone PID --json: ppid, uid, comm null" \
	test "$(q processes.0.ppid) $(q processes.0.uid) $(q processes.0.comm)" = "null null null"

tap_end
