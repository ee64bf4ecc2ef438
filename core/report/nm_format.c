/*
 * nm_format.c - turning calls, numbers and frames into text for reports and logs, in
 * caller-provided buffers: no malloc, no stdio (these run inside interposed calls).
 */
#include "nm_core.h"
#include "nm_format.h"
#include "nm_text.h"
#include "nm_os.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Room for n more bytes (and the NUL), growing the buffer if it may. */
static bool room(struct nm_buf *b, size_t n)
{
	if (b->limit && b->len + n > b->limit) {
		b->cut = true;
		return false;
	}
	if (b->len + n < b->cap)
		return true;
	if (b->grows) {
		size_t want = b->cap * 2;
		while (want <= b->len + n)
			want *= 2;
		long r = nm_os_mremap((uintptr_t)b->p, b->cap, want, MREMAP_MAYMOVE, 0);
		if (r >= 0) {
			b->p = (char *)r;
			b->cap = want;
			return true;
		}
	}
	b->full = true;
	return false;
}

/* How many bytes the UTF-8 character starting with lead byte c takes (1 if not a lead). */
static size_t utf8_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

void put_n(struct nm_buf *b, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && !b->full) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		const char *out = esc;
		size_t k;
		if (!b->json) {
			out = &s[i];
			k = 1;
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			k = 2;
		} else if (c < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = "0123456789abcdef"[c >> 4];
			esc[5] = "0123456789abcdef"[c & 15];
			k = 6;
		} else {
			/* a whole UTF-8 character at once, so a cut never splits one */
			out = &s[i];
			k = utf8_len(c);
			for (size_t j = 1; j < k; j++)
				if (i + j >= n || ((unsigned char)s[i + j] & 0xc0) != 0x80)
					k = j;
		}
		if (!room(b, k))
			break;
		memcpy(b->p + b->len, out, k);
		b->len += k;
		i += out == esc ? 1 : k;
	}
	if (b->cap)
		b->p[b->len] = 0;
}

void put(struct nm_buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

void field_begin(struct nm_buf *b, size_t max)
{
	b->limit = b->len + max;
	b->cut = false;
}

bool field_end(struct nm_buf *b)
{
	bool cut = b->cut;
	b->limit = 0;
	b->cut = false;
	return cut;
}

void put_dec(struct nm_buf *b, long v)
{
	char o[22];
	size_t i = 0;
	if (v < 0)
		o[i++] = '-';
	i += nm_utoa(o + i, v < 0 ? -(unsigned long)v : (unsigned long)v);
	o[i] = 0;
	put(b, o);
}

void put_hex(struct nm_buf *b, uintptr_t v)
{
	char o[20] = "0x";
	int i = 2, started = 0;
	for (int sh = (int)sizeof(v) * 8 - 4; sh >= 0; sh -= 4) {
		int d = (int)((v >> sh) & 15);
		if (d || started || sh == 0) {
			o[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
			started = 1;
		}
	}
	o[i] = 0;
	put(b, o);
}

/* bytes as "12.5 MiB" / "640 KiB" / "123 B" */
void put_size(struct nm_buf *b, uintptr_t v)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB" };
	int u = 0;
	uintptr_t whole = v, tenth = 0;
	while (whole >= 1024 && u < 3) {
		tenth = (v * 10 >> (10 * (u + 1))) % 10;
		whole >>= 10;
		u++;
	}
	put_dec(b, (long)whole);
	if (u && tenth) {
		char t[3] = { '.', (char)('0' + tenth), 0 };
		put(b, t);
	}
	put(b, " ");
	put(b, unit[u]);
}

struct flag_name {
	unsigned long bit;
	const char *name;
};

void put_flags(struct nm_buf *b, unsigned long v, const struct flag_name *names, const char *zero)
{
	int first = 1;
	if (!v) {
		put(b, zero);
		return;
	}
	for (const struct flag_name *f = names; f->name; f++)
		if ((v & f->bit) == f->bit && f->bit) {
			if (!first)
				put(b, "|");
			put(b, f->name);
			v &= ~f->bit;
			first = 0;
		}
	if (v) {
		if (!first)
			put(b, "|");
		put_hex(b, v);
	}
}

static const struct flag_name prot_names[] = {
	{ PROT_READ, "PROT_READ" }, { PROT_WRITE, "PROT_WRITE" }, { PROT_EXEC, "PROT_EXEC" }, { 0, NULL }
};
static const struct flag_name map_names[] = { { 0x03, "MAP_SHARED_VALIDATE" },     { MAP_SHARED, "MAP_SHARED" },
					      { MAP_PRIVATE, "MAP_PRIVATE" },      { 0x08, "MAP_DROPPABLE" },
					      { MAP_FIXED, "MAP_FIXED" },          { MAP_ANONYMOUS, "MAP_ANONYMOUS" },
					      { 0x100000, "MAP_FIXED_NOREPLACE" }, { MAP_GROWSDOWN, "MAP_GROWSDOWN" },
					      { MAP_NORESERVE, "MAP_NORESERVE" },  { MAP_POPULATE, "MAP_POPULATE" },
					      { MAP_STACK, "MAP_STACK" },          { MAP_LOCKED, "MAP_LOCKED" },
					      { 0x4000000, "MAP_UNINITIALIZED" },  { 0, NULL } };
static const struct flag_name mremap_names[] = {
	{ 1, "MREMAP_MAYMOVE" }, { 2, "MREMAP_FIXED" }, { 4, "MREMAP_DONTUNMAP" }, { 0, NULL }
};

void put_call(struct nm_buf *b, const struct nm_call *c)
{
	switch (c->kind) {
	case NM_CALL_MMAP:
		put(b, "mmap(");
		c->a[0] ? put_hex(b, c->a[0]) : put(b, "NULL");
		put(b, ", ");
		put_dec(b, (long)c->a[1]);
		put(b, ", ");
		put_flags(b, c->a[2], prot_names, "PROT_NONE");
		put(b, ", ");
		put_flags(b, c->a[3], map_names, "0");
		put(b, ", ");
		put_dec(b, (long)c->a[4]);
		put(b, ", ");
		put_dec(b, (long)c->a[5]);
		break;
	case NM_CALL_MUNMAP:
		put(b, "munmap(");
		put_hex(b, c->a[0]);
		put(b, ", ");
		put_dec(b, (long)c->a[1]);
		break;
	case NM_CALL_MREMAP:
		put(b, "mremap(");
		put_hex(b, c->a[0]);
		put(b, ", ");
		put_dec(b, (long)c->a[1]);
		put(b, ", ");
		put_dec(b, (long)c->a[2]);
		put(b, ", ");
		put_flags(b, c->a[3], mremap_names, "0");
		if (c->a[3] & 2) {
			put(b, ", ");
			put_hex(b, c->a[4]);
		}
		break;
	case NM_CALL_FTRUNCATE:
		if (c->path) {
			put(b, "truncate(\"");
			put(b, c->path);
			put(b, "\"");
		} else {
			put(b, "ftruncate(");
			put_dec(b, (long)c->a[0]);
		}
		put(b, ", ");
		put_dec(b, (long)c->a[1]);
		break;
	case NM_CALL_HEAP:
		put(b, "malloc heap growth(");
		put_dec(b, (long)c->a[1]);
		break;
	case NM_CALL_MALLOC: /* a[0] size, a[1..4] RAM used, total, free, largest free block */
		put(b, c->path);
		put(b, "(");
		put_dec(b, (long)c->a[0]);
		if (c->a[2]) {
			put(b, ") with the device RAM at ");
			put_size(b, c->a[1]);
			put(b, " used of ");
			put_size(b, c->a[2]);
			put(b, ", ");
			put_size(b, c->a[3]);
			put(b, " free, largest free block ");
			put_size(b, c->a[4]);
			return;
		}
		break;
	case NM_CALL_OTHER:
		put(b, c->path);
		put(b, "(");
		for (int i = 0; i < c->nargs; i++) {
			if (i)
				put(b, ", ");
			/* addresses in hex, small numbers in decimal */
			if (c->a[i] > 0xffff && c->a[i] < (uintptr_t)-4096)
				put_hex(b, c->a[i]);
			else
				put_dec(b, (long)c->a[i]);
		}
		break;
	}
	put(b, ")");
	if (c->kind == NM_CALL_OTHER && c->note) {
		put(b, ": ");
		put(b, c->note);
	}
}

const char *errno_name(long e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EBADF:
		return "EBADF";
	case ENOMEM:
		return "ENOMEM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENODEV:
		return "ENODEV";
	case ETXTBSY:
		return "ETXTBSY";
	case EFBIG:
		return "EFBIG";
	case ENOSYS:
		return "ENOSYS";
	case EEXIST:
		return "EEXIST";
	case ENOENT:
		return "ENOENT";
	default:
		return "E?";
	}
}

void put_json_str(struct nm_buf *b, const char *s)
{
	put(b, "\"");
	b->json = true;
	put(b, s);
	b->json = false;
	put(b, "\"");
}

bool put_json_field(struct nm_buf *b, const char *s, size_t max)
{
	put(b, "\"");
	field_begin(b, max);
	b->json = true;
	put(b, s);
	b->json = false;
	bool cut = field_end(b);
	put(b, "\"");
	return cut;
}

void put_json_hex(struct nm_buf *b, uintptr_t v)
{
	put(b, "\"");
	put_hex(b, v);
	put(b, "\"");
}

void put_time(struct nm_buf *b)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	put_dec(b, (long)ts.tv_sec);
	put(b, ".");
	char ms[4] = { (char)('0' + ts.tv_nsec / 100000000), (char)('0' + ts.tv_nsec / 10000000 % 10),
		       (char)('0' + ts.tv_nsec / 1000000 % 10), 0 };
	put(b, ms);
}

/* A name or path for the eye: cut at max bytes, with "..." */
static void put_shown(struct nm_buf *b, const char *s, size_t max)
{
	field_begin(b, max);
	put(b, s);
	if (field_end(b))
		put(b, "...");
}

/* "main+0x1c (/path/prog+0x1139)", each name at most NM_SHOWN_MAX bytes */
void put_frame(struct nm_buf *b, const struct nm_frame *f)
{
	if (!f->module[0]) {
		put_hex(b, f->pc);
		return;
	}
	if (f->function[0]) {
		put_shown(b, f->function, NM_SHOWN_MAX);
		put(b, "+");
		put_hex(b, f->function_off);
		put(b, " (");
	}
	put_shown(b, f->module, NM_SHOWN_MAX);
	put(b, "+");
	put_hex(b, f->offset);
	if (f->function[0])
		put(b, ")");
}
