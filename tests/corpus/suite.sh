#!/usr/bin/env bash
# suite.sh REPO BUILD [PACKAGE] - a real project's own test suite under nommu (issue 9).
#
# Fetches the Debian source of PACKAGE (default gzip; see README.md for why), builds it once
# in a cache ($NOMMU_CORPUS_CACHE, default /var/tmp/nommu-corpus), then runs its
# "make -k check" natively and under "bin/nommu-run --mode=report --log=...", so that make,
# the shells of every test and every program they start run under nommu. Passes when make
# check ends the same way, every test has the same result as natively, and bin/nommu-report
# reads the logs and lists the violations.
# Setup (root, Debian): adds a deb-src line for bookworm in
# /etc/apt/sources.list.d/nommu-corpus-src.sources when apt has none.
# Exit: 0 passed, 1 failed, 77 skipped (not root on a fresh cache, or no apt), 2 setup failed.
set -u

[[ $# -ge 2 && -d $1 && -d $2 ]] || { echo "usage: $0 REPO BUILD [PACKAGE]" >&2; exit 2; }
repo=$(cd -- "$1" && pwd -P)
build=$(cd -- "$2" && pwd -P)
pkg=${3:-gzip}
run=$repo/bin/nommu-run
unset NOMMU_OPTIONS LD_PRELOAD
export LC_ALL=C TZ=UTC NOMMU_BUILD_DIR=$build
cache=${NOMMU_CORPUS_CACHE:-/var/tmp/nommu-corpus}
src=$cache/$pkg/src
jobs=2
say() { printf 'suite %s: %s\n' "$pkg" "$*"; }

# --- setup: the source, configured and built, once ----------------------------------------
setup() {
	[[ -e $src/.nommu-built ]] && return 0
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
		say "SKIP: no cached build in $src and not root on Debian (apt-get source needs it)"
		exit 77
	fi
	local list=/etc/apt/sources.list.d/nommu-corpus-src.sources
	if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		say "adding deb-src for bookworm in $list"
		printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' \
			'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$list"
		apt-get update >"$cache/apt.log" 2>&1 || { cat "$cache/apt.log"; return 1; }
	fi
	rm -rf -- "${cache:?}/${pkg:?}"
	mkdir -p "$cache/$pkg/dl" "$src"
	say "fetching the Debian source (apt-get source $pkg)"
	(cd "$cache/$pkg/dl" && apt-get source --download-only "$pkg") >"$cache/$pkg/fetch.log" 2>&1 ||
		{ cat "$cache/$pkg/fetch.log"; return 1; }
	# the upstream tarball as Debian ships it: Debian's patches touch configure.ac, which
	# would make the build want automake
	local orig
	orig=$(find "$cache/$pkg/dl" -maxdepth 1 -name "${pkg}_*.orig.tar.*" ! -name '*.asc' | head -n 1)
	[[ -n $orig ]] || { say "no orig tarball in $cache/$pkg/dl"; return 1; }
	tar -xf "$orig" -C "$src" --strip-components=1 || return 1
	say "configuring and building $(basename -- "$orig") in $src (log: $cache/$pkg/build.log)"
	# "make check TESTS=" builds what the tests need without running them
	(cd "$src" && ./configure && make -j"$jobs" && make -j"$jobs" check TESTS=) \
		>"$cache/$pkg/build.log" 2>&1 </dev/null || { tail -n 40 "$cache/$pkg/build.log"; return 1; }
	touch "$src/.nommu-built"
}
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one setup at a time
setup || { say "setup FAILED"; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nommu-suite.XXXXXX") || exit 2
trap 'rm -rf -- "$tmp"' EXIT

results() { # OUT: every test's result, from the automake harness's .trs files
	find "$src" -name '*.trs' -print0 | xargs -0 -r grep -H '^:test-result:' |
		sed -e "s|^$src/||" -e 's|\.trs::test-result:| |' | sort >"$1"
}

run_check() { # SIDE [WRAPPER...]
	local side=$1
	shift
	find "$src" -name '*.trs' -delete
	local t0=$SECONDS
	# -k: a failing check-local must not stop the tests of the next directories
	(cd "$src" && "$@" make -k -j"$jobs" check) >"$tmp/$side.out" 2>&1 </dev/null
	local st=$?
	results "$tmp/$side.results"
	# keep each test's own log for the failures
	mkdir -p "$tmp/$side.logs"
	find "$src" -name '*.log' ! -name config.log -exec cp --parents {} "$tmp/$side.logs" \; 2>/dev/null
	say "$side: make check exit $st, $(wc -l <"$tmp/$side.results") tests, $(grep -c ' PASS$' "$tmp/$side.results") PASS, $((SECONDS - t0)) s"
	return $st
}

run_check native
ns=$?
mkdir -p "$tmp/logs"
run_check nommu "$run" --mode=report --log="$tmp/logs/%p.jsonl" --
ms=$?

ok=0
if [[ $ns != "$ms" ]]; then
	say "make check exit status: native $ns, under nommu $ms; its errors under nommu:"
	grep -B 3 -E '^make.*\*\*\*' "$tmp/nommu.out" | grep -v '^nommu:' | head -n 20 | sed 's/^/    /'
	ok=1
fi
(($(wc -l <"$tmp/native.results") > 0)) || { say "no test results natively"; ok=1; }
if ! cmp -s "$tmp/native.results" "$tmp/nommu.results"; then
	say "test results differ (- native, + nommu):"
	diff -u --label native --label nommu "$tmp/native.results" "$tmp/nommu.results" | sed -n '3,60p' | sed 's/^/    /'
	# the first lines of each test that changed, as the harness logged it under nommu
	diff "$tmp/native.results" "$tmp/nommu.results" | sed -n 's/^> \(.*\) [A-Z]*$/\1/p' | head -n 8 |
		while read -r t; do
			# gnulib's test scripts run under "set -x": what failed is just before the
			# first "fail=1" (report backtraces left out)
			say "$t.log under nommu, up to its first failure:"
			grep -av '^nommu:     #' -- "$tmp/nommu.logs$src/$t.log" 2>/dev/null |
				grep -a -m 1 -B 12 'fail=1' | sed 's/^/    /'
		done
	ok=1
fi

# the suite's violations, as a porter reads them
"$repo/bin/nommu-report" --no-symbolize "$tmp/logs" >"$tmp/report.txt" 2>"$tmp/report.err"
rs=$?
summary=$(grep -E '^nommu: [0-9]+ violations' "$tmp/report.txt")
if [[ $rs -ne 0 || -z $summary ]]; then
	say "nommu-report failed (exit $rs):"
	head -n 20 "$tmp/report.err" "$tmp/report.txt" | sed 's/^/    /'
	ok=1
else
	say "nommu-report over $(find "$tmp/logs" -name '*.jsonl' | wc -l) logs: $summary"
	say "rules: $(grep -ho '"rule":"[^"]*"' "$tmp"/logs/*.jsonl | sort | uniq -c | sort -rn |
		awk '{ sub(/"rule":/, "", $2); printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
	[[ $summary == "nommu: 0 violations"* ]] && { say "no violation listed (make check forks: expected some)"; ok=1; }
fi
if ((ok)); then
	say "FAIL"
	exit 1
fi
say "PASS: every test as natively"
