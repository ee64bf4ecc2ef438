#!/bin/bash
# descriptors.sh REPO BUILD - nommu's descriptors are out of the program's sight and reach.
# Each case runs tests/robustness/descriptors natively and under
# nommu-run --mode=report --log --error-exitcode=3: the program's output must be the same,
# the MAP_FIXED violation must be in the log after the program closed or took over
# descriptors, and the gate must say 3.
set -uo pipefail
# shellcheck source=tests/harness.sh
source "$(dirname "$0")/../harness.sh" "$@"
run=$t_run prog=$t_build/tests/robustness/descriptors tmp=$t_tmp

# case NAME [ULIMIT-ARGS] -- ARGS...: same output natively and under nommu, one violation logged
case_() {
	local name=$1 lim=()
	shift
	while [[ $1 != -- ]]; do lim+=("$1"); shift; done
	shift
	rm -rf "$tmp/logs" "$tmp"/own.*
	mkdir "$tmp/logs"
	( ((${#lim[@]})) && ulimit "${lim[@]}"; "$prog" "$@" "$tmp/own.n") >"$tmp/n.out" 2>"$tmp/n.err"
	local ns=$?
	( ((${#lim[@]})) && ulimit "${lim[@]}"
	 "$run" --mode=report --error-exitcode=3 --log="$tmp/logs/%p.jsonl" -- "$prog" "$@" "$tmp/own.m") \
		>"$tmp/m.out" 2>"$tmp/m.err"
	local ms=$?
	local why=""
	[[ $ns == 0 ]] || why="native exit $ns"
	[[ -z $why && $ms != 3 ]] && why="exit $ms under nommu, wanted 3 (--error-exitcode: a violation happened)"
	if [[ -z $why ]] && ! cmp -s "$tmp/n.out" "$tmp/m.out"; then
		why="stdout differs: $(diff "$tmp/n.out" "$tmp/m.out" | head -5 | tr '\n' ' ')"
	fi
	# stderr: natively empty; under nommu with --log only the launcher's own last line
	if [[ -z $why ]] && grep -v '^nommu-run: ' "$tmp/m.err" | grep -q .; then
		why="stderr has more than the launcher's line: $(head -3 "$tmp/m.err" | tr '\n' ' ')"
	fi
	if [[ -z $why ]] && ! grep -h '"type":"violation"' "$tmp"/logs/*.jsonl 2>/dev/null | grep -q '"rule":"mmap-fixed"'; then
		why="no mmap-fixed violation in the log"
	fi
	if [[ -z $why ]]; then t_pass "$name"; else t_fail "$name: $why"; fi
}

# the only violations are the program's: one context, MAP_FIXED in main's threads
only_programs_contexts() {
	local n
	n=$(grep -h '"type":"violation"' "$tmp"/logs/*.jsonl | grep -c .)
	if [[ $n == 1 ]] && ! grep -q 'libunwind' "$tmp"/logs/*.jsonl; then
		t_pass "threads: only the program's violation"
	else
		grep -h '"type":"violation"' "$tmp"/logs/*.jsonl | cut -c1-200 >"$tmp/records"
		t_fail "threads: $n violation records (nommu's own calls reported?)" "$tmp/records"
	fi
}

case_ closefrom -- closefrom
case_ close_range -- close_range
case_ raw-close_range -- raw
case_ close-loop -- close-loop
case_ dup2-onto-high-numbers -- dup2-high
case_ stderr-closed -- stderr-closed
# the program sees the descriptor numbers and the limit it sees natively
case_ open-many-ulimit-64 -n 64 -- open-many
case_ open-many-soft-64 -S -n 64 -- open-many
case_ close-loop-ulimit-64 -n 64 -- close-loop
case_ threads -- threads && only_programs_contexts

t_done
