/*
 * nm_profiles.c - device profiles: the kernel configurations the oracle was run on.
 * Both are Linux 6.12 with the default MAX_PAGE_ORDER of 10.
 */
#include "nm_policy.h"
#include <errno.h>
#include <string.h>

const struct nm_profile nm_profiles[] = {
	{ "riscv64-6.12", "RISC-V 64 nommu_virt_defconfig, 4 KiB pages, memfd_create EFBIG, fork ENOSYS (libc stub)",
	  4096, 10, EFBIG, ENOSYS },
	{ "coldfire-6.12",
	  "m68k ColdFire m5208evb_defconfig, 8 KiB pages, memfd_create ENOSYS, fork EINVAL (the fork syscall)", 8192,
	  10, ENOSYS, EINVAL },
	{ NULL, NULL, 0, 0, 0, 0 },
};

const struct nm_profile *nm_profile_find(const char *name)
{
	for (const struct nm_profile *p = nm_profiles; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}
