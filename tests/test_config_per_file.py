"""The nearest config applies to each input file; --show-settings says which and
where every value came from; the chat template follows the model's family; a
misspelled choice gets "did you mean"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import cli
from ftprep.core.suggestion import closest
from ftprep.templates import TEMPLATES, for_model

CHAT_OK = '{"conversations": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}\n'
# chatml takes two user turns in a row; gemma3 raises on them (C012).
TWO_USER_TURNS = ('{"conversations": [{"role": "user", "content": "Hi?"}, {"role": "user", "content": "Hm?"}, '
                  '{"role": "assistant", "content": "Hello."}]}\n')


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.output


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo with a/ (ftprep.toml: min-rows 1), b/ (pyproject: min-rows 5) and a top file with no config."""
    (tmp_path / ".git").mkdir()
    for folder, name, toml in (("a", "ftprep.toml", 'min-rows = 1\ntask = "chat"\n'),
                               ("b", "pyproject.toml", '[tool.ftprep]\nmin-rows = 5\n')):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(toml)
        (tmp_path / folder / "d.jsonl").write_text(CHAT_OK)
    (tmp_path / "top.jsonl").write_text(CHAT_OK)
    return tmp_path


def codes_by_file(out: str) -> dict[str, list[str]]:
    return {Path(f["path"]).parent.name + "/" + Path(f["path"]).name: [d["code"] for d in f["diagnostics"]]
            for f in json.loads(out)["files"]}


def test_each_file_gets_its_own_folders_config(repo: Path) -> None:
    code, out = run("check", str(repo / "a" / "d.jsonl"), str(repo / "b" / "d.jsonl"), "--format", "json")
    assert code == 0
    assert codes_by_file(out) == {"a/d.jsonl": [], "b/d.jsonl": ["D002"]}  # 1 row: below b's 5, not a's 1
    doc = json.loads(out)
    assert [f["task_inferred"] for f in doc["files"]] == [False, True]  # a's config names the task
    assert "minimum is 5" in doc["files"][1]["diagnostics"][0]["message"]


def test_a_flag_wins_over_every_files_config(repo: Path) -> None:
    code, out = run("check", str(repo / "a" / "d.jsonl"), str(repo / "b" / "d.jsonl"), "--min-rows", "2",
                    "--format", "json")
    assert code == 0 and codes_by_file(out) == {"a/d.jsonl": ["D002"], "b/d.jsonl": ["D002"]}


def test_explicit_config_and_isolated_apply_to_all_files(repo: Path) -> None:
    files = [str(repo / "a" / "d.jsonl"), str(repo / "b" / "d.jsonl")]
    _, out = run("check", *files, "--config", str(repo / "a" / "ftprep.toml"), "--format", "json")
    assert codes_by_file(out) == {"a/d.jsonl": [], "b/d.jsonl": []}
    _, out = run("check", *files, "--isolated", "--format", "json")
    assert codes_by_file(out) == {"a/d.jsonl": ["D002"], "b/d.jsonl": ["D002"]}
    assert "minimum is 8,000" in json.loads(out)["files"][0]["diagnostics"][0]["message"]


def test_files_keep_their_order_within_a_config(repo: Path) -> None:
    (repo / "a" / "e.jsonl").write_text(CHAT_OK)
    _, out = run("check", str(repo / "a" / "d.jsonl"), str(repo / "top.jsonl"), str(repo / "a" / "e.jsonl"),
                 "--format", "json")
    assert list(codes_by_file(out)) == ["a/d.jsonl", "a/e.jsonl", f"{repo.name}/top.jsonl"]


def shown(out: str) -> dict[str, tuple[str, dict[str, tuple[str, str]]]]:
    """--show-settings text: path -> (config, {key: (value, source)}); the paths
    of a group share the settings lines that follow them."""
    found: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {}
    heads: list[str] = []
    for line in out.splitlines():
        if not line.startswith(" "):
            path, config = line.split(": config ")
            if heads and found[heads[-1]][1]:
                heads = []
            heads.append(path)
            found[path] = (config, {})
            continue
        key, value, source = re.fullmatch(r"  (\S+) += (.*)  \((\w+)\)", line).groups()  # type: ignore[union-attr]
        for path in heads:
            found[path][1][key] = (value, source)
    return found


def test_show_settings_text(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, out = run("check", "a/d.jsonl", "b/d.jsonl", "top.jsonl", "missing.jsonl", "--strict", "--show-settings")
    assert code == 0 and "D002" not in out and "OK" not in out  # nothing checked, the missing file no error
    got = shown(out)
    assert list(got) == ["a/d.jsonl", "b/d.jsonl", "top.jsonl", "missing.jsonl"]
    assert got["a/d.jsonl"][0] == "a/ftprep.toml" and got["b/d.jsonl"][0] == "b/pyproject.toml"
    assert got["top.jsonl"][0] == got["missing.jsonl"][0] == "none (the defaults)"
    a, b, top = got["a/d.jsonl"][1], got["b/d.jsonl"][1], got["top.jsonl"][1]
    assert a["min-rows"] == ("1", "config") and a["task"] == ('"chat"', "config")
    assert b["min-rows"] == ("5", "config") and b["task"] == ("null", "default")
    assert top["min-rows"] == ("8000", "default") and got["missing.jsonl"][1] == top
    assert a["strict"] == b["strict"] == top["strict"] == ("true", "flag")


def test_show_settings_json(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    (repo / "a" / "ftprep.toml").write_text('min-rows = 1\nmodel = "google/gemma-3-4b-it"\n')
    code, out = run("check", "a/d.jsonl", "top.jsonl", "--show-settings", "--format", "json", "--max-seq-len", "99")
    assert code == 0
    files = json.loads(out)["files"]
    assert [(f["path"], f["config"]) for f in files] == [("a/d.jsonl", str(Path("a/ftprep.toml"))),
                                                         ("top.jsonl", None)]
    a, top = files[0]["settings"], files[1]["settings"]
    assert a["min-rows"] == {"value": 1, "source": "config"}
    assert a["model"] == {"value": "google/gemma-3-4b-it", "source": "config"}
    assert a["chat-template"] == {"value": "gemma3", "source": "model"}
    assert a["max-seq-len"] == top["max-seq-len"] == {"value": 99, "source": "flag"}
    assert top["chat-template"] == {"value": None, "source": "default"}
    assert set(a) == set(top) and "format" not in a  # the check's options, by their config keys


@pytest.mark.parametrize("model,template", [
    ("Qwen/Qwen3-8B", "qwen3"), ("Qwen/Qwen2.5-7B-Instruct", "chatml"),
    ("meta-llama/Llama-3.1-8B-Instruct", "llama3"), ("unsloth/Llama-3.2-1B-Instruct", "llama3"),
    ("mistralai/Mistral-Nemo-Instruct-2407", "mistral_v3_tekken"),
    ("mistralai/Mistral-7B-Instruct-v0.3", "mistral_v3_tekken"),
    ("deepseek-ai/DeepSeek-V3", "deepseek_v3"), ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek_v3"),
    ("microsoft/phi-4", "phi_4"), ("google/gemma-3-4b-it", "gemma3"),
    # Families none of the seven templates fits, or unknown: nothing is guessed.
    ("microsoft/Phi-4-mini-instruct", None), ("meta-llama/Llama-2-7b-chat-hf", None),
    ("nvidia/Nemotron-Mini-4B-Instruct", None), ("EleutherAI/pythia-1b", None),
])
def test_template_for_model(model: str, template: str | None) -> None:
    assert for_model(model) == template
    assert template is None or template in TEMPLATES


def test_check_infers_the_template_and_says_so(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(TWO_USER_TURNS)
    plain = ftprep.check(str(p), task="chat", min_rows=1)
    assert plain.codes() == [] and "notes" not in plain.to_json()
    report = ftprep.check(str(p), task="chat", min_rows=1, model="google/gemma-3-4b-it")
    assert report.codes() == ["C012"]
    (note,) = report.to_json()["notes"]
    assert (note["option"], note["value"], note["source"]) == ("chat_template", "gemma3", "model")
    code, out = run("check", str(p), "--task", "chat", "--min-rows", "1", "--model", "google/gemma-3-4b-it")
    assert code == 1 and "C012" in out and "note: chat template gemma3 inferred from model google/gemma-3-4b-it" in out


def test_a_given_template_wins_and_an_unknown_model_is_said(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(TWO_USER_TURNS)
    given = ftprep.check(str(p), task="chat", min_rows=1, model="google/gemma-3-4b-it", chat_template="chatml")
    assert given.codes() == [] and "whose template is gemma3; checking with chatml" in given.notes[0]["message"]
    unknown = ftprep.check(str(p), task="chat", min_rows=1, model="EleutherAI/pythia-1b")
    assert unknown.codes() == [] and unknown.notes[0]["value"] is None
    assert "no chat template inferred" in unknown.notes[0]["message"]
    assert ftprep.check(str(p), task="chat", min_rows=1, model="Qwen/Qwen3-8B",
                        chat_template="qwen3").notes == []  # the family's own: nothing to say


def test_submit_names_and_checks_the_inferred_template(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(TWO_USER_TURNS)
    stopped = ftprep.submit(str(p), name="r", task="chat", model="google/gemma-3-4b-it", hours=1, repo="a/d",
                            dry_run=True, min_rows=1)
    assert stopped.state == "stopped" and stopped.report.codes() == ["C012"]
    assert stopped.report.notes[0]["value"] == "gemma3"
    p.write_text(CHAT_OK)
    plan = ftprep.submit(str(p), name="r", task="chat", model="google/gemma-3-4b-it", hours=1, repo="a/d",
                         dry_run=True, min_rows=1)
    assert plan.state == "dry-run" and plan.request["chatTemplate"] == "gemma3"
    text = ftprep.submit(name="r", task="text", model="google/gemma-3-4b-it", hours=1, repo="a/d", dry_run=True)
    assert "chatTemplate" not in text.request and not any("inferred" in w for w in text.warnings)
    bare = ftprep.submit(name="r", task="chat", model="google/gemma-3-4b-it", hours=1, repo="a/d", dry_run=True)
    assert bare.request["chatTemplate"] == "gemma3" and any("inferred from model" in w for w in bare.warnings)


@pytest.mark.parametrize("typo,meant", [("gemma", "gemma3"), ("qwen", "qwen3"), ("mistral", "mistral_v3_tekken"),
                                        ("phi4", "phi_4"), ("llama", "llama3"), ("Deepseek", "deepseek_v3")])
def test_a_misspelled_template_gets_did_you_mean(typo: str, meant: str, tmp_path: Path) -> None:
    assert closest(typo, TEMPLATES) == meant
    p = tmp_path / "d.jsonl"
    p.write_text(CHAT_OK)
    with pytest.raises(ValueError, match=re.escape(f"unknown chat template {typo!r}; choose from chatml") + ".*"
                       + re.escape(f"did you mean {meant!r}?")):
        ftprep.check(str(p), chat_template=typo)
    code, out = run("check", str(p), "--chat-template", typo)
    assert code == 2 and f"did you mean {meant!r}?" in out


def test_nothing_close_gets_no_guess(tmp_path: Path) -> None:
    assert closest("vicuna", TEMPLATES) is None and closest("", TEMPLATES) is None
    p = tmp_path / "d.jsonl"
    p.write_text(CHAT_OK)
    code, out = run("check", str(p), "--chat-template", "vicuna")
    assert code == 2 and "did you mean" not in out


def test_a_misspelled_value_in_a_config_file_gets_did_you_mean(repo: Path) -> None:
    (repo / "a" / "ftprep.toml").write_text('chat-template = "gemma"\n')
    code, out = run("check", str(repo / "a" / "d.jsonl"))
    assert code == 2 and "invalid chat-template 'gemma'" in out and "did you mean 'gemma3'?" in out


def test_a_model_in_a_config_names_that_folders_template(repo: Path) -> None:
    (repo / "a" / "ftprep.toml").write_text('min-rows = 1\ntask = "chat"\nmodel = "google/gemma-3-4b-it"\n')
    (repo / "b" / "pyproject.toml").write_text('[tool.ftprep]\nmin-rows = 1\ntask = "chat"\n')
    for folder in ("a", "b"):
        (repo / folder / "d.jsonl").write_text(TWO_USER_TURNS)
    code, out = run("check", str(repo / "a" / "d.jsonl"), str(repo / "b" / "d.jsonl"), "--format", "json")
    assert code == 1 and codes_by_file(out) == {"a/d.jsonl": ["C012"], "b/d.jsonl": []}  # b: chatml's rules
    assert [n["value"] for n in json.loads(out)["notes"]] == ["gemma3"]
    # A flag beats the config's model: chatml's rules, and the note says it is not the family's.
    code, out = run("check", str(repo / "a" / "d.jsonl"), "--chat-template", "chatml", "--format", "json")
    (note,) = json.loads(out)["notes"]
    assert code == 0 and (note["value"], note["source"]) == ("chatml", "given")


def test_show_settings_isolated_names_no_config(repo: Path) -> None:
    code, out = run("check", str(repo / "a" / "d.jsonl"), "--isolated", "--show-settings", "--format", "json")
    (entry,) = json.loads(out)["files"]
    assert code == 0 and entry["config"] is None and entry["settings"]["min-rows"] == {"value": 8000,
                                                                                       "source": "default"}


@pytest.mark.parametrize("flag,typo,meant", [("--format", "jsn", "json"), ("--task", "chta", "chat")])
def test_every_choice_flag_gets_did_you_mean(flag: str, typo: str, meant: str, tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(CHAT_OK)
    code, out = run("check", str(p), flag, typo)
    assert code == 2 and f"did you mean {meant!r}?" in out
