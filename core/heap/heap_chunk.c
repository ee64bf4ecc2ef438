/* core/heap_chunk.c - chunks from the page source, the chunk registry, spans.
 *
 * A chunk is one page-source mapping of min_chunk..max_chunk bytes (powers of
 * two).  The engine gives power-of-two blocks naturally aligned, so a chunk is
 * aligned to its size; if a source does not (host memory in report mode), the
 * chunk is mapped twice as large and the aligned part is used.
 *
 * Chunk sizes grow with the heap (a quarter of what is mapped, 64 KiB..1 MiB)
 * so a small program holds little device RAM; when the device cannot give a
 * block that large (fragmentation), smaller chunks are tried down to what the
 * span needs, as uClibc-ng's heap would grow by smaller steps.
 *
 * The registry maps every granule (min_chunk bytes) of every chunk to the
 * chunk: entry = granule base | granule index inside the chunk.  Lookups are
 * lock-free (free() uses them); inserts and removals happen under chunk_lock.
 */
#include "heap.h"

#include <errno.h>
#include <string.h>

_Atomic uintptr_t nm_registry[1u << NM_REG_BITS];

#define REG_MASK ((1u << NM_REG_BITS) - 1)
#define REG_LIMIT ((1u << NM_REG_BITS) / 4 * 3) /* keep probes short */
static size_t reg_fill;                         /* entries + tombstones */
nm_lock_t nm_registry_lock;                     /* the table is shared by every heap (tests make several) */

static int reg_insert(unsigned gshift, uintptr_t chunk, size_t len)
{
	size_t n = len >> gshift;
	nm_lock(&nm_registry_lock);
	if (reg_fill + n > REG_LIMIT) {
		nm_unlock(&nm_registry_lock);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		uintptr_t g = chunk + (k << gshift);
		size_t i = nm_reg_hash(g, gshift);
		for (;;) {
			uintptr_t e = atomic_load_explicit(&nm_registry[i], memory_order_relaxed);
			if (e == 0 || e == NM_REG_TOMB) {
				if (e == 0)
					reg_fill++;
				atomic_store_explicit(&nm_registry[i], g | k, memory_order_release);
				break;
			}
			i = (i + 1) & REG_MASK;
		}
	}
	nm_unlock(&nm_registry_lock);
	return 0;
}

static void reg_remove(unsigned gshift, uintptr_t chunk, size_t len)
{
	size_t n = len >> gshift;
	nm_lock(&nm_registry_lock);
	for (size_t k = 0; k < n; k++) {
		uintptr_t g = chunk + (k << gshift);
		size_t i = nm_reg_hash(g, gshift);
		for (;;) {
			uintptr_t e = atomic_load_explicit(&nm_registry[i], memory_order_relaxed);
			if (e == (g | k)) {
				atomic_store_explicit(&nm_registry[i], NM_REG_TOMB, memory_order_release);
				break;
			}
			if (e == 0)
				break;
			i = (i + 1) & REG_MASK;
		}
	}
	nm_unlock(&nm_registry_lock);
}

/* ---- unit bitmap ---- */

static int unit_used(const struct nm_chunk *c, unsigned u)
{
	return (int)((c->used_map[u >> 6] >> (u & 63)) & 1);
}
static void units_mark(struct nm_chunk *c, unsigned first, unsigned n, int used)
{
	for (unsigned u = first; u < first + n; u++) {
		if (used)
			c->used_map[u >> 6] |= (uint64_t)1 << (u & 63);
		else
			c->used_map[u >> 6] &= ~((uint64_t)1 << (u & 63));
	}
}
/* First run of n free units (first fit keeps spans packed low), or -1. */
static int units_find(const struct nm_chunk *c, unsigned n)
{
	unsigned run = 0;
	for (unsigned u = c->hdr_units; u < c->units; u++) {
		if (unit_used(c, u)) {
			run = 0;
			continue;
		}
		if (++run == n)
			return (int)(u + 1 - n);
	}
	return -1;
}

static size_t header_bytes(unsigned units)
{
	return sizeof(struct nm_chunk) + units + 7u + (size_t)units * sizeof(struct nm_span);
}
static unsigned header_units(unsigned units)
{
	return (unsigned)((header_bytes(units) + NM_UNIT - 1) >> NM_UNIT_SHIFT);
}
/* Does a chunk of size bytes hold its header and a span of need units? */
static int chunk_fits(size_t size, unsigned need)
{
	unsigned units = (unsigned)(size >> NM_UNIT_SHIFT);
	return units <= NM_CHUNK_UNITS_MAX && header_units(units) + need <= units;
}

/* ---- chunks ---- */

/* Map a new chunk able to hold a span of `need` units; NULL + errno-like *err. */
static struct nm_chunk *chunk_new(struct nm_heap *h, unsigned need, int *err)
{
	size_t size = h->min_chunk;
	size_t mapped = atomic_load_explicit(&h->st_mapped, memory_order_relaxed) / 4;
	while (size < h->max_chunk && size * 2 <= mapped)
		size *= 2;
	size_t least = h->min_chunk; /* smallest chunk that holds header + span */
	while (least < h->max_chunk && !chunk_fits(least, need))
		least *= 2;
	if (!chunk_fits(least, need)) {
		*err = ENOMEM;
		return NULL;
	}
	if (size < least)
		size = least;

	void *raw;
	for (;;) {
		/* larger sizes are only tried (no report); the last one may report */
		raw = nm_source_map_ex(h, size, err, size <= least, 1);
		if (raw || size <= least)
			break;
		size /= 2; /* fragmented device: try a smaller block */
	}
	if (!raw)
		return NULL;
	size_t raw_len = size;
	uintptr_t base = (uintptr_t)raw;
	if (base & (size - 1)) {
		/* not naturally aligned (host memory): map more and align inside */
		nm_source_unmap(h, raw, size);
		raw_len = 2 * size - h->page_size;
		raw = nm_source_map_ex(h, raw_len, err, 1, 1);
		if (!raw)
			return NULL;
		base = ((uintptr_t)raw + size - 1) & ~(uintptr_t)(size - 1);
	}
	if (reg_insert(h->gshift, base, size) != 0) {
		nm_source_unmap(h, raw, raw_len);
		*err = ENOMEM;
		return NULL;
	}

	unsigned units = (unsigned)(size >> NM_UNIT_SHIFT);
	struct nm_chunk *c = (struct nm_chunk *)base;
	/* the memory may hold old bytes (mapped uninitialised): clear the header; the
       slots need nothing (calloc clears its own) */
	unsigned hdr_units = header_units(units);
	memset(c, 0, (size_t)hdr_units << NM_UNIT_SHIFT);
	c->heap = h;
	c->raw = raw;
	c->raw_len = raw_len;
	c->units = units;
	c->hdr_units = hdr_units;
	c->free_units = units - c->hdr_units;
	c->spans = (struct nm_span *)(((uintptr_t)c->unit_span + units + 7u) & ~(uintptr_t)7);
	for (unsigned u = 0; u < units; u++) {
		c->unit_span[u] = (uint8_t)u;  /* free units map to themselves... */
		c->spans[u].cls = NM_CLS_NONE; /* ...whose descriptor says "not in use" */
	}
	for (unsigned u = 0; u < c->hdr_units; u++)
		c->unit_span[u] = 0;
	units_mark(c, 0, c->hdr_units, 1);
	c->magic = NM_CHUNK_MAGIC;
	return c;
}

static void chunk_free(struct nm_heap *h, struct nm_chunk *c)
{
	reg_remove(h->gshift, (uintptr_t)c, (size_t)c->units << NM_UNIT_SHIFT);
	c->magic = 0;
	nm_source_unmap(h, c->raw, c->raw_len);
}

static void chunk_link(struct nm_heap *h, struct nm_chunk *c)
{
	c->prev = NULL;
	c->next = h->chunks;
	if (h->chunks)
		h->chunks->prev = c;
	h->chunks = c;
	h->chunk_bytes += (size_t)c->units << NM_UNIT_SHIFT;
}
static void chunk_unlink(struct nm_heap *h, struct nm_chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		h->chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->chunk_bytes -= (size_t)c->units << NM_UNIT_SHIFT;
}

/* Carve n units from c at first and describe them as a span of class cls. */
static struct nm_span *span_carve(struct nm_heap *h, struct nm_chunk *c, unsigned first, unsigned cls)
{
	const struct nm_class *k = &h->cls[cls];
	unsigned n = k->units;
	units_mark(c, first, n, 1);
	c->free_units -= n;
	struct nm_span *s = &c->spans[first];
	s->free = NULL;
	s->next = s->prev = NULL;
	s->bump = 0;
	s->used = 0;
	s->nslots = k->nslots;
	s->units = (uint8_t)n;
	s->on_partial = 0;
	for (unsigned u = first; u < first + n; u++)
		c->unit_span[u] = (uint8_t)first;
	/* publish the class last: free() of a stale pointer reads it unlocked */
	__atomic_store_n(&s->cls, (uint8_t)cls, __ATOMIC_RELEASE);
	return s;
}

struct nm_span *nm_span_alloc(struct nm_heap *h, unsigned cls)
{
	unsigned n = h->cls[cls].units;
	nm_lock(&h->chunk_lock);
	for (struct nm_chunk *c = h->chunks; c; c = c->next) {
		if (c->free_units < n)
			continue;
		int first = units_find(c, n);
		if (first >= 0) {
			struct nm_span *s = span_carve(h, c, (unsigned)first, cls);
			nm_unlock(&h->chunk_lock);
			return s;
		}
	}
	nm_unlock(&h->chunk_lock);

	/* no room: map a chunk without holding any lock */
	int err = 0;
	struct nm_chunk *c = chunk_new(h, n, &err);
	if (!c)
		return NULL;
	nm_lock(&h->chunk_lock);
	chunk_link(h, c);
	struct nm_span *s = span_carve(h, c, c->hdr_units, cls);
	nm_unlock(&h->chunk_lock);
	return s;
}

void nm_span_release(struct nm_heap *h, struct nm_span *s)
{
	struct nm_chunk *c = (struct nm_chunk *)((uintptr_t)s & ~(((uintptr_t)1 << h->gshift) - 1));
	unsigned first = (unsigned)(s - c->spans);
	nm_lock(&h->chunk_lock);
	__atomic_store_n(&s->cls, (uint8_t)NM_CLS_NONE, __ATOMIC_RELAXED);
	for (unsigned u = first; u < first + s->units; u++)
		c->unit_span[u] = (uint8_t)u;
	units_mark(c, first, s->units, 0);
	c->free_units += s->units;
	struct nm_chunk *drop = NULL;
	if (c->free_units == c->units - c->hdr_units) {
		/* empty: keep it as the spare unless another empty chunk exists */
		for (struct nm_chunk *o = h->chunks; o; o = o->next) {
			if (o != c && o->free_units == o->units - o->hdr_units) {
				drop = c;
				break;
			}
		}
		if (drop)
			chunk_unlink(h, drop);
	}
	nm_unlock(&h->chunk_lock);
	if (drop)
		chunk_free(h, drop);
}

size_t nm_chunk_trim(struct nm_heap *h, int keep_spare)
{
	struct nm_chunk *drop = NULL;
	size_t bytes = 0;
	int kept = 0;
	nm_lock(&h->chunk_lock);
	for (struct nm_chunk *c = h->chunks, *next; c; c = next) {
		next = c->next;
		if (c->free_units != c->units - c->hdr_units)
			continue;
		if (keep_spare && !kept) {
			kept = 1;
			continue;
		}
		chunk_unlink(h, c);
		c->next = drop; /* reuse the link for the drop list */
		drop = c;
		bytes += (size_t)c->units << NM_UNIT_SHIFT;
	}
	nm_unlock(&h->chunk_lock);
	while (drop) {
		struct nm_chunk *next = drop->next;
		chunk_free(h, drop);
		drop = next;
	}
	return bytes;
}

void nm_chunk_destroy_all(struct nm_heap *h)
{
	nm_lock(&h->chunk_lock);
	struct nm_chunk *c = h->chunks;
	h->chunks = NULL;
	h->chunk_bytes = 0;
	nm_unlock(&h->chunk_lock);
	while (c) {
		struct nm_chunk *next = c->next;
		chunk_free(h, c);
		c = next;
	}
}
