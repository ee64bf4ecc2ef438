/*
 * nm_text.h - the few text helpers every part needs, without libc's formatting (no
 * stdio, no malloc: these run inside interposed calls and before libc is ready).
 */
#ifndef NM_TEXT_H
#define NM_TEXT_H

#include <stddef.h>

/* v in decimal at out, most significant digit first, no terminator (at most 20
 * characters); returns how many were written. */
static inline size_t nm_utoa(char *out, unsigned long v)
{
	char rev[20];
	size_t n = 0, k = 0;
	do
		rev[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		out[k++] = rev[--n];
	return k;
}

#endif
