/*
 * nommu-options - check NOMMU_OPTIONS with the very parser the preload uses, tell
 * whether a program can be reached by LD_PRELOAD, and list the rules and profiles.
 * nommu-run calls it before starting a program so a bad option never gives a
 * half-started run (and so the launcher itself starts no other tool).
 *
 *   nommu-options --check "mode=report:mem=32M"   exit 0, or a message and exit 2
 *   nommu-options --check-flags ITEMS             the same, for nommu-run's own flags: the
 *       options nommu-run sets itself (main-pid...) are refused
 *   nommu-options --get KEY OPTIONS               the value of KEY the preload would use
 *       (later items win; empty line if unset; skip: one line per program glob)
 *   nommu-options --list-options                  the options, for nommu-run --help
 *       (all from options.def)
 *   nommu-options --elf PROGRAM                   prints one line, exit 0:
 *       dynamic | static | not-elf | foreign CLASS MACHINE OWN_CLASS OWN_MACHINE
 *   nommu-options --list-rules
 *   nommu-options --list-profiles
 */
#include "nm_policy.h"
#include <elf.h>
#include <errno.h>
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

/* The value of option o in c, as NOMMU_OPTIONS would spell it (PATHS: one a line). */
static void show(const struct nm_config *c, const struct nm_option *o)
{
	const void *field = (const char *)c + o->offset;
	switch (o->kind) {
	case NM_OPT_BOOL:
		printf("%s\n", *(const bool *)field ? "yes" : "no");
		break;
	case NM_OPT_SIZE:
	case NM_OPT_PAGE_SIZE:
		printf("%zu\n", *(const size_t *)field);
		break;
	case NM_OPT_ORDER:
	case NM_OPT_COUNT:
		printf("%u\n", *(const unsigned *)field);
		break;
	case NM_OPT_PID:
		printf("%ld\n", *(const long *)field);
		break;
	case NM_OPT_PATH:
	case NM_OPT_PROFILE:
	case NM_OPT_HEAP:
		printf("%s\n", (const char *)field);
		break;
	case NM_OPT_PATHS:
		for (unsigned i = 0; i < c->nskip; i++)
			printf("%s\n", c->skip[i]);
		break;
	case NM_OPT_MODE:
		printf("%s\n", c->mode == NM_MODE_STRICT ? "strict" : "report");
		break;
	case NM_OPT_SHARED_TMPFS:
		printf("%s\n",
		       c->contig == NM_CONTIG_ALWAYS          ? "always"
			       : c->contig == NM_CONTIG_NEVER ? "never"
							      : "truncated");
		break;
	case NM_OPT_PROC_MAPS:
		printf("%s\n", c->proc_maps ? "device" : "host");
		break;
	case NM_OPT_FORK_ERRNO:
		printf("%s\n", c->fork_errno == EINVAL ? "EINVAL" : "ENOSYS");
		break;
	case NM_OPT_RULE:
		for (int r = 0; r < NM_RULE_COUNT; r++)
			printf("%s=%s\n", nm_rules[r].id, nm_action_name((enum nm_action)c->action[r]));
		break;
	}
}

/*
 * The effective value of one option, from the parser the preload runs: the launcher
 * asks here instead of reading NOMMU_OPTIONS itself, so "which log= wins" has one answer.
 */
static int get(const char *key, const char *opts)
{
	struct nm_config c;
	const struct nm_option *o = nm_option_find(key, strlen(key));
	if (!o) {
		fprintf(stderr, "nommu-options: --get: unknown key '%s'\n", key);
		return 2;
	}
	if (parse(opts, &c))
		return 2;
	show(&c, o);
	return 0;
}

/*
 * nommu-run's flags: the items that came from its command line are checked like any
 * NOMMU_OPTIONS, and none may be one of the options nommu-run sets itself (arg "-").
 */
static int check_flags(const char *items)
{
	for (const char *p = items; *p;) {
		size_t len = strcspn(p, ":"), klen = strcspn(p, "=:");
		const struct nm_option *o = nm_option_find(p, klen);
		if (o && !strcmp(o->arg, "-")) {
			fprintf(stderr, "nommu: unknown option '%.*s'\n", (int)klen, p);
			return 2;
		}
		p += len + (p[len] == ':');
	}
	return check(items);
}

/* The options for nommu-run --help: "  --KEY=ARG   help", the help's lines aligned. */
static void list_options(void)
{
	for (unsigned i = 0; i < nm_option_count; i++) {
		const struct nm_option *o = &nm_options[i];
		if (!strcmp(o->arg, "-"))
			continue;
		int n = printf("  --%s=%s", o->key, o->arg);
		const char *h = o->help;
		if (n >= 25) {
			printf("\n");
			n = 0;
		}
		while (*h) {
			size_t len = strcspn(h, "\n");
			printf("%*s%.*s\n", 25 - n, "", (int)len, h);
			n = 0;
			h += len + (h[len] == '\n');
		}
	}
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
	if (argc == 3 && strcmp(argv[1], "--check-flags") == 0)
		return check_flags(argv[2]);
	if (argc == 2 && strcmp(argv[1], "--list-options") == 0) {
		list_options();
		return 0;
	}
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
		"usage: nommu-options --check OPTIONS | --check-flags ITEMS | --get KEY OPTIONS | --elf PROGRAM | "
		"--list-options | --list-rules | --list-profiles\n");
	return 2;
}
