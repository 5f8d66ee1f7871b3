"""The package's shape holds: layers import only downward, no import circle at
any depth (function-level imports count), the product never imports its test
doubles, the verbs stay functions, and modules stay small.

The rules are import-linter contracts in pyproject.toml; these tests run
`lint-imports` on the package, and on copies of it with one bad import added,
so that a contract that stopped catching what it is for would fail here."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ftprep"
VERBS = ("check", "convert", "load", "render", "stats", "push", "submit")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    script = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", script, "--no-cache", "--config", str(tree / "pyproject.toml")],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=300)


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package with `line` added at the end of `module` (inside a function)."""
    shutil.copytree(PACKAGE, tmp_path / "ftprep", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / (module.replace(".", "/") + ".py")
    target.write_text(target.read_text() + f"\n\ndef _added() -> None:\n    {line}\n")
    return tmp_path


def test_the_package_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_circle_through_a_function_level_import_breaks_the_acyclic_contract(tmp_path: Path) -> None:
    # Two engine modules: duplicates is imported by the checker; the added import closes the circle.
    result = lint_imports(copy_with(tmp_path, "ftprep.engine.duplicates", "from ftprep.engine import checker"))
    assert result.returncode == 1
    assert "No import circle at any depth BROKEN" in result.stdout
    assert "Layers import only downward KEPT" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    result = lint_imports(copy_with(tmp_path, "ftprep.core.codes", "import ftprep.output.reporters"))
    assert result.returncode == 1
    assert "Layers import only downward BROKEN" in result.stdout


def test_the_product_importing_a_test_double_is_refused(tmp_path: Path) -> None:
    result = lint_imports(copy_with(tmp_path, "ftprep.verbs.push", "import ftprep.testing"))
    assert result.returncode == 1
    assert "The product never imports its test doubles BROKEN" in result.stdout


def product_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] != "__main__":
            names.append(".".join(parts))
    return names


@pytest.mark.parametrize("order", ["sorted", "reversed"])
def test_the_verbs_stay_functions_whatever_is_imported_first(order: str) -> None:
    """Importing a submodule must never rebind `ftprep.<verb>` to a module."""
    modules = product_modules()
    if order == "reversed":
        modules.reverse()
    script = f"""
import importlib, inspect, sys
import ftprep
from ftprep.verbs.submit import RequestInvalid  # the import that once turned ftprep.submit into a module
for name in {modules!r}:
    importlib.import_module(name)
bad = [v for v in {VERBS!r} if not inspect.isfunction(getattr(ftprep, v))]
print(bad)
sys.exit(1 if bad else 0)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert not {p: n for p, n in sizes.items() if n > 400}


def test_no_two_public_classes_share_a_name() -> None:
    where: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                where.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}


def test_no_issue_numbers_in_the_code() -> None:
    tagged = [f"{p.relative_to(ROOT)}:{i}" for p in PACKAGE.rglob("*.py")
              for i, line in enumerate(p.read_text().splitlines(), 1)
              if re.search(r"\bissues? \d+\b", line, re.I)]
    assert tagged == []
