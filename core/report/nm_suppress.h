/* nm_suppress.h - suppression files (see nm_suppress.c for the format). */
#ifndef NM_SUPPRESS_H
#define NM_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include "nm_symbols.h"

int nm_suppressions_load(const char *path, char *err, size_t errlen);
/* The matching entry's name, or NULL.  frames[i].function holds the bare function name. */
const char *nm_suppression_match(const char *rule, const struct nm_frame *frames, int nframes);
int nm_suppressions_count(void);
bool nm_glob_match(const char *pat, const char *s);

#endif
