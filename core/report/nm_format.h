/* nm_format.h - text for reports and logs (nm_format.c). */
#ifndef NM_FORMAT_H
#define NM_FORMAT_H

#include <stdint.h>
#include "nm_core.h"
#include "nm_symbols.h"

/* A fixed buffer being filled; writes past cap are dropped, p stays NUL-terminated. */
struct nm_buf {
	char *p;
	size_t len, cap;
};

void put(struct nm_buf *b, const char *s);
void put_dec(struct nm_buf *b, long v);
void put_hex(struct nm_buf *b, uintptr_t v);
void put_size(struct nm_buf *b, uintptr_t v);        /* "12.5 MiB" */
void put_call(struct nm_buf *b, const struct nm_call *c); /* "mmap(NULL, 4096, PROT_READ, ...)" */
void put_json_str(struct nm_buf *b, const char *s);
void put_json_hex(struct nm_buf *b, uintptr_t v);
void put_time(struct nm_buf *b);                     /* seconds since the epoch, ms */
void put_frame(struct nm_buf *b, const struct nm_frame *f); /* "main+0x1c (/prog+0x1139)" */
const char *errno_name(long e);

#endif
