#!/usr/bin/env bash
# writer-procfs-race.sh REPO BUILD - with proc-maps=device, threads that read
# /proc/self/maps at once while their mappings change each get a whole text of their own.
set -uo pipefail
repo=$1 build=$2
out=$("$repo/bin/nommu-run" --proc-maps=device -- "$build/tests/robustness/writer-procfs-race" 2>/dev/null)
st=$?
if [[ $st == 0 ]]; then echo "PASS: $out"; else echo "FAIL: exit $st, $out"; exit 1; fi
