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

/* a, b and c one after the other into dst of n bytes, cut to fit, always terminated
 * (messages built without snprintf) */
static inline void nm_strlcpy3(char *dst, size_t n, const char *a, const char *b, const char *c)
{
	size_t k = 0;
	const char *parts[3] = { a, b, c };
	if (!n)
		return;
	for (int i = 0; i < 3; i++)
		for (const char *s = parts[i]; s && *s && k + 1 < n; s++)
			dst[k++] = *s;
	dst[k] = 0;
}

#endif
