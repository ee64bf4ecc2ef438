#!/bin/bash
# Build a RISC-V 64 no-MMU Linux kernel (M-mode, qemu 'virt') from Debian's linux-source-6.12.
# Usage: bash build-kernel.sh   (as root; about 2 min on 2 cores)
#
# nommu kit: a copy of the shared kit's build-kernel.sh, same build directory
# ($W/build-rv64). Difference: the block layer, virtio-mmio, virtio-blk and ext2 are
# requested explicitly and checked. Debian 6.12's nommu_virt_defconfig already sets all
# of them (it was meant to boot root=/dev/vda), so the .config -- and the kernel -- are
# the same as the shared kit's: only qemu's -drive was missing for disk probes.
set -euo pipefail
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
SRC=$W/linux-source-6.12
OUT=$W/build-rv64
mkdir -p "$W" "$OUT"
if [ ! -d "$SRC" ]; then
  tar -C "$W" -xf /usr/src/linux-source-6.12.tar.xz
fi
M="make -C $SRC O=$OUT ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-"
$M nommu_virt_defconfig
C="$SRC/scripts/config --file $OUT/.config"
# initrd comes from qemu -initrd (no rebuild needed when the test program changes)
$C --set-str CONFIG_CMDLINE "console=ttyS0 earlycon=uart8250,mmio,0x10000000,115200n8 rdinit=/init panic=-1"
$C -e CONFIG_CMDLINE_FORCE
$C -e CONFIG_BLK_DEV_INITRD
$C --set-val CONFIG_PANIC_TIMEOUT -1
$C -d CONFIG_SMP            # single hart; simpler/faster
$C -e CONFIG_BINFMT_FLAT    # bFLT
$C -e CONFIG_BINFMT_ELF_FDPIC   # on nommu also loads plain static-PIE (ET_DYN) ELF, constant displacement
$C -e CONFIG_PROC_FS
$C -e CONFIG_DEVTMPFS -e CONFIG_DEVTMPFS_MOUNT
$C -e CONFIG_PRINTK
$C -e CONFIG_SYSVIPC         # shmget/shmat on nommu (optional)
$C -e CONFIG_POSIX_MQUEUE
$C -e CONFIG_MEMFD_CREATE || true
# nommu kit: a disk for the DF probes (/dev/vda on the virt machine's virtio-mmio)
$C -e CONFIG_BLOCK -e CONFIG_BLK_DEV -e CONFIG_VIRTIO_MENU -e CONFIG_VIRTIO_MMIO -e CONFIG_VIRTIO_BLK -e CONFIG_EXT2_FS
$M olddefconfig
for o in BLOCK BLK_DEV VIRTIO_MMIO VIRTIO_BLK EXT2_FS DEVTMPFS; do   # nommu kit
  grep -qx "CONFIG_$o=y" $OUT/.config || { echo "build-kernel.sh: CONFIG_$o is not set" >&2; exit 1; }
done
grep -E '^(CONFIG_MMU|# CONFIG_MMU|CONFIG_BINFMT|CONFIG_RISCV_M_MODE|CONFIG_CMDLINE=|CONFIG_SMP|# CONFIG_SMP)' $OUT/.config || true
grep -E 'CONFIG_MMU' $OUT/.config
time $M -j"$(nproc)" Image vmlinux
ls -la $OUT/arch/riscv/boot/Image $OUT/vmlinux
