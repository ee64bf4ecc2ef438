/*
 * writer-procfs-race.c - threads read /proc/self/maps at once while their mappings
 * change, under proc-maps=device: each must read a well-formed text of its own (the
 * device's view was made in one buffer shared by all threads, so one thread's text could
 * be cut into another's).  Prints the number of bad reads; exit 1 if any.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 300

static int bad;

/* Every line "start-end perms offset maj:min inode [name]", the last one the stack. */
static int well_formed(char *text, size_t n)
{
	int stacks = 0, lines = 0;
	if (n == 0 || text[n - 1] != '\n')
		return 0;
	text[n] = 0;
	for (char *l = text, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
		unsigned long start, end, off, ino;
		unsigned maj, min;
		char perms[5];
		int used = 0;
		*nl = 0;
		if (sscanf(l, "%lx-%lx %4s %lx %x:%x %lu%n", &start, &end, perms, &off, &maj, &min, &ino, &used) != 7 ||
		    start >= end || strspn(perms, "rwxps-") != 4)
			return 0;
		if (strstr(l + used, "[stack]"))
			stacks++;
		else if (stacks)
			return 0; /* something after the stack line */
		lines++;
	}
	return stacks == 1 && lines > 1;
}

static void *reader(void *arg)
{
	static __thread char text[1 << 16];
	long id = (long)arg;
	for (int r = 0; r < ROUNDS; r++) {
		/* a different number of mappings in each thread and round */
		void *maps[8];
		int k = (int)((id + r) % 8);
		for (int i = 0; i < k; i++)
			maps[i] = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int fd = open("/proc/self/maps", O_RDONLY);
		size_t n = 0;
		ssize_t got;
		while (fd >= 0 && (got = read(fd, text + n, sizeof(text) - 1 - n)) > 0)
			n += (size_t)got;
		if (fd < 0 || !well_formed(text, n))
			__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
		if (fd >= 0)
			close(fd);
		for (int i = 0; i < k; i++)
			munmap(maps[i], 4096);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, reader, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("bad reads %d of %d\n", bad, THREADS * ROUNDS);
	return bad != 0;
}
