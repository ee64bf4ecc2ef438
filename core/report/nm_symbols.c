/*
 * nm_symbols.c - turning a violation's return addresses into module + offset and a
 * best-effort function name, at capture time, without malloc or stdio.
 *
 * The module and its load bias come from dladdr(); its build id from its PT_NOTE
 * (dl_iterate_phdr).  Function names come from the dynamic symbol table (dladdr) or,
 * for functions it does not export (a program's main, static functions), from the
 * file's own .symtab, mapped read-only once per module.  Offline symbolisation to
 * file:line is nommu-report's job.
 */
#include "nm_core.h"
#include "nm_os.h"
#include "nm_symbols.h"
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

/* ---- .symtab of a module file, mapped once ---- */
struct symfile {
	char path[NM_MODULE_MAX];
	const char *map;
	size_t len;
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strs;
	size_t strs_len;
	bool tried;
};
#define NM_SYMFILES 64
static struct symfile symfiles[NM_SYMFILES];

static void load_symtab(struct symfile *f)
{
	f->tried = true;
	long fd = nm_os_openat(AT_FDCWD, f->path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct stat st;
	long m = -1;
	if (nm_os_fstat((int)fd, &st) == 0 && st.st_size > (off_t)sizeof(Elf64_Ehdr))
		m = nm_os_mmap(0, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	nm_os_close((int)fd);
	if (m < 0)
		return;
	const char *base = (const char *)m;
	size_t len = (size_t)st.st_size;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > len) {
		nm_os_munmap((uintptr_t)m, len);
		return;
	}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *str = &sh[sh[i].sh_link];
		if (sh[i].sh_offset + sh[i].sh_size > len || str->sh_offset + str->sh_size > len)
			break;
		f->syms = (const Elf64_Sym *)(base + sh[i].sh_offset);
		f->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		f->strs = base + str->sh_offset;
		f->strs_len = str->sh_size;
		f->map = base;
		f->len = len;
		return;
	}
	nm_os_munmap((uintptr_t)m, len); /* stripped: nothing to keep */
}

/* Name of the function containing `offset` in module `path`, from its .symtab. */
static const char *symtab_lookup(const char *path, uintptr_t offset, uintptr_t *sym_off)
{
	struct symfile *f = NULL;
	for (int i = 0; i < NM_SYMFILES; i++) {
		if (symfiles[i].path[0] && strcmp(symfiles[i].path, path) == 0) {
			f = &symfiles[i];
			break;
		}
		if (!symfiles[i].path[0]) {
			f = &symfiles[i];
			size_t n = strlen(path);
			if (n >= sizeof(f->path))
				return NULL;
			memcpy(f->path, path, n + 1);
			break;
		}
	}
	if (!f)
		return NULL;
	if (!f->tried)
		load_symtab(f);
	for (size_t i = 0; i < f->nsyms; i++) {
		const Elf64_Sym *s = &f->syms[i];
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF)
			continue;
		if (offset >= s->st_value && offset < s->st_value + (s->st_size ? s->st_size : 1) &&
		    s->st_name < f->strs_len) {
			*sym_off = offset - s->st_value;
			return f->strs + s->st_name;
		}
	}
	return NULL;
}

/* Copy src into dst[cap], cut to fit; true if it was cut. */
static bool copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	bool cut = n >= cap;
	if (cut)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return cut;
}

/* ---- build ids ---- */
struct build_id_query {
	uintptr_t base;
	char *out;
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_id_query *q = arg;
	(void)size;
	if (info->dlpi_addr != q->base)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*n);
			const unsigned char *desc = (const unsigned char *)name + ((n->n_namesz + 3) & ~3u);
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
				unsigned k = 0;
				for (unsigned j = 0; j < n->n_descsz && k + 2 < NM_BUILD_ID_MAX; j++) {
					q->out[k++] = "0123456789abcdef"[desc[j] >> 4];
					q->out[k++] = "0123456789abcdef"[desc[j] & 15];
				}
				q->out[k] = 0;
				return 1;
			}
			p = (const char *)desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1;
}

/* The main program's path: dladdr gives "" or argv[0] for it. */
static const char *exe_path(void)
{
	static char path[4096];
	if (!path[0]) {
		long n = nm_os_ret(syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", path, sizeof(path) - 1));
		path[n > 0 ? n : 0] = 0;
	}
	return path;
}

/*
 * Fill frame f for return address pc.  Uses dladdr and dl_iterate_phdr, which take the
 * dynamic loader's lock: call it holding none of the engine's locks.
 */
void nm_frame_resolve(struct nm_frame *f, uintptr_t pc)
{
	Dl_info info;
	memset(f, 0, sizeof(*f));
	f->pc = pc;
	/* a return address points after the call: look up the call itself */
	if (!pc || !dladdr((void *)(pc - 1), &info) || !info.dli_fname)
		return;
	f->base = (uintptr_t)info.dli_fbase;
	const char *path = info.dli_fname;
	struct link_map *lm;
	if (dladdr1((void *)(pc - 1), &info, (void **)&lm, RTLD_DL_LINKMAP) && lm) {
		f->base = lm->l_addr; /* the load bias, as dl_iterate_phdr reports it */
		if (!lm->l_name[0])
			path = exe_path();
	}
	f->module_cut = copy_cut(f->module, sizeof(f->module), path);
	f->offset = pc - f->base;
	if (info.dli_sname && info.dli_saddr) {
		f->function_cut = copy_cut(f->function, sizeof(f->function), info.dli_sname);
		f->function_off = pc - (uintptr_t)info.dli_saddr;
	}
	struct build_id_query q = { f->base, f->build_id };
	dl_iterate_phdr(find_build_id, &q);
}

/* .symtab fallback for frames dladdr could not name (takes no loader lock). */
void nm_frame_name_from_symtab(struct nm_frame *f)
{
	uintptr_t off;
	if (f->function[0] || !f->module[0] || f->module_cut)
		return;
	const char *name = symtab_lookup(f->module, f->offset - 1, &off);
	if (!name)
		return;
	f->function_cut = copy_cut(f->function, sizeof(f->function), name);
	f->function_off = off + 1;
}
