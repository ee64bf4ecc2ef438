#!/usr/bin/env bash
# suppressions_match.sh REPO BUILD - "..." in a suppression entry matches any number of
# frames, in time linear in the backtrace whatever the number of "..." lines: a dozen of
# them used to make matching exponential, hanging the program at its first violation.
# Also what matches and what does not, which the linear matcher must keep.
set -uo pipefail
# shellcheck source=tests/robustness/harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh" "$@"
[[ -x $rb_victim ]] || t_skip "build $rb_victim first"

# gate LABEL WANT DEPTH ENTRY-LINES...: the victim's one violation (mmap-fixed from
# violate(), under DEPTH + 1 frames of descend() and main) under an entry made of ENTRY-LINES;
# WANT 0: suppressed, 3: reported.  Limited to 20 s: a hang fails the check.
gate() {
	local label=$1 want=$2 depth=$3 line
	shift 3
	{
		printf '{\n   case\n   rule: mmap-fixed\n'
		for line in "$@"; do printf '   %s\n' "$line"; done
		printf '}\n'
	} >"$t_tmp/case.supp"
	local start=$SECONDS
	t_timed 20 "$t_run" --error-exitcode=3 --suppressions="$t_tmp/case.supp" -- "$rb_victim" deep "$depth" \
		>/dev/null 2>"$t_tmp/err"
	local st=$?
	if [[ $st == "$want" ]]; then t_pass "$label: exit $st ($((SECONDS - start)) s)"
	elif [[ $st == 124 || $st == 137 ]]; then t_fail "$label: still matching after 20 s (killed)"
	else t_fail "$label: exit $st, wanted $want" "$t_tmp/err"; fi
}

# repeat N WORD: N words
repeat() {
	local i
	for ((i = 0; i < $1; i++)); do printf '%s\n' "$2"; done
}
mapfile -t dots12 < <(repeat 12 "...")
mapfile -t dots_descend < <(for i in {1..11}; do printf '...\nfun: descend\n'; done)
mapfile -t dots200 < <(repeat 200 "...")
mapfile -t descend6 < <(repeat 6 "fun: descend")
mapfile -t descend7 < <(repeat 7 "fun: descend")
mapfile -t any40 < <(repeat 40 "fun: *")

# the backtrace is cut at 32 frames: violate and 31 descend
gate "12 '...' then a frame that is nowhere" 3 40 "${dots12[@]}" "fun: never_called"
gate "12 '...' then a frame that is nowhere, shallow stack" 3 5 "${dots12[@]}" "fun: never_called"
gate "'... fun: descend' 11 times, then a frame that is nowhere" 3 40 "${dots_descend[@]}" "fun: never_called"
gate "'... fun: descend' 11 times, then main (cut off)" 3 40 "${dots_descend[@]}" "fun: main"
gate "'... fun: descend' 11 times, then main" 0 20 "${dots_descend[@]}" "..." "fun: main"
gate "200 '...' lines, then obj: the victim" 0 40 "${dots200[@]}" "obj: */robust_victim"

# what matches: "..." is any number of frames, including none
gate "violate ... main" 0 5 "fun: violate" "..." "fun: main"
gate "violate ... descend descend ... main" 0 5 "fun: violate" "..." "fun: descend" "fun: descend" "..." "fun: main"
gate "violate ... (nothing after)" 0 5 "fun: violate" "..."
gate "... violate (none before)" 0 5 "..." "fun: violate"
gate "... only" 0 5 "..."
gate "no frame line" 0 5
gate "violate then 6 descend exactly (deep 5 is descend(5) to descend(0))" 0 5 "fun: violate" "${descend6[@]}" "fun: main"
gate "... main ... main (one main only)" 3 5 "..." "fun: main" "..." "fun: main"
# what does not: frame 0 is violate, the order counts, the stack has an end
gate "descend first (frame 0 is violate)" 3 5 "fun: descend"
gate "main ... violate (wrong order)" 3 5 "..." "fun: main" "..." "fun: violate"
gate "violate then 7 descend (there are 6)" 3 5 "fun: violate" "${descend7[@]}" "..."
gate "more frame lines than frames" 3 5 "fun: violate" "${any40[@]}"
gate "obj: of another module" 3 5 "obj: */libnothing.so*"

t_done
