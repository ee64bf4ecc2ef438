#!/usr/bin/env bash
# corpus.sh REPO BUILD CASE... - report mode changes nothing but the reports (issue 9).
#
# Each case is a shell snippet run twice in the same fresh directory: natively, then with
# every $W in it standing for "bin/nommu-run --mode=report --log=LOGS/%p.jsonl --". Exit
# status, stdout and stderr must be the same byte for byte, and the logs must be whole
# (logcheck.py) and hold the reports the case expects. "corpus.sh REPO BUILD --list" lists
# the cases. NOMMU_CORPUS_DIAG=1 deletes the lines starting with "nommu: " from the output
# under nommu before comparing (to see what else differs; not a test). Exit: 0 passed, 1 failed, 77 skipped (a program is not installed).
# shellcheck disable=SC2016 # the snippets expand $W, $IN... when they run
set -u

[[ $# -ge 3 && -d $1 && -d $2 ]] || { echo "usage: $0 REPO BUILD CASE..." >&2; exit 2; }
repo=$(cd -- "$1" && pwd -P)
build=$(cd -- "$2" && pwd -P)
shift 2
here=$repo/tests/corpus
probe=$build/tests/corpus/corpus_probe
run=$repo/bin/nommu-run
unset NOMMU_OPTIONS LD_PRELOAD
export LC_ALL=C TZ=UTC
export NOMMU_BUILD_DIR=$build
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3 # not a pyenv shim

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nommu-corpus.XXXXXX") || exit 2
sleeper=""
cleanup() {
	[[ -n ${NOMMU_CORPUS_KEEP-} ]] && { echo "kept $tmp"; return; }
	[[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null
	rm -rf -- "$tmp"
}
trap cleanup EXIT
IN=$tmp/in # inputs, made natively before both runs
mkdir -p "$IN" "$tmp/home"

# --- the cases --------------------------------------------------------------------------
# case NAME: sets need (programs), snippet, checks (logcheck.py arguments) and may make
# inputs in $IN.
need=() snippet="" checks=()

inputs_text() { # a few files of text
	seq 1 3000 | awk '{ printf "line %d %s\n", $1, ($1 % 7 ? "abc" : "xyz") }' >"$IN/a.txt"
	sed 's/xyz/XYZ/; 1000,1010d' "$IN/a.txt" >"$IN/b.txt"
	mkdir -p "$IN/d/sub"
	for i in 1 2 3 4 5; do seq "$i" $((i * 40)) >"$IN/d/f$i.txt"; done
	printf 'x\n' >"$IN/d/sub/deep.txt"
}
inputs_big() { # 6 MB of compressible, not trivial bytes
	awk 'BEGIN { srand(7); for (i = 0; i < 300000; i++) printf "%08d %s\n", int(rand() * 1e8), (i % 13 ? "alpha" : "omega") }' >"$IN/big.txt"
}

case_def() {
	local name=$1
	need=() checks=()
	case $name in
	# --- shells ---
	bash-subst) # a command substitution captures a child's stderr
		need=(bash ls)
		snippet='$W bash -c '\''x=$(ls /nonexistent 2>&1); echo "[$x]"; exit 3'\'
		checks=(--want fork) ;;
	bash-script)
		need=(bash)
		snippet='$W bash -c '\''
			f() { local i s=0; for ((i = 0; i < $1; i++)); do s=$((s + i)); done; echo "sum $s"; }
			f 1000
			printf "%s\n" c a b | sort | tr a-z A-Z
			while read -r l; do echo "<$l>"; done < <(printf "p\nq\n")
			cat <<EOF
here $((6 * 7))
EOF
			(echo sub; exit 4); echo "sub status $?"
			sleep 0.1 & wait $!; echo "bg status $?"
			echo err >&2; exit 0'\'
		checks=(--want fork) ;;
	dash)
		need=(dash ls)
		snippet='$W dash -c '\''for i in 1 2 3; do echo "n $i" | cat; done; x=$(ls /nonexistent 2>&1); echo "[$x]"; ls /nonexistent'\'
		checks=(--want fork) ;;
	# --- build tools, version control, archives ---
	make) # a failing rule, and -k
		need=(make)
		cat >"$IN/Makefile" <<'EOF'
SRCS := $(shell echo one two three)
all: $(addsuffix .out,$(SRCS)) total
%.out:
	@echo "making $@"; echo $* > $@
total: $(addsuffix .out,$(SRCS))
	cat $^ | wc -l > $@; cat $@
bad:
	@echo failing >&2; false
.PHONY: all bad
EOF
		snippet='$W make -f '"$IN"'/Makefile; $W make -k -f '"$IN"'/Makefile all bad; echo "make status $?"'
		checks=(--want fork) ;;
	git)
		need=(git)
		snippet='export GIT_AUTHOR_DATE="2000-01-01 00:00:00 +0000" GIT_COMMITTER_DATE="2000-01-01 00:00:00 +0000" GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@b GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@b
			$W git init -q -b main r && cd r && seq 1 500 >f && $W git add f && $W git commit -qm one &&
			seq 2 600 >f && echo new >g && $W git add -A && $W git commit -qm two &&
			$W git log --stat && $W git diff HEAD~1 | head -20 && $W git status --short &&
			$W git show HEAD~1:f | tail -n 2 && $W git gc -q && $W git fsck 2>&1 && $W git rev-parse HEAD nothere'
		checks=(--want fork) ;;
	tar)
		need=(tar gzip md5sum)
		inputs_text
		snippet='$W tar --mtime=@0 --owner=0 --group=0 --numeric-owner --sort=name -C '"$IN"' -cf a.tar d &&
			$W tar -tvf a.tar && md5sum a.tar && $W tar -czf a.tgz -C '"$IN"' d && mkdir out &&
			$W tar -xzf a.tgz -C out && diff -r '"$IN"'/d out/d && echo same; $W tar -xf missing.tar'
		checks=(--want fork) ;;
	gzip)
		need=(gzip md5sum)
		inputs_big
		snippet='$W gzip -9 -c <'"$IN"'/big.txt >big.gz && md5sum big.gz && $W gzip -dc big.gz | md5sum; $W gzip -t '"$IN"'/big.txt'
		;;
	xz) # -T2: two threads
		need=(xz md5sum)
		inputs_big
		snippet='$W xz -T2 -1 -c <'"$IN"'/big.txt >big.xz && md5sum big.xz && $W xz -T2 -dc big.xz | md5sum && $W xz -l big.xz'
		checks=(--want malloc-no-memory --not munmap-unmapped) ;;
	zstd)
		need=(zstd md5sum)
		inputs_big
		snippet='$W zstd -q -T2 -3 -c <'"$IN"'/big.txt >big.zst && md5sum big.zst && $W zstd -q -dc big.zst | md5sum; $W zstd -q -d nothere.zst'
		checks=(--want malloc-no-memory --not munmap-unmapped) ;;
	bzip2)
		need=(bzip2 md5sum)
		inputs_big
		snippet='$W bzip2 -c <'"$IN"'/big.txt >big.bz2 && md5sum big.bz2 && $W bzip2 -dc big.bz2 | md5sum'
		;;
	zgrep-bash) # gzip's zdiff and zgrep run by bash: "exec 4>&1 ... 3>&-" pass a status on fd 4
		need=(bash gzip zdiff zgrep)
		inputs_text
		snippet='gzip -c '"$IN"'/a.txt >a.gz; for i in 1 2 3; do
			$W bash "$(command -v zdiff)" - '"$IN"'/a.txt <a.gz; echo "zdiff $?"
			$W bash "$(command -v zgrep)" -c "7 xyz" a.gz; echo "zgrep $?"
			$W bash "$(command -v zgrep)" -e - a.gz; echo "zgrep $?"; done'
		checks=(--want fork) ;;
	# --- interpreters ---
	python3) # subprocess capturing stderr, fork, threads
		need=("$py")
		snippet='$W '"$py"' -c '\''
import os, subprocess, threading
r = subprocess.run(["ls", "/nonexistent"], capture_output=True, text=True)
print(r.returncode, repr(r.stderr))
pid = os.fork()
if pid == 0:
    print("child"); os._exit(3)
print("fork status", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
out = []
ts = [threading.Thread(target=lambda i=i: out.append(sum(range(i * 10000)))) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sorted(out))
import sys; print("to stderr", file=sys.stderr); sys.exit(5)'\'
		checks=(--want fork) ;;
	python3-ctypes) # a libffi closure: executable memory made at run time
		need=("$py")
		snippet='$W '"$py"' -c '\''
import ctypes
libc = ctypes.CDLL(None)
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
a = (ctypes.c_int * 8)(5, 3, 9, 1, 7, 2, 8, 4)
libc.qsort(a, len(a), ctypes.sizeof(ctypes.c_int), CMP(lambda x, y: x[0] - y[0]))
print(list(a))'\'
		;;
	perl)
		need=(perl)
		snippet='$W perl -e '\''
my $pid = fork; if ($pid == 0) { print "child\n"; exit 3 } waitpid($pid, 0); print "status ", $? >> 8, "\n";
my $x = `ls /nonexistent 2>&1`; print "[$x]";
open(my $fh, "-|", "echo", "piped") or die; print "got ", <$fh>; close $fh;
my %h = map { $_ => length("x" x $_) } 1..20000; my $s = 0; $s += $_ for values %h; print "sum $s\n";
print join(",", (sort { $a <=> $b } grep { /7$/ } keys %h)[0..4]), "\n"; warn "warned\n"; exit 2'\'
		checks=(--want fork) ;;
	lua)
		need=(lua5.4)
		snippet='$W lua5.4 -e '\''
local f = io.popen("ls /nonexistent 2>&1"); print("[" .. f:read("a") .. "]"); print(f:close())
print(os.execute("exit 3"))
local t = {} for i = 1, 100000 do t[i] = tostring(i) end print(#table.concat(t))
io.stderr:write("lua err\n") os.exit(4)'\'
		;;
	tcl) # exec captures the child's stderr in the error message
		need=(tclsh)
		snippet='printf "%s\n" "catch {exec ls /nonexistent} msg; puts \"\[\$msg\]\"" "puts \[exec echo hi | tr a-z A-Z\]" "set s 0; for {set i 0} {\$i < 100000} {incr i} {incr s \$i}; puts \$s" "puts stderr oops; exit 6" >'"$IN"'/t.tcl
			$W tclsh '"$IN"'/t.tcl'
		checks=(--want fork) ;;
	guile) # a JIT: guile compiles hot code into anonymous executable memory
		need=(guile-3.0)
		snippet='GUILE_AUTO_COMPILE=0 $W guile-3.0 -c '\''
(define (loop i s) (if (< i 200000) (loop (+ i 1) (+ s i)) s))
(display (loop 0 0)) (newline)
(display (string-upcase "jit")) (newline)'\'
		checks=(--want mprotect) ;;
	pcre2-jit) # pcre2grep and grep -P compile patterns with PCRE2's JIT
		need=(pcre2grep grep)
		inputs_text
		snippet='$W pcre2grep -c "^line \d+7 (?:abc|xyz)$" '"$IN"'/a.txt; $W grep -P -c "\d{3}1 xyz" '"$IN"'/a.txt; $W grep -P "(" '"$IN"'/a.txt'
		;;
	awk) # mawk (Debian's awk) and gawk, with pipes to and from commands
		need=(awk gawk)
		inputs_text
		snippet='$W awk '\''{ n[$3]++ } END { for (k in n) print k, n[k] | "sort"; close("sort"); system("echo sys") }'\'' '"$IN"'/a.txt
			$W gawk '\''BEGIN { while (("ls /nonexistent 2>&1" | getline l) > 0) print "[" l "]"; print length(sprintf("%*d", 5000, 1)) }'\''
			$W gawk "BEGIN { print 1/0 }"'
		checks=(--want fork) ;;
	sed)
		need=(sed)
		inputs_text
		snippet='$W sed -n "s/^line \([0-9]*5\) xyz$/\1/p" '"$IN"'/a.txt | head -5; cp '"$IN"'/b.txt b && $W sed -i "2,4d;s/abc/ABC/" b && md5sum b
			echo "echo from-e" | $W sed e; $W sed "s/(/" </dev/null'
		;;
	find)
		need=(find wc sort)
		inputs_text
		snippet='cd '"$IN"' && $W find d -type f -name "*.txt" -exec wc -l {} + | sort; $W find d -newer nothere'
		checks=(--want fork) ;;
	sort) # small buffer (temporary files), two threads, and a compressor child
		need=(sort gzip)
		inputs_big
		snippet='$W sort -n -S 1M -T . --parallel=2 --compress-program=gzip '"$IN"'/big.txt | md5sum; $W sort -c '"$IN"'/big.txt'
		checks=(--want fork) ;;
	diff)
		need=(diff)
		inputs_text
		snippet='$W diff -u '"$IN"'/a.txt '"$IN"'/b.txt | tail -n +3; $W diff -r '"$IN"'/d '"$IN"'/d; echo "diff status $?"; $W diff '"$IN"'/a.txt nothere'
		;;
	sqlite3) # a file database in WAL mode: its -shm file is MAP_SHARED from a disk file
		need=(sqlite3)
		snippet='$W sqlite3 db.sqlite "pragma journal_mode=wal;
			create table t(a integer primary key, b text);
			with recursive c(i) as (select 1 union all select i + 1 from c where i < 20000)
			insert into t(b) select printf(\"row%05d\", i) from c;
			create index tb on t(b); select count(*), max(b) from t where a % 3 = 0;" &&
			$W sqlite3 db.sqlite "select b from t where a between 100 and 103; select * from nothere;"'
		checks=(--want mmap-shared-file) ;;
	openssl) # an error line starts with the thread id, which moves with ASLR: masked
		need=(openssl md5sum)
		inputs_big
		snippet='$W openssl dgst -sha256 -r '"$IN"'/big.txt && $W openssl enc -aes-256-cbc -K 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -iv 00112233445566778899aabbccddeeff -in '"$IN"'/big.txt | $W openssl enc -d -aes-256-cbc -K 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff -iv 00112233445566778899aabbccddeeff | md5sum; { $W openssl dgst -nosuchdigest </dev/null 2>&1; } | sed "s/^[0-9A-F]*:error:/THREAD:error:/"'
		;;
	jq)
		need=(jq)
		snippet='echo "[{\"a\":1,\"b\":[1,2]},{\"a\":5,\"b\":{\"c\":null}}]" | $W jq -S ".[] | select(.a > 2)"; $W jq -n "[range(100000)] | add"; echo "[1]" | $W jq ".foo"; echo "jq status $?"'
		;;
	file) # libmagic maps its compiled database
		need=(file)
		snippet='$W file -b /bin/sh /etc/passwd /nonexistent; $W file -b --mime-type /usr/share/misc/magic.mgc'
		checks=(--want mmap-too-big) ;;
	lsof) # lsof closes every descriptor above 2 first, then forks helpers
		need=(lsof sleep)
		start_sleeper
		snippet='$W lsof -a -p '"$sleeper"' -d cwd -Fn; echo "lsof status $?"'
		checks=(--want fork) ;;
	# --- small C programs (probe.c) ---
	probe-closefrom | probe-close-range) # reports after every descriptor above 2 is closed
		need=("$probe")
		snippet='$W '"$probe"' '"${name#probe-}"
		checks=(--want mmap-fixed --want mlock --ended mlock=summary) ;;
	probe-sigkill)
		need=("$probe")
		snippet='$W '"$probe"' sigkill'
		checks=(--want mlock --ended mlock=none) ;;
	probe-abort)
		need=("$probe")
		snippet='$W '"$probe"' abort'
		checks=(--want mincore --ended mincore=none) ;;
	probe-_exit)
		need=("$probe")
		snippet='$W '"$probe"' _exit'
		checks=(--want madvise --ended madvise=summary) ;;
	probe-exec) # the image before exec ends without a summary, the one after it with one
		need=("$probe")
		snippet='$W '"$probe"' exec'
		checks=(--want mprotect --ended mprotect=none --want mmap-fixed --ended mmap-fixed=summary) ;;
	probe-thread-fork)
		need=("$probe")
		snippet='$W '"$probe"' thread-fork'
		checks=(--want fork --not munmap-unmapped) ;;
	probe-thread-exit) # the threads' own reports, and nothing about the thread exits
		need=("$probe")
		snippet='$W '"$probe"' thread-exit'
		checks=(--want madvise --not munmap-unmapped) ;;
	probe-vfork-exec | probe-posix-spawn | probe-system | probe-popen) # no fork anywhere
		need=("$probe")
		snippet='$W '"$probe"' '"${name#probe-}"
		checks=(--not fork) ;;
	probe-closed-std) # started with stdin, stdout or stderr closed: it stays closed
		need=("$probe")
		snippet='for c in "<&-" ">&-" "2>&-"; do eval "\$W '"$probe"' fds fds.txt $c"; echo "$c: status $?"; cat fds.txt; done'
		;;
	probe-fd-reuse) # fd 3 closed and fd 4 reused by the program, as bash does
		need=("$probe")
		snippet='$W '"$probe"' fd-reuse'
		checks=(--want mlock --want madvise) ;;
	probe-jit)
		need=("$probe")
		snippet='$W '"$probe"' jit'
		;;
	*) return 1 ;;
	esac
}
all_cases=(bash-subst bash-script dash make git tar gzip zgrep-bash xz zstd bzip2 python3 python3-ctypes perl lua
	tcl guile pcre2-jit awk sed find sort diff sqlite3 openssl jq file lsof
	probe-closefrom probe-close-range probe-sigkill probe-abort probe-_exit probe-exec
	probe-thread-fork probe-thread-exit probe-vfork-exec probe-posix-spawn probe-system probe-popen
	probe-closed-std probe-fd-reuse probe-jit)

start_sleeper() { # a process whose cwd lsof can show, the same in both runs
	[[ -n $sleeper ]] && return
	(cd "$IN" && exec sleep 300) &
	sleeper=$!
}

# --- running one case -------------------------------------------------------------------
run_snippet() { # SIDE W: runs the snippet in a fresh $tmp/w, output in $tmp/SIDE.{out,err}
	rm -rf -- "$tmp/w"
	mkdir -p "$tmp/w"
	(cd "$tmp/w" && HOME=$tmp/home W=$2 bash -o pipefail -c "$snippet" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null)
}

show_diff() { # WHAT: the first lines of the difference
	local what=$1
	echo "  $what differs (- native, + nommu):"
	diff -u --label native --label nommu "$tmp/native.$what" "$tmp/nommu.$what" | sed -n '3,32p' | sed 's/^/    /'
}

run_one() { # NAME: 0 passed, 1 failed, 77 skipped
	local name=$1 prog ns ms ok=0
	case_def "$name" || { echo "FAIL $name: no such case"; return 1; }
	for prog in "${need[@]}"; do
		command -v "$prog" >/dev/null 2>&1 && continue
		echo "SKIP $name: $prog is not installed"
		return 77
	done
	run_snippet native ""
	ns=$?
	rm -rf -- "$tmp/logs"
	mkdir -p "$tmp/logs"
	run_snippet nommu "$run --mode=report --log=$tmp/logs/%p.jsonl --"
	ms=$?
	if [[ -n ${NOMMU_CORPUS_DIAG-} ]]; then # diagnosis only: hide nommu's own lines
		sed -i '/^nommu: /d' "$tmp/nommu.out" "$tmp/nommu.err"
	fi
	if [[ $ns != "$ms" ]]; then
		echo "  exit status: native $ns, under nommu $ms"
		ok=1
	fi
	cmp -s "$tmp/native.out" "$tmp/nommu.out" || { show_diff out; ok=1; }
	cmp -s "$tmp/native.err" "$tmp/nommu.err" || { show_diff err; ok=1; }
	"$py" "$here/logcheck.py" "$tmp/logs" "${checks[@]}" | sed 's/^/  /'
	((PIPESTATUS[0] == 0)) || ok=1
	if ((ok)); then
		echo "FAIL $name (native: exit $ns, $(wc -c <"$tmp/native.out") bytes out, $(wc -c <"$tmp/native.err") bytes err)"
		return 1
	fi
	echo "PASS $name (exit $ns, $(wc -c <"$tmp/native.out") bytes out, $(wc -c <"$tmp/native.err") bytes err, identical)"
}

if [[ $1 == --list ]]; then
	printf '%s\n' "${all_cases[@]}"
	exit 0
fi
pass=0 fail=0 skip=0
for c in "$@"; do
	run_one "$c"
	case $? in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
(($# > 1)) && echo "$pass passed, $fail failed, $skip skipped"
((fail)) && exit 1
((pass == 0 && skip > 0)) && exit 77
exit 0
