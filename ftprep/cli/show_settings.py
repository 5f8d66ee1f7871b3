"""`ftprep check --show-settings`: for each input, the config file that applies
and every setting with where its value came from, as `ruff check --show-settings`."""

from __future__ import annotations

import json
import os
import typing as t

from ftprep.cli.options import FileSettings
from ftprep.core.options import Options, declared


def _plain(value: t.Any) -> t.Any:
    """A value as JSON holds it (a loaded tokenizer or a callable: its repr)."""
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def described(group: FileSettings) -> dict[str, dict[str, t.Any]]:
    """Every option of the group, by its config key, with its value and source;
    a chat template the check infers from the model is shown as it will be used,
    from "model"."""
    from ftprep.engine.settings import with_model_template

    opts, note = with_model_template(group.options)
    inferred = note is not None and note.get("source") == "model"
    out = {}
    for name, source in sorted(group.sources.items()):
        if hasattr(Options, name):
            source = "model" if inferred and name == "chat_template" else source
            out[declared(name).key] = {"value": _plain(getattr(opts, name)), "source": source}
    return out


def _shown(config: t.Any) -> str | None:
    """A config's path as the user would type it: relative below the current folder."""
    if config is None:
        return None
    relative = os.path.relpath(config)
    return relative if not relative.startswith("..") else os.fspath(config)


def files(groups: t.Sequence[FileSettings]) -> list[dict[str, t.Any]]:
    """One entry per input: its path, the config that applies (None: none) and the settings."""
    return [{"path": path, "config": _shown(g.config), "settings": described(g)}
            for g in groups for path in (g.paths or ["."])]


def show_settings(groups: t.Sequence[FileSettings], fmt: str, stream: t.TextIO) -> None:
    from ftprep.output.reporters import printable

    if fmt == "json":
        json.dump({"files": files(groups)}, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    for g in groups:
        where = printable(_shown(g.config) or "none (the defaults)")
        for path in g.paths or ["."]:
            stream.write(f"{printable(path)}: config {where}\n")
        for name, entry in described(g).items():
            stream.write(f"  {name:<18} = {printable(json.dumps(entry['value'], ensure_ascii=False))}"
                         f"  ({entry['source']})\n")
