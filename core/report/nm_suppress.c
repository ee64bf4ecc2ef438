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
 * in order; frames past the last line are not checked.  '#' starts a comment.
 *
 * The file is parsed once at start, in the preload, before libc is ready: no malloc.  It
 * is read whole into host memory (nm_os_table_alloc, grown with mremap), of any size; its
 * lines are cut in place, and the tables of entries and frame lines are sized from its
 * line count.  Anything malformed refuses the whole file, naming the line: a suppression
 * silently half-read would let violations through the CI gate, or hide too many.
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_suppress.h"
#include "nm_text.h"
#include <errno.h>
#include <string.h>

enum line_kind {
	FUN,
	OBJ,
	ANY
};

struct frame_line {
	enum line_kind kind;
	const char *pattern; /* "" for ANY */
};

struct entry {
	const char *name, *rule;
	size_t first, nlines; /* its frame lines: lines[first .. first + nlines) */
};

static struct entry *entries;
static size_t nentries;
static struct frame_line *lines;

/* glob with * and ? (one backtrack point: at most len(pat) * len(s) steps) */
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

/* "PATH:LINE: bad suppression entry: REASON" (LINE 0: no line) */
static int refuse(char *err, size_t errlen, const char *path, size_t lineno, const char *what, const char *reason)
{
	char num[24], rev[24];
	int k = 0;
	num[0] = 0;
	if (lineno) {
		num[0] = ':';
		do
			rev[k++] = (char)('0' + lineno % 10);
		while ((lineno /= 10));
		for (int i = 0; i < k; i++)
			num[1 + i] = rev[k - 1 - i];
		num[1 + k] = 0;
	}
	nm_strlcpy3(err, errlen, path, num, ": ");
	size_t used = strlen(err);
	if (used < errlen)
		nm_strlcpy3(err + used, errlen - used, what, ": ", reason);
	return -1;
}

/* The whole file, NUL-terminated, in host memory; NULL with *error set (an errno). */
static char *read_whole(int fd, size_t hint, size_t *len, size_t *cap, int *error)
{
	size_t size = hint + 4096, got = 0;
	char *buf = nm_os_table_alloc(size);
	if (!buf) {
		*error = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (got == size - 1) { /* the file grew since fstat */
			long moved = nm_os_mremap((uintptr_t)buf, size, size * 2, MREMAP_MAYMOVE, 0);
			if (moved < 0) {
				nm_os_munmap((uintptr_t)buf, size);
				*error = ENOMEM;
				return NULL;
			}
			buf = (char *)moved;
			size *= 2;
		}
		long n = nm_os_read(fd, buf + got, size - 1 - got);
		if (n == -EINTR)
			continue;
		if (n < 0) {
			nm_os_munmap((uintptr_t)buf, size);
			*error = (int)-n;
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	*len = got;
	*cap = size;
	return buf;
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

static bool starts(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	return n >= w && memcmp(s, word, w) == 0;
}

/* Parse text (cut in place) into the tables; 0, or -1 with err set. */
static int parse(char *text, size_t len, const char *path, char *err, size_t errlen)
{
	struct entry *cur = NULL;
	size_t lineno = 0, open_line = 0;
	static const char bad[] = "bad suppression entry";

	for (char *p = text; p < text + len;) {
		char *eol = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(text + len - p);
		const char *s = p;
		p = eol ? eol + 1 : text + len;
		lineno++;
		trim(&s, &n);
		if (!n)
			continue;
		((char *)s)[n] = 0; /* the line ends here: its words are used in place */

		if (!cur) {
			if (n != 1 || *s != '{')
				return refuse(err, errlen, path, lineno, bad,
					      "'{' expected (an entry starts with '{' alone on its line)");
			cur = &entries[nentries];
			memset(cur, 0, sizeof(*cur));
			cur->first = nentries ? entries[nentries - 1].first + entries[nentries - 1].nlines : 0;
			open_line = lineno;
			continue;
		}
		if (n == 1 && *s == '}') {
			if (!cur->name)
				return refuse(err, errlen, path, lineno, bad, "the entry has no name");
			if (!cur->rule)
				return refuse(err, errlen, path, lineno, bad, "the entry has no 'rule:' line");
			nentries++;
			cur = NULL;
			continue;
		}
		if (n == 1 && *s == '{')
			return refuse(err, errlen, path, lineno, bad, "'{' inside an entry (a '}' missing before it?)");
		bool is_rule = starts(s, n, "rule:"), is_frame = starts(s, n, "fun:") || starts(s, n, "obj:");
		bool is_any = n == 3 && memcmp(s, "...", 3) == 0;
		if (!cur->name) {
			if (is_rule || is_frame || is_any)
				return refuse(err, errlen, path, lineno, bad,
					      "the entry has no name (its first line is its name)");
			cur->name = s;
			continue;
		}
		if (is_rule) {
			if (cur->rule)
				return refuse(err, errlen, path, lineno, bad, "a second 'rule:' line");
			s += 5, n -= 5;
			trim(&s, &n);
			if (!n)
				return refuse(err, errlen, path, lineno, bad, "'rule:' without a pattern");
			cur->rule = s;
			continue;
		}
		if (!is_frame && !is_any)
			return refuse(err, errlen, path, lineno, bad, "'rule:', 'fun:', 'obj:', '...' or '}' expected");
		if (!cur->rule)
			return refuse(err, errlen, path, lineno, bad, "a frame line before the 'rule:' line");
		struct frame_line *l = &lines[cur->first + cur->nlines++];
		if (is_any) {
			l->kind = ANY;
			l->pattern = "";
			continue;
		}
		l->kind = s[0] == 'f' ? FUN : OBJ;
		s += 4, n -= 4;
		trim(&s, &n);
		if (!n)
			return refuse(err, errlen, path, lineno, bad, "a frame line without a pattern");
		l->pattern = s;
	}
	if (cur)
		return refuse(err, errlen, path, open_line, bad, "the entry is not closed (no '}' after its '{')");
	return 0;
}

int nm_suppressions_load(const char *path, char *err, size_t errlen)
{
	static const char cannot[] = "cannot read suppressions file ";
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below) */
	long fd = nm_os_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0) {
		nm_strlcpy3(err, errlen, cannot, path, "");
		return -1;
	}
	long r = nm_os_fstat((int)fd, &st);
	if (r < 0 || !S_ISREG(st.st_mode)) {
		/* a directory, a FIFO (which only the first process could read)... */
		nm_os_close((int)fd);
		nm_strlcpy3(err, errlen, cannot, path,
			    r < 0                         ? ""
				    : S_ISDIR(st.st_mode) ? ": it is a directory"
							  : ": not a regular file");
		return -1;
	}
	size_t len = 0, cap = 0;
	int error = 0;
	char *text = read_whole((int)fd, (size_t)st.st_size, &len, &cap, &error);
	nm_os_close((int)fd);
	if (!text) {
		nm_strlcpy3(err, errlen, cannot, path,
			    error == ENOMEM ? ": too large to hold in memory" : ": read error");
		return -1;
	}

	/* sizes: every entry takes at least four lines, every frame line one */
	size_t nlines = 1;
	for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + len - p))); p++)
		nlines++;
	const char *nul = memchr(text, 0, len);
	if (nul) {
		size_t at = 1;
		for (const char *p = text; p < nul; p++)
			at += *p == '\n';
		refuse(err, errlen, path, at, "bad suppression file", "a NUL byte (not a text file?)");
		nm_os_munmap((uintptr_t)text, cap);
		return -1;
	}
	size_t entries_len = sizeof(struct entry) * (nlines / 4 + 1);
	size_t lines_len = sizeof(struct frame_line) * nlines;
	struct entry *e = nm_os_table_alloc(entries_len);
	struct frame_line *l = nm_os_table_alloc(lines_len);
	if (!e || !l) {
		if (e)
			nm_os_munmap((uintptr_t)e, entries_len);
		if (l)
			nm_os_munmap((uintptr_t)l, lines_len);
		nm_os_munmap((uintptr_t)text, cap);
		nm_strlcpy3(err, errlen, cannot, path, ": too large to hold in memory");
		return -1;
	}
	entries = e;
	lines = l;
	nentries = 0;
	if (parse(text, len, path, err, errlen) < 0) {
		nentries = 0; /* the program does not run: nothing more to free */
		return -1;
	}
	return 0;
}

static bool line_matches(const struct frame_line *l, const struct nm_frame *f)
{
	return nm_glob_match(l->pattern, l->kind == FUN ? f->function : f->module);
}

/*
 * Does an entry's frame list match the innermost frames?  Its lines are segments of
 * fun:/obj: lines separated by "...".  The first segment must sit at frame 0 (unless a
 * "..." comes first); each later one is placed at the first frame, after the previous
 * segment, where it matches.  The earliest place is always the best one, as frames past
 * the last line are never checked: it leaves the most frames to the segments after it.
 * So no backtracking: at most frames x lines pattern matches, whatever the "..." count.
 */
static bool frames_match(const struct entry *e, const struct nm_frame *frames, int nframes)
{
	const struct frame_line *l = lines + e->first, *end = l + e->nlines;
	size_t at = 0, n = nframes > 0 ? (size_t)nframes : 0;
	bool anchored = true;
	while (l < end) {
		if (l->kind == ANY) {
			anchored = false;
			l++;
			continue;
		}
		const struct frame_line *seg = l;
		size_t seglen = 0;
		while (l < end && l->kind != ANY) {
			l++;
			seglen++;
		}
		for (;; at++) {
			if (seglen > n - at)
				return false;
			size_t k = 0;
			while (k < seglen && line_matches(&seg[k], &frames[at + k]))
				k++;
			if (k == seglen)
				break;
			if (anchored)
				return false;
		}
		at += seglen;
	}
	return true;
}

const char *nm_suppression_match(const char *rule, const struct nm_frame *frames, int nframes)
{
	for (size_t i = 0; i < nentries; i++)
		if (nm_glob_match(entries[i].rule, rule) && frames_match(&entries[i], frames, nframes))
			return entries[i].name;
	return NULL;
}

int nm_suppressions_count(void)
{
	return nentries > 0x7fffffff ? 0x7fffffff : (int)nentries;
}
