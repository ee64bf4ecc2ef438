#!/usr/bin/env python3
"""report_test.py REPO SAMPLE CASE - tests of bin/nommu-report (run by CTest, label report).

REPO is the nommu source tree, SAMPLE the built report_sample program ("-" builds it here
with cc -g), CASE one of the cases below, or "all".  Exit status 0 pass, 1 fail, 77 skip.

The logs in data/ are written by hand after docs/log-format.md:
  clean/       one process, no violation
  shared/      two processes of one run hitting the same context (rule + frames)
  partial/     a process killed mid-line: no summary, a truncated last line
  suppressed/  a suppressed context next to a reported one
  exec/        one file, two start records: a program that exec'd another
The symbolize* cases write a log from report_sample's own backtrace instead.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
DATA_SETS = ["clean", "shared", "partial", "suppressed", "exec"]
FORMATS = ["text", "json", "sarif", "junit"]
SARIF_LEVELS = {"none", "note", "warning", "error"}


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# --- running nommu-report ------------------------------------------------------------------

class Tool:
    def __init__(self, repo):
        self.repo = repo
        self.path = os.path.join(repo, "bin", "nommu-report")

    def run(self, *args, env=None, cwd=None):
        """(exit status, stdout, stderr) of nommu-report ARGS."""
        done = subprocess.run([sys.executable, self.path, *args], capture_output=True, text=True,
                              env=env, cwd=cwd or self.repo, timeout=300, check=False)
        return done.returncode, done.stdout, done.stderr

    def report(self, *args, **kwargs):
        """stdout of a run that must succeed."""
        status, out, err = self.run(*args, **kwargs)
        check(status == 0, f"nommu-report {' '.join(args)}: exit {status}, stderr:\n{err}")
        return out

    def json(self, *args, **kwargs):
        return json.loads(self.report("--format=json", *args, **kwargs))


def data(name):
    return os.path.join(DATA, name)


def rule_ids(repo):
    with open(os.path.join(repo, "policies", "rules.def"), encoding="utf-8") as f:
        return re.findall(r'^RULE\(\w+,\s*"([^"]+)"', f.read(), flags=re.M)


# --- structural checks of each format -------------------------------------------------------

def check_sarif(document, known_rules, require_known=True):
    """SARIF 2.1.0 as code-scanning services read it: the parts nommu-report writes."""
    check(document.get("version") == "2.1.0", "SARIF version is not 2.1.0")
    check(document.get("$schema") == "https://json.schemastore.org/sarif-2.1.0.json", "SARIF $schema")
    runs = document.get("runs")
    check(isinstance(runs, list) and len(runs) == 1, "SARIF must have exactly one run")
    run = runs[0]
    driver = run["tool"]["driver"]
    check(driver.get("name") == "nommu", "tool.driver.name is not nommu")
    ids = [r["id"] for r in driver["rules"]]
    check(len(ids) == len(set(ids)), "duplicate rule ids in tool.driver.rules")
    check(set(known_rules) <= set(ids), "tool.driver.rules lacks rules of rules.def")
    if require_known:
        check(set(ids) <= set(known_rules), f"rules not in rules.def: {set(ids) - set(known_rules)}")
    for rule in driver["rules"]:
        check(rule["shortDescription"]["text"] and rule["fullDescription"]["text"], f"{rule['id']}: descriptions")
        check(rule["help"]["text"], f"{rule['id']}: help text")
        check(rule["defaultConfiguration"]["level"] in SARIF_LEVELS, f"{rule['id']}: level")
        if rule["id"] in known_rules:
            check(rule.get("helpUri") == f"docs/rules/{rule['id']}.md", f"{rule['id']}: helpUri")
    for result in run["results"]:
        check_sarif_result(result, ids)
    return run


def check_sarif_result(result, ids):
    rule_id = result.get("ruleId")
    check(rule_id in ids, f"result ruleId {rule_id} is not in tool.driver.rules")
    check(ids[result["ruleIndex"]] == rule_id, f"{rule_id}: ruleIndex points at another rule")
    check(result.get("level") in SARIF_LEVELS, f"{rule_id}: level")
    check(isinstance(result["message"].get("text"), str) and result["message"]["text"], "result message")
    for location in result.get("locations", []):
        physical = location.get("physicalLocation")
        check(physical is not None and physical["artifactLocation"]["uri"], f"{rule_id}: location uri")
        uri = physical["artifactLocation"]["uri"]
        check(not re.search(r"\s", uri) and (uri.startswith("file:///") or ":" not in uri.split("/")[0]),
              f"{rule_id}: not a URI: {uri!r}")
        check(("uriBaseId" in physical["artifactLocation"]) == (not uri.startswith("file:")),
              f"{rule_id}: a relative uri needs uriBaseId, an absolute one none: {uri!r}")
        if "region" in physical:
            check(isinstance(physical["region"]["startLine"], int) and physical["region"]["startLine"] >= 1,
                  f"{rule_id}: startLine must be >= 1")
    for stack in result.get("stacks", []):
        check(stack["frames"], f"{rule_id}: empty stack")
        for frame in stack["frames"]:
            check("location" in frame, f"{rule_id}: stack frame without location")
    for suppression in result.get("suppressions", []):
        check(suppression.get("kind") in ("inSource", "external"), f"{rule_id}: suppression kind")


def check_junit(text):
    root = ET.fromstring(text)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    check(len(suites) == 1 and suites[0].get("name") == "nommu", "JUnit: one testsuite named nommu")
    suite = suites[0]
    cases = suite.findall("testcase")
    check(int(suite.get("tests")) == len(cases) >= 1, "JUnit: tests= does not count the testcases")
    failures = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    check(int(suite.get("failures")) == len(failures), "JUnit: failures= is wrong")
    check(int(suite.get("skipped")) == len(skipped), "JUnit: skipped= is wrong")
    for case in cases:
        check(case.get("classname") and case.get("name"), "JUnit: testcase without classname/name")
    return suite


def check_text(text):
    last = text.rstrip("\n").splitlines()[-1]
    check(re.match(r"^nommu: (no violations|\d+ violations? from \d+ contexts?)( \(\d+ suppressed\))? "
                   r"in \d+ process(es)?$", last), f"text: bad summary line {last!r}")


def check_format(tool, fmt, *logs, known_rules=(), extra=()):
    out = tool.report(f"--format={fmt}", *extra, *logs)
    if fmt == "text":
        check_text(out)
    elif fmt == "json":
        document = json.loads(out)
        check(document["schema"] == 1 and isinstance(document["contexts"], list), "json: schema/contexts")
        check({"violations", "contexts", "suppressed", "processes"} <= set(document["summary"]), "json summary")
    elif fmt == "sarif":
        check_sarif(json.loads(out), known_rules)
    else:
        check_junit(out)
    return out


# --- the symbolisation sample --------------------------------------------------------------

def expected_lines(source, marks=r"#\d+"):
    """Mark -> line number of the lines of report_sample.c marked "/* expect MARK */"
    (frame numbers "#N" are given as ints)."""
    found = {}
    with open(source, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = re.search(rf"/\* expect ({marks}) \*/", line)
            if m:
                mark = m.group(1)
                found[int(mark[1:]) if mark.startswith("#") else mark] = number
    return found


def sample_binary(argument, workdir):
    if argument != "-":
        return argument
    binary = os.path.join(workdir, "report_sample")
    subprocess.run(["cc", "-g", "-O2", "-o", binary, os.path.join(HERE, "report_sample.c")], check=True)
    return binary


def sample_log(binary, path, build_id=None, rule="mmap-fixed"):
    """Run the sample and write a log with one violation whose frames are its backtrace."""
    out = subprocess.run([binary], capture_output=True, text=True, check=True).stdout
    frames, modules = [], {}
    for line in out.splitlines():
        pc, module, offset = line.split("\t")
        frame = {"pc": pc}
        if module:
            frame.update(module=module, offset=offset)
            modules.setdefault(module, pc)
        frames.append(frame)
    records = [{"type": "start", "schema": 1, "tool": "nommu", "run": "r-sample", "pid": 6000, "ppid": 1,
                "program": binary, "time": 1795000006.0, "mode": "strict", "profile": "riscv64-6.12"}]
    for module in modules:
        record = {"type": "module", "path": module, "base": "0x0"}
        if build_id and module == binary:
            record["build_id"] = build_id
        records.append(record)
    records.append({"type": "violation", "context": 1, "rule": rule, "call": "mmap",
                    "text": "mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)",
                    "device_answer": "EINVAL", "given": "device", "action": "strict", "pid": 6000,
                    "tid": 6000, "time": 1795000006.1, "suppressed": False, "frames": frames})
    records.append({"type": "summary", "violations": 1, "contexts": 1, "suppressed": 0,
                    "counts": [{"context": 1, "rule": rule, "count": 1, "suppressed": False}]})
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return frames


def path_with(tools, workdir):
    """A PATH directory holding only the named tools (symlinks), to hide the others."""
    directory = tempfile.mkdtemp(dir=workdir)
    for tool in tools:
        found = shutil.which(tool)
        if not found:
            raise Skip(f"{tool} is not installed")
        os.symlink(found, os.path.join(directory, tool))
    return dict(os.environ, PATH=directory)


def check_symbolized(text, lines):
    """The backtrace of the sample: helper (inlined), outer, main, at the marked lines."""
    for number, function in [(0, "helper"), (1, "outer"), (2, "main")]:
        want = f"#{number} {function} (report_sample.c:{lines[number]})"
        check(want in text, f"backtrace lacks {want!r}:\n{text}")
    check(re.search(rf"^report_sample\.c:{lines[0]}(:\d+)?: error: \[mmap-fixed\]", text, flags=re.M),
          f"the diagnostic does not point at report_sample.c:{lines[0]}:\n{text}")


# --- the cases -----------------------------------------------------------------------------

def case_formats(ctx):
    """Every format of every sample log parses and has the required structure."""
    for name in DATA_SETS:
        for fmt in FORMATS:
            check_format(ctx.tool, fmt, data(name), known_rules=ctx.rules)
    every = [data(name) for name in DATA_SETS]
    for fmt in FORMATS:
        check_format(ctx.tool, fmt, *every, known_rules=ctx.rules)


def case_sarif(ctx):
    """SARIF of a symbolised log: relative uri, startLine, stacks; rules = rules.def."""
    log = os.path.join(ctx.workdir, "sample.jsonl")
    sample_log(ctx.sample, log)
    lines = expected_lines(os.path.join(HERE, "report_sample.c"))
    run = check_sarif(json.loads(ctx.tool.report("--format=sarif", f"--source-root={HERE}", log)), ctx.rules)
    check([r["id"] for r in run["tool"]["driver"]["rules"]] == ctx.rules, "rules not in rules.def order")
    (result,) = run["results"]
    physical = result["locations"][0]["physicalLocation"]
    check(physical["artifactLocation"] == {"uri": "report_sample.c", "uriBaseId": "SRCROOT"},
          f"artifactLocation {physical['artifactLocation']}")
    check(physical["region"]["startLine"] == lines[0], f"startLine {physical['region']} != {lines[0]}")
    check(run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file://" + os.path.realpath(HERE) + "/", "SRCROOT")
    frames = result["stacks"][0]["frames"]
    check([f["location"]["logicalLocations"][0]["name"] for f in frames[:3]] == ["helper", "outer", "main"],
          "stack frames")
    # outside the source root: absolute file:// URIs
    outside = json.loads(ctx.tool.report("--format=sarif", f"--source-root={DATA}", log))
    uri = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    check(uri.startswith("file:///") and uri.endswith("/report_sample.c"), f"uri outside the root: {uri}")
    # frame 0 without a file: a deeper frame in our sources is the location; one outside is not
    frames = sample_log(ctx.sample, log)
    records = [json.loads(line) for line in open(log, encoding="utf-8")]
    for record in records:
        if record["type"] == "violation":
            record["frames"] = [{"pc": "0x7f0000001010", "module": "/nonexistent/libwrap.so",
                                 "offset": "0x1010", "function": "wrap_mmap+0x10"}] + frames
    with open(log, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    inside = json.loads(ctx.tool.report("--format=sarif", f"--source-root={HERE}", log))
    region = inside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    check(region["startLine"] == lines[0], f"deeper frame in the source root: {region}")
    outside = json.loads(ctx.tool.report("--format=sarif", f"--source-root={DATA}", log))
    physical = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    check(physical == {"artifactLocation": {"uri": "file:///nonexistent/libwrap.so"}},
          f"frame 0 has no file and no frame is in the source root: {physical}")
    # suppressed contexts are results with an external suppression
    run = check_sarif(json.loads(ctx.tool.report("--format=sarif", data("suppressed"))), ctx.rules)
    kinds = {r["ruleId"]: r.get("suppressions") for r in run["results"]}
    check(kinds == {"mmap-fixed": [{"kind": "external", "justification": 'nommu suppression "legacy-arena"'}],
                    "msync": None}, f"suppressions: {kinds}")
    # clean run: no results
    run = check_sarif(json.loads(ctx.tool.report("--format=sarif", data("clean"))), ctx.rules)
    check(run["results"] == [], "a clean run has results")


def find_jsonschema_python():
    """A python3 that can import jsonschema (Debian: python3-jsonschema), or None."""
    for python in [sys.executable, "/usr/bin/python3"]:
        if os.path.exists(python) and subprocess.run(
                [python, "-c", "import jsonschema"], capture_output=True, check=False).returncode == 0:
            return python
    return None


def case_sarif_schema(ctx):
    """The SARIF output against sarif-subset.schema.json, with a real JSON-schema validator."""
    python = find_jsonschema_python()
    if not python:
        raise Skip("python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    log = os.path.join(ctx.workdir, "sample.jsonl")
    sample_log(ctx.sample, log)
    inputs = [[data(name)] for name in DATA_SETS] + [[log], [data(n) for n in DATA_SETS] + [log]]
    validator = ("import json, sys, jsonschema\n"
                 "schema = json.load(open(sys.argv[1]))\n"
                 "jsonschema.Draft7Validator.check_schema(schema)\n"
                 "jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())"
                 ".validate(json.load(open(sys.argv[2])))\n")
    for logs in inputs:
        sarif = os.path.join(ctx.workdir, "out.sarif")
        ctx.tool.report("--format=sarif", f"--output={sarif}", f"--source-root={HERE}", *logs)
        done = subprocess.run([python, "-c", validator, os.path.join(HERE, "sarif-subset.schema.json"), sarif],
                              capture_output=True, text=True, check=False)
        check(done.returncode == 0, f"schema validation of the SARIF of {logs}:\n{done.stderr[-3000:]}")
    # the validator does catch a broken document
    ctx.tool.report("--format=sarif", f"--output={sarif}", f"--source-root={HERE}", log)
    document = json.load(open(sarif, encoding="utf-8"))
    document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with open(sarif, "w", encoding="utf-8") as f:
        json.dump(document, f)
    done = subprocess.run([python, "-c", validator, os.path.join(HERE, "sarif-subset.schema.json"), sarif],
                          capture_output=True, text=True, check=False)
    check(done.returncode != 0, "the schema accepted startLine 0")


def case_merge(ctx):
    """Two processes with the same rule and frames: one context, counts added, both pids."""
    document = ctx.tool.json(data("shared"))
    contexts = {c["rule"]: c for c in document["contexts"]}
    check(len(document["contexts"]) == 2, f"{len(document['contexts'])} contexts, want 2")
    check(contexts["mmap-fixed"]["count"] == 8 and contexts["mmap-fixed"]["pids"] == [2001, 2002],
          f"merged context: {contexts['mmap-fixed']['count']} in {contexts['mmap-fixed']['pids']}")
    check(contexts["munmap-unmapped"]["count"] == 1 and contexts["munmap-unmapped"]["pids"] == [2002],
          "munmap-unmapped context")
    check(document["contexts"][0]["rule"] == "mmap-fixed", "most frequent context is not first")
    summary = document["summary"]
    check((summary["violations"], summary["contexts"], summary["processes"]) == (9, 2, 2), f"summary {summary}")
    check([f["function"] for f in contexts["mmap-fixed"]["frames"]]
          == ["port_map_arena", "main", "__libc_start_call_main"], "frames' capture-time names")
    text = ctx.tool.report(data("shared"))
    check("— 8 times in 2 processes (pids 2001, 2002)" in text, f"merged count in text:\n{text}")
    check(text.rstrip().endswith("nommu: 9 violations from 2 contexts in 2 processes"), f"summary line:\n{text}")
    check(text.index("[mmap-fixed]") < text.index("[munmap-unmapped]"), "text: most frequent first")
    check("see docs/rules/mmap-fixed.md" in text, "text: no link to the rule's page")
    check("fix: drop MAP_FIXED and use the address mmap returns" in text, "text: no fix line")


def case_partial(ctx):
    """A log without summary and with a cut last line: read, with notes, counts as lower bounds."""
    status, text, err = ctx.tool.run(data("partial"))
    check(status == 0, f"exit {status}: {err}")
    check("process 3000 (grower) did not exit normally (crash, kill, _exit or exec): counts are lower bounds"
          in text, f"no partial-log note:\n{text}")
    check("the last line is incomplete" in text, "no note about the truncated line")
    check("— 4 times in pid 3000" in text, "the last count record is not used")
    check(text.rstrip().endswith("nommu: 5 violations from 2 contexts in 1 process"), f"summary:\n{text}")
    document = ctx.tool.json(data("partial"))
    check(document["summary"]["incomplete_processes"] == 1, "incomplete_processes")
    check(document["runs"][0]["complete"] is False, "run marked complete")
    check(any("did not exit normally" in n for n in document["notes"]), "json notes")
    status, _, err = ctx.tool.run("--format=json", data("partial"))
    check("note: process 3000 (grower) did not exit normally" in err, "notes not on stderr for json")
    # exec: one file, two process images with the same pid and context ids
    text = ctx.tool.report(data("exec"))
    check("process 5000 (launcher) exec'd /opt/port/bin/prog before it wrote its summary" in text,
          f"no exec note:\n{text}")
    check("[fork] fork() = ENOSYS on the device (report: desktop Linux's answer was given) — once" in text,
          "the exec'd program's context 1 overwrote the first image's context 1")
    check("[mmap-fixed]" in text and "— 2 times in pid 5000" in text, "exec'd image's count")
    check(text.rstrip().endswith("nommu: 3 violations from 2 contexts in 1 process"), f"summary:\n{text}")


def case_clean(ctx):
    """A clean run: exit 0, "no violations", JUnit with one passing test case."""
    status, text, err = ctx.tool.run(data("clean"))
    check(status == 0 and err == "", f"exit {status}, stderr {err!r}")
    check(text == "memory: device RAM peak 1.2 MiB of 64 MiB in /usr/bin/true (pid 1000); heap peak 5 KiB, "
          "largest request 3 KiB\nnommu: no violations in 1 process\n", f"text: {text!r}")
    suite = check_junit(ctx.tool.report("--format=junit", data("clean")))
    cases = suite.findall("testcase")
    check(suite.get("tests") == "1" and len(cases) == 1 and cases[0].get("name") == "no violations"
          and not list(cases[0]), "JUnit of a clean run")
    document = ctx.tool.json(data("clean"))
    check(document["contexts"] == [] and document["summary"]["violations"] == 0, "json of a clean run")
    memory = document["summary"]["memory"]
    check(memory["pid"] == 1000 and memory["ram"]["peak_used"] == 1310720
          and memory["heap"]["largest_request"] == 3072, f"json memory: {memory}")


def case_suppressed(ctx):
    """Suppressed contexts: listed apart, not counted, skipped in JUnit."""
    text = ctx.tool.report(data("suppressed"))
    blocks, _, tail = text.partition("suppressed (not counted as violations):")
    check("[mmap-fixed]" not in blocks and "[msync]" in blocks, f"suppressed context shown as an error:\n{text}")
    check('[mmap-fixed] 12 times in pid 4000 at legacy_arena_init+0x2a /opt/port/bin/prog+0x1800, '
          'suppression "legacy-arena"' in tail, f"suppressed list:\n{text}")
    check(text.rstrip().endswith("nommu: 1 violation from 1 context (12 suppressed) in 1 process"), "summary")
    suite = check_junit(ctx.tool.report("--format=junit", data("suppressed")))
    states = {c.get("classname"): [child.tag for child in c] for c in suite.findall("testcase")}
    check(states == {"nommu.mmap-fixed": ["skipped"], "nommu.msync": ["failure"]}, f"JUnit: {states}")
    summary = ctx.tool.json(data("suppressed"))["summary"]
    check((summary["violations"], summary["suppressed"], summary["suppressed_contexts"]) == (1, 12, 1),
          f"json summary {summary}")


def case_errors(ctx):
    """Exit status 1 for unreadable logs (the rest still reported), 2 for usage errors."""
    status, out, err = ctx.tool.run(data("clean"), os.path.join(ctx.workdir, "missing.jsonl"))
    check(status == 1 and "missing.jsonl" in err and "no violations" in out, f"missing log: {status} {err}")
    status, _, err = ctx.tool.run(data("not-a-log.txt"))
    check(status == 1 and "not a nommu log" in err, f"not a log: {status} {err}")
    empty = tempfile.mkdtemp(dir=ctx.workdir)
    status, _, err = ctx.tool.run(empty)
    check(status == 1 and "no *.jsonl" in err, f"empty directory: {status} {err}")
    for args in [[], ["--format=xml", data("clean")], ["--bogus", data("clean")],
                 ["--source-root=/nonexistent", data("clean")]]:
        status, _, _ = ctx.tool.run(*args)
        check(status == 2, f"usage error {args}: exit {status}, want 2")
    output = os.path.join(ctx.workdir, "report.txt")
    status, out, _ = ctx.tool.run(f"--output={output}", data("shared"))
    check(status == 0 and out == "" and "nommu: 9 violations" in open(output, encoding="utf-8").read(),
          "--output")
    status, out, _ = ctx.tool.run("--help")
    check(status == 0 and "--format" in out and "Exit status" in out, "--help")


def case_symbolize(ctx):
    """eu-addr2line: function (file:line) of each frame, inlined frames, return addresses."""
    if not shutil.which("eu-addr2line"):
        raise Skip("eu-addr2line (elfutils) is not installed")
    log = os.path.join(ctx.workdir, "sample.jsonl")
    sample_log(ctx.sample, log)
    lines = expected_lines(os.path.join(HERE, "report_sample.c"))
    text = ctx.tool.report(f"--source-root={HERE}", log, env=path_with(["eu-addr2line"], ctx.workdir))
    check_symbolized(text, lines)
    check(re.search(r"#0 helper \(report_sample\.c:\d+\) \S+\+0x[0-9a-f]+ \[inlined\]", text),
          "the inlined frame is not marked")
    frames = ctx.tool.json(f"--source-root={HERE}", log)["contexts"][0]["frames"]
    check(frames[0]["file"] == "report_sample.c" and frames[0]["line"] == lines[0] and frames[0]["inlined"],
          f"json frame 0: {frames[0]}")
    check(frames[0]["offset"] == frames[1]["offset"], "an inlined frame has its own offset")
    # from another directory, the file is shown by its absolute path
    text = ctx.tool.report(log, cwd=ctx.workdir)
    check(f"({os.path.realpath(os.path.join(HERE, 'report_sample.c'))}:{lines[1]})" in text, "absolute path")
    # a rebuilt module (another build id) is not symbolised with wrong lines
    sample_log(ctx.sample, log, build_id="00" * 20)
    status, text, err = ctx.tool.run(f"--source-root={HERE}", log)
    check(status == 0 and "has changed since the run" in err and "report_sample.c" not in text,
          f"build-id mismatch: {err}\n{text}")
    # --no-symbolize: module+offset only, no file
    sample_log(ctx.sample, log)
    text = ctx.tool.report("--no-symbolize", f"--source-root={HERE}", log)
    check("report_sample.c" not in text and re.search(r"#0 \?\? \S+\+0x[0-9a-f]+", text),
          f"--no-symbolize:\n{text}")


def case_symbolize_binutils(ctx):
    """Without eu-addr2line, binutils' addr2line gives the same functions and lines."""
    log = os.path.join(ctx.workdir, "sample.jsonl")
    sample_log(ctx.sample, log)
    text = ctx.tool.report(f"--source-root={HERE}", log, env=path_with(["addr2line"], ctx.workdir))
    check_symbolized(text, expected_lines(os.path.join(HERE, "report_sample.c")))


def case_symbolize_no_aranges(ctx):
    """A module without .debug_aranges (clang's default): addr2line finds what eu-addr2line cannot."""
    for tool in ["eu-addr2line", "addr2line", "objcopy"]:
        if not shutil.which(tool):
            raise Skip(f"{tool} is not installed")
    binary = os.path.join(ctx.workdir, "report_sample_no_aranges")
    subprocess.run(["objcopy", "--remove-section=.debug_aranges", ctx.sample, binary], check=True)
    log = os.path.join(ctx.workdir, "sample.jsonl")
    sample_log(binary, log)
    text = ctx.tool.report(f"--source-root={HERE}", log, env=path_with(["eu-addr2line", "addr2line"], ctx.workdir))
    check_symbolized(text, expected_lines(os.path.join(HERE, "report_sample.c")))


def case_symbolize_none(ctx):
    """Without any addr2line: one note on stderr, frames stay module+offset."""
    log = os.path.join(ctx.workdir, "sample.jsonl")
    sample_log(ctx.sample, log)
    status, text, err = ctx.tool.run(log, env=path_with([], ctx.workdir))
    check(status == 0, f"exit {status}")
    check(err.count("neither eu-addr2line") == 1, f"stderr: {err!r}")
    check("report_sample.c" not in text and "+0x" in text, f"text:\n{text}")


def nommu_run(ctx, *args):
    """(exit status, stderr) of bin/nommu-run ARGS (it builds the preload if needed)."""
    done = subprocess.run([os.path.join(ctx.tool.repo, "bin", "nommu-run"), *args], capture_output=True,
                          text=True, timeout=900, check=False, stdin=subprocess.DEVNULL)
    check(done.returncode != 2, f"nommu-run {' '.join(args)} refused to run:\n{done.stderr[-3000:]}")
    return done.returncode, done.stderr


def sample_logs(directory):
    """The logs report_sample wrote (not those of other programs of the run)."""
    return sorted(os.path.join(directory, f) for f in os.listdir(directory) if "-report_sample-" in f)


def case_live(ctx):
    """Logs written by libnommu itself: --error-exitcode, then every format of the report."""
    logs = os.path.join(ctx.workdir, "logs")
    os.mkdir(logs)
    status, err = nommu_run(ctx, "--error-exitcode=3", f"--log={logs}/nommu-%n-%p.jsonl", "--",
                            ctx.sample, "violate")
    check(status == 3, f"--error-exitcode=3: exit {status}\n{err[-3000:]}")
    files = sample_logs(logs)
    check(len(files) == 1, f"report_sample's logs: {os.listdir(logs)}")
    lines = expected_lines(os.path.join(HERE, "report_sample.c"), r"mmap-fixed|map_fixed|msync")
    text = ctx.tool.report(f"--source-root={HERE}", *files)
    check(re.search(rf"^report_sample\.c:{lines['mmap-fixed']}(:\d+)?: error: \[mmap-fixed\] mmap\(0x10000000, "
                    r"4096, .*MAP_FIXED.*\) = EINVAL on the device \(strict: the device's answer was given\) "
                    r"— 2 times in pid \d+$", text, flags=re.M), f"mmap-fixed diagnostic:\n{text}")
    check(f"#0 map_fixed (report_sample.c:{lines['mmap-fixed']})" in text, f"frame 0:\n{text}")
    check(f"(report_sample.c:{lines['map_fixed']})" in text, f"the caller's line:\n{text}")
    check(re.search(rf"^report_sample\.c:{lines['msync']}(:\d+)?: error: \[msync\] msync\(", text, flags=re.M),
          f"msync diagnostic:\n{text}")
    check("nommu: 3 violations from 2 contexts in 1 process" in text, f"summary (two call sites on one line "
          f"are one context):\n{text}")
    for fmt in FORMATS:
        check_format(ctx.tool, fmt, *files, known_rules=ctx.rules, extra=[f"--source-root={HERE}"])


SUPPRESSIONS = """\
# report_test.py: every violation of "report_sample violate", by hand
{
   sample-map-fixed
   rule: mmap-*          # wildcards in the rule id
   fun: map_fixed*       # GCC may call it map_fixed.isra.0
   obj: */report_sample  # frame 1: main, in the program
}
{
   sample-msync
   rule: msync
   ...
   fun: __libc_start_main*
}
"""


def case_live_suppressions(ctx):
    """Suppressions as docs/ci.md documents them, written by hand and by --gen-suppressions."""
    logs = os.path.join(ctx.workdir, "logs")
    os.mkdir(logs)
    generated = generate_suppressions(ctx)
    for name, text in [("by-hand", SUPPRESSIONS), ("generated", generated)]:
        path = os.path.join(ctx.workdir, f"{name}.supp")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        log_dir = os.path.join(logs, name)
        os.mkdir(log_dir)
        status, err = nommu_run(ctx, "--error-exitcode=3", f"--suppressions={path}",
                                f"--log={log_dir}/nommu-%n-%p.jsonl", "--", ctx.sample, "violate")
        check(status == 0, f"{name} suppressions: exit {status} (every violation is suppressed)\n{err[-2000:]}")
        files = sample_logs(log_dir)
        text = ctx.tool.report(*files)
        check(text.rstrip().endswith("nommu: no violations (3 suppressed) in 1 process"), f"{name}:\n{text}")
        if name == "by-hand":
            check('suppression "sample-map-fixed"' in text and 'suppression "sample-msync"' in text,
                  f"suppression names:\n{text}")
        suite = check_junit(ctx.tool.report("--format=junit", *files))
        check([c.get("name") for c in suite.findall("testcase") if not list(c)] == ["no violations"],
              "JUnit: a fully suppressed run passes")


def generate_suppressions(ctx):
    """Run with --gen-suppressions; return its entries, each given a name."""
    status, err = nommu_run(ctx, "--gen-suppressions", "--", ctx.sample, "violate")
    entries = re.findall(r"^\{\n.*?^\}\n", err, flags=re.M | re.S)
    check(len(entries) >= 2, f"--gen-suppressions printed {len(entries)} entries:\n{err[-3000:]}")
    return "".join(e.replace("<insert_a_suppression_name_here>", f"generated-{i}") for i, e in enumerate(entries))


CASES = {
    "formats": case_formats, "sarif": case_sarif, "sarif-schema": case_sarif_schema,
    "merge": case_merge, "partial": case_partial, "clean": case_clean,
    "suppressed": case_suppressed, "errors": case_errors, "symbolize": case_symbolize,
    "symbolize-binutils": case_symbolize_binutils, "symbolize-no-aranges": case_symbolize_no_aranges,
    "symbolize-none": case_symbolize_none, "live": case_live, "live-suppressions": case_live_suppressions,
}


class Context:
    def __init__(self, repo, sample, workdir):
        self.tool = Tool(repo)
        self.rules = rule_ids(repo)
        self.workdir = workdir
        self.sample = sample_binary(sample, workdir)


def run_case(name, repo, sample):
    with tempfile.TemporaryDirectory(prefix="nommu-report-test-") as workdir:
        try:
            CASES[name](Context(os.path.abspath(repo), sample, workdir))
        except Skip as e:
            print(f"SKIP {name}: {e}")
            return 77
        except Failure as e:
            print(f"FAIL {name}: {e}")
            return 1
        except Exception:  # a bug in a case, or output the checks did not expect
            traceback.print_exc(file=sys.stdout)
            print(f"FAIL {name}: unexpected error (above)")
            return 1
    print(f"PASS {name}")
    return 0


def main(argv):
    if len(argv) != 3 or (argv[2] not in CASES and argv[2] != "all"):
        print(f"usage: report_test.py REPO SAMPLE|- {'|'.join(CASES)}|all", file=sys.stderr)
        return 2
    repo, sample, case = argv
    if case != "all":
        return run_case(case, repo, sample)
    statuses = [run_case(name, repo, sample) for name in CASES]
    return 1 if 1 in statuses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
