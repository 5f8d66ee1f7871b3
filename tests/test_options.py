"""One options declaration (ftprep/core/options.py): the click options of every
command, the config keys and the verbs' keyword types are derived from it or
pinned to it; verbs refuse unknown keywords and bad values; flags beat config
beat defaults."""

from __future__ import annotations

import inspect
import json
import re
import typing as t
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import COMMANDS, cli
from ftprep.cli import config as config_file
from ftprep.cli.options import ByteSize
from ftprep.core.keywords import BY_VERB
from ftprep.core.options import (
    DEFAULT_MAX_SEQ_LEN,
    DEFAULT_MIN_ROWS,
    Options,
    declarations,
    for_verb,
)
from ftprep.engine.settings import choices

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "sample_data"


def commands() -> dict[str, click.Command]:
    """Every command by the name the declaration uses ("jobs" for each jobs subcommand)."""
    ctx = click.Context(cli)
    out: dict[str, click.Command] = {}
    for name in COMMANDS:
        cmd = cli.get_command(ctx, name)
        assert cmd is not None, name
        if isinstance(cmd, click.Group):
            out.update({f"{name} {sub}": c for sub, c in cmd.commands.items()})
        else:
            out[name] = cmd
    return out


def test_every_click_option_of_a_declared_option_is_the_declaration() -> None:
    checked = 0
    for full, cmd in commands().items():
        command = full.split()[0]
        params = {p.name: p for p in cmd.params if isinstance(p, click.Option)}
        for decl in declarations():
            if command not in decl.commands:
                continue
            p = params.get(decl.param)
            assert p is not None, f"{full} lacks {decl.flag}"
            assert p.opts == [decl.flag, *([decl.short] if decl.short else [])], (full, p.opts)
            assert p.help == decl.on(command, "help"), (full, decl.name)
            assert p.required == decl.on(command, "required"), (full, decl.name)
            default = ByteSize().convert(p.default, p, None) if decl.kind == "bytes" else p.default
            if decl.kind == "bool":
                assert p.is_flag and default is False, (full, decl.name)
            else:
                assert default == decl.on(command, "default"), (full, decl.name, p.default)
            allowed = decl.on(command, "choices")
            if allowed is not None:
                expected = choices(allowed) if isinstance(allowed, str) else allowed
                assert tuple(p.type.choices) == tuple(expected), (full, decl.name)
            checked += 1
    assert checked > 100  # 9 commands and 6 jobs subcommands, most with many options


def test_a_flag_a_command_does_not_declare_is_another_meaning() -> None:
    """A declared flag on a command the declaration does not list would be a second
    spelling of the option; the one exception is submit's and cost's --hours (the
    hours paid for, required), which are not stats' --hours (a time view)."""
    by_flag = {d.flag: d for d in declarations() if d.flag}
    strays = set()
    for full, cmd in commands().items():
        for p in cmd.params:
            for flag in getattr(p, "opts", []):
                decl = by_flag.get(flag)
                if decl is not None and full.split()[0] not in decl.commands:
                    strays.add((full, flag))
    # submit's --reward-func names functions registered with the API; check's takes files of code
    assert strays == {("submit", "--hours"), ("cost", "--hours"), ("submit", "--reward-func")}


def test_no_declared_default_is_copied_into_the_cli() -> None:
    numbers = {d.default for d in declarations() if isinstance(d.default, int) and not isinstance(d.default, bool)
               and d.default > 1} | {DEFAULT_MAX_SEQ_LEN}
    for path in sorted((ROOT / "ftprep" / "cli").glob("*.py")):
        text = path.read_text()
        found = {int(n.replace("_", "")) for n in re.findall(r"default=([\d_]+)", text)}
        assert not found & numbers, (path.name, found & numbers)
        assert "DEFAULT_MIN_ROWS" not in text and "MAX_URL_BYTES" not in text, path.name


def test_config_keys_are_the_declared_config_options() -> None:
    keys = config_file.keys()
    assert set(keys) == {d.key for d in declarations() if d.config}
    # The keys [tool.ftprep] has always taken, none lost and none added by the move.
    assert set(keys) == {
        "task", "field-instruction", "field-output", "field-conversation", "field-prompt", "field-chosen",
        "field-rejected", "chat-template", "min-rows", "strict", "format", "max-per-code", "workers", "tokenizer",
        "max-seq-len", "image-model", "trigger", "field-caption", "min-pairs", "max-pairs", "drop-invalid",
        # rule selection, as ruff's
        "select", "ignore", "extend-select", "per-file-ignores",
        "model",
        "dataset",  # added with the chat template inferred from the model
        "near-duplicates",  # added with the near-duplicate check
        "reward-func", "reward-time-limit", "reward-memory-limit",  # GRPO reward functions tried before paying
        "reward-sample",  # added with the reward distribution's sample size
        "trainer-split"}  # added with the trainer's own test split
    assert keys["min-rows"] is int and keys["strict"] is bool and keys["task"] is str and keys["tokenizer"] is str


def test_keyword_types_are_pinned_to_the_declaration() -> None:
    hints = t.get_type_hints(Options)
    for verb, typed in BY_VERB.items():
        annotations = t.get_type_hints(typed)
        assert set(annotations) == set(for_verb(verb)), verb
        for name, annotation in annotations.items():
            assert annotation == hints[name], (verb, name)
        assert not typed.__required_keys__, verb  # every option is optional


@pytest.mark.parametrize("verb", sorted(BY_VERB))
def test_each_verb_takes_its_typed_keywords(verb: str) -> None:
    fn = getattr(ftprep, verb)
    (var,) = [p for p in inspect.signature(fn).parameters.values() if p.kind is p.VAR_KEYWORD]
    hint = eval(var.annotation, fn.__globals__)  # only this one: others name TYPE_CHECKING imports
    assert t.get_origin(hint) is t.Unpack and t.get_args(hint) == (BY_VERB[verb],)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    p = tmp_path / "d.jsonl"
    p.write_text('{"instruction": "Question?", "output": "Answer."}\n')
    return p


def calls(data: Path, tmp_path: Path) -> dict[str, t.Callable[..., t.Any]]:
    out = str(tmp_path / "o.jsonl")
    return {
        "check": lambda **kw: ftprep.check(str(data), **kw),
        "convert": lambda **kw: ftprep.convert(str(data), out, **kw),
        "load": lambda **kw: ftprep.load(str(data), **kw),
        "render": lambda **kw: ftprep.render(str(data), **kw),
        "stats": lambda **kw: ftprep.stats(str(data), **kw),
        "push": lambda **kw: ftprep.push(str(data), repo="alice/d", **kw),
        "submit": lambda **kw: ftprep.submit(str(data), name="r", task="text", model="m", hours=1,
                                             repo="alice/d", dry_run=True, **kw),
    }


@pytest.mark.parametrize("verb,keyword", [
    ("check", "bogus"), ("convert", "bogus"), ("load", "bogus"), ("render", "bogus"), ("stats", "bogus"),
    ("push", "bogus"), ("submit", "bogus"),
    # Options of another verb are unknown here too.
    ("check", "drop_invalid"), ("convert", "strict"), ("render", "min_rows"), ("stats", "default_system"),
    ("submit", "task_type"),
])
def test_an_unknown_keyword_raises_type_error(verb: str, keyword: str, data: Path, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=f"{verb}\\(\\) got an unexpected keyword argument '{keyword}'"):
        calls(data, tmp_path)[verb](**{keyword: True})
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("verb,keywords,message", [
    ("check", {"task": "nope"}, "unknown task 'nope'; choose from text, chat"),
    ("check", {"min_rows": -1}, "min_rows must be at least 0, not -1"),
    ("check", {"chat_template": "vicuna"}, "unknown chat template 'vicuna'; choose from chatml, llama3"),
    ("check", {"workers": "2"}, "workers must be a whole number, not '2'"),
    ("check", {"stdin_format": "xml"}, "unknown stdin format 'xml'; choose from jsonl"),
    ("check", {"strict": "yes"}, "strict must be True or False"),
    ("convert", {"max_per_code": 0}, "max_per_code must be at least 1"),
    ("convert", {"image_model": "dalle"}, "unknown image model 'dalle'; choose from flux, sdxl"),
    ("load", {"max_expansion": 0.5}, "max_expansion must be at least 1"),
    ("render", {"rows": 0}, "rows must be at least 1"),
    ("render", {"task": "nope"}, "unknown task 'nope'"),
    ("stats", {"hours": 0}, "hours must be above 0"),
    ("stats", {"max_seq_len": True}, "max_seq_len must be a whole number"),
    ("push", {"min_rows": -5}, "min_rows must be at least 0"),
    ("submit", {"min_rows": -5}, "min_rows must be at least 0"),
])
def test_a_bad_value_raises_value_error(verb: str, keywords: dict, message: str, data: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        calls(data, tmp_path)[verb](**keywords)
    assert not (tmp_path / "o.jsonl").exists()


def test_an_options_object_and_keywords_give_the_same_check(data: Path) -> None:
    by_keywords = ftprep.check(str(data), task="text", min_rows=5).to_json()
    assert ftprep.check(str(data), options=Options(task="text", min_rows=5)).to_json() == by_keywords
    # Keywords override the object; None leaves its value alone.
    assert ftprep.check(str(data), options=Options(task="chat", min_rows=1), task="text", min_rows=5,
                        chat_template=None).to_json() == by_keywords
    assert by_keywords != ftprep.check(str(data), task="text", min_rows=1).to_json()


def test_declared_defaults_are_the_options_defaults() -> None:
    plain = Options()
    for decl in declarations():
        if hasattr(plain, decl.name):
            assert getattr(plain, decl.name) == decl.default, decl.name
    assert plain.min_rows == DEFAULT_MIN_ROWS and plain.max_seq_len is None


def captured(monkeypatch: pytest.MonkeyPatch, module: str, attr: str) -> list[Options]:
    """Replace a verb by a recorder of the Options the CLI hands it."""
    import importlib

    seen: list[Options] = []

    def record(*args: t.Any, options: Options | None = None, **kw: t.Any) -> t.Any:
        assert not set(kw) & {d.name for d in declarations()}, kw  # the options travel only in `options`
        seen.append(options)  # type: ignore[arg-type]
        raise click.exceptions.Exit(0)

    monkeypatch.setattr(importlib.import_module(module), attr, record)
    return seen


def project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "d.jsonl").write_text('{"instruction": "q", "output": "a"}\n')
    return tmp_path / "d.jsonl"


def test_flag_beats_config_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = captured(monkeypatch, "ftprep.verbs.check", "check")
    f = project(tmp_path, '[tool.ftprep]\nmin-rows = 3\ntask = "text"\n')
    runner = CliRunner()
    runner.invoke(cli, ["check", str(f), "--isolated"], catch_exceptions=False)
    runner.invoke(cli, ["check", str(f)], catch_exceptions=False)
    runner.invoke(cli, ["check", str(f), "--min-rows", "5", "--task", "chat"], catch_exceptions=False)
    assert [(o.min_rows, o.task) for o in seen] == [(DEFAULT_MIN_ROWS, None), (3, "text"), (5, "chat")]


def test_a_command_default_beats_nothing_but_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """stats' own default max-seq-len (the evaluation length) gives way to config and flags."""
    seen = captured(monkeypatch, "ftprep.engine.lengths", "stats")
    f = project(tmp_path, "[tool.ftprep]\nmax-seq-len = 100\n")
    runner = CliRunner()
    (tmp_path / "pyproject.toml").rename(tmp_path / "off.toml")
    runner.invoke(cli, ["stats", str(f)], catch_exceptions=False)
    (tmp_path / "off.toml").rename(tmp_path / "pyproject.toml")
    runner.invoke(cli, ["stats", str(f)], catch_exceptions=False)
    runner.invoke(cli, ["stats", str(f), "--max-seq-len", "7"], catch_exceptions=False)
    assert [o.max_seq_len for o in seen] == [DEFAULT_MAX_SEQ_LEN, 100, 7]


def test_a_bad_config_value_is_a_usage_error(tmp_path: Path) -> None:
    f = project(tmp_path, "[tool.ftprep]\nmin-rows = -3\n")
    r = CliRunner().invoke(cli, ["check", str(f), "--format", "json"])
    assert r.exit_code == 2 and "min_rows must be at least 0" in r.output


def test_config_format_reaches_only_the_commands_that_take_it(tmp_path: Path) -> None:
    """`format = "json"` in [tool.ftprep] formats check's report; render keeps its text."""
    f = project(tmp_path, '[tool.ftprep]\nformat = "json"\ntask = "text"\nmin-rows = 1\n')
    runner = CliRunner()
    checked = runner.invoke(cli, ["check", str(f)])
    assert checked.exit_code == 0 and json.loads(checked.output)["summary"]["errors"] == 0
    rendered = runner.invoke(cli, ["render", str(f), "--no-color"])
    assert rendered.exit_code == 0 and rendered.output.startswith(f"{f}: task text")


@pytest.mark.parametrize("argv,module,attr", [
    (["check", "{f}", "--min-rows", "3"], "ftprep.verbs.check", "check"),
    (["convert", "{f}", "-o", "{out}", "--min-rows", "3"], "ftprep.verbs.convert", "convert"),
    (["render", "{f}", "--task", "text"], "ftprep.engine.renderer", "render"),
    (["stats", "{f}", "--task", "text"], "ftprep.engine.lengths", "stats"),
    (["push", "{f}", "--repo", "alice/d", "--min-rows", "3"], "ftprep.verbs.push", "push"),
])
def test_each_command_hands_its_verb_one_options(argv: list[str], module: str, attr: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen = captured(monkeypatch, module, attr)
    f = project(tmp_path, "[tool.ftprep]\nfield-output = \"a\"\n")
    args = [a.format(f=f, out=tmp_path / "o.jsonl") for a in argv]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0 and len(seen) == 1 and isinstance(seen[0], Options)
    assert seen[0].field_output == "a"  # from the config file
    assert seen[0].min_rows == (3 if "--min-rows" in argv else DEFAULT_MIN_ROWS)


def test_submit_hands_its_check_options_as_one_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.verbs.submit

    seen: list[tuple[t.Any, dict[str, t.Any]]] = []

    def record(data: t.Any, options: Options | None = None, **kw: t.Any) -> t.Any:
        seen.append((options, kw))
        raise click.exceptions.Exit(0)

    monkeypatch.setattr(ftprep.verbs.submit, "submit", record)
    f = project(tmp_path, "[tool.ftprep]\nmax-per-code = 7\n")
    CliRunner().invoke(cli, ["submit", str(f), "--name", "r", "--task", "text", "--model", "m", "--hours", "1",
                             "--repo", "alice/d", "--dry-run", "--min-rows", "3"], catch_exceptions=False)
    ((opts, kw),) = seen
    assert (opts.min_rows, opts.max_per_code) == (3, 7)
    assert {"name": "r", "task": "text", "model": "m", "hours": 1.0, "repo": "alice/d"}.items() <= kw.items()
    assert not set(kw) & set(for_verb("submit"))  # the check options travel only in `options`
