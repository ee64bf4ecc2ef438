#!/bin/bash
# jit.sh REPO BUILD - code in an anonymous PROT_EXEC map runs under nommu as natively
# (strict and report mode), from the device RAM.
set -uo pipefail
# shellcheck source=tests/harness.sh
source "$(dirname "$0")/../harness.sh" "$@"
prog=$t_build/tests/robustness/jit
want=$("$prog" 2>&1)
st=$?
[[ $st == 0 ]] || { t_fail "native run: exit $st: $want"; t_done; }
for mode in strict report; do
	got=$("$t_run" --mode=$mode --mem-summary=no -- "$prog" 2>&1)
	st=$?
	if [[ $st == 0 && $got == "$want" ]]; then
		t_pass "$mode: same as native"
	else
		t_fail "$mode: exit $st, output: $got"
	fi
done
t_done
