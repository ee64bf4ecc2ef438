#!/bin/bash
# options_coverage.sh REPO - every option of policies/options.def is documented: nommu-run's
# flags (arg not "-") as --KEY in README.md, docs/guide.md or docs/ci.md, and the ones
# nommu-run sets itself as KEY= in the guide or docs/log-format.md; and no document names an
# option that does not exist.
set -uo pipefail
repo=$1
fail=0 n=0
mapfile -t rows < <(sed -n 's/^OPTION(\([a-z-]*\), *[A-Z_]*, *[a-z_]*, *"\([^"]*\)".*/\1 \2/p' "$repo/policies/options.def")
((${#rows[@]})) || { echo "FAIL: no option found in options.def"; exit 1; }
docs=("$repo/README.md" "$repo/docs/guide.md" "$repo/docs/ci.md")
keys=()
for row in "${rows[@]}"; do
	key=${row%% *} arg=${row#* }
	keys+=("$key")
	n=$((n + 1))
	if [[ $arg == - ]]; then
		grep -q -- "$key=" "${docs[@]}" "$repo/docs/log-format.md" ||
			{ echo "FAIL $key: set by nommu-run, but no document says $key="; fail=$((fail + 1)); }
	else
		grep -q -- "--$key" "${docs[@]}" ||
			{ echo "FAIL --$key: not in README.md, docs/guide.md or docs/ci.md"; fail=$((fail + 1)); }
	fi
done
# the README's options table names only real flags (its own launcher flags aside)
while read -r flag; do
	key=${flag#--}
	case $key in error-exitcode | list-rules | list-profiles | help | version | quiet | gen-suppressions) continue ;; esac
	printf '%s\n' "${keys[@]}" | grep -qx -- "$key" ||
		{ echo "FAIL README.md: --$key is not an option of options.def"; fail=$((fail + 1)); }
done < <(grep '^| `--' "$repo/README.md" | grep -o -- '`--[a-z-]*' | tr -d '`' | sort -u)
echo "$n options checked, $fail problems"
((fail == 0))
