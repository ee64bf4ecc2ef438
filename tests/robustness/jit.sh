#!/bin/bash
# jit.sh REPO BUILD - code in an anonymous PROT_EXEC map runs under nommu as natively
# (strict and report mode), from the device RAM.
set -uo pipefail
repo=$1 build=$2
run=$repo/bin/nommu-run prog=$build/tests/robustness/jit
pass=0 fail=0
want=$("$prog" 2>&1)
st=$?
[[ $st == 0 ]] || { echo "FAIL native run: exit $st: $want"; exit 1; }
for mode in strict report; do
	got=$("$run" --mode=$mode --mem-summary=no -- "$prog" 2>&1)
	st=$?
	if [[ $st == 0 && $got == "$want" ]]; then
		echo "PASS $mode: same as native"; pass=$((pass + 1))
	else
		echo "FAIL $mode: exit $st, output: $got"; fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
((fail == 0))
