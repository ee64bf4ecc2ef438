#!/bin/bash
# Conformance test: run the host probe under nommu (strict mode) and compare its
# answers with those a real Linux 6.12 no-MMU kernel gave (riscv64 recording).
#
# usage: bash tests/conformance/run.sh BUILD_DIR
#
# Builds nothing: BUILD_DIR must hold tests/conformance/nommu_conformance_probe and
# the library the launcher loads.  The launcher finds its build directory through
# NOMMU_BUILD_DIR (set here to BUILD_DIR unless already set).
# Output: BUILD_DIR/conformance-output.txt (probe stdout),
#         BUILD_DIR/conformance-stderr.txt (launcher/engine messages).
# Exit status: compare.py's (0 = every disagreement is on the allow-list).
# Environment: ORACLE=<results file> to compare with another recording,
#              NOMMU_RUN_OPTS="<extra launcher options>" (after --mode=strict),
#              NOMMU_PROBE_BASE=<dir on tmpfs> (default /dev/shm), PYTHON (default python3),
#              NOMMU_PROBE_DISK=<dir on a disk filesystem>: also run the DF probes there
#                (files on ext2 in the oracle); compare with a recording that has them:
#                ORACLE=$PWD/tests/conformance/oracle/results-riscv64-linux-6.12.117-nommu-disk.txt
#                (ctest's conformance.disk passes BUILD_DIR; unset: the DF probes are skipped),
#              NOMMU_CONFORMANCE_SUFFIX=<s>: write conformance-output<s>.txt / -stderr<s>.txt.
#   e.g. the ColdFire recording (8 KiB pages):
#   ORACLE=$PWD/tests/conformance/oracle/results-m68k-coldfire-linux-6.12.117-nommu.txt \
#   NOMMU_RUN_OPTS=--page-size=8K NOMMU_PROBE_PAGESIZE=8192 bash tests/conformance/run.sh build
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: no build directory '$1'" >&2; exit 2; }
export NOMMU_BUILD_DIR=${NOMMU_BUILD_DIR:-$BUILD}

LAUNCHER=$REPO/bin/nommu-run
PROBE=$BUILD/tests/conformance/nommu_conformance_probe
ORACLE=${ORACLE:-$HERE/oracle/results-riscv64-linux-6.12.117-nommu.txt}
ALLOW=$HERE/allowlist.txt
OUT=$BUILD/conformance-output${NOMMU_CONFORMANCE_SUFFIX:-}.txt
ERR=$BUILD/conformance-stderr${NOMMU_CONFORMANCE_SUFFIX:-}.txt
PY=${PYTHON:-python3}

for f in "$LAUNCHER" "$PROBE"; do
  [ -x "$f" ] || { echo "run.sh: missing or not executable: $f" >&2; exit 2; }
done

# the probe makes (and removes) its own directory under this base
BASE_PARENT=${NOMMU_PROBE_BASE:-/dev/shm}
[ -d "$BASE_PARENT" ] && [ -w "$BASE_PARENT" ] || BASE_PARENT=${TMPDIR:-/tmp}
BASE=$(mktemp -d "$BASE_PARENT/nommu-conformance.XXXXXX") || exit 2
trap 'rm -rf -- "$BASE"' EXIT
fstype=$(stat -f -c %T "$BASE" 2>/dev/null)
if [ "$fstype" != tmpfs ]; then
  echo "run.sh: WARNING: $BASE is on '$fstype', not tmpfs: the file probes (RF/TF/RM, F) expect tmpfs"
fi

# the DF probes need a directory on a disk filesystem (the oracle's were on ext2): a
# tmpfs/ramfs one would get tmpfs answers; the probe makes (and removes) its own
# directory under it
DISK=()
if [ -n "${NOMMU_PROBE_DISK:-}" ]; then
  disk=$NOMMU_PROBE_DISK
  fstype=$(stat -f -c %T "$disk" 2>/dev/null)
  case $fstype in
    tmpfs|ramfs|"")
      echo "run.sh: WARNING: NOMMU_PROBE_DISK=$disk is on '${fstype:-nothing}', not a disk filesystem"
      alt=/var/tmp
      fstype=$(stat -f -c %T "$alt" 2>/dev/null)
      case $fstype in
        tmpfs|ramfs|"") echo "run.sh: WARNING: $alt neither; the DF probes will be skipped" ;;
        *) [ -w "$alt" ] && disk=$alt && echo "run.sh: using $alt ($fstype) for the DF probes" ;;
      esac ;;
  esac
  DISK=("$disk")
fi

read -r -a extra <<<"${NOMMU_RUN_OPTS:-}"
# --proc-maps=device: the probe counts the lines of /proc/self/maps, as the device shows it
echo "run.sh: $LAUNCHER --mode=strict --proc-maps=device ${extra[*]} -- $PROBE $BASE ${DISK[*]}"
"$LAUNCHER" --mode=strict --proc-maps=device "${extra[@]}" -- "$PROBE" "$BASE" "${DISK[@]}" >"$OUT" 2>"$ERR"
status=$?
if [ $status -ne 0 ]; then
  echo "run.sh: the probe exited with status $status"
fi
if [ -s "$ERR" ]; then
  echo "run.sh: stderr of the run ($ERR), first lines:"
  head -n 20 "$ERR" | sed 's/^/  /'
fi
echo "run.sh: probe output in $OUT; comparing with $(basename "$ORACLE")"
"$PY" "$HERE/compare.py" "$ORACLE" "$OUT" --allow "$ALLOW"
