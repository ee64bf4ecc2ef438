/*
 * report_sample.c - a backtrace taken the way libnommu takes one, for the test of
 * nommu-report's symbolisation (report_test.py, cases symbolize*).
 *
 * main() calls outer(), which calls helper() (always inlined into outer), which calls
 * capture().  capture() takes the return addresses with backtrace(), drops its own frame
 * (as the preload drops the tool's frames), and prints one line per frame:
 *
 *     pc <TAB> module path <TAB> offset (pc minus the module's load bias)
 *
 * The calls marked "expect #N" are the lines nommu-report must give frame N (frame 0 is
 * helper, inlined into outer at the "expect #1" line).  Built with -g by CMake.
 *
 * "report_sample violate" breaks two rules under bin/nommu-run instead (case live):
 * mmap-fixed from two calls on one line (two return addresses, one source line: one
 * context in the report), and msync.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dl_iterate_phdr */
#endif
#include <execinfo.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int sink; /* work after each call, so that no call becomes a jump */
static char exe[4096];

struct module_query {
	uintptr_t pc;
	const char *path;
	uintptr_t bias;
};

/* dl_iterate_phdr callback: is the call before q->pc inside this object? */
static int find_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct module_query *q = arg;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && q->pc - 1 >= start && q->pc - 1 < start + ph->p_memsz) {
			q->path = info->dlpi_name[0] ? info->dlpi_name : exe;
			q->bias = info->dlpi_addr;
			return 1;
		}
	}
	return 0;
}

__attribute__((noinline)) static void capture(void)
{
	void *pcs[32];
	int n = backtrace(pcs, 32);
	for (int i = 1; i < n; i++) { /* pcs[0] is inside capture() itself */
		struct module_query q = { (uintptr_t)pcs[i], NULL, 0 };
		if (dl_iterate_phdr(find_module, &q))
			printf("0x%lx\t%s\t0x%lx\n", (unsigned long)q.pc, q.path, (unsigned long)(q.pc - q.bias));
		else
			printf("0x%lx\t\t\n", (unsigned long)q.pc);
	}
}

static inline __attribute__((always_inline)) void helper(void)
{
	capture(); /* expect #0 */
	sink++;
}

__attribute__((noinline)) static void outer(void)
{
	helper(); /* expect #1 */
	sink++;
}

__attribute__((noinline)) static void *map_fixed(void)
{
	const int anon_fixed = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	void *p = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE, anon_fixed, -1, 0); /* expect mmap-fixed */
	sink++;
	return p;
}

static int violate(void)
{
	map_fixed(), map_fixed(); /* expect map_fixed */
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p != MAP_FAILED && msync(p, 4096, MS_SYNC) == 0; /* expect msync */
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "violate") == 0)
		return violate();
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	outer(); /* expect #2 */
	return sink == 2 ? 0 : 1;
}
