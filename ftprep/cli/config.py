"""Configuration from `[tool.ftprep]` in the nearest `pyproject.toml` (or a
top-level table in `ftprep.toml`).

The search starts at each input (`grouped`) and walks up, stopping at a `.git`
folder. Keys are the CLI's long option names (kebab-case) of the
options declared `config` in ftprep/core/options.py, with the type and the
choices declared there; an unknown key is an error. CLI flags win over the file.
"""

from __future__ import annotations

import os
import tomllib
import typing as t
from pathlib import Path

from ftprep.core.errors import ConfigFileError

# What a config value must be, by the declared kind of its option.
_TYPES: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "bytes": int, "float": (int, float),
                                              "bool": bool, "file": str, "path": str, "codes": (list, str),
                                              "table": dict, "files": (list, str)}


def _declared() -> dict[str, t.Any]:
    from ftprep.core.options import declarations

    return {d.key: d for d in declarations() if d.config}


def keys() -> dict[str, type | tuple[type, ...]]:
    """Keys a config file may set, with the type each must have: the declared
    options marked `config`, keyed by their long flag."""
    return {key: _TYPES[d.kind] for key, d in _declared().items()}


def _choices() -> dict[str, tuple[str, ...]]:
    """Keys whose value is one of a set, as on the command line."""
    from ftprep.engine.settings import choices

    return {key: choices(d.choices) if isinstance(d.choices, str) else d.choices
            for key, d in _declared().items() if d.choices is not None}


def find(start: str | os.PathLike[str]) -> Path | None:
    try:
        here = Path(start).resolve()
    except (OSError, RuntimeError):  # a symlink loop: its folder is where to look
        here = Path(os.path.abspath(start))
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        own = folder / "ftprep.toml"
        if own.is_file():
            return own
        project = folder / "pyproject.toml"
        if project.is_file() and "ftprep" in _read(project).get("tool", {}):
            return project
        if (folder / ".git").exists():
            return None
    return None


def _read(path: Path) -> dict[str, t.Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigFileError(f"{path}: invalid TOML: {e}") from None
    except OSError as e:
        raise ConfigFileError(f"{path}: {e}") from None


def load(path: str | os.PathLike[str]) -> dict[str, t.Any]:
    """The validated settings of one config file, keyed by option name."""
    p = Path(path)
    data = _read(p)
    table = data if p.name != "pyproject.toml" else data.get("tool", {}).get("ftprep", {})
    if p.name == "ftprep.toml" and "tool" in table:
        table = table["tool"].get("ftprep", table)
    out: dict[str, t.Any] = {}
    allowed_keys, declared = keys(), _declared()
    for key, value in table.items():
        if key not in allowed_keys:
            close = [k for k in allowed_keys if k.replace("-", "") == key.replace("_", "").replace("-", "")]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigFileError(f"{p}: unknown key '{key}' in [tool.ftprep]{hint}")
        want = allowed_keys[key]
        if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
            names = " or ".join(w.__name__ for w in (want if isinstance(want, tuple) else (want,)))
            raise ConfigFileError(f"{p}: '{key}' must be {names}")
        allowed = _choices().get(key)
        if allowed is not None and value not in allowed:
            from ftprep.core.suggestion import did_you_mean

            raise ConfigFileError(f"{p}: invalid {key} {value!r}; choose from {', '.join(allowed)}"
                                  f"{did_you_mean(value, allowed)}")
        out[key] = (_from_folder(p.parent, value) if key == "per-file-ignores"
                    else _placed(p.parent, value) if declared[key].kind in ("file", "files", "path") else value)
    return out


def _placed(folder: Path, value: t.Any) -> t.Any:
    """A path (or list of paths) of the config, read from the config file's folder, not the current one."""
    if isinstance(value, list):
        return [_placed(folder, v) for v in value]
    local = isinstance(value, str) and value and not os.path.isabs(value) and "://" not in value
    return os.path.join(os.path.abspath(folder), value) if local else value


def _from_folder(folder: Path, table: t.Any) -> dict[str, t.Any]:
    """Per-file ignores with each glob that names a folder made relative to the
    config file's folder (as ruff does); a bare name (`*.csv`) matches anywhere."""
    def placed(glob: str) -> str:
        local = "/" in glob and not os.path.isabs(glob) and "://" not in glob
        return os.path.join(os.path.abspath(folder), glob) if local else glob

    return {placed(glob): codes for glob, codes in table.items()}


# Per file: each input gets the config nearest to it, so one run over files of
# several folders (a pre-commit hook over a whole repo) checks each folder by its own rules.


def nearest(path: str, memo: dict[Path, Path | None] | None = None) -> Path | None:
    """The config that applies to one input: the nearest above it, or above the
    current folder for a URL, a Hub repo or standard input. `memo` (folder ->
    found) saves re-reading the same folders for many files."""
    start = Path(os.getcwd()) if "://" in path or path == "-" else Path(os.path.abspath(path))
    if memo is None:
        return find(start)
    folder = start.parent if start.is_file() or not start.exists() else start
    if folder not in memo:
        memo[folder] = find(folder)
    return memo[folder]


def grouped(paths: t.Sequence[str]) -> list[tuple[Path | None, list[str]]]:
    """The inputs grouped by the config that applies to each, in the order the
    groups first appear; no input: the current folder's config, for no paths."""
    if not paths:
        return [(find(os.getcwd()), [])]
    memo: dict[Path, Path | None] = {}
    groups: dict[Path | None, list[str]] = {}
    for p in paths:
        groups.setdefault(nearest(p, memo), []).append(p)
    return list(groups.items())
