/*
 * victim.c - a small program for the adversarial cases to run under bin/nommu-run.
 *   robust_victim clean          no violation
 *   robust_victim deep N         N nested calls of descend(), then one MAP_FIXED mmap
 *                                from violate(): a backtrace as deep as the report keeps
 *   robust_victim many           several kinds of violation, some repeated (a log with
 *                                module, violation, count and summary records)
 *   robust_victim mark FILE      creates FILE: tells whether the program ran at all
 * Exit status 0 whatever the device answered.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE static void violate(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* not a tail call: each level keeps a frame of its own in the backtrace */
NOINLINE static int descend(int levels)
{
	volatile int depth = levels;
	if (depth > 0)
		depth += descend(depth - 1);
	else
		violate();
	return depth - levels;
}

NOINLINE static void unmap_nothing(int times)
{
	for (int i = 0; i < times; i++)
		munmap((void *)0x10000, 4096);
}

NOINLINE static void grow_in_place(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mremap(p, 4096, 8192, MREMAP_MAYMOVE);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "clean";
	if (strcmp(mode, "deep") == 0 && argc > 2) {
		descend(atoi(argv[2]));
	} else if (strcmp(mode, "many") == 0) {
		violate();
		unmap_nothing(5);
		grow_in_place();
		free(malloc(1000));
	} else if (strcmp(mode, "mark") == 0 && argc > 2) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
