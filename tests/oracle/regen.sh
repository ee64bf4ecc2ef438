#!/bin/bash
# Regenerate the oracle: build real Linux 6.12 no-MMU kernels from Debian packages, boot
# them under qemu with the freestanding probe as /init, and copy the recorded answers
# into tests/conformance/oracle/ (same file names, nothing masked).
#
# Then the same with the project's own kit (tests/oracle/kit/: the shared kit's probe plus
# the DF section, with an ext2 image as a disk) for the *-nommu-disk.txt recordings.
#
# usage: bash tests/oracle/regen.sh [--m68k] [--no-disk] [--no-install] [--dest DIR]
#   --m68k        also build and run the ColdFire (MCF5208, 8 KiB pages) kernel
#   --no-disk     skip the disk runs (tests/oracle/kit/, results-*-nommu-disk.txt)
#   --no-install  do not apt-get install anything (just check the tools are there)
#   --dest DIR    write the results to DIR instead of tests/conformance/oracle/
#                 (to look at a fresh recording without replacing the stored one)
# environment:
#   NOMMU_ORACLE_KIT  the kit (default: <repo>/../shared/oracle)
#   W                 work directory for sources/builds (default ${TMPDIR:-/tmp}/nommu-oracle)
#
# Takes minutes (kernel builds), needs ~2 GiB in $W. Not part of the test run.
set -euo pipefail

M68K=0
DISK=1
INSTALL=1
DEST=
while [ $# -gt 0 ]; do
  case $1 in
    --m68k) M68K=1 ;;
    --no-disk) DISK=0 ;;
    --no-install) INSTALL=0 ;;
    --dest) [ $# -ge 2 ] || { echo "regen.sh: --dest needs a directory" >&2; exit 2; }; DEST=$2; shift ;;
    --dest=*) DEST=${1#--dest=} ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "regen.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../.." && pwd))
KIT=${NOMMU_ORACLE_KIT:-$REPO/../shared/oracle}
KIT=$(cd "$KIT" 2>/dev/null && pwd) || { echo "regen.sh: no oracle kit at $KIT (set NOMMU_ORACLE_KIT)" >&2; exit 2; }
DEST=${DEST:-$REPO/tests/conformance/oracle}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
export W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
mkdir -p "$W"
for f in build-kernel.sh run-probe.sh build-probe.sh boot.sh mkcpio.py nommu_probe.c README.md; do
  [ -f "$KIT/$f" ] || { echo "regen.sh: $KIT/$f is missing" >&2; exit 2; }
done
DKIT=$HERE/kit   # the project's kit with the disk probes
if [ "$DISK" = 1 ]; then
  for f in build-kernel.sh run-probe.sh build-probe.sh boot.sh mkcpio.py mkdisk.sh nommu_probe.c \
           build-kernel-m68k.sh run-probe-m68k.sh build-probe-m68k.sh boot-m68k.sh; do
    [ -f "$DKIT/$f" ] || { echo "regen.sh: $DKIT/$f is missing" >&2; exit 2; }
  done
fi
echo "regen.sh: kit $KIT, work dir $W, results to $DEST"

# ---- packages: the list in the kit's README ("apt-get install ..." block)
PKGS=$(awk '/apt-get install/ {on=1} on {print; if ($0 !~ /\\$/) exit}' "$KIT/README.md" |
       tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
       grep -vxE 'apt-get|install|sh' || true)
if [ -z "$PKGS" ]; then # README changed shape: the list as of the 6.12.117 recording
  PKGS="linux-source-6.12 qemu-system-misc gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu
        gcc-m68k-linux-gnu binutils-m68k-linux-gnu build-essential flex bison bc cpio
        libelf-dev libssl-dev xz-utils python3"
fi
PKGS=$(echo $PKGS)
[ "$DISK" = 1 ] && PKGS="$PKGS e2fsprogs"   # mke2fs -d for the disk image
missing=$(for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done | xargs)
if [ -n "$missing" ]; then
  CMD="apt-get install -y --no-install-recommends $missing"
  if [ "$INSTALL" = 1 ] && [ "$(id -u)" = 0 ]; then
    echo "regen.sh: installing: $missing"
    apt-get update
    DEBIAN_FRONTEND=noninteractive $CMD
  else
    echo "regen.sh: missing packages; as root run:"
    echo "  apt-get update && $CMD"
    exit 1
  fi
fi
[ -f /usr/src/linux-source-6.12.tar.xz ] || { echo "regen.sh: /usr/src/linux-source-6.12.tar.xz not found" >&2; exit 1; }

# ---- a recording is usable only if the probe ran to its end
check_run() { # file [min-DF-lines]
  local n d
  n=$(grep -c '^T ' "$1" || true)
  if ! grep -qx '=== nommu_probe done ===' "$1" || [ "$n" -lt 200 ]; then
    echo "regen.sh: $1 looks incomplete ($n probe lines, final marker missing?)" >&2
    return 1
  fi
  d=$(grep -c '^T DF' "$1" || true)
  if [ "$d" -lt "${2:-0}" ] || grep -q '^T DF02 .* err=E' "$1"; then
    echo "regen.sh: $1: the disk probes did not run ($d DF lines; DF02 is the mount)" >&2
    return 1
  fi
  echo "regen.sh: $1: $n probe lines"
}

# kernel release of a build tree, e.g. 6.12.117
release_of() { cat "$1/include/config/kernel.release" 2>/dev/null || echo unknown; }

# copy one recording, showing what changed against the one in the repository
install_result() { # new-file dest-name
  local dest=$DEST/$2
  local stored=$REPO/tests/conformance/oracle/$2
  if [ -f "$stored" ]; then
    echo "regen.sh: changes against the stored $2 (addresses not compared):"
    python3 "$REPO/tests/conformance/compare.py" "$stored" "$1" | sed 's/^/  /' || true
  fi
  cp "$1" "$dest"
  echo "regen.sh: wrote $dest"
}

# ---- RISC-V 64 nommu_virt
bash "$KIT/build-kernel.sh"
bash "$KIT/run-probe.sh" 1
check_run "$W/results/run-1.txt"
REL=$(release_of "$W/build-rv64")
[ "$REL" = 6.12.117 ] || echo "regen.sh: NOTE: kernel is $REL, the file names say 6.12.117"
install_result "$W/results/run-1.txt" results-riscv64-linux-6.12.117-nommu.txt
# the /proc/self/maps dump the probe prints before its final line
awk '/^=== \/proc\/self\/maps ===/ {on=1} on {print} on && /^=== nommu_probe done ===/ {exit}' \
  "$W/results/boot-1.log" > "$W/results/maps-1.txt"
if [ -s "$W/results/maps-1.txt" ]; then
  cp "$W/results/maps-1.txt" "$DEST/results-riscv64-proc-self-maps-at-end.txt"
  echo "regen.sh: wrote $DEST/results-riscv64-proc-self-maps-at-end.txt"
fi

# ---- RISC-V 64 with a disk: the project's kit (same kernel config; ext2 image on virtio-blk)
if [ "$DISK" = 1 ]; then
  bash "$DKIT/build-kernel.sh"
  bash "$DKIT/run-probe.sh" 1
  check_run "$W/results/disk-run-1.txt" 23
  install_result "$W/results/disk-run-1.txt" results-riscv64-linux-6.12.117-nommu-disk.txt
fi

# ---- m68k ColdFire MCF5208 (optional)
if [ "$M68K" = 1 ]; then
  bash "$KIT/build-probe-m68k.sh"
  bash "$KIT/build-kernel-m68k.sh"
  bash "$KIT/run-probe-m68k.sh" 1
  check_run "$W/results/m68k-run-1.txt"
  REL=$(release_of "$W/build-m68k")
  [ "$REL" = 6.12.117 ] || echo "regen.sh: NOTE: kernel is $REL, the file names say 6.12.117"
  install_result "$W/results/m68k-run-1.txt" results-m68k-coldfire-linux-6.12.117-nommu.txt
  if [ "$DISK" = 1 ]; then
    # its own kernel build ($W/build-m68k-disk: devtmpfs, brd; the image is in the initramfs)
    bash "$DKIT/run-probe-m68k.sh" 1
    check_run "$W/results/m68k-disk-run-1.txt" 23
    install_result "$W/results/m68k-disk-run-1.txt" results-m68k-coldfire-linux-6.12.117-nommu-disk.txt
  fi
fi
echo "regen.sh: done; review with: git diff -- tests/conformance/oracle/ (if written there)"
