"""Option bundles shared by commands, and the glue from config files to options.

The mapping flags carry the API's own names (`fieldInstruction` becomes
`--field-instruction`), so a command line reads like the job it prepares.
"""

from __future__ import annotations

import typing as t

import click
from click.core import ParameterSource

from ftprep.core.bounds import MAX_DECOMPRESSED, MAX_EXPANSION
from ftprep.tasks import TASK_NAMES, image_models
from ftprep.tasks.base import CHAT_TEMPLATES, DEFAULT_MIN_ROWS

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
# From the task registry, so a new task module is a new CLI choice (and hook, and README row).
TASK_CHOICES = TASK_NAMES
MAPPING = ("field_instruction", "field_output", "field_conversation", "field_prompt", "field_chosen",
           "field_rejected")


def _stack(*decorators: t.Callable[[F], F]) -> t.Callable[[F], F]:
    def apply(f: F) -> F:
        for d in reversed(decorators):
            f = d(f)
        return f
    return apply


def task_option(required: bool = False) -> t.Callable[[F], F]:
    return click.option("--task", type=click.Choice(TASK_CHOICES), required=required,
                        help="Task type; inferred from the columns when omitted.")


mapping_options = _stack(
    click.option("--field-instruction", metavar="COL", help="text: instruction column (default instruction)."),
    click.option("--field-output", metavar="COL", help="text: output column (default output)."),
    click.option("--field-conversation", metavar="COL", help="chat: conversation column (default conversations)."),
    click.option("--field-prompt", metavar="COL", help="dpo/grpo: prompt column (default prompt)."),
    click.option("--field-chosen", metavar="COL", help="dpo: chosen column (default chosen)."),
    click.option("--field-rejected", metavar="COL", help="dpo: rejected column (default rejected)."),
    click.option("--chat-template", type=click.Choice(CHAT_TEMPLATES), help="The job's chat template; its rules are checked."),
)

image_options = _stack(
    click.option("--image-model", type=click.Choice(image_models()), help="image: the diffusion model (caption limits)."),
    click.option("--trigger", metavar="WORD", help="image: a trigger word every caption should hold."),
    click.option("--field-caption", metavar="COL", help="image: caption column of metadata.jsonl/csv (default text)."),
    click.option("--min-pairs", type=int, default=10, show_default=True, help="image: fewest usable pairs."),
    click.option("--max-pairs", type=int, default=50, show_default=True, help="image: most usable pairs."),
)

check_options = _stack(
    click.option("--min-rows", type=click.IntRange(0), default=DEFAULT_MIN_ROWS, show_default=True,
                 help="Warn below this many rows (the service's minimum)."),
    click.option("--max-per-code", type=click.IntRange(1), default=100_000, show_default=True,
                 help="Keep at most this many diagnostics per code in memory; the rest are counted."),
    click.option("--workers", type=click.IntRange(1), default=None, help="Processes for big JSON Lines files (default: all cores)."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
                 help="Read options from this file instead of searching for [tool.ftprep]."),
    click.option("--isolated", is_flag=True, help="Ignore configuration files."),
)


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


# Bounds on what a .gz may expand to (ftprep.core.bounds), for every command that reads data.
bounds_options = _stack(
    click.option("--max-expansion", type=click.FloatRange(min=1), default=MAX_EXPANSION, show_default=True,
                 help="A .gz may expand to this many times its size (16 MiB always pass); past it: P014."),
    click.option("--max-decompressed", type=ByteSize(), default=f"{MAX_DECOMPRESSED >> 30}G", show_default=True,
                 help="A .gz may expand to at most this many bytes (e.g. 512M, 20G); past it: P014."),
)


token_options = _stack(
    click.option("--tokenizer", metavar="PATH_OR_ID", help="tokenizer.json or Hub id: exact token counts for --max-seq-len."),
    click.option("--max-seq-len", type=click.IntRange(1), help="Report rows longer than this many tokens."),
)


def io_error(message: str) -> click.ClickException:
    """A one-line IO failure: exit 2, like a usage error, never a traceback."""
    from ftprep.core.redact import redact

    e = click.ClickException(redact(message))
    e.exit_code = 2
    return e


def usage_error(e: BaseException) -> click.UsageError:
    """An input that cannot be read, as a usage error (exit 2) whose message is
    redacted: it may quote a URL with its password or signature."""
    from ftprep.core.redact import redact

    return click.UsageError(redact(str(e)))


def format_option(choices: t.Sequence[str]) -> t.Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=None,
                        help=f"Output format (default {choices[0]}; github under GITHUB_ACTIONS).")


def apply_config(ctx: click.Context, paths: t.Sequence[str], params: dict[str, t.Any]) -> dict[str, t.Any]:
    """Fill options the user did not give from the config file. Raises UsageError on a bad file."""
    from ftprep.cli import config

    if params.pop("isolated", False):
        params.pop("config_path", None)
        return params
    explicit = params.pop("config_path", None)
    try:
        settings = config.load(explicit) if explicit else config.discover(list(paths))[1]
    except config.ConfigFileError as e:
        raise click.UsageError(str(e)) from None
    for key, value in settings.items():
        name = "fmt" if key == "format" else key.replace("-", "_")
        if name not in params:
            continue
        if ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
            params[name] = value
    return params
