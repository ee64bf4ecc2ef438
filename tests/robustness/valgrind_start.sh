#!/bin/bash
# valgrind_start.sh REPO BUILD - the preload's start-up and exit read nothing uninitialised:
# a program with the preload runs clean under valgrind's memcheck, without a log (where the
# log path buffer used to be read unset) and with one.
set -uo pipefail
# shellcheck source=tests/harness.sh
source "$(dirname "$0")/../harness.sh" "$@"
command -v valgrind >/dev/null 2>&1 || t_skip "valgrind is not installed"
lib=$t_build/libnommu.so
[[ -f $lib ]] || t_skip "no $lib"
for opts in "mode=report" "mode=report:log=$t_tmp/%p.jsonl"; do
	out=$t_tmp/valgrind.out
	if LD_PRELOAD=$lib NOMMU_OPTIONS=$opts t_timed 120 valgrind -q --error-exitcode=9 /bin/true >"$out" 2>&1; then
		t_pass "memcheck clean with NOMMU_OPTIONS=$opts"
	else
		t_fail "memcheck with NOMMU_OPTIONS=$opts" "$out"
	fi
done
t_done
