/*
 * nm_report.c - violations: counted under the engine lock, written after it.
 *
 * A violation is one rule broken at one call site.  The same rule from the same site
 * is one context: written once in full, then counted (a loop that breaks a rule a
 * million times prints one line), and summarised at exit.  Lines are built in a
 * stack buffer and written with one write(2): no stdio, no malloc.  Symbol lookup
 * (dladdr) takes the dynamic loader's lock, so it runs only after the engine lock
 * is released: nm_violation() queues the event per thread, nm_report_flush() writes.
 */
#include "nm_core.h"
#include "nm_os.h"
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

struct nm_buf {
	char *p;
	size_t len, cap;
};

static void put(struct nm_buf *b, const char *s)
{
	while (*s && b->len + 1 < b->cap)
		b->p[b->len++] = *s++;
	b->p[b->len] = 0;
}

static void put_dec(struct nm_buf *b, long v)
{
	char t[24];
	int i = 0;
	unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
	do
		t[i++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		t[i++] = '-';
	char o[25];
	for (int k = 0; k < i; k++)
		o[k] = t[i - 1 - k];
	o[i] = 0;
	put(b, o);
}

static void put_hex(struct nm_buf *b, uintptr_t v)
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

struct flag_name {
	unsigned long bit;
	const char *name;
};

static void put_flags(struct nm_buf *b, unsigned long v, const struct flag_name *names, const char *zero)
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
static const struct flag_name map_names[] = {
	{ 0x03, "MAP_SHARED_VALIDATE" }, { MAP_SHARED, "MAP_SHARED" }, { MAP_PRIVATE, "MAP_PRIVATE" },
	{ 0x08, "MAP_DROPPABLE" }, { MAP_FIXED, "MAP_FIXED" }, { MAP_ANONYMOUS, "MAP_ANONYMOUS" },
	{ 0x100000, "MAP_FIXED_NOREPLACE" }, { MAP_GROWSDOWN, "MAP_GROWSDOWN" }, { MAP_NORESERVE, "MAP_NORESERVE" },
	{ MAP_POPULATE, "MAP_POPULATE" }, { MAP_STACK, "MAP_STACK" }, { MAP_LOCKED, "MAP_LOCKED" },
	{ 0x4000000, "MAP_UNINITIALIZED" }, { 0, NULL }
};
static const struct flag_name mremap_names[] = {
	{ 1, "MREMAP_MAYMOVE" }, { 2, "MREMAP_FIXED" }, { 4, "MREMAP_DONTUNMAP" }, { 0, NULL }
};

static void put_call(struct nm_buf *b, const struct nm_call *c)
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
}

static const char *errno_name(long e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSYS: return "ENOSYS";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	default: return "E?";
	}
}

/* "function+0x1c (/path/module+0x1139)" for a code address, as far as dladdr knows. */
static void put_site(struct nm_buf *b, const void *caller)
{
	Dl_info info;
	if (!caller) {
		put(b, "an unknown caller");
		return;
	}
	/* the return address points after the call: look up the call itself */
	const char *pc = (const char *)caller - 1;
	if (!dladdr(pc, &info) || !info.dli_fname) {
		put_hex(b, (uintptr_t)caller);
		return;
	}
	if (info.dli_sname) {
		put(b, info.dli_sname);
		put(b, "+");
		put_hex(b, (uintptr_t)(pc + 1) - (uintptr_t)info.dli_saddr);
		put(b, " (");
	}
	put(b, info.dli_fname[0] ? info.dli_fname : "main program");
	put(b, "+");
	put_hex(b, (uintptr_t)(pc + 1) - (uintptr_t)info.dli_fbase);
	if (info.dli_sname)
		put(b, ")");
}

/* ---- queue: filled under the engine lock, written after it ---- */
struct nm_pending_event {
	enum nm_rule rule;
	enum nm_action action;
	struct nm_call call;
	const void *caller;
	long device_ret;
};
#define NM_PENDING 4
static __thread struct nm_pending_event pending[NM_PENDING] __attribute__((tls_model("initial-exec")));
static __thread unsigned pending_count __attribute__((tls_model("initial-exec")));

static struct nm_context *context_of(struct nm_engine *e, enum nm_rule rule, const void *caller, bool *fresh)
{
	uintptr_t h = ((uintptr_t)caller >> 2) * 0x9E3779B97F4A7C15ull + (uintptr_t)rule;
	for (unsigned i = 0; i < NM_CONTEXTS; i++) {
		struct nm_context *c = &e->contexts[(h + i) % NM_CONTEXTS];
		if (!c->used) {
			c->used = true;
			c->rule = (uint16_t)rule;
			c->caller = caller;
			e->contexts_used++;
			*fresh = true;
			return c;
		}
		if (c->rule == rule && c->caller == caller) {
			*fresh = false;
			return c;
		}
	}
	*fresh = false; /* table full: count it, print nothing more */
	return NULL;
}

enum nm_action nm_violation(struct nm_engine *e, enum nm_rule rule, const struct nm_site *s,
			    const struct nm_call *call, long device_ret)
{
	enum nm_action act = nm_action_of(e, rule);
	if (act == NM_ACT_OFF)
		return act;
	bool fresh;
	const void *caller = s ? s->caller : NULL;
	struct nm_context *c = context_of(e, rule, caller, &fresh);
	e->violations++;
	e->rule_counts[rule]++;
	if (c)
		c->count++;
	if (fresh && pending_count < NM_PENDING) {
		struct nm_pending_event *p = &pending[pending_count++];
		p->rule = rule;
		p->action = act;
		p->call = *call;
		p->caller = caller;
		p->device_ret = device_ret;
	}
	return act;
}

void nm_report_flush(struct nm_engine *e)
{
	char line[1024];
	for (unsigned i = 0; i < pending_count; i++) {
		struct nm_pending_event *p = &pending[i];
		const struct nm_rule_info *ri = &nm_rules[p->rule];
		struct nm_buf b = { line, 0, sizeof(line) };
		put(&b, "nommu: ");
		put(&b, ri->id);
		put(&b, ": ");
		put_call(&b, &p->call);
		put(&b, " = ");
		if (p->device_ret < 0) {
			put(&b, errno_name(-p->device_ret));
			put(&b, " on the device");
		} else {
			put(&b, ri->device_answer);
			put(&b, " on the device");
		}
		if (p->device_ret >= 0) /* not an error: the memory is the same in every mode */
			put(&b, " [noted]");
		else
			put(&b, p->action == NM_ACT_STRICT ? " [strict: device answer given]"
							   : " [report: desktop answer given]");
		put(&b, " in ");
		put_site(&b, p->caller);
		put(&b, ": ");
		put(&b, ri->summary);
		put(&b, "; fix: ");
		put(&b, ri->fix);
		if (b.len + 2 > b.cap)
			b.len = b.cap - 2;
		line[b.len++] = '\n';
		nm_os_write(e->report_fd, line, b.len);
	}
	pending_count = 0;
}

void nm_engine_summary(struct nm_engine *e)
{
	char line[512];
	struct nm_buf b = { line, 0, sizeof(line) };
	if (!e->violations)
		return;
	put(&b, "nommu: ");
	put_dec(&b, (long)e->violations);
	put(&b, e->violations == 1 ? " violation from " : " violations from ");
	put_dec(&b, (long)e->contexts_used);
	put(&b, e->contexts_used == 1 ? " context\n" : " contexts\n");
	nm_os_write(e->report_fd, line, b.len);
	for (unsigned i = 0; i < NM_CONTEXTS; i++) {
		struct nm_context *c = &e->contexts[i];
		if (!c->used)
			continue;
		b.len = 0;
		put(&b, "nommu:   ");
		put_dec(&b, (long)c->count);
		put(&b, " x ");
		put(&b, nm_rules[c->rule].id);
		put(&b, " in ");
		put_site(&b, c->caller);
		put(&b, "\n");
		nm_os_write(e->report_fd, line, b.len);
	}
}
