/*
 * nm_report.c - violations: decided under the engine lock, reported after it.
 *
 * nm_violation() runs inside the engine: it counts and queues the event for this
 * thread.  nm_report_flush() runs once the engine lock is released, still inside the
 * interposed call, so the stack is the program's: it captures the return addresses
 * (libunwind's unw_backtrace, only now, never on ordinary calls), and the same rule at
 * the same top frames is one context, written once in full (stderr and the JSON Lines
 * log) and then only counted.  Names are looked up with dladdr, which takes the
 * loader's lock, so that happens holding none of ours.  No malloc, no stdio: lines are
 * built in stack buffers and written with one write(2) each.
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_suppress.h"
#include "nm_symbols.h"
#include <errno.h>
#include <libunwind.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

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

/* bytes as "12.5 MiB" / "640 KiB" / "123 B" */
static void put_size(struct nm_buf *b, uintptr_t v)
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

static void put_json_str(struct nm_buf *b, const char *s)
{
	put(b, "\"");
	for (; *s && b->len + 8 < b->cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = (char)c;
		} else if (c < 0x20) {
			char esc[7] = "\\u00";
			esc[4] = "0123456789abcdef"[c >> 4];
			esc[5] = "0123456789abcdef"[c & 15];
			esc[6] = 0;
			put(b, esc);
			continue;
		} else {
			b->p[b->len++] = (char)c;
		}
	}
	b->p[b->len] = 0;
	put(b, "\"");
}

static void put_json_hex(struct nm_buf *b, uintptr_t v)
{
	put(b, "\"");
	put_hex(b, v);
	put(b, "\"");
}

static void put_time(struct nm_buf *b)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	put_dec(b, (long)ts.tv_sec);
	put(b, ".");
	char ms[4] = { (char)('0' + ts.tv_nsec / 100000000), (char)('0' + ts.tv_nsec / 10000000 % 10),
		       (char)('0' + ts.tv_nsec / 1000000 % 10), 0 };
	put(b, ms);
}

static void log_line(struct nm_engine *e, struct nm_buf *b)
{
	if (e->log_fd < 0)
		return;
	put(b, "\n");
	nm_os_write(e->log_fd, b->p, b->len);
}

/* "main+0x1c (/path/prog+0x1139)" */
static void put_frame(struct nm_buf *b, const struct nm_frame *f)
{
	if (!f->module[0]) {
		put_hex(b, f->pc);
		return;
	}
	if (f->function[0]) {
		put(b, f->function);
		put(b, "+");
		put_hex(b, f->function_off);
		put(b, " (");
	}
	put(b, f->module);
	put(b, "+");
	put_hex(b, f->offset);
	if (f->function[0])
		put(b, ")");
}

/* ---- per-thread queue: filled under the engine lock, written after it ---- */
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

enum nm_action nm_violation(struct nm_engine *e, enum nm_rule rule, const struct nm_site *s,
			    const struct nm_call *call, long device_ret)
{
	enum nm_action act = nm_action_of(e, rule);
	if (act == NM_ACT_OFF)
		return act;
	e->violations++;
	e->rule_counts[rule]++;
	if (pending_count < NM_PENDING) {
		struct nm_pending_event *p = &pending[pending_count++];
		p->rule = rule;
		p->action = act;
		p->call = *call;
		p->caller = s ? s->caller : NULL;
		p->device_ret = device_ret;
	}
	return act;
}

/* ---- contexts ---- */
static uintptr_t context_hash(enum nm_rule rule, void *const *pcs, int n)
{
	uintptr_t h = (uintptr_t)rule * 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < n; i++)
		h = (h ^ (uintptr_t)pcs[i]) * 0x100000001B3ull;
	return h;
}

static struct nm_context *context_find(struct nm_engine *e, enum nm_rule rule, uintptr_t h, void *const *pcs,
				       int n, bool *fresh)
{
	for (unsigned i = 0; i < NM_CONTEXTS; i++) {
		struct nm_context *c = &e->contexts[(h + i) % NM_CONTEXTS];
		if (!c->used) {
			*fresh = true;
			return c;
		}
		if (c->rule == rule && c->hash == h && c->npcs == n && memcmp(c->pcs, pcs, sizeof(void *) * (size_t)n) == 0) {
			*fresh = false;
			return c;
		}
	}
	*fresh = false;
	return NULL; /* table full: counted in e->violations only */
}

static const char *given_label(const struct nm_pending_event *p)
{
	if (p->device_ret >= 0)
		return "same";
	return p->action == NM_ACT_STRICT ? "device" : "desktop";
}

static void put_answer(struct nm_buf *b, const struct nm_pending_event *p)
{
	if (p->device_ret < 0)
		put(b, errno_name(-p->device_ret));
	else
		put(b, nm_rules[p->rule].device_answer);
}

static void write_modules(struct nm_engine *e, const struct nm_frame *frames, int n)
{
	char line[1024];
	for (int i = 0; i < n; i++) {
		if (!frames[i].module[0])
			continue;
		bool known = false;
		for (unsigned k = 0; k < e->nlogged_modules && !known; k++)
			known = e->logged_modules[k] == frames[i].base;
		if (known || e->nlogged_modules == NM_LOGGED_MODULES)
			continue;
		e->logged_modules[e->nlogged_modules++] = frames[i].base;
		struct nm_buf b = { line, 0, sizeof(line) - 2 };
		put(&b, "{\"type\":\"module\",\"pid\":");
		put_dec(&b, nm_os_getpid());
		put(&b, ",\"path\":");
		put_json_str(&b, frames[i].module);
		put(&b, ",\"base\":");
		put_json_hex(&b, frames[i].base);
		if (frames[i].build_id[0]) {
			put(&b, ",\"build_id\":\"");
			put(&b, frames[i].build_id);
			put(&b, "\"");
		}
		put(&b, "}");
		log_line(e, &b);
	}
}

static void write_violation(struct nm_engine *e, const struct nm_context *c, const struct nm_pending_event *p,
			    const struct nm_frame *frames, int n)
{
	char line[8192];
	struct nm_buf b = { line, 0, sizeof(line) - 2 };
	put(&b, "{\"type\":\"violation\",\"context\":");
	put_dec(&b, (long)c->id);
	put(&b, ",\"rule\":\"");
	put(&b, nm_rules[p->rule].id);
	put(&b, "\",\"call\":\"");
	char text[512];
	struct nm_buf t = { text, 0, sizeof(text) };
	put_call(&t, &p->call);
	put(&b, p->call.kind == NM_CALL_OTHER || p->call.kind == NM_CALL_MALLOC ? p->call.path
		: p->call.kind == NM_CALL_MMAP ? "mmap"
		: p->call.kind == NM_CALL_MUNMAP ? "munmap" : p->call.kind == NM_CALL_MREMAP ? "mremap"
		: p->call.kind == NM_CALL_FTRUNCATE ? (p->call.path ? "truncate" : "ftruncate") : "malloc");
	put(&b, "\",\"text\":");
	put_json_str(&b, text);
	put(&b, ",\"device_answer\":\"");
	put_answer(&b, p);
	put(&b, "\",\"given\":\"");
	put(&b, given_label(p));
	put(&b, "\",\"action\":\"");
	put(&b, nm_action_name(p->action));
	put(&b, "\",\"pid\":");
	put_dec(&b, nm_os_getpid());
	put(&b, ",\"tid\":");
	put_dec(&b, syscall(SYS_gettid));
	put(&b, ",\"time\":");
	put_time(&b);
	put(&b, ",\"suppressed\":");
	put(&b, c->suppressed ? "true" : "false");
	if (c->suppressed) {
		put(&b, ",\"suppression\":");
		put_json_str(&b, c->suppression);
	}
	put(&b, ",\"frames\":[");
	for (int i = 0; i < n; i++) {
		put(&b, i ? ",{\"pc\":" : "{\"pc\":");
		put_json_hex(&b, frames[i].pc);
		if (frames[i].module[0]) {
			put(&b, ",\"module\":");
			put_json_str(&b, frames[i].module);
			put(&b, ",\"offset\":");
			put_json_hex(&b, frames[i].offset);
		}
		if (frames[i].function[0]) {
			char fn[NM_FUNC_MAX + 24];
			struct nm_buf f = { fn, 0, sizeof(fn) };
			put(&f, frames[i].function);
			put(&f, "+");
			put_hex(&f, frames[i].function_off);
			put(&b, ",\"function\":");
			put_json_str(&b, fn);
		}
		put(&b, "}");
	}
	put(&b, "]}");
	log_line(e, &b);
}

/* The stderr block: what was called, what the device answers, where, why, what to do. */
static void write_stderr(struct nm_engine *e, const struct nm_pending_event *p, const struct nm_frame *frames, int n)
{
	char line[4096];
	const struct nm_rule_info *ri = &nm_rules[p->rule];
	struct nm_buf b = { line, 0, sizeof(line) - 2 };
	put(&b, "nommu: ");
	put(&b, ri->id);
	put(&b, ": ");
	put_call(&b, &p->call);
	put(&b, " = ");
	put_answer(&b, p);
	put(&b, " on the device");
	if (p->device_ret >= 0) /* not an error: the memory is the same in every mode */
		put(&b, " [noted]");
	else
		put(&b, p->action == NM_ACT_STRICT ? " [strict: device answer given]" : " [report: desktop answer given]");
	put(&b, " in ");
	if (n)
		put_frame(&b, &frames[0]);
	else
		put(&b, "an unknown caller");
	put(&b, ": ");
	put(&b, ri->summary);
	put(&b, "; fix: ");
	put(&b, ri->fix);
	put(&b, "\n");
	for (int i = 0; i < n && i < 8; i++) {
		put(&b, "nommu:     #");
		put_dec(&b, i);
		put(&b, " ");
		put_frame(&b, &frames[i]);
		put(&b, "\n");
	}
	nm_os_write(e->report_fd, line, b.len);
}

static void write_gen_suppression(struct nm_engine *e, const struct nm_pending_event *p, const struct nm_frame *frames,
				  int n)
{
	char line[2048];
	struct nm_buf b = { line, 0, sizeof(line) - 2 };
	put(&b, "{\n   <insert_a_suppression_name_here>\n   rule: ");
	put(&b, nm_rules[p->rule].id);
	put(&b, "\n");
	for (int i = 0; i < n && i < 4; i++) {
		if (frames[i].function[0]) {
			put(&b, "   fun: ");
			put(&b, frames[i].function);
		} else {
			put(&b, "   obj: ");
			put(&b, frames[i].module[0] ? frames[i].module : "*");
		}
		put(&b, "\n");
	}
	put(&b, "}\n");
	nm_os_write(e->report_fd, line, b.len);
}

static void write_count(struct nm_engine *e, const struct nm_context *c)
{
	char line[128];
	struct nm_buf b = { line, 0, sizeof(line) - 2 };
	put(&b, "{\"type\":\"count\",\"pid\":");
	put_dec(&b, nm_os_getpid());
	put(&b, ",\"context\":");
	put_dec(&b, (long)c->id);
	put(&b, ",\"count\":");
	put_dec(&b, (long)c->count);
	put(&b, "}");
	log_line(e, &b);
}

#define NM_FRAMES 32
#define NM_KEY_FRAMES 8

/* Capture the stack, dropping the tool's own frames (those before the program's call). */
static int capture(const struct nm_pending_event *p, void **pcs)
{
	void *raw[NM_FRAMES + 16];
	int n = unw_backtrace(raw, NM_FRAMES + 16), first = 0;
	for (int i = 0; i < n; i++)
		if (raw[i] == p->caller) {
			first = i;
			break;
		}
	if (p->caller && (n == 0 || raw[first] != p->caller)) {
		pcs[0] = (void *)p->caller; /* unwinding failed: at least the caller */
		return 1;
	}
	int k = 0;
	for (int i = first; i < n && k < NM_FRAMES; i++)
		pcs[k++] = raw[i];
	return k;
}

static void report_one(struct nm_engine *e, const struct nm_pending_event *p)
{
	void *pcs[NM_FRAMES];
	int n = capture(p, pcs), key = n < NM_KEY_FRAMES ? n : NM_KEY_FRAMES;
	uintptr_t h = context_hash(p->rule, pcs, key);
	bool fresh;

	/* the common case, a context seen before: count it, nothing else */
	pthread_mutex_lock(&e->report_lock);
	struct nm_context *c = context_find(e, p->rule, h, pcs, key, &fresh);
	if (c && !fresh) {
		c->count++;
		if (c->suppressed)
			e->suppressed++;
		if ((c->count & (c->count - 1)) == 0)
			write_count(e, c);
		pthread_mutex_unlock(&e->report_lock);
		return;
	}
	pthread_mutex_unlock(&e->report_lock);
	if (!c)
		return;

	/* a new context: name its frames (loader lock), then record it (our lock) */
	static __thread struct nm_frame frames[NM_FRAMES] __attribute__((tls_model("initial-exec")));
	for (int i = 0; i < n; i++)
		nm_frame_resolve(&frames[i], (uintptr_t)pcs[i]);
	pthread_mutex_lock(&e->report_lock);
	c = context_find(e, p->rule, h, pcs, key, &fresh);
	if (!c || !fresh) { /* another thread recorded it meanwhile */
		if (c)
			c->count++;
		pthread_mutex_unlock(&e->report_lock);
		return;
	}
	for (int i = 0; i < n; i++)
		nm_frame_name_from_symtab(&frames[i]);
	c->used = true;
	c->rule = (uint16_t)p->rule;
	c->hash = h;
	c->npcs = (uint8_t)key;
	memcpy(c->pcs, pcs, sizeof(void *) * (size_t)key);
	c->count = 1;
	c->id = (uint32_t)++e->contexts_used;
	const char *sup = nm_suppression_match(nm_rules[p->rule].id, frames, n);
	c->suppressed = sup != NULL;
	if (sup) {
		size_t l = strlen(sup);
		if (l >= sizeof(c->suppression))
			l = sizeof(c->suppression) - 1;
		memcpy(c->suppression, sup, l);
		c->suppression[l] = 0;
		e->suppressed++;
	}
	struct nm_buf top = { c->top, 0, sizeof(c->top) };
	if (n)
		put_frame(&top, &frames[0]);
	write_modules(e, frames, n);
	write_violation(e, c, p, frames, n);
	if (!c->suppressed) {
		write_stderr(e, p, frames, n);
		if (e->cfg.gen_suppressions)
			write_gen_suppression(e, p, frames, n);
	}
	pthread_mutex_unlock(&e->report_lock);
}

void nm_report_flush(struct nm_engine *e)
{
	unsigned n = pending_count;
	pending_count = 0;
	for (unsigned i = 0; i < n; i++)
		report_one(e, &pending[i]);
}

void nm_report_start(struct nm_engine *e, const char *program)
{
	char line[2048];
	struct nm_buf b = { line, 0, sizeof(line) - 2 };
	if (e->log_fd < 0)
		return;
	put(&b, "{\"type\":\"start\",\"schema\":1,\"tool\":\"nommu\",\"run\":");
	put_json_str(&b, e->cfg.run_id);
	put(&b, ",\"pid\":");
	put_dec(&b, nm_os_getpid());
	put(&b, ",\"ppid\":");
	put_dec(&b, syscall(SYS_getppid));
	put(&b, ",\"program\":");
	put_json_str(&b, program);
	put(&b, ",\"time\":");
	put_time(&b);
	put(&b, ",\"mode\":\"");
	put(&b, e->cfg.mode == NM_MODE_STRICT ? "strict" : "report");
	put(&b, "\",\"profile\":\"");
	put(&b, e->cfg.profile);
	put(&b, "\",\"mem\":");
	put_dec(&b, (long)e->cfg.ram_size);
	put(&b, ",\"page_size\":");
	put_dec(&b, (long)e->cfg.page_size);
	put(&b, ",\"max_order\":");
	put_dec(&b, (long)e->cfg.max_order);
	put(&b, "}");
	log_line(e, &b);
}

void nm_engine_summary(struct nm_engine *e)
{
	char line[1024];
	struct nm_buf b = { line, 0, sizeof(line) - 2 };
	pthread_mutex_lock(&e->report_lock);
	unsigned long shown = e->violations - e->suppressed;
	if (e->violations) {
		put(&b, "nommu: ");
		put_dec(&b, (long)shown);
		put(&b, shown == 1 ? " violation from " : " violations from ");
		put_dec(&b, (long)e->contexts_used);
		put(&b, e->contexts_used == 1 ? " context" : " contexts");
		if (e->suppressed) {
			put(&b, " (");
			put_dec(&b, (long)e->suppressed);
			put(&b, " suppressed)");
		}
		put(&b, "\n");
		nm_os_write(e->report_fd, line, b.len);
		for (unsigned i = 0; i < NM_CONTEXTS; i++) {
			struct nm_context *c = &e->contexts[i];
			if (!c->used || c->suppressed)
				continue;
			b.len = 0;
			put(&b, "nommu:   ");
			put_dec(&b, (long)c->count);
			put(&b, " x ");
			put(&b, nm_rules[c->rule].id);
			put(&b, " in ");
			put(&b, c->top);
			put(&b, "\n");
			nm_os_write(e->report_fd, line, b.len);
		}
	}
	if (e->log_fd >= 0) {
		char big[16384];
		struct nm_buf j = { big, 0, sizeof(big) - 2 };
		put(&j, "{\"type\":\"summary\",\"pid\":");
		put_dec(&j, nm_os_getpid());
		put(&j, ",\"violations\":");
		put_dec(&j, (long)e->violations);
		put(&j, ",\"contexts\":");
		put_dec(&j, (long)e->contexts_used);
		put(&j, ",\"suppressed\":");
		put_dec(&j, (long)e->suppressed);
		put(&j, ",\"counts\":[");
		bool first = true;
		for (unsigned i = 0; i < NM_CONTEXTS; i++) {
			struct nm_context *c = &e->contexts[i];
			if (!c->used)
				continue;
			put(&j, first ? "{\"context\":" : ",{\"context\":");
			first = false;
			put_dec(&j, (long)c->id);
			put(&j, ",\"rule\":\"");
			put(&j, nm_rules[c->rule].id);
			put(&j, "\",\"count\":");
			put_dec(&j, (long)c->count);
			put(&j, c->suppressed ? ",\"suppressed\":true}" : ",\"suppressed\":false}");
		}
		put(&j, "],\"ram\":{\"total\":");
		put_dec(&j, (long)((size_t)e->ram.npages << e->ram.page_shift));
		put(&j, ",\"peak_used\":");
		put_dec(&j, (long)(e->ram.peak_used_pages << e->ram.page_shift));
		put(&j, "}}");
		log_line(e, &j);
	}
	pthread_mutex_unlock(&e->report_lock);
}

void nm_strlcpy3(char *dst, size_t n, const char *a, const char *b, const char *c)
{
	struct nm_buf x = { dst, 0, n };
	if (!n)
		return;
	dst[0] = 0;
	put(&x, a);
	put(&x, b);
	put(&x, c);
}
