# tests/harness.sh - the one small harness of the shell tests, sourced after
#   set -uo pipefail; source "$(dirname "$0")/../harness.sh" "$@"
# by a test run as  bash TEST.sh REPO BUILD [ARGS...].  Gives:
#   $t_repo $t_build   the source tree and the build directory (NOMMU_BUILD_DIR is set)
#   $t_run             bin/nommu-run
#   $t_tmp             a fresh temporary directory, removed at exit
#   t_pass NAME        count a passing check (prints "PASS NAME")
#   t_fail NAME [FILE] count a failing check (prints "FAIL NAME", then FILE's start, indented)
#   t_check NAME CMD.. run CMD: pass if it exits 0, else fail
#   t_timed SECS CMD.. run CMD, killed after SECS seconds (status 124 then)
#   t_skip REASON      the test cannot run here: exit 77 (ctest shows it skipped)
#   t_done             print "N passed, N failed"; exit 1 if a check failed, else 0
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the tests that source this file

t_repo=$(cd -- "${1:?usage: TEST.sh REPO BUILD}" && pwd -P) || exit 2
t_build=$(cd -- "${2:?usage: TEST.sh REPO BUILD}" && pwd -P) || exit 2
t_run=$t_repo/bin/nommu-run
export NOMMU_BUILD_DIR=$t_build
unset NOMMU_OPTIONS LD_PRELOAD
t_tmp=$(mktemp -d "${TMPDIR:-/tmp}/nommu-test.XXXXXX") || exit 2
trap 'rm -rf -- "$t_tmp"' EXIT
t_passed=0
t_failed=0

t_pass() {
	printf 'PASS %s\n' "$1"
	t_passed=$((t_passed + 1))
}

t_fail() {
	printf 'FAIL %s\n' "$1"
	if [[ -n ${2:-} && -f $2 ]]; then
		head -c 2000 -- "$2" | sed 's/^/    /'
	fi
	t_failed=$((t_failed + 1))
}

t_check() {
	local name=$1
	shift
	if "$@"; then t_pass "$name"; else t_fail "$name"; fi
}

t_timed() {
	local secs=$1
	shift
	timeout --kill-after=2 "$secs" "$@"
}

t_skip() {
	printf 'SKIP %s\n' "$1"
	exit 77
}

t_done() {
	printf '%d passed, %d failed\n' "$t_passed" "$t_failed"
	((t_failed == 0))
	exit $?
}
