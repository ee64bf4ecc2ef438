/* core/heap_central.c - per-class central free lists.
 *
 * Thread caches refill from here and flush back here, a batch at a time, so
 * the class lock is taken once per batch, not per malloc.  Each class keeps a
 * doubly linked "partial" list of spans that have a slot to give: freed slots
 * first (span->free), then never-used ones (span->bump).  A span whose slots
 * all come back is released to its chunk, except one per class kept to avoid
 * thrashing when a program allocates and frees a span's worth repeatedly.
 *
 * Each class has NM_SHARDS such lists, each with its own spans; threads are
 * spread over the shards, so two threads rarely share a span and their blocks
 * do not end up interleaved in the same cache lines.  A slot always goes back
 * to its own span, whoever frees it.
 *
 * Lock order: class lock, then chunk lock (never the other way round).  Spans
 * are allocated and released with no class lock held.
 */
#include "heap.h"

static void partial_push(struct nm_central *k, struct nm_span *s)
{
	s->prev = NULL;
	s->next = k->partial;
	if (k->partial)
		k->partial->prev = s;
	k->partial = s;
	s->on_partial = 1;
}
static void partial_remove(struct nm_central *k, struct nm_span *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		k->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->on_partial = 0;
}

/* Move up to want slots of s onto *list (word 1 of each = key); under the lock. */
static unsigned span_take(struct nm_heap *h, struct nm_chunk *c, struct nm_span *s, unsigned size, unsigned want,
			  void **list)
{
	unsigned got = 0;
	while (got < want && s->free) { /* freed slots already carry the key */
		void **p = s->free;
		s->free = p[0];
		p[0] = *list;
		*list = p;
		got++;
	}
	if (got < want && s->bump < s->nslots) { /* then fresh ones, in address order */
		uintptr_t base = nm_span_start(c, s);
		unsigned n = s->nslots - s->bump;
		if (n > want - got)
			n = want - got;
		/* linking a fresh slot writes to it: take only the slots that start in
           the page of the first one (at least that one), so a refill faults in
           one new host page, not pages the program may never use.  Page faults
           are what a fresh heap costs most (about 10 us each in a VM). */
		uintptr_t first = base + (uintptr_t)s->bump * size;
		uintptr_t page_end = (first | (NM_UNIT - 1)) + 1;
		unsigned most = (unsigned)((page_end - first + size - 1) / size);
		if (n > most)
			n = most;
		/* push from the highest so the list pops in increasing addresses */
		for (unsigned i = s->bump + n; i-- > s->bump;) {
			void **p = (void **)(base + (uintptr_t)i * size);
			p[0] = *list;
			p[1] = (void *)(uintptr_t)h->key;
			*list = p;
		}
		__atomic_store_n(&s->bump, s->bump + n, __ATOMIC_RELEASE);
		got += n;
	}
	s->used += got;
	return got;
}

static struct nm_chunk *chunk_of_span(struct nm_heap *h, struct nm_span *s)
{
	return (struct nm_chunk *)((uintptr_t)s & ~(((uintptr_t)1 << h->gshift) - 1));
}

unsigned nm_central_take(struct nm_heap *h, unsigned cls, unsigned shard, unsigned want, void **list)
{
	struct nm_central *k = &h->central[cls][shard];
	unsigned size = h->cls[cls].size;
	unsigned got = 0;
	*list = NULL;
	for (;;) {
		nm_lock(&k->lock);
		while (got < want && k->partial) {
			struct nm_span *s = k->partial;
			got += span_take(h, chunk_of_span(h, s), s, size, want - got, list);
			if (!s->free && s->bump == s->nslots)
				partial_remove(k, s);
		}
		nm_unlock(&k->lock);
		if (got)
			return got;
		/* nothing partial: a new span, mapped with no class lock held */
		struct nm_span *s = nm_span_alloc(h, cls);
		if (!s)
			return 0;
		s->shard = (uint8_t)shard;
		nm_lock(&k->lock);
		partial_push(k, s);
		nm_unlock(&k->lock);
	}
}

void nm_central_put(struct nm_heap *h, unsigned cls, void *list, unsigned n)
{
	struct nm_central *k = NULL;    /* the shard whose lock is held */
	struct nm_span *release = NULL; /* emptied spans, linked through ->next */
	while (n-- && list) {
		void **p = list;
		list = p[0];
		struct nm_chunk *c = nm_chunk_of(h, (uintptr_t)p, h->gshift);
		struct nm_span *s = nm_span_of(c, (uintptr_t)p);
		struct nm_central *ks = &h->central[cls][s->shard];
		if (ks != k) { /* usually all slots are of one shard */
			if (k)
				nm_unlock(&k->lock);
			k = ks;
			nm_lock(&k->lock);
		}
		p[0] = s->free;
		s->free = p;
		s->used--;
		if (!s->on_partial)
			partial_push(k, s);
		if (s->used == 0 && (s->prev || s->next)) {
			/* empty and not the shard's only partial span: give it back */
			partial_remove(k, s);
			s->next = release;
			release = s;
		}
	}
	if (k)
		nm_unlock(&k->lock);
	while (release) {
		struct nm_span *next = release->next;
		nm_span_release(h, release);
		release = next;
	}
}

size_t nm_central_trim(struct nm_heap *h)
{
	size_t count = 0;
	for (unsigned i = 0; i < NM_NCLASS * NM_SHARDS; i++) {
		struct nm_central *k = &h->central[i / NM_SHARDS][i % NM_SHARDS];
		struct nm_span *release = NULL;
		nm_lock(&k->lock);
		for (struct nm_span *s = k->partial, *next; s; s = next) {
			next = s->next;
			if (s->used == 0) {
				partial_remove(k, s);
				s->next = release;
				release = s;
			}
		}
		nm_unlock(&k->lock);
		while (release) {
			struct nm_span *next = release->next;
			nm_span_release(h, release);
			release = next;
			count++;
		}
	}
	return count;
}
