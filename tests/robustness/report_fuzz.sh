#!/usr/bin/env bash
# report_fuzz.sh REPO BUILD - nommu-report against a real log whose fields are mutated,
# systematically then at random (seeded): no format may crash (exit status, "Traceback"),
# and each must write a whole report that parses.
set -uo pipefail
# shellcheck source=tests/robustness/harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh" "$@"
[[ -x $rb_victim ]] || t_skip "build $rb_victim first"
command -v python3 >/dev/null 2>&1 || t_skip "python3 is not installed"
rb_real_log

t_check "nommu-report survives mutated logs in every format" \
	python3 "$t_repo/tests/robustness/report_fuzz.py" fuzz "$t_repo" "$t_tmp/work" "$rb_log" \
	"$t_repo/tests/report/data/suppressed/nommu-prog-4000.jsonl"
t_done
