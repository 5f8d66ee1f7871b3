"""Keep the README true: every ```console block is run and its output compared.

A block is a list of `$ command` lines (a trailing `\\` continues a command),
each followed by the output it prints and, when it is not 0, `[exit N]`.
Commands run with bash in a scratch folder holding a copy of `sample_data/`,
against a fake Hub and a fake fine-tuning API started here on 127.0.0.1
(nothing leaves the machine). Ports, job ids, commit ids and times are
normalised on both sides. FTPREP_UPDATE_README=1 rewrites the outputs from a
real run (review the diff before committing).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftprep.core.codes import CODES
from ftprep.tasks import TASKS

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.S | re.M)
NORMALISE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\b[0-9a-f]{40}\b"), "SHA"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), "TIME"),
    (re.compile(r"[ \t]+$", re.M), ""),
]


def normalise(text: str) -> str:
    for pattern, repl in NORMALISE:
        text = pattern.sub(repl, text)
    return text.strip("\n")


def parse(block: str) -> list[tuple[str, str, str, int]]:
    """(command, its lines as written, expected output, exit code) for each `$` line of a block."""
    steps: list[tuple[str, str, str, int]] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        assert line.startswith("$ "), f"README console block must start with '$ ': {line!r}"
        command = line[2:]
        raw = [line]
        while command.endswith("\\"):
            i += 1
            raw.append(lines[i])
            command = command[:-1].rstrip() + " " + lines[i].strip()
        i += 1
        out: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            out.append(lines[i])
            i += 1
        code = 0
        if out and re.fullmatch(r"\[exit \d+\]", out[-1]):
            code = int(out.pop()[6:-1])
        steps.append((command, "\n".join(raw), "\n".join(out), code))
    return steps


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from ftprep.testing import FakeApi
    from ftprep.testing import FakeHub, FileServer

    home = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "sample_data", home / "sample_data")
    hub = FakeHub().start()
    api = FakeApi(sequential_ids=True).start()
    files = FileServer().start()
    for p in sorted((ROOT / "sample_data").glob("*.*")):
        files.add("/" + p.name, p.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "VOLTAGEGPU_", "GITHUB_"))}
    env.update({
        "HF_ENDPOINT": hub.url, "HF_TOKEN": hub.token, "HF_HUB_DISABLE_XET": "1", "HF_HOME": str(home / ".hf"),
        "HF_HUB_DISABLE_TELEMETRY": "1", "VOLTAGEGPU_BASE_URL": api.url, "VOLTAGEGPU_API_KEY": api.key,
        "NO_COLOR": "1", "COLUMNS": "100", "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        "FILES": files.url,
    })
    yield {"cwd": str(home), **env}
    hub.stop()
    api.stop()
    files.stop()


def run_step(command: str, env: dict[str, str]) -> tuple[str, int]:
    cwd = env["cwd"]
    r = subprocess.run(["bash", "-c", command + " 2>&1"], cwd=cwd, env={k: v for k, v in env.items() if k != "cwd"},
                       capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    return r.stdout, r.returncode


def test_readme_console_blocks(sandbox: dict[str, str]) -> None:
    text = README.read_text()
    update = bool(os.environ.get("FTPREP_UPDATE_README"))
    failures = []
    new_text = text
    for match in BLOCK.finditer(text):
        rebuilt: list[str] = []
        for command, raw, expected, code in parse(match.group(1)):
            out, rc = run_step(command, sandbox)
            if update:
                rebuilt.append(raw)
                rebuilt += [ln.rstrip() for ln in out.rstrip("\n").splitlines()]
                if rc:
                    rebuilt.append(f"[exit {rc}]")
                continue
            if normalise(out) != normalise(expected) or rc != code:
                failures.append(f"$ {command}\n--- README (exit {code})\n{expected}\n--- real (exit {rc})\n{out}")
        if update:
            new_text = new_text.replace(match.group(0), "```console\n" + "\n".join(rebuilt) + "\n```\n", 1)
    if update:
        README.write_text(new_text)
    assert not failures, "\n\n".join(failures)


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text()
    first = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first and text.index(first.group(0)) < text.index("\n## ")
    commands = [ln for ln in first.group(1).splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(commands) == 2
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert ci[-1] == commands[1], "the README's test command must be .ci/run's"


def test_readme_lists_every_code_task_and_command() -> None:
    text = README.read_text()
    for code in CODES.values():
        assert re.search(rf"^\| `{code.code}` \| `{code.name}` \| {code.severity} \| {code.stage} \|", text, re.M), code.code
    for task in TASKS:
        assert f"`{task}`" in text
    from ftprep.cli import COMMANDS

    for name in COMMANDS:
        assert f"ftprep {name}" in text, name


def test_library_example_runs(sandbox: dict[str, str]) -> None:
    block = re.search(r"```python\n(import ftprep\n\nreport = ftprep\.check.*?)```", README.read_text(), re.S)
    assert block, "the Library example is gone"
    r = subprocess.run([sys.executable, "-c", block.group(1)], cwd=sandbox["cwd"], capture_output=True, text=True,
                       env={k: v for k, v in sandbox.items() if k != "cwd"}, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["12 {'fieldConversation': 'conversations'}", "(12, 1)"]


def test_main_command_runs_on_sample_data(sandbox: dict[str, str]) -> None:
    """The README's first command, without its install step."""
    first = re.search(r"```sh\n(.*?)```", README.read_text(), re.S).group(1)  # type: ignore[union-attr]
    main = [ln for ln in first.splitlines() if ln.strip() and not ln.startswith("#")][0]
    job = main.split("&&", 1)[1]
    out, rc = run_step(job, sandbox)
    assert rc == 0, out
    assert "wrote" in out and "Traceback" not in out
