"""Rule selection as ruff's (--select, --ignore, --extend-select, per-file
ignores), the CI switches (--exit-zero, --statistics, --quiet, --output-file)
and the baseline (--write-baseline, --baseline)."""

from __future__ import annotations

import re

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import cli
from ftprep.core.selection import Selection, patterns, resolved, statistics

# Four findings: V002 (error, row 0), D001 (warning, row 2 repeats row 1), V001 (error, row 3), D002 (file).
ROWS = ['{"instruction": "", "output": "a"}', '{"instruction": "q", "output": "a"}',
        '{"instruction": "q", "output": "a"}', '{"instruction": "q2"}']


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def codes_of(out: str) -> list[str]:
    return [d["code"] for f in json.loads(out)["files"] for d in f["diagnostics"]]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join(ROWS) + "\n")
    return p


# -- the library ---------------------------------------------------------------
def test_patterns_are_codes_prefixes_or_names() -> None:
    assert patterns("C, D001,,") == ("C", "D001")
    assert patterns(["C,D", "V001"]) == ("C", "D", "V001")
    assert resolved("c01") == "C01" and resolved("system-dropped") == "C013" and resolved("ALL") == ""
    with pytest.raises(ValueError, match="unknown code 'C99'; did you mean"):
        resolved("C99")


def test_the_more_specific_pattern_wins_and_ignore_wins_a_tie() -> None:
    s = Selection.of(select="C013", ignore="C")
    assert s.chosen("C013") and not s.chosen("C014")
    s = Selection.of(select="C", ignore="C013")
    assert s.chosen("C014") and not s.chosen("C013")
    assert not Selection.of(select="C013", ignore="system-dropped").chosen("C013")
    assert Selection.of(select="C", extend_select="D001").chosen("D001")
    assert not Selection.of(select="C").chosen("D001")
    assert Selection.of().everything and Selection.of(ignore="ALL").chosen("D001") is False


def test_check_selects_in_the_library(data: Path) -> None:
    full = ftprep.check(data, min_rows=1)
    assert sorted(full.codes()) == ["D001", "V001", "V002"] and full.errors == 2
    only = ftprep.check(data, min_rows=1, select=["V"], ignore="empty-value")
    assert only.codes() == ["V001"] and only.errors == 1 and only.warnings == 0
    assert ftprep.check(data, min_rows=1, ignore="V").ok  # errors deselected: the report passes
    with pytest.raises(ValueError, match="did you mean"):
        ftprep.check(data, select="V0001")
    with pytest.raises(ValueError, match="must be codes"):
        ftprep.check(data, ignore=3)  # type: ignore[arg-type]


def test_deselected_codes_leave_the_counts_not_shown(tmp_path: Path) -> None:
    p = tmp_path / "many.jsonl"
    p.write_text('{"instruction": "", "output": "a"}\n' * 5 + '{"instruction": "x"}\n')
    kept = ftprep.check(p, min_rows=1, max_per_code=1)
    assert kept.files[0].dropped and kept.errors > 2
    gone = ftprep.check(p, min_rows=1, max_per_code=1, ignore="V002,D001")
    assert gone.files[0].dropped == {} and gone.errors == 1 and gone.codes() == ["V001"]


def test_per_file_ignores_in_the_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "old").mkdir()
    for name in ("old/a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text("\n".join(ROWS) + "\n")
    monkeypatch.chdir(tmp_path)
    r = ftprep.check(["old/a.jsonl", "b.jsonl"], min_rows=1, per_file_ignores={"old/*.jsonl": ["V"]})
    assert [sorted(d.code for d in f.diagnostics) for f in r.files] == [["D001"], ["D001", "V001", "V002"]]
    r = ftprep.check(["old/a.jsonl", "b.jsonl"], min_rows=1, per_file_ignores={"b.jsonl": "D"})
    assert [sorted(d.code for d in f.diagnostics) for f in r.files] == [["D001", "V001", "V002"], ["V001", "V002"]]


def test_statistics_count_rows_most_first(data: Path) -> None:
    data.write_text("\n".join(ROWS + ['{"instruction": "", "output": "b"}']) + "\n")
    assert statistics(ftprep.check(data, min_rows=1)) == [(2, "V002"), (1, "D001"), (1, "V001")]


# -- the command line ----------------------------------------------------------
def test_select_ignore_and_exit_codes(data: Path) -> None:
    code, out, _ = run("check", str(data), "--min-rows", "1", "--format", "json")
    assert code == 1 and sorted(codes_of(out)) == ["D001", "V001", "V002"]
    code, out, _ = run("check", str(data), "--min-rows", "1", "--format", "json", "--select", "D")
    assert code == 0 and codes_of(out) == ["D001"] and json.loads(out)["summary"]["errors"] == 0
    code, out, _ = run("check", str(data), "--min-rows", "1", "--format", "json", "--select", "D",
                       "--extend-select", "missing-value")
    assert code == 1 and codes_of(out) == ["D001", "V001"]
    code, out, _ = run("check", str(data), "--min-rows", "1", "--format", "json", "--ignore", "V001,V002")
    assert code == 0 and codes_of(out) == ["D001"]


def test_an_unknown_code_is_a_usage_error_with_did_you_mean(data: Path) -> None:
    code, _, err = run("check", str(data), "--ignore", "sytem-dropped")
    assert code == 2 and "unknown code 'sytem-dropped'; did you mean" in err and "C013" in err


def test_exit_zero(data: Path) -> None:
    code, out, _ = run("check", str(data), "--min-rows", "1", "--exit-zero")
    assert code == 0 and "FAILED" in out and "V001" in out
    assert run("check", str(data), "--exit-zero", "--select", "nope")[0] == 2  # a usage error stays one
    assert run("check", str(data.parent / "absent.jsonl"), "--exit-zero")[0] == 2


def test_statistics_switch(data: Path) -> None:
    code, out, _ = run("check", str(data), "--statistics")
    assert code == 1
    assert out.splitlines() == ["1 D001 duplicate-row", "1 D002 too-few-rows", "1 V001 missing-value",
                                "1 V002 empty-value"]
    code, out, _ = run("check", str(data), "--statistics", "--format", "json", "--select", "V")
    assert [(s["code"], s["count"], s["severity"]) for s in json.loads(out)] == [("V001", 1, "error"),
                                                                                ("V002", 1, "error")]


def test_quiet_drops_the_summary(data: Path) -> None:
    code, out, _ = run("check", str(data), "--min-rows", "1", "-q")
    assert code == 1 and "V001" in out and "FAILED" not in out
    # As ruff -q: only the findings' lines, each `path:line: CODE [severity] ...` (no per-file header).
    assert out.splitlines() and all(re.match(r"^[^:]+:\d+(:\d+)?: [A-Z]\d{3} \[", ln) for ln in out.splitlines())
    assert "FAILED" in run("check", str(data), "--min-rows", "1")[1]


def test_output_file(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run("check", str(data), "--min-rows", "1", "--format", "json", "--output-file", str(target))
    assert code == 1 and out == "" and sorted(codes_of(target.read_text())) == ["D001", "V001", "V002"]
    before = data.read_bytes()
    code, out, err = run("check", str(data), "--output-file", str(data))
    assert code == 2 and "would destroy the input" in err and data.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl", "report.json"]  # no temporary left


def test_config_selects_and_ignores_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "data" / "legacy").mkdir(parents=True)
    for name in ("data/legacy/old.jsonl", "data/new.jsonl"):
        (tmp_path / name).write_text("\n".join(ROWS) + "\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ftprep]\nmin-rows = 1\nignore = ["D001"]\n\n'
        '[tool.ftprep.per-file-ignores]\n"data/legacy/*.jsonl" = ["V002", "missing-value"]\n')
    monkeypatch.chdir(tmp_path / "data")  # the globs are the config folder's, wherever ftprep runs
    code, out, _ = run("check", "legacy/old.jsonl", "new.jsonl", "--format", "json")
    files = json.loads(out)["files"]
    assert code == 1 and [sorted(d["code"] for d in f["diagnostics"]) for f in files] == [[], ["V001", "V002"]]
    code, out, _ = run("check", "legacy/old.jsonl", "--format", "json")
    assert code == 0 and codes_of(out) == []
    code, out, _ = run("check", "legacy/old.jsonl", "--format", "json", "--isolated", "--min-rows", "1")
    assert code == 1 and sorted(codes_of(out)) == ["D001", "V001", "V002"]


def test_a_bad_config_code_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ftprep.toml").write_text('[per-file-ignores]\n"*.jsonl" = ["Z9"]\n')
    (tmp_path / "d.jsonl").write_text("\n".join(ROWS) + "\n")
    code, _, err = run("check", str(tmp_path / "d.jsonl"))
    assert code == 2 and "unknown code 'Z9'" in err
