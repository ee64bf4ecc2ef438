#!/bin/bash
# Build the freestanding probe as a static-PIE riscv64 ELF with no dynamic relocations,
# then pack it as /init into an initramfs cpio (with /dev/console and /data.bin).
#
# nommu kit: a copy of the shared kit's build-probe.sh; differences (all marked below):
#   - builds this directory's nommu_probe.c (with the DF disk section) into $W/probe-disk,
#     so the shared kit's $W/probe is left alone;
#   - also makes $W/probe-disk/disk.img, a 4 MiB ext2 image (mke2fs -d, no root mount)
#     holding /data.bin = 3 pages of pattern seed 44 (same formula as mkcpio.py).
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
O=$W/probe-disk   # nommu kit: was $W/probe
mkdir -p "$O"
CC=riscv64-linux-gnu-gcc
$CC -Os -ffreestanding -fno-builtin -nostdlib -nostartfiles -fPIE -static-pie \
    -fno-jump-tables -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
    -march=rv64imac -mabi=lp64 -mcmodel=medany -Wall -Wno-unused-function \
    -Wl,--no-dynamic-linker -Wl,-z,noexecstack -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
    -o "$O/nommu_probe.elf" "$D/nommu_probe.c"
riscv64-linux-gnu-readelf -h "$O/nommu_probe.elf" | grep -E 'Type|Entry'
riscv64-linux-gnu-readelf -lW "$O/nommu_probe.elf" | grep -E 'LOAD|INTERP|DYNAMIC|GNU_STACK'
echo "dynamic relocations:"; riscv64-linux-gnu-readelf -rW "$O/nommu_probe.elf"
if riscv64-linux-gnu-readelf -rW "$O/nommu_probe.elf" | grep -q 'R_RISCV'; then
  echo "ERROR: binary needs relocations (no self-relocator in this probe)"; exit 1; fi
python3 "$D/mkcpio.py" "$O/initramfs.cpio" \
    file:/init:"$O/nommu_probe.elf":0755 \
    dir:/dev:0755 nod:/dev/console:0600:c:5:1 \
    dir:/proc:0755 dir:/mnt:0755 dir:/mnt2:0755 \
    pattern:/data.bin:$((3 * ${PAGESZ:-4096})):33:0644
# nommu kit: the ext2 disk image (fresh each run: the probe writes to it)
bash "$D/mkdisk.sh" "$O/disk.img" "${PAGESZ:-4096}" 4M
ls -la "$O"
