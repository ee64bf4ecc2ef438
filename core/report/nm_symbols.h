/* nm_symbols.h - one stack frame of a violation, as far as it is known at capture time. */
#ifndef NM_SYMBOLS_H
#define NM_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>

/* Field sizes: names longer than these are cut (and the frame says so).  A mangled C++
 * name of a deep template passes 1 KiB only in rare cases; a module path passes it only
 * under unusually deep directories. */
#define NM_BUILD_ID_MAX 48
#define NM_FUNC_MAX 1024
#define NM_MODULE_MAX 1024

struct nm_frame {
	uintptr_t pc;     /* return address */
	uintptr_t base;   /* load bias of its module */
	uintptr_t offset; /* pc - base */
	uintptr_t function_off;
	char module[NM_MODULE_MAX];
	char function[NM_FUNC_MAX]; /* "" when unknown */
	char build_id[NM_BUILD_ID_MAX];
	bool module_cut, function_cut; /* longer than the field: cut */
};

void nm_frame_resolve(struct nm_frame *f, uintptr_t pc);
void nm_frame_name_from_symtab(struct nm_frame *f);

#endif
