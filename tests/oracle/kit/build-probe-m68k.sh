#!/bin/bash
# Build the probe for ColdFire (MCF5208) as a PC-relative (-mpcrel) ET_DYN ELF with no relocations
# (loaded by binfmt_elf_fdpic at a constant displacement) and pack the initramfs cpio.
#
# nommu kit: a copy of the shared kit's build-probe-m68k.sh; differences: this directory's
# nommu_probe.c (DF disk section), output in $W/probe-m68k-disk, and /disk.img in the
# initramfs: the MCF5208EVB board has no virtio, so the probe copies this 1 MiB ext2
# image into the brd ramdisk /dev/ram0 (a real block device) and mounts that.
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
O=$W/probe-m68k-disk   # nommu kit: was $W/probe-m68k
mkdir -p "$O"
# -O1: gcc 12 ICEs on this file with -mpcrel at -Os/-O2 for ColdFire
m68k-linux-gnu-gcc -mcpu=5208 -O1 -mpcrel -ffreestanding -fno-builtin -nostdlib -fno-jump-tables \
  -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables -Wall -Wno-unused-function \
  -c -o "$O/nommu_probe.o" "$D/nommu_probe.c"
m68k-linux-gnu-gcc -nostdlib -pie -Wl,--no-dynamic-linker -Wl,-z,noexecstack -Wl,--build-id=none \
  -Wl,-z,max-page-size=4096 -o "$O/nommu_probe.elf" "$O/nommu_probe.o"
m68k-linux-gnu-readelf -h "$O/nommu_probe.elf" | grep -E 'Type|Entry'
bash "$D/mkdisk.sh" "$O/disk.img" 8192 1M   # nommu kit
if m68k-linux-gnu-readelf -rW "$O/nommu_probe.elf" | grep -q 'R_68K'; then
  echo "ERROR: binary needs relocations"; exit 1; fi
python3 "$D/mkcpio.py" "$O/initramfs.cpio" \
    file:/init:"$O/nommu_probe.elf":0755 \
    dir:/dev:0755 nod:/dev/console:0600:c:5:1 \
    dir:/proc:0755 dir:/mnt:0755 dir:/mnt2:0755 \
    pattern:/data.bin:$((3 * 8192)):33:0644 \
    file:/disk.img:"$O/disk.img":0644   # ColdFire nommu uses 8 KiB pages; nommu kit: disk.img
