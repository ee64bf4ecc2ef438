/* core/heap_class.c - size classes and span geometry.
 *
 * 40 classes: 16..128 in steps of 16, then four per doubling up to 32 KiB
 * (2^k * 1.25, 1.5, 1.75, 2), so internal waste stays under 25 %.  Each class
 * gets a span size (a few 4 KiB units) that holds enough slots and wastes
 * little of its tail, and a thread-cache capacity that keeps about 8 KiB per
 * class per thread (device RAM hidden in caches stays small).
 */
#include "heap.h"

const uint32_t nm_class_size[NM_NCLASS] = {
	16,   32,   48,   64,   80,    96,    112,   128,   160,   192,   224,   256,   320,  384,
	448,  512,  640,  768,  896,   1024,  1280,  1536,  1792,  2048,  2560,  3072,  3584, 4096,
	5120, 6144, 7168, 8192, 10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768,
};

/* class of the sizes 16*i - 15 .. 16*i (index i = (n + 15) >> 4, n <= 1024) */
const uint8_t nm_class_small[65] = {
	0,  0,  1,  2,  3,  4,  5,  6,  7, /* 0..128 */
	8,  8,  9,  9,  10, 10, 11, 11,    /* ..256 */
	12, 12, 12, 12, 13, 13, 13, 13,    /* ..384 */
	14, 14, 14, 14, 15, 15, 15, 15,    /* ..512 */
	16, 16, 16, 16, 16, 16, 16, 16,    /* ..640 */
	17, 17, 17, 17, 17, 17, 17, 17,    /* ..768 */
	18, 18, 18, 18, 18, 18, 18, 18,    /* ..896 */
	19, 19, 19, 19, 19, 19, 19, 19,    /* ..1024 */
};

/* Units per span for a slot size: the fewest units (<= 16) giving at least
   min_slots slots with under 1/8 of the span wasted at its tail. */
static unsigned span_units(uint32_t size)
{
	unsigned min_slots = size <= 1024 ? 8 : size <= 8192 ? 4 : 2;
	unsigned best = NM_SPAN_UNITS_MAX;
	size_t best_waste = (size_t)-1;
	for (unsigned u = 1; u <= NM_SPAN_UNITS_MAX; u++) {
		size_t bytes = (size_t)u << NM_UNIT_SHIFT;
		size_t n = bytes / size;
		size_t waste = bytes - n * size;
		if (n >= min_slots && waste * 8 <= bytes)
			return u;
		if (n >= 1 && waste * 1000 / bytes < best_waste) {
			best_waste = waste * 1000 / bytes;
			best = u;
		}
	}
	return best;
}

void nm_class_setup(struct nm_heap *h)
{
	/* units a chunk of max_chunk bytes offers after its header, roughly */
	size_t chunk_units = h->max_chunk >> NM_UNIT_SHIFT;
	h->max_small = 0;
	for (unsigned c = 0; c < NM_NCLASS; c++) {
		struct nm_class *k = &h->cls[c];
		uint32_t size = nm_class_size[c];
		unsigned units = span_units(size);
		size_t bytes = (size_t)units << NM_UNIT_SHIFT;
		unsigned cap = 8192 / size;
		k->size = size;
		k->inv = (uint32_t)((((uint64_t)1 << 32) + size - 1) / size);
		k->units = (uint8_t)units;
		k->nslots = (uint16_t)(bytes / size);
		k->cap = (uint8_t)(cap < 1 ? 1 : cap > 64 ? 64 : cap);
		/* a class is usable when its span fits a chunk beside the header;
           classes are increasing, so usable ones form a prefix */
		if (chunk_units >= 2 && units + (chunk_units > 64 ? 3u : 1u) <= chunk_units &&
		    h->max_small == (c ? nm_class_size[c - 1] : 0))
			h->max_small = size;
	}
}
