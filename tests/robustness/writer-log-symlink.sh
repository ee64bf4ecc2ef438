#!/usr/bin/env bash
# writer-log-symlink.sh REPO BUILD - the log is never opened through a symbolic link:
# a link planted at the log's name (dangling, or to an existing file) is refused before
# main runs (exit 2, one line on stderr), and so is a name that is not a regular file
# (FIFO: without hanging; directory; device).  An existing regular file is appended to.
set -uo pipefail
repo=$1
run=$repo/bin/nommu-run
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
prog=$(command -v true)
fail=0 pass=0

# refused NAME LOGPATH WHAT: the run must exit 2 with one "cannot open the log" line saying WHAT
refused() {
	local name=$1 log=$2 what=$3
	timeout 20 "$run" --log="$log" -- "$prog" >"$tmp/out" 2>"$tmp/err"
	local st=$?
	if [[ $st == 2 ]] && [[ $(grep -c "^nommu: cannot open the log file $log" "$tmp/err") == 1 ]] &&
		grep -q "$what" "$tmp/err"; then
		echo "PASS $name: refused"; pass=$((pass + 1))
	else
		echo "FAIL $name: exit $st (wanted 2, one line saying '$what')"; sed 's/^/    /' "$tmp/err"; fail=$((fail + 1))
	fi
}

# a dangling link: following it would create the target
ln -s "$tmp/created-through-the-link" "$tmp/dangling.jsonl"
refused dangling-link "$tmp/dangling.jsonl" "symbolic link"
if [[ -e $tmp/created-through-the-link ]]; then echo "FAIL dangling-link: the link's target was created"; fail=$((fail + 1)); fi

# a link to an existing file: following it would append to that file
printf 'precious\n' >"$tmp/precious"
ln -s "$tmp/precious" "$tmp/link.jsonl"
refused existing-link "$tmp/link.jsonl" "symbolic link"
if [[ $(cat "$tmp/precious") != precious ]]; then echo "FAIL existing-link: the link's target was written"; fail=$((fail + 1)); fi

mkfifo "$tmp/fifo.jsonl"
refused fifo "$tmp/fifo.jsonl" "not a regular file"
mkdir "$tmp/dir.jsonl"
refused directory "$tmp/dir.jsonl" "."
refused device /dev/null "not a regular file"

# a fresh name is created; an existing regular file is appended to (two runs, two starts)
"$run" --log="$tmp/two-runs.jsonl" -- "$prog" 2>"$tmp/err" && "$run" --log="$tmp/two-runs.jsonl" -- "$prog" 2>>"$tmp/err"
st=$?
starts=$(grep -c '"type":"start"' "$tmp/two-runs.jsonl" 2>/dev/null)
if [[ $st == 0 && $starts == 2 ]]; then echo "PASS regular file: created, then appended to"; pass=$((pass + 1))
else echo "FAIL regular file: exit $st, $starts start records (wanted 0, 2)"; sed 's/^/    /' "$tmp/err"; fail=$((fail + 1)); fi

echo "$pass passed, $fail failed"
((fail == 0))
