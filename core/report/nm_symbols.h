/* nm_symbols.h - one stack frame of a violation, as far as it is known at capture time. */
#ifndef NM_SYMBOLS_H
#define NM_SYMBOLS_H

#include <stdint.h>

#define NM_BUILD_ID_MAX 48
#define NM_FUNC_MAX 128

struct nm_frame {
	uintptr_t pc;                 /* return address */
	uintptr_t base;               /* load bias of its module */
	uintptr_t offset;             /* pc - base */
	uintptr_t function_off;
	char module[256];
	char function[NM_FUNC_MAX];   /* "" when unknown */
	char build_id[NM_BUILD_ID_MAX];
};

void nm_frame_resolve(struct nm_frame *f, uintptr_t pc);
void nm_frame_name_from_symtab(struct nm_frame *f);

#endif
