#!/usr/bin/env bash
# report_types.sh REPO BUILD - nommu-report skips a record whose fields have unexpected
# JSON types (or that nests too deeply to read), with a note, and reports the rest in
# every format: it used to stop with a traceback, losing the whole report.
set -uo pipefail
# shellcheck source=tests/robustness/harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh" "$@"
[[ -x $rb_victim ]] || rb_skip "build $rb_victim first"
command -v python3 >/dev/null 2>&1 || rb_skip "python3 is not installed"
rb_real_log

rb_check "nommu-report skips each ill-typed record with a note" \
	python3 "$rb_repo/tests/robustness/report_fuzz.py" types "$rb_repo" "$rb_tmp/work" "$rb_log"
rb_done
