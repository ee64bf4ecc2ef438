#!/usr/bin/env bash
# surface.sh REPO BUILD MODE - the no-MMU surface through the preload (surface.c), and
# programs that fork (sh, make, git) running to completion in report mode with every
# fork reported.
set -uo pipefail
repo=$1 build=$2 mode=$3
run=$repo/bin/nommu-run
case $mode in
strict | report)
	out=$("$run" --mode="$mode" -- "$build/tests/integration/nommu_surface" "$mode" 2>"$build/surface-$mode.err")
	rc=$?
	echo "$out"
	# every rule that fired was reported on stderr
	for rule in mprotect msync madvise mlock mincore memfd-create brk shmat fork clone-no-vm; do
		grep -q "nommu: $rule: " "$build/surface-$mode.err" || { echo "FAIL no report for $rule"; rc=1; }
	done
	exit $rc ;;
forking)
	tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
	printf 'all:\n\t@echo one\n\t@sh -c "echo two"\n' >"$tmp/Makefile"
	native=$(make -s -C "$tmp" 2>&1; sh -c 'echo $((6*7)); (echo sub)')
	under=$("$run" --mode=report -- make -s -C "$tmp" 2>"$tmp/err1"; "$run" --mode=report -- sh -c 'echo $((6*7)); (echo sub)' 2>"$tmp/err2")
	if [[ $native != "$under" ]]; then
		echo "FAIL output differs: native [$native] nommu [$under]"; exit 1
	fi
	grep -q "nommu: fork: " "$tmp/err2" || { echo "FAIL sh's fork was not reported"; cat "$tmp/err2"; exit 1; }
	if command -v git >/dev/null; then
		git -C "$tmp" init -q && git -C "$tmp" -c user.email=a@b -c user.name=n commit -q --allow-empty -m x
		g1=$(git -C "$tmp" log --format=%s) g2=$("$run" --mode=report -- git -C "$tmp" log --format=%s 2>/dev/null)
		[[ $g1 == "$g2" ]] || { echo "FAIL git log differs"; exit 1; }
	fi
	echo "PASS forking programs ran to completion in report mode"
	exit 0 ;;
esac
