/* nm_format.h - text for reports and logs (nm_format.c). */
#ifndef NM_FORMAT_H
#define NM_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include "nm_core.h"
#include "nm_symbols.h"

/*
 * A buffer being filled; p stays NUL-terminated.  A fixed buffer drops what does not
 * fit (and says so in `full`); one that `grows` is a mapping of cap bytes (host memory,
 * nm_os_table_alloc) that put() enlarges with mremap as the text needs.  With `json`
 * set, put() escapes what it writes for the inside of a JSON string.  A field (between
 * field_begin and field_end) may not pass its limit: it is cut there, never inside an
 * escape or a UTF-8 character, and field_end says whether it was.
 */
struct nm_buf {
	char *p;
	size_t len, cap;
	bool grows;
	bool full; /* something was dropped: no room, and no more memory to grow */
	bool json;
	bool cut;     /* the current field reached its limit */
	size_t limit; /* 0, or the length the current field may not pass */
};

void put(struct nm_buf *b, const char *s);
void put_n(struct nm_buf *b, const char *s, size_t n);
void field_begin(struct nm_buf *b, size_t max);
bool field_end(struct nm_buf *b);
void put_dec(struct nm_buf *b, long v);
void put_hex(struct nm_buf *b, uintptr_t v);
void put_size(struct nm_buf *b, uintptr_t v);             /* "12.5 MiB" */
void put_call(struct nm_buf *b, const struct nm_call *c); /* "mmap(NULL, 4096, PROT_READ, ...)" */
void put_json_str(struct nm_buf *b, const char *s);
/* a JSON string of at most max bytes (escapes included); true if s was cut */
bool put_json_field(struct nm_buf *b, const char *s, size_t max);
void put_json_hex(struct nm_buf *b, uintptr_t v);
void put_time(struct nm_buf *b);                            /* seconds since the epoch, ms */
#define NM_SHOWN_MAX 240                                    /* a name or path on stderr: cut past this, with "..." */
void put_frame(struct nm_buf *b, const struct nm_frame *f); /* "main+0x1c (/prog+0x1139)" */
const char *errno_name(long e);

#endif
