#!/bin/bash
# Boot the nommu kernel under qemu (M-mode, no firmware) with the probe as /init.
# Output goes to stdout (and $W/boot-disk.log). The probe powers the machine off when done.
#
# nommu kit: a copy of the shared kit's boot.sh; differences: the probe/initramfs of
# $W/probe-disk, the ext2 image attached as a virtio-blk device (the virt machine's
# virtio-mmio slots; the guest sees /dev/vda), and the log in $W/boot-disk.log.
set -uo pipefail
W=${W:-${TMPDIR:-/tmp}/nommu-oracle}
KERNEL=${KERNEL:-$W/build-rv64/arch/riscv/boot/Image}
INITRD=${INITRD:-$W/probe-disk/initramfs.cpio}
DISK=${DISK:-$W/probe-disk/disk.img}
timeout ${TMO:-120} qemu-system-riscv64 -M virt -cpu rv64 -smp 1 -m 128M -bios none \
  -kernel "$KERNEL" -initrd "$INITRD" -nographic -no-reboot -monitor none -serial stdio \
  -drive file="$DISK",if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0 \
  </dev/null 2>&1 | tr -d '\r' | tee "$W/boot-disk.log"
echo "qemu exit (pipe status): ${PIPESTATUS[0]}"
