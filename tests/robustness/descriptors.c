/*
 * descriptors.c MODE - a program that does to descriptors what daemons, lsof and
 * setuid tools do, then breaks a rule (mmap MAP_FIXED).  Run natively and under
 * nommu-run --mode=report --log: its output (the descriptor numbers it gets, what it
 * reads back from its own files) must be the same, and the violation must be in the log.
 *
 *   closefrom     closefrom(3)
 *   close_range   close_range(3, ~0U, 0)
 *   raw           the close_range system call itself (no libc wrapper to interpose)
 *   close-loop    close() of every descriptor from 3 up to the limit
 *   dup2-high     dup2() of its own file onto 3..1100 and 1016..1040 (nommu's usual
 *                 places), writes its name into each, closes them, reads the file back
 *   open-many     opens /dev/null until EMFILE: prints how many it got and the numbers
 *                 of the first and last
 *   stderr-closed closes fd 2 first
 *   threads       three threads, one after the other, each breaking a rule and exiting
 *                 (libunwind, which nommu uses to report, unmaps its per-thread cache
 *                 when such a thread exits: nommu's own call, never to be reported)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>

static void break_a_rule(void)
{
	void *p = mmap((void *)0x200000000UL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		       0);
	printf("MAP_FIXED: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
}

static void dup2_high(const char *file)
{
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int moved = 0, failed = 0;
	for (int i = 3; i < 1100; i++) {
		if (i == fd)
			continue;
		if (dup2(fd, i) == i) {
			moved++;
			dprintf(i, "%d\n", i);
			close(i);
		} else {
			failed++;
		}
	}
	printf("dup2: %d done, %d refused\n", moved, failed);
	close(fd);
}

static void check_file(const char *file)
{
	char buf[65536];
	int fd = open(file, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	/* the program wrote only numbers: a '{' or "nommu" is nommu's */
	printf("own file: %zd bytes, %s\n", n,
	       strchr(buf, '{') || strstr(buf, "nommu") ? "FOREIGN LINES" : "only its own lines");
}

static void *thread_breaking_a_rule(void *arg)
{
	(void)arg;
	break_a_rule();
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(mode, "closefrom")) {
		closefrom(3);
	} else if (!strcmp(mode, "close_range")) {
		printf("close_range: %d\n", close_range(3, ~0U, 0));
	} else if (!strcmp(mode, "raw")) {
		printf("raw close_range: %ld\n", syscall(SYS_close_range, 3, ~0U, 0));
	} else if (!strcmp(mode, "close-loop")) {
		long max = sysconf(_SC_OPEN_MAX), closed = 0;
		for (long i = 3; i < max; i++)
			closed += close((int)i) == 0;
		printf("close loop: %ld closed\n", closed);
	} else if (!strcmp(mode, "dup2-high") && argc > 2) {
		dup2_high(argv[2]);
		break_a_rule();
		check_file(argv[2]);
		return 0;
	} else if (!strcmp(mode, "open-many")) {
		int first = -1, last = -1, n = 0, fd;
		while ((fd = open("/dev/null", O_RDONLY)) >= 0) {
			if (first < 0)
				first = fd;
			last = fd;
			n++;
		}
		printf("opened %d (%d..%d), then %s\n", n, first, last, strerror(errno));
		for (int i = first; i <= last; i++)
			close(i);
	} else if (!strcmp(mode, "threads")) {
		for (int i = 0; i < 3; i++) {
			pthread_t t;
			pthread_create(&t, NULL, thread_breaking_a_rule, NULL);
			pthread_join(t, NULL);
		}
		return 0;
	} else if (!strcmp(mode, "stderr-closed")) {
		close(2);
	} else {
		fprintf(stderr, "usage: descriptors MODE\n");
		return 2;
	}
	break_a_rule();
	return 0;
}
