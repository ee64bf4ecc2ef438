/*
 * violations.c - one kind of violation per mode, each made in a function of its own so
 * the reports' backtraces can be checked to reach it.
 *   violations fixed|shared-file DIR|munmap|mremap|oom|loop|clean
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE static void make_fixed_map(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

NOINLINE static void map_disk_file_shared(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/violations-shared.bin", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(path);
	if (write(fd, "data", 4) != 4)
		return;
	mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
}

NOINLINE static void unmap_twice(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, 4096);
	munmap(p, 4096);
}

NOINLINE static void grow_with_mremap(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mremap(p, 4096, 8192, MREMAP_MAYMOVE);
}

NOINLINE static void exhaust_device_ram(void)
{
	while (mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED)
		;
}

NOINLINE static void unmap_nothing_in_a_loop(void)
{
	for (int i = 0; i < 1000; i++)
		munmap((void *)0x10000, 4096);
}

static char *volatile kept; /* so the compiler keeps each malloc and free */

/* More than the device's largest block (4 MiB): NULL + ENOMEM in strict mode; host
   memory the program can use in report mode.  Both report malloc-no-memory. */
NOINLINE static void malloc_beyond_the_device(void)
{
	size_t n = (size_t)16 << 20;
	char *p = kept = malloc(n);
	if (p) {
		memset(p, 7, n);
		if (p[n - 1] != 7)
			exit(4);
	} else if (errno != ENOMEM) {
		exit(5);
	}
	free(p);
}

/* A double free and a free of a pointer malloc never gave: reported, ignored. */
NOINLINE static void free_twice(void)
{
	kept = malloc(100);
	free(kept);
	free(kept);
	kept = malloc(100); /* the heap still works */
	if (!kept)
		exit(6);
	free(kept);
}

NOINLINE static void behave(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 1, 3 * 4096);
	munmap(p, 3 * 4096);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "fixed"))
		make_fixed_map();
	else if (!strcmp(m, "shared-file"))
		map_disk_file_shared(argc > 2 ? argv[2] : ".");
	else if (!strcmp(m, "munmap"))
		unmap_twice();
	else if (!strcmp(m, "mremap"))
		grow_with_mremap();
	else if (!strcmp(m, "oom"))
		exhaust_device_ram();
	else if (!strcmp(m, "loop"))
		unmap_nothing_in_a_loop();
	else if (!strcmp(m, "malloc-big"))
		malloc_beyond_the_device();
	else if (!strcmp(m, "double-free"))
		free_twice();
	else if (!strcmp(m, "clean"))
		behave();
	else
		return 2;
	return 0;
}
