"""What an option is: its `Declaration` (help, flag, kind, choices, bounds, config
key, the commands that show it, the verbs that take it), and `declared_field`,
which declares one as a field of `ftprep.core.options.Options`."""

from __future__ import annotations

import dataclasses
import typing as t


@dataclasses.dataclass(frozen=True)
class Declaration:
    """One option. `flag` None: a library keyword only. `choices`: the allowed
    values, or the name of the registry that holds them. `kind` is the value's
    type for the CLI and config: str, int, float, bool, bytes, path, file, files (repeatable), callable or any.
    `per_command` overrides help, default, choices, required or config for one command."""

    name: str
    annotation: t.Any
    default: t.Any
    help: str
    flag: str | None = None
    param: str = ""
    kind: str = "str"
    choices: tuple[str, ...] | str | None = None
    minimum: float | None = None
    open_minimum: bool = False
    metavar: str | None = None
    config: bool = False
    commands: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    per_command: t.Mapping[str, t.Mapping[str, t.Any]] = dataclasses.field(default_factory=dict)
    short: str | None = None
    # The value of the flag given without one (`--color` alone is `--color always`).
    flag_value: str | None = None

    @property
    def key(self) -> str:
        """The `[tool.ftprep]` key: the long flag without its dashes (kebab-case without a flag)."""
        return self.flag.removeprefix("--") if self.flag else self.name.replace("_", "-")

    def on(self, command: str, what: str) -> t.Any:
        """`what` (help, default, choices, required, config) as `command` shows it."""
        own = self.per_command.get(command, {})
        if what in own:
            return own[what]
        return {"required": False}.get(what, getattr(self, what, None))


def declared_field(default: t.Any, help: str, **spec: t.Any) -> t.Any:
    """A field of `Options` with its declaration (the rest of `Declaration`).
    `hashed` False: a value that may be a list or a table, left out of the hash
    that caches what the rows' checks are built from (it does not change them)."""
    hashed = spec.pop("hashed", True)
    return dataclasses.field(default=default, hash=None if hashed else False, metadata={"help": help, **spec})
