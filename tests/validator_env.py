"""The validator's pinned loading stack, in a cached virtualenv, for tests.

The trainer's prep loads data with datasets 2.21 / pandas 2.2.3 / pyarrow 17
(Gradients' validator pins datasets < 3), while this environment has a newer
datasets. Type inference differs between them, so tests load fixtures with
both: `validator_load` runs tests/load_probe.py in a virtualenv built once
under ~/.cache/ftprep-tests (pip from the package registry), and
`current_load` runs the same probe in-process. When the registry cannot be
reached the test is skipped, loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PINS = ("datasets==2.21.0", "pandas==2.2.3", "pyarrow==17.*")
CACHE = Path(os.environ.get("FTPREP_TEST_CACHE", Path.home() / ".cache" / "ftprep-tests"))
VENV = CACHE / "validator-datasets-2.21.0"
PROBE = Path(__file__).with_name("load_probe.py")


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _works(venv: Path) -> bool:
    if not _python(venv).exists():
        return False
    proc = subprocess.run([str(_python(venv)), "-c", "import datasets, pandas, pyarrow; "
                           "print(datasets.__version__, pandas.__version__, pyarrow.__version__)"],
                          capture_output=True, text=True, timeout=120)
    return proc.returncode == 0 and proc.stdout.split()[:2] == ["2.21.0", "2.2.3"]


def validator_python() -> Path:
    """The cached virtualenv's python, built on first use (a few minutes)."""
    if _works(VENV):
        return _python(VENV)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = CACHE / f"{VENV.name}.build-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(tmp)], check=True, capture_output=True, timeout=300)
    proc = subprocess.run([str(_python(tmp)), "-m", "pip", "install", "-q", *PINS],
                          capture_output=True, text=True, timeout=1200)
    if proc.returncode:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip(f"VALIDATOR STACK NOT RUN: pip could not install {' '.join(PINS)} "
                    f"(exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
    shutil.rmtree(VENV, ignore_errors=True)
    tmp.rename(VENV)  # the venv's python finds its prefix from pyvenv.cfg beside it
    if not _works(VENV):
        pytest.fail(f"the virtualenv at {VENV} was built but cannot import the pinned stack")
    return _python(VENV)


def validator_load(paths: list[str | os.PathLike[str]]) -> list[dict]:
    """What datasets 2.21 loads from each file (see load_probe.load), in one process."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PYTHONPATH": ""}
    proc = subprocess.run([str(validator_python()), str(PROBE), *map(str, paths)], capture_output=True,
                          text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def current_load(paths: list[str | os.PathLike[str]]) -> list[dict]:
    """What the installed datasets loads from each file, in this process."""
    sys.path.insert(0, str(PROBE.parent))
    try:
        import load_probe
    finally:
        sys.path.remove(str(PROBE.parent))
    return [load_probe.load(str(p)) for p in paths]
