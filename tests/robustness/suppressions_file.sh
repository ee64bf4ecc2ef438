#!/usr/bin/env bash
# suppressions_file.sh REPO BUILD - a suppression file is read whole, whatever its size,
# or refused with its name (and the line, when one is at fault): exit 2 before the
# program runs.  It used to be read up to 64 KiB and up to its first NUL byte, the rest
# silently ignored, and a directory read as an empty file.
set -uo pipefail
# shellcheck source=tests/robustness/harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh" "$@"
[[ -x $rb_victim ]] || t_skip "build $rb_victim first"

# the entry that suppresses the victim's one violation ("deep 3": mmap-fixed in violate)
matching_entry() {
	printf '{\n   %s\n   rule: mmap-fixed\n   fun: violate\n   ...\n   fun: main\n}\n' "$1"
}
# entries that suppress nothing the victim does
filler_entries() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf '{\n   filler-%d\n   rule: msync\n   fun: nothing_%d\n   obj: */libnothing.so*\n}\n' "$i" "$i"
	done
}

# gate LABEL WANT FILE: run the victim with --error-exitcode=3 --suppressions=FILE;
# WANT is 0 (its violation suppressed) or 3 (not suppressed)
gate() {
	local label=$1 want=$2 file=$3
	t_timed 60 "$t_run" --error-exitcode=3 --suppressions="$file" -- "$rb_victim" deep 3 \
		>/dev/null 2>"$t_tmp/err"
	local st=$?
	if [[ $st == "$want" ]]; then t_pass "$label: exit $st"
	else t_fail "$label: exit $st, wanted $want" "$t_tmp/err"; fi
}

# refused LABEL FILE PATTERN: exit 2, the program did not run, one stderr line matching PATTERN
refused() {
	local label=$1 file=$2 pattern=$3
	rm -f -- "$t_tmp/ran"
	t_timed 60 "$t_run" --suppressions="$file" -- "$rb_victim" mark "$t_tmp/ran" >/dev/null 2>"$t_tmp/err"
	local st=$?
	if [[ $st == 2 && ! -e $t_tmp/ran ]] && grep -q -- "$pattern" "$t_tmp/err"; then
		t_pass "$label: refused ($(head -n 1 "$t_tmp/err"))"
	else
		t_fail "$label: exit $st, program ran: $([[ -e $t_tmp/ran ]] && echo yes || echo no), wanted exit 2 and '$pattern'" "$t_tmp/err"
	fi
}

# --- sizes: nothing past 64 KiB (or past 256 entries) is lost ------------------------------
sup=$t_tmp/big-comment.supp
{
	for ((i = 0; i < 1200; i++)); do printf '# %s\n' "a comment line that fills the file, number $i of 1200......"; done
	matching_entry after-70k-of-comments
} >"$sup"
(($(stat -c %s "$sup") > 65536)) || t_fail "test setup: $sup is not past 64 KiB"
gate "an entry past 64 KiB of comments is used" 0 "$sup"

sup=$t_tmp/many-entries.supp
{ filler_entries 2000; matching_entry the-last-of-2001; } >"$sup"
gate "entry 2001 of a $(($(stat -c %s "$sup") / 1024)) KiB file is used" 0 "$sup"

sup=$t_tmp/long-entry.supp
{
	printf '{\n   forty-frame-lines\n   rule: mmap-fixed\n   fun: violate\n'
	for ((i = 0; i < 40; i++)); do printf '   ...\n'; done
	printf '   fun: main\n}\n'
} >"$sup"
gate "an entry of 42 frame lines is used" 0 "$sup"

sup=$t_tmp/long-name.supp
matching_entry "$(printf 'n%.0s' {1..5000})" >"$sup"
gate "a 5000-character name" 0 "$sup"

# a malformed line past 64 KiB is found, with its line number
sup=$t_tmp/bad-late.supp
{ filler_entries 700; printf '{\n   late\n   rule: mmap-fixed\n   fnu: violate\n}\n'; } >"$sup"
line=$(grep -n 'fnu:' "$sup" | cut -d: -f1)
refused "a bad line at line $line, past 64 KiB" "$sup" "$sup:$line: bad suppression entry"

# --- files that are not suppression files ----------------------------------------------------
mkdir -p -- "$t_tmp/a-directory.supp"
refused "a directory" "$t_tmp/a-directory.supp" "a-directory.supp: it is a directory"

sup=$t_tmp/nul.supp
{ matching_entry before-the-nul; printf '# a comment with a NUL \0 byte\n'; matching_entry after-the-nul; } >"$sup"
refused "a NUL byte at line 8" "$sup" "$sup:8: .*NUL byte"

sup=$t_tmp/nul-first.supp
printf '\0{\n' >"$sup"
refused "a NUL byte first" "$sup" "$sup:1: .*NUL byte"

mkfifo -- "$t_tmp/a-fifo.supp"
refused "a FIFO (each process would need its own reader)" "$t_tmp/a-fifo.supp" "a-fifo.supp: not a regular file"

refused "a character device" /dev/zero "/dev/zero: not a regular file"

# --- malformed entries: the file and the line ----------------------------------------------
# bad LABEL LINE TEXT: TEXT (printf format) is refused, naming line LINE
bad() {
	local label=$1 line=$2
	sup=$t_tmp/bad.supp
	# shellcheck disable=SC2059 # the format is the case
	printf "$3" >"$sup"
	refused "$label" "$sup" "$sup:$line: bad suppression entry"
}
bad "no '{'" 2 '# a comment\nrule: mmap-fixed\n'
bad "no name" 2 '{\n   rule: mmap-fixed\n}\n'
bad "no rule" 3 '{\n   name\n}\n'
bad "a frame line before the rule" 3 '{\n   name\n   fun: main\n   rule: mmap-fixed\n}\n'
bad "two rules" 4 '{\n   name\n   rule: mmap-fixed\n   rule: msync\n}\n'
bad "an unknown line" 4 '{\n   name\n   rule: mmap-fixed\n   fnu: main\n}\n'
bad "an empty pattern" 4 '{\n   name\n   rule: mmap-fixed\n   fun:   # nothing\n}\n'
bad "an empty rule" 3 '{\n   name\n   rule:\n}\n'
bad "'{' inside an entry" 4 '{\n   name\n   rule: mmap-fixed\n{\n   other\n   rule: msync\n}\n'
bad "no '}' at the end (the line of its '{')" 5 '{\n   ok\n   rule: msync\n}\n{\n   name\n   rule: mmap-fixed\n'
bad "'....' is not '...'" 4 '{\n   name\n   rule: mmap-fixed\n   ....\n}\n'

# --- what stays accepted -------------------------------------------------------------------
sup=$t_tmp/ok.supp
printf '\n  # only comments and blank lines\r\n\n' >"$sup"
gate "a file of comments only (suppresses nothing)" 3 "$sup"
: >"$t_tmp/empty.supp"
gate "an empty file" 3 "$t_tmp/empty.supp"
printf '{\r\n  crlf\r\n  rule: mmap-*\t# tabs and CRLF\r\n  fun: viol?te\r\n}' >"$sup"
gate "CRLF line ends, tabs, no final newline" 0 "$sup"

t_done
