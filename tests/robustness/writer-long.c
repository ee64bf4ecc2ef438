/*
 * writer-long.c - violations whose log records are long, for the report writer.
 *   writer-long deep   a violation 40 calls deep through functions with 600-character
 *                      names (the record passes 8 KiB, as a deep C++ backtrace does),
 *                      one of them named with 3000 characters (past any field limit),
 *                      then a violation of another rule (its record must stay whole)
 *   writer-long many   1100 violations from 1100 call sites: more contexts than the
 *                      engine keeps (1024), so the summary record lists 1024 of them
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define NOINLINE __attribute__((noinline))

/* Long symbol names, given with asm labels: 600 characters, then the level */
#define X10(s) s s s s s s s s s s
#define LONG_PREFIX X10("namespace_of_a_template_heavy_library_with_long_names_and_more_") "level_"
#define NAMED(n) __asm__(LONG_PREFIX #n)

static volatile int depth_reached;

/* 3000 characters: longer than any function name field the log keeps */
NOINLINE void huge(void) __asm__(X10(X10("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")) "_the_end");
NOINLINE void huge(void)
{
	munmap((void *)0x10000, 4096); /* nothing mapped there: munmap-unmapped */
	depth_reached++;
}

#define LEVEL(n, next)                         \
	NOINLINE void level##n(void) NAMED(n); \
	NOINLINE void level##n(void)           \
	{                                      \
		next();                        \
		depth_reached++;               \
	}                                      \
	extern int level##n##_defined /* so that each use ends with a ';' */
LEVEL(40, huge);
LEVEL(39, level40);
LEVEL(38, level39);
LEVEL(37, level38);
LEVEL(36, level37);
LEVEL(35, level36);
LEVEL(34, level35);
LEVEL(33, level34);
LEVEL(32, level33);
LEVEL(31, level32);
LEVEL(30, level31);
LEVEL(29, level30);
LEVEL(28, level29);
LEVEL(27, level28);
LEVEL(26, level27);
LEVEL(25, level26);
LEVEL(24, level25);
LEVEL(23, level24);
LEVEL(22, level23);
LEVEL(21, level22);
LEVEL(20, level21);
LEVEL(19, level20);
LEVEL(18, level19);
LEVEL(17, level18);
LEVEL(16, level17);
LEVEL(15, level16);
LEVEL(14, level15);
LEVEL(13, level14);
LEVEL(12, level13);
LEVEL(11, level12);
LEVEL(10, level11);
LEVEL(9, level10);
LEVEL(8, level9);
LEVEL(7, level8);
LEVEL(6, level7);
LEVEL(5, level6);
LEVEL(4, level5);
LEVEL(3, level4);
LEVEL(2, level3);
LEVEL(1, level2);

NOINLINE static void make_fixed_map(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* one call site per case: 1100 contexts of munmap-unmapped */
#define SITE(n)                                \
	case n:                                \
		munmap((void *)0x10000, 4096); \
		break;
#define S10(n) \
	SITE(n##0) SITE(n##1) SITE(n##2) SITE(n##3) SITE(n##4) SITE(n##5) SITE(n##6) SITE(n##7) SITE(n##8) SITE(n##9)
#define S100(n) S10(n##0) S10(n##1) S10(n##2) S10(n##3) S10(n##4) S10(n##5) S10(n##6) S10(n##7) S10(n##8) S10(n##9)
NOINLINE static void unmap_from_many_places(void)
{
	for (volatile int i = 1000; i < 2100; i++) {
		switch (i) {
			S100(10)
			S100(11) S100(12) S100(13) S100(14) S100(15) S100(16) S100(17) S100(18) S100(19) S100(20)
		}
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "deep") == 0) {
		level1();
		make_fixed_map();
	} else if (strcmp(mode, "many") == 0) {
		unmap_from_many_places();
	} else {
		fprintf(stderr, "usage: writer-long deep|many\n");
		return 2;
	}
	return 0;
}
