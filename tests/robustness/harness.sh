# harness.sh - sourced by the adversarial cases (tests/robustness/*.sh), after
#   set -uo pipefail; source "$(dirname "$0")/harness.sh" "$@"
# with the case's arguments REPO BUILD.  Gives:
#   $rb_repo $rb_build   the source tree and the build directory
#   $rb_run              bin/nommu-run;  $rb_victim  the build's robust_victim program
#   $rb_tmp              a fresh temporary directory, removed at exit
#   rb_pass NAME         count a passing check (prints "PASS NAME")
#   rb_fail NAME [FILE]  count a failing check (prints "FAIL NAME", then FILE's start, indented)
#   rb_check NAME CMD... run CMD: pass if it exits 0, else fail
#   rb_timed SECS CMD... run CMD, killed after SECS seconds (status 124 then)
#   rb_skip REASON       the case cannot run here: exit 77 (ctest shows it skipped)
#   rb_real_log          a real log in $rb_log: the victim's violations of several kinds,
#                        under bin/nommu-run in report mode (each one made and counted)
#   rb_done              print the counts; exit 1 if a check failed, else 0
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the cases that source this file

rb_repo=${1:?usage: CASE.sh REPO BUILD}
rb_build=${2:?usage: CASE.sh REPO BUILD}
rb_run=$rb_repo/bin/nommu-run
rb_victim=$rb_build/tests/robustness/robust_victim
export NOMMU_BUILD_DIR=$rb_build
rb_tmp=$(mktemp -d "${TMPDIR:-/tmp}/nommu-robustness.XXXXXX") || exit 2
trap 'rm -rf -- "$rb_tmp"' EXIT
rb_passed=0
rb_failed=0

rb_pass() {
	printf 'PASS %s\n' "$1"
	rb_passed=$((rb_passed + 1))
}

rb_fail() {
	printf 'FAIL %s\n' "$1"
	if [[ -n ${2:-} && -f $2 ]]; then
		head -c 2000 -- "$2" | sed 's/^/    /'
	fi
	rb_failed=$((rb_failed + 1))
}

rb_check() {
	local name=$1
	shift
	if "$@"; then rb_pass "$name"; else rb_fail "$name"; fi
}

rb_timed() {
	local secs=$1
	shift
	timeout --kill-after=2 "$secs" "$@"
}

rb_skip() {
	printf 'SKIP %s\n' "$1"
	exit 77
}

rb_real_log() {
	local logs
	mkdir -p -- "$rb_tmp/log"
	"$rb_run" --mode=report --log="$rb_tmp/log/victim-%p.jsonl" -- "$rb_victim" many >/dev/null 2>"$rb_tmp/err"
	logs=("$rb_tmp"/log/victim-*.jsonl)
	rb_log=${logs[0]}
	if [[ -f $rb_log ]] && grep -q '"type":"violation"' "$rb_log" && grep -q '"type":"summary"' "$rb_log"; then
		return 0
	fi
	rb_fail "a real log from '$rb_victim many'" "$rb_tmp/err"
	rb_done
}

rb_done() {
	printf '%d passed, %d failed\n' "$rb_passed" "$rb_failed"
	((rb_failed == 0))
	exit $?
}
