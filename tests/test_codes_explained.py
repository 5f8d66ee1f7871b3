"""`ftprep codes CODE` explains one code (as `ruff rule F401` does), and every
code of the registry has a complete explanation."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ftprep.cli import cli
from ftprep.core.codes import CODES
from ftprep.core.explanations import EXPLANATIONS, explain, lookup, suggestions


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_every_code_has_a_complete_explanation() -> None:
    assert set(EXPLANATIONS) == set(CODES)
    for code, e in EXPLANATIONS.items():
        assert e.code == code
        for part in ("meaning", "why", "example", "fix"):
            text = getattr(e, part)
            assert text == text.strip() and len(text) >= (5 if part == "example" else 20), (code, part)
        assert e.meaning != CODES[code].summary, code  # says more than the one-line summary


def test_explanations_are_not_copies_of_each_other() -> None:
    for part in ("meaning", "why"):
        texts = [getattr(e, part) for e in EXPLANATIONS.values()]
        assert len(set(texts)) == len(texts), part


def test_json_examples_are_json() -> None:
    """An example written as records (no elision, no option before it) parses, line by line."""
    checked = 0
    for code, e in EXPLANATIONS.items():
        if code in ("P001", "P003"):  # the broken JSON is the point
            continue
        if e.example[:1] in "{[" and "..." not in e.example and "<byte" not in e.example:
            for line in e.example.splitlines():
                json.loads(line)
            checked += 1
    assert checked >= 30


def test_lookup_by_code_or_name() -> None:
    assert lookup("c013") == lookup("C013") == lookup("system-dropped") == "C013"
    assert lookup("C999") is None
    assert explain("system-dropped").code == "C013"
    with pytest.raises(KeyError):
        explain("nope")


@pytest.mark.parametrize(("query", "close"), [("C0133", "C013"), ("system-droped", "C013"), ("over-lenght", "T001")])
def test_did_you_mean(query: str, close: str) -> None:
    assert close in suggestions(query)


def test_cli_explains_one_code() -> None:
    code, out = run("codes", "C013")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "C013 system-dropped (warning, stage template)"
    assert lines[1] == "  " + CODES["C013"].summary
    for heading in ("What it means", "Why the trainer cares (template: ", "Example", "Fix"):
        assert any(line.startswith(heading) for line in lines), heading
    assert "mistral_v3_tekken" in out


def test_cli_explains_one_code_as_json() -> None:
    code, out = run("codes", "t001", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["code"] == "T001" and doc["name"] == "over-length" and doc["stage"] == "train"
    assert set(doc) == {"code", "name", "severity", "stage", "summary", "meaning", "why", "example", "fix"}
    assert doc["fix"] == EXPLANATIONS["T001"].fix


def test_cli_unknown_code_is_a_usage_error_with_did_you_mean() -> None:
    code, out = run("codes", "C0133")
    assert code == 2
    assert "unknown code 'C0133'; did you mean C013" in out
    code, out = run("codes", "X999")
    assert code == 2 and "unknown code 'X999'" in out and "did you mean" not in out


def test_cli_without_a_code_still_lists_every_code() -> None:
    code, out = run("codes")
    assert code == 0
    assert [ln.split()[0] for ln in out.splitlines()] == list(CODES)
    assert out.splitlines()[0] == "P001  invalid-json             error    A record is not valid JSON."
