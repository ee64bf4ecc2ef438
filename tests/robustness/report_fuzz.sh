#!/usr/bin/env bash
# report_fuzz.sh REPO BUILD - nommu-report against a real log whose fields are mutated,
# systematically then at random (seeded): no format may crash (exit status, "Traceback"),
# and each must write a whole report that parses.
set -uo pipefail
# shellcheck source=tests/robustness/harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh" "$@"
[[ -x $rb_victim ]] || rb_skip "build $rb_victim first"
command -v python3 >/dev/null 2>&1 || rb_skip "python3 is not installed"
rb_real_log

rb_check "nommu-report survives mutated logs in every format" \
	python3 "$rb_repo/tests/robustness/report_fuzz.py" fuzz "$rb_repo" "$rb_tmp/work" "$rb_log" \
	"$rb_repo/tests/report/data/suppressed/nommu-prog-4000.jsonl"
rb_done
