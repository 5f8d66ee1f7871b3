"""The pre-commit hooks: generated from the registry, valid, selecting the right
files, and working for real through `pre-commit try-repo`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftprep.hooks import hooks, manifest

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "sample_data"


def test_manifest_is_generated_from_the_registry() -> None:
    assert (ROOT / ".pre-commit-hooks.yaml").read_text() == manifest(), "run: python -m ftprep.hooks > .pre-commit-hooks.yaml"


def test_every_task_has_a_hook_and_every_hook_is_in_the_readme() -> None:
    from ftprep.hooks import FILE_TASKS as TASKS  # image sets are folders: no hook (tests/test_tasks_registry.py)

    ids = {h["id"] for h in hooks()}
    assert {f"ftprep-check-{t.replace('_', '-')}" for t in TASKS} <= ids
    readme = (ROOT / "README.md").read_text()
    assert all(i in readme for i in ids), sorted(i for i in ids if i not in readme)


@pytest.mark.parametrize("path,matches", [
    ("data/train.jsonl", True), ("train.ndjson", True), ("a/b.csv.gz", True), ("x.parquet", True),
    ("x.tsv", True), ("x.json", True), ("README.md", False), ("img.png", False), ("x.parquet.gz", True),
    ("notes.jsonl.bak", False), ("model/tokenizer.json", False), ("config.json", False),
    ("data/my_config.json", True),
])
def test_hook_file_regex(path: str, matches: bool) -> None:
    from ftprep.hooks import NOT_DATA

    regex = next(h["files"] for h in hooks() if h["id"] == "ftprep-check")
    assert (bool(re.search(str(regex), path)) and not re.search(NOT_DATA, path)) is matches


def test_manifest_validates() -> None:
    r = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


def test_try_repo(tmp_path: Path) -> None:
    """Runs the hooks as a dataset repo would, installing ftprep into pre-commit's
    own environment (needs the package registry, as CI has)."""
    repo = tmp_path / "datasets"
    repo.mkdir()
    _git(repo, "init", "-q")
    shutil.copy(SAMPLES / "chat_good.jsonl", repo / "good.jsonl")
    shutil.copy(SAMPLES / "chat_broken.jsonl", repo / "broken.jsonl")
    _git(repo, "add", ".")
    home = Path(os.environ.get("FTPREP_PRE_COMMIT_HOME", Path.home() / ".cache" / "ftprep-tests" / "pre-commit"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}

    def try_repo(hook: str, *files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--files", *files],
                              cwd=repo, capture_output=True, text=True, env=env, timeout=900)

    good = try_repo("ftprep-check", "good.jsonl")
    if good.returncode != 0 and "Could not find a version" in good.stdout + good.stderr:
        pytest.skip("LOUD: the package registry is unreachable, so pre-commit cannot install the hook")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    bad = try_repo("ftprep-check-chat", "good.jsonl", "broken.jsonl")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"broken\.jsonl:5:\d+: P001 \[error\] invalid JSON", bad.stdout), bad.stdout
    assert not re.search(r"good\.jsonl:\d+:", bad.stdout)  # no row-level finding in the good file
