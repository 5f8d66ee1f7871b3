"""Golden files: each case folder holds an input beside its expected JSON report.

    tests/golden/<CODE>-<slug>/input.<ext>   (or input/ for image sets)
    tests/golden/<CODE>-<slug>/args.json     (optional: keyword arguments of ftprep.check)
    tests/golden/<CODE>-<slug>/expected.json (the JSON report, paths relative to the case)

Every case runs through the library and through the CLI, and its rows run
through both the fast path and the explain path. FTPREP_UPDATE_GOLDEN=1
rewrites expected.json (review the diff before committing).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

import ftprep
from remote_cases import golden_source  # remote cases: args.json "serve" (URL) or "hub" (fake Hub repo)
from ftprep.cli import main

HERE = Path(__file__).parent / "golden"
CASES = sorted(p for p in HERE.iterdir() if p.is_dir()) if HERE.exists() else []


def case_input(case: Path) -> str:
    found = sorted(p.name for p in case.iterdir() if p.name.startswith("input"))
    assert found, f"{case} has no input"
    return found[0]


def case_args(case: Path) -> dict:
    p = case / "args.json"
    return json.loads(p.read_text()) if p.exists() else {}


def run_case(case: Path) -> dict:
    old = os.getcwd()
    os.chdir(case)
    try:
        args = case_args(case)
        args.setdefault("min_rows", 1)
        if args.pop("convert", False):  # codes only convert gives: its report is the golden
            with tempfile.TemporaryDirectory() as out:
                return ftprep.convert(case_input(case), os.path.join(out, "o.jsonl"), **args).report.to_json()
        with golden_source(case, case_input(case), args) as (source, kwargs, normalize):
            return normalize(ftprep.check(source, **kwargs).to_json())
    finally:
        os.chdir(old)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_library(case: Path) -> None:
    got = run_case(case)
    expected_path = case / "expected.json"
    if os.environ.get("FTPREP_UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(expected_path.read_text())
    assert got == expected
    code = case.name.split("-")[0]
    assert code in {d["code"] for f in got["files"] for d in f["diagnostics"]}, f"{case.name} does not show {code}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_cli(case: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                    tmp_path: Path) -> None:
    monkeypatch.chdir(case)
    args = case_args(case)
    convert = args.pop("convert", False)
    with golden_source(case, case_input(case), args) as (source, args, normalize):
        argv = ["check", source, "--format", "json", "--isolated"]
        if convert:
            argv = ["convert", source, "-o", str(tmp_path / "o.jsonl"), "--format", "json", "--isolated"]
        args.setdefault("min_rows", 1)
        for key, value in args.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                argv.append(flag)
            elif isinstance(value, list):  # a repeatable option: the flag once per value
                argv += [a for v in value for a in (flag, str(v))]
            elif value not in (False, None):
                argv += [flag, str(value)]
        code = main(argv)
        out = normalize(json.loads(capsys.readouterr().out))
        if convert:
            out = out["report"]
    assert out == json.loads((case / "expected.json").read_text())
    assert code == (1 if out["summary"]["errors"] else 0)


def test_every_code_has_a_golden_case() -> None:
    covered = {c.name.split("-")[0] for c in CASES}
    missing = sorted(set(ftprep.CODES) - covered)
    assert not missing, f"codes without a golden case: {missing}"
