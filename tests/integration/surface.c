/*
 * surface.c - every interposed call of the no-MMU surface, through the real preload.
 * Run as `surface strict|report`: in strict mode each call must give the device's
 * answer, in report mode desktop Linux's.  Exits 0 when every expectation holds and
 * prints one line per failed check.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static int strict;

/* expect(call returned r; strict wants errno err, report wants success) */
static void expect(const char *what, long r, int err)
{
	int ok = strict ? (r == -1 && errno == err) : (r != -1);
	if (!ok) {
		printf("FAIL %s: ret=%ld errno=%d (%s), wanted %s\n", what, r, errno, strerror(errno),
		       strict ? strerror(err) : "success");
		failures++;
	}
}

static int child_fn(void *arg)
{
	(void)arg;
	return 0;
}

int main(int argc, char **argv)
{
	strict = argc > 1 && strcmp(argv[1], "strict") == 0;
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char vec[2];

	expect("mprotect", mprotect(p, pg, PROT_READ), ENOSYS);
	mprotect(p, pg, PROT_READ | PROT_WRITE); /* open it again in report mode */
	expect("msync", msync(p, pg, MS_ASYNC), ENOSYS);
	expect("madvise", madvise(p, pg, MADV_DONTNEED), ENOSYS);
	expect("mlock", mlock(p, pg), ENOSYS);
	expect("munlock", munlock(p, pg), ENOSYS);
	expect("mincore", mincore(p, pg, vec), ENOSYS);
	int pm = posix_madvise(p, pg, POSIX_MADV_WILLNEED);
	if (strict ? pm != ENOSYS : pm != 0) {
		printf("FAIL posix_madvise: %d\n", pm);
		failures++;
	}
	if (posix_madvise(p, pg, POSIX_MADV_DONTNEED) != 0) {
		printf("FAIL posix_madvise(DONTNEED) is a no-op returning 0\n");
		failures++;
	}
	int mfd = memfd_create("x", 0);
	expect("memfd_create", mfd, EFBIG);
	if (mfd >= 0)
		close(mfd);
	expect("sbrk(+1 page)", (long)sbrk(pg) == -1 ? -1 : 0, ENOMEM);

	int id = shmget(IPC_PRIVATE, 2 * pg, IPC_CREAT | 0600);
	if (id < 0) {
		printf("FAIL shmget(2 pages): %s\n", strerror(errno));
		failures++;
	} else {
		void *at = shmat(id, NULL, 0);
		expect("shmat(NULL)", at == (void *)-1 ? -1 : 0, ENODEV);
		if (at != (void *)-1)
			shmdt(at);
		shmctl(id, IPC_RMID, NULL);
	}

	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	expect("fork", pid, ENOSYS);
	if (pid > 0)
		waitpid(pid, NULL, 0);

	/* clone without CLONE_VM is refused; with CLONE_VM|CLONE_VFORK it is fine in both modes */
	char *stack = malloc(64 * 1024);
	int c = clone(child_fn, stack + 64 * 1024, SIGCHLD, NULL);
	expect("clone(SIGCHLD)", c, ENOSYS);
	if (c > 0)
		waitpid(c, NULL, 0);
	c = clone(child_fn, stack + 64 * 1024, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (c <= 0 || waitpid(c, NULL, 0) != c) {
		printf("FAIL clone(CLONE_VM|CLONE_VFORK): %s\n", strerror(errno));
		failures++;
	}
	pid = vfork();
	if (pid == 0)
		_exit(3);
	int st = 0;
	if (pid <= 0 || waitpid(pid, &st, 0) != pid || WEXITSTATUS(st) != 3) {
		printf("FAIL vfork\n");
		failures++;
	}
	printf("%s: %d failures\n", strict ? "strict" : "report", failures);
	return failures ? 1 : 0;
}
