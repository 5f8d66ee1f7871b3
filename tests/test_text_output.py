"""Text output as linters write it: one finding per line with its severity, its
hint and (where known) its column, colour only on a terminal, examples in
--help, and config errors without the usage banner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import cli
from ftprep.core.diagnostics import Diagnostic
from ftprep.output.colour import wanted
from ftprep.output.reporters import diagnostic_line
from ftprep.reading.parse_errors import column_of

SAMPLES = Path(__file__).parent.parent / "sample_data"
BROKEN = str(SAMPLES / "chat_broken.jsonl")
ESC = "\x1b["
# What vim's errorformat (%f:%l:%c: %m, %f:%l: %m) and a VS Code problem matcher read.
LINE = re.compile(r"^(?P<path>[^:]+)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: "
                  r"(?P<code>[A-Z]\d{3}) \[(?P<severity>error|warning)\] (?P<message>.+)$")


class Terminal:
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Pipe:
    def isatty(self) -> bool:
        return False


def test_a_finding_is_one_line_with_severity_field_and_hint() -> None:
    d = Diagnostic("C012", "gemma3 raises: roles must alternate", "a.jsonl", line=2, row=1,
                   field="$.conversations[0].role", hint="merge consecutive turns\nof the same role")
    assert diagnostic_line(d) == ("a.jsonl:2: C012 [error] gemma3 raises: roles must alternate "
                                  "[$.conversations[0].role] (hint: merge consecutive turns\\nof the same role)")
    assert diagnostic_line(Diagnostic("P001", "invalid JSON", "a.jsonl", line=3, row=2, column=7)) == \
        "a.jsonl:3:7: P001 [error] invalid JSON"
    assert diagnostic_line(Diagnostic("D002", "3 rows", "a.jsonl")) == "a.jsonl: D002 [warning] 3 rows"


def test_a_row_without_a_line_is_named_by_its_row(tmp_path: Path) -> None:
    """Parquet rows (and a Hub dataset's) have no lines: a finding names its row, as the dataset indexes it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    assert diagnostic_line(Diagnostic("V002", "empty output", "d.parquet", row=4)) == \
        "d.parquet[row 4]: V002 [error] empty output"
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist([{"instruction": "q", "output": "a"}, {"instruction": "q2", "output": " "}]),
                   path)
    r = CliRunner().invoke(cli, ["check", str(path), "--isolated", "--min-rows", "1", "--task", "text"])
    assert re.search(r"d\.parquet\[row 1\]: V\d{3} \[error\]", r.output), r.output


def test_every_finding_line_of_check_parses_as_an_error_format() -> None:
    r = CliRunner().invoke(cli, ["check", BROKEN, "--isolated", "--min-rows", "1"])
    report = ftprep.check(BROKEN, min_rows=1)
    lines = r.output.splitlines()
    parsed = [m for m in map(LINE.match, lines) if m]
    assert r.exit_code == 1 and len(parsed) == len(report.diagnostics) == len(lines) - 2  # the task line, the summary
    assert [(m["code"], m["severity"], m["line"] and int(m["line"])) for m in parsed] == \
        [(d.code, d.severity, d.line) for d in report.diagnostics]
    assert lines[-1].startswith("FAILED: 1 file(s), 9 rows")
    assert not any(ln.startswith(" ") for ln in lines)  # no hint on a line of its own


def test_a_record_that_does_not_decode_gets_its_column(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"instruction": "a", "output": "b"}\n  {"instruction": "é", x}\n{"instruction": "q",\n'
                    '{"instruction": "c", "output": "d"}', encoding="utf-8")
    report = ftprep.check(str(path), task="text", min_rows=1)
    got = [(d.code, d.line, d.column) for d in report.diagnostics if d.code.startswith("P")]
    # line 2: the x, after two blanks and a two-byte é; line 3: cut off after its 20 characters
    assert got == [("P001", 2, 24), ("P001", 3, 21)]
    doc = report.to_json()["files"][0]["diagnostics"]
    assert [d.get("column") for d in doc if d["code"] == "P001"] == [24, 21]
    assert all("column" not in d for d in doc if d["code"] != "P001")  # only where one is known
    text = CliRunner().invoke(cli, ["check", str(path), "--task", "text", "--min-rows", "1", "--isolated"]).output
    assert f"{path}:2:24: P001 [error] invalid JSON: " in text
    github = CliRunner().invoke(cli, ["check", str(path), "--task", "text", "--min-rows", "1", "--isolated",
                                      "--format", "github"]).output
    assert ",line=2,col=24,title=P001 " in github


def test_column_of_counts_characters_from_the_line_start() -> None:
    import msgspec

    def error(text: bytes) -> Exception:
        with pytest.raises(msgspec.DecodeError) as e:
            msgspec.json.decode(text)
        return e.value

    assert column_of(b'{"a" 1}', error(b'{"a" 1}')) == 6
    assert column_of(b'{"\xc3\xa9\xc3\xa9" 1}', error(b'{"\xc3\xa9\xc3\xa9" 1}'), lead=3) == 3 + 7
    assert column_of(b'{"a": 1,', error(b'{"a": 1,')) == 9  # cut off: the end of the record
    assert column_of(b"x", ValueError("no place named")) is None


@pytest.mark.parametrize("env,stream,expected", [
    ({}, Terminal(), True),
    ({}, Pipe(), False),
    ({"NO_COLOR": "1"}, Terminal(), False),
    ({"NO_COLOR": ""}, Terminal(), True),  # no-color.org: only a non-empty value counts
    ({"TERM": "dumb"}, Terminal(), False),
    ({"FORCE_COLOR": "1"}, Pipe(), True),
    ({"FORCE_COLOR": "0"}, Pipe(), False),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, Pipe(), False),
    ({"PRE_COMMIT": "1", "FORCE_COLOR": "1"}, Pipe(), False),
    ({"PRE_COMMIT": "1"}, Terminal(), True),
])
def test_auto_colours_a_terminal_only(env: dict[str, str], stream: object, expected: bool) -> None:
    assert wanted("auto", stream, environ=env) is expected


def test_always_and_never_decide_alone_and_machine_formats_are_never_coloured() -> None:
    assert wanted("always", Pipe(), environ={"NO_COLOR": "1"})
    assert not wanted("never", Terminal(), environ={"FORCE_COLOR": "1"})
    assert not any(wanted("always", Terminal(), fmt, {}) for fmt in ("json", "github", "sarif", "junit", "gitlab"))


def check(*args: str, env: dict[str, str] | None = None) -> str:
    env = {"NO_COLOR": "", "FORCE_COLOR": "", "PRE_COMMIT": "", **(env or {})}
    return CliRunner().invoke(cli, ["check", BROKEN, "--isolated", "--min-rows", "1", *args], env=env).output


def test_check_colours_only_when_asked_or_on_a_terminal() -> None:
    plain = check()
    assert ESC not in plain  # CliRunner is no terminal
    coloured = check("--color", "always")
    assert "\x1b[1;31mC004 [error]\x1b[0m" in coloured and "\x1b[2m" in coloured  # code by severity, path dim
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain  # colour adds nothing else
    assert check("--color") == coloured  # the flag alone
    assert ESC not in check("--color", "never", env={"FORCE_COLOR": "1"})
    assert ESC in check(env={"FORCE_COLOR": "1"})
    assert ESC not in check(env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    doc = check("--color", "always", "--format", "json")
    assert ESC not in doc and json.loads(doc)["summary"]["errors"] > 0


@pytest.mark.parametrize("argv", [
    ["convert", BROKEN, "-o", "{out}", "--isolated"],
    ["render", BROKEN, "--rows", "9"],
    ["stats", BROKEN],
    ["push", BROKEN, "--repo", "alice/d", "--isolated"],  # data errors: nothing is sent, the report is shown
    ["submit", BROKEN, "--task", "chat", "--repo", "alice/d", "--name", "x", "--model", "Qwen/Qwen2.5-7B-Instruct",
     "--hours", "1", "--dry-run", "--isolated"],
])
def test_every_command_that_prints_findings_takes_color(argv: list[str], tmp_path: Path) -> None:
    argv = [a.replace("{out}", str(tmp_path / "o.jsonl")) for a in argv]
    env = {"NO_COLOR": "", "FORCE_COLOR": "", "HF_TOKEN": "", "VOLTAGEGPU_API_KEY": "k"}
    runner = CliRunner()
    plain = runner.invoke(cli, argv, env=env).output
    coloured = runner.invoke(cli, [*argv, "--color", "always"], env=env).output
    assert f"{BROKEN}:5:56: P001 [error]" in plain and ESC not in plain, plain
    assert f"\x1b[2m{BROKEN}:5:56\x1b[0m: \x1b[1;31mP001 [error]\x1b[0m" in coloured, coloured
    assert ESC in runner.invoke(cli, [*argv, "--color", "always"], env={**env, "NO_COLOR": "1"}).output
    assert ESC not in runner.invoke(cli, argv, env={**env, "NO_COLOR": "1", "FORCE_COLOR": "1"}).output


def test_render_keeps_no_color() -> None:
    out = CliRunner().invoke(cli, ["render", BROKEN, "--no-color", "--color", "always"]).output
    assert ESC not in out and "[[" in out


@pytest.mark.parametrize("command", ["check", "convert", "render", "stats", "push", "submit"])
def test_help_has_examples_that_use_real_options(command: str) -> None:
    out = CliRunner().invoke(cli, [command, "--help"], terminal_width=200).output
    assert "Examples:" in out
    examples = out.split("Examples:", 1)[1].split("Options:", 1)[0]
    # A continued example (a trailing backslash) is one command.
    commands = [c for c in examples.replace("\\\n", " ").splitlines() if c.strip().startswith("ftprep ")]
    assert len(commands) >= 2, examples
    ctx = cli.make_context("ftprep", [command, "--help"], resilient_parsing=True)
    cmd = cli.get_command(ctx, command)
    assert cmd is not None
    flags = {o for p in cmd.params for o in getattr(p, "opts", [])}
    for example in commands:
        words = example.split()
        assert words[1] == command, example
        used = {w.split("=")[0] for w in words if w.startswith("--")}
        assert used <= flags, (example, used - flags)


def project(tmp_path: Path, config: str) -> str:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(config)
    data = tmp_path / "d.jsonl"
    data.write_text('{"instruction": "a", "output": "b"}\n')
    return str(data)


@pytest.mark.parametrize("config,message", [
    ("[tool.ftprep]\nmin-rowz = 3\n", "unknown key 'min-rowz' in [tool.ftprep]"),
    ("[tool.ftprep]\nmin_rows = 3\n", "unknown key 'min_rows' in [tool.ftprep] (did you mean 'min-rows'?)"),
    ("[tool.ftprep]\nmin-rows = -3\n", "[tool.ftprep]: min_rows must be at least 0, not -3"),
    ("[tool.ftprep]\nmin-rows = 'many'\n", "'min-rows' must be int"),
    ("[tool.ftprep\n", "invalid TOML"),
])
def test_a_config_error_is_one_line_without_the_usage_banner(tmp_path: Path, config: str, message: str) -> None:
    data = project(tmp_path, config)
    for argv in (["check", data], ["convert", data, "-o", str(tmp_path / "o.jsonl")]):
        r = CliRunner().invoke(cli, argv)
        assert r.exit_code == 2, (argv, r.output)
        lines = r.output.splitlines()
        assert len(lines) == 1 and "Usage:" not in r.output and "--help" not in r.output, r.output
        assert lines[0].startswith(f"Error: {tmp_path / 'pyproject.toml'}: ") and message in lines[0], lines[0]


def test_a_bad_flag_keeps_the_usage_banner(tmp_path: Path) -> None:
    data = project(tmp_path, "[tool.ftprep]\nmin-rows = 1\n")
    for argv in (["check", data, "--min-rowz", "3"], ["check", data, "--min-rows", "-3"],
                 ["check", data, "--color", "sometimes"]):
        r = CliRunner().invoke(cli, argv)
        assert r.exit_code == 2 and r.output.startswith("Usage: ") and "check --help' for help." in r.output, r.output
