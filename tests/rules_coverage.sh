#!/bin/bash
# rules_coverage.sh REPO - every rule of policies/rules.def has its whole story: a page
# docs/rules/ID.md with a "## Test" section, and a unit test named after it (ID with '_'
# for '-', alone or after "rule_") in tests/unit/; and every page is a rule's.
set -uo pipefail
repo=$1
fail=0 n=0
ids=$(sed -n 's/^RULE([A-Z_0-9]*, *"\([a-z0-9-]*\)".*/\1/p' "$repo/policies/rules.def")
[[ -n $ids ]] || { echo "FAIL: no rule found in rules.def"; exit 1; }
tests=$(sed -n 's/^START_TEST(\([a-z_0-9]*\)).*/\1/p' "$repo"/tests/unit/*.c)
for id in $ids; do
	n=$((n + 1))
	page=$repo/docs/rules/$id.md
	name=${id//-/_}
	if [[ ! -f $page ]]; then
		echo "FAIL $id: no page docs/rules/$id.md"; fail=$((fail + 1))
	elif ! grep -q '^## Test' "$page"; then
		echo "FAIL $id: docs/rules/$id.md has no '## Test' section"; fail=$((fail + 1))
	fi
	if ! grep -qxE "(rule_)?$name" <<<"$tests"; then
		echo "FAIL $id: no unit test named $name or rule_$name in tests/unit/"; fail=$((fail + 1))
	fi
done
for page in "$repo"/docs/rules/*.md; do
	id=$(basename "$page" .md)
	[[ $id == README ]] && continue
	grep -qx "$id" <<<"$ids" || { echo "FAIL docs/rules/$id.md: no such rule in rules.def"; fail=$((fail + 1)); }
done
echo "$n rules checked: $((fail == 0 ? n : 0)) complete, $fail problems"
((fail == 0))
