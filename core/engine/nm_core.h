/*
 * nm_core.h - the engine's internal types, in one place.
 *
 * Vocabulary follows mm/nommu.c:
 *   region  one allocation of device RAM (or a window on a file's page cache), shared
 *           by every mapping of it; [start, end) is what it holds, top is the end of
 *           the power-of-two block when the slack was not trimmed.
 *   vma     one mapping of the process: a range of a region.
 * Addresses are kept as device page numbers (pfn) relative to the RAM base.
 * The bookkeeping lives in host memory mapped by the engine itself, never in the
 * device RAM and never from malloc.
 */
#ifndef NM_CORE_H
#define NM_CORE_H

#include <linux/magic.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "nommu.h"
#include "nm_report_state.h"

#define NM_NONE UINT32_MAX
#define NM_MAX_ORDER 24

/* ---- device RAM: a binary buddy allocator over page frames ---- */
struct nm_ram {
	uintptr_t base; /* first byte of the device RAM, aligned to the largest block */
	size_t page_size;
	unsigned page_shift;
	uint32_t npages;
	unsigned max_order; /* largest block the allocator hands out */
	unsigned trim;      /* vm.nr_trim_pages */
	uint32_t free_head[NM_MAX_ORDER + 1];
	uint32_t *next, *prev; /* free lists, indexed by pfn of a free block's head */
	uint8_t *order;        /* 1 + order of the free block headed here; 0: not a free block head */
	/* [fresh, fresh_end): whole largest blocks never handed out, on no list.  Taken
	 * in address order when the lists are empty, so start-up writes (and the host
	 * faults in) no table entry for RAM the program never uses. */
	uint32_t fresh, fresh_end;
	uint8_t *dirty;         /* 1 if the page may hold non-zero bytes */
	uintptr_t reserve_base; /* host reservation (base rounded down) */
	size_t reserve_len;
	size_t free_pages, peak_used_pages;
	/* free pages still marked dirty (host memory kept, not dropped), and how many
	 * may be kept before a large freed range is dropped to the host instead */
	size_t kept_free_pages, keep_limit_pages;
	size_t host_page;
	bool host_protected; /* report mode let mprotect change host protections in here */
};

int nm_ram_init(struct nm_ram *r, size_t size, size_t page_size, unsigned max_order, unsigned trim);
void nm_ram_fini(struct nm_ram *r);
/* Allocate a block for `pages` pages; trims the excess as vm.nr_trim_pages says.
 * Returns the first pfn and the pages kept (*kept >= pages), or NM_NONE. */
uint32_t nm_ram_alloc(struct nm_ram *r, uint32_t pages, uint32_t *kept);
void nm_ram_free(struct nm_ram *r, uint32_t pfn, uint32_t pages);
/* Take exactly [pfn, pfn+pages) if every page of it is free (a heap block growing in
 * place); false and nothing changed otherwise. */
bool nm_ram_claim(struct nm_ram *r, uint32_t pfn, uint32_t pages);
/* Make [pfn, pfn+pages) read as zeros (memset or host page drop). */
void nm_ram_zero(struct nm_ram *r, uint32_t pfn, uint32_t pages);
void nm_ram_mark_dirty(struct nm_ram *r, uint32_t pfn, uint32_t pages);
unsigned nm_ram_order_for(uint32_t pages);
size_t nm_ram_largest_free(const struct nm_ram *r);
static inline void *nm_ram_addr(const struct nm_ram *r, uint32_t pfn)
{
	return (void *)(r->base + ((uintptr_t)pfn << r->page_shift));
}
static inline bool nm_ram_contains(const struct nm_ram *r, uintptr_t a)
{
	return a >= r->base && a - r->base < ((uintptr_t)r->npages << r->page_shift);
}

/* ---- regions and mappings ---- */
enum nm_region_kind {
	NM_REGION_ANON,   /* anonymous memory: VM_MAPPED_COPY of nothing */
	NM_REGION_COPY,   /* a private copy of a file range, read at map time */
	NM_REGION_DIRECT, /* a window on a memory file's page cache (nm_pcache) */
};

struct nm_region {
	uint32_t start, end, top; /* pfns: [start, end) held, [end, top) untrimmed slack */
	uint32_t users;           /* vmas using it (vm_usage) */
	uint8_t kind;
	bool shareable; /* VM_MAYSHARE | VM_MAYOVERLAY: others may share it */
	dev_t dev;      /* file identity, for sharing */
	ino_t ino;
	uint64_t pgoff;      /* file offset of start, in device pages */
	uint32_t pcache;     /* index of the nm_pcache for DIRECT, else NM_NONE */
	uint32_t share_slot; /* position in the engine's share list, if shareable */
	uint32_t path;       /* file regions: slot in the engine's path table, or NM_NONE */
	uint32_t xip_off;    /* bytes the data starts after start (xip=yes), else 0 */
	uint32_t next_free;
};

struct nm_vma {
	uintptr_t start, end; /* bytes */
	uint32_t region;      /* index into regions */
	uint64_t pgoff;       /* file offset of start, device pages */
	int prot, flags;
	bool is_file;
	bool shareable; /* is_nommu_shared_mapping() */
	bool shared;    /* VM_SHARED: MAP_SHARED of a file */
	bool live;
	uint32_t next_free;
	uint32_t shown; /* maps view generation that listed it */
};

/* A memory file's page cache placed in device RAM: the host file is mapped shared
 * over the block, so the page cache address is stable and coherent with read/write. */
struct nm_pcache {
	dev_t dev;
	ino_t ino;
	uint32_t pfn, pages, kept; /* block and its size */
	uint32_t users;            /* regions using it */
	bool live;
};

/* Files sized by ftruncate from 0 here: their pages are contiguous on the device. */
struct nm_contig_note {
	dev_t dev;
	ino_t ino;
	uint64_t pages;
};
#define NM_CONTIG_NOTES 64
#define NM_SHM_SEGS 64
#define NM_PATHS 1024
#define NM_PATH_MAX 256

/* Host memory handed out in report mode (a desktop answer), tracked so that
 * munmap/mremap of it go back to the host quietly. */
struct nm_host_map {
	uintptr_t start, end;
};

struct nm_engine {
	pthread_mutex_t lock;
	struct nm_config cfg;
	struct nm_ram ram;
	size_t host_page;
	bool traced; /* ptraced at start: R/O private maps never shared */

	struct nm_region *regions;
	uint32_t region_cap, region_free, region_hw;
	struct nm_vma *vmas;
	uint32_t vma_cap, vma_free, vma_count;
	uint32_t *vma_at; /* per device page: vma index + 1, or 0 */

	uint32_t maps_gen;
	uint32_t vma_hw; /* vmas handed out so far (bounds full scans) */
	uint32_t *share; /* indices of shareable regions (the region tree) */
	uint32_t share_count, share_cap;

	char (*paths)[NM_PATH_MAX]; /* file names for the /proc maps view, NM_PATHS slots */
	uint32_t path_next;

	struct nm_pcache *pcaches;
	uint32_t pcache_cap;
	struct nm_contig_note contig[NM_CONTIG_NOTES];
	uint32_t contig_next;

	struct nm_shm_seg {
		int id;
		uint32_t pfn, kept;
	} shm[NM_SHM_SEGS];

	struct nm_host_map *host_maps;
	uint32_t host_count, host_cap;

	struct nm_report_state rep; /* the reports' own (core/report), under rep.report_lock */
};

#define NM_MAX_MAP_COUNT 65530 /* vm.max_map_count default */

/* A file on tmpfs or ramfs: on a no-MMU kernel both are ramfs, whose page cache a
 * mapping can point at directly (the filesystem magic numbers, in one place). */
static inline bool nm_memfs(long f_type)
{
	return (unsigned long)f_type == TMPFS_MAGIC || (unsigned long)f_type == RAMFS_MAGIC;
}

/* nm_vma.c */
int nm_tables_init(struct nm_engine *e);
void nm_tables_fini(struct nm_engine *e);
uint32_t nm_region_new(struct nm_engine *e);
void nm_region_put(struct nm_engine *e, uint32_t ri);
uint32_t nm_vma_new(struct nm_engine *e);
void nm_vma_insert(struct nm_engine *e, uint32_t vi);
void nm_vma_erase(struct nm_engine *e, uint32_t vi);
void nm_vma_set_end(struct nm_engine *e, uint32_t vi, uintptr_t new_end);
uint32_t nm_vma_find(struct nm_engine *e, uintptr_t start, uintptr_t end);
uint32_t nm_vma_at(struct nm_engine *e, uintptr_t addr);
int nm_vma_split(struct nm_engine *e, uint32_t vi, uintptr_t addr, bool check_count);
void nm_share_add(struct nm_engine *e, uint32_t ri);

/* nm_check.c: the invariants, walked after every call when built with NM_DEBUG */
#ifdef NM_DEBUG
void nm_engine_check(const struct nm_engine *e);
#else
static inline void nm_engine_check(const struct nm_engine *e)
{
	(void)e;
}
#endif

/* nm_file.c */
struct nm_call;
long nm_map_file(struct nm_engine *e, const struct nm_site *s, const struct nm_call *call, const struct stat *st,
		 size_t rlen, int prot, int flags, int fd, off_t off);
void nm_pcache_put(struct nm_engine *e, uint32_t pi);
void nm_contig_note(struct nm_engine *e, dev_t dev, ino_t ino, uint64_t pages);

/* nm_procfs.c */
uint32_t nm_path_remember(struct nm_engine *e, int fd);

/* nm_mmap.c */
long nm_anon_or_host(struct nm_engine *e, size_t len);
long nm_alloc_region(struct nm_engine *e, uint32_t pages, bool zero, uint32_t *ri_out, int *rule);

/* nm_munmap.c */
long nm_cut_range(struct nm_engine *e, uint32_t vi, uintptr_t start, uintptr_t end, bool check_count);
long nm_desktop_munmap(struct nm_engine *e, uintptr_t start, size_t len);

/* nm_host.c: report mode's desktop answers */
long nm_host_mmap(struct nm_engine *e, uintptr_t addr, size_t len, int prot, int flags, int fd, off_t off);
long nm_host_munmap(struct nm_engine *e, uintptr_t addr, size_t len);
long nm_host_mremap(struct nm_engine *e, uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr);
int nm_host_find(struct nm_engine *e, uintptr_t addr);
void nm_host_forget(struct nm_engine *e, uintptr_t start, uintptr_t end);

/* nm_report.c */
enum nm_call_kind {
	NM_CALL_MMAP,
	NM_CALL_MUNMAP,
	NM_CALL_MREMAP,
	NM_CALL_FTRUNCATE,
	NM_CALL_HEAP,
	NM_CALL_OTHER,
	NM_CALL_MALLOC
};
struct nm_call {
	enum nm_call_kind kind;
	uintptr_t a[6];
	const char *path; /* truncate's path; for NM_CALL_OTHER the function's name */
	int nargs;        /* NM_CALL_OTHER: how many of a[] to print */
	const char *note; /* NM_CALL_OTHER: said after the call ("free(p): double free"), or NULL */
};
/* Record a violation; returns the rule's action (strict/report/off). */
enum nm_action nm_violation(struct nm_engine *e, enum nm_rule rule, const struct nm_site *s, const struct nm_call *call,
			    long device_ret);
void nm_report_flush(struct nm_engine *e);
/* nm_engine.c: one whole record or line to one of our descriptors (checked first) */
long nm_engine_write(struct nm_engine *e, struct nm_outfd *o, const void *buf, size_t n);
void nm_report_start(struct nm_engine *e, const char *program);
void nm_report_release(struct nm_engine *e);
static inline enum nm_action nm_action_of(const struct nm_engine *e, enum nm_rule r)
{
	return (enum nm_action)e->cfg.action[r];
}

#endif
