#!/bin/bash
# Rebuild the probe + initramfs, boot the nommu kernel N times, keep only probe lines.
# Usage: bash run-probe.sh [N]   -> $W/results/run-<i>.txt (T = probe result, K = kernel log line caused by that probe)
#
# nommu kit: a copy of the shared kit's run-probe.sh; differences: this directory's
# scripts, a fresh ext2 image for every boot (the probe writes to it), and the files
# $W/results/disk-run-<i>.txt / disk-boot-<i>.log (the shared kit's run-<i>.txt stay).
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
N=${1:-1}
bash "$D/build-probe.sh" > "$W/probe-build-disk.log" 2>&1 || { cat "$W/probe-build-disk.log"; exit 1; }
mkdir -p "$W/results"
for i in $(seq 1 "$N"); do
  start=$(date +%s.%N)
  [ "$i" = 1 ] || bash "$D/mkdisk.sh" "$W/probe-disk/disk.img" "${PAGESZ:-4096}" 4M > /dev/null
  TMO=60 bash "$D/boot.sh" > /dev/null 2>&1 || true
  cp "$W/boot-disk.log" "$W/results/disk-boot-$i.log"
  grep -E '^(T|K|I) |^=== ' "$W/boot-disk.log" | grep -v '^=== /proc' > "$W/results/disk-run-$i.txt" || true
  printf 'run %d: %d probe lines, %.1fs wall\n' "$i" "$(grep -c '^T ' "$W/results/disk-run-$i.txt")" "$(echo "$(date +%s.%N) - $start" | bc)"
done
