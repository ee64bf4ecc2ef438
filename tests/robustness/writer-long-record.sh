#!/usr/bin/env bash
# writer-long-record.sh REPO BUILD deep|many - log records longer than any fixed buffer.
#   deep: a violation 40 calls deep through functions with 600-character names, from a
#         program under a 390-character path (a record of tens of KiB), then a violation
#         of another rule: every line of the log is one whole JSON record, the 3000-
#         character name is cut and marked "truncated", nommu-report sees both contexts
#   many: 1100 call sites, more contexts than the engine keeps (1024): the summary
#         record is whole, lists 1024 contexts and counts 1100 violations
set -uo pipefail
repo=$1 build=$2 mode=$3
run=$repo/bin/nommu-run report=$repo/bin/nommu-report
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3

# the program, under a long directory path (every frame of it names that module)
dir=$tmp
for _ in 1 2 3; do dir=$dir/a-directory-name-of-one-hundred-and-twenty-characters-to-make-the-module-path-of-the-program-long-xxxxxxxxxxxxxxxxxxxxx; done
mkdir -p -- "$dir" "$tmp/logs" || exit 1
prog=$dir/writer-long
cp -- "$build/tests/robustness/writer-long" "$prog" || exit 1

"$run" --mode=report --error-exitcode=3 --log="$tmp/logs/%n-%p.jsonl" -- "$prog" "$mode" >"$tmp/out" 2>"$tmp/err"
st=$?
"$report" --no-symbolize "$tmp/logs" >"$tmp/report" 2>&1
"$py" - "$tmp/logs" "$mode" "$st" "$tmp/report" "$prog" <<'PY'
import glob, json, sys
d, mode, st, report_file, prog = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
report = open(report_file).read()
def die(msg):
    print("FAIL:", msg)
    print("nommu-report said:\n" + report[-2000:])
    sys.exit(1)
files = glob.glob(d + "/*.jsonl")
if len(files) != 1: die(f"{len(files)} log files, wanted 1")
data = open(files[0], "rb").read()
if not data.endswith(b"\n"): die("the log does not end with a line end")
recs = []
for i, line in enumerate(data.split(b"\n")[:-1]):
    try:
        recs.append(json.loads(line))
    except ValueError:
        die(f"line {i + 1} ({len(line)} bytes) is not one JSON record: {line[:80]!r}...{line[-80:]!r}")
summ = [r for r in recs if r["type"] == "summary"]
if len(summ) != 1: die(f"{len(summ)} summary records, wanted 1")
s = summ[0]
if st != 3: die(f"exit status {st}, wanted 3 (--error-exitcode)")
if "process" in report and "did not exit normally" in report: die("nommu-report thinks the process was killed")
if mode == "deep":
    viol = {r["rule"]: r for r in recs if r["type"] == "violation"}
    if set(viol) != {"munmap-unmapped", "mmap-fixed"}: die(f"violation records for {sorted(viol)}")
    v = viol["munmap-unmapped"]
    longest = max(len(l) for l in data.split(b"\n"))
    if longest <= 16384: die(f"longest record {longest} bytes: the test should pass 16 KiB")
    if len(v["frames"]) < 30: die(f"{len(v['frames'])} frames, wanted 30 or more")
    top = v["frames"][0]
    if not top.get("function", "").startswith("bbbbbbbbbb"): die(f"frame 0 is {top.get('function')!r}")
    if top.get("truncated") is not True: die("the 3000-character name is not marked truncated")
    if len(top["function"]) >= 3000: die("the 3000-character name was not cut")
    for f in v["frames"][1:]:
        if f.get("module") != prog and "level_" in f.get("function", ""): die(f"module {f.get('module')!r}")
        if "level_" in f.get("function", "") and f.get("truncated"): die("a 638-character name marked truncated")
    if "nommu: 2 violations from 2 contexts" not in report: die("nommu-report does not count 2 violations")
else:
    if s["violations"] != 1100: die(f"summary violations {s['violations']}, wanted 1100")
    if s["contexts"] != 1024 or len(s["counts"]) != 1024: die(f"summary contexts {s['contexts']}, counts {len(s['counts'])}")
    if "ram" not in s: die("the summary lacks ram")
print(f"PASS {mode}: {len(recs)} records, every line whole")
PY
