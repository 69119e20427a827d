#!/bin/bash
# make check-vm: run the test suite of an already built tree under another
# kernel, in qemu (KVM when /dev/kvm is usable, TCG otherwise), as root and
# as an unprivileged user. The guest sees the host's root file system
# read-only over 9p under a writable overlay, so it runs the very binaries
# and tools of the host; only the kernel differs.
#
# Environment (all optional):
#   KERNEL       vmlinuz to boot instead of the packaged one; MODULES its
#                /lib/modules/VERSION directory (guessed from KERNEL's path)
#   KERNEL_PKG   package whose kernel is fetched (default linux-image-amd64,
#                resolved to its versioned linux-image-X package)
#   APPEND       added to the kernel command line (transparent_hugepage=...)
#   VM_MEM       guest memory (4G), VM_SMP vCPUs (2), VM_DISK scratch disk
#                size (8G), VM_TIMEOUT seconds before the guest is killed
#                (2400), VM_JOBS make -j inside (2), VM_RUNS "root user"
#   VM_USER      unprivileged user of the second run (nobody)
#   VM_LOG       console log (check-vm.log in the build tree)
#   PMSTAT_VM_CACHE  where fetched kernels are kept
#                (${XDG_CACHE_HOME:-~/.cache}/pmstat-vm)
# Arguments: BUILDDIR SRCDIR "PROGRAMS" (make check-vm passes them).
set -euo pipefail

die() {
	echo "check-vm: $*" >&2
	exit 2
}

[ $# -eq 3 ] || die "usage: $0 BUILDDIR SRCDIR PROGRAMS (use make check-vm)"
builddir=$(cd "$1" && pwd -P)
srcdir=$(cd "$2" && pwd -P)
programs=$3

# The guest sees the host's / at the same paths, except /tmp (the scratch
# disk) and the pseudo file systems it mounts itself. A tree under /tmp (CI
# may clone there) is kept: its top directory below /tmp is bound back over
# the scratch disk's /tmp at the same path (PMVM_KEEP).
keep=""
for d in "$builddir" "$srcdir"; do
	case $d in
	/tmp/*/* | /tmp/*)
		top=${d#/tmp/}
		top=/tmp/${top%%/*}
		case " $keep " in *" $top "*) ;; *) keep="$keep $top" ;; esac
		;;
	esac
	case $d in
	/tmp | /proc/* | /sys/* | /dev/* | /run/*)
		die "$d is hidden inside the guest; build elsewhere" ;;
	*[!A-Za-z0-9._/+-]*)
		die "$d: unusual characters in the path; build in a plainer one" ;;
	esac
done

for t in qemu-system-x86_64 busybox mkfs.ext4 timeout; do
	command -v "$t" >/dev/null ||
		die "$t not found (apt-get install qemu-system-x86 busybox-static e2fsprogs coreutils)"
done
busybox_bin=$(command -v busybox)
# A dynamically linked busybox would need its libraries in the initramfs.
if LC_ALL=C od -An -c -N 2048 "$busybox_bin" | tr -d ' \n' | grep -q 'ld-linux'; then
	die "$busybox_bin is not static (apt-get install busybox-static)"
fi

cache=${PMSTAT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/pmstat-vm}

# The distribution kernel, as files only: apt-get download + dpkg-deb -x,
# no installation, no postinst hooks, no boot loader change.
fetch_kernel() {
	local meta=${KERNEL_PKG:-linux-image-amd64} pkg ver dir dl sandbox
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || die "cannot resolve $meta (apt-get update?)"
	ver=$(apt-cache show --no-all-versions "$pkg" | awk '/^Version:/ { print $2; exit }')
	dir=$cache/${pkg}_$ver
	if [ ! -d "$dir" ]; then
		echo "check-vm: fetching $pkg $ver into $dir" >&2
		mkdir -p "$cache"
		dl=$(mktemp -d "$cache/dl.XXXXXX")
		# apt downloads as _apt, which cannot write into a cache under a
		# private home: as root, let apt download as root, as it would
		# anyway after a warning.
		sandbox=
		[ "$(id -u)" -ne 0 ] || sandbox="-o APT::Sandbox::User=root"
		# shellcheck disable=SC2086 # $sandbox is empty or two words
		(cd "$dl" && apt-get download -q $sandbox "$pkg=$ver" >&2) ||
			{ rm -rf "$dl"; die "apt-get download $pkg=$ver failed"; }
		dpkg-deb -x "$dl"/*.deb "$dl/root" ||
			{ rm -rf "$dl"; die "dpkg-deb -x failed"; }
		mv "$dl/root" "$dir"
		rm -rf "$dl"
	fi
	kernel=$(ls "$dir"/boot/vmlinuz-*)
	modules=$(ls -d "$dir"/lib/modules/*)
}

if [ -n "${KERNEL:-}" ]; then
	kernel=$KERNEL
	[ -r "$kernel" ] || die "KERNEL=$kernel is not readable"
	if [ -n "${MODULES:-}" ]; then
		modules=$MODULES
	else
		# .../boot/vmlinuz-VERSION -> .../lib/modules/VERSION, then /lib/modules.
		v=${kernel##*/vmlinuz-}
		modules=$(dirname "$(dirname "$kernel")")/lib/modules/$v
		[ -d "$modules" ] || modules=/lib/modules/$v
	fi
else
	fetch_kernel
fi
[ -d "$modules" ] || die "no modules directory for $kernel (set MODULES)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-vm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# --- initramfs: busybox, the modules in load order, init, settings.
ird=$tmp/initramfs
mkdir -p "$ird/bin" "$ird/modules"
cp "$busybox_bin" "$ird/bin/busybox"
cp "$srcdir/tests/vm/init" "$ird/init"
chmod 755 "$ird/init"

# Module name (with _ for -) -> file, for the whole tree once.
declare -A modfile=()
while IFS= read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	modfile[${n//-/_}]=$f
done < <(find "$modules" -name '*.ko*')
[ "${#modfile[@]}" -gt 0 ] || echo "check-vm: no modules in $modules; assuming all built in" >&2

declare -A added=()
order=()
mod_depends() {
	# The modinfo "depends=" string, without kmod: .modinfo strings are NUL
	# separated.
	case $1 in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -qdc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}
add_module() {
	local n=${1//-/_} f d
	[ -z "${added[$n]:-}" ] || return 0
	added[$n]=1
	f=${modfile[$n]:-}
	if [ -z "$f" ]; then
		# Built in (or missing: then the mount in the guest says so).
		grep -q "/${n//_/[-_]}\.ko" "$modules/modules.builtin" 2>/dev/null ||
			echo "check-vm: module $n neither in $modules nor built in" >&2
		return 0
	fi
	for d in $(mod_depends "$f"); do
		add_module "$d"
	done
	case $f in
	*.ko.xz) xz -dc "$f" >"$ird/modules/$n.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$ird/modules/$n.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$ird/modules/$n.ko" ;;
	*) cp "$f" "$ird/modules/$n.ko" ;;
	esac
	order+=("$n")
}
# virtio transport and disk, 9p root, overlay, ext4 for the scratch disk
# (crc32c is a soft dependency of ext4 and jbd2 for metadata checksums, not
# in "depends=").
for m in virtio_pci virtio_blk 9pnet_virtio 9p overlay crc32c_generic ext4; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" >"$ird/modules.order"

guest_runs=${VM_RUNS:-root user}
accel="-accel tcg,thread=multi -cpu max"
ck_mult=4
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel="-accel kvm -cpu host"
	ck_mult=
fi
{
	printf 'PMVM_BUILDDIR=%q\n' "$builddir"
	printf 'PMVM_GUEST=%q\n' "$srcdir/tests/vm/guest-run.sh"
	printf 'PMVM_PROGRAMS=%q\n' "$programs"
	printf 'PMVM_JOBS=%q\n' "${VM_JOBS:-2}"
	printf 'PMVM_USER=%q\n' "${VM_USER:-nobody}"
	printf 'PMVM_RUNS=%q\n' "$guest_runs"
	printf 'PMVM_CK_MULT=%q\n' "$ck_mult"
	printf 'PMVM_KEEP=%q\n' "${keep# }"
} >"$ird/pmvm.conf"
(cd "$ird" && find . | LC_ALL=C sort | busybox cpio -o -H newc --quiet) >"$tmp/initrd"

# --- scratch disk: /tmp and the overlay's upper layer, a real file system
# so that swapfiles work. Sparse, so 8G costs what is written.
truncate -s "${VM_DISK:-8G}" "$tmp/disk"
mkfs.ext4 -q -F -L pmvm-scratch "$tmp/disk"

log=${VM_LOG:-$builddir/check-vm.log}
append="console=ttyS0 panic=-1 quiet ${APPEND:-}"
echo "check-vm: kernel $kernel; accel: $accel; append: $append" >&2
echo "check-vm: console log in $log" >&2

t0=$(date +%s)
set +e
# shellcheck disable=SC2086 # $accel is a list of options
timeout -k 10 "${VM_TIMEOUT:-2400}" qemu-system-x86_64 \
	$accel -smp "${VM_SMP:-2}" -m "${VM_MEM:-4G}" \
	-nodefaults -no-reboot -display none -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$tmp/initrd" -append "$append" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-drive file="$tmp/disk",format=raw,if=virtio,cache=unsafe \
	</dev/null 2>&1 | tr -d '\r' | tee "$log"
qemu_rc=${PIPESTATUS[0]}
set -e
t1=$(date +%s)

# --- report: each run's make check summary, as make check prints it.
echo
echo "=== check-vm summary ($((t1 - t0)) s in the VM; qemu exit $qemu_rc)"
[ "$qemu_rc" -ne 124 ] || echo "check-vm: the guest was killed after ${VM_TIMEOUT:-2400} s"
grep -E '^=== pmstat-vm: kernel ' "$log" || true
status=0
for r in $guest_runs; do
	res=$(grep -E "^=== pmstat-vm: result $r " "$log" | tail -n 1 || true)
	if [ -z "$res" ]; then
		echo "$r: no result (the guest did not finish this run)"
		status=1
		continue
	fi
	read -r _ _ _ _ rc secs <<<"$res"
	echo "--- $r: make check exit $rc in $secs s"
	# The lines of this run's section that make check's summary is made of,
	# and the failed checks the guest listed.
	awk -v r="$r" '
		$0 == "=== pmstat-vm: begin " r { on = 1; next }
		on && /^=== pmstat-vm: result / { exit }
		on && /^--- / { checks = / \(failed checks/ }
		on && (checks || /^(# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):|(FAIL|ERROR|XPASS): )/)' "$log"
	[ "$rc" -eq 0 ] || status=1
done
[ "$qemu_rc" -eq 0 ] || status=1
exit "$status"
