#!/bin/bash
# Build an m68k ColdFire (MCF5208EVB, qemu 'mcf5208evb') no-MMU kernel from Debian's linux-source-6.12.
# The initramfs is linked INTO the kernel (qemu's mcf5208evb loader has no -initrd support),
# so re-run this after the probe changes (incremental: ~1 min).
#
# nommu kit: a copy of the shared kit's build-kernel-m68k.sh; differences: its own build
# directory $W/build-m68k-disk and initramfs $W/probe-m68k-disk/initramfs.cpio (the
# shared kit's build-m68k keeps its own probe linked in), CONFIG_INITRAMFS_SOURCE set on
# every run (not only when the .config is first made), and devtmpfs, brd and ext2 for
# the DF probes (the first build takes a few minutes).
set -euo pipefail
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
SRC=$W/linux-source-6.12
OUT=$W/build-m68k-disk   # nommu kit: was $W/build-m68k
CPIO=${CPIO:-$W/probe-m68k-disk/initramfs.cpio}   # nommu kit: was $W/probe-m68k/...
mkdir -p "$OUT"
[ -d "$SRC" ] || tar -C "$W" -xf /usr/src/linux-source-6.12.tar.xz
M="make -C $SRC O=$OUT ARCH=m68k CROSS_COMPILE=m68k-linux-gnu-"
if [ ! -f "$OUT/.config" ]; then
  $M m5208evb_defconfig
  C="$SRC/scripts/config --file $OUT/.config"
  $C -e CONFIG_BOOTPARAM --set-str CONFIG_BOOTPARAM_STRING "console=ttyS0 rdinit=/init panic=-1"
  $C -e CONFIG_BLK_DEV_INITRD --set-str CONFIG_INITRAMFS_SOURCE "$CPIO"
  $C -e CONFIG_BINFMT_FLAT -e CONFIG_BINFMT_ELF_FDPIC
  $C -e CONFIG_PROC_FS -e CONFIG_SYSVIPC -e CONFIG_TMPFS -e CONFIG_PRINTK
  $C -d CONFIG_NET -d CONFIG_MTD
  $C -e CONFIG_DEVTMPFS -e CONFIG_BLOCK -e CONFIG_BLK_DEV -e CONFIG_BLK_DEV_RAM -e CONFIG_EXT2_FS   # nommu kit
  $M olddefconfig
fi
# nommu kit: the initramfs path is baked into the .config; keep it pointing at $CPIO
if ! grep -qx "CONFIG_INITRAMFS_SOURCE=\"$CPIO\"" $OUT/.config; then
  $SRC/scripts/config --file $OUT/.config --set-str CONFIG_INITRAMFS_SOURCE "$CPIO"
  $M olddefconfig
fi
for o in DEVTMPFS BLK_DEV_RAM EXT2_FS; do   # nommu kit
  grep -qx "CONFIG_$o=y" $OUT/.config || { echo "build-kernel-m68k.sh: CONFIG_$o is not set" >&2; exit 1; }
done
grep -E '^(# )?CONFIG_(MMU|BINFMT_ELF_FDPIC|BINFMT_FLAT|INITRAMFS_SOURCE|BOOTPARAM_STRING)\b' $OUT/.config || true
time $M -j"$(nproc)" vmlinux
ls -la $OUT/vmlinux
