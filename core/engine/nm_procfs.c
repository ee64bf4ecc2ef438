/*
 * nm_procfs.c - /proc/<pid>/maps as the device shows it (fs/proc/task_nommu.c).
 *
 * One line per mapping findable in the mapping table (a mapping overwritten by an
 * identical one is gone, as in 6.1+), in the MMU line format with nommu's differences:
 * the 4th permission character is 'S' for a MAP_SHARED file map (VM_MAYSHARE and
 * VM_SHARED; read-only private maps are 'p' since 6.3), anonymous maps have offset 0
 * and no name, there is no [heap], [vdso] or [anon:...], and the stack is the only
 * named anonymous map.
 */
#include "nm_core.h"
#include "nm_text.h"
#include "nm_os.h"
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

/* The file's name, for the maps view: read once at map time, kept in a small ring. */
uint32_t nm_path_remember(struct nm_engine *e, int fd)
{
	char link[64] = "/proc/self/fd/";
	size_t n = strlen(link);
	n += nm_utoa(link + n, (unsigned)fd);
	link[n] = 0;
	uint32_t slot = e->path_next++ % NM_PATHS;
	long len = nm_os_ret(syscall(SYS_readlinkat, AT_FDCWD, link, e->paths[slot], NM_PATH_MAX - 1));
	if (len < 0)
		return NM_NONE;
	e->paths[slot][len] = 0;
	return slot;
}

struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_hex(struct out *o, unsigned long v, int width)
{
	char t[24];
	int i = 0;
	do
		t[i++] = "0123456789abcdef"[v & 15];
	while ((v >>= 4));
	while (i < width)
		t[i++] = '0';
	while (i)
		put(o, &t[--i], 1);
}

static void put_dec(struct out *o, unsigned long v)
{
	char t[20];
	put(o, t, nm_utoa(t, v));
}

/* "start-end perms offset maj:min inode " then the name padded to a column */
static void line(struct out *o, uintptr_t start, uintptr_t end, const char perms[4], unsigned long long off, dev_t dev,
		 unsigned long ino, const char *name)
{
	size_t at = o->len;
	put_hex(o, start, 8);
	put(o, "-", 1);
	put_hex(o, end, 8);
	put(o, " ", 1);
	put(o, perms, 4);
	put(o, " ", 1);
	put_hex(o, off, 8);
	put(o, " ", 1);
	put_hex(o, major(dev), 2);
	put(o, ":", 1);
	put_hex(o, minor(dev), 2);
	put(o, " ", 1);
	put_dec(o, ino);
	put(o, " ", 1);
	if (name) {
		size_t width = 25 + sizeof(void *) * 6 - 1; /* seq_setwidth() in nommu_vma_show() */
		while (o->len - at < width)
			put(o, " ", 1);
		put(o, " ", 1); /* seq_pad() ends with the pad character itself */
		put(o, name, strlen(name));
	}
	put(o, "\n", 1);
}

/* Parse "start-end ..." in hex. */
static void parse_range(const char *s, unsigned long *start, unsigned long *end)
{
	*start = *end = 0;
	for (; *s && *s != '-'; s++)
		*start = *start * 16 + (unsigned long)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
	for (s++; *s && *s != ' '; s++)
		*end = *end * 16 + (unsigned long)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
}

/*
 * The host's stack mapping, shown as the device's fixed-size stack.  The host's maps
 * are read a piece at a time, line by line, into memory mapped for this call: threads
 * may ask at once (a shared buffer mixed their texts), and the host's maps may be
 * longer than any buffer (the stack comes near their end).
 */
static void stack_line(struct out *o)
{
	const size_t cap = 8192;
	char *buf = nm_os_table_alloc(cap);
	long fd = nm_os_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	size_t have = 0;
	unsigned long start = 0, end = 0;
	bool found = false;
	while (buf && fd >= 0 && !found) {
		long n = nm_os_read((int)fd, buf + have, cap - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		char *at = buf, *nl;
		while (!found && (nl = memchr(at, '\n', have - (size_t)(at - buf)))) {
			*nl = 0;
			size_t len = (size_t)(nl - at);
			if (len >= 7 && memcmp(nl - 7, "[stack]", 7) == 0) {
				parse_range(at, &start, &end);
				found = true;
			}
			at = nl + 1;
		}
		have -= (size_t)(at - buf);
		memmove(buf, at, have);
		if (have == cap - 1)
			have = 0; /* a line longer than the buffer: not the stack's */
	}
	if (fd >= 0)
		nm_os_close((int)fd);
	if (buf)
		nm_os_munmap((uintptr_t)buf, cap);
	if (found)
		line(o, start, end, "rw-p", 0, 0, 0, "[stack]");
}

size_t nm_proc_maps(struct nm_engine *e, char *buf, size_t cap)
{
	struct out o = { buf, 0, cap };
	nm_engine_lock(e);
	uint32_t last = 0, gen = ++e->maps_gen;
	for (uint32_t p = 0; p < e->ram.npages; p++) {
		uint32_t x = e->vma_at[p];
		if (!x || x == last)
			continue;
		last = x;
		struct nm_vma *v = &e->vmas[x - 1];
		if (v->shown == gen)
			continue; /* listed already (a piece of it was overwritten in between) */
		v->shown = gen;
		struct nm_region *rg = &e->regions[v->region];
		char perms[4] = { v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
				  v->prot & PROT_EXEC ? 'x' : '-', v->shared ? 'S' : 'p' };
		if (v->is_file)
			line(&o, v->start, v->end, perms, (unsigned long long)v->pgoff << e->ram.page_shift, rg->dev,
			     (unsigned long)rg->ino, rg->path != NM_NONE ? e->paths[rg->path] : "");
		else
			line(&o, v->start, v->end, perms, 0, 0, 0, NULL);
	}
	nm_engine_unlock_then_report(e);
	stack_line(&o);
	return o.len;
}
