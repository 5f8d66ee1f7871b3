"""JUnit XML, for the test-report views of GitLab, Jenkins and others.

One <testsuite> per input file, one <testcase> per finding (as ruff does): a
CI view then lists each finding with its place, and the counts in the suite
agree with ftprep's summary. A file with no finding gets one passing testcase,
so that a checked file still shows up as checked.

Errors are <failure>s. Warnings are passing testcases whose <system-out> holds
the warning: ftprep exits 0 on warnings, and a report that showed them as
failures would disagree with the exit code, as pytest keeps warnings out of
its failures. Under --strict every warning is an error, so a failure.
Codes not shown (over --max-per-code) get one testcase per code with the count.
"""

from __future__ import annotations

import re
import typing as t

from ftprep.core.codes import CODES
from ftprep.core.diagnostics import ERROR, FileReport, Report
from ftprep.output.fingerprints import full_message

# Characters XML 1.0 cannot hold, even escaped: C0 controls but tab and line
# feeds, lone surrogates (from JSON \ud800 escapes), U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """`value` with every character XML cannot hold written as a visible escape."""
    return NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", str(value))


def _place(line: int | None) -> str:
    return f"line {line}" if line is not None else "file"


def _suite(f: FileReport, parent: t.Any) -> None:
    from xml.etree import ElementTree as ET

    suite = ET.SubElement(parent, "testsuite", name=xml_text(f.path))
    cases = 0
    failures = 0
    for d in f.diagnostics:
        cases += 1
        case = ET.SubElement(suite, "testcase", name=xml_text(f"{d.code} {d.name} ({_place(d.line)})"),
                             classname=xml_text(f.path), file=xml_text(f.path))
        if d.line is not None:
            case.set("line", str(d.line))
        body = xml_text(f"{d.location}: {d.code} [{d.severity}] {full_message(d)} (stage: {d.stage})")
        if d.severity == ERROR:
            failures += 1
            failure = ET.SubElement(case, "failure", message=xml_text(full_message(d)), type=d.code)
            failure.text = body
        else:
            ET.SubElement(case, "system-out").text = body
    for code, n in sorted(f.dropped.items()):
        cases += 1
        case = ET.SubElement(suite, "testcase", name=f"{code} {CODES[code].name} ({n:,} not shown)",
                             classname=xml_text(f.path), file=xml_text(f.path))
        message = f"{n:,} more {code} not shown (raise --max-per-code)"
        if f.strict or CODES[code].severity == ERROR:
            failures += 1
            ET.SubElement(case, "failure", message=message, type=code).text = message
        else:
            ET.SubElement(case, "system-out").text = message
    if not cases:
        cases = 1
        ET.SubElement(suite, "testcase", name="no findings", classname=xml_text(f.path), file=xml_text(f.path))
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")


def junit(report: Report, stream: t.TextIO) -> None:
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites", name="ftprep")
    for f in report.files:
        _suite(f, root)
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in root)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in root)))
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
