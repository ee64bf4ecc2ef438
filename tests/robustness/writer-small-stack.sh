#!/usr/bin/env bash
# writer-small-stack.sh REPO BUILD - a thread with a 16 KiB stack (PTHREAD_STACK_MIN class)
# breaks rules under nommu-run --mode=report: same exit status as a native run, and the
# log has its violations (the report fitted on that stack).  Then measures the stack the
# rule-breaking calls use with and without nommu: what nommu adds per report must stay
# within 8 KiB (docs/log-format.md gives the figure; libunwind takes most of it).
set -uo pipefail
repo=$1 build=$2
run=$repo/bin/nommu-run prog=$build/tests/robustness/writer-small-stack
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0

"$prog" 16384 >/dev/null 2>&1
native=$?
"$run" --mode=report --log="$tmp/log.jsonl" -- "$prog" 16384 >/dev/null 2>"$tmp/err"
st=$?
if [[ $st == "$native" ]] && grep -q '"rule":"munmap-unmapped"' "$tmp/log.jsonl" &&
	grep -q '"rule":"mmap-fixed"' "$tmp/log.jsonl" && grep -q '"type":"summary"' "$tmp/log.jsonl"; then
	echo "PASS 16 KiB stack: exit $st as natively, violations in the log"; pass=$((pass + 1))
else
	echo "FAIL 16 KiB stack: exit $st (native $native), log:"; head -c 2000 "$tmp/log.jsonl" 2>/dev/null
	tail -5 "$tmp/err"; fail=$((fail + 1))
fi

mine=$("$prog" measure | sed -n 's/^stack used //p')
under=$("$run" --mode=report -- "$prog" measure 2>/dev/null | sed -n 's/^stack used //p')
if [[ -n $mine && -n $under ]] && ((under - mine <= 8192)); then
	echo "PASS stack used by the calls: $mine bytes natively, $under under nommu (+$((under - mine)))"; pass=$((pass + 1))
else
	echo "FAIL stack used by the calls: '$mine' bytes natively, '$under' under nommu (more than 8 KiB added)"; fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
((fail == 0))
