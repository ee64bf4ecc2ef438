#!/usr/bin/env bash
# writer-log-enospc.sh REPO BUILD - a log write that fails (here: a full disk, a tmpfs of
# 8 KiB) is not ignored: one line on stderr says the log is incomplete, a <log>.failed
# marker is left next to it (the launcher's CI gate fails on it), the program's own exit
# status is unchanged, and the log holds only whole records.  Needs root and unshare -m
# for the private mount (exit 77 without them).
set -uo pipefail
repo=$1 build=$2
run=$repo/bin/nommu-run prog=$build/tests/robustness/writer-long
if [[ $(id -u) != 0 ]] || ! unshare -m true 2>/dev/null; then
	echo "SKIP: needs root and unshare -m (a private tmpfs mount)"
	exit 77
fi
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/mnt"
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3

# inside a mount namespace of its own: the tmpfs is gone with it, results copied out
unshare -m bash -c '
	mnt=$1 out=$2 run=$3 prog=$4
	mount -t tmpfs -o size=8k none "$mnt" || exit 77
	"$run" --mode=report --log="$mnt/%p.jsonl" -- "$prog" many >/dev/null 2>"$out/err"
	echo $? >"$out/status"
	ls -a "$mnt" >"$out/files"
	cp "$mnt"/*.jsonl "$out/" 2>/dev/null
	exit 0' _ "$tmp/mnt" "$tmp" "$run" "$prog"
[[ -f $tmp/status ]] || { echo "SKIP: could not mount a tmpfs"; exit 77; }

"$py" - "$tmp" <<'PY'
import glob, json, os, re, sys
d = sys.argv[1]
err = open(d + "/err").read()
files = open(d + "/files").read().split()
st = int(open(d + "/status").read())
def die(msg):
    print("FAIL:", msg)
    print("stderr (end):\n" + err[-1500:])
    print("files:", files)
    sys.exit(1)
if st != 0: die(f"exit status {st}, wanted the program's own 0")
lines = [l for l in err.splitlines() if "cannot write the log" in l]
if len(lines) != 1: die(f"{len(lines)} 'cannot write the log' lines, wanted 1")
m = re.fullmatch(r"nommu: cannot write the log (\S+/(\d+)\.jsonl): No space left on device; "
                 r"this process's report is incomplete", lines[0])
if not m: die(f"the line is {lines[0]!r}")
name = os.path.basename(m.group(1))
if name + ".failed" not in files: die(f"no {name}.failed marker")
data = open(os.path.join(d, name), "rb").read()
whole = [l for l in data.split(b"\n") if l]
for l in whole[:-1]:
    json.loads(l)  # every record before the last line is whole
print(f"PASS: one line, {name}.failed left, {len(whole)} lines in the log")
PY
