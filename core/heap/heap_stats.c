/* core/heap_stats.c - statistics and violation reports.
 *
 * Counters are atomics in struct nm_heap.  The fast paths do not touch them:
 * each thread keeps an in-use delta in its cache and folds it in here every
 * NM_FOLD bytes (and on flushes, thread exit and nm_heap_get_stats), so the
 * peak is exact to within NM_FOLD per thread.  Mapped bytes are counted at the
 * page-source layer (heap_api.c), which sees every map and unmap.
 */
#include "heap.h"
#include "nm_text.h"

#include <string.h>

static void atomic_max(_Atomic size_t *a, size_t v)
{
	size_t cur = atomic_load_explicit(a, memory_order_relaxed);
	while (v > cur &&
	       !atomic_compare_exchange_weak_explicit(a, &cur, v, memory_order_relaxed, memory_order_relaxed))
		;
}

void nm_stat_in_use(struct nm_heap *h, intptr_t delta)
{
	if (!delta)
		return;
	intptr_t now = atomic_fetch_add_explicit(&h->st_in_use, delta, memory_order_relaxed) + delta;
	if (delta > 0 && now > 0)
		atomic_max(&h->st_peak_in_use, (size_t)now);
}

void nm_stat_request(struct nm_heap *h, size_t n)
{
	atomic_max(&h->st_largest, n);
}

void nm_stat_mapped(struct nm_heap *h, intptr_t bytes, int mappings)
{
	size_t now;
	if (bytes >= 0) {
		now = atomic_fetch_add_explicit(&h->st_mapped, (size_t)bytes, memory_order_relaxed) + (size_t)bytes;
		atomic_max(&h->st_peak_mapped, now);
	} else {
		atomic_fetch_sub_explicit(&h->st_mapped, (size_t)-bytes, memory_order_relaxed);
	}
	if (mappings > 0)
		atomic_fetch_add_explicit(&h->st_mappings, (size_t)mappings, memory_order_relaxed);
	else if (mappings < 0)
		atomic_fetch_sub_explicit(&h->st_mappings, (size_t)-mappings, memory_order_relaxed);
}

void nm_heap_report(struct nm_heap *h, enum nm_heap_event kind, const void *p, size_t n, const void *caller)
{
	switch (kind) {
	case NM_HEAP_DOUBLE_FREE:
		atomic_fetch_add_explicit(&h->st_double, 1, memory_order_relaxed);
		break;
	case NM_HEAP_INVALID_FREE:
		atomic_fetch_add_explicit(&h->st_invalid, 1, memory_order_relaxed);
		break;
	case NM_HEAP_NO_MEMORY:
		atomic_fetch_add_explicit(&h->st_failed, 1, memory_order_relaxed);
		break;
	}
	if (h->report)
		h->report(h->report_ctx, kind, p, n, caller);
}

void nm_heap_get_stats(struct nm_heap *h, struct nm_heap_stats *o)
{
	nm_tcache_fold_self(h);
	intptr_t in_use = atomic_load_explicit(&h->st_in_use, memory_order_relaxed);
	memset(o, 0, sizeof *o);
	o->in_use = in_use > 0 ? (size_t)in_use : 0;
	o->peak_in_use = atomic_load_explicit(&h->st_peak_in_use, memory_order_relaxed);
	if (o->peak_in_use < o->in_use)
		o->peak_in_use = o->in_use;
	o->largest_request = atomic_load_explicit(&h->st_largest, memory_order_relaxed);
	o->mapped = atomic_load_explicit(&h->st_mapped, memory_order_relaxed);
	o->peak_mapped = atomic_load_explicit(&h->st_peak_mapped, memory_order_relaxed);
	o->mappings = atomic_load_explicit(&h->st_mappings, memory_order_relaxed);
	o->large_in_use = atomic_load_explicit(&h->st_large_in_use, memory_order_relaxed);
	o->large_count = atomic_load_explicit(&h->st_large_count, memory_order_relaxed);
	o->failed = atomic_load_explicit(&h->st_failed, memory_order_relaxed);
	o->double_frees = atomic_load_explicit(&h->st_double, memory_order_relaxed);
	o->invalid_frees = atomic_load_explicit(&h->st_invalid, memory_order_relaxed);
	o->model = h->model;
}

/* ---- text without stdio ---- */

struct out {
	char *buf;
	size_t len, pos;
};
static void put_str(struct out *o, const char *s)
{
	while (*s) {
		if (o->pos + 1 < o->len)
			o->buf[o->pos] = *s;
		o->pos++;
		s++;
	}
}
static void put_num(struct out *o, size_t v, unsigned width)
{
	char digits[21];
	size_t n = nm_utoa(digits, v);
	digits[n] = 0;
	for (; n < width; n++)
		put_str(o, " ");
	put_str(o, digits);
}
static void put_line(struct out *o, const char *label, size_t v)
{
	put_str(o, label);
	put_num(o, v, 10);
	put_str(o, "\n");
}

size_t nm_heap_format_stats(struct nm_heap *h, char *buf, size_t len)
{
	struct nm_heap_stats st;
	struct out o = { buf, len, 0 };
	nm_heap_get_stats(h, &st);
	put_str(&o,
		st.model == NM_HEAP_MODEL_SIMPLE           ? "nommu heap (simple model)\n"
			: st.model == NM_HEAP_MODEL_UCLIBC ? "nommu heap (uclibc model)\n"
							   : "nommu heap (fast model)\n");
	put_line(&o, "system bytes     = ", st.mapped);
	put_line(&o, "in use bytes     = ", st.in_use);
	put_line(&o, "max system bytes = ", st.peak_mapped);
	put_line(&o, "max in use bytes = ", st.peak_in_use);
	put_line(&o, "mappings         = ", st.mappings);
	put_line(&o, "large blocks     = ", st.large_count);
	put_line(&o, "large bytes      = ", st.large_in_use);
	put_line(&o, "largest request  = ", st.largest_request);
	put_line(&o, "failed requests  = ", st.failed);
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = 0;
	return o.pos;
}
