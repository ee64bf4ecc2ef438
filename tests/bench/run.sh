#!/usr/bin/env bash
# tests/bench/run.sh - nommu's benchmark: the same workloads natively and under nommu-run,
# in one invocation, with the ratios (nommu / native; below 1 is faster under nommu).
# Times are the best of 3 runs (the machine is shared and noisy).  Not part of tests/run.
#   usage: tests/bench/run.sh [BUILD_DIR]
#   BENCH_MICRO="malloc realloc": only these micro workloads ("" for none)
set -uo pipefail
repo=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/../.." && pwd -P)
build=${1:-${NOMMU_BUILD_DIR:-$repo/build}}
export NOMMU_BUILD_DIR=$build
cmake --build "$build" -j2 --target nommu nommu-options nommu_bench nommu_rusage >/dev/null || exit 2
bench=$build/tests/bench/nommu_bench rusage=$build/tests/bench/nommu_rusage
# the preload set directly: the launcher's own start (bash, option check) is its own row
nommu=(env "LD_PRELOAD=$build/libnommu.so" "NOMMU_OPTIONS=mode=report:mem=1G")
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT

best() { # best of 3 of the number a command prints last on stdout
	local b="" v
	for _ in 1 2 3; do
		v=$("$@" 2>/dev/null | awk '{print $NF}')
		[[ -z $b ]] || awk -v v="$v" -v b="$b" 'BEGIN{exit !(v<b)}' && b=$v
	done
	echo "$b"
}

# wall seconds and peak RSS (KiB) of a command, best of 3 by time
measure() { # -> "secs kib"
	local b="" bk="" t k
	for _ in 1 2 3; do
		read -r t k < <("$rusage" "$@" 2>&1 >/dev/null | tail -n 1)
		if [[ -z $b ]] || awk -v v="$t" -v b="$b" 'BEGIN{exit !(v<b)}'; then b=$t bk=$k; fi
	done
	echo "$b $bk"
}

row() { printf '%-26s %12s %12s %8s %10s %10s\n' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a > 0) printf "%.2f", b / a; else print "-" }'; }

row workload native nommu ratio "RSS nat" "RSS nommu"
row "(micro, ns/op)" "" "" "" "KiB" "KiB"
for w in ${BENCH_MICRO-mmap4k mmap1m malloc malloc4t realloc realloc-big}; do
	n=$(best "$bench" "$w")
	m=$(best "${nommu[@]}" "$bench" "$w")
	row "$w" "$n" "$m" "$(ratio "$n" "$m")" "" ""
done

# real programs, malloc-heavy
cat >"$tmp/alloc.py" <<'PY'
d = {}
for i in range(300000):
    d[i] = [str(i) * 3, (i, i + 1), {"k": i}]
s = sum(len(v[0]) for v in d.values())
l = sorted(d.items(), key=lambda kv: -kv[0])[:10]
print(s, l[0][0])
PY
printf 'create table t(a integer primary key, b text, c real);\nbegin;\n' >"$tmp/rows.sql"
seq 1 100000 | awk '{printf "insert into t(b,c) values(\"row%d\", %d.5);\n", $1, $1}' >>"$tmp/rows.sql"
printf 'commit;\ncreate index tb on t(b);\nselect count(*), sum(c), max(b) from t where a %% 7 = 3;\n' >>"$tmp/rows.sql"
mkdir -p "$tmp/repo" && git -C "$tmp/repo" init -q && for i in $(seq 1 50); do
	seq 1 $((i * 20)) >"$tmp/repo/f$i.txt"
done && git -C "$tmp/repo" add -A && git -C "$tmp/repo" -c user.email=b@n -c user.name=b commit -qm one
cp "$repo/core/engine/nm_file.c" "$tmp/unit.c"

py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
row "(programs, seconds)" "" "" "" "" ""
run_program() { # name command...
	local name=$1
	shift
	read -r nt nk < <(measure "$@")
	read -r mt mk < <(measure "${nommu[@]}" "$@")
	row "$name" "$nt" "$mt" "$(ratio "$nt" "$mt")" "$nk" "$mk"
}
run_program "python3 alloc.py" "$py" "$tmp/alloc.py"
# each run starts from no database, so every run does the same work
run_program "sqlite3 100k rows" sh -c 'rm -f "$1" && exec sqlite3 "$1" ".read $2"' sh "$tmp/db.sqlite" "$tmp/rows.sql"
run_program "git status+log" sh -c "git -C $tmp/repo status --short >/dev/null && git -C $tmp/repo log -p >/dev/null"
read -r nt _ < <(measure /bin/true)
read -r mt _ < <(measure "${nommu[@]}" /bin/true)
read -r lt _ < <(measure "$repo/bin/nommu-run" -- /bin/true)
row "start: /bin/true" "$nt" "$mt" "$(ratio "$nt" "$mt")" "" ""
row "start: nommu-run /bin/true" "$nt" "$lt" "$(ratio "$nt" "$lt")" "" ""
run_program "gcc -O2 -c" gcc -O2 -c -I"$repo/core" -I"$repo/core/engine" -I"$repo/core/heap" -I"$repo/core/report" -I"$repo/policies" -D_GNU_SOURCE -o "$tmp/unit.o" "$tmp/unit.c"
echo "ratio = nommu / native: LD_PRELOAD=libnommu.so NOMMU_OPTIONS=mode=report:mem=1G, best of 3"
