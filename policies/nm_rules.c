/* nm_rules.c - the rule table, generated from rules.def. */
#include "nm_policy.h"
#include <string.h>

const struct nm_rule_info nm_rules[NM_RULE_COUNT] = {
#define RULE(name, id, quiet, answer, summary, fix) { id, quiet, answer, summary, fix },
#include "rules.def"
#undef RULE
};

int nm_rule_find(const char *id)
{
	for (int i = 0; i < NM_RULE_COUNT; i++)
		if (strcmp(nm_rules[i].id, id) == 0)
			return i;
	return -1;
}

const char *nm_action_name(enum nm_action a)
{
	switch (a) {
	case NM_ACT_STRICT:
		return "strict";
	case NM_ACT_REPORT:
		return "report";
	default:
		return "off";
	}
}
