#!/usr/bin/env bash
# option_sizes.sh REPO BUILD - numeric options past what the engine can represent are
# refused with one clear line (exit 2, the program never runs), never wrapped into a
# small device: the engine counts device pages in 32 bits, so --mem=16T of 4 KiB pages
# used to become a device of 0 pages, and 16T + 64K one of 16 pages.
set -uo pipefail
# shellcheck source=tests/robustness/harness.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness.sh" "$@"
options=$t_build/nommu-options
[[ -x $rb_victim && -x $options ]] || t_skip "build $rb_victim and $options first"

# refused LABEL WORD FLAG...: nommu-run refuses FLAG... with exit 2 and one line naming WORD
refused() {
	local label=$1 word=$2
	shift 2
	rm -f -- "$t_tmp/ran"
	"$t_run" "$@" -- "$rb_victim" mark "$t_tmp/ran" >"$t_tmp/out" 2>"$t_tmp/err"
	local st=$? lines
	lines=$(wc -l <"$t_tmp/err")
	if [[ $st == 2 && $lines == 1 && ! -e $t_tmp/ran ]] && grep -q -- "$word" "$t_tmp/err"; then
		t_pass "$label: refused ($(cat "$t_tmp/err"))"
	else
		t_fail "$label: exit $st, $lines lines on stderr, program ran: $([[ -e $t_tmp/ran ]] && echo yes || echo no)" "$t_tmp/err"
	fi
}

# 16 TiB of 4 KiB pages is 2^32 pages; past 2^31 the engine's sums of page numbers wrap
refused "mem=16384G (2^32 pages)" "too large" --mem=16384G
refused "mem=16385G (wrapped to 1 GiB)" "too large" --mem=16385G
refused "mem=16 TiB + 64 KiB in bytes (wrapped to 16 pages)" "too large" --mem=17592186109952
refused "mem=17179869183G (the largest that parses)" "too large" --mem=17179869183G
refused "mem=8193G" "too large" --mem=8193G
refused "mem=2^64 bytes" "mem" --mem=18446744073709551616
refused "mem=128 TiB + 64 KiB of 64 KiB pages (2^31 + 1 pages)" "too large" --page-size=64K --mem=137438953536K
# page-size * 16 wrapped to 0 and passed the "at least 16 pages" check
refused "page-size=2^60" "page-size" --page-size=1152921504606846976
refused "page-size=2^63" "page-size" --page-size=9223372036854775808
refused "trim past 32 bits" "trim" --trim=4294967296
refused "trim of 20 digits" "trim" --trim=99999999999999999999
refused "max-order wrapping to 21" "max-order" --max-order=4294967317
refused "max-order=21" "max-order" --max-order=21

# the preload checks the same options itself when started without the launcher
rm -f -- "$t_tmp/ran"
LD_PRELOAD=$t_build/libnommu.so NOMMU_OPTIONS=mem=16385G "$rb_victim" mark "$t_tmp/ran" 2>"$t_tmp/err"
st=$?
if [[ $st == 2 && ! -e $t_tmp/ran ]] && grep -q "too large" "$t_tmp/err"; then
	t_pass "preload alone: mem=16385G refused before main"
else
	t_fail "preload alone: mem=16385G gave exit $st, program ran: $([[ -e $t_tmp/ran ]] && echo yes || echo no)" "$t_tmp/err"
fi

# options only the preload's environment sets
for opts in main-pid=99999999999999999999 main-pid=2147483648 trim=-1 mem=0 page-size=0; do
	"$options" --check "$opts" 2>"$t_tmp/err"
	st=$?
	if [[ $st == 2 && $(wc -l <"$t_tmp/err") == 1 ]]; then t_pass "nommu-options --check $opts: refused"
	else t_fail "nommu-options --check $opts: exit $st" "$t_tmp/err"; fi
done

# what fits still runs, with the device the options describe (the log's summary says)
# fits LABEL BYTES FLAG...
fits() {
	local label=$1 bytes=$2
	shift 2
	rm -f -- "$t_tmp"/*.jsonl
	"$t_run" "$@" --log="$t_tmp/fit-%p.jsonl" -- "$rb_victim" clean >/dev/null 2>"$t_tmp/err"
	local st=$?
	if [[ $st == 0 ]] && grep -hq "\"ram\":{\"total\":$bytes," "$t_tmp"/*.jsonl; then
		t_pass "$label: runs with $bytes bytes of device RAM"
	else
		t_fail "$label: exit $st, or not a device of $bytes bytes" "$t_tmp/err"
		grep -h '"summary"' "$t_tmp"/*.jsonl 2>/dev/null | head -c 600
	fi
}
fits "mem=8G" 8589934592 --mem=8G
fits "mem=1G of 64 KiB pages" 1073741824 --page-size=64K --mem=1G
fits "trim with leading zeros" 67108864 --trim=0000000001 --max-order=0000010

t_done
