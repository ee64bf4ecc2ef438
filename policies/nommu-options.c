/*
 * nommu-options - check NOMMU_OPTIONS with the very parser the preload uses, and list
 * the rules and profiles.  nommu-run calls it before starting a program so a bad
 * option never gives a half-started run.
 *
 *   nommu-options --check "mode=report:mem=32M"   exit 0, or a message and exit 2
 *   nommu-options --list-rules
 *   nommu-options --list-profiles
 */
#include "nm_policy.h"
#include <stdio.h>
#include <string.h>

static int check(const char *opts)
{
	struct nm_config c;
	char err[256];
	nm_config_defaults(&c);
	if (nm_config_parse(&c, opts, err, sizeof(err)) < 0 || nm_config_finish(&c, err, sizeof(err)) < 0) {
		fprintf(stderr, "nommu: %s\n", err);
		return 2;
	}
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
	if (argc == 2 && strcmp(argv[1], "--list-rules") == 0) {
		list_rules();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--list-profiles") == 0) {
		list_profiles();
		return 0;
	}
	fprintf(stderr, "usage: nommu-options --check OPTIONS | --list-rules | --list-profiles\n");
	return 2;
}
