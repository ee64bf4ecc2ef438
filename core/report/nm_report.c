/*
 * nm_report.c - violations: decided under the engine lock, reported after it.
 *
 * nm_violation() runs inside the engine: it counts and queues the event for this
 * thread.  nm_report_flush() runs once the engine lock is released, still inside the
 * interposed call, so the stack is the program's: it captures the return addresses
 * (nm_unwind.h, only now, never on ordinary calls), and the same rule at
 * the same top frames is one context, written once in full (stderr and the JSON Lines
 * log) and then only counted.  Names are looked up with dladdr, which takes the
 * loader's lock, so that happens holding none of ours.
 *
 * No malloc, no stdio, and little stack: the thread that breaks a rule may have a
 * small one (16 KiB).  Measured with tests/robustness/writer-small-stack.sh (x86_64,
 * libunwind 1.6): a report adds about 5.3 KiB to what the program's call itself uses,
 * most of it libunwind's (unw_backtrace has a 3 KiB frame, then its stepping); our own
 * deepest frame, report_one, is under 600 bytes.  Records are built in the engine's record buffer (host memory,
 * mapped on first use, grown with mremap as a record needs, under report_lock), so a
 * record of any length goes out whole, as one write(2): the log is O_APPEND and may be
 * shared by processes.  What bounds a record is its fields: a name or text longer than
 * its field is cut and its object says "truncated":true (docs/log-format.md).
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_suppress.h"
#include "nm_symbols.h"
#include "nm_format.h"
#include "nm_unwind.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define NM_REC_FIRST (64 << 10) /* the record buffer's first size (grown as needed) */
#define NM_FIELD_MAX 4096       /* a free-text field of a record: call text, program */

static void log_failure(struct nm_engine *e, long err);

/*
 * Every record and line nommu writes, to the report stream or to the log, goes out
 * here, in one write(2) for the log (a record never interleaves with another's).  The
 * first failed or short write to the log ends the log for this process (a later record
 * would be glued to a cut one) and says so (log_failure).
 */
static void out_write(struct nm_engine *e, struct nm_outfd *o, const char *p, size_t n)
{
	if (!n)
		return;
	if (o == &e->rep.log) {
		if (e->rep.log_failed || !e->rep.log_file[0])
			return;
		long w;
		do
			w = nm_engine_write(e, o, p, n);
		while (w == -EINTR);
		if (w == (long)n)
			return;
		if (w > 0)
			nm_engine_write(e, o, "\n", 1); /* end the cut line, if there is room for that */
		log_failure(e, w < 0 ? -w : ENOSPC);
		return;
	}
	while (n) { /* a pipe or terminal may take less than all */
		long w = nm_engine_write(e, o, p, n);
		if (w == -EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Start building text in the record buffer (report_lock held). */
static bool rec_begin(struct nm_engine *e, struct nm_buf *b)
{
	if (!e->rep.rec) {
		e->rep.rec = nm_os_table_alloc(NM_REC_FIRST);
		if (!e->rep.rec)
			return false;
		e->rep.rec_cap = NM_REC_FIRST;
	}
	*b = (struct nm_buf){ .p = e->rep.rec, .cap = e->rep.rec_cap, .grows = true };
	b->p[0] = 0;
	return true;
}

/* Write what b holds to o (the buffer is free again afterwards: begin anew). */
static void rec_write(struct nm_engine *e, struct nm_outfd *o, struct nm_buf *b)
{
	e->rep.rec = b->p; /* growing may have moved it */
	e->rep.rec_cap = b->cap;
	if (b->full && b->len && b->p[b->len - 1] != '\n' && b->len + 1 < b->cap)
		b->p[b->len++] = '\n'; /* the report stream: what fitted, as whole lines */
	out_write(e, o, b->p, b->len);
}

/* One record of the log: the line end, then one write. */
static void log_record(struct nm_engine *e, struct nm_buf *b)
{
	put(b, "\n");
	if (b->full) { /* no memory to grow into: never a cut record */
		e->rep.rec = b->p;
		e->rep.rec_cap = b->cap;
		if (!e->rep.log_failed)
			log_failure(e, ENOMEM);
		return;
	}
	rec_write(e, &e->rep.log, b);
}

/* The log cannot be written (full disk, quota, I/O error): say so once on stderr (the
 * process's own when it has no report stream: with a log it has none, and this is
 * nommu failing, not a report), and leave "<log>.failed" next to the log for the
 * launcher's CI gate. */
static void log_failure(struct nm_engine *e, long err)
{
	struct nm_buf b;
	const char *why = strerrordesc_np((int)err);
	e->rep.log_failed = true;
	if (rec_begin(e, &b)) {
		put(&b, "nommu: cannot write the log ");
		put(&b, e->rep.log_file);
		put(&b, ": ");
		put(&b, why ? why : "unknown error");
		put(&b, "; this process's report is incomplete\n");
		e->rep.rec = b.p;
		e->rep.rec_cap = b.cap;
	} else {
		static const char msg[] = "nommu: cannot write the log (out of memory); this process's report is "
					  "incomplete\n";
		b = (struct nm_buf){ .p = (char *)msg, .len = sizeof(msg) - 1 };
	}
	if (e->rep.report.fd >= 0)
		out_write(e, &e->rep.report, b.p, b.len);
	else
		nm_os_write(2, b.p, b.len);
	size_t n = strlen(e->rep.log_file);
	if (!n)
		return;
	memcpy(e->rep.log_file + n, ".failed", 8);
	long fd = nm_os_openat(AT_FDCWD, e->rep.log_file, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	e->rep.log_file[n] = 0;
	if (fd >= 0)
		nm_os_close((int)fd);
}

void nm_report_release(struct nm_engine *e)
{
	if (e->rep.rec)
		nm_os_munmap((uintptr_t)e->rep.rec, e->rep.rec_cap);
	e->rep.rec = NULL;
	e->rep.rec_cap = 0;
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

enum nm_action nm_violation(struct nm_engine *e, enum nm_rule rule, const struct nm_site *s, const struct nm_call *call,
			    long device_ret)
{
	enum nm_action act = nm_action_of(e, rule);
	if (act == NM_ACT_OFF)
		return act;
	e->rep.violations++;
	e->rep.rule_counts[rule]++;
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

static struct nm_context *context_find(struct nm_engine *e, enum nm_rule rule, uintptr_t h, void *const *pcs, int n,
				       bool *fresh)
{
	for (unsigned i = 0; i < NM_CONTEXTS; i++) {
		struct nm_context *c = &e->rep.contexts[(h + i) % NM_CONTEXTS];
		if (!c->used) {
			*fresh = true;
			return c;
		}
		if (c->rule == rule && c->hash == h && c->npcs == n &&
		    memcmp(c->pcs, pcs, sizeof(void *) * (size_t)n) == 0) {
			*fresh = false;
			return c;
		}
	}
	*fresh = false;
	return NULL; /* table full: counted in e->rep.violations only */
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
	struct nm_buf b;
	for (int i = 0; i < n; i++) {
		if (!frames[i].module[0])
			continue;
		bool known = false;
		for (unsigned k = 0; k < e->rep.nlogged_modules && !known; k++)
			known = e->rep.logged_modules[k] == frames[i].base;
		if (known || e->rep.nlogged_modules == NM_LOGGED_MODULES)
			continue;
		e->rep.logged_modules[e->rep.nlogged_modules++] = frames[i].base;
		if (!e->rep.log_file[0] || !rec_begin(e, &b))
			continue;
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
		if (frames[i].module_cut)
			put(&b, ",\"truncated\":true");
		put(&b, "}");
		log_record(e, &b);
	}
}

static const char *call_name(const struct nm_call *c)
{
	switch (c->kind) {
	case NM_CALL_OTHER:
	case NM_CALL_MALLOC:
		return c->path;
	case NM_CALL_MMAP:
		return "mmap";
	case NM_CALL_MUNMAP:
		return "munmap";
	case NM_CALL_MREMAP:
		return "mremap";
	case NM_CALL_FTRUNCATE:
		return c->path ? "truncate" : "ftruncate";
	default:
		return "malloc";
	}
}

/* One frame of a violation record; a name cut to its field says "truncated". */
static void put_frame_json(struct nm_buf *b, const struct nm_frame *f, bool first)
{
	put(b, first ? "{\"pc\":" : ",{\"pc\":");
	put_json_hex(b, f->pc);
	if (f->module[0]) {
		put(b, ",\"module\":");
		put_json_str(b, f->module);
		put(b, ",\"offset\":");
		put_json_hex(b, f->offset);
	}
	if (f->function[0]) {
		put(b, ",\"function\":\"");
		b->json = true;
		put(b, f->function);
		b->json = false;
		put(b, "+");
		put_hex(b, f->function_off);
		put(b, "\"");
	}
	if (f->module_cut || f->function_cut)
		put(b, ",\"truncated\":true");
	put(b, "}");
}

static void write_violation(struct nm_engine *e, const struct nm_context *c, const struct nm_pending_event *p,
			    const struct nm_frame *frames, int n)
{
	struct nm_buf b;
	if (!e->rep.log_file[0] || !rec_begin(e, &b))
		return;
	put(&b, "{\"type\":\"violation\",\"context\":");
	put_dec(&b, (long)c->id);
	put(&b, ",\"rule\":\"");
	put(&b, nm_rules[p->rule].id);
	put(&b, "\",\"call\":");
	put_json_str(&b, call_name(&p->call));
	put(&b, ",\"text\":\"");
	field_begin(&b, NM_FIELD_MAX);
	b.json = true;
	put_call(&b, &p->call);
	b.json = false;
	bool text_cut = field_end(&b);
	put(&b, "\",\"device_answer\":\"");
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
	if (text_cut)
		put(&b, ",\"truncated\":true");
	put(&b, ",\"frames\":[");
	for (int i = 0; i < n; i++)
		put_frame_json(&b, &frames[i], i == 0);
	put(&b, "]}");
	log_record(e, &b);
}

/* The stderr block: what was called, what the device answers, where, why, what to do.
 * Short and bounded: the call, then at most 8 frames, every name cut to a line's worth. */
static void write_stderr(struct nm_engine *e, const struct nm_pending_event *p, const struct nm_frame *frames, int n)
{
	const struct nm_rule_info *ri = &nm_rules[p->rule];
	struct nm_buf b;
	if (!rec_begin(e, &b))
		return;
	put(&b, "nommu: ");
	put(&b, ri->id);
	put(&b, ": ");
	field_begin(&b, NM_SHOWN_MAX * 4); /* the call, for the eye */
	put_call(&b, &p->call);
	if (field_end(&b))
		put(&b, "...");
	put(&b, " = ");
	put_answer(&b, p);
	put(&b, " on the device");
	if (p->device_ret >= 0) /* not an error: the memory is the same in every mode */
		put(&b, " [noted]");
	else
		put(&b,
		    p->action == NM_ACT_STRICT ? " [strict: device answer given]" : " [report: desktop answer given]");
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
	rec_write(e, &e->rep.report, &b);
}

static void write_gen_suppression(struct nm_engine *e, const struct nm_pending_event *p, const struct nm_frame *frames,
				  int n)
{
	struct nm_buf b;
	if (!rec_begin(e, &b))
		return;
	put(&b, "{\n   <insert_a_suppression_name_here>\n   rule: ");
	put(&b, nm_rules[p->rule].id);
	put(&b, "\n");
	for (int i = 0; i < n && i < 4; i++) {
		if (frames[i].function[0]) {
			put(&b, "   fun: ");
			put(&b, frames[i].function);
			if (frames[i].function_cut)
				put(&b, "*"); /* the name was cut: match what follows too */
		} else {
			put(&b, "   obj: ");
			put(&b, frames[i].module[0] ? frames[i].module : "*");
			if (frames[i].module_cut)
				put(&b, "*");
		}
		put(&b, "\n");
	}
	put(&b, "}\n");
	rec_write(e, &e->rep.report, &b);
}

static void write_count(struct nm_engine *e, const struct nm_context *c)
{
	struct nm_buf b;
	if (!e->rep.log_file[0] || !rec_begin(e, &b))
		return;
	put(&b, "{\"type\":\"count\",\"pid\":");
	put_dec(&b, nm_os_getpid());
	put(&b, ",\"context\":");
	put_dec(&b, (long)c->id);
	put(&b, ",\"count\":");
	put_dec(&b, (long)c->count);
	put(&b, "}");
	log_record(e, &b);
}

#define NM_FRAMES 32
#define NM_KEY_FRAMES 8
#define NM_RAW_FRAMES (NM_FRAMES + 16)

/* Capture the stack into raw[NM_RAW_FRAMES]; the program's frames start at *first (the
 * tool's own frames, before the program's call, come first).  Returns how many. */
static int capture(const struct nm_pending_event *p, void **raw, int *first)
{
	int n = nm_unwind_backtrace(raw, NM_RAW_FRAMES), f = 0;
	for (int i = 0; i < n; i++)
		if (raw[i] == p->caller) {
			f = i;
			break;
		}
	*first = f;
	if (p->caller && (n == 0 || raw[f] != p->caller)) {
		raw[0] = (void *)p->caller; /* unwinding failed: at least the caller */
		*first = 0;
		return 1;
	}
	return n - f < NM_FRAMES ? n - f : NM_FRAMES;
}

static void record_context(struct nm_engine *e, const struct nm_pending_event *p, void **pcs, int n, int key,
			   uintptr_t h, struct nm_frame *frames);

static void report_one(struct nm_engine *e, const struct nm_pending_event *p)
{
	void *raw[NM_RAW_FRAMES]; /* the largest local of a report: 384 bytes */
	int first, n = capture(p, raw, &first), key = n < NM_KEY_FRAMES ? n : NM_KEY_FRAMES;
	void **pcs = raw + first;
	uintptr_t h = context_hash(p->rule, pcs, key);
	bool fresh;

	/* the common case, a context seen before: count it, nothing else */
	pthread_mutex_lock(&e->rep.report_lock);
	struct nm_context *c = context_find(e, p->rule, h, pcs, key, &fresh);
	if (c && !fresh) {
		c->count++;
		if (c->suppressed)
			e->rep.suppressed++;
		if ((c->count & (c->count - 1)) == 0)
			write_count(e, c);
		pthread_mutex_unlock(&e->rep.report_lock);
		return;
	}
	pthread_mutex_unlock(&e->rep.report_lock);
	if (!c)
		return;

	/* a new context (rare): name its frames in a buffer of their own, mapped for
	 * this call and not kept per thread (TLS that every thread of every process
	 * would clear and fault in at start, and never on the stack, which may be small) */
	size_t frames_len = sizeof(struct nm_frame) * NM_FRAMES;
	struct nm_frame *frames = nm_os_table_alloc(frames_len);
	if (!frames) {
		pthread_mutex_lock(&e->rep.report_lock);
		c->count++; /* counted, though it cannot be written out in full */
		pthread_mutex_unlock(&e->rep.report_lock);
		return;
	}
	record_context(e, p, pcs, n, key, h, frames);
	nm_os_munmap((uintptr_t)frames, frames_len);
}

/* Name the frames of a context seen for the first time (loader lock), then record
 * it and write it out (our lock). */
static void record_context(struct nm_engine *e, const struct nm_pending_event *p, void **pcs, int n, int key,
			   uintptr_t h, struct nm_frame *frames)
{
	struct nm_context *c;
	bool fresh;
	for (int i = 0; i < n; i++)
		nm_frame_resolve(&frames[i], (uintptr_t)pcs[i]);
	pthread_mutex_lock(&e->rep.report_lock);
	c = context_find(e, p->rule, h, pcs, key, &fresh);
	if (!c || !fresh) { /* another thread recorded it meanwhile */
		if (c)
			c->count++;
		pthread_mutex_unlock(&e->rep.report_lock);
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
	c->id = (uint32_t)++e->rep.contexts_used;
	const char *sup = nm_suppression_match(nm_rules[p->rule].id, frames, n);
	c->suppressed = sup != NULL;
	if (sup) {
		size_t l = strlen(sup);
		if (l >= sizeof(c->suppression))
			l = sizeof(c->suppression) - 1;
		memcpy(c->suppression, sup, l);
		c->suppression[l] = 0;
		e->rep.suppressed++;
	}
	struct nm_buf top = { .p = c->top, .cap = sizeof(c->top) };
	if (n)
		put_frame(&top, &frames[0]);
	write_modules(e, frames, n);
	write_violation(e, c, p, frames, n);
	if (!c->suppressed) {
		write_stderr(e, p, frames, n);
		if (e->cfg.gen_suppressions)
			write_gen_suppression(e, p, frames, n);
	}
	pthread_mutex_unlock(&e->rep.report_lock);
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
	struct nm_buf b;
	if (!e->rep.log_file[0])
		return;
	pthread_mutex_lock(&e->rep.report_lock);
	if (!rec_begin(e, &b)) {
		log_failure(e, ENOMEM);
		pthread_mutex_unlock(&e->rep.report_lock);
		return;
	}
	put(&b, "{\"type\":\"start\",\"schema\":1,\"tool\":\"nommu\",\"run\":");
	put_json_str(&b, e->cfg.run_id);
	put(&b, ",\"pid\":");
	put_dec(&b, nm_os_getpid());
	put(&b, ",\"ppid\":");
	put_dec(&b, syscall(SYS_getppid));
	put(&b, ",\"program\":");
	bool cut = put_json_field(&b, program, NM_FIELD_MAX);
	put(&b, ",\"time\":");
	put_time(&b);
	put(&b, ",\"mode\":\"");
	put(&b, e->cfg.mode == NM_MODE_STRICT ? "strict" : "report");
	put(&b, "\",\"profile\":");
	put_json_str(&b, e->cfg.profile);
	put(&b, ",\"mem\":");
	put_dec(&b, (long)e->cfg.ram_size);
	put(&b, ",\"page_size\":");
	put_dec(&b, (long)e->cfg.page_size);
	put(&b, ",\"max_order\":");
	put_dec(&b, (long)e->cfg.max_order);
	if (cut)
		put(&b, ",\"truncated\":true");
	put(&b, "}");
	log_record(e, &b);
	pthread_mutex_unlock(&e->rep.report_lock);
}

/* The stderr lines of the exit summary, one write each. */
static void summary_stderr(struct nm_engine *e)
{
	struct nm_buf b;
	unsigned long shown = e->rep.violations - e->rep.suppressed;
	if (!e->rep.violations || !rec_begin(e, &b))
		return;
	put(&b, "nommu: ");
	put_dec(&b, (long)shown);
	put(&b, shown == 1 ? " violation from " : " violations from ");
	put_dec(&b, (long)e->rep.contexts_used);
	put(&b, e->rep.contexts_used == 1 ? " context" : " contexts");
	if (e->rep.suppressed) {
		put(&b, " (");
		put_dec(&b, (long)e->rep.suppressed);
		put(&b, " suppressed)");
	}
	put(&b, "\n");
	rec_write(e, &e->rep.report, &b);
	for (unsigned i = 0; i < NM_CONTEXTS; i++) {
		struct nm_context *c = &e->rep.contexts[i];
		if (!c->used || c->suppressed || !rec_begin(e, &b))
			continue;
		put(&b, "nommu:   ");
		put_dec(&b, (long)c->count);
		put(&b, " x ");
		put(&b, nm_rules[c->rule].id);
		put(&b, " in ");
		put(&b, c->top);
		put(&b, "\n");
		rec_write(e, &e->rep.report, &b);
	}
}

/* The summary record: every context's count, however many (the buffer grows). */
static void summary_record(struct nm_engine *e, const struct nm_heap_usage *heap)
{
	struct nm_buf j;
	if (!e->rep.log_file[0])
		return;
	if (!rec_begin(e, &j)) {
		if (!e->rep.log_failed)
			log_failure(e, ENOMEM);
		return;
	}
	put(&j, "{\"type\":\"summary\",\"pid\":");
	put_dec(&j, nm_os_getpid());
	put(&j, ",\"violations\":");
	put_dec(&j, (long)e->rep.violations);
	put(&j, ",\"contexts\":");
	put_dec(&j, (long)e->rep.contexts_used);
	put(&j, ",\"suppressed\":");
	put_dec(&j, (long)e->rep.suppressed);
	put(&j, ",\"counts\":[");
	bool first = true;
	for (unsigned i = 0; i < NM_CONTEXTS; i++) {
		struct nm_context *c = &e->rep.contexts[i];
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
	log_record(e, &j);
}

void nm_engine_summary(struct nm_engine *e, const struct nm_heap_usage *heap)
{
	pthread_mutex_lock(&e->rep.report_lock);
	summary_stderr(e);
	summary_record(e, heap);
	pthread_mutex_unlock(&e->rep.report_lock);
}
