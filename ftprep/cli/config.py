"""Configuration from `[tool.ftprep]` in the nearest `pyproject.toml` (or a
top-level table in `ftprep.toml`).

The search starts at the common parent of the inputs and walks up, stopping at
a `.git` folder. Keys are the CLI's long option names (kebab-case); an unknown
key is an error. CLI flags win over the file.
"""

from __future__ import annotations

import os
import tomllib
import typing as t
from pathlib import Path

from ftprep.core.errors import ConfigFileError

# Keys a config file may set, with the type each must have.
KEYS: dict[str, type | tuple[type, ...]] = {
    "task": str, "field-instruction": str, "field-output": str, "field-conversation": str,
    "field-prompt": str, "field-chosen": str, "field-rejected": str, "chat-template": str,
    "min-rows": int, "strict": bool, "format": str, "max-per-code": int, "workers": int,
    "tokenizer": str, "max-seq-len": int, "image-model": str, "trigger": str, "field-caption": str,
    "min-pairs": int, "max-pairs": int, "drop-invalid": bool,
}


def _choices() -> dict[str, tuple[str, ...]]:
    """Keys whose value is one of a set, as on the command line."""
    from ftprep.tasks import TASK_NAMES, image_models
    from ftprep.tasks.base import CHAT_TEMPLATES

    return {"task": TASK_NAMES, "chat-template": CHAT_TEMPLATES, "image-model": image_models(),
            "format": ("text", "json", "github")}


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
    for key, value in table.items():
        if key not in KEYS:
            close = [k for k in KEYS if k.replace("-", "") == key.replace("_", "").replace("-", "")]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigFileError(f"{p}: unknown key '{key}' in [tool.ftprep]{hint}")
        if not isinstance(value, KEYS[key]) or (KEYS[key] is int and isinstance(value, bool)):
            raise ConfigFileError(f"{p}: '{key}' must be {KEYS[key].__name__}")  # type: ignore[union-attr]
        allowed = _choices().get(key)
        if allowed is not None and value not in allowed:
            raise ConfigFileError(f"{p}: invalid {key} {value!r}; choose from {', '.join(allowed)}")
        out[key] = value
    return out


def discover(paths: t.Sequence[str]) -> tuple[Path | None, dict[str, t.Any]]:
    local = [p for p in paths if "://" not in p]
    start = os.path.commonpath([os.path.abspath(p) for p in local]) if local else os.getcwd()
    found = find(start)
    return found, (load(found) if found else {})
