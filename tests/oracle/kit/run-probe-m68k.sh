#!/bin/bash
# Rebuild probe + initramfs for ColdFire, relink the kernel (initramfs is built in), boot N times.
#
# nommu kit: a copy of the shared kit's run-probe-m68k.sh; differences: this directory's
# scripts and the files $W/results/m68k-disk-run-<i>.txt / m68k-disk-boot-<i>.log.
# The disk image is inside the kernel and copied to a ramdisk at boot: every boot starts
# from the same image.
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
N=${1:-1}
bash "$D/build-probe-m68k.sh" > "$W/probe-build-m68k-disk.log" 2>&1 || { cat "$W/probe-build-m68k-disk.log"; exit 1; }
bash "$D/build-kernel-m68k.sh" > "$W/build-m68k-disk-relink.log" 2>&1 || { tail -20 "$W/build-m68k-disk-relink.log"; exit 1; }
mkdir -p "$W/results"
for i in $(seq 1 "$N"); do
  start=$(date +%s.%N)
  bash "$D/boot-m68k.sh" > /dev/null 2>&1 || true
  cp "$W/boot-m68k-disk.log" "$W/results/m68k-disk-boot-$i.log"
  grep -E '^(T|K|I) |^=== ' "$W/boot-m68k-disk.log" | grep -v '^=== /proc' > "$W/results/m68k-disk-run-$i.txt" || true
  printf 'm68k run %d: %d probe lines, %.1fs wall\n' "$i" "$(grep -c '^T ' "$W/results/m68k-disk-run-$i.txt")" "$(echo "$(date +%s.%N) - $start" | bc)"
done
