"""The baseline: findings recorded by row content, not line, so that edits
elsewhere leave it and a new or changed bad row is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import cli
from ftprep.core.errors import BaselineError
from ftprep.verbs.baseline import BASELINE_VERSION, apply_baseline, row_key, write_baseline

GOOD = '{{"instruction": "fine {}", "output": "yes"}}'
BAD = ['{"instruction": "", "output": "a"}', '{"instruction": "q", "output": "a"}',
       '{"instruction": "q", "output": "a"}', '{"instruction": "q2"}']


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def write(p: Path, rows: list[str]) -> Path:
    p.write_text("\n".join(rows) + "\n")
    return p


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write(tmp_path / "d.jsonl", [GOOD.format(i) for i in range(3)] + BAD)


def new_codes(data: Path, base: Path) -> tuple[int, list[str], str]:
    code, out, err = run("check", str(data), "--baseline", str(base), "--format", "json", "--min-rows", "1")
    return code, [d["code"] for d in json.loads(out)["files"][0]["diagnostics"]], err


def test_the_file_records_code_key_and_relative_path(data: Path, tmp_path: Path) -> None:
    base = tmp_path / "ci" / "baseline.json"
    base.parent.mkdir()
    code, out, err = run("check", str(data), "--write-baseline", str(base), "--min-rows", "1")
    assert code == 0 and out == "" and "recorded 3 finding(s)" in err
    doc = json.loads(base.read_text())
    assert doc["version"] == BASELINE_VERSION and doc["tool"] == "ftprep"
    by_code = {e["code"]: e for e in doc["findings"]}
    assert set(by_code) == {"V001", "V002", "D001"} and {e["path"] for e in doc["findings"]} == {"../d.jsonl"}
    assert by_code["V002"]["key"] == row_key(json.loads(BAD[0])) and by_code["V002"]["field"] == "instruction"
    assert by_code["D001"]["key"] == by_code["D001"]["first_key"] == row_key(json.loads(BAD[1]))
    assert "line" not in by_code["V001"]


def test_inserting_rows_above_and_editing_others_keeps_it(data: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    assert run("check", str(data), "--write-baseline", str(base), "--min-rows", "1")[0] == 0
    rows = [GOOD.format(f"new {i}") for i in range(5)] + [GOOD.format("edited")] + data.read_text().splitlines()[1:]
    write(data, rows)
    code, found, err = new_codes(data, base)
    assert code == 0 and found == [] and "3 finding(s) in the baseline" in err


def test_a_new_bad_row_is_reported(data: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    run("check", str(data), "--write-baseline", str(base), "--min-rows", "1")
    write(data, data.read_text().splitlines() + ['{"instruction": "", "output": "other"}'])
    code, found, _ = new_codes(data, base)
    assert code == 1 and found == ["V002"]
    code, out, _ = run("check", str(data), "--baseline", str(base), "--min-rows", "1")
    assert f"{data}:8: V002" in out  # the new row, at its line


def test_changing_the_row_itself_reports_it_again(data: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    run("check", str(data), "--write-baseline", str(base), "--min-rows", "1")
    rows = data.read_text().splitlines()
    rows[3] = '{"instruction": "", "output": "a changed answer"}'
    write(data, rows)
    assert new_codes(data, base)[:2] == (1, ["V002"])


def test_a_fixed_row_leaves_the_match_count(data: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    run("check", str(data), "--write-baseline", str(base), "--min-rows", "1")
    rows = data.read_text().splitlines()
    rows[-1] = '{"instruction": "q2", "output": "now answered"}'  # V001 fixed
    write(data, rows)
    report, matched = apply_baseline(ftprep.check(data, min_rows=1), base)
    assert matched == 2 and report.codes() == [] and report.ok
    assert "2 finding(s) in the baseline" in new_codes(data, base)[2]


def test_identical_bad_rows_are_counted(data: Path, tmp_path: Path) -> None:
    """Two copies of a bad row have one key: the baseline accepts as many as it saw."""
    write(data, ['{"instruction": "", "output": "a"}', '{"instruction": "x"}'])
    base = tmp_path / "baseline.json"
    assert write_baseline(ftprep.check(data, min_rows=1, ignore="D001"), base) == 2
    write(data, ['{"instruction": "", "output": "a"}', '{"instruction": "x"}', '{"instruction": "", "output": "a"}'])
    report, matched = apply_baseline(ftprep.check(data, min_rows=1, ignore="D001"), base)
    assert matched == 2 and [(d.code, d.line) for d in report.diagnostics] == [("V002", 3)]


def test_a_csv_row_is_keyed_by_its_content(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("instruction,output\nq,a\n,b\n")
    base = tmp_path / "baseline.json"
    write_baseline(ftprep.check(p, min_rows=1), base)
    p.write_text("instruction,output\nnew,row\nq,a\n,b\n,c\n")
    report, matched = apply_baseline(ftprep.check(p, min_rows=1), base)
    assert matched == 1 and [(d.code, d.line) for d in report.diagnostics] == [("V001", 5)]  # an empty cell is null


def test_a_file_level_finding_is_matched_by_code_and_path(data: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    run("check", str(data), "--write-baseline", str(base))  # D002: fewer rows than the minimum
    write(data, data.read_text().splitlines() + [GOOD.format("more")])
    code, out, _ = run("check", str(data), "--baseline", str(base), "--format", "json")
    assert code == 0 and json.loads(out)["files"][0]["diagnostics"] == []
    code, out, _ = run("check", str(data), "--baseline", str(base), "--format", "json", "--min-rows", "1")
    assert code == 0 and json.loads(out)["summary"] == {"files": 1, "rows": 8, "errors": 0, "warnings": 0}


def test_a_bad_baseline_is_a_usage_error(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    for text, said in (("{", "invalid JSON"), ('{"tool": "other"}', "not an ftprep baseline"),
                       ('{"tool": "ftprep", "version": 99, "findings": []}', "version 99")):
        bad.write_text(text)
        code, _, err = run("check", str(data), "--baseline", str(bad))
        assert code == 2 and said in err, (text, err)
        with pytest.raises(BaselineError):
            apply_baseline(ftprep.check(data), bad)
    code, _, err = run("check", str(data), "--write-baseline", str(data))
    assert code == 2 and "destroy the input" in err and json.loads(data.read_text().splitlines()[0])
    code, _, err = run("check", str(data), "--write-baseline", str(tmp_path / "no" / "such" / "b.json"))
    assert code == 2 and "cannot write" in err
    assert run("check", str(data), "--baseline", str(tmp_path / "absent.json"))[0] == 2


def test_rows_split_across_processes_get_their_own_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big file is checked in parts by several processes: each finding's key is still its own row's."""
    from ftprep.engine import checker, file_scans

    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    pools: list[int] = []
    real = file_scans.scan_parallel

    def counted(*args: object) -> object:
        pools.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(file_scans, "scan_parallel", counted)
    rows = [GOOD.format(i) if i % 97 else f'{{"instruction": "", "output": "row {i}"}}' for i in range(3000)]
    p = write(tmp_path / "big.jsonl", rows)
    report = ftprep.check(p, min_rows=1, workers=2)
    from ftprep.verbs.baseline import baseline_json

    found = {e["key"] for e in baseline_json(report, str(tmp_path))["findings"] if e["code"] == "V002"}
    assert pools and len(found) == 31
    assert found == {row_key(json.loads(r)) for r in rows if '"instruction": ""' in r}
