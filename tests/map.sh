#!/bin/sh
# The page map's command line (issue 12): its width (--width, a terminal's,
# $COLUMNS, 80), --rows, the folding of small mappings, colour (a terminal,
# NO_COLOR, --color, a pipe), the glyph set (the locale, --ascii) and the
# values it refuses. The strips of known layouts are tests/check_map.c's.
# Run by make check with PMSTAT set.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
unset COLUMNS NO_COLOR LC_CTYPE LANG

. "$(dirname "$0")/tap.sh"
tap_begin map

# The longest line of file $1 in characters, colour escapes left out.
widest() {
	sed 's/\x1b\[[0-9;]*m//g' "$1" |
	    LC_ALL=C.UTF-8 awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'
}
has_esc() { grep -q "$(printf '\033')\[" "$1"; }
no_esc() { ! has_esc "$1"; }
ascii_only() { ! LC_ALL=C grep -q "$(printf '[\200-\377]')" "$1"; }
# The width the header gives the strip: "Map" padded, bars included.
map_col() { sed -n 's/^Address .* Anon \(Map *\) Mapping$/\1/p' "$1" | awk '{ print length($0) }'; }

# sleep: libc's text is larger than any strip at 80 columns.
sleep 600 &
target=$!
children="$children $target"
map() { "$PMSTAT" --map "$@" "$target"; }

# Width: 80 into a pipe, $COLUMNS, --width over both.
map >"$tmp/out" 2>/dev/null
check "a pipe: 80 columns" test "$(widest "$tmp/out")" -le 80
check "a pipe: the strip has 24 buckets (80 - 56)" test "$(map_col "$tmp/out")" -eq 26
COLUMNS=120 map >"$tmp/out" 2>/dev/null
check "COLUMNS=120: every line fits" test "$(widest "$tmp/out")" -le 120
check "COLUMNS=120: the strip has 64 buckets" test "$(map_col "$tmp/out")" -eq 66
COLUMNS=200 map --width 100 >"$tmp/out" 2>/dev/null
check "--width 100 over COLUMNS=200" test "$(map_col "$tmp/out")" -eq 46
COLUMNS=abc map >"$tmp/out" 2>/dev/null
check "COLUMNS=abc: 80" test "$(map_col "$tmp/out")" -eq 26
for w in 10 40 69; do
	map --width $w >"$tmp/out" 2>/dev/null
	check "--width $w: the strip has a row of its own, $w wide" \
		test "$(grep '^|' "$tmp/out" | awk '{ print length($0) }' | sort -n | tail -1)" -eq $w
done

# --rows: libc's text wraps over three rows, the others aligned under the first.
map --width 80 --rows 3 >"$tmp/out" 2>/dev/null
check "--rows 3: a large mapping takes three rows" \
	sh -c "grep -A2 'r-xp.*libc' '$tmp/out' | tail -2 | grep -cE '^ {37}\\|' | grep -qx 2"

# Folding: small mappings make one line, unless -v.
map >"$tmp/out" 2>/dev/null
check "small mappings are folded into one line" grep -qE '^[0-9]+ mappings? under 64K not drawn' "$tmp/out"
map -v >"$tmp/out" 2>/dev/null
check "-v draws them" sh -c "! grep -q 'not drawn' '$tmp/out'"
map --all-mappings >"$tmp/out2" 2>/dev/null
check "--all-mappings is -v" cmp -s "$tmp/out" "$tmp/out2"

# Glyphs: ASCII in the C locale, Unicode in a UTF-8 one, --ascii over it.
map >"$tmp/out" 2>/dev/null
check "LC_ALL=C: ASCII only" ascii_only "$tmp/out"
check "LC_ALL=C: the ASCII legend" grep -q '^Legend: Xx guard  Ww swapped' "$tmp/out"
LC_ALL=C.UTF-8 map >"$tmp/out" 2>/dev/null
check "LC_ALL=C.UTF-8: Unicode glyphs" grep -q '▒' "$tmp/out"
LC_ALL= LANG=en_US.UTF-8 map >"$tmp/out" 2>/dev/null
check "LANG=en_US.UTF-8 (no LC_ALL): Unicode glyphs" grep -q '▒' "$tmp/out"
LC_ALL=C.UTF-8 map --ascii >"$tmp/out" 2>/dev/null
check "--ascii in a UTF-8 locale: ASCII only" ascii_only "$tmp/out"

# Colour: never into a pipe, unless --color=always (NO_COLOR or not).
map >"$tmp/out" 2>/dev/null
check "a pipe: no colour" no_esc "$tmp/out"
map --color=always >"$tmp/out" 2>/dev/null
check "--color=always into a pipe: colour" has_esc "$tmp/out"
map --color >"$tmp/out" 2>/dev/null
check "a bare --color is always, as with ls" has_esc "$tmp/out"
NO_COLOR=1 map --color=always >"$tmp/out" 2>/dev/null
check "NO_COLOR=1 --color=always: colour (the option wins)" has_esc "$tmp/out"
map --color=always | sed 's/\x1b\[[0-9;]*m//g' >"$tmp/out" 2>/dev/null
map --color=never >"$tmp/out2" 2>/dev/null
check "without its escapes, the coloured map is the plain one" cmp -s "$tmp/out" "$tmp/out2"

# A terminal: its width, and colour unless NO_COLOR or --color=never.
if command -v script >/dev/null 2>&1 &&
    script -qec true /dev/null </dev/null >/dev/null 2>&1; then
	term() { # term COLS ENV ARGS: pmstat --map under a pty of COLS columns
		COLUMNS=500 script -qec "stty cols $1 && env $2 \"$PMSTAT\" --map $3 $target" \
		    /dev/null </dev/null 2>/dev/null | tr -d '\r' >"$tmp/out"
	}
	term 90 NO_COLOR= ""
	check "a terminal of 90 columns: every line fits" test "$(widest "$tmp/out")" -le 90
	check "a terminal of 90 columns, not COLUMNS=500: 34 buckets" test "$(map_col "$tmp/out")" -eq 36
	check "a terminal: colour" has_esc "$tmp/out"
	term 90 NO_COLOR=1 ""
	check "a terminal, NO_COLOR=1: no colour" no_esc "$tmp/out"
	term 90 NO_COLOR= "--color=never"
	check "a terminal, --color=never: no colour" no_esc "$tmp/out"
	term 90 NO_COLOR= "--width 150"
	check "a terminal, --width 150: 94 buckets" test "$(map_col "$tmp/out")" -eq 96
else
	skip "a terminal's width and colour" "no util-linux script(1) to make one"
fi

# Refused: one line on stderr, nothing on stdout, exit 2.
refused() { # refused ARGS...
	"$PMSTAT" "$@" "$target" >"$tmp/out" 2>"$tmp/err"
	st=$?
	check "refused: $*" test $st -eq 2 -a ! -s "$tmp/out" -a "$(wc -l <"$tmp/err")" -eq 1
}
refused --map --width 9
refused --map --width 1001
refused --map --width abc
refused --map --width ''
refused --map --rows 0
refused --map --rows 101
refused --map --rows 2x
refused --map --color=sometimes
refused --map --color=
refused --width 100
refused --rows 2
refused --color=always
refused --ascii
refused -v
refused --map --csv
refused --map --pages
refused --map --summary
refused --map --by path
refused --map -o present
refused --map --family
refused --map -i 1
refused --map --interval 0.5 --count 2
refused --map --prometheus
"$PMSTAT" --map --color always "$target" >"$tmp/out" 2>"$tmp/err"
check "--color always (detached): exit 2, a hint for --color=always" \
	sh -c "test $? -eq 2 && grep -q 'did you mean --color=always' '$tmp/err'"

# JSON: buckets, no legend, no colour.
"$PMSTAT" --map --json --color=always "$target" >"$tmp/out" 2>/dev/null
check "--map --json: buckets, no escapes" sh -c "grep -q '\"buckets\":\\[{\"start\"' '$tmp/out' && ! grep -q \"\$(printf '\\033')\" '$tmp/out'"

# A process that is gone: exit 1; JSON keeps its entry, with the error.
sh -c 'exit 0' &
gone=$!
wait $gone
"$PMSTAT" --map --json "$gone" "$target" >"$tmp/out" 2>"$tmp/err"
st=$?
check "a PID that is gone: exit 1, one line on stderr" test $st -eq 1 -a "$(wc -l <"$tmp/err")" -eq 1
check "a PID that is gone: its JSON entry has the error, the other its buckets" \
	sh -c "grep -q '{\"pid\":$gone,\"comm\":null,\"mappings\":\[\],\"totals\":null,\"error\":\"no such process\"}' '$tmp/out' && grep -q '\"buckets\"' '$tmp/out'"

tap_end
