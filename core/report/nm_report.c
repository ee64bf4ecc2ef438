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
#include "nm_format.h"
#include <errno.h>
#include <libunwind.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static void log_line(struct nm_engine *e, struct nm_buf *b)
{
	if (!e->log_file[0])
		return;
	put(b, "\n");
	nm_engine_write(e, &e->log, b->p, b->len);
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
	nm_engine_write(e, &e->report, line, b.len);
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
	nm_engine_write(e, &e->report, line, b.len);
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

static void record_context(struct nm_engine *e, const struct nm_pending_event *p, void **pcs, int n,
			   int key, uintptr_t h, struct nm_frame *frames);

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

	/* a new context (rare): name its frames in a buffer of their own, mapped for
	 * this call and not kept per thread (15 KiB of TLS that every thread of every
	 * process would clear and fault in at start) */
	size_t frames_len = sizeof(struct nm_frame) * NM_FRAMES;
	struct nm_frame *frames = nm_os_table_alloc(frames_len);
	if (!frames) {
		pthread_mutex_lock(&e->report_lock);
		c->count++; /* counted, though it cannot be written out in full */
		pthread_mutex_unlock(&e->report_lock);
		return;
	}
	record_context(e, p, pcs, n, key, h, frames);
	nm_os_munmap((uintptr_t)frames, frames_len);
}

/* Name the frames of a context seen for the first time (loader lock), then record
 * it and write it out (our lock). */
static void record_context(struct nm_engine *e, const struct nm_pending_event *p, void **pcs, int n,
			   int key, uintptr_t h, struct nm_frame *frames)
{
	struct nm_context *c;
	bool fresh;
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
	if (!e->log_file[0])
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

void nm_engine_summary(struct nm_engine *e, const struct nm_heap_usage *heap)
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
		nm_engine_write(e, &e->report, line, b.len);
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
			nm_engine_write(e, &e->report, line, b.len);
		}
	}
	if (e->log_file[0]) {
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
		put(&j, ",\"largest_free\":");
		put_dec(&j, (long)nm_ram_largest_free(&e->ram));
		put(&j, "}");
		if (heap) {
			put(&j, ",\"heap\":{\"peak_in_use\":");
			put_dec(&j, (long)heap->peak_in_use);
			put(&j, ",\"peak_mapped\":");
			put_dec(&j, (long)heap->peak_mapped);
			put(&j, ",\"largest_request\":");
			put_dec(&j, (long)heap->largest_request);
			put(&j, ",\"refused\":");
			put_dec(&j, (long)heap->refused);
			put(&j, "}");
		}
		put(&j, "}");
		log_line(e, &j);
	}
	pthread_mutex_unlock(&e->report_lock);
}

