"""What the API commands (`submit`, `cost`, `jobs ...`) share: the `--api-key`
and `--format` options, one redacted way to print, errors as one line with
exit 2, and confirmations that are asked only on a terminal."""

from __future__ import annotations

import functools
import json
import sys
import typing as t

import click

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


api_key_option = click.option("--api-key", metavar="KEY", default=None,
                              help="API key (default: $VOLTAGEGPU_API_KEY). Base URL: $VOLTAGEGPU_BASE_URL.")


def api_options(f: F) -> F:
    """--format and --api-key, for the jobs commands."""
    from ftprep.cli.options import declared_options

    return api_key_option(declared_options("jobs")(f))


def interactive() -> bool:
    return sys.stdin.isatty()


def say(text: str, file: t.TextIO | None = None, err: bool = False) -> None:
    """Every line these commands print goes through here, redacted: a server that
    echoes the key, or a datasetUrl with its signature, must not be printed."""
    from ftprep.core.redact import redact

    click.echo(redact(text), file=file, err=err)


def emit(fmt: str, data: t.Any, text: str) -> None:
    say(json.dumps(data, indent=2, ensure_ascii=False) if fmt == "json" else text)


def fail(message: str, hint: str = "", code: int = 2) -> t.NoReturn:
    say(f"ftprep: error: {message}" + (f"; {hint}" if hint else ""), err=True)
    raise click.exceptions.Exit(code)


def errors_handled(f: F) -> F:
    """Known failures become one line on stderr and exit 2, never a traceback."""

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        from ftprep.api.errors import ApiError
        from ftprep.core.errors import HubError, RequestInvalid, SourceError

        try:
            return f(*args, **kwargs)
        except (ApiError, HubError) as e:
            fail(e.message, e.hint)
        except RequestInvalid as e:
            for problem in e.problems[:-1]:
                say(f"ftprep: error: request: {problem}", err=True)
            fail(f"request: {e.problems[-1]}", "nothing was sent")
        except (ValueError, OSError, SourceError) as e:
            fail(str(e))

    return t.cast(F, wrapper)


def confirm_or_refuse(yes: bool, question: str) -> bool:
    if yes:
        return True
    if not interactive():
        fail("refusing to go on without confirmation: not a terminal", "pass --yes to confirm")
    return click.confirm(question, default=False, err=True)
