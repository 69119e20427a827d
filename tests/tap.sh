# tap.sh - what the shell tests of make check share, sourced by each:
#
#	. "$(dirname "$0")/tap.sh"
#	tap_begin NAME		# a scratch directory in $tmp, cleanup on exit
#	...
#	tap_end			# the plan; the status says whether all passed
#
# TAP for automake's tap-driver.sh: one line per check, the plan at the end
# (the driver reads exit 77 as an error, so a test that cannot run prints
# "1..0 # SKIP reason" and exits 0). Every PID added to $children is killed
# and reaped when the test ends, however it ends; a test
# with more to undo defines cleanup_more, which runs first. KEEP=1 keeps
# $tmp for a post-mortem.

LC_ALL=C
export LC_ALL

n=0
fail=0
children=""
tmp=""

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# check DESCRIPTION COMMAND...: the command must succeed
check() {
	_d=$1
	shift
	if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}

# run ARGS...: pmstat's stdout, stderr and status land in $tmp/out,
# $tmp/err and $st
run() {
	"$PMSTAT" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
}

# lines FILE: its number of lines
lines() { wc -l <"$1" | tr -d ' '; }

tap_cleanup() {
	if command -v cleanup_more >/dev/null 2>&1; then
		cleanup_more
	fi
	# SIGKILL: a stopped child dies of it too, and so does one that
	# handles SIGTERM (a watch writing its last sample).
	for _c in $children; do
		kill -KILL "$_c" 2>/dev/null
	done
	for _c in $children; do
		wait "$_c" 2>/dev/null
	done
	if [ -n "$tmp" ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$tmp"
	fi
}

# tap_begin NAME: $tmp, a directory of the test's own, and the cleanup
tap_begin() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pmstat-$1.XXXXXX") || exit 99
	trap tap_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

# tap_end: the plan; true when no check failed
tap_end() {
	echo "1..$n"
	[ "$fail" -eq 0 ]
}
