"""The CLI: exit codes, formats, messages without tracebacks, and the same
behaviour through click's runner and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ftprep.cli import cli, main

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "sample_data"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_good_sample_exits_0() -> None:
    code, out = run("check", str(SAMPLES / "chat_good.jsonl"), "--min-rows", "1", "--isolated")
    assert code == 0, out
    assert "task chat (inferred)" in out
    assert out.rstrip().endswith("OK: 1 file(s), 12 rows, 0 error(s), 0 warning(s)")


def test_broken_sample_exits_1_with_locations() -> None:
    code, out = run("check", str(SAMPLES / "chat_broken.jsonl"), "--isolated")
    assert code == 1
    assert f"{SAMPLES / 'chat_broken.jsonl'}:5:56: P001 [error] invalid JSON" in out
    assert "C004 [error] message 0 and 1 more have no 'role'/'content' keys" in out


def test_warnings_alone_exit_0_and_strict_makes_them_errors(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text('{"prompt": "P", "chosen": "same", "rejected": "same"}\n')
    assert run("check", str(p), "--min-rows", "1", "--isolated")[0] == 0
    code, out = run("check", str(p), "--min-rows", "1", "--strict", "--isolated")
    assert code == 1 and "1 error(s), 0 warning(s)" in out


@pytest.mark.parametrize("args", [
    ["check", "no/such/file.jsonl"],
    ["check", "README.md"],
    ["check", "sample_data/chat_good.jsonl", "--no-such-option"],
    ["check", "sample_data/chat_good.jsonl", "--task", "poetry"],
    ["check"],
    ["convert", "sample_data/chat_good.jsonl", "-o", "out.txt"],
])
def test_usage_and_io_errors_exit_2_without_traceback(args: list[str], capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_json_format_is_the_versioned_contract() -> None:
    code, out = run("check", str(SAMPLES / "dpo_broken.jsonl"), "--format", "json", "--isolated")
    doc = json.loads(out)
    assert code == 1 and doc["version"] == 2
    assert set(doc["summary"]) == {"files", "rows", "errors", "warnings"}
    f = doc["files"][0]
    assert {"path", "task", "rows", "diagnostics"} <= set(f)
    for d in f["diagnostics"]:
        assert set(d) == {"code", "severity", "message", "path", "line", "row", "field", "hint", "stage",
                          "count", "lines", "rows", "first_line", "first_row"}
        assert d["count"] >= 1 and d["lines"] == ([] if d["line"] is None else [d["line"]])
        assert d["severity"] in ("error", "warning")


def test_github_format() -> None:
    code, out = run("check", str(SAMPLES / "dpo_broken.jsonl"), "--format", "github", "--isolated", "--min-rows", "1")
    lines = out.splitlines()
    assert any(ln.startswith("::warning file=") and ",line=2,title=V005 identical-pair::" in ln for ln in lines)
    assert any(ln.startswith("::error file=") and ",line=3,title=V003 not-text::" in ln for ln in lines)


def test_github_is_the_default_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out = run("check", str(SAMPLES / "dpo_broken.jsonl"), "--isolated")
    assert out.startswith("::")


def test_several_paths_and_globs_make_one_report() -> None:
    code, out = run("check", str(SAMPLES / "*_good.jsonl"), "--format", "json", "--isolated", "--min-rows", "1")
    doc = json.loads(out)
    assert code == 0
    assert sorted(f["task"] for f in doc["files"]) == ["chat", "dpo", "grpo", "text"]


def test_convert_command(tmp_path: Path) -> None:
    out_file = tmp_path / "train.jsonl"
    code, out = run("convert", str(SAMPLES / "text_broken.csv"), "-o", str(out_file), "--isolated")
    assert code == 1 and not out_file.exists()
    code, out = run("convert", str(SAMPLES / "text_broken.csv"), "-o", str(out_file), "--drop-invalid", "--isolated")
    assert code == 0 and out_file.exists()
    assert "wrote 2 rows" in out and "dropped 2 invalid" in out
    assert [json.loads(x)["instruction"] for x in out_file.read_text().splitlines()] == [
        "Translate to French\n\nGood morning", "Translate to French\n\nGood morning"]


def test_codes_command_lists_every_code() -> None:
    from ftprep.core.codes import CODES

    code, out = run("codes")
    assert code == 0
    assert [ln.split()[0] for ln in out.splitlines()] == list(CODES)


def test_subprocess_entry_points(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    good = subprocess.run([sys.executable, "-m", "ftprep", "check", str(SAMPLES / "text_good.jsonl"), "--min-rows", "1"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run([sys.executable, "-m", "ftprep", "check", str(SAMPLES / "text_broken.csv")],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert bad.returncode == 1 and "V002" in bad.stdout
    missing = subprocess.run([sys.executable, "-m", "ftprep", "check", "nope.jsonl"],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr


def test_every_command_has_help() -> None:
    from ftprep.cli import LazyGroup

    import click

    ctx = click.Context(cli)
    for name in LazyGroup.list_commands(cli, ctx):  # type: ignore[arg-type]
        code, out = run(name, "--help")
        assert code == 0 and "Usage:" in out, name


def test_a_folder_of_data_files_checks_each_file() -> None:
    code, out = run("check", str(SAMPLES), "--format", "json", "--isolated", "--min-rows", "1")
    doc = json.loads(out)
    names = sorted(Path(f["path"]).name for f in doc["files"])
    assert names == sorted(p.name for p in SAMPLES.rglob("*")  # sub-folders too (sample_data/quality)
                           if p.suffix in (".jsonl", ".csv", ".json") and p.name != "tokenizer.json")
    assert "tokenizer.json" not in names  # beside data, but not data
    assert code == 1  # the broken samples
    code, out = run("check", str(SAMPLES / "images"), "--format", "json", "--isolated")
    assert code == 0 and json.loads(out)["files"][0]["task"] == "image"


def test_an_unwritable_html_path_is_one_line_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(SAMPLES / "chat_good.jsonl"), "--isolated", "--html", str(tmp_path / "no" / "x.html")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write" in err and "Traceback" not in err
