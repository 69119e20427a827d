#!/bin/sh
# The per-mapping table: its levels (default, -x, -X), -o by name, header or
# alias in any case, and the width rule (a terminal's width, else $COLUMNS,
# else none; only the path is cut). CSV and JSON keep every field. Run by
# make check with PMSTAT and MAPFILE set.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${MAPFILE:?MAPFILE must name the tests/mapfile helper}"
unset COLUMNS

. "$(dirname "$0")/tap.sh"
tap_begin tbl

# The longest line of file $1, in bytes (the table is ASCII).
widest() { awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$1"; }
# The line of file $1 for the mapping at address $2 (16 hex digits).
row() { grep -a "^$2 " "$1"; }
# ends_with FILE ADDR STRING: that row's last cell is STRING, after a space.
ends_with() { [ "$(row "$1" "$2" | tail -c $((${#3} + 2)))" = " $3" ]; }
# matches FILE ADDR ERE: that row matches the extended regular expression.
matches() { row "$1" "$2" | grep -aqE "$3"; }
# The length of that row's last cell.
last_len() { row "$1" "$2" | awk '{ print length($NF) }'; }

# A path of 120 bytes: whole in 200 columns (62 before the path), cut in 80.
pad=$((120 - ${#tmp} - 1 - 9))
[ "$pad" -ge 20 ] || { echo "1..0 # SKIP TMPDIR too long for a 120-byte path"; exit 0; }
long="$tmp/$(awk -v n="$pad" 'BEGIN { while (n-- > 0) printf "d" }')-tail.dat"
# A name whose escaped form is x\033\377\t twenty times: every cut shows
# whole escapes, or the test sees digits or a t without their backslash.
hostile="$tmp/cut-$(awk 'BEGIN { for (i = 0; i < 20; i++) printf "x\033\377\t" }')"
printf 'x' >"$long" && printf 'y' >"$hostile" || exit 99
"$MAPFILE" "$long" "$hostile" >"$tmp/ready" &
target=$!
children="$children $target"
i=0
while [ "$(cat "$tmp/ready" 2>/dev/null)" != ready ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
laddr=$(grep -a -- '-tail\.dat$' /proc/$target/maps | cut -d- -f1)
haddr=$(grep -a 'cut-x' /proc/$target/maps | cut -d- -f1)
laddr=$(printf '%016s' "$laddr" | tr ' ' 0)
haddr=$(printf '%016s' "$haddr" | tr ' ' 0)

# The uncut reference: -w, whatever the width.
COLUMNS=80 "$PMSTAT" -w "$target" >"$tmp/ref" 2>/dev/null
check "-w: the path is whole" ends_with "$tmp/ref" $laddr "$long"
# The cells before the path of the test's own rows: only the target maps
# those pages, so they do not change between runs as a library's PSS may.
numbers() { row "$1" "$2" | cut -c1-61; }

# COLUMNS into a pipe: every line fits; the path loses its front, not a digit.
for w in 80 200; do
	COLUMNS=$w "$PMSTAT" "$target" >"$tmp/out" 2>/dev/null
	check "COLUMNS=$w, a pipe: every line fits" test "$(widest "$tmp/out")" -le $w
	check "COLUMNS=$w: the numbers are the uncut run's" \
		test "$(numbers "$tmp/out" $laddr)" = "$(numbers "$tmp/ref" $laddr)"
done
COLUMNS=80 "$PMSTAT" "$target" >"$tmp/out" 2>/dev/null
check "COLUMNS=80: the long path is cut to 80 columns exactly" \
	test "$(row "$tmp/out" $laddr | awk '{ print length($0) }')" -eq 80
check "COLUMNS=80: '...' marks the cut, the file name stays" \
	matches "$tmp/out" $laddr ' \.\.\.d+-tail\.dat$'
check "COLUMNS=80: the default table leaves the path 18 columns" \
	test "$(last_len "$tmp/out" $laddr)" -eq 18
check "COLUMNS=80: a short path is not cut" \
	sh -c "grep -aq ' \[stack\]\$' '$tmp/out'"
COLUMNS=200 "$PMSTAT" "$target" >"$tmp/out" 2>/dev/null
check "COLUMNS=200: the long path is whole" ends_with "$tmp/out" $laddr "$long"
"$PMSTAT" "$target" >"$tmp/out" 2>/dev/null
check "a pipe without COLUMNS: the long path is whole" \
	ends_with "$tmp/out" $laddr "$long"
for bad in 0 -5 abc 80x ''; do
	COLUMNS=$bad "$PMSTAT" "$target" >"$tmp/out" 2>/dev/null
	check "COLUMNS='$bad' is no limit" ends_with "$tmp/out" $laddr "$long"
done
COLUMNS=80 "$PMSTAT" -w "$target" >"$tmp/out" 2>/dev/null
check "COLUMNS=80 -w: the long path is whole" ends_with "$tmp/out" $laddr "$long"

# A cut never splits an escape: at every width from the numbers' 62 and the
# mark's 3 on, what follows the mark is made of whole \ooo, \t and x.
bad=""
for w in $(seq 65 110); do
	COLUMNS=$w "$PMSTAT" "$target" >"$tmp/out" 2>/dev/null
	r=$(row "$tmp/out" $haddr)
	tail=${r##* ...}
	if [ "${#r}" -gt "$w" ] || [ "$tail" = "$r" ] ||
	    ! printf '%s\n' "$tail" | grep -aqE '^(\\[0-7]{3}|\\t|x)*$'; then
		bad="$bad $w"
	fi
done
check "hostile name, 65 to 110 columns: the cut keeps escapes whole${bad:+ (not at$bad)}" \
	test -z "$bad"

# -x at 80: the numbers do not fit; they are printed whole, the path is
# only the mark.
COLUMNS=80 "$PMSTAT" -x "$target" >"$tmp/out" 2>/dev/null
"$PMSTAT" -x "$target" >"$tmp/wide" 2>/dev/null
check "-x at 80 columns: every number is printed" \
	test "$(row "$tmp/out" $laddr | sed 's/ [^ ]*$//')" = \
	    "$(row "$tmp/wide" $laddr | sed 's/ [^ ]*$//')"
check "-x at 80 columns: the path is only the mark" \
	matches "$tmp/out" $laddr ' \.\.\.$'

# Under a pseudo-terminal, its width counts, not $COLUMNS.
if command -v script >/dev/null 2>&1 &&
    script -qec true /dev/null </dev/null >/dev/null 2>&1; then
	for w in 80 200; do
		COLUMNS=500 script -qec "stty cols $w && \"$PMSTAT\" $target" /dev/null \
		    </dev/null 2>/dev/null | tr -d '\r' >"$tmp/out"
		check "a terminal of $w columns: every line fits" \
			test "$(widest "$tmp/out")" -le $w
		check "a terminal of $w columns: the numbers are the uncut run's" \
			test "$(numbers "$tmp/out" $laddr)" = "$(numbers "$tmp/ref" $laddr)"
	done
	script -qec "stty cols 80 && \"$PMSTAT\" $target" /dev/null </dev/null 2>/dev/null |
	    tr -d '\r' >"$tmp/out"
	check "a terminal of 80 columns: the long path is cut" \
		matches "$tmp/out" $laddr ' \.\.\.d+-tail\.dat$'

	script -qec "stty cols 200 && \"$PMSTAT\" $target" /dev/null </dev/null 2>/dev/null |
	    tr -d '\r' >"$tmp/out"
	check "a terminal of 200 columns: the long path is whole" \
		ends_with "$tmp/out" $laddr "$long"
	script -qec "stty cols 80 && \"$PMSTAT\" -w $target" /dev/null </dev/null 2>/dev/null |
	    tr -d '\r' >"$tmp/out"
	check "a terminal of 80 columns, -w: the long path is whole" \
		ends_with "$tmp/out" $laddr "$long"
else
	skip "a terminal of 80 and 200 columns" "no util-linux script(1) to make one"
fi

# The levels: the default, -x (every counter), -X (every field).
hdr() { "$PMSTAT" "$@" "$target" 2>/dev/null | sed -n 2p | tr -s ' ' | sed 's/^ //; s/ $//'; }
check "the default table's columns" \
	test "$(hdr)" = "Address Perm Present Swap Anon Shared PSS Mapping"
check "-x: every counter" test "$(hdr -x)" = \
	"Address Perm Size Present Swap File Anon Zero Excl Shared Dirty Copied CowShr THP KSM SoftD PSS Mapping"
check "--extended is -x" test "$(hdr --extended)" = "$(hdr -x)"
check "-X: every field" test "$(hdr -X)" = \
	"Address End Perm Offset Device Inode Size Present Swap File Anon Zero Excl Shared Dirty Copied CowShr THP KSM SoftD PSS Mapping"
check "--output-all is -X" test "$(hdr --output-all)" = "$(hdr -X)"
check "-o after -x wins" test "$(hdr -x -o pss,path)" = "PSS Mapping"
check "-x after -o wins" test "$(hdr -o pss,path -x)" = "$(hdr -x)"

# -o: every name, header and alias, in upper, lower and mixed case, prints
# the column's header. The names and headers are the CSV's and the table's.
cols="start:Address end:End perms:Perm offset:Offset dev:Device inode:Inode
pages:Size present:Present swapped:Swap file:File anon:Anon zero:Zero
exclusive:Excl shared:Shared dirty:Dirty cow_copied:Copied cow_shared:CowShr
thp:THP ksm:KSM soft_dirty:SoftD pss:PSS path:Mapping"
aliases="mode:Perm kbytes:Size vsz:Size vss:Size rss:Present uss:Excl anonymous:Anon"
keys=""
for c in $cols; do keys="$keys ${c%%:*}:${c#*:} ${c#*:}:${c#*:}"; done
for key in $keys $aliases; do
	name=${key%%:*}
	want=${key#*:}
	upper=$(printf '%s' "$name" | tr a-z A-Z)
	lower=$(printf '%s' "$name" | tr A-Z a-z)
	mixed=$(printf '%s' "$lower" | awk '{ for (i = 1; i <= length($0); i++)
	    printf "%s", i % 2 ? toupper(substr($0, i, 1)) : substr($0, i, 1) }')
	bad=""
	for k in "$upper" "$lower" "$mixed"; do
		got=$(hdr -o "$k")
		[ "$got" = "$want" ] || bad="$bad $k=$got"
	done
	check "-o $name (any case) prints $want${bad:+ (not:$bad)}" test -z "$bad"
done
check "-o with headers and aliases mixed" \
	test "$(hdr -o Address,PERM,rss,USS,kbytes,Mapping)" = "Address Perm Present Excl Size Mapping"

# CSV and JSON keep every field, in the same order, whatever the table's level.
fields="pid,start,end,perms,offset,dev,inode,pages,present,swapped,file,anon,zero,exclusive,shared,dirty,cow_copied,cow_shared,thp,ksm,soft_dirty,pss,path"
for opt in "" -x -X -w; do
	got=$("$PMSTAT" --csv $opt "$target" 2>/dev/null | head -n 1 | tr -d '\r')
	check "CSV${opt:+ $opt}: every field, in order" test "$got" = "$fields"
done
if command -v python3 >/dev/null 2>&1; then
	keys="start,end,perms,offset,dev,inode,path,deleted,pages,present,swapped,file,anon,zero,exclusive,shared,dirty,cow_copied,cow_shared,thp,ksm,soft_dirty,pss"
	for opt in "" -x; do
		got=$("$PMSTAT" --json $opt "$target" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(",".join(d["processes"][0]["mappings"][0].keys()))')
		check "JSON${opt:+ $opt}: every field, in order" test "$got" = "$keys"
	done
else
	skip "JSON: every field, in order" "no python3 to parse it"
fi

tap_end
