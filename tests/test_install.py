"""One install: a missing module or an unreachable Hub says what to do, at once.

A missing library is simulated in a subprocess with `sys.modules[name] = None`,
which makes `import name` raise ModuleNotFoundError as an absent package does.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftprep.core.missing import distribution, install_hint, requirement

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "sample_data"
PROBE = """
import sys
for name in sys.argv[1].split(","):
    if name:
        sys.modules[name] = None
from ftprep.cli import main
sys.exit(main(sys.argv[2:]))
"""


def run(missing: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE, missing, *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


@pytest.mark.parametrize(("missing", "args", "package"), [
    ("PIL", ["check", "sample_data/images"], "pillow"),
    ("PIL", ["convert", "sample_data/images", "-o", "{tmp}/out", "--task", "image"], "pillow"),
    ("huggingface_hub", ["push", "sample_data/chat_good.jsonl", "--repo", "me/x", "--task", "chat"], "huggingface-hub"),
    ("huggingface_hub", ["check", "hf://datasets/me/x"], "huggingface-hub"),
    ("tokenizers", ["check", "sample_data/chat_good.jsonl", "--tokenizer", "sample_data/tokenizer.json"], "tokenizers"),
    ("msgspec", ["check", "sample_data/text_good.jsonl", "--isolated"], "msgspec"),
])
def test_a_missing_dependency_names_the_pip_line_and_exits_2(tmp_path: Path, missing: str, args: list[str],
                                                              package: str) -> None:
    r = run(missing, *[a.format(tmp=tmp_path) for a in args])
    assert r.returncode == 2, r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert f"pip install '{package}<" in r.stderr, r.stderr  # with the bounds ftprep declares
    assert "not installed" in r.stderr or "needs" in r.stderr
    assert not (tmp_path / "out").exists()


def test_the_same_command_runs_with_the_module_there() -> None:
    # The control: the probe itself breaks nothing else.
    r = run("", "check", "sample_data/text_good.jsonl", "--isolated")
    assert r.returncode == 0, r.stderr


def test_install_hint_without_metadata_falls_back_to_the_distribution_name() -> None:
    assert distribution("PIL.Image") == "pillow" and distribution("huggingface_hub.utils") == "huggingface-hub"
    assert requirement("pillow") in (None, "pillow<14,>=10", "pillow>=10,<14")
    err = ModuleNotFoundError("No module named 'some_browser_driver'", name="some_browser_driver")
    assert install_hint(err) == ("the Python module some_browser_driver is not installed: "
                                 "pip install some-browser-driver")
    old = ImportError("cannot import name 'HfApi' from 'huggingface_hub'", name="huggingface_hub")
    assert "does not fit ftprep" in install_hint(old) and "pip install 'huggingface-hub" in install_hint(old)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hub_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{free_port()}", HF_HOME=str(tmp_path / "hf"),
               HF_HUB_DISABLE_TELEMETRY="1", **extra)
    return env


def test_an_unreachable_hub_tokenizer_fails_at_once_with_what_to_do(tmp_path: Path) -> None:
    started = time.monotonic()
    r = run("", "check", "sample_data/chat_good.jsonl", "--isolated", "--tokenizer", "Qwen/Qwen2.5-7B-Instruct",
            env=hub_env(tmp_path))
    took = time.monotonic() - started
    assert r.returncode == 2, r.stderr
    assert "cannot reach the Hub" in r.stderr and "local tokenizer.json" in r.stderr, r.stderr
    assert "Retrying" not in r.stderr and "internal error" not in r.stderr
    assert took < 15, took  # huggingface_hub's own retries take about 24 s


def test_offline_mode_without_a_cached_tokenizer_says_so(tmp_path: Path) -> None:
    r = run("", "check", "sample_data/chat_good.jsonl", "--isolated", "--tokenizer", "Qwen/Qwen2.5-7B-Instruct",
            env=hub_env(tmp_path, HF_HUB_OFFLINE="1"))
    assert r.returncode == 2, r.stderr
    assert "HF_HUB_OFFLINE is set" in r.stderr and "not in the Hub cache" in r.stderr, r.stderr


def test_an_unreachable_hub_uses_the_cached_tokenizer(tmp_path: Path) -> None:
    # The Hub cache's layout: refs/main names the snapshot holding the file.
    repo = tmp_path / "hf" / "hub" / "models--acme--tok"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0" * 40)
    (repo / "snapshots" / ("0" * 40)).mkdir(parents=True)
    shutil.copy(SAMPLE / "tokenizer.json", repo / "snapshots" / ("0" * 40) / "tokenizer.json")
    started = time.monotonic()
    r = run("", "stats", "sample_data/chat_good.jsonl", "--tokenizer", "acme/tok", env=hub_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "tokens: exact, tokenizer acme/tok" in r.stdout, r.stdout
    assert "total tokens: 596 (267 trained)" in r.stdout  # the sample tokenizer's counts
    assert time.monotonic() - started < 15


def test_a_hub_tokenizer_downloads_through_the_probe(hub) -> None:
    from ftprep.engine.tokens import load_tokenizer

    hub.seed("acme/typed-tok", {"tokenizer.json": (SAMPLE / "tokenizer.json").read_bytes()}, repo_type="model")
    exact = load_tokenizer("acme/typed-tok")
    assert exact.exact and exact.name == "acme/typed-tok"
    assert exact.count([]) == [] and exact.tokenizer.get_vocab_size() > 0
    assert hub.requests("HEAD", "acme/typed-tok/resolve/main/tokenizer.json")


def test_a_command_needing_a_missing_library_says_so_and_help_still_lists_the_rest(tmp_path: Path) -> None:
    (tmp_path / "needy_command.py").write_text("import some_missing_library\n")
    probe = ("import sys; sys.path.insert(0, sys.argv[1])\n"
             "from ftprep import cli\n"
             "cli.COMMANDS['needy'] = 'needy_command:needy'\n"
             "sys.exit(cli.main(sys.argv[2:]))\n")
    called = subprocess.run([sys.executable, "-c", probe, str(tmp_path), "needy"], capture_output=True, text=True,
                            cwd=ROOT)
    assert called.returncode == 2
    assert "some_missing_library is not installed: pip install some-missing-library" in called.stderr, called.stderr
    listed = subprocess.run([sys.executable, "-c", probe, str(tmp_path), "--help"], capture_output=True, text=True,
                            cwd=ROOT)
    assert listed.returncode == 0 and "check" in listed.stdout and "needy" not in listed.stdout
