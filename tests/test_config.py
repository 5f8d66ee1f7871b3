"""[tool.ftprep] in pyproject.toml (or ftprep.toml) supplies options; flags win;
unknown keys are an error."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ftprep.cli import cli


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.output


def project(tmp_path: Path, toml: str, name: str = "pyproject.toml") -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / name).write_text(toml)
    data = tmp_path / "data"
    data.mkdir()
    (data / "d.jsonl").write_text('{"q": "Question?", "a": "Answer."}\n')
    return data / "d.jsonl"


def test_pyproject_supplies_mapping(tmp_path: Path) -> None:
    f = project(tmp_path, '[tool.ftprep]\ntask = "text"\nfield-instruction = "q"\nfield-output = "a"\nmin-rows = 1\n')
    code, out = run("check", str(f), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["files"][0]["task"] == "text" and doc["summary"]["errors"] == 0


def test_cli_flags_win(tmp_path: Path) -> None:
    f = project(tmp_path, '[tool.ftprep]\ntask = "text"\nfield-instruction = "q"\nfield-output = "a"\nmin-rows = 1\n')
    code, out = run("check", str(f), "--field-output", "missing", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and [d["code"] for d in doc["files"][0]["diagnostics"]] == ["S001"]


def test_ftprep_toml(tmp_path: Path) -> None:
    f = project(tmp_path, 'task = "text"\nfield-instruction = "q"\nfield-output = "a"\nmin-rows = 1\n', "ftprep.toml")
    assert run("check", str(f))[0] == 0


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    f = project(tmp_path, '[tool.ftprep]\nfield_instruction = "q"\n')
    code, out = run("check", str(f))
    assert code == 2 and "unknown key 'field_instruction'" in out and "did you mean 'field-instruction'" in out


def test_bad_value_is_an_error(tmp_path: Path) -> None:
    f = project(tmp_path, '[tool.ftprep]\nchat-template = "vicuna"\n')
    code, out = run("check", str(f))
    assert code == 2 and "vicuna" in out


def test_isolated_ignores_config(tmp_path: Path) -> None:
    f = project(tmp_path, '[tool.ftprep]\ntask = "text"\nfield-instruction = "q"\nfield-output = "a"\n')
    code, out = run("check", str(f), "--isolated", "--format", "json")
    assert code == 1 and json.loads(out)["files"][0]["diagnostics"][0]["code"] == "S004"


def test_search_stops_at_git_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ftprep]\ntask = "text"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "d.jsonl").write_text('{"q": "x"}\n')
    code, out = run("check", str(repo / "d.jsonl"), "--format", "json")
    assert json.loads(out)["files"][0]["task"] is None  # the outer config was not used


def test_explicit_config_file(tmp_path: Path) -> None:
    f = project(tmp_path, "")
    cfg = tmp_path / "other.toml"
    cfg.write_text('[tool.ftprep]\ntask = "text"\nfield-instruction = "q"\nfield-output = "a"\nmin-rows = 1\n')
    cfg_named = tmp_path / "pyproject.toml"
    cfg_named.write_text(cfg.read_text())
    assert run("check", str(f), "--config", str(cfg_named))[0] == 0
