/*
 * corpus_probe - small programs that exercise what report mode must leave untouched:
 * descriptors closed wholesale, deaths without exit(), exec, threads that fork or exit,
 * the ways of starting a child, standard descriptors closed at start, descriptors the
 * program reuses, and executable anonymous memory.
 *
 *   corpus_probe MODE
 *
 * Each mode prints the same thing natively and under nommu-run --mode=report; most also
 * break one no-MMU rule on purpose (named below) so that the test can look for its report.
 * The modes ending in -child are started by another mode through posix_spawn, so that a
 * death by signal is seen by this program (which prints it) rather than by a shell (which
 * would print its own pid-bearing message).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PAGE 4096

/* rule mmap-fixed: a MAP_FIXED map over a page of our own */
static void break_mmap_fixed(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (q == MAP_FAILED)
		printf("MAP_FIXED failed: %s\n", strerror(errno));
	else
		printf("MAP_FIXED %s\n", q == p + PAGE ? "in place" : "elsewhere");
	munmap(p, 2 * PAGE);
}

static char *anon_page(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	p[0] = 1;
	return p;
}

static void break_mlock(void)
{
	char *p = anon_page();
	printf("mlock %d\n", mlock(p, PAGE));
	fflush(stdout);
}

static void break_mincore(void)
{
	unsigned char vec[1];
	char *p = anon_page();
	printf("mincore %d\n", mincore(p, PAGE, vec));
	fflush(stdout);
}

static void break_madvise(void)
{
	char *p = anon_page();
	printf("madvise %d\n", madvise(p, PAGE, MADV_DONTNEED));
	fflush(stdout);
}

static void break_mprotect(void)
{
	char *p = anon_page();
	printf("mprotect %d\n", mprotect(p, PAGE, PROT_READ));
	fflush(stdout);
}

/* starts this program again with MODE, waits and prints how it ended */
static int spawn_self(const char *mode)
{
	char *argv[] = { "corpus_probe", (char *)mode, NULL };
	pid_t pid;
	int status, err;

	fflush(stdout);
	err = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ);
	if (err) {
		printf("posix_spawn: %s\n", strerror(err));
		return 1;
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	if (WIFEXITED(status))
		printf("%s: exit status %d\n", mode, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by signal %d\n", mode, WTERMSIG(status));
	return 0;
}

static int spawn_shell(const char *script)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	pid_t pid;
	int status, err;

	fflush(stdout);
	err = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	if (err) {
		printf("posix_spawn: %s\n", strerror(err));
		return 1;
	}
	waitpid(pid, &status, 0);
	printf("posix_spawn: sh status %d\n", WEXITSTATUS(status));
	return 0;
}

static int vfork_exec(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid < 0) {
		perror("vfork");
		return 1;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "echo vfork child out; echo vfork child err >&2; exit 5", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("vfork: child status %d\n", WEXITSTATUS(status));
	return 0;
}

static void *thread_forks(void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return NULL;
	}
	if (pid == 0) {
		/* the child of a threaded process: only async-signal-safe calls, then exit() */
		static const char msg[] = "thread-fork child\n";
		if (write(1, msg, sizeof(msg) - 1) < 0)
			_exit(2);
		exit(4);
	}
	waitpid(pid, &status, 0);
	printf("thread-fork: child status %d\n", WEXITSTATUS(status));
	return NULL;
}

static void *thread_breaks_and_exits(void *arg)
{
	char *p = anon_page();
	int r = madvise(p, PAGE, MADV_DONTNEED);
	munmap(p, PAGE);
	pthread_exit((void *)(intptr_t)(r == 0 ? 1 : 2));
}

static int threads(int fork_in_thread)
{
	pthread_t t[4];
	int n = fork_in_thread ? 1 : 4;

	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fork_in_thread ? thread_forks : thread_breaks_and_exits, NULL)) {
			printf("pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < n; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		if (!fork_in_thread)
			printf("thread %d returned %d\n", i, (int)(intptr_t)ret);
	}
	return 0;
}

/* breaks a rule from DEPTH frames down, each with a fresh 16 KiB of stack */
static int __attribute__((noinline)) deep_madvise(int depth)
{
	volatile char pad[16384];

	pad[0] = (char)depth;
	if (depth > 0)
		return deep_madvise(depth - 1) + pad[0];
	break_madvise();
	return pad[0];
}

/*
 * What bash does for "exec 4>&1; ... 3>&-": the program closes fd 3 and puts one of its own
 * pipes on fd 4, after something (a report's backtrace) may have opened descriptors there.
 * The later reports must leave the program's fd 4 alone: what it writes there must arrive.
 */
static int fd_reuse(void)
{
	char buf[64];
	int p[2];
	ssize_t n;

	break_mlock();
	if (pipe(p)) {
		perror("pipe");
		return 1;
	}
	/* above the low numbers, so that natively too fd 3 and 4 are not this pipe */
	for (int i = 0; i < 2; i++) {
		int high = fcntl(p[i], F_DUPFD, 20);
		close(p[i]);
		p[i] = high;
	}
	close(3);
	if (dup2(p[1], 4) != 4) {
		perror("dup2");
		return 1;
	}
	close(p[1]);
	deep_madvise(8);
	if (write(4, "through fd 4\n", 13) != 13)
		printf("write to fd 4: %s\n", strerror(errno));
	close(4);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("read back: %s", n > 0 ? buf : "(nothing)\n");
	return 0;
}

/*
 * Which of the descriptors 0-9 are open, and the one open() hands out next, written to
 * FILE (stdout or stderr may be the closed one). Started with a standard descriptor
 * closed, the program must find it closed, as natively.
 */
static int list_fds(const char *file)
{
	char line[128];
	int len = 0, fd;
	FILE *f;

	for (fd = 0; fd < 10; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			len += snprintf(line + len, sizeof(line) - len, " %d", fd);
	fd = open("/dev/null", O_RDONLY);
	f = fopen(file, "w");
	if (!f)
		return 1;
	fprintf(f, "open fds:%s; next open() gives %d\n", line, fd);
	return fclose(f) ? 1 : 0;
}

/* anonymous executable memory, as a JIT makes it: "return 42" written, then called */
static int run_jit(void)
{
#if defined(__x86_64__)
	static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 }; /* mov $42,%eax; ret */
#elif defined(__aarch64__)
	static const unsigned char code[] = { 0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6 };
#else
	static const unsigned char code[] = { 0 };
	printf("jit: 42 (no code for this architecture)\n");
	return 0;
#endif
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(p, code, sizeof(code));
	__builtin___clear_cache((char *)p, (char *)p + sizeof(code));
	fflush(stdout);
	printf("jit: %d\n", ((int (*)(void))p)());
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "closefrom")) {
		/* what lsof and daemons do first; every later report must still be logged */
		closefrom(3);
		break_mmap_fixed();
		break_mlock();
		return 0;
	}
	if (!strcmp(mode, "close-range")) {
		if (close_range(3, ~0U, 0))
			perror("close_range");
		break_mmap_fixed();
		break_mlock();
		return 0;
	}
	if (!strcmp(mode, "sigkill") || !strcmp(mode, "abort") || !strcmp(mode, "_exit") || !strcmp(mode, "exec")) {
		char child[32];
		snprintf(child, sizeof(child), "%s-child", mode);
		return spawn_self(child);
	}
	if (!strcmp(mode, "sigkill-child")) {
		break_mlock();
		raise(SIGKILL);
		return 1;
	}
	if (!strcmp(mode, "abort-child")) {
		break_mincore();
		abort();
	}
	if (!strcmp(mode, "_exit-child")) {
		break_madvise();
		_exit(7);
	}
	if (!strcmp(mode, "exec-child")) {
		char *args[] = { "corpus_probe", "exec-target", NULL };
		break_mprotect();
		execv("/proc/self/exe", args);
		perror("execv");
		return 1;
	}
	if (!strcmp(mode, "exec-target")) {
		break_mmap_fixed();
		return 6;
	}
	if (!strcmp(mode, "thread-fork"))
		return threads(1);
	if (!strcmp(mode, "thread-exit"))
		return threads(0);
	if (!strcmp(mode, "vfork-exec"))
		return vfork_exec();
	if (!strcmp(mode, "posix-spawn"))
		return spawn_shell("echo spawn child out; echo spawn child err >&2; exit 3");
	if (!strcmp(mode, "system")) {
		int st = system("echo system out; ls /nonexistent-corpus; exit 9");
		printf("system: status %d\n", WEXITSTATUS(st));
		return 0;
	}
	if (!strcmp(mode, "popen")) {
		char line[256];
		FILE *f = popen("echo popen out; ls /nonexistent-corpus 2>&1; echo popen err >&2", "r");
		if (!f) {
			perror("popen");
			return 1;
		}
		while (fgets(line, sizeof(line), f))
			printf("read: %s", line);
		printf("popen: status %d\n", WEXITSTATUS(pclose(f)));
		return 0;
	}
	if (!strcmp(mode, "fds") && argc > 2)
		return list_fds(argv[2]);
	if (!strcmp(mode, "fd-reuse"))
		return fd_reuse();
	if (!strcmp(mode, "jit"))
		return run_jit();
	fprintf(stderr, "corpus_probe: unknown mode '%s'\n", mode);
	return 2;
}
