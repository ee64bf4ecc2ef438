#!/usr/bin/env python3
"""logcheck.py DIR [CHECK]... - check the JSON Lines logs of one nommu run (every *.jsonl in DIR).

Always checked: there is at least one log, every line is one complete JSON object and every
file starts with a start record.
  --want RULE            some violation record has this rule
  --not RULE             no violation record has this rule
  --ended RULE=summary   the start segment (one program image of one process) that reported
  --ended RULE=none      RULE has (summary) or has not (none) a summary record
Prints what it found; exit status 0 if every check holds, 1 if not.
"""
import json
import os
import sys


def segments(logdir):
    """yields (file name, [records]) per start segment; raises ValueError on a bad file"""
    names = sorted(n for n in os.listdir(logdir) if n.endswith(".jsonl"))
    if not names:
        raise ValueError("no *.jsonl log in %s" % logdir)
    for name in names:
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        if not data:
            raise ValueError("%s is empty" % name)
        seg = None
        for i, line in enumerate(data.split(b"\n")):
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                raise ValueError("%s line %d is not JSON: %r" % (name, i + 1, line[:120]))
            if rec.get("type") == "start":
                if seg is not None:
                    yield name, seg
                seg = [rec]
            elif seg is None:
                raise ValueError("%s does not start with a start record: %r" % (name, line[:120]))
            else:
                seg.append(rec)
        if not data.endswith(b"\n"):
            raise ValueError("%s: last line has no end" % name)
        yield name, seg


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    logdir, args = argv[1], argv[2:]
    try:
        segs = list(segments(logdir))
    except (OSError, ValueError) as e:
        print("logs: %s" % e)
        return 1
    rules = {}
    for _, seg in segs:
        for r in seg:
            if r.get("type") == "violation":
                rules[r.get("rule")] = rules.get(r.get("rule"), 0) + 1
    print("logs: %d files, %d programs run, rules reported: %s" % (
        len({n for n, _ in segs}), len(segs),
        " ".join(sorted(rules)) if rules else "none"))
    ok = True
    i = 0
    while i < len(args):
        opt, val = args[i], args[i + 1]
        i += 2
        if opt == "--want" and val not in rules:
            print("logs: no '%s' violation in the logs (expected one)" % val)
            ok = False
        elif opt == "--not" and val in rules:
            print("logs: %d '%s' violation(s) in the logs (expected none)" % (rules[val], val))
            ok = False
        elif opt == "--ended":
            rule, how = val.split("=")
            found = [(n, s) for n, s in segs
                     if any(r.get("type") == "violation" and r.get("rule") == rule for r in s)]
            if not found:
                print("logs: no program reported '%s', cannot check how it ended" % rule)
                ok = False
            for n, s in found:
                has = any(r.get("type") == "summary" for r in s)
                if has != (how == "summary"):
                    print("logs: %s: the program that reported '%s' has %s summary record" % (
                        n, rule, "a" if has else "no"))
                    ok = False
        elif opt not in ("--want", "--not"):
            print("logcheck: unknown check %s" % opt, file=sys.stderr)
            return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
