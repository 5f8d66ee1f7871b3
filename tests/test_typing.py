"""ftprep is typed: the wheel marks it so (py.typed), type checkers see the real
signatures behind the lazy `ftprep.<name>` exports, and mypy passes over the package."""

from __future__ import annotations

import ast
import fnmatch
import importlib
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import ftprep

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "ftprep"
USAGE = Path(__file__).parent / "typing" / "usage.py"


def stub_exports() -> dict[str, str]:
    """name -> module of each re-export in ftprep/__init__.pyi."""
    tree = ast.parse((PACKAGE / "__init__.pyi").read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                assert alias.asname == alias.name, "an explicit re-export is `import X as X`"
                out[alias.name] = node.module
    return out


def test_the_stub_names_every_lazy_export_and_its_module() -> None:
    assert stub_exports() == ftprep._EXPORTS
    tree = ast.parse((PACKAGE / "__init__.pyi").read_text())
    listed = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "__all__")
    assert ast.literal_eval(listed) == ftprep.__all__


def test_each_export_is_the_object_its_module_defines() -> None:
    for name, module in ftprep._EXPORTS.items():
        assert getattr(ftprep, name) is getattr(importlib.import_module(module), name), name
    with pytest.raises(AttributeError):
        ftprep.chek  # noqa: B018


def test_no_public_signature_swallows_keywords_as_any() -> None:
    # `**extra: Any` would let a misspelled option pass the type checker (and be
    # ignored); the verbs' keywords are `Unpack[<TypedDict>]` of the declared options.
    callables = []
    for name in ftprep.__all__:
        obj = getattr(ftprep, name)
        if inspect.isclass(obj):
            callables += [m for k, m in vars(obj).items() if callable(m) and (not k.startswith("_") or k == "__init__")]
        elif callable(obj):
            callables.append(obj)
    assert len(callables) > 20
    for f in callables:
        for p in inspect.signature(f).parameters.values():
            if p.kind is p.VAR_KEYWORD:
                assert str(p.annotation).startswith("Unpack["), (f.__qualname__, p.name, p.annotation)


def test_the_wheel_carries_the_type_marker_and_the_stub() -> None:
    # setuptools puts a package's non-Python files in the wheel only when package-data names them.
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["ftprep"]
    for name in ("py.typed", "__init__.pyi"):
        assert (PACKAGE / name).is_file(), name
        assert any(fnmatch.fnmatch(name, p) for p in patterns), (name, patterns)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for this module's runs: the second reuses the package's analysis."""
    return tmp_path_factory.mktemp("mypy-cache")


def mypy(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache),
                           "--config-file", str(ROOT / "pyproject.toml"), *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_mypy_passes_over_the_package_and_sees_the_public_types(cache: Path) -> None:
    # One run (one cache): the whole package in the pyproject's mode, and the usage
    # file, whose assert_type calls fail on an Any and whose `type: ignore`s fail
    # (warn_unused_ignores) once mypy stops rejecting a wrong call.
    r = mypy(cache, "ftprep", str(USAGE.relative_to(ROOT)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success" in r.stdout


def test_mypy_rejects_a_wrong_expectation(tmp_path: Path, cache: Path) -> None:
    # The control: the same machinery fails when a type is not what is claimed.
    bad = tmp_path / "bad.py"
    bad.write_text("from typing import assert_type\nimport ftprep\n"
                   "assert_type(ftprep.check('x.jsonl'), int)\n"
                   "ftprep.check('x.jsonl', task='chat')  # type: ignore[call-arg]\n")
    r = mypy(cache, str(bad))
    assert r.returncode == 1
    assert 'Expression is of type "Report", not "int"' in r.stdout
    assert "Unused \"type: ignore\" comment" in r.stdout
