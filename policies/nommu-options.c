/*
 * nommu-options - check NOMMU_OPTIONS with the very parser the preload uses, tell
 * whether a program can be reached by LD_PRELOAD, and list the rules and profiles.
 * nommu-run calls it before starting a program so a bad option never gives a
 * half-started run (and so the launcher itself starts no other tool).
 *
 *   nommu-options --check "mode=report:mem=32M"   exit 0, or a message and exit 2
 *   nommu-options --get KEY OPTIONS               the value of KEY the preload would use
 *       (later items win; empty line if unset; skip: one line per program glob)
 *   nommu-options --elf PROGRAM                   prints one line, exit 0:
 *       dynamic | static | not-elf | foreign CLASS MACHINE OWN_CLASS OWN_MACHINE
 *   nommu-options --list-rules
 *   nommu-options --list-profiles
 */
#include "nm_policy.h"
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int parse(const char *opts, struct nm_config *c)
{
	char err[256];
	nm_config_defaults(c);
	if (nm_config_parse(c, opts, err, sizeof(err)) < 0 || nm_config_finish(c, err, sizeof(err)) < 0) {
		fprintf(stderr, "nommu: %s\n", err);
		return 2;
	}
	return 0;
}

static int check(const char *opts)
{
	struct nm_config c;
	return parse(opts, &c);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/*
 * The effective value of one option, from the parser the preload runs: the launcher
 * asks here instead of reading NOMMU_OPTIONS itself, so "which log= wins" has one answer.
 */
static int get(const char *key, const char *opts)
{
	struct nm_config c;
	if (parse(opts, &c))
		return 2;
	if (!strcmp(key, "log"))
		printf("%s\n", c.log_path);
	else if (!strcmp(key, "suppressions"))
		printf("%s\n", c.suppressions);
	else if (!strcmp(key, "skip"))
		for (unsigned i = 0; i < c.nskip; i++)
			printf("%s\n", c.skip[i]);
	else if (!strcmp(key, "mode"))
		printf("%s\n", c.mode == NM_MODE_STRICT ? "strict" : "report");
	else if (!strcmp(key, "profile"))
		printf("%s\n", c.profile);
	else if (!strcmp(key, "heap"))
		printf("%s\n", c.heap);
	else if (!strcmp(key, "mem"))
		printf("%zu\n", c.ram_size);
	else if (!strcmp(key, "page-size"))
		printf("%zu\n", c.page_size);
	else if (!strcmp(key, "max-order"))
		printf("%u\n", c.max_order);
	else if (!strcmp(key, "trim"))
		printf("%u\n", c.trim);
	else if (!strcmp(key, "main-pid"))
		printf("%ld\n", c.main_pid);
	else if (!strcmp(key, "quiet"))
		printf("%s\n", yes_no(c.quiet));
	else if (!strcmp(key, "log-announce"))
		printf("%s\n", yes_no(c.log_announce));
	else if (!strcmp(key, "mem-summary"))
		printf("%s\n", yes_no(c.mem_summary));
	else if (!strcmp(key, "gen-suppressions"))
		printf("%s\n", yes_no(c.gen_suppressions));
	else if (!strcmp(key, "trace-children"))
		printf("%s\n", yes_no(c.trace_children));
	else if (!strcmp(key, "uninit"))
		printf("%s\n", yes_no(c.uninit));
	else if (!strcmp(key, "xip"))
		printf("%s\n", yes_no(c.xip));
	else {
		fprintf(stderr, "nommu-options: --get: unknown key '%s'\n", key);
		return 2;
	}
	return 0;
}

/* An ELF file's class, machine, and whether a program header is PT_INTERP (the
 * dynamic loader, hence LD_PRELOAD, runs it).  -1 if the file is not ELF. */
struct elf_facts {
	int cls, machine, dynamic;
};

static unsigned long field(const unsigned char *b, int size, int little)
{
	unsigned long v = 0;
	for (int i = 0; i < size; i++)
		v = v << 8 | b[little ? size - 1 - i : i];
	return v;
}

static int elf_read(const char *path, struct elf_facts *f)
{
	unsigned char h[64], ph[56];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, h, sizeof(h), 0);
	/* the ELF header is 52 bytes (32-bit) or 64 (64-bit) */
	int ok = n >= 52 && !memcmp(h, ELFMAG, SELFMAG) &&
		(h[EI_CLASS] == ELFCLASS32 || (h[EI_CLASS] == ELFCLASS64 && n >= 64));
	if (ok) {
		int wide = h[EI_CLASS] == ELFCLASS64, le = h[EI_DATA] != ELFDATA2MSB;
		unsigned long phoff = wide ? field(h + 32, 8, le) : field(h + 28, 4, le);
		unsigned long phentsize = field(h + (wide ? 54 : 42), 2, le);
		unsigned long phnum = field(h + (wide ? 56 : 44), 2, le);
		f->cls = h[EI_CLASS];
		f->machine = (int)field(h + 18, 2, le);
		f->dynamic = 0;
		for (unsigned long i = 0; i < phnum && i < 4096 && phentsize >= 4; i++) {
			if (pread(fd, ph, 4, (off_t)(phoff + i * phentsize)) != 4)
				break;
			if (field(ph, 4, le) == PT_INTERP) {
				f->dynamic = 1;
				break;
			}
		}
	}
	close(fd);
	return ok ? 0 : -1;
}

static int elf_verdict(const char *path)
{
	struct elf_facts prog, own;
	if (elf_read(path, &prog) < 0)
		printf("not-elf\n"); /* a script (#!) and the like: its interpreter is checked when it runs */
	else if (elf_read("/proc/self/exe", &own) == 0 && (prog.cls != own.cls || prog.machine != own.machine))
		printf("foreign %d %d %d %d\n", prog.cls, prog.machine, own.cls, own.machine);
	else
		printf(prog.dynamic ? "dynamic\n" : "static\n");
	return 0;
}

static void list_rules(void)
{
	printf("%-24s %-18s %s\n", "RULE", "DEVICE ANSWER", "WHAT THE DEVICE DOES");
	for (int r = 0; r < NM_RULE_COUNT; r++)
		printf("%-24s %-18s %s%s\n", nm_rules[r].id, nm_rules[r].device_answer, nm_rules[r].summary,
		       nm_rules[r].quiet ? " (off unless asked for)" : "");
	printf("\nEach rule is documented in docs/rules/<rule>.md; set one with --rule=<rule>=strict|report|off.\n");
}

static void list_profiles(void)
{
	for (const struct nm_profile *p = nm_profiles; p->name; p++)
		printf("%-16s %s\n", p->name, p->description);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--check") == 0)
		return check(argv[2]);
	if (argc == 4 && strcmp(argv[1], "--get") == 0)
		return get(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "--elf") == 0)
		return elf_verdict(argv[2]);
	if (argc == 2 && strcmp(argv[1], "--list-rules") == 0) {
		list_rules();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--list-profiles") == 0) {
		list_profiles();
		return 0;
	}
	fprintf(stderr,
		"usage: nommu-options --check OPTIONS | --get KEY OPTIONS | --elf PROGRAM | --list-rules | "
		"--list-profiles\n");
	return 2;
}
