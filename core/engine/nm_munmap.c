/*
 * nm_munmap.c - munmap() as do_munmap() in mm/nommu.c answers it.
 *
 *   len rounded up to pages, 0 -> EINVAL (U06)
 *   no mapping overlapping the range -> EINVAL, where desktop Linux returns 0 (U16)
 *   file mapping: only whole; start may not lie inside it, the range must end
 *     exactly at the end of it or of a later mapping found walking on (RF08-RF10)
 *   anonymous mapping: exact match, or a page-aligned range inside this one mapping;
 *     a middle range splits it, and the cut pages are freed at once (U01, U20-U29)
 */
#include "nm_core.h"
#include "nm_os.h"
#include <errno.h>

/* Remove [start, end) from vma vi (which contains it): split, then erase the piece. */
long nm_cut_range(struct nm_engine *e, uint32_t vi, uintptr_t start, uintptr_t end, bool check_count)
{
	struct nm_vma *v = &e->vmas[vi];
	if (start > v->start) {
		long r = nm_vma_split(e, vi, start, check_count && end < v->end);
		if (r < 0)
			return r;
	}
	if (end < v->end) {
		long r = nm_vma_split(e, vi, end, false);
		if (r < 0)
			return r;
		vi = nm_vma_at(e, start); /* the lower piece is the new vma */
	}
	nm_vma_erase(e, vi);
	return 0;
}

/* Desktop Linux's munmap, for report mode: unmap whatever overlaps, split what must be. */
long nm_desktop_munmap(struct nm_engine *e, uintptr_t start, size_t len)
{
	uintptr_t end = start + len;
	uintptr_t ram_start = e->ram.base, ram_end = ram_start + ((uintptr_t)e->ram.npages << e->ram.page_shift);
	uint32_t vi;
	while ((vi = nm_vma_find(e, start, end)) != NM_NONE) {
		struct nm_vma *v = &e->vmas[vi];
		long r = nm_cut_range(e, vi, start > v->start ? start : v->start, end < v->end ? end : v->end, false);
		if (r < 0)
			return r;
	}
	/* the parts outside the device RAM are the host's */
	if (start < ram_start)
		nm_host_munmap(e, start, (end < ram_start ? end : ram_start) - start);
	if (end > ram_end) {
		uintptr_t from = start > ram_end ? start : ram_end;
		nm_host_munmap(e, from, end - from);
	}
	return 0;
}

static long refuse(struct nm_engine *e, enum nm_rule rule, const struct nm_site *s, const struct nm_call *call,
		   uintptr_t start, size_t len)
{
	if (nm_violation(e, rule, s, call, -EINVAL) == NM_ACT_STRICT)
		return -EINVAL;
	return nm_desktop_munmap(e, start, len);
}

static long munmap_locked(struct nm_engine *e, const struct nm_site *s, const struct nm_call *call, uintptr_t start,
			  size_t len)
{
	size_t page = e->ram.page_size;
	bool desktop_ok = !(start & (e->host_page - 1)) && len;

	len = (len + page - 1) & ~(page - 1);
	if (len == 0)
		return -EINVAL;
	uintptr_t end = start + len;
	if (end < start)
		return -EINVAL;

	uint32_t vi = nm_vma_find(e, start, end);
	if (vi == NM_NONE) {
		/* host memory handed out in report mode goes back quietly */
		if (nm_host_find(e, start) >= 0)
			return nm_host_munmap(e, start, len);
		if (!desktop_ok)
			return -EINVAL;
		return refuse(e, NM_RULE_MUNMAP_UNMAPPED, s, call, start, len);
	}

	struct nm_vma *v = &e->vmas[vi];
	if (v->is_file) {
		/* file mappings can't be split: whole ones only */
		for (;;) {
			if (start > v->start)
				break;
			if (end == v->end) {
				nm_vma_erase(e, vi);
				return 0;
			}
			vi = nm_vma_find(e, v->end, end);
			if (vi == NM_NONE)
				break;
			v = &e->vmas[vi];
		}
		return refuse(e, NM_RULE_MUNMAP_FILE_PARTIAL, s, call, start, len);
	}

	if (start == v->start && end == v->end) {
		nm_vma_erase(e, vi);
		return 0;
	}
	if (start < v->start || end > v->end || (start & (page - 1))) {
		if (!desktop_ok)
			return -EINVAL;
		return refuse(e, NM_RULE_MUNMAP_SPAN, s, call, start, len);
	}
	return nm_cut_range(e, vi, start, end, true);
}

long nm_munmap(struct nm_engine *e, const struct nm_site *s, void *addr, size_t len)
{
	struct nm_call call = { NM_CALL_MUNMAP, { (uintptr_t)addr, len }, NULL, 0, NULL };
	nm_engine_lock(e);
	long r = munmap_locked(e, s, &call, (uintptr_t)addr, len);
	nm_engine_unlock_then_report(e);
	return r;
}
