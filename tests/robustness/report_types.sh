#!/usr/bin/env bash
# report_types.sh REPO BUILD - nommu-report skips a record whose fields have unexpected
# JSON types (or that nests too deeply to read), with a note, and reports the rest in
# every format: it used to stop with a traceback, losing the whole report.
set -uo pipefail
# shellcheck source=tests/robustness/harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh" "$@"
[[ -x $rb_victim ]] || t_skip "build $rb_victim first"
command -v python3 >/dev/null 2>&1 || t_skip "python3 is not installed"
rb_real_log

t_check "nommu-report skips each ill-typed record with a note" \
	python3 "$t_repo/tests/robustness/report_fuzz.py" types "$t_repo" "$t_tmp/work" "$rb_log"
t_done
