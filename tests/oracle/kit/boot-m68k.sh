#!/bin/bash
# Boot the ColdFire nommu kernel (initramfs built in) under qemu mcf5208evb.
# The board cannot power off ("System halted instead"), so stop qemu (our own child, by PID)
# as soon as the probe prints its final marker, or after TMO seconds.
#
# nommu kit: a copy of the shared kit's boot-m68k.sh; differences: the kernel of
# $W/build-m68k-disk (DF probes, disk image inside) and the logs $W/boot-m68k-disk.*.
set -uo pipefail
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
RAW=$W/boot-m68k-disk.raw   # nommu kit: was boot-m68k.raw
rm -f "$RAW"
qemu-system-m68k -M mcf5208evb -cpu m5208 -m 32M -display none -no-reboot -monitor none \
  -serial file:"$RAW" -kernel "$W/build-m68k-disk/vmlinux" </dev/null &
QP=$!
for _ in $(seq 1 $(( ${TMO:-60} * 4 ))); do
  sleep 0.25
  grep -q '=== nommu_probe done ===' "$RAW" 2>/dev/null && { sleep 0.5; break; }
  kill -0 $QP 2>/dev/null || break
done
kill $QP 2>/dev/null; wait $QP 2>/dev/null
tr -d '\r' < "$RAW" > "$W/boot-m68k-disk.log"
cat "$W/boot-m68k-disk.log"
