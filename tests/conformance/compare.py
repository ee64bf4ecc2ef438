#!/usr/bin/env python3
"""Compare the host probe's output with a real no-MMU kernel's recorded answers.

usage: compare.py ORACLE_RESULTS PROBE_OUTPUT [--allow ALLOWLIST] [--strict-keys]

Both files hold probe lines of the form

    T <id> <description> ret=<raw return> err=<NAME>(<n>)|err=0 [key=value ...]

(other lines are ignored).  Two results for the same id agree when
  - both failed with the same errno, or
  - both succeeded and every integer key=value present on both sides is equal.
Hex values (ret=0x..., first=0x...) and the raw return of a success (address,
fd, pid, shm id) are not compared.  With --strict-keys the integer keys of two
failures are compared too (e.g. RF21 maps_lines_vs_start).

A probe present on one side only is a disagreement.  The allow-list names
disagreements that are accepted, one per line: "ID  reason"; '#' starts a comment
line.  Exit status: 0 if every disagreement is allowed, 1 if not (or the probe
did not reach its final line), 2 on bad input.  Allow-list entries whose probe
now agrees are reported as stale but do not fail the run.
"""
import argparse
import re
import sys

T_LINE = re.compile(
    r"^T (?P<id>\S+) (?P<desc>.*) ret=(?P<ret>\S+) "
    r"err=(?:0|(?P<ename>[^\s(]+)\((?P<eno>\d+)\))(?P<keys>(?: \S+=\S*)*)\s*$")
INT = re.compile(r"^-?\d+$")
START = "=== nommu_probe start ==="
DONE = "=== nommu_probe done ==="


class Probe:
    def __init__(self, m):
        self.id = m.group("id")
        self.desc = m.group("desc")
        self.ret = m.group("ret")
        self.errno = int(m.group("eno")) if m.group("eno") else 0
        self.ename = m.group("ename") or ""
        self.keys = {}
        for kv in m.group("keys").split():
            k, _, v = kv.partition("=")
            self.keys[k] = v

    @property
    def failed(self):
        return self.errno != 0

    def int_keys(self):
        return {k: int(v) for k, v in self.keys.items() if INT.match(v)}

    def summary(self):
        """How the result reads in a report; values not compared are masked."""
        keys = " ".join("%s=%s" % (k, mask(v)) for k, v in self.keys.items())
        if self.failed:
            s = "err=%s(%d)" % (self.ename, self.errno)
        else:
            s = "ret=%s err=0" % mask(self.ret)
        return s + (" " + keys if keys else "")


def fail_input(err):
    print("compare.py: %s" % err, file=sys.stderr)
    sys.exit(2)


def mask(v):
    return "0x.." if v.lower().startswith("0x") else v


class Results:
    def __init__(self, path):
        self.path = path
        self.probes = {}   # id -> Probe, in file order
        self.dups = []
        self.info = []     # I lines (text after "I ")
        self.started = self.done = False
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            fail_input(e)
        for line in lines:
            line = line.rstrip("\r")
            if line.startswith("T "):
                m = T_LINE.match(line)
                if not m:
                    print("warning: %s: unparsable probe line: %s" % (path, line))
                    continue
                p = Probe(m)
                if p.id in self.probes:
                    self.dups.append(p.id)
                self.probes[p.id] = p
            elif line.startswith("I "):
                self.info.append(line[2:])
            elif line.strip() == START:
                self.started = True
            elif line.strip() == DONE:
                self.done = True

    def note_for(self, pid):
        """The probe's own explanation of why pid was not run, if it printed one."""
        for text in self.info:
            if text.startswith(pid + " skipped"):
                return text
        return None


def read_allowlist(path):
    allow = {}
    if not path:
        return allow
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split(None, 1)
                pid = parts[0]
                reason = parts[1].strip() if len(parts) > 1 else ""
                if not reason:
                    print("warning: %s:%d: %s has no reason" % (path, n, pid))
                    reason = "(no reason given)"
                if pid in allow:
                    print("warning: %s:%d: %s listed twice" % (path, n, pid))
                allow[pid] = reason
    except OSError as e:
        fail_input(e)
    return allow


def disagreement(o, h, strict_keys):
    """None if the two results agree, else the reason (a string)."""
    if o is None:
        return "not in oracle (here %s)" % h.summary()
    if h is None:
        return None  # handled by the caller (needs the probe's note)
    if o.failed or h.failed:
        if o.errno != h.errno:
            return "oracle %s, here %s" % (o.summary(), h.summary())
        if not (strict_keys and o.failed and h.failed):
            return None
    oi, hi = o.int_keys(), h.int_keys()
    differing = [k for k in oi if k in hi and oi[k] != hi[k]]
    if differing:
        return "oracle %s, here %s (differs: %s)" % (o.summary(), h.summary(), ", ".join(differing))
    return None


def main(argv):
    ap = argparse.ArgumentParser(
        description="Compare no-MMU probe output with recorded oracle results.")
    ap.add_argument("oracle", help="recorded results of a real no-MMU kernel")
    ap.add_argument("probe", help="output of nommu_conformance_probe")
    ap.add_argument("--allow", metavar="ALLOWLIST", help="accepted disagreements: ID reason")
    ap.add_argument("--strict-keys", action="store_true",
                    help="also compare integer keys of probes that failed on both sides")
    args = ap.parse_args(argv)

    oracle = Results(args.oracle)
    here = Results(args.probe)
    allow = read_allowlist(args.allow)
    if not oracle.probes:
        print("compare.py: no probe lines in %s" % args.oracle)
        return 2
    for r in (oracle, here):
        for pid in r.dups:
            print("warning: %s: probe %s appears more than once (last one used)" % (r.path, pid))

    for pid, o in oracle.probes.items():
        h = here.probes.get(pid)
        if h is not None and h.desc != o.desc:
            print("warning: %s: the description differs (oracle '%s', here '%s'): "
                  "is it the same call?" % (pid, o.desc, h.desc))

    ids = list(oracle.probes) + [p for p in here.probes if p not in oracle.probes]
    agree = 0
    allowed = not_allowed = 0
    agreeing_allowed = []
    for pid in ids:
        o, h = oracle.probes.get(pid), here.probes.get(pid)
        if o is not None and h is None:
            note = here.note_for(pid)
            why = "not run by the host probe (oracle %s)" % o.summary()
            if note:
                why += "; probe says: " + note
        else:
            why = disagreement(o, h, args.strict_keys)
        if why is None:
            agree += 1
            if pid in allow:
                agreeing_allowed.append(pid)
            continue
        if pid in allow:
            allowed += 1
            print("%s: %s [allowed: %s]" % (pid, why, allow[pid]))
        else:
            not_allowed += 1
            print("%s: %s" % (pid, why))

    for text in here.info:
        if text.startswith("probe crashed"):
            print("probe output: I " + text)
    unfinished = not here.done
    if unfinished:
        print("the probe did not finish: no '%s' line in %s" % (DONE, args.probe))

    print("%d/%d probes agree" % (agree, len(oracle.probes)))
    print("%d disagreements allowed by the allow-list, %d not allowed" % (allowed, not_allowed))
    for pid in agreeing_allowed:
        print("stale allow-list entry: %s agrees now (%s)" % (pid, allow[pid]))
    for pid in allow:
        if pid not in oracle.probes and pid not in here.probes:
            print("stale allow-list entry: %s is not a probe in either file" % pid)
    return 1 if not_allowed or unfinished else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
