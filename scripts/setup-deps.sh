#!/bin/sh
# setup-deps.sh - install the Debian packages bt86 needs to build and test, if missing.
set -eu

PACKAGES="build-essential cmake pkg-config libzydis-dev libcapstone-dev uthash-dev check nasm gcc-multilib qemu-system-x86 seabios python3 cpio gnuplot-nox xxd"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "setup: installing$missing"
# An index that fails to download (e.g. for an architecture we do not use)
# must not stop us: only the install below decides.
apt-get update || echo "setup: apt-get update reported errors; trying the install anyway" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
