"""The click options of every command, derived from the one declaration
(ftprep/core/options.py), and the glue from flags and config files to one `Options`.

The mapping flags carry the API's own names (`fieldInstruction` becomes
`--field-instruction`), so a command line reads like the job it prepares.
A command takes `@declared_options("check")` and calls `settings(...)`:
flags win over `[tool.ftprep]`, which wins over the declared defaults.
"""

from __future__ import annotations

import typing as t

import click
from click.core import ParameterSource

from ftprep.core.options import Declaration, Options, declarations
from ftprep.engine.settings import choices as registry_choices
from ftprep.engine.settings import settle

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class RegistryChoice(click.Choice):
    """A choice among a registry's names (tasks, chat templates), looked up only
    when a value is checked or --help is shown, so that loading a command stays cheap."""

    def __init__(self, registry: str) -> None:
        self.registry = registry
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:
        return registry_choices(self.registry)

    @choices.setter
    def choices(self, value: t.Any) -> None:  # click's __init__ assigns it; the registry is the source
        pass


class ByteSize(click.ParamType):
    """A byte count: 8589934592, 8G, 512M, 64K (powers of 1024)."""

    name = "bytes"
    UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

    def convert(self, value: t.Any, param: t.Any, ctx: t.Any) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        unit = text[-1:] if text[-1:] in self.UNITS else ""
        try:
            n = float(text[:len(text) - len(unit)]) * self.UNITS[unit]
        except ValueError:
            self.fail(f"{value!r} is not a size such as 8G, 512M or 1000000", param, ctx)
        if n < 1:
            self.fail(f"{value!r} is below 1 byte", param, ctx)
        return int(n)

    @staticmethod
    def shown(n: int) -> str:
        """8589934592 -> 8G: the largest unit that divides it."""
        for unit, size in sorted(ByteSize.UNITS.items(), key=lambda u: -u[1]):
            if size > 1 and n % size == 0:
                return f"{n // size}{unit}"
        return str(n)


def param_type(decl: Declaration, command: str) -> t.Any:
    """The click type of an option, from its declared kind, bounds and choices."""
    allowed = decl.on(command, "choices")
    if allowed is not None:
        return RegistryChoice(allowed) if isinstance(allowed, str) else click.Choice(list(allowed))
    low, open_low = decl.minimum, decl.open_minimum
    if decl.kind == "int":
        return int if low is None else click.IntRange(int(low))
    if decl.kind == "float":
        return float if low is None else click.FloatRange(min=low, min_open=open_low)
    if decl.kind == "bytes":
        return ByteSize()
    if decl.kind == "file":
        return click.Path(dir_okay=False, exists=True)
    if decl.kind == "path":
        return click.Path(dir_okay=False)
    return None  # text


def click_option(decl: Declaration, command: str) -> t.Callable[[F], F]:
    """One declared option as `command` shows it."""
    default = decl.on(command, "default")
    if decl.kind == "bytes" and default is not None:
        default = ByteSize.shown(default)  # --help shows 8G, not 8589934592
    kw: dict[str, t.Any] = {"help": decl.on(command, "help"), "default": default}
    if decl.on(command, "required"):
        kw["required"] = True
    if decl.kind == "bool":
        kw["is_flag"] = True
    else:
        kw["type"] = param_type(decl, command)
        kw["show_default"] = default is not None
    if decl.metavar:
        kw["metavar"] = decl.metavar
    return click.option(t.cast(str, decl.flag), decl.param, **kw)  # declared_options takes those with a flag


def declared_options(command: str) -> t.Callable[[F], F]:
    """Every declared option of `command`, in the order of the declaration."""
    chosen = [d for d in declarations() if command in d.commands and d.flag]

    def apply(f: F) -> F:
        for decl in reversed(chosen):
            f = click_option(decl, command)(f)
        return f
    return apply


def io_error(message: str) -> click.ClickException:
    """A one-line IO failure: exit 2, like a usage error, never a traceback."""
    from ftprep.core.redact import redact

    e = click.ClickException(redact(message))
    e.exit_code = 2  # type: ignore[misc]  # click types it a ClassVar; an instance's own value is what it uses
    return e


def usage_error(e: BaseException | str) -> click.UsageError:
    """An input that cannot be read, as a usage error (exit 2) whose message is
    redacted: it may quote a URL with its password or signature."""
    from ftprep.core.redact import redact

    return click.UsageError(redact(str(e)))


def apply_config(ctx: click.Context, paths: t.Sequence[str], params: dict[str, t.Any]) -> dict[str, t.Any]:
    """Fill options the user did not give from the config file. Raises UsageError on a bad file."""
    from ftprep.cli import config

    if params.pop("isolated", False):
        params.pop("config_path", None)
        return params
    explicit = params.pop("config_path", None)
    try:
        found = config.load(explicit) if explicit else config.discover(list(paths))[1]
    except config.ConfigFileError as e:
        raise click.UsageError(str(e)) from None
    command = ctx.command.name or ""
    by_key = {d.key: d for d in declarations() if d.config}
    for key, value in found.items():
        decl = by_key[key]
        if decl.param not in params or not decl.on(command, "config"):
            continue
        if ctx.get_parameter_source(decl.param) in (ParameterSource.DEFAULT, None):
            params[decl.param] = value
    return params


def settings(ctx: click.Context, verb: str, paths: t.Sequence[str],
             params: dict[str, t.Any]) -> tuple[Options, dict[str, t.Any]]:
    """The one `Options` of a command for `verb`, built once: its flags, then
    `[tool.ftprep]`, then the declared defaults, checked like the library's
    keywords (a bad value from a config file is a usage error). Returns it with
    the command's other parameters (output format, HTML page...)."""
    params = apply_config(ctx, paths, params)
    fields = {d.name for d in declarations() if verb in d.verbs}
    given = {k: v for k, v in params.items() if k in fields}
    rest = {k: v for k, v in params.items() if k not in fields}
    try:
        return settle(verb, None, given), rest
    except ValueError as e:
        raise usage_error(e) from None
