#!/usr/bin/env bash
# launcher.sh REPO [CASE...] - bin/nommu-run itself: strict-mode smoke run, option checking,
# program lookup, statically linked programs, exit status and signals passed through,
# NOMMU_OPTIONS / LD_PRELOAD handling, help, and the build on first use.
#
# Cases (all but first-use-build when none given):
#   strict-true bad-option unknown-program static exit-status script env help first-use-build
#   quiet-main-pid path log-paths log-twice helpers-unchecked log-damaged build-without-check
# Exit: 0 all passed, 1 a case failed, 77 every case was skipped.
# shellcheck disable=SC2317,SC2016,SC2209 # case functions are called by name; literal $1/od
set -u

[[ $# -ge 1 && -d $1 ]] || { echo "usage: $0 REPO [CASE...]" >&2; exit 2; }
repo=$(cd -- "$1" && pwd -P)
shift
run=$repo/bin/nommu-run
unset NOMMU_OPTIONS LD_PRELOAD
export LC_ALL=C

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nommu-launcher.XXXXXX") || exit 2
trap 'rm -rf -- "$tmp"' EXIT
pass=0 fail=0 skip=0
case_failed=0

# nr OUT-PREFIX ARGS...: run nommu-run, stdout/stderr to files, status in $st
nr() {
	local p=$1
	shift
	"$run" "$@" >"$tmp/$p.out" 2>"$tmp/$p.err" </dev/null
	st=$?
}

bad() { # MESSAGE [FILE...]: one failed expectation; shows the files
	echo "  not ok: $1"
	shift
	local f
	for f in "$@"; do
		echo "  --- $(basename "$f"):"
		head -n 40 -- "$f" | sed 's/^/    /'
	done
	case_failed=1
}

expect_status() { # WANT WHAT PREFIX
	if [[ $st == "$1" ]]; then echo "  ok: $2 -> exit $st"; else bad "$2: exit $st, expected $1" "$tmp/$3.out" "$tmp/$3.err"; fi
}

expect_grep() { # PATTERN FILE WHAT
	if grep -q -- "$1" "$2"; then echo "  ok: $3"; else bad "$3 (no '$1')" "$2"; fi
}

expect_one_line() { # FILE WHAT
	local n
	n=$(wc -l <"$1")
	if [[ $n == 1 ]]; then echo "  ok: $2: one line"; else bad "$2: $n lines, expected one" "$1"; fi
}

case_strict_true() {
	nr t -- /bin/true
	expect_status 0 "nommu-run -- /bin/true (strict, the default)" t
	nr t2 /bin/true
	expect_status 0 "nommu-run /bin/true (no --)" t2
}

case_bad_option() {
	local marker=$tmp/started
	nr b1 --mode=bogus -- touch "$marker"
	expect_status 2 "--mode=bogus" b1
	expect_grep "mode=bogus" "$tmp/b1.err" "the message names mode=bogus"
	expect_grep "nommu-run --help" "$tmp/b1.err" "the message points to nommu-run --help"
	expect_one_line "$tmp/b1.err" "--mode=bogus message"
	[[ -e $marker ]] && bad "the program was started despite the bad option"

	nr b2 --no-such-flag -- touch "$marker"
	expect_status 2 "--no-such-flag" b2
	expect_grep "no-such-flag" "$tmp/b2.err" "the message names --no-such-flag"
	expect_one_line "$tmp/b2.err" "--no-such-flag message"

	nr b3 --rule=no-such-rule=off -- touch "$marker"
	expect_status 2 "--rule=no-such-rule=off" b3
	expect_grep "no-such-rule" "$tmp/b3.err" "the message names the rule"

	nr b4 --mem=lots -- touch "$marker"
	expect_status 2 "--mem=lots" b4
	expect_grep "mem=lots" "$tmp/b4.err" "the message names mem=lots"

	NOMMU_OPTIONS=bogus-key=1 nr b5 -- touch "$marker"
	expect_status 2 "NOMMU_OPTIONS=bogus-key=1 in the environment" b5
	expect_grep "bogus-key" "$tmp/b5.err" "the message names bogus-key"

	nr b6 --mode=report
	expect_status 2 "no PROGRAM" b6
	expect_grep "PROGRAM" "$tmp/b6.err" "the message says PROGRAM is missing"

	[[ -e $marker ]] && bad "a program was started despite a bad option"
	return 0
}

case_unknown_program() {
	nr u1 -- nommu-no-such-program-xyz
	expect_status 127 "nommu-run -- nommu-no-such-program-xyz" u1
	expect_grep "nommu-no-such-program-xyz" "$tmp/u1.err" "the message names the program"
	nr u2 -- "$tmp/no/such/file"
	expect_status 127 "a path that does not exist" u2
}

case_static() {
	if ! command -v cc >/dev/null 2>&1; then
		echo "SKIP static: no C compiler (cc)"
		return 77
	fi
	local libc_a
	libc_a=$(cc -print-file-name=libc.a 2>/dev/null)
	if [[ $libc_a != /* || ! -f $libc_a ]]; then
		echo "SKIP static: libc.a is not installed (Debian package libc6-dev), cannot build a static program"
		return 77
	fi
	printf 'int main(void) { return 0; }\n' >"$tmp/st.c"
	if ! cc -static -o "$tmp/static-prog" "$tmp/st.c" 2>"$tmp/cc.err"; then
		echo "SKIP static: cc -static failed: $(head -n 3 "$tmp/cc.err")"
		return 77
	fi
	nr s1 -- "$tmp/static-prog"
	expect_status 2 "a statically linked program" s1
	expect_grep "statically linked" "$tmp/s1.err" "the message says it is statically linked"
	expect_grep "LD_PRELOAD cannot reach it" "$tmp/s1.err" "the message says why"
	# the dynamic build of the same program is accepted
	if cc -o "$tmp/dyn-prog" "$tmp/st.c" 2>/dev/null; then
		nr s3 --mode=report -- "$tmp/dyn-prog"
		expect_status 0 "the same program linked dynamically" s3
	fi
	return 0
}

# A program built for the board (here a 32-bit ARM ELF header) is refused with a
# message that says what it is and what to do.
case_foreign() {
	local f=$tmp/arm-prog
	# e_ident: ELF, 32-bit, little-endian, version 1; e_type EXEC, e_machine 40 (ARM)
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\050\000\001\000\000\000' >"$f"
	head -c 28 /dev/zero >>"$f"
	chmod +x "$f"
	nr fo1 -- "$f"
	expect_status 2 "a 32-bit ARM program" fo1
	expect_grep "32-bit ARM program" "$tmp/fo1.err" "the message names its machine"
	expect_grep "ordinary compiler" "$tmp/fo1.err" "the message says how to fix it"
	# a script is fine: its interpreter is what LD_PRELOAD reaches
	printf '#!/bin/sh\necho script-ran\n' >"$tmp/script.sh"
	chmod +x "$tmp/script.sh"
	nr fo2 --mode=report -- "$tmp/script.sh"
	expect_status 0 "a #! script" fo2
	expect_grep "^script-ran$" "$tmp/fo2.out" "the script ran"
}

case_exit_status() {
	nr e1 --mode=report -- sh -c 'exit 7'
	expect_status 7 "sh -c 'exit 7'" e1
	nr e2 -- sh -c 'exit 7'
	expect_status 7 "sh -c 'exit 7' (strict)" e2
	{ nr e3 --mode=report -- sh -c 'kill -TERM $$'; } 2>/dev/null # no "Terminated" from bash
	expect_status 143 "a program killed by SIGTERM (128+15)" e3
}

case_script() {
	printf '#!/bin/sh\necho "script says $1"\n' >"$tmp/script.sh"
	chmod +x "$tmp/script.sh"
	nr sc --mode=report -- "$tmp/script.sh" hi
	expect_status 0 "a #! script" sc
	expect_grep "^script says hi$" "$tmp/sc.out" "the script ran with its argument"
}

case_env() {
	local lib
	lib=$(cd -- "${NOMMU_BUILD_DIR:-$repo/build}" && pwd -P)/libnommu.so
	NOMMU_OPTIONS=mem=32M nr v1 --mode=report --rule=mmap-fixed=off -- /bin/sh -c 'echo "pid=$$"; exec /usr/bin/env'
	expect_status 0 "env under nommu-run" v1
	local pid
	pid=$(sed -n 's/^pid=//p' "$tmp/v1.out")
	expect_grep "^NOMMU_OPTIONS=mem=32M:mode=report:rule=mmap-fixed=off:main-pid=$pid$" "$tmp/v1.out" \
		"NOMMU_OPTIONS keeps the environment's items, appends the flags, then main-pid=<the program's pid>"
	expect_grep "^LD_PRELOAD=$lib$" "$tmp/v1.out" "LD_PRELOAD is the absolute path of libnommu.so"
	LD_PRELOAD=libpthread.so.0 nr v2 --mode=report -- /usr/bin/env
	expect_status 0 "env under nommu-run with an LD_PRELOAD of its own" v2
	expect_grep "^LD_PRELOAD=$lib:libpthread.so.0$" "$tmp/v2.out" "an existing LD_PRELOAD is kept after libnommu.so"
	nr v3 --mode report --mem 32M -- /usr/bin/env
	expect_grep "^NOMMU_OPTIONS=mode=report:mem=32M:main-pid=[0-9]*$" "$tmp/v3.out" "flags also take their value as the next argument"
}

# -q/--quiet is quiet=yes; main-pid is the process nommu-run started, in both ways of running
case_quiet_main_pid() {
	local f pid
	for f in -q --quiet; do
		nr q$f "$f" -- /usr/bin/env
		expect_status 0 "nommu-run $f" "q$f"
		expect_grep "^NOMMU_OPTIONS=quiet=yes:main-pid=[0-9]*$" "$tmp/q$f.out" "$f adds quiet=yes"
	done
	nr mp1 -- /bin/sh -c 'echo "pid=$$ opts=$NOMMU_OPTIONS"'
	pid=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$tmp/mp1.out")
	expect_grep "^pid=$pid opts=main-pid=$pid$" "$tmp/mp1.out" "exec: main-pid is the program's pid"
	nr mp2 --error-exitcode=3 -- /bin/sh -c 'echo "pid=$$ opts=$NOMMU_OPTIONS"'
	expect_status 0 "--error-exitcode=3, a clean run" mp2
	pid=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$tmp/mp2.out")
	expect_grep "^pid=$pid opts=log=.*:main-pid=$pid$" "$tmp/mp2.out" "--error-exitcode: main-pid is the program's pid"
	nr mp3 --help
	expect_grep "--quiet" "$tmp/mp3.out" "--help documents --quiet"
	expect_grep "main-pid" "$tmp/mp3.out" "--help documents main-pid"
}

# Any PATH or none (issue 9 item 5, issue 13 item 3): nommu-run's own tools come from the
# system, PROGRAM from the user's PATH, and PROGRAM gets the user's environment exactly.
case_path() {
	local b=${NOMMU_BUILD_DIR:-$repo/build} pbin=$tmp/pbin
	mkdir -p "$pbin" "$tmp/sub"
	ln -sf /bin/true "$pbin/only-true"
	ln -sf "$run" "$tmp/nommu-run-link"
	printf '#!/bin/sh\necho "rel $1"\n' >"$tmp/sub/rel.sh"
	chmod +x "$tmp/sub/rel.sh"

	env -i NOMMU_BUILD_DIR="$b" "$run" -- /bin/echo hi >"$tmp/p1.out" 2>"$tmp/p1.err"; st=$?
	expect_status 0 "env -i nommu-run -- /bin/echo hi" p1
	expect_grep "^hi$" "$tmp/p1.out" "env -i: the program's output"
	env PATH=/nonexistent NOMMU_BUILD_DIR="$b" "$run" -- /bin/echo hi >"$tmp/p2.out" 2>"$tmp/p2.err"; st=$?
	expect_status 0 "PATH=/nonexistent nommu-run -- /bin/echo hi" p2
	expect_grep "^hi$" "$tmp/p2.out" "PATH=/nonexistent: the program's output"
	env -i PATH="$pbin" NOMMU_BUILD_DIR="$b" "$run" -- only-true >"$tmp/p3.out" 2>"$tmp/p3.err"; st=$?
	expect_status 0 "PATH with only a symlink to /bin/true: nommu-run -- only-true" p3
	env -i PATH="$pbin" NOMMU_BUILD_DIR="$b" "$run" -- echo hi >"$tmp/p4.out" 2>"$tmp/p4.err"; st=$?
	expect_status 127 "PATH with only only-true: nommu-run -- echo (not in the user's PATH)" p4
	(cd "$tmp" && env -i NOMMU_BUILD_DIR="$b" "$run" -- sub/rel.sh a) >"$tmp/p5.out" 2>"$tmp/p5.err"; st=$?
	expect_status 0 "a relative program path (sub/rel.sh)" p5
	expect_grep "^rel a$" "$tmp/p5.out" "sub/rel.sh ran"
	(cd "$tmp/sub" && env PATH=/nonexistent NOMMU_BUILD_DIR="$b" "$run" -- ./rel.sh b) >"$tmp/p6.out" 2>"$tmp/p6.err"; st=$?
	expect_status 0 "./rel.sh with PATH=/nonexistent" p6
	expect_grep "^rel b$" "$tmp/p6.out" "./rel.sh ran"
	env -i NOMMU_BUILD_DIR="$b" "$tmp/nommu-run-link" -- /bin/echo link >"$tmp/p7.out" 2>"$tmp/p7.err"; st=$?
	expect_status 0 "env -i, through a symlink to nommu-run" p7
	expect_grep "^link$" "$tmp/p7.out" "the symlink: the program's output"

	# the environment: exactly the user's, plus LD_PRELOAD and NOMMU_OPTIONS (bash adds SHLVL)
	env -i FOO='a b' NOMMU_BUILD_DIR="$b" "$run" --mem-summary=no -- /usr/bin/env >"$tmp/p8.out" 2>"$tmp/p8.err"; st=$?
	expect_status 0 "env -i FOO='a b' nommu-run -- /usr/bin/env" p8
	grep -v -e '^SHLVL=0$' "$tmp/p8.out" | sed 's/=.*//' | sort >"$tmp/p8.names"
	printf '%s\n' FOO LD_PRELOAD NOMMU_BUILD_DIR NOMMU_OPTIONS >"$tmp/p8.want"
	if cmp -s "$tmp/p8.names" "$tmp/p8.want"; then
		echo "  ok: env -i: the program's environment is the user's plus LD_PRELOAD, NOMMU_OPTIONS"
	else
		bad "env -i: the program's environment is not the user's plus nommu's" "$tmp/p8.out"
	fi
	expect_grep "^FOO=a b$" "$tmp/p8.out" "env -i: FOO kept as given"
	env -i PATH="$pbin:/usr/bin" NOMMU_BUILD_DIR="$b" "$run" -- env >"$tmp/p9.out" 2>"$tmp/p9.err"; st=$?
	expect_status 0 "PATH=$pbin:/usr/bin nommu-run -- env" p9
	expect_grep "^PATH=$pbin:/usr/bin$" "$tmp/p9.out" "the program gets the user's PATH"
	env -i PATH="$pbin:/usr/bin" NOMMU_BUILD_DIR="$b" "$run" --error-exitcode=3 -- env >"$tmp/p10.out" 2>"$tmp/p10.err"; st=$?
	expect_status 0 "the same with --error-exitcode" p10
	expect_grep "^PATH=$pbin:/usr/bin$" "$tmp/p10.out" "--error-exitcode: the program gets the user's PATH"
	# the ordinary environment, as the test was given it
	env | grep -v -e '^_=' -e '^SHLVL=' -e '^LD_PRELOAD=' -e '^NOMMU_OPTIONS=' | sort >"$tmp/p11.want"
	nr p11 --mem-summary=no -- env
	grep -v -e '^_=' -e '^SHLVL=' -e '^LD_PRELOAD=' -e '^NOMMU_OPTIONS=' "$tmp/p11.out" | sort >"$tmp/p11.got"
	if cmp -s "$tmp/p11.got" "$tmp/p11.want"; then
		echo "  ok: the program's environment is the caller's (but LD_PRELOAD, NOMMU_OPTIONS)"
	else
		diff "$tmp/p11.want" "$tmp/p11.got" >"$tmp/p11.diff"
		bad "the program's environment differs from the caller's" "$tmp/p11.diff"
	fi
	if head -n 1 "$run" | grep -q '^#!/bin/bash$'; then echo "  ok: #!/bin/bash"; else bad "nommu-run's interpreter is not an absolute path" "$run"; fi
}

case_help() {
	nr h1 --help
	expect_status 0 "--help" h1
	expect_grep "NOMMU_OPTIONS" "$tmp/h1.out" "--help explains NOMMU_OPTIONS"
	expect_grep "docs/guide.md" "$tmp/h1.out" "--help points to docs/guide.md"
	nr h2 --version
	expect_status 0 "--version" h2
	nr h3 --list-rules
	expect_status 0 "--list-rules" h3
	expect_grep "mmap-fixed" "$tmp/h3.out" "--list-rules lists mmap-fixed"
}

# The program is nommu-run's process after exec: it must inherit no child of the
# launcher's (a process substitution still running would be one, and wait() in the
# program would return its pid instead of ECHILD; conformance probe P05 saw it).
case_no_stray_child() {
	command -v cc >/dev/null 2>&1 || return 77
	printf '%s\n' '#include <errno.h>' '#include <stdio.h>' '#include <sys/wait.h>' \
		'int main(void) { int st; pid_t p = wait(&st); if (p < 0 && errno == ECHILD) return 0;' \
		'printf("wait() = %d\n", (int)p); return 1; }' >"$tmp/w.c"
	cc -o "$tmp/w" "$tmp/w.c" || return 77
	local bad=0
	for _ in $(seq 1 20); do
		nr w --mem-summary=no -- "$tmp/w"
		((st == 0)) || bad=$((bad + 1))
	done
	if ((bad == 0)); then echo "  ok: wait() in the program: ECHILD, 20 runs of 20"; else bad "wait() found a child in $bad runs of 20" "$tmp/w.out"; fi
	# the race needs a loaded machine to show; the cause can be seen in the source
	if grep -nE '^[^#]*< *<\(' "$run" >"$tmp/procsub.txt"; then
		bad "nommu-run uses a process substitution (its process may outlive the exec)" "$tmp/procsub.txt"
	else
		echo "  ok: nommu-run starts no process substitution"
	fi
}

# --heap picks the malloc model; malloc_stats() names it.  --mem-summary=no drops the exit line.
case_heap() {
	local py=/usr/bin/python3 m
	[[ -x $py ]] || return 77
	for m in fast simple uclibc; do
		nr hp-$m --mode=report --heap=$m -- $py -c 'import ctypes; ctypes.CDLL(None).malloc_stats()'
		expect_status 0 "--heap=$m" hp-$m
		expect_grep "($m model)" "$tmp/hp-$m.err" "malloc_stats() names the $m model"
		expect_grep "device RAM peak" "$tmp/hp-$m.err" "the exit line is printed"
	done
	# ls closes stderr on its way out (gnulib close_stdout): the line must still come
	nr hp-ls -- ls /
	expect_status 0 "ls /" hp-ls
	expect_grep "device RAM peak" "$tmp/hp-ls.err" "the exit line of a program that closes stderr"
	nr hp-q --mode=report --heap=uclibc --mem-summary=no -- $py -c 'print(len(bytearray(10**6)))'
	expect_status 0 "--mem-summary=no" hp-q
	expect_grep "^1000000$" "$tmp/hp-q.out" "the program's output"
	grep -q "device RAM peak" "$tmp/hp-q.err" && bad "--mem-summary=no still printed the exit line" "$tmp/hp-q.err"
	# malloc-simple: a mapping per block; 150000 live blocks need no more than RAM (no map-count
	# limit on no-MMU, and the heap's block table is not device RAM)
	if command -v perl >/dev/null 2>&1; then
		nr hp-many --heap=simple --mem=1G --mem-summary=no -- perl -e 'my @a = map { "x" x 100 } 1..150000; print scalar(@a), "\n"'
		expect_status 0 "--heap=simple, 150000 live blocks" hp-many
		expect_grep "^150000$" "$tmp/hp-many.out" "all 150000 blocks allocated"
	fi
	nr hp-bad --heap=bogus -- /bin/true
	expect_status 2 "--heap=bogus" hp-bad
	expect_grep "heap=bogus" "$tmp/hp-bad.err" "the message names heap=bogus"
	return 0
}

# build_violator: $tmp/viol, a program that breaks one rule (MAP_FIXED) and exits 0
build_violator() {
	[[ -x $tmp/viol ]] && return 0
	command -v cc >/dev/null 2>&1 || { echo "SKIP: no C compiler (cc)"; return 77; }
	printf '%s\n' '#include <sys/mman.h>' \
		'int main(void) { char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);' \
		'mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); return 0; }' \
		>"$tmp/viol.c"
	cc -o "$tmp/viol" "$tmp/viol.c" || return 77
}

# A log path, a relative log's directory or TMPDIR with a space or glob characters: the
# --error-exitcode scan must still find the logs (issue 10 item 2).
case_log_paths() {
	build_violator || return 77
	local d
	for d in "$tmp/with space" "$tmp/gl[o]b" "$tmp/star*q?" "$tmp/all [*?] of it"; do
		mkdir -p -- "$d" "$tmp/glob" # "glob" is what an unescaped gl[o]b would match
		nr lp --mode=report --error-exitcode=3 --log="$d/%n.%p.jsonl" -- "$tmp/viol"
		expect_status 3 "--log in '${d#"$tmp"/}' with a violation" lp
		expect_grep "violation context" "$tmp/lp.err" "the gate's message"
		(cd -- "$d" && "$run" --mode=report --error-exitcode=3 --log=rel-%p.jsonl -- "$tmp/viol") \
			>"$tmp/lr.out" 2>"$tmp/lr.err" </dev/null
		st=$?
		expect_status 3 "a relative --log in '${d#"$tmp"/}'" lr
		TMPDIR=$d nr lt --mode=report --error-exitcode=3 -- "$tmp/viol"
		expect_status 3 "TMPDIR='${d#"$tmp"/}', no --log" lt
		nr lc --mode=report --error-exitcode=3 --log="$d/%n.%p.jsonl" -- /bin/true
		expect_status 0 "--log in '${d#"$tmp"/}', a clean run" lc
	done
	# %% is a '%', not a wildcard
	mkdir -p "$tmp/pc%p"
	nr lpc --mode=report --error-exitcode=3 --log="$tmp/pc%%p/%p.jsonl" -- "$tmp/viol"
	expect_status 3 "--log with %%p (a literal %p directory)" lpc
}

# log= given twice: the preload uses the later one, so must the scan (issue 10 item 3)
case_log_twice() {
	build_violator || return 77
	local b=${NOMMU_BUILD_DIR:-$repo/build} v
	mkdir -p "$tmp/A" "$tmp/B" "$tmp/C"
	v=$("$b/nommu-options" --get log "log=/one:mode=report:log=/two")
	if [[ $v == /two ]]; then echo "  ok: nommu-options --get log: the later log= (/two)"; else bad "nommu-options --get log gave '$v', expected /two"; fi
	v=$("$b/nommu-options" --get mode "mode=report:mode=strict")
	if [[ $v == strict ]]; then echo "  ok: nommu-options --get mode: strict"; else bad "nommu-options --get mode gave '$v'"; fi
	"$b/nommu-options" --get no-such-key "" 2>/dev/null && bad "nommu-options --get no-such-key succeeded"
	NOMMU_OPTIONS=log=$tmp/A/%p.jsonl nr lw1 --mode=report --error-exitcode=3 --log="$tmp/B/%p.jsonl" -- "$tmp/viol"
	expect_status 3 "NOMMU_OPTIONS=log=A, --log=B" lw1
	expect_grep "$tmp/B/" "$tmp/lw1.err" "the message names B's logs"
	nr lw2 --mode=report --error-exitcode=3 --log="$tmp/A/x-%p.jsonl" --log="$tmp/C/%p.jsonl" -- "$tmp/viol"
	expect_status 3 "--log=A --log=C" lw2
	expect_grep "$tmp/C/" "$tmp/lw2.err" "the message names C's logs"
	if compgen -G "$tmp/A/x-*" >/dev/null; then bad "a log was written under the first --log"; fi
}

# What the launcher runs itself (mktemp, awk, ...) is not under the preload (issue 10 item 8)
case_helpers_unchecked() {
	mkdir -p "$tmp/hl"
	nr hu1 --error-exitcode=3 --log="$tmp/hl/%n.%p.jsonl" -- /bin/true
	expect_status 0 "--error-exitcode with --log, /bin/true" hu1
	local names
	names=$(cd "$tmp/hl" && printf '%s\n' * | sed 's/\..*//' | sort -u | tr '\n' ' ')
	if [[ $names == "true " ]]; then
		echo "  ok: the only log is true's"
	else
		bad "logs of other programs than true: $names"
	fi
	nr hu2 --error-exitcode=3 -- /bin/true
	expect_status 0 "--error-exitcode, /bin/true" hu2
	local n
	n=$(grep -c "device RAM peak" "$tmp/hu2.err")
	if ((n <= 1)); then echo "  ok: $n exit line(s) (the program's only)"; else bad "$n exit lines: the launcher's helpers ran under the preload" "$tmp/hu2.err"; fi
}

# A log the preload could not write must fail the gate (issue 10 item 4, launcher side):
# its "<log>.failed" marker, a last line cut short, a new log with no start record.
# The damage is faked by the program itself: its log is $D/sh.<its pid>.jsonl.
case_log_damaged() {
	local D=$tmp/dmg
	mkdir -p "$D"
	export D
	: >"$D/1.jsonl.failed" # an older run's marker is not this run's problem
	nr ld0 --error-exitcode=3 --log="$D/%p.jsonl" -- /bin/sh -c 'exit 5'
	expect_status 5 "a clean run next to an older run's marker: the program's status" ld0
	nr ld1 --error-exitcode=3 --log="$D/%p.jsonl" -- /bin/sh -c ': >"$D/$$.jsonl.failed"'
	expect_status 3 "a <log>.failed marker of this run" ld1
	expect_grep "/[0-9]*\.jsonl" "$tmp/ld1.err" "the message names the log"
	grep '^nommu-run:' "$tmp/ld1.err" >"$tmp/ld1.gate"
	expect_one_line "$tmp/ld1.gate" "the launcher's marker message"
	# (a copy of this run's start record then a line cut short: the program's own log would
	# get its summary record appended at exit)
	nr ld2 --error-exitcode=3 --log="$D/%p.jsonl" -- /bin/sh -c \
		'IFS= read -r l <"$D/$$.jsonl"; printf "%s\n{\"type\":\"viol" "$l" >"$D/2.jsonl"'
	expect_status 3 "a log of this run cut short" ld2
	expect_grep "incomplete" "$tmp/ld2.err" "the message says the last line is incomplete"
	expect_grep "/2.jsonl" "$tmp/ld2.err" "the message names the log"
	grep '^nommu-run:' "$tmp/ld2.err" >"$tmp/ld2.gate"
	expect_one_line "$tmp/ld2.gate" "the launcher's incomplete-line message"
	nr ld3 --error-exitcode=3 --log="$D/%p.jsonl" -- /bin/sh -c ': >"$D/99999999.jsonl"'
	expect_status 3 "a log created during the run with no start record" ld3
	expect_grep "/99999999.jsonl" "$tmp/ld3.err" "the message names it"
	expect_grep "no start record" "$tmp/ld3.err" "the message says why"
	# the same with the launcher's own run directory (no --log): the fake goes next to the log
	nr ld4 --error-exitcode=3 -- /bin/sh -c 'd=${NOMMU_OPTIONS#*log=}; d=${d%%/%n*}; : >"$d/sh.$$.jsonl.failed"'
	expect_status 3 "a marker in the launcher's run directory" ld4
	unset D
}

# The launcher's build needs no test package (issue 18): configured without
# BUILD_TESTING, a machine without Check (pkg-config cannot find check.pc) configures;
# with -DBUILD_TESTING=ON (tests/run) a missing Check is still an error.
case_build_without_check() {
	command -v cmake >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 || return 77
	local pc=$tmp/pc f
	mkdir -p "$pc"
	# every .pc file pkg-config knows, but check.pc
	for f in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
		[[ -d $f ]] && find "$f" -maxdepth 1 -name '*.pc' ! -name check.pc -exec ln -sf {} "$pc/" \;
	done
	if PKG_CONFIG_LIBDIR=$pc pkg-config --exists check; then
		bad "could not hide check.pc from pkg-config"
		return 0
	fi
	PKG_CONFIG_LIBDIR=$pc cmake -S "$repo" -B "$tmp/nc-off" >"$tmp/nc1.out" 2>"$tmp/nc1.err" </dev/null
	st=$?
	expect_status 0 "cmake with no Check, tests not asked for" nc1
	PKG_CONFIG_LIBDIR=$pc cmake -S "$repo" -B "$tmp/nc-on" -DBUILD_TESTING=ON >"$tmp/nc2.out" 2>"$tmp/nc2.err" </dev/null
	st=$?
	if ((st != 0)); then echo "  ok: cmake -DBUILD_TESTING=ON with no Check fails (exit $st)"; else bad "cmake -DBUILD_TESTING=ON succeeded without Check" "$tmp/nc2.out"; fi
	expect_grep "check" "$tmp/nc2.err" "the error names check"
	if grep -q '^build:' "$repo/packages.txt" && grep -q '^test:' "$repo/packages.txt"; then
		echo "  ok: packages.txt has build: and test: sections"
	else
		bad "packages.txt lacks a build: or test: section" "$repo/packages.txt"
	fi
	return 0
}

# The README's first command on a fresh clone: nommu-run builds libnommu.so itself.
case_first_use_build() {
	local b=$tmp/fresh-build
	NOMMU_BUILD_DIR=$b nr f1 -- /bin/true
	expect_status 0 "first use with an empty build directory" f1
	if [[ -f $b/libnommu.so && -x $b/nommu-options ]]; then
		echo "  ok: libnommu.so and nommu-options were built"
	else
		bad "the build directory lacks libnommu.so or nommu-options" "$tmp/f1.err"
	fi
	[[ -s $tmp/f1.out ]] && bad "the build printed on stdout (it must keep the program's stdout clean)" "$tmp/f1.out"
	expect_grep "building" "$tmp/f1.err" "the build is announced on stderr"
	NOMMU_BUILD_DIR=$b nr f2 -- /bin/true
	expect_status 0 "second use" f2
	grep -q building "$tmp/f2.err" && bad "the second use rebuilt" "$tmp/f2.err"
	return 0
}

(($#)) || set -- strict-true bad-option unknown-program static foreign exit-status script env help heap no-stray-child \
	quiet-main-pid path log-paths log-twice helpers-unchecked log-damaged build-without-check
for c in "$@"; do
	fn=case_${c//-/_}
	if ! declare -F "$fn" >/dev/null; then
		echo "FAIL $c: unknown case"
		fail=$((fail + 1))
		continue
	fi
	echo "== $c"
	case_failed=0
	"$fn"
	rc=$?
	if ((case_failed)); then
		echo "FAIL $c"
		fail=$((fail + 1))
	elif ((rc == 77)); then
		skip=$((skip + 1))
	else
		echo "PASS $c"
		pass=$((pass + 1))
	fi
done

echo "$pass passed, $fail failed, $skip skipped"
((fail)) && exit 1
((pass == 0 && skip > 0)) && exit 77
exit 0
