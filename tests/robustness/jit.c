/*
 * jit.c - code written into an anonymous PROT_EXEC mapping and run, as any JIT does
 * (guile, LuaJIT, PCRE2, libffi closures).  All RAM of the board is executable, so it
 * runs there; under nommu it must run too, in every mode, from the device RAM.
 * Also a mapping made executable after it was written (mprotect, the W^X way): on the
 * device mprotect is ENOSYS, and the program's fallback is to keep the RWX mapping.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__x86_64__) || defined(__i386__)
static const unsigned char ret42[] = { 0xb8, 42, 0, 0, 0, 0xc3 }; /* mov $42,%eax; ret */
#elif defined(__aarch64__)
static const unsigned char ret42[] = { 0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6 };
#else
#error "jit.c: no code for this machine"
#endif

static int run(unsigned char *p)
{
	memcpy(p, ret42, sizeof(ret42));
	__builtin___clear_cache((char *)p, (char *)p + sizeof(ret42));
	return ((int (*)(void))p)();
}

int main(void)
{
	unsigned char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("rwx map: %d\n", run(p));
	printf("rwx map, last page: %d\n", run(p + 2 * 4096));
	munmap(p, 3 * 4096);
	/* the same RAM, mapped again without PROT_EXEC, must not keep host execute rights
	 * that matter to the program: it is only written and read here */
	unsigned char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(q, 1, 4096);
	printf("rw map: %d\n", q[4095]);
	munmap(q, 4096);
	return 0;
}
