#!/usr/bin/env python3
"""report_fuzz.py MODE REPO WORKDIR LOG... - bin/nommu-report against hostile logs.

A log is the CI gate's record: whatever a line holds, nommu-report must skip what it
cannot use, with a note, and still write the whole report of the rest, in every format.

MODE
  types  hand-picked records with fields of unexpected JSON types, one at a time inside a
         good log: each is skipped with a note, every good context is still reported
  fuzz   every field of one record of each type replaced by each hostile value in turn
         (systematic), then seeded random mutations of the whole log (several fields, whole
         records, nesting, truncation): no format may crash, and each output must parse
LOG... are good logs (one process each at least) the variants are made from.

nommu-report runs in this process (imported from bin/nommu-report) for speed, each
variant in every format; a sample of variants also runs as a separate process, checked
for its exit status and for "Traceback" on stderr.  Prints PASS/FAIL lines; exit 0 if
every check passed, 1 otherwise.
"""

import contextlib
import copy
import importlib.machinery
import importlib.util
import io
import json
import os
import random
import subprocess
import sys
import traceback
import xml.etree.ElementTree as ET

FORMATS = ["text", "json", "sarif", "junit"]
SEED = 20261204
RANDOM_VARIANTS = 150
PROCESS_SAMPLE_EVERY = 1000  # one random variant in this many also runs as a process (all formats)


def nested(depth, leaf=1):
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


DEEP = "@deeply-nested@"  # a value written as 5000 nested lists (too deep for json.dumps)
DEEP_JSON = "[" * 5000 + "]" * 5000


# values of every JSON type, and the awkward ones of each
HOSTILE = [
    "text", "", "0xzz", "-0x10", "\u0000\u0001<&>\"'\u2028", "\ud800", "x" * 5000,
    0, -1, 7, 2 ** 64, 10 ** 40, 1.5, -0.0, float("inf"), float("nan"),
    True, False, None,
    [], [1, 2], ["a", None], [{"pc": 1}], [[["deep"]]],
    {}, {"a": {"b": [1, {"c": None}]}}, nested(60), nested(400), DEEP,
]
# one value of each JSON type but the field's own: every field gets each in turn
EACH_TYPE = ["text", 2 ** 64, 1.5, True, None, [1, "a"], {"a": {"b": 1}}]


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def ok(self, name):
        self.passed += 1
        print(f"PASS {name}")

    def fail(self, name, detail=""):
        self.failed += 1
        print(f"FAIL {name}")
        if detail:
            print("    " + detail.rstrip().replace("\n", "\n    ")[:4000])


def load_tool(repo):
    path = os.path.join(repo, "bin", "nommu-report")
    loader = importlib.machinery.SourceFileLoader("nommu_report", path)
    spec = importlib.util.spec_from_loader("nommu_report", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def read_records(paths):
    """[(file name, [record or raw line])] of the good logs."""
    logs = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            logs.append((os.path.basename(path), [json.loads(line) for line in f if line.strip()]))
    return logs


def dump(record, ascii_only=False):
    """A record as a log line; a str is a raw line, written as it is."""
    if isinstance(record, str):
        return record
    return json.dumps(record, ensure_ascii=ascii_only).replace(json.dumps(DEEP), DEEP_JSON)


def write_logs(directory, logs):
    for old in os.listdir(directory):
        os.unlink(os.path.join(directory, old))
    for name, records in logs:
        with open(os.path.join(directory, name), "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write("".join(dump(r) + "\n" for r in records))


def check_output(fmt, text):
    """None if the output is a whole report in its format, else what is wrong."""
    try:
        if fmt in ("json", "sarif"):
            document = json.loads(text)
            if fmt == "json" and "summary" not in document:
                return "no summary in the JSON report"
            if fmt == "sarif" and not document.get("runs"):
                return "no run in the SARIF report"
        elif fmt == "junit":
            ET.fromstring(text.encode("utf-8"))
        elif not text.rstrip().splitlines()[-1].startswith("nommu: "):
            return "the text report does not end with its summary line"
    except (ValueError, ET.ParseError, IndexError) as e:
        return f"the {fmt} output does not parse: {e}"
    return None


class Runner:
    """Runs nommu-report on a directory of logs, in this process or as a process."""

    def __init__(self, repo, tool, workdir):
        self.repo, self.tool, self.workdir = repo, tool, workdir
        self.logs = os.path.join(workdir, "logs")
        self.out = os.path.join(workdir, "report.out")
        os.makedirs(self.logs, exist_ok=True)

    def in_process(self, fmt, symbolize=False):
        """(exit status, output, stderr); raises whatever nommu-report raises."""
        err = io.StringIO()
        if os.path.exists(self.out):
            os.unlink(self.out)
        options = [] if symbolize else ["--no-symbolize"]
        with contextlib.redirect_stderr(err):
            status = self.tool.main([f"--format={fmt}", *options, f"--output={self.out}", self.logs])
        text = ""
        if os.path.exists(self.out):
            with open(self.out, encoding="utf-8") as f:
                text = f.read()
        return status, text, err.getvalue()

    def as_process(self, fmt):
        """The same, as CI runs it (not symbolised: that was done in this process)."""
        done = subprocess.run([sys.executable, os.path.join(self.repo, "bin", "nommu-report"),
                               f"--format={fmt}", "--no-symbolize", self.logs], capture_output=True, text=True,
                              errors="replace", timeout=120, check=False)
        return done.returncode, done.stdout, done.stderr

    def variant(self, checks, name, logs, process=False, symbolize=False):
        """Every format on one variant (in this process, and also as a process if asked);
        a FAIL if one crashes or writes no whole report."""
        write_logs(self.logs, logs)
        bad = []
        for fmt in FORMATS:
            try:
                status, text, err = self.in_process(fmt, symbolize)
            except Exception:  # a crash: what the test is for
                bad.append(f"{fmt}: crashed\n{traceback.format_exc()}")
                continue
            problem = check_output(fmt, text) if status in (0, 1) else f"exit status {status}"
            if problem:
                bad.append(f"{fmt}: {problem}\n{err}")
            if process:
                status, text, err = self.as_process(fmt)
                if status not in (0, 1) or "Traceback" in err or check_output(fmt, text):
                    bad.append(f"{fmt} (as a process): exit {status}\n{err[-3000:]}")
        if bad:
            lines = "".join(f"{n}: {dump(r, ascii_only=True)[:300]}\n" for n, records in logs for r in records
                            if not isinstance(r, dict) or r.get("_mutated"))
            checks.fail(name, "\n".join(bad) + "\nmutated records:\n" + lines)
            return False
        return True


# --- mutations ------------------------------------------------------------------------------

def paths_of(record):
    """The places a value can be replaced: top-level keys, and keys of the first element
    of each list of objects and of each object (frames, counts, ram, heap)."""
    places = []
    for key, value in record.items():
        if key == "type":
            continue
        places.append((key,))
        if isinstance(value, list) and value and isinstance(value[0], dict):
            places.append((key, 0))
            places += [(key, 0, k) for k in value[0]]
        elif isinstance(value, dict):
            places += [(key, k) for k in value]
    return places


def replaced(record, path, value):
    out = copy.deepcopy(record)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    out["_mutated"] = True
    return out


def one_of_each_type(logs):
    """(log index, record index) of the first record of each type, the richest violation."""
    chosen = {}
    for li, (_, records) in enumerate(logs):
        for ri, r in enumerate(records):
            kind = r.get("type")
            score = len(json.dumps(r))
            if kind not in chosen or (kind == "violation" and score > chosen[kind][2]):
                chosen[kind] = (li, ri, score)
    return {kind: (li, ri) for kind, (li, ri, _) in chosen.items()}


def random_mutation(rng, logs):
    """A copy of logs with 1 to 4 random changes."""
    logs = [(name, list(records)) for name, records in logs]
    for _ in range(rng.randint(1, 4)):
        name, records = logs[rng.randrange(len(logs))]
        if not records:
            continue
        at = rng.randrange(len(records))
        record = records[at]
        choice = rng.random()
        if isinstance(record, str):
            records[at] = record[: rng.randrange(len(record) + 1)]
        elif not isinstance(record, dict):
            records[at] = rng.choice(HOSTILE)
        elif choice < 0.55:
            places = paths_of(record) or [("type",)]
            records[at] = replaced(record, rng.choice(places), rng.choice(HOSTILE))
        elif choice < 0.65:
            key = rng.choice([k for k in record if k != "type"] or ["type"])
            records[at] = {k: v for k, v in record.items() if k != key}
            records[at]["_mutated"] = True
        elif choice < 0.72:
            records[at] = replaced(record, ("type",), rng.choice(["start", "module", "violation", "count",
                                                                  "summary", 5, None, ["violation"]]))
        elif choice < 0.78:
            records.insert(at, copy.deepcopy(record) | {"_mutated": True})
        elif choice < 0.84:
            records[at] = rng.choice(HOSTILE)  # a whole record that is not an object
        elif choice < 0.90:
            line = dump(record)
            records[at] = line[: rng.randrange(len(line))]
        elif choice < 0.95:
            records[at] = "[" * 20000 + "]" * 20000
        else:
            records[at] = replaced(record, rng.choice(paths_of(record) or [("type",)]), DEEP)
    return logs


def mode_fuzz(checks, runner, logs):
    # the good logs first, symbolised, and as processes too: the test's own ground
    if runner.variant(checks, "the good logs", logs, process=True, symbolize=True):
        checks.ok("the good logs: every format")
    # systematic: for each field of one record of each type, the record is replaced by
    # copies of itself, each with that field set to a value of another JSON type
    count, crashed = 0, 0
    for kind, (li, ri) in sorted(one_of_each_type(logs).items()):
        record = logs[li][1][ri]
        for path in paths_of(record):
            variant = [(n, list(rs)) for n, rs in logs]
            variant[li][1][ri:ri + 1] = [replaced(record, path, value) for value in EACH_TYPE]
            count += len(EACH_TYPE)
            if not runner.variant(checks, f"systematic: {kind} {'.'.join(map(str, path))}", variant):
                crashed += 1
    if not crashed:
        checks.ok(f"systematic: {count} records, each with one field of another type, every format")
    rng = random.Random(SEED)
    crashed = 0
    for i in range(RANDOM_VARIANTS):
        if not runner.variant(checks, f"random variant {i} (seed {SEED})", random_mutation(rng, logs),
                              process=i % PROCESS_SAMPLE_EVERY == 0):
            crashed += 1
    if not crashed:
        checks.ok(f"random: {RANDOM_VARIANTS} variants of 1 to 4 changes (seed {SEED}), every format")
    # what the symbolizer is given: module paths that are not ELF files, odd offsets
    odd = [(n, list(rs)) for n, rs in logs]
    for name, records in odd:
        for at, record in enumerate(records):
            if record.get("type") == "violation" and record.get("frames"):
                frames = [dict(f) for f in record["frames"]]
                for frame, module in zip(frames, ["/", "/dev/null", "/etc/hostname", "-h", "relative/path",
                                                  runner.repo + "/bin/nommu-report"]):
                    frame.update(module=module, offset=rng.choice(["0x0", "0xffffffffffffffff", 0]))
                records[at] = dict(record, frames=frames, _mutated=True)
    if runner.variant(checks, "symbolising modules that are not ELF files", odd, symbolize=True):
        checks.ok("symbolising modules that are not ELF files: every format")


# --- types: each bad record is skipped with a note, the rest reported ----------------------

BAD_RECORDS = [
    ("a string count", {"type": "count", "context": 1, "count": "12"}),
    ("frames holding numbers", {"type": "violation", "context": 90, "rule": "msync", "frames": [1, 2, 3]}),
    ("frames that is an object", {"type": "violation", "context": 91, "rule": "msync", "frames": {"pc": "0x1"}}),
    ("a frame's offset that is a list", {"type": "violation", "context": 92, "rule": "msync",
                                         "frames": [{"module": "/m", "offset": [1]}]}),
    ("a null rule", {"type": "violation", "context": 93, "rule": None, "frames": []}),
    ("a nested rule", {"type": "violation", "context": 94, "rule": {"id": "msync"}}),
    ("a numeric rule", {"type": "violation", "context": 95, "rule": 7}),
    ("a list of givens", {"type": "violation", "context": 96, "rule": "msync", "given": ["device"]}),
    ("a string time", {"type": "violation", "context": 97, "rule": "msync", "time": "yesterday"}),
    ("a string pid", {"type": "violation", "context": 98, "rule": "msync", "pid": "4242"}),
    ("a nested suppression name", {"type": "violation", "context": 99, "rule": "msync",
                                   "suppressed": True, "suppression": {"name": "x"}}),
    ("a string suppressed flag", {"type": "violation", "context": 100, "rule": "msync", "suppressed": "yes"}),
    ("counts holding numbers", {"type": "summary", "violations": 1, "counts": [1, 2]}),
    ("a string in ram", {"type": "summary", "violations": 1, "ram": {"total": "64M", "peak_used": 1}}),
    ("ram that is a list", {"type": "summary", "violations": 1, "ram": [1, 2]}),
    ("a nested heap figure", {"type": "summary", "violations": 1, "heap": {"peak_in_use": {"a": 1}}}),
    ("a program that is a number", {"type": "start", "pid": 5, "program": 12}),
    ("a run id that is a list", {"type": "start", "pid": 6, "run": ["a"]}),
    ("a module path that is a list", {"type": "module", "path": ["/lib/x.so"]}),
    ("a boolean count", {"type": "count", "context": 1, "count": True}),
    ("a NaN time", '{"type":"violation","context":101,"rule":"msync","time":NaN}'),
    ("deep nesting", '{"type":"violation","context":102,"rule":"msync","frames":' + "[" * 50000 + "]" * 50000 + "}"),
    ("a deeply nested line", "[" * 200000 + "]" * 200000),
    ("a lone surrogate", '{"type":"violation","context":103,"rule":"msync","text":"\\ud800"}'),
]


def mode_types(checks, runner, logs):
    write_logs(runner.logs, logs)
    base = json.loads(runner.in_process("json")[1])
    want = sorted((c["rule"], c["count"]) for c in base["contexts"])
    for label, bad in BAD_RECORDS:
        variant = [(n, list(rs)) for n, rs in logs]
        name, records = variant[0]
        # after the first module record, before the good violations
        records.insert(min(2, len(records)), bad if isinstance(bad, str) else dict(bad, _mutated=True))
        if not runner.variant(checks, f"{label}: every format", variant):
            continue
        status, text, err = runner.in_process("text")
        document = json.loads(runner.in_process("json")[1])
        got = sorted((c["rule"], c["count"]) for c in document["contexts"])
        noted = any("skipped" in n for n in document["notes"]) and "skipped" in text
        if status == 0 and noted and got == want:
            checks.ok(f"{label}: skipped with a note, the {len(want)} good contexts reported")
        else:
            checks.fail(f"{label}: exit {status}, note {'given' if noted else 'missing'}, "
                        f"contexts {got}, wanted {want}", text[-1500:] + err)


def main(argv):
    if len(argv) < 4 or argv[0] not in ("types", "fuzz"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, repo, workdir, paths = argv[0], argv[1], argv[2], argv[3:]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    checks = Checks()
    runner = Runner(repo, load_tool(repo), workdir)
    logs = read_records(paths)
    (mode_types if mode == "types" else mode_fuzz)(checks, runner, logs)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
