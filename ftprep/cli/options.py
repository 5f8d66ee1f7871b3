"""The click options of every command, derived from the one declaration
(ftprep/core/options.py), and the glue from flags and config files to one `Options`.

The mapping flags carry the API's own names (`fieldInstruction` becomes
`--field-instruction`), so a command line reads like the job it prepares.
A command takes `@declared_options("check")` and calls `settings(...)`:
flags win over `[tool.ftprep]`, which wins over the declared defaults.
"""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import click
from click.core import ParameterSource

from ftprep.core.declaration import Declaration
from ftprep.core.options import Options, declarations
from ftprep.engine.settings import choices as registry_choices
from ftprep.engine.settings import settle

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
# Where a command's config came from, in its click context's meta.


class SuggestingChoice(click.Choice):
    """A choice whose error says which allowed value was meant (`gemma`: gemma3)."""

    def convert(self, value: t.Any, param: t.Any, ctx: t.Any) -> t.Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as e:
            from ftprep.core.suggestion import did_you_mean

            self.fail(f"{e.message.rstrip('.')}{did_you_mean(value, self.choices)}", param, ctx)


class RegistryChoice(SuggestingChoice):
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
        return RegistryChoice(allowed) if isinstance(allowed, str) else SuggestingChoice(list(allowed))
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
    elif decl.kind == "files":  # repeatable; click gives a tuple
        kw["multiple"] = True
    else:
        kw["type"] = param_type(decl, command)
        kw["show_default"] = default is not None
    if decl.metavar:
        kw["metavar"] = decl.metavar
    if decl.flag_value is not None:  # the value may be left out: the flag alone means flag_value
        kw.update(flag_value=decl.flag_value, is_flag=False)
    # declared_options takes those with a flag
    return click.option(t.cast(str, decl.flag), *([decl.short] if decl.short else []), decl.param, **kw)


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


def config_error(message: str) -> click.ClickException:
    """A bad config file (unreadable, an unknown key, a bad value): its error alone
    on one line, exit 2, without click's usage banner: no flag was wrong."""
    return io_error(message)


def usage_error(e: BaseException | str) -> click.UsageError:
    """An input that cannot be read, as a usage error (exit 2) whose message is
    redacted: it may quote a URL with its password or signature."""
    from ftprep.core.redact import redact

    return click.UsageError(redact(str(e)))


@dataclasses.dataclass
class FileSettings:
    """The settings of the inputs one config applies to: the config (None: no
    file, or --isolated), the inputs, their `Options`, and where each option's
    value came from (flag, config or default)."""

    config: Path | None
    paths: list[str]
    options: Options
    sources: dict[str, str]


def _configs(paths: t.Sequence[str], params: dict[str, t.Any]) -> list[tuple[Path | None, dict[str, t.Any], list[str]]]:
    """Each group of inputs with the config that applies to it: `--isolated` none,
    `--config` one for all, else the nearest to each file. UsageError on a bad file."""
    from ftprep.cli import config

    isolated, explicit = params.pop("isolated", False), params.pop("config_path", None)
    if isolated:
        return [(None, {}, list(paths))]
    try:
        if explicit:
            return [(Path(explicit), config.load(explicit), list(paths))]
        return [(found, config.load(found) if found else {}, group) for found, group in config.grouped(paths)]
    except config.ConfigFileError as e:
        raise config_error(str(e)) from None


def _filled(ctx: click.Context, params: dict[str, t.Any],
            found: dict[str, t.Any]) -> tuple[dict[str, t.Any], dict[str, str]]:
    """`params` with the options the user did not give taken from `found` (one
    config), and the source of each parameter's value."""
    command = ctx.command.name or ""
    by_key = {d.key: d for d in declarations() if d.config}
    params = dict(params)
    sources = {name: "default" if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None) else "flag"
               for name in params}
    for key, value in found.items():
        decl = by_key[key]
        # A config-only option (per-file-ignores) has no flag: it reaches the verbs that take it.
        if (decl.param not in params and command not in decl.verbs) or not decl.on(command, "config"):
            continue
        if sources.get(decl.param, "default") == "default":
            params[decl.param], sources[decl.param] = value, "config"
    return params, sources


def grouped_settings(ctx: click.Context, verb: str, paths: t.Sequence[str],
                     params: dict[str, t.Any]) -> tuple[list[FileSettings], dict[str, t.Any]]:
    """One `FileSettings` per config that applies to some of `paths`: flags,
    then that config, then the declared defaults, checked like the library's
    keywords (a bad value from a config file is a usage error). Returns them with
    the command's other parameters (output format, HTML page...), which are one
    for the whole run: those of the first group's config."""
    params = dict(params)
    fields = {d.name for d in declarations() if verb in d.verbs}
    out, rest = [], None
    for found_in, found, group in _configs(paths, params):
        filled, sources = _filled(ctx, params, found)
        given = {k: v for k, v in filled.items() if k in fields}
        try:
            opts = settle(verb, None, given)
        except ValueError as e:
            _config_values_settle(verb, given, sources, found_in)
            raise usage_error(e) from None
        out.append(FileSettings(found_in, group, opts, {k: v for k, v in sources.items() if k in fields}))
        if rest is None:
            rest = {k: v for k, v in filled.items() if k not in fields}
    return out, rest or {}


def _config_values_settle(verb: str, given: dict[str, t.Any], sources: dict[str, str], found_in: Path | None) -> None:
    """Raise the config error when the bad value came from the config file: the
    values given as flags (and the defaults) settle without the config's."""
    flagged = {k: v for k, v in given.items() if sources.get(k) != "config"}
    try:
        settle(verb, None, flagged)
    except ValueError:
        return
    try:
        settle(verb, None, given)
    except ValueError as e:
        raise config_error(f"{found_in or 'config'}: [tool.ftprep]: {e}") from None


def settings(ctx: click.Context, verb: str, paths: t.Sequence[str],
             params: dict[str, t.Any]) -> tuple[Options, dict[str, t.Any]]:
    """The one `Options` of a command of one input (convert, push, submit) for
    `verb`, from the config nearest to it (see `grouped_settings`)."""
    groups, rest = grouped_settings(ctx, verb, paths, params)
    return groups[0].options, rest
