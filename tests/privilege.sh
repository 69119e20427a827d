#!/bin/sh
# Least privilege (issue 11), checked on pmstat's system calls under
# strace: every file it opens is opened O_RDONLY|O_CLOEXEC, it opens
# nothing for writing (so writes nothing under /proc or /sys), and, run by
# root on another user's process, it opens no path that process controls:
# not its map_files, cwd, root, exe or fd links, nor the files it maps.
# Run by make check with PMSTAT and MAPFILE set; prints TAP.

: "${PMSTAT:?PMSTAT must name the pmstat binary}"
: "${MAPFILE:?MAPFILE must name the tests/mapfile helper}"

if ! command -v strace >/dev/null 2>&1; then
	echo "1..0 # SKIP no strace to watch pmstat's system calls"
	exit 0
fi
. "$(dirname "$0")/tap.sh"
tap_begin priv
chmod 755 "$tmp"

# The target maps a file of its own; as root, it runs as nobody.
printf 'secret\n' >"$tmp/mapped-by-target"
chmod 644 "$tmp/mapped-by-target"
as=""
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
	as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
$as "$MAPFILE" "$tmp/mapped-by-target" >"$tmp/ready" 2>"$tmp/target.err" &
target=$!
children="$children $target"
i=0
while [ "$(cat "$tmp/ready" 2>/dev/null)" != ready ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
if [ "$(cat "$tmp/ready" 2>/dev/null)" != ready ]; then
	echo "Bail out! mapfile not ready: $(cat "$tmp/target.err")"
	exit 99
fi
[ -n "$as" ] || skip "root on another user's process" "not root, or no setpriv"

# The mapped file's addresses: the page listing keeps to them, as the rest
# of the address space holds terabytes of shadow reservations under ASan.
frange=$(awk -v f="$tmp/mapped-by-target" '$6 == f { print $1; exit }' \
    "/proc/$target/maps")
[ -n "$frange" ] || { echo "Bail out! the target's mapped file is not in its maps"; exit 99; }

# Built with ASan or UBSan (CI's sanitizer stage)?
sanitized=""
if ldd "$PMSTAT" 2>/dev/null | grep -Eq 'lib(asan|ubsan|tsan)'; then
	sanitized=1
fi

# One traced run per view: each reads other files.
for args in "" "--json -X" "--pages=all --json --range $frange" "--summary" \
    "--freeze" "--by path --no-scan"; do
	what="pmstat ${args:+$args }PID"
	# LeakSanitizer stops the world with ptrace, which a traced process
	# cannot: under ASan the leak check is left to the other tests.
	# shellcheck disable=SC2086
	if ! ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -o "$tmp/trace" -e trace=%file,%desc "$PMSTAT" $args \
	    "$target" >/dev/null 2>"$tmp/err"; then
		not_ok "$what: exit $?: $(head -c 300 "$tmp/err")"
		continue
	fi
	opens=$(grep -E '(^|[ 0-9])(open|openat|openat2|creat)\(' "$tmp/trace" |
	    grep -v ' = -1 ')
	# A sanitizer's runtime reads /proc/self/ for itself with a raw
	# open(2), without O_CLOEXEC: not pmstat's opens.
	[ -z "$sanitized" ] ||
	    opens=$(printf '%s\n' "$opens" | grep -v ' open("/proc/self/')
	bad=$(printf '%s\n' "$opens" | grep -v 'O_RDONLY' ; printf '%s\n' "$opens" |
	    grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND|creat\(')
	if [ -z "$opens" ]; then
		not_ok "$what: strace saw no open at all"
	elif [ -n "$bad" ]; then
		not_ok "$what: an open for writing: $(printf '%s' "$bad" | head -n 2)"
	else
		ok "$what: every open is read-only"
	fi
	nocloexec=$(printf '%s\n' "$opens" | grep -v 'O_CLOEXEC')
	if [ -z "$nocloexec" ]; then ok "$what: every open is O_CLOEXEC"
	else not_ok "$what: opened without O_CLOEXEC: $(printf '%s' "$nocloexec" | head -n 2)"; fi
	# Any file system call, opens or not (stat, readlink...), counts.
	touched=$(grep -E "\"/proc/$target/(map_files|cwd|root|exe|fd|fdinfo)|mapped-by-target" \
	    "$tmp/trace" | grep -v '^[0-9]* execve(')
	if [ -z "$touched" ]; then ok "$what: no path the target controls"
	else not_ok "$what: touched $(printf '%s' "$touched" | head -n 2)"; fi
	wrote=$(grep -E '^[0-9]+ +(write|pwrite64|writev)\(([3-9]|[1-9][0-9])' "$tmp/trace")
	if [ -z "$wrote" ]; then ok "$what: writes only to stdout and stderr"
	else not_ok "$what: wrote to $(printf '%s' "$wrote" | head -n 2)"; fi
done
tap_end
