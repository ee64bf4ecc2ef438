/*
 * nm_suppress.c - suppression files: known, accepted violations that are not reported.
 *
 *   {
 *      name-of-this-entry
 *      rule: mmap-fixed        rule id; * and ? wildcards
 *      fun: parse_config       one frame, by function name (innermost first)
 *      obj: * /libfoo.so*      one frame, by module path
 *      ...                     any number of frames, including none
 *   }
 *
 * An entry matches when its rule matches and its frame lines match the innermost frames
 * in order; frames past the last line are not checked.  '#' starts a comment.  Parsed
 * once at start into fixed tables (the preload cannot malloc that early).
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_suppress.h"
#include <string.h>

#define MAX_ENTRIES 256
#define MAX_LINES 24
#define POOL 65536

enum line_kind { FUN, OBJ, ANY };
struct entry {
	const char *name, *rule;
	uint8_t nlines;
	uint8_t kind[MAX_LINES];
	const char *pattern[MAX_LINES];
};

static struct entry entries[MAX_ENTRIES];
static int nentries;
static char pool[POOL];
static size_t pool_used;

/* glob with * and ? */
bool nm_glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static const char *keep(const char *s, size_t n)
{
	if (pool_used + n + 1 > POOL)
		return NULL;
	char *d = pool + pool_used;
	memcpy(d, s, n);
	d[n] = 0;
	pool_used += n + 1;
	return d;
}

/* trim spaces and a trailing comment */
static void trim(const char **s, size_t *n)
{
	const char *hash = memchr(*s, '#', *n);
	if (hash)
		*n = (size_t)(hash - *s);
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

int nm_suppressions_load(const char *path, char *err, size_t errlen)
{
	static char text[POOL];
	long fd = nm_os_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0), n, got = 0;
	if (fd < 0) {
		nm_strlcpy3(err, errlen, "cannot read suppressions file ", path, "");
		return -1;
	}
	while (got < (long)sizeof(text) - 1 && (n = nm_os_read((int)fd, text + got, sizeof(text) - 1 - (size_t)got)) > 0)
		got += n;
	nm_os_close((int)fd);
	text[got] = 0;

	struct entry *cur = NULL;
	int lineno = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = p;
		p = eol ? eol + 1 : p + len;
		lineno++;
		trim(&s, &len);
		if (!len)
			continue;
		if (!cur) {
			if (len != 1 || *s != '{' || nentries == MAX_ENTRIES)
				goto bad;
			cur = &entries[nentries];
			memset(cur, 0, sizeof(*cur));
			continue;
		}
		if (len == 1 && *s == '}') {
			if (!cur->rule)
				goto bad;
			nentries++;
			cur = NULL;
			continue;
		}
		if (!cur->name) {
			cur->name = keep(s, len);
			continue;
		}
		if (len > 5 && memcmp(s, "rule:", 5) == 0) {
			s += 5, len -= 5;
			trim(&s, &len);
			cur->rule = keep(s, len);
			continue;
		}
		if (!cur->rule || cur->nlines == MAX_LINES)
			goto bad;
		if (len == 3 && memcmp(s, "...", 3) == 0) {
			cur->kind[cur->nlines] = ANY;
			cur->pattern[cur->nlines++] = "";
		} else if (len > 4 && (memcmp(s, "fun:", 4) == 0 || memcmp(s, "obj:", 4) == 0)) {
			cur->kind[cur->nlines] = s[0] == 'f' ? FUN : OBJ;
			s += 4, len -= 4;
			trim(&s, &len);
			cur->pattern[cur->nlines++] = keep(s, len);
		} else {
			goto bad;
		}
	}
	if (cur)
		goto bad;
	return 0;
bad:;
	char num[16];
	int k = 0, v = lineno;
	char rev[16];
	do
		rev[k++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (int i = 0; i < k; i++)
		num[i] = rev[k - 1 - i];
	num[k] = 0;
	nm_strlcpy3(err, errlen, path, ": bad suppression entry at line ", num);
	return -1;
}

/* does entry e's frame list match frames[i..] from line l on? */
static bool frames_match(const struct entry *e, int l, const struct nm_frame *frames, int nframes, int i)
{
	for (; l < e->nlines; l++) {
		if (e->kind[l] == ANY) {
			for (int j = i; j <= nframes; j++)
				if (frames_match(e, l + 1, frames, nframes, j))
					return true;
			return false;
		}
		if (i >= nframes)
			return false;
		const char *subject = e->kind[l] == FUN ? frames[i].function : frames[i].module;
		if (!nm_glob_match(e->pattern[l], subject))
			return false;
		i++;
	}
	return true;
}

const char *nm_suppression_match(const char *rule, const struct nm_frame *frames, int nframes)
{
	for (int i = 0; i < nentries; i++)
		if (nm_glob_match(entries[i].rule, rule) && frames_match(&entries[i], 0, frames, nframes, 0))
			return entries[i].name;
	return NULL;
}

int nm_suppressions_count(void)
{
	return nentries;
}
