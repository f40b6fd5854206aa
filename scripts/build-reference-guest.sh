#!/bin/sh
# build-reference-guest.sh - build the reference guest (Debian's 32-bit Linux and busybox) into DIR.
#
# Usage: scripts/build-reference-guest.sh [DIR]      (default build/guest)
#
# Produces DIR/bzImage (from linux-image-686:i386's kernel package) and
# DIR/initramfs.cpio.gz (busybox-static:i386 and an /init script), from
# Debian packages only: they are downloaded with apt-get download and
# unpacked with dpkg -x, never installed into the host. Skips the work when
# both outputs exist and are newer than this script.
#
# The guest's /init mounts proc, sys and devtmpfs, prints the marker line
#     bt86-guest: init reached
# and then, if the kernel command line holds bt86_cmd="COMMANDS", runs them
# with sh, prints "bt86-guest: command exited with status N" and powers off
# (poweroff -f); otherwise it starts an interactive shell on the console
# (ttyS0 with console=ttyS0) and powers off when that shell exits. The
# parameter name has no dot, so the kernel hands it to init as an
# environment variable; the quotes keep its spaces; it cannot contain '"'.
#
# Optional: BT86_GUEST_BENCH=DIR copies DIR's files into the initramfs's
# /bench (benchmarks/run.py's programs); the work is redone when one of them
# is newer than the initramfs.
set -eu

OUT=${1:-build/guest}
BENCH=${BT86_GUEST_BENCH:-}
SCRIPT=$0
KERNEL_META=linux-image-686:i386
BUSYBOX=busybox-static:i386

say() { echo "build-reference-guest: $*" >&2; }
die() { say "$*"; exit 1; }

if [ -f "$OUT/bzImage" ] && [ -f "$OUT/initramfs.cpio.gz" ] &&
   [ "$OUT/bzImage" -nt "$SCRIPT" ] && [ "$OUT/initramfs.cpio.gz" -nt "$SCRIPT" ] &&
   { [ -z "$BENCH" ] || [ -z "$(find "$BENCH" -newer "$OUT/initramfs.cpio.gz")" ]; }; then
    exit 0
fi

as_root() {
    [ "$(id -u)" = 0 ] || die "$* needs root (run this script as root once)"
    "$@"
}

# The host package that builds the archive.
if ! command -v cpio >/dev/null 2>&1; then
    say "installing cpio"
    as_root apt-get update || say "apt-get update reported errors; trying the install anyway"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y --no-install-recommends cpio
fi

# The i386 package indexes (an index that fails for an architecture we do
# not need must not stop us: apt-cache below decides).
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    say "adding the i386 architecture to dpkg"
    as_root dpkg --add-architecture i386
fi
if ! apt-cache show "$KERNEL_META" >/dev/null 2>&1; then
    as_root apt-get update || say "apt-get update reported errors; going on"
fi
apt-cache show "$KERNEL_META" >/dev/null 2>&1 ||
    die "apt knows no package $KERNEL_META (is an i386 Debian 12 mirror in sources.list?)"

# linux-image-686 is a metapackage: the kernel is in the package it depends on.
KERNEL_PKG=$(apt-cache depends "$KERNEL_META" |
             sed -n 's/^ *Depends: \(linux-image-[^ ]*\).*/\1/p' | head -n 1)
[ -n "$KERNEL_PKG" ] || die "cannot resolve the kernel package $KERNEL_META depends on"
case $KERNEL_PKG in *:i386) ;; *) KERNEL_PKG=$KERNEL_PKG:i386 ;; esac

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$TMP/debs" "$TMP/kernel" "$TMP/root"

say "downloading $KERNEL_PKG and $BUSYBOX"
# apt-get download writes to the current directory; as root it warns that
# the download is unsandboxed, which is harmless here.
(cd "$TMP/debs" && apt-get download "$KERNEL_PKG" "$BUSYBOX" 2>&1 | grep -v -i unsandboxed >&2 || true)
for deb in "$TMP"/debs/linux-image-*.deb; do
    [ -f "$deb" ] || die "apt-get download $KERNEL_PKG produced no package"
    dpkg -x "$deb" "$TMP/kernel"
done
for deb in "$TMP"/debs/busybox-static_*.deb; do
    [ -f "$deb" ] || die "apt-get download $BUSYBOX produced no package"
    dpkg -x "$deb" "$TMP/busybox"
done

# The kernel.
set -- "$TMP"/kernel/boot/vmlinuz-*
[ -f "$1" ] || die "$KERNEL_PKG holds no /boot/vmlinuz-*"
mkdir -p "$OUT"
cp "$1" "$OUT/bzImage.tmp"
echo "${1##*/vmlinuz-}" > "$OUT/kernel-release"

# The initramfs: busybox and the links to its applets.
R=$TMP/root
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/proc" "$R/sys" "$R/dev" \
         "$R/tmp" "$R/root" "$R/etc"
cp "$TMP/busybox/bin/busybox" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
[ -z "$BENCH" ] || { mkdir -p "$R/bench" && cp "$BENCH"/* "$R/bench/"; }
# The applet list comes from busybox itself when the host can run i386
# binaries (an amd64 Debian kernel can); otherwise /init installs the links
# at boot.
if applets=$("$R/bin/busybox" --list-full 2>/dev/null) && [ -n "$applets" ]; then
    for a in $applets; do
        [ -e "$R/$a" ] || [ -L "$R/$a" ] || ln -s /bin/busybox "$R/$a"
    done
fi

cat > "$R/init" <<'EOF'
#!/bin/sh
# /init of the bt86 reference guest (written by scripts/build-reference-guest.sh).
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
[ -e /bin/ls ] || /bin/busybox --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "bt86-guest: init reached"
if [ -n "${bt86_cmd:-}" ]; then
    cmd=$bt86_cmd
    unset bt86_cmd
    sh -c "$cmd"
    echo "bt86-guest: command exited with status $?"
else
    cd /root
    setsid cttyhack sh -l
fi
poweroff -f
EOF
chmod 755 "$R/init"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$OUT/initramfs.cpio.gz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
mv "$OUT/bzImage.tmp" "$OUT/bzImage"
say "$OUT/bzImage ($(cat "$OUT/kernel-release")) and $OUT/initramfs.cpio.gz are ready"
