"""The machine-read formats: SARIF (validated against the official 2.1.0
schema), JUnit XML (parsed) and GitLab Code Quality (fingerprints stable and
distinct), each on a report with errors, warnings, a file-level finding, an
aggregated finding, a field and a hint, and paths with spaces and non-ASCII;
plus one exact-string case per format."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ftprep.core.codes import CODES
from ftprep.core.diagnostics import Diagnostic, FileReport, Report
from ftprep.output.reporters import REPORTERS

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
PATH = "data/my train ü.jsonl"
# RFC 3986 characters of a URI reference (the schema's uri-reference format is
# not checked by jsonschema without an extra package).
URI = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def rich() -> Report:
    f = FileReport(PATH, "chat", rows=6, task_inferred=True, dropped={"C009": 4}, diagnostics=[
        Diagnostic("S001", "required column 'conversations' is missing from every record", PATH,
                   field="conversations", hint="map it: --field-conversation messages"),
        Diagnostic("D002", "6 rows; the service's minimum is 8,000", PATH, hint="add data"),
        Diagnostic("C012", "gemma3 raises: roles must alternate", PATH, line=2, row=1,
                   field="$.conversations[1].role", hint="merge consecutive turns of the same role"),
        Diagnostic("V010", "'{{name}}' in assistant message 1 is an unfilled placeholder", PATH, line=3, row=2,
                   field="conversations", hint="fill in the placeholders", count=3, lines=(3, 5, 6), rows=(2, 4, 5)),
        Diagnostic("D001", "duplicate of line 1 in the trained columns", PATH, line=4, row=3,
                   first_line=1, first_row=0),
        Diagnostic("C016", "'<|im_end|>' inside the text becomes a real special token", PATH, line=4, row=3,
                   field="$.conversations[0].content"),
    ])
    clean = FileReport("ok/clean set.jsonl", "text", rows=3)
    return Report([f, clean])


def render(name: str, report: Report) -> str:
    out = io.StringIO()
    REPORTERS[name](report, out)
    return out.getvalue()


def test_the_three_formats_are_registered() -> None:
    assert {"sarif", "junit", "gitlab"} <= set(REPORTERS)


# --- SARIF --------------------------------------------------------------------------------------
def sarif_validator():  # type: ignore[no-untyped-def]
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("strict", [False, True])
def test_sarif_validates_against_the_official_schema(strict: bool) -> None:
    report = rich().strict() if strict else rich()
    doc = json.loads(render("sarif", report))
    errors = [e.message for e in sarif_validator().iter_errors(doc)]
    assert errors == []
    for r in doc["runs"][0]["results"]:
        for loc in r["locations"] + r.get("relatedLocations", []):
            assert URI.match(loc["physicalLocation"]["artifactLocation"]["uri"])


def test_the_schema_check_catches_a_broken_log() -> None:
    doc = json.loads(render("sarif", rich()))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    del doc["version"]
    assert len(list(sarif_validator().iter_errors(doc))) == 2


def test_sarif_rules_results_and_locations() -> None:
    run = json.loads(render("sarif", rich()))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ftprep" and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    # One rule per code used, in registry order, described from the registry.
    assert [r["id"] for r in rules] == ["S001", "V010", "C012", "C016", "D001", "D002"]
    for rule in rules:
        c = CODES[rule["id"]]
        assert rule["name"] == c.name and rule["shortDescription"]["text"] == c.summary
        assert rule["defaultConfiguration"]["level"] == c.severity
        assert rule["helpUri"].endswith("#diagnostic-codes")
        assert "Fix" in rule["help"]["text"] and rule["fullDescription"]["text"]
    results = run["results"]
    assert len(results) == 6
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    by_code = {r["ruleId"]: r for r in results}
    c012 = by_code["C012"]
    assert c012["level"] == "error"
    assert c012["message"]["text"] == ("gemma3 raises: roles must alternate [$.conversations[1].role] "
                                       "(hint: merge consecutive turns of the same role)")
    physical = c012["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "data/my%20train%20%C3%BC.jsonl", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 2}
    # A file-level finding keeps its file, with no region.
    d002 = by_code["D002"]["locations"][0]["physicalLocation"]
    assert d002 == {"artifactLocation": {"uri": "data/my%20train%20%C3%BC.jsonl", "uriBaseId": "%SRCROOT%"}}
    assert by_code["D002"]["level"] == "warning"
    # The aggregated finding: its count, and its further lines as related locations.
    v010 = by_code["V010"]
    assert v010["message"]["text"].startswith("'{{name}}' in assistant message 1 is an unfilled placeholder "
                                              "(and 2 more rows)")
    assert v010["properties"]["count"] == 3
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in v010["relatedLocations"]] == [5, 6]
    assert run["properties"]["not_shown"] == {PATH: {"C009": 4}}
    assert run["properties"]["summary"] == rich().summary()


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    def prints() -> list[str]:
        return [r["partialFingerprints"]["ftprep/v1"] for r in json.loads(render("sarif", rich()))["runs"][0]["results"]]

    assert prints() == prints()
    assert len(set(prints())) == 6


def test_sarif_under_strict_raises_the_level_not_the_rule() -> None:
    run = json.loads(render("sarif", rich().strict()))["runs"][0]
    assert {r["level"] for r in run["results"]} == {"error"}
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "D001")
    assert rule["defaultConfiguration"]["level"] == "warning"


@pytest.mark.parametrize(("path", "location"), [
    ("./a b.jsonl", {"uri": "a%20b.jsonl", "uriBaseId": "%SRCROOT%"}),
    ("/tmp/x y.jsonl", {"uri": "file:///tmp/x%20y.jsonl"}),
    ("hf://datasets/me/data@main", {"uri": "hf://datasets/me/data@main"}),
    ("sub\\win.csv", {"uri": "sub/win.csv", "uriBaseId": "%SRCROOT%"}),
])
def test_sarif_artifact_locations(path: str, location: dict[str, str]) -> None:
    from ftprep.output.sarif import artifact_location

    assert artifact_location(path) == location


def test_sarif_exact_small_case() -> None:
    from ftprep.core.explanations import explain

    report = Report([FileReport("a.jsonl", "text", rows=1, diagnostics=[
        Diagnostic("V001", "'instruction' is null", "a.jsonl", line=1, row=0, field="instruction")])])
    e = explain("V001")
    # The rule's long texts come from the explanation (tested on their own); the rest is literal.
    expected = SARIF_V001.replace("FULL", json.dumps(f"{e.meaning} {e.why}")).replace(
        "HELP_TEXT", json.dumps(e.text())).replace("HELP_MD", json.dumps(e.markdown()))
    assert render("sarif", report) == expected


SARIF_V001 = """{
  "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "ftprep",
          "version": "0.1.0",
          "semanticVersion": "0.1.0",
          "informationUri": "https://github.com/ftprep/ftprep",
          "rules": [
            {
              "id": "V001",
              "name": "missing-value",
              "shortDescription": {
                "text": "A required value is null or absent."
              },
              "fullDescription": {
                "text": FULL
              },
              "help": {
                "text": HELP_TEXT,
                "markdown": HELP_MD
              },
              "helpUri": "https://github.com/ftprep/ftprep#diagnostic-codes",
              "defaultConfiguration": {
                "level": "error"
              },
              "properties": {
                "tags": [
                  "ftprep",
                  "prep"
                ]
              }
            }
          ]
        }
      },
      "results": [
        {
          "ruleId": "V001",
          "ruleIndex": 0,
          "level": "error",
          "message": {
            "text": "'instruction' is null [instruction]"
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "a.jsonl",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 1
                }
              }
            }
          ],
          "partialFingerprints": {
            "ftprep/v1": "dfa6752341f2d0f33cf798e813970066ccc80fa5f665b1ef5dfbea121a1f82cb"
          },
          "properties": {
            "stage": "prep",
            "count": 1,
            "row": 0,
            "field": "instruction"
          }
        }
      ],
      "properties": {
        "summary": {
          "files": 1,
          "rows": 1,
          "errors": 1,
          "warnings": 0
        }
      }
    }
  ]
}
"""


# --- JUnit --------------------------------------------------------------------------------------
def test_junit_parses_with_one_suite_per_file_and_one_case_per_finding() -> None:
    root = ET.fromstring(render("junit", rich()))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [PATH, "ok/clean set.jsonl"]
    first, clean = suites
    cases = first.findall("testcase")
    assert len(cases) == 7 and first.get("tests") == "7"  # 6 findings and the not-shown C009
    failures = [c for c in cases if c.find("failure") is not None]
    assert first.get("failures") == str(len(failures)) == "2"  # C012, S001 (errors)
    c012 = next(c for c in cases if c.get("name", "").startswith("C012"))
    failure = c012.find("failure")
    assert failure is not None and failure.get("type") == "C012"
    assert failure.get("message") == ("gemma3 raises: roles must alternate [$.conversations[1].role] "
                                      "(hint: merge consecutive turns of the same role)")
    assert c012.get("classname") == PATH and c012.get("line") == "2"
    # Warnings pass, with the warning in system-out; the file-level one has no line.
    d002 = next(c for c in cases if c.get("name", "").startswith("D002"))
    assert d002.find("failure") is None and d002.get("line") is None
    assert "[warning] 6 rows" in (d002.findtext("system-out") or "")
    v010 = next(c for c in cases if c.get("name", "").startswith("V010"))
    assert "(and 2 more rows)" in (v010.findtext("system-out") or "")
    assert cases[-1].get("name") == "C009 last-turn-not-assistant (4 not shown)"
    # A clean file still shows up, as one passing case.
    assert clean.get("tests") == "1" and clean.get("failures") == "0"
    assert root.get("tests") == "8" and root.get("failures") == "2"


def test_junit_under_strict_fails_every_finding() -> None:
    root = ET.fromstring(render("junit", rich().strict()))
    assert root.get("failures") == root.findall("testsuite")[0].get("tests") == "7"


def test_junit_stays_xml_with_control_characters_and_lone_surrogates() -> None:
    hostile = "role \x1b[31m\x00\ud800 \ufffe"
    report = Report([FileReport("x\x01.jsonl", "chat", diagnostics=[
        Diagnostic("C005", f"message 0 has role {hostile!r}", "x\x01.jsonl", line=1, row=0, field=hostile)])])
    text = render("junit", report)
    text.encode("utf-8")  # no lone surrogate left
    case = ET.fromstring(text).find("testsuite/testcase")
    assert case is not None and case.get("classname") == "x\\x01.jsonl"
    assert "\\x1b[31m\\x00\\ud800 \\ufffe" in (case.findtext("system-out") or "")


def test_junit_exact_small_case() -> None:
    report = Report([FileReport("a.jsonl", "text", rows=2, diagnostics=[
        Diagnostic("V001", "'instruction' is null", "a.jsonl", line=1, row=0, field="instruction"),
        Diagnostic("V004", "'output' is a number; it will be stringified", "a.jsonl", line=2, row=1,
                   field="output", hint="store text as JSON strings")])])
    assert render("junit", report) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="ftprep" tests="2" failures="1">\n'
        '  <testsuite name="a.jsonl" tests="2" failures="1" errors="0" skipped="0">\n'
        '    <testcase name="V001 missing-value (line 1)" classname="a.jsonl" file="a.jsonl" line="1">\n'
        '      <failure message="\'instruction\' is null [instruction]" type="V001">'
        "a.jsonl:1: V001 [error] 'instruction' is null [instruction] (stage: prep)</failure>\n"
        '    </testcase>\n'
        '    <testcase name="V004 not-string (line 2)" classname="a.jsonl" file="a.jsonl" line="2">\n'
        "      <system-out>a.jsonl:2: V004 [warning] 'output' is a number; it will be stringified [output] "
        "(hint: store text as JSON strings) (stage: load)</system-out>\n"
        '    </testcase>\n'
        '  </testsuite>\n'
        '</testsuites>\n'
    )


# --- GitLab Code Quality ------------------------------------------------------------------------
def test_gitlab_issues_have_what_gitlab_requires() -> None:
    issues = json.loads(render("gitlab", rich()))
    assert len(issues) == 6
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] in CODES
        assert issue["location"]["path"] == PATH and issue["location"]["lines"]["begin"] >= 1
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
    by_code = {i["check_name"]: i for i in issues}
    assert by_code["C012"]["severity"] == "major"       # an error on a row
    assert by_code["S001"]["severity"] == "critical"    # an error on the whole file
    assert by_code["D002"]["severity"] == "minor"       # a warning
    assert by_code["D002"]["location"]["lines"]["begin"] == 1
    assert by_code["C012"]["description"] == ("C012 template-raises: gemma3 raises: roles must alternate "
                                              "[$.conversations[1].role] (hint: merge consecutive turns of the same role)")
    assert by_code["V010"]["description"].endswith("(and 2 more rows) [conversations] (hint: fill in the placeholders)")


def test_gitlab_fingerprints_are_stable_across_runs_and_distinct_across_findings() -> None:
    first = [i["fingerprint"] for i in json.loads(render("gitlab", rich()))]
    assert first == [i["fingerprint"] for i in json.loads(render("gitlab", rich()))]
    assert len(set(first)) == len(first)
    assert all(re.fullmatch("[0-9a-f]{64}", fp) for fp in first)


def test_gitlab_fingerprint_follows_the_row_not_the_line() -> None:
    d = Diagnostic("C016", "'<|im_end|>' inside the text becomes a real special token", "a.jsonl", line=4, row=3)
    same_row = dataclasses.replace(d, line=9)  # a multi-line CSV cell moved the line, not the row
    other_code = Diagnostic("C005", "message 0 has role 'gpt'", "a.jsonl", line=4, row=3)
    twin = dataclasses.replace(d)

    def prints(*diags: Diagnostic) -> list[str]:
        return [i["fingerprint"] for i in json.loads(render("gitlab", Report([FileReport("a.jsonl", "chat",
                                                                                     diagnostics=list(diags))])))]

    assert prints(d) == prints(same_row)
    assert len(set(prints(d, other_code))) == 2           # two codes on one line
    assert len(set(prints(d, twin))) == 2                 # an exact repeat still gets its own


def test_gitlab_exact_small_case() -> None:
    report = Report([FileReport("a b/ü.jsonl", "text", rows=1, diagnostics=[
        Diagnostic("D002", "1 rows; the service's minimum is 8,000", "a b/ü.jsonl", hint="add data")])])
    assert render("gitlab", report) == (
        "[\n"
        "  {\n"
        '    "description": "D002 too-few-rows: 1 rows; the service\'s minimum is 8,000 (hint: add data)",\n'
        '    "check_name": "D002",\n'
        '    "fingerprint": "2da999e61d79942142462e9d47ece946c7978eae0c7b8e78e9621b2c6bb81192",\n'
        '    "severity": "minor",\n'
        '    "location": {\n'
        '      "path": "a b/\\u00fc.jsonl",\n'
        '      "lines": {\n'
        '        "begin": 1\n'
        "      }\n"
        "    }\n"
        "  }\n"
        "]\n"
    )


def every_code() -> Report:
    path = "every code.jsonl"
    diags = [Diagnostic(code, f"a {c.name} finding", path, line=i + 1 if i % 2 else None, row=i if i % 2 else None,
                        field="$.x" if i % 3 else None, hint="a hint" if i % 5 else None)
             for i, (code, c) in enumerate(CODES.items())]
    return Report([FileReport(path, "chat", rows=len(diags), diagnostics=diags)])


def test_every_code_gives_a_valid_sarif_rule_and_xml() -> None:
    doc = json.loads(render("sarif", every_code()))
    assert [e.message for e in sarif_validator().iter_errors(doc)] == []
    assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == list(CODES)
    suite = ET.fromstring(render("junit", every_code())).find("testsuite")
    assert suite is not None and suite.get("tests") == str(len(CODES))
    assert suite.get("failures") == str(sum(c.severity == "error" for c in CODES.values()))
    assert len({i["fingerprint"] for i in json.loads(render("gitlab", every_code()))}) == len(CODES)


SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.mark.parametrize("command", ["check", "convert"])
@pytest.mark.parametrize("name", ["sarif", "junit", "gitlab"])
def test_the_cli_writes_each_format_with_the_findings_exit_code(tmp_path: Path, command: str, name: str) -> None:
    from click.testing import CliRunner

    from ftprep.cli import cli

    args = [command, str(SAMPLES / "chat_broken.jsonl"), "--format", name, "--isolated"]
    if command == "convert":
        args += ["-o", str(tmp_path / "out.jsonl")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    if name == "sarif":
        log = json.loads(result.output)
        assert not list(sarif_validator().iter_errors(log))
        assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"D002"}
    elif name == "junit":
        assert int(ET.fromstring(result.output).get("failures", "0")) > 0
    else:
        assert {issue["check_name"] for issue in json.loads(result.output)} >= {"D002"}
