/* core/heap/heap.h - malloc from the device's RAM.
 *
 * All types of the heap live in this one header; the code is split by concern:
 *   heap_class.c    size classes and span geometry
 *   heap_chunk.c    chunks taken from the page source, the chunk registry, spans
 *   heap_central.c  per-class central free lists (refill / flush of thread caches)
 *   heap_tcache.c   per-thread caches: the lock-free malloc/free fast paths
 *   heap_large.c    large allocations, one page-source mapping each
 *   heap_simple.c   the "simple" model (one mapping per allocation, as uClibc-ng)
 *   heap_uclibc.c   the "uclibc" model (uClibc-ng's default malloc: first-fit free list)
 *   heap_stats.c    statistics, mallinfo, malloc_stats text
 *   heap_api.c      init/destroy, calloc/realloc/memalign/usable size, trim, fork
 *
 * The heap asks for memory only through struct nm_page_source (the engine's
 * no-MMU mmap); it never calls mmap itself.  Nothing here calls malloc, stdio
 * or anything that needs initialising, so it works before constructors run.
 *
 * Fast model layout:
 *   chunk  = one page-source mapping of 64 KiB .. 1 MiB (power of two, naturally
 *            aligned), split into 4 KiB units.  Its first unit(s) hold the chunk
 *            header: a unit -> span map and the span descriptors.
 *   span   = a run of units serving one size class, carved into equal slots.
 *   slot   = what malloc returns.  A free slot holds the next pointer in word 0
 *            and the heap's secret key in word 1 (double-free detection).
 *   pointer -> chunk: a global lock-free hash of "granules" (the smallest chunk
 *            size, 64 KiB), so free() of a foreign pointer is recognised without
 *            touching memory that may not exist.
 */
#ifndef NOMMU_CORE_HEAP_H
#define NOMMU_CORE_HEAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "heap_glue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================== */
/* Interface to the engine                                                */
/* ===================================================================== */

/* The heap gets pages only through this. */
struct nm_page_source {
	/* Map len bytes (a multiple of page_size) of device RAM; NULL + *err = errno on failure.
       The engine counts it exactly like an anonymous mmap (power-of-two block, trimming,
       largest block).  flags:
         NM_PS_TRY     when the device cannot give the block, just fail: no report, no
                       host memory (the heap tries a larger chunk first, and trims its
                       caches before a map that would report)
         NM_PS_UNINIT  the memory may hold old bytes, as uClibc-ng's heap growth with
                       MAP_UNINITIALIZED: nothing cleared, no page faulted in (malloc's
                       large blocks, chunks); without it the memory reads as zeros
       Without NM_PS_TRY, in report mode, when the device can't, the engine serves host
       memory instead and says so with *err = ENOMEM on success (else *err = 0); the heap
       then reports malloc-no-memory for the request that needed it and carries on. */
	void *(*map)(void *ctx, size_t len, int flags, int *err);
	void (*unmap)(void *ctx, void *p, size_t len); /* whole mappings only, exactly as mapped */
	void *ctx;
	size_t page_size; /* device page size (4096 by default) */
	size_t max_block; /* largest single mapping the device can give, bytes */
	/* Optional: grow the mapping [p, p+old_len) in place to new_len (page multiples)
       when the device RAM after it is free; 0 on success, -1 if it cannot (nothing
       reported).  realloc uses it so that a growing large block need not be copied. */
	int (*grow)(void *ctx, void *p, size_t old_len, size_t new_len);
	/* Optional (NULL = map/unmap): zeroed memory for the heap's own bookkeeping that the
       board's malloc would not have (the large-block table: uClibc-ng keeps a size word
       in the block instead).  Not device RAM, so it neither counts nor is capped by the
       largest block. */
	void *(*meta_map)(void *ctx, size_t len);
	void (*meta_unmap)(void *ctx, void *p, size_t len);
};
/* NM_PS_TRY, NM_PS_UNINIT and the events of the report hook: heap_glue.h */

/* Called (with no heap lock held) for every violation; the heap then carries on:
   the bad free is ignored, the failed allocation returns NULL/ENOMEM. */
typedef void (*nm_heap_report_fn)(void *ctx, enum nm_heap_event event, const void *ptr, size_t size,
				  const void *caller);

/* preload/malloc.c builds the page source from the engine's heap calls declared in
 * heap_glue.h (nm_heap_map_ex, nm_heap_unmap, nm_heap_grow, nm_heap_meta_map,
 * nm_heap_violation for the report hook).  The core heap itself sees the engine
 * only through nm_page_source and the hook. */

/* ===================================================================== */
/* Public API                                                             */
/* ===================================================================== */

enum nm_heap_model {
	NM_HEAP_MODEL_FAST = 0,   /* size classes, thread caches, chunks (default) */
	NM_HEAP_MODEL_SIMPLE = 1, /* one page-source mapping per allocation */
	NM_HEAP_MODEL_UCLIBC = 2, /* uClibc-ng's malloc: address-ordered first-fit free list */
};

struct nm_heap_stats {
	size_t in_use;          /* bytes handed to the program now (usable sizes) */
	size_t peak_in_use;     /* highest in_use seen (thread-cache folding: within 32 KiB/thread) */
	size_t largest_request; /* largest size ever asked of malloc & co (served or not) */
	size_t mapped;          /* bytes the heap holds from the page source now */
	size_t peak_mapped;     /* highest mapped */
	size_t mappings;        /* page-source mappings held now */
	size_t large_in_use;    /* part of in_use in large (own mapping) allocations */
	size_t large_count;     /* live large allocations */
	size_t failed;          /* requests the device could not serve (strict: NULL; report: host memory) */
	size_t double_frees;    /* violations reported */
	size_t invalid_frees;
	int model; /* enum nm_heap_model */
};

struct nm_heap;

/* Parse a model name: NULL or "" or "fast" -> FAST, "simple" -> SIMPLE, "uclibc" -> UCLIBC;
   -1 if unknown. */
int nm_heap_model_parse(const char *name);

/* Set up a heap over src.  model: see nm_heap_model_parse (unknown -> EINVAL).
   report may be NULL.  The struct must stay where it is while in use. */
int nm_heap_init(struct nm_heap *h, const struct nm_page_source *src, const char *model, nm_heap_report_fn report,
		 void *report_ctx);
/* Give every mapping back (tests).  Other threads must be done with the heap. */
void nm_heap_destroy(struct nm_heap *h);

/* The malloc family.  caller = return address of the exported function (for reports).
   All set errno (ENOMEM/EINVAL) on failure like glibc; free never changes errno. */
void *nm_heap_malloc(struct nm_heap *h, size_t n, const void *caller);
void nm_heap_free(struct nm_heap *h, void *p, const void *caller);
void *nm_heap_calloc(struct nm_heap *h, size_t nmemb, size_t size, const void *caller);
void *nm_heap_realloc(struct nm_heap *h, void *p, size_t n, const void *caller);
/* align: a power of two (callers validate); any value up to max_block works. */
void *nm_heap_memalign(struct nm_heap *h, size_t align, size_t n, const void *caller);
/* 0 for NULL or a pointer not from this heap. */
size_t nm_heap_usable_size(struct nm_heap *h, const void *p);
/* Does p look like a live block of this heap (no report)? */
int nm_heap_owns(struct nm_heap *h, const void *p);

/* Return cached memory to the page source; 1 if anything was given back. */
int nm_heap_trim(struct nm_heap *h);
void nm_heap_get_stats(struct nm_heap *h, struct nm_heap_stats *out);
/* Human-readable summary like glibc's malloc_stats (no allocation); returns length. */
size_t nm_heap_format_stats(struct nm_heap *h, char *buf, size_t len);

/* Fork: prepare takes every heap lock, parent releases them, child resets them.
   The preload's fork handlers call them through nm_malloc_atfork_* (preload/
   malloc.c): engine lock first, then the heap's.  The heap never calls the page
   source with one of its locks held, so that order cannot deadlock. */
void nm_heap_atfork_prepare(struct nm_heap *h);
void nm_heap_atfork_parent(struct nm_heap *h);
void nm_heap_atfork_child(struct nm_heap *h);

/* ===================================================================== */
/* Internals (shared by core/heap_*.c only)                               */
/* ===================================================================== */

#define NM_LIKELY(x) __builtin_expect(!!(x), 1)
#define NM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NM_HIDDEN __attribute__((visibility("hidden")))

#define NM_ALIGN 16u     /* malloc's alignment (glibc x86_64) */
#define NM_UNIT_SHIFT 12 /* chunks are split into 4 KiB units */
#define NM_UNIT ((size_t)1 << NM_UNIT_SHIFT)
#define NM_NCLASS 40        /* 16..128 by 16, then 4 per doubling to 32 KiB */
#define NM_CLASS_MAX 32768u /* largest size class */
#define NM_CLS_NONE 0xffu   /* span descriptor not in use */
#define NM_CHUNK_MIN ((size_t)64 << 10)
#define NM_CHUNK_MAX ((size_t)1 << 20)
#define NM_CHUNK_UNITS_MAX (NM_CHUNK_MAX >> NM_UNIT_SHIFT) /* 256 */
#define NM_SPAN_UNITS_MAX 16                               /* spans are at most 64 KiB */
#define NM_CHUNK_MAGIC 0x6e6d6368756e6b31ull               /* "nmchunk1" */
#define NM_FOLD ((intptr_t)32 << 10)                       /* thread stats folded every 32 KiB */
#define NM_BIG_INLINE 64                                   /* large-table entries inside struct nm_heap */
#define NM_RING 32                                         /* recently freed large pointers */
#define NM_LCACHE 8                                        /* freed large mappings kept for reuse... */
#define NM_LCACHE_BYTES ((size_t)1 << 20)                  /* ...up to this much device RAM in all */
#define NM_LCACHE_MAX ((size_t)512 << 10)                  /* ...each at most this large */
#define NM_SHARDS 4                                        /* central lists per class; threads spread over them */

/* A spinlock that needs no initialisation (zero = unlocked). */
typedef struct {
	atomic_int v;
} nm_lock_t;
NM_HIDDEN void nm_lock_wait(nm_lock_t *l);
static inline void nm_lock(nm_lock_t *l)
{
	if (NM_UNLIKELY(atomic_exchange_explicit(&l->v, 1, memory_order_acquire)))
		nm_lock_wait(l);
}
static inline void nm_unlock(nm_lock_t *l)
{
	atomic_store_explicit(&l->v, 0, memory_order_release);
}

/* ---- size classes (heap_class.c) ---- */
struct nm_class {
	uint32_t size;   /* slot size */
	uint32_t inv;    /* ceil(2^32 / size): slot index = off * inv >> 32 (off < 64 KiB) */
	uint16_t nslots; /* slots per span */
	uint8_t units;   /* units per span */
	uint8_t cap;     /* thread-cache capacity (slots) */
};
NM_HIDDEN extern const uint8_t nm_class_small[65]; /* (n + 15) >> 4 -> class, n <= 1024 */
NM_HIDDEN extern const uint32_t nm_class_size[NM_NCLASS];

/* Size class of n (1 <= n <= NM_CLASS_MAX; 0 maps to the 16-byte class). */
static inline unsigned nm_size_class(size_t n)
{
	if (NM_LIKELY(n <= 1024))
		return nm_class_small[(n + 15) >> 4];
	/* four classes per doubling: (2^k, 2^(k+1)] -> 2^k * {1.25, 1.5, 1.75, 2} */
	size_t m = n - 1;
	unsigned k = 63u - (unsigned)__builtin_clzl(m);
	return 8u + (k - 7u) * 4u + (unsigned)((m >> (k - 2)) & 3u);
}
NM_HIDDEN void nm_class_setup(struct nm_heap *h);

/* ---- spans and chunks (heap_chunk.c) ---- */
struct nm_span {
	void *free;                  /* freed slots (word 0 = next), under the class lock */
	struct nm_span *next, *prev; /* the class's partial list */
	uint32_t bump;               /* slots [bump, nslots) were never handed out */
	uint32_t used;               /* slots out of the span: in the program or a thread cache */
	uint16_t nslots;
	uint8_t cls; /* size class, NM_CLS_NONE when the units are free */
	uint8_t units;
	uint8_t on_partial;
	uint8_t shard; /* central list it belongs to */
	uint8_t pad[2];
};

struct nm_chunk {
	uint64_t magic;
	struct nm_heap *heap;
	struct nm_span *spans;        /* [units], indexed by a span's first unit */
	struct nm_chunk *next, *prev; /* the heap's chunk list */
	void *raw;                    /* the mapping as returned by the page source */
	size_t raw_len;
	uint32_t units;     /* chunk size / 4 KiB */
	uint32_t hdr_units; /* units taken by this header */
	uint32_t free_units;
	uint32_t pad;
	uint64_t used_map[NM_CHUNK_UNITS_MAX / 64]; /* 1 = unit in a span or the header */
	uint8_t unit_span[];                        /* [units]: first unit of the span covering each unit */
};

/* Chunk registry: granule base -> chunk, lock-free lookups. */
#define NM_REG_BITS 15
#define NM_REG_TOMB UINTPTR_MAX
NM_HIDDEN extern _Atomic uintptr_t nm_registry[1u << NM_REG_BITS];
NM_HIDDEN extern nm_lock_t nm_registry_lock; /* inserts/removals, any heap */

/* Granules of one 16-granule group (a 1 MiB-aligned megabyte for 64 KiB granules,
   which holds any whole chunk) get 16 neighbouring entries; groups are scattered.
   So a chunk's inserts write one cache line, not 16 random pages of the table. */
static inline size_t nm_reg_hash(uintptr_t g, unsigned shift)
{
	uint64_t x = (uint64_t)(g >> shift);
	uint64_t group = ((x >> 4) * 0x9E3779B97F4A7C15ull) >> (64 - NM_REG_BITS);
	return (size_t)(((group << 4) | (x & 15)) & ((1u << NM_REG_BITS) - 1));
}

/* The chunk of this heap containing address a, or NULL.  Never dereferences a. */
static inline struct nm_chunk *nm_chunk_of(const struct nm_heap *h, uintptr_t a, unsigned gshift)
{
	uintptr_t gmask = ((uintptr_t)1 << gshift) - 1;
	uintptr_t g = a & ~gmask;
	size_t i = nm_reg_hash(g, gshift);
	for (;;) {
		uintptr_t e = atomic_load_explicit(&nm_registry[i], memory_order_acquire);
		if (NM_UNLIKELY(e == 0))
			return NULL;
		if (NM_LIKELY((e & ~gmask) == g && e != NM_REG_TOMB)) {
			struct nm_chunk *c = (struct nm_chunk *)(g - ((e & gmask) << gshift));
			return NM_LIKELY(c->heap == h) ? c : NULL;
		}
		i = (i + 1) & ((1u << NM_REG_BITS) - 1);
	}
}
static inline uintptr_t nm_span_start(const struct nm_chunk *c, const struct nm_span *s)
{
	return (uintptr_t)c + ((uintptr_t)(s - c->spans) << NM_UNIT_SHIFT);
}
static inline struct nm_span *nm_span_of(const struct nm_chunk *c, uintptr_t a)
{
	return &c->spans[c->unit_span[(a - (uintptr_t)c) >> NM_UNIT_SHIFT]];
}
/* A fresh span for class cls (cls->units units, descriptor filled), or NULL. */
NM_HIDDEN struct nm_span *nm_span_alloc(struct nm_heap *h, unsigned cls);
/* Give a span's units back; may unmap its chunk. */
NM_HIDDEN void nm_span_release(struct nm_heap *h, struct nm_span *s);
/* Unmap empty chunks (all if keep_spare == 0).  Returns bytes released. */
NM_HIDDEN size_t nm_chunk_trim(struct nm_heap *h, int keep_spare);
NM_HIDDEN void nm_chunk_destroy_all(struct nm_heap *h);

/* ---- central lists (heap_central.c) ---- */
struct nm_central {
	nm_lock_t lock;
	struct nm_span *partial; /* spans with a free slot (maybe one empty span) */
} __attribute__((aligned(64)));

/* Take up to want slots of class cls from the shard's spans as a list (word 0 =
   next, word 1 = key); returns the count (0 = out of memory). */
NM_HIDDEN unsigned nm_central_take(struct nm_heap *h, unsigned cls, unsigned shard, unsigned want, void **list);
/* Give back a list of n slots of class cls. */
NM_HIDDEN void nm_central_put(struct nm_heap *h, unsigned cls, void *list, unsigned n);
/* Release empty spans of every class; returns how many. */
NM_HIDDEN size_t nm_central_trim(struct nm_heap *h);

/* ---- thread caches (heap_tcache.c) ---- */
struct nm_bin {
	void *head; /* cached free slots (word 0 = next) */
	uint16_t count;
	uint16_t cap;
	uint32_t pad;
};
struct nm_tcache {
	struct nm_heap *heap; /* heap the bins belong to (NULL = unbound) */
	uint64_t key;         /* copy of heap->key */
	size_t max_small;     /* copy of heap->max_small */
	intptr_t delta;       /* in_use change not yet folded into the heap */
	size_t max_req;       /* largest request this thread reported */
	int state;            /* NM_TC_* */
	unsigned shard;       /* central lists this thread refills from */
	struct nm_bin bins[NM_NCLASS];
};
#define NM_TC_NEW 0
#define NM_TC_LIVE 1
#define NM_TC_DEAD 2 /* thread exiting: no more caching */
/* Flush every bin of the calling thread's cache (if bound to h); unbind: forget h. */
NM_HIDDEN void nm_tcache_flush_self(struct nm_heap *h, int unbind);
NM_HIDDEN void nm_tcache_fold_self(struct nm_heap *h);
/* Slot info of p in the fast model: 1 + usable size in *usable if p is a live slot. */
NM_HIDDEN int nm_small_lookup(struct nm_heap *h, const void *p, size_t *usable);

/* ---- large allocations (heap_large.c) ---- */
struct nm_big {
	uintptr_t ptr;  /* what the program got; 0 empty, 1 tombstone */
	uintptr_t base; /* the mapping */
	size_t len;
	size_t size; /* usable bytes from ptr */
};
/* hdr: bytes reserved before the block (the simple model's size word);
   zero: the block must read as zeroes (calloc). */
NM_HIDDEN void *nm_large_alloc(struct nm_heap *h, size_t n, size_t align, size_t hdr, int zero, const void *caller);
/* 0 freed, else NM_HEAP_DOUBLE_FREE / NM_HEAP_INVALID_FREE (nothing done). */
NM_HIDDEN int nm_large_free(struct nm_heap *h, void *p);
/* Grow the live large block p to hold n bytes without moving it (page source's
   grow); 1 if done, 0 if p is not a large block or it cannot grow in place. */
NM_HIDDEN int nm_large_grow(struct nm_heap *h, void *p, size_t n);
/* usable size of a live large block, 0 if not one. */
NM_HIDDEN size_t nm_large_usable(struct nm_heap *h, const void *p);
NM_HIDDEN void nm_large_destroy_all(struct nm_heap *h);
/* Unmap the cached free mappings; returns bytes released. */
NM_HIDDEN size_t nm_large_trim(struct nm_heap *h);

/* ---- the simple model (heap_simple.c) ---- */
NM_HIDDEN void *nm_simple_malloc(struct nm_heap *h, size_t n, const void *caller);
NM_HIDDEN void *nm_simple_calloc(struct nm_heap *h, size_t n, const void *caller);
NM_HIDDEN void *nm_simple_memalign(struct nm_heap *h, size_t align, size_t n, const void *caller);
NM_HIDDEN void nm_simple_free(struct nm_heap *h, void *p, const void *caller);

/* ---- the uclibc model (heap_uclibc.c) ---- */
struct nm_uc_area {                     /* a free area's descriptor, in its LAST bytes */
	size_t size;                    /* bytes in the area, descriptor included */
	struct nm_uc_area *next, *prev; /* free areas in address order */
};
struct nm_uc_map { /* a page-source mapping the heap took */
	uintptr_t base;
	size_t len;
};
#define NM_UC_INLINE 32 /* mapping records inside struct nm_heap */
NM_HIDDEN void *nm_uc_malloc(struct nm_heap *h, size_t n, const void *caller);
NM_HIDDEN void nm_uc_free(struct nm_heap *h, void *p, const void *caller);
NM_HIDDEN void *nm_uc_calloc(struct nm_heap *h, size_t nmemb, size_t size, const void *caller);
NM_HIDDEN void *nm_uc_realloc(struct nm_heap *h, void *p, size_t n, const void *caller);
NM_HIDDEN void *nm_uc_memalign(struct nm_heap *h, size_t align, size_t n, const void *caller);
NM_HIDDEN size_t nm_uc_usable(struct nm_heap *h, const void *p);
/* 0 if p is a live block (usable size in *usable), else the violation a free would be. */
NM_HIDDEN int nm_uc_classify(struct nm_heap *h, const void *p, size_t *usable);
NM_HIDDEN int nm_uc_trim(struct nm_heap *h);
NM_HIDDEN void nm_uc_destroy(struct nm_heap *h);
NM_HIDDEN void nm_uc_atfork_prepare(struct nm_heap *h);
NM_HIDDEN void nm_uc_atfork_parent(struct nm_heap *h);
NM_HIDDEN void nm_uc_atfork_child(struct nm_heap *h);

/* ---- stats and reports (heap_stats.c) ---- */
NM_HIDDEN void nm_stat_in_use(struct nm_heap *h, intptr_t delta);
NM_HIDDEN void nm_stat_request(struct nm_heap *h, size_t n);
NM_HIDDEN void nm_stat_mapped(struct nm_heap *h, intptr_t bytes, int mappings);
NM_HIDDEN void nm_heap_report(struct nm_heap *h, enum nm_heap_event kind, const void *p, size_t n, const void *caller);
/* The request this thread is serving (slow paths only): what a malloc-no-memory
   report names when the page source had to fall back to host memory. */
NM_HIDDEN void nm_heap_note_request(size_t n, const void *caller);

/* Map from the page source: first quietly (NM_PS_TRY), then, if final, after
   trimming the heap's caches, quietly again and at last for good (which may report
   or serve host memory).  Counts the mapping in the stats. */
NM_HIDDEN void *nm_source_map(struct nm_heap *h, size_t len, int *err, int final);
/* The same, uninit = 1: the memory need not read as zeros (NM_PS_UNINIT). */
NM_HIDDEN void *nm_source_map_ex(struct nm_heap *h, size_t len, int *err, int final, int uninit);
NM_HIDDEN void nm_source_unmap(struct nm_heap *h, void *p, size_t len);

/* ---- the heap ---- */
struct nm_heap {
	/* read-mostly */
	int model;
	unsigned gshift;  /* log2 of the granule (= smallest chunk) */
	size_t max_small; /* largest request served by size classes (0 = none) */
	size_t page_size, max_block;
	size_t min_chunk, max_chunk; /* chunk sizes, powers of two */
	uint64_t key;                /* marks free slots (word 1) */
	struct nm_page_source src;
	nm_heap_report_fn report;
	void *report_ctx;
	struct nm_class cls[NM_NCLASS];

	struct nm_central central[NM_NCLASS][NM_SHARDS];
	atomic_uint next_shard; /* round-robin for new threads */

	/* chunks, under chunk_lock */
	nm_lock_t chunk_lock;
	struct nm_chunk *chunks;
	size_t chunk_bytes; /* bytes mapped as chunks */

	/* large blocks, under large_lock */
	nm_lock_t large_lock;
	struct nm_big *big;                 /* open-addressing table keyed by ptr */
	size_t big_cap, big_live, big_fill; /* capacity, live entries, live + tombstones */
	size_t big_map_len;                 /* 0 while big == big_inline */
	uintptr_t ring[NM_RING];            /* recently freed large pointers (double-free vs invalid) */
	unsigned ring_pos;
	int lcache_on; /* 0 in the simple model: every free unmaps */
	unsigned lcache_pos;
	size_t lcache_bytes;
	struct nm_big lcache[NM_LCACHE]; /* freed mappings (base, len) kept for reuse */
	struct nm_big big_inline[NM_BIG_INLINE];

	/* the uclibc model (heap_uclibc.c), all under uc_lock */
	nm_lock_t uc_lock;
	struct nm_uc_area *uc_free; /* lowest free area; the list is in address order */
	struct nm_uc_map *uc_maps;  /* mappings taken, sorted by base (uClibc-ng's malloc_mmb list) */
	size_t uc_nmaps, uc_cap;    /* records used, capacity */
	size_t uc_maps_len;         /* bytes of the records' own mapping, 0 while inline */
	uintptr_t uc_ring[NM_RING]; /* recently freed pointers (double vs invalid free) */
	unsigned uc_ring_pos;
	struct nm_uc_map uc_maps_inline[NM_UC_INLINE];

	/* statistics */
	_Atomic intptr_t st_in_use;
	_Atomic size_t st_peak_in_use, st_largest, st_mapped, st_peak_mapped, st_mappings;
	_Atomic size_t st_large_in_use, st_large_count, st_failed, st_double, st_invalid;
};

#ifdef __cplusplus
}
#endif
#endif /* NOMMU_CORE_HEAP_H */
