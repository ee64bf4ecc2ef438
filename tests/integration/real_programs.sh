#!/usr/bin/env bash
# real_programs.sh REPO [CASE...] - real programs under nommu in report mode must print
# exactly what they print natively and exit with the same status. stderr may differ
# (violation reports go there); it is printed when a comparison fails.
#
# Cases (all when none given): ls python3 sqlite3 gzip-bytes gzip-pipeline gzip-sh git
#   and the malloc-heavy ones: python3-alloc (a script that allocates heavily),
#   sqlite3-100k (builds, indexes and queries a 100k-row table in a file), git-repo (status,
#   log -p, a commit on a small repository), gcc-compile (cc1 and as under nommu; the object
#   file's bytes are compared)
# Exit: 0 all passed, 1 a case failed, 77 every case was skipped (a program is missing).
# shellcheck disable=SC2016 # the snippets expand $W and $PY when they run
set -u

[[ $# -ge 1 && -d $1 ]] || { echo "usage: $0 REPO [CASE...]" >&2; exit 2; }
repo=$(cd -- "$1" && pwd -P)
shift
run=$repo/bin/nommu-run
unset NOMMU_OPTIONS LD_PRELOAD
export LC_ALL=C TZ=UTC

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nommu-real.XXXXXX") || exit 2
trap 'rm -rf -- "$tmp"' EXIT
pass=0 fail=0 skip=0

py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3 # not a pyenv shim

# runs SNIPPET with bash -o pipefail; $W in it is empty natively, nommu-run under nommu
run_snippet() { # OUT ERR W SNIPPET
	W=$3 PY=$py bash -o pipefail -c "$4" >"$1" 2>"$2" </dev/null
}

# check NAME TRIES NEEDED-PROGRAM... -- SNIPPET
check() {
	local name=$1 tries=$2 prog
	shift 2
	while [[ $1 != -- ]]; do
		prog=$1
		shift
		if ! command -v "$prog" >/dev/null 2>&1; then
			echo "SKIP $name: $prog is not installed"
			skip=$((skip + 1))
			return
		fi
	done
	local snippet=$2 try ns ms
	for ((try = 1; try <= tries; try++)); do
		run_snippet "$tmp/native.out" "$tmp/native.err" "" "$snippet"
		ns=$?
		run_snippet "$tmp/nommu.out" "$tmp/nommu.err" "$run --mode=report --" "$snippet"
		ms=$?
		if [[ $ns != 0 ]]; then # a case whose native run fails compares nothing
			echo "FAIL $name: the native run exits $ns: $(head -c 300 "$tmp/native.err")"
			fail=$((fail + 1))
			return
		fi
		if [[ $ns == "$ms" ]] && cmp -s "$tmp/native.out" "$tmp/nommu.out"; then
			echo "PASS $name (exit $ns, $(wc -c <"$tmp/native.out") bytes of stdout identical)"
			pass=$((pass + 1))
			return
		fi
		((try < tries)) && echo "note: $name differed on try $try, trying again (what it lists may have changed)"
	done
	echo "FAIL $name: $snippet"
	echo "  exit status: native $ns, under nommu $ms"
	if ! cmp -s "$tmp/native.out" "$tmp/nommu.out"; then
		echo "  stdout differs (- native, + nommu):"
		diff -u --label native --label nommu "$tmp/native.out" "$tmp/nommu.out" | head -n 60 | sed 's/^/    /'
		if grep -aq '[^[:print:][:space:]]' "$tmp/native.out" "$tmp/nommu.out"; then
			echo "  (binary) native:"; od -An -tx1 "$tmp/native.out" | head -n 8 | sed 's/^/    /'
			echo "  (binary) nommu:"; od -An -tx1 "$tmp/nommu.out" | head -n 8 | sed 's/^/    /'
		fi
	fi
	echo "  stderr under nommu:"
	head -n 80 -- "$tmp/nommu.err" | sed 's/^/    /'
	echo "  stderr native:"
	head -n 20 -- "$tmp/native.err" | sed 's/^/    /'
	fail=$((fail + 1))
}

# Inputs of the malloc-heavy cases, made natively once.
make_inputs() {
	[[ -e $tmp/inputs ]] && return 0
	cat >"$tmp/alloc.py" <<'PY'
import json
d = {}
for i in range(200000):
    d[i] = [str(i) * 3, (i, i + 1), {"k": i, "v": [i] * (i % 7)}]
s = sum(len(v[0]) for v in d.values())
l = sorted(d.items(), key=lambda kv: -kv[0])[:5]
blob = json.dumps([d[i] for i in range(0, 200000, 97)])
print(s, [k for k, _ in l], len(blob), blob[:60])
PY
	{
		printf 'create table t(a integer primary key, b text, c real);\nbegin;\n'
		seq 1 100000 | awk '{printf "insert into t(b,c) values(\"row%d\", %d.5);\n", $1, $1}'
		printf 'commit;\ncreate index tb on t(b);\n'
		printf 'select count(*), sum(c), max(b) from t where a %% 7 = 3;\n'
		printf 'select b, c from t where b between "row5000" and "row5010" order by b;\n'
		printf 'delete from t where a %% 3 = 0;\nvacuum;\nselect count(*) from t;\n'
	} >"$tmp/rows.sql"
	mkdir -p "$tmp/repo"
	(
		cd "$tmp/repo" && git init -q && for i in $(seq 1 40); do seq 1 $((i * 25)) >"f$i.txt"; done &&
			git add -A && git -c user.email=t@n -c user.name=t commit -qm one &&
			for i in $(seq 1 40 3); do seq 2 $((i * 30)) >"f$i.txt"; done &&
			git -c user.email=t@n -c user.name=t commit -qam two
	) >/dev/null 2>&1
	cp -- "$repo/core/engine/nm_ram.c" "$tmp/unit.c"
	touch "$tmp/inputs"
}

run_case() {
	case $1 in
	python3-alloc) make_inputs; check python3-alloc 1 "$py" -- '$W "$PY" '"$tmp/alloc.py" ;;
	sqlite3-100k) make_inputs; check sqlite3-100k 1 sqlite3 -- 'rm -f '"$tmp"'/db && $W sqlite3 '"$tmp/db"' ".read '"$tmp"'/rows.sql"' ;;
	# a fresh copy of the repository each run: the commit at the end changes it
	git-repo) make_inputs; check git-repo 1 git -- 'rm -rf '"$tmp"'/r2 && cp -a '"$tmp"'/repo '"$tmp"'/r2 && cd '"$tmp"'/r2 && echo x >>f1.txt && $W git status --short && $W git log -p --stat | grep -v "^Date:" && $W git -c user.email=t@n -c user.name=t commit -qam three && $W git diff HEAD~2 --stat' ;;
	gcc-compile) make_inputs; check gcc-compile 1 gcc -- 'rm -f '"$tmp"'/unit.o && $W gcc -O2 -c -I'"$repo"'/core -I'"$repo"'/core/engine -I'"$repo"'/core/heap -I'"$repo"'/core/report -I'"$repo"'/policies -D_GNU_SOURCE -o '"$tmp"'/unit.o '"$tmp"'/unit.c && od -An -tx1 '"$tmp"'/unit.o | md5sum' ;;
	# / may change between the two runs (another test writing /tmp): 3 tries.
	# /proc's link count is the number of live processes, which moves on its own, and
	# its digits set the column width: mask it and squeeze the padding, both sides alike.
	ls) check ls 3 ls -- '$W ls -l / | sed -E "/ proc\$/s/^([^ ]+ +)[0-9]+/\1N/" | tr -s " "' ;;
	python3) check python3 1 "$py" -- '$W "$PY" -c "print(1)"' ;;
	sqlite3) check sqlite3 1 sqlite3 -- '$W sqlite3 :memory: "select 1"' ;;
	# gzip -c output bytes (gzip writes mtime 0 for stdin, so they are reproducible)
	gzip-bytes) check gzip-bytes 1 gzip -- 'printf "hello\n" | $W gzip -c' ;;
	# each gzip under its own nommu-run
	gzip-pipeline) check gzip-pipeline 1 gzip -- 'printf "hello\n" | $W gzip -c | $W gzip -dc' ;;
	# the whole pipeline under one preloaded shell: fork+exec from a nommu'd process
	gzip-sh) check gzip-sh 1 gzip sh -- '$W sh -c "printf \"hello\\n\" | gzip -c | gzip -dc"' ;;
	git) check git 1 git -- '$W git --version' ;;
	*) echo "FAIL $1: unknown case"; fail=$((fail + 1)) ;;
	esac
}

(($#)) || set -- ls python3 sqlite3 gzip-bytes gzip-pipeline gzip-sh git python3-alloc sqlite3-100k git-repo gcc-compile
for c in "$@"; do run_case "$c"; done

echo "$pass passed, $fail failed, $skip skipped"
((fail)) && exit 1
((pass == 0 && skip > 0)) && exit 77
exit 0
