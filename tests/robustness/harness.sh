# harness.sh - sourced by the adversarial cases (tests/robustness/*.sh), after
#   set -uo pipefail; source "$(dirname "$0")/harness.sh" "$@"
# with the case's arguments REPO BUILD.  The shared harness (tests/harness.sh: $t_repo,
# $t_build, $t_run, $t_tmp, t_pass, t_fail, t_check, t_timed, t_skip, t_done), and:
#   $rb_victim           the build's robust_victim program
#   rb_real_log          a real log in $rb_log: the victim's violations of several kinds,
#                        under bin/nommu-run in report mode (each one made and counted)
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the cases that source this file
# shellcheck source=tests/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../harness.sh" "$@"

rb_victim=$t_build/tests/robustness/robust_victim

rb_real_log() {
	local logs
	mkdir -p -- "$t_tmp/log"
	"$t_run" --mode=report --log="$t_tmp/log/victim-%p.jsonl" -- "$rb_victim" many >/dev/null 2>"$t_tmp/err"
	logs=("$t_tmp"/log/victim-*.jsonl)
	rb_log=${logs[0]}
	if [[ -f $rb_log ]] && grep -q '"type":"violation"' "$rb_log" && grep -q '"type":"summary"' "$rb_log"; then
		return 0
	fi
	t_fail "a real log from '$rb_victim many'" "$t_tmp/err"
	t_done
}
