#!/bin/bash
# nommu kit: make the ext2 image the DF probes mount.
# usage: mkdisk.sh IMAGE PAGESIZE SIZE   e.g. mkdisk.sh disk.img 4096 4M
# /data.bin = 3 pages of the test pattern, seed 44 (byte i = (44 + 7*i + (i>>12)) & 255,
# as mkcpio.py's pattern: and nommu_probe.c's pat()). No root, no loop mount: mke2fs -d
# (Debian e2fsprogs) copies a directory into the new filesystem.
set -euo pipefail
IMG=$1 PAGESZ=$2 SIZE=$3
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
T=$(mktemp -d)
trap 'rm -rf -- "$T"' EXIT
python3 -c '
import sys
n, seed = int(sys.argv[2]), 44
open(sys.argv[1], "wb").write(bytes(((seed + 7 * i + (i >> 12)) & 255) for i in range(n)))
' "$T/data.bin" $((3 * PAGESZ))
chmod 0644 "$T/data.bin"
rm -f "$IMG"
"$MKE2FS" -q -F -t ext2 -L nommu-df -d "$T" "$IMG" "$SIZE"
ls -la "$IMG"
