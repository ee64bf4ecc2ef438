#!/bin/bash
# fresh-machine.sh [--full] - the README's quick start on a bare Debian bookworm machine
# (issue 18): a minbase root made by mmdebstrap, the repository's HEAD cloned into it, and
# the commands of the README's "Quick start" code block run there AS THE README SHOWS THEM,
# chrooted in a private mount namespace (unshare) with /proc and a tmpfs /dev/shm.
#
#   1. as a non-root user, on the bare root: the first command prints the apt-get command
#      and exits non-zero, with no CMake output (and no build);
#   2. as root: the first command prints the program's output (the `ls -l /` listing) and
#      nommu's exit line ("nommu: device RAM peak ...");
#   3. with --full (or NOMMU_FRESH_FULL=1), as root: the second command (tests/run) passes.
#      About 5 more minutes on 2 cores (every test package, the whole build, every test);
#      .ci/run passes --full unless NOMMU_FRESH_FULL=0.
#
# The root is cached as a tarball under /var/tmp/nommu-fresh-machine/, one per day (older
# ones are removed); downloaded packages are cached there too (apt-archives/), so only
# the first run of the day pays for the download. Times are printed at the end.
#
# Exit: 0 passed, 1 failed, 77 cannot run here (not root, no unshare/chroot, no mirror
# reachable, mmdebstrap cannot be installed): one line on stdout says why.
# Environment: NOMMU_FRESH_MIRROR (default http://deb.debian.org/debian).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

full=${NOMMU_FRESH_FULL:-0}
case ${1-} in
--full) full=1 ;;
"") ;;
*) echo "usage: $0 [--full]" >&2; exit 2 ;;
esac

here=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
mirror=${NOMMU_FRESH_MIRROR:-http://deb.debian.org/debian}
cache=/var/tmp/nommu-fresh-machine
say() { printf 'fresh-machine: %s\n' "$*"; }
cannot() { say "SKIP: cannot run here: $*"; exit 77; }
failed=0
fail() { say "FAIL: $*"; failed=1; }
ok() { say "ok: $*"; }

# --- can it run here? ------------------------------------------------------------------
((EUID == 0)) || cannot "not root (mmdebstrap, unshare and chroot need root)"
for t in unshare chroot tar git mount; do
	command -v "$t" >/dev/null 2>&1 || cannot "no $t"
done
unshare --mount --fork true 2>/dev/null || cannot "unshare --mount is not permitted"
host=${mirror#*://}
host=${host%%/*}
port=80
[[ $mirror == https://* ]] && port=443
timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null ||
	cannot "the Debian mirror $mirror is not reachable"
if ! command -v mmdebstrap >/dev/null 2>&1; then
	say "installing mmdebstrap"
	{ DEBIAN_FRONTEND=noninteractive apt-get update &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mmdebstrap; } \
		</dev/null >/tmp/nommu-fresh-apt.log 2>&1 || cannot "mmdebstrap is missing and apt-get could not install it (/tmp/nommu-fresh-apt.log)"
fi

# --- the README's quick start ----------------------------------------------------------
# the lines of the first code block after the "## Quick start" heading, comments dropped
commands=()
in_section=0 in_block=0
while IFS= read -r line; do
	if ((in_block)); then
		[[ $line == '```'* ]] && break
		line=${line%%#*}
		line=${line%"${line##*[![:space:]]}"}
		[[ -n $line ]] && commands+=("$line")
	elif [[ $line == '## '* ]]; then
		in_section=0
		[[ $line == '## Quick start'* ]] && in_section=1
	elif ((in_section)) && [[ $line == '```'* ]]; then
		in_block=1
	fi
done <"$repo/README.md"
((${#commands[@]} >= 2)) || { say "FAIL: no quick-start code block with two commands in README.md"; exit 1; }
say "the README's quick start: $(printf '[%s] ' "${commands[@]}")"

# --- the bare root -----------------------------------------------------------------------
mkdir -p "$cache/apt-archives/partial" || cannot "cannot write in $cache"
tarball=$cache/bookworm-minbase-$(date -u +%F).tar
if [[ ! -s $tarball ]]; then
	say "making a bare bookworm root with mmdebstrap --variant=minbase (log: $cache/mmdebstrap.log)"
	rm -f -- "$cache"/bookworm-minbase-*.tar "$cache"/partial-*.tar
	if ! mmdebstrap --variant=minbase bookworm "$cache/partial-${tarball##*/}" "$mirror" \
		>"$cache/mmdebstrap.log" 2>&1 </dev/null; then
		tail -n 20 "$cache/mmdebstrap.log"
		cannot "mmdebstrap failed (log above)"
	fi
	mv -- "$cache/partial-${tarball##*/}" "$tarball"
fi

work=$(mktemp -d /var/tmp/nommu-fresh.XXXXXX) || exit 2
root=$work/root
cleanup() { rm -rf --one-file-system -- "$work"; }
trap cleanup EXIT
mkdir -p "$root"
tar -C "$root" -xf "$tarball" || { say "FAIL: cannot unpack $tarball"; exit 1; }
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# the repository's HEAD, for root and for an ordinary user
git clone -q "$repo" "$root/root/nommu" || { say "FAIL: git clone $repo"; exit 1; }
mkdir -p "$root/home/user"
git clone -q "$repo" "$root/home/user/nommu" || { say "FAIL: git clone $repo"; exit 1; }
chown -R 1000:1000 "$root/home/user"
say "bare root ready in $root (HEAD $(git -C "$repo" rev-parse --short HEAD))"

# in_root USER DIR COMMAND: run COMMAND with bash in DIR of the root, as USER (root or
# 1000), in a private mount namespace with /proc and a tmpfs /dev/shm, with a login's
# environment; the apt cache is bind-mounted so later runs need not download again
in_root() {
	local user=$1 dir=$2 cmd=$3 home=/root spec=0:0
	[[ $user == root ]] || home=/home/user spec=1000:1000
	unshare --mount --fork -- /bin/bash -c '
		set -e
		root=$1
		mount --make-rprivate /
		mount -t proc proc "$root/proc"
		mkdir -p "$root/dev/shm"
		mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
		mount --bind "$2" "$root/var/cache/apt/archives"
		shift 2
		exec chroot --userspec="$1" "$root" /usr/bin/env -i HOME="$2" LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/bash -c "cd \"\$0\" && $3" "$4"' \
		_ "$root" "$cache/apt-archives" "$spec" "$home" "$cmd" "$dir" </dev/null
}

first=${commands[0]} second=${commands[1]}

# 1. an ordinary user: the apt-get command, nothing else
in_root user /home/user/nommu "$first" >"$work/user.out" 2>"$work/user.err"
st=$?
if ((st != 0)); then ok "as a user, '$first' exits $st"; else fail "as a user, '$first' exited 0 on a bare root"; fi
want=$(awk '/^build:/ { on = 1; next } /^[a-z]+:/ { on = 0 } on { sub(/#.*/, ""); for (i = 1; i <= NF; i++) printf "%s%s", n++ ? " " : "", $i }' \
	"$repo/packages.txt")
if [[ -z $want ]]; then
	fail "no build: packages in $repo/packages.txt"
elif grep -qF "run as root: apt-get update && apt-get install -y $want" "$work/user.err"; then
	ok "as a user, it prints the apt-get command for the build packages ($want)"
else
	fail "as a user, no 'apt-get update && apt-get install -y $want' on stderr"
	sed 's/^/    /' "$work/user.err" | head -n 20
fi
if grep -qE '^-- |CMake (Error|Warning)|Configuring (done|incomplete)|Build files have been' "$work/user.out" "$work/user.err"; then
	fail "as a user, CMake output:"
	sed 's/^/    /' "$work/user.out" "$work/user.err" | head -n 20
else
	ok "as a user, no CMake output"
fi
[[ -e $root/home/user/nommu/build/CMakeCache.txt ]] && fail "as a user, CMake ran (build/CMakeCache.txt)"

# 2. root: the first command, from the bare root to the listing
t0=$EPOCHREALTIME
in_root root /root/nommu "$first" >"$work/first.out" 2>"$work/first.err"
st=$?
t1=$EPOCHREALTIME
first_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
if ((st == 0)); then ok "as root, '$first' exits 0 (${first_secs}s from the bare root)"; else fail "as root, '$first' exited $st"; fi
if grep -qE '^total [0-9]' "$work/first.out" && grep -qE ' (usr|etc|root)$' "$work/first.out"; then
	ok "the program's output: the listing of /"
else
	fail "no listing of / on stdout"
fi
if grep -q '^nommu: device RAM peak' "$work/first.err"; then
	ok "nommu's exit line: $(grep -m 1 '^nommu: device RAM peak' "$work/first.err")"
else
	fail "no 'nommu: device RAM peak' line on stderr"
fi
if ((failed)); then
	say "--- stdout:"; head -n 30 "$work/first.out"
	say "--- stderr:"; tail -n 40 "$work/first.err"
fi

# 3. root: every test
tests_secs=""
if ((full)); then
	t0=$EPOCHREALTIME
	in_root root /root/nommu "$second" >"$work/tests.out" 2>&1
	st=$?
	t1=$EPOCHREALTIME
	tests_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
	if ((st == 0)); then
		ok "as root, '$second' passes (${tests_secs}s after the first command): $(grep -m 1 'tests passed' "$work/tests.out"), $(grep -c 'Skipped' "$work/tests.out") skipped"
	else
		fail "as root, '$second' exited $st"
		tail -n 60 "$work/tests.out"
	fi
else
	say "'$second' not run (tests/fresh/fresh-machine.sh --full, or NOMMU_FRESH_FULL=1, runs it)"
fi

say "times: bare root to the first listing ${first_secs}s${tests_secs:+; then all tests passed in ${tests_secs}s (bare root to all tests: $((first_secs + tests_secs))s)}"
if ((failed)); then
	say "FAILED"
	exit 1
fi
say "PASSED"
exit 0
