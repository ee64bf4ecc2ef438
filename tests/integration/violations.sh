#!/usr/bin/env bash
# violations.sh REPO BUILD - each kind of violation under the launcher: the event's fields,
# the backtrace reaching the function that made it, dedup counts, suppressions, the CI
# exit code, and a clean program giving exit 0 and no log records.
set -uo pipefail
# shellcheck source=tests/harness.sh
source "$(dirname "$0")/../harness.sh" "$@"
run=$t_run prog=$t_build/tests/integration/nommu_violations tmp=$t_tmp build=$t_build
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3

# check MODE RULE FUNCTION [COUNT] [extra program args...]
#   NR_MODE=report: run in report mode; GIVEN: the answer the record must say was given
#   (default: device in strict mode, desktop in report mode)
check() {
	local mode=$1 rule=$2 fn=$3 count=${4:-1}
	shift 4
	local nr_mode=${NR_MODE:-strict}
	local given=${GIVEN:-$([[ $nr_mode == strict ]] && echo device || echo desktop)}
	rm -f "$tmp"/*.jsonl
	"$run" --mode="$nr_mode" --mem=8M --error-exitcode=3 --log="$tmp/%n-%p.jsonl" -- "$prog" "$mode" "$@" >/dev/null 2>"$tmp/err"
	local st=$?
	if "$py" - "$tmp" "$rule" "$fn" "$count" "$st" "$given" <<'PY'
import glob, json, sys
d, rule, fn, count, st = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
given = sys.argv[6]
recs = [json.loads(l) for f in glob.glob(d + "/*.jsonl") for l in open(f) if l.strip()]
viol = [r for r in recs if r["type"] == "violation" and r["rule"] == rule]
def die(msg):
    print(msg); sys.exit(1)
if st != 3: die(f"exit status {st}, wanted 3 (--error-exitcode)")
if len(viol) != 1: die(f"{len(viol)} violation records for {rule}, wanted 1 (dedup)")
v = viol[0]
for key in ("context", "call", "text", "device_answer", "given", "pid", "tid", "time", "frames"):
    if key not in v: die(f"violation record lacks {key}")
if v["given"] != given: die(f"given={v['given']}, wanted {given}")
top = v["frames"][0].get("function", "")
if not top.startswith(fn + "+"): die(f"frame 0 is {top!r}, wanted {fn}")
if not any(f.get("function", "").startswith("main+") for f in v["frames"]): die("backtrace does not reach main")
summ = [r for r in recs if r["type"] == "summary"]
got = [c["count"] for s in summ for c in s["counts"] if c["rule"] == rule]
if got != [count]: die(f"summary count {got}, wanted [{count}]")
PY
	then t_pass "$mode ($nr_mode): $rule in $fn, counted $count"
	else t_fail "$mode ($rule)" "$tmp/err"; fi
}

check fixed mmap-fixed make_fixed_map 1
check shared-file mmap-shared-file map_disk_file_shared 1 "$build"
check munmap munmap-unmapped unmap_twice 1
check mremap mremap-grow grow_with_mremap 1
check oom mmap-no-memory exhaust_device_ram 1
check loop munmap-unmapped unmap_nothing_in_a_loop 1000
# the heap: the device cannot give 16 MiB (NULL + ENOMEM), or report mode serves it
# from the host and still reports it; bad frees are reported and ignored
check malloc-big malloc-no-memory malloc_beyond_the_device 1
NR_MODE=report check malloc-big malloc-no-memory malloc_beyond_the_device 1
GIVEN=same check double-free free-invalid free_twice 1

# a suppression makes the same run pass the CI gate
cat >"$tmp/sup" <<'SUP'
{
   known: the loop unmaps nothing on purpose
   rule: munmap-*
   fun: unmap_nothing_in_a_loop
   ...
}
SUP
"$run" --error-exitcode=3 --suppressions="$tmp/sup" -- "$prog" loop 2>"$tmp/err"
st=$?
if [[ $st == 0 ]] && ! grep -q . "$tmp/err"; then t_pass "suppressed: exit 0, nothing on stderr"
else t_fail "suppression: exit $st" "$tmp/err"; fi
# without a log the summary on stderr counts them
"$run" --suppressions="$tmp/sup" -- "$prog" loop 2>"$tmp/err"
st=$?
if [[ $st == 0 ]] && grep -q "1000 suppressed" "$tmp/err"; then t_pass "suppressed: counted on stderr"
else t_fail "suppression on stderr: exit $st" "$tmp/err"; fi

# a clean program: exit 0, nothing on stderr, no violation records
rm -f "$tmp"/*.jsonl
"$run" --error-exitcode=3 --log="$tmp/%n-%p.jsonl" -- "$prog" clean 2>"$tmp/err"
st=$?
if [[ $st == 0 ]] && ! grep -q '"type":"violation"' "$tmp"/*.jsonl && ! grep -qE '^nommu: [a-z-]+: ' "$tmp/err"; then
	t_pass "clean: exit 0, no violations"
else t_fail "clean: exit $st" "$tmp/err"; fi

t_done
