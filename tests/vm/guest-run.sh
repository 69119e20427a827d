#!/bin/bash
# Runs inside the make check-vm guest, chrooted into the overlay of the
# host's root file system (see tests/vm/init): make check in the build tree
# the host already built, as root and then as an unprivileged user. Each run
# is framed by "=== pmstat-vm:" lines that tests/vm/check-vm.sh reads.
set -u

b=$PMVM_BUILDDIR
user=${PMVM_USER:-nobody}
jobs=${PMVM_JOBS:-2}
runs=${PMVM_RUNS:-root user}

echo "=== pmstat-vm: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s, $(nproc) CPUs," \
	"$(awk '/^MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)," \
	"THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)," \
	"cmdline: $(cat /proc/cmdline)"

# The tree must not be rebuilt here: a rebuild (or a configure rerun) would
# mean the timestamps did not survive 9p + overlay, and the tests would not
# be of what the host built. (make -q cannot tell: automake's config.h rule
# always looks out of date to it.) So compare the modification times of the
# programs and of Makefile before and after each run.
snapshot() {
	# shellcheck disable=SC2086 # PMVM_PROGRAMS is a list of files
	(cd "$b" && stat -c '%n %.9Y' Makefile config.status $PMVM_PROGRAMS 2>&1)
}

# Check's per-test timeout (CK_DEFAULT_TIMEOUT comes from make check's
# environment) scaled for an emulated CPU.
if [ -n "${PMVM_CK_MULT:-}" ]; then
	export CK_TIMEOUT_MULTIPLIER=$PMVM_CK_MULT
fi

# Failing tests: the first Check messages and the log's tail.
report_failures() {
	local trs log
	for trs in "$b"/tests/*.trs; do
		[ -f "$trs" ] || continue
		grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
		log=${trs%.trs}.log
		echo "--- ${log#"$b"/} (failed checks, first 40)"
		# Check's "file:line:F:tcase:test:0: message", TAP-ish "FAIL - name".
		# and Check's count line.
		grep -E ':[FE]:|^FAIL - |^not ok [0-9]+ - |^[0-9]+%: Checks:' "$log" | head -n 41
		echo "--- ${log#"$b"/} (last 40 lines)"
		tail -n 40 "$log"
	done
}

run() {
	local name=$1 t0 rc before
	shift
	echo "=== pmstat-vm: begin $name"
	t0=$(date +%s)
	before=$(snapshot)
	"$@" make -C "$b" -j"$jobs" check
	rc=$?
	if [ "$(snapshot)" != "$before" ]; then
		echo "=== pmstat-vm: make rebuilt part of the tree inside the guest"
		[ "$rc" -ne 0 ] || rc=3
	fi
	[ "$rc" -eq 0 ] || report_failures
	echo "=== pmstat-vm: result $name $rc $(($(date +%s) - t0))"
}

for r in $runs; do
	case $r in
	root)
		run root env
		;;
	user)
		# The user gets the build tree (a copy-up in the overlay; the host's
		# tree is untouched), a home, and no capabilities: setpriv drops
		# them with the uid change.
		mkdir -p /tmp/pmvm-home
		chown -R "$user:" "$b" /tmp/pmvm-home
		if ! setpriv --reuid="$user" --regid="$(id -g "$user")" \
			--clear-groups test -w "$b"; then
			echo "=== pmstat-vm: $user cannot write $b"
			echo "=== pmstat-vm: result user 2 0"
			continue
		fi
		run user setpriv --reuid="$user" --regid="$(id -g "$user")" \
			--clear-groups env HOME=/tmp/pmvm-home USER="$user" \
			LOGNAME="$user"
		;;
	*)
		echo "=== pmstat-vm: unknown run $r"
		echo "=== pmstat-vm: result $r 2 0"
		;;
	esac
done
