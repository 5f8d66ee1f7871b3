"""The pre-commit hooks: generated from the registry, valid, selecting the right
files, and working for real from a dataset repo's pre-commit config."""

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


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}).stdout.strip()


def _hooks_repo(tmp: Path) -> tuple[str, str]:
    """The hooks' repo and rev as a dataset repo's config names them: this checkout at
    HEAD, or, when it has changes not committed, a clone with them committed (as
    `pre-commit try-repo` does, new files included)."""
    changed = _git(ROOT, "diff", "--name-only", "HEAD").splitlines()
    new = _git(ROOT, "ls-files", "--others", "--exclude-standard").splitlines()
    if not changed and not new:
        return str(ROOT), _git(ROOT, "rev-parse", "HEAD")
    shadow = tmp / "hooks-repo"
    _git(tmp, "clone", "-q", str(ROOT), str(shadow))
    for name in changed + new:
        if (ROOT / name).is_file():
            (shadow / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, shadow / name)
        else:
            (shadow / name).unlink(missing_ok=True)
    _git(shadow, "add", "-A")
    _git(shadow, "commit", "-q", "-m", "uncommitted changes")
    return str(shadow), _git(shadow, "rev-parse", "HEAD")


def test_hooks_in_a_dataset_repo(tmp_path: Path) -> None:
    """Runs the hooks as a dataset repo would, from its .pre-commit-config.yaml, with
    ftprep installed into pre-commit's own environment (needs the package registry, as
    CI has): once, shared by both hooks (`try-repo` would build one per call)."""
    repo = tmp_path / "datasets"
    repo.mkdir()
    _git(repo, "init", "-q")
    shutil.copy(SAMPLES / "chat_good.jsonl", repo / "good.jsonl")
    shutil.copy(SAMPLES / "chat_broken.jsonl", repo / "broken.jsonl")
    source, rev = _hooks_repo(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {source}\n  rev: {rev}\n  hooks:\n  - id: ftprep-check\n  - id: ftprep-check-chat\n")
    _git(repo, "add", ".")
    home = Path(os.environ.get("FTPREP_PRE_COMMIT_HOME", Path.home() / ".cache" / "ftprep-tests" / "pre-commit"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}

    def run(hook: str, *files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", hook, "--files", *files],
                              cwd=repo, capture_output=True, text=True, env=env, timeout=900)

    good = run("ftprep-check", "good.jsonl")
    if good.returncode != 0 and "Could not find a version" in good.stdout + good.stderr:
        pytest.skip("LOUD: the package registry is unreachable, so pre-commit cannot install the hook")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    bad = run("ftprep-check-chat", "good.jsonl", "broken.jsonl")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"broken\.jsonl:5:\d+: P001 \[error\] invalid JSON", bad.stdout), bad.stdout
    assert not re.search(r"good\.jsonl:\d+:", bad.stdout)  # no row-level finding in the good file


def test_only_the_dataset_hook_checks_one_dataset_and_it_sees_the_whole_folder() -> None:
    """pre-commit hands a hook the changed files alone: counted as one dataset they
    would make a false row minimum, so the dataset hook takes the folder, not names."""
    from ftprep.hooks import NOT_DATA

    by_id = {h["id"]: h for h in hooks()}
    dataset = by_id["ftprep-check-dataset"]
    assert dataset["entry"] == "ftprep check --dataset" and dataset["args"] == ["data"]
    assert dataset["pass_filenames"] is False
    assert [i for i, h in by_id.items() if "--dataset" in str(h["entry"])] == ["ftprep-check-dataset"]
    assert all("pass_filenames" not in h for i, h in by_id.items() if i != "ftprep-check-dataset")
    for path, matches in [("data/train-00000-of-00002.parquet", True), ("data/test/x.jsonl.gz", True),
                          ("other/train.jsonl", False), ("data/README.md", False), ("data/config.json", False)]:
        assert (bool(re.search(str(dataset["files"]), path)) and not re.search(NOT_DATA, path)) is matches, path
    text = manifest()
    assert '- id: ftprep-check-dataset' in text and '  args: ["data"]\n  pass_filenames: false\n' in text


def test_dataset_hook_entry_checks_the_folder_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """What pre-commit runs for the dataset hook (entry + args), in a repo whose shards
    are each below the row minimum and repeat each other's rows."""
    import json
    import shlex

    from ftprep.cli import main

    hook = next(h for h in hooks() if h["id"] == "ftprep-check-dataset")
    data = tmp_path / "data"
    data.mkdir()
    for k in range(2):
        rows = [{"instruction": f"q{i}", "output": "a"} for i in range(k * 3, k * 3 + 3)] + [{"instruction": "q0",
                                                                                               "output": "a"}] * k
        (data / f"train-0000{k}-of-00002.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "pyproject.toml").write_text("[tool.ftprep]\nmin-rows = 6\n")
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(str(hook["entry"]))[1:] + list(hook["args"])  # type: ignore[call-overload]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "data/train-00001-of-00002.jsonl:4: D001 [warning] duplicate of line 1 of data/train-00000-of-00002.jsonl" in out
    assert "D002" not in out  # 7 rows in all; 3 and 4 apart
