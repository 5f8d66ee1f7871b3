"""The `ftprep` command. Commands live in small modules, loaded on use, so
that `ftprep --help` and a pre-commit check start fast.

Exit codes: 0 clean (warnings allowed), 1 findings, 2 usage, IO or internal failure.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
import typing as t

import click

# command name -> "module:attribute"; the order is the order of --help.
COMMANDS = {
    "check": "ftprep.cli.check:check",
    "convert": "ftprep.cli.check:convert",
    "render": "ftprep.cli.render:render",
    "stats": "ftprep.cli.render:stats",
    "push": "ftprep.cli.hub:push",
    "submit": "ftprep.cli.submit:submit",
    "jobs": "ftprep.cli.jobs:jobs",
    "cost": "ftprep.cli.submit:cost",
    "codes": "ftprep.cli.check:codes",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n in COMMANDS if self._load(n, listing=True) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str, listing: bool = False) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as e:
            if e.name != module and not listing and not (e.name or "").startswith("ftprep"):
                raise  # a library the command needs is missing: main() says what to install
            return None  # a command whose module is not there yet (--help lists the others)
        except (ImportError, AttributeError):
            return None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ftprep")
def cli() -> None:
    """Pre-flight checks for fine-tuning datasets: find every problem before a paid job does.

    \b
    ftprep check data.jsonl --task chat --chat-template qwen3
    ftprep convert raw.csv --task text -o train.jsonl
    """


def guard_arguments(args: t.Sequence[str]) -> None:
    """Register the secrets given on the command line (an --api-key, URLs with a
    password or a signature), so no message can print them back."""
    from ftprep.core.redact import register_secret, register_url

    for i, arg in enumerate(args):
        if arg.startswith("--api-key="):
            register_secret(arg.partition("=")[2])
        elif arg == "--api-key" and i + 1 < len(args):
            register_secret(args[i + 1])
        elif "://" in arg:
            register_url(arg.partition("=")[2] if arg.startswith("--") else arg)


def main(argv: t.Sequence[str] | None = None) -> int:
    from ftprep.disk.outputs import terminating
    from ftprep.core.redact import guard_logging, redact

    guard_arguments(list(argv) if argv is not None else sys.argv[1:])
    guard_logging()
    try:
        # SIGTERM unwinds every command (exit 143), so that temporary folders are removed.
        with terminating():
            # Without standalone mode click returns the code given to ctx.exit().
            # args=None lets click read sys.argv itself (and expand globs on Windows).
            rv = cli.main(args=list(argv) if argv is not None else None, prog_name="ftprep", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        # click quotes bad values back (a URL given to the wrong option, a path): redacted, and no
        # terminal controls, like every message.
        from ftprep.output.reporters import printable

        shown = io.StringIO()
        e.show(file=shown)
        click.echo(printable(redact(shown.getvalue()), keep_lines=True), err=True, nl=False)
        return 2 if isinstance(e, click.UsageError) or e.exit_code == 2 else e.exit_code
    except click.exceptions.Abort as e:
        click.echo("Aborted.", err=True)
        # Ctrl-C (click turns it into Abort): the conventional 128 + SIGINT.
        return 130 if isinstance(e.__cause__ or e.__context__, KeyboardInterrupt) else 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except ImportError as e:  # a partial install: say what to install, not "internal error"
        if os.environ.get("FTPREP_DEBUG"):
            raise
        from ftprep.core.missing import install_hint
        from ftprep.output.reporters import printable

        click.echo(printable(redact(f"ftprep: {install_hint(e)}")), err=True)
        return 2
    except Exception as e:  # never a traceback for the user; FTPREP_DEBUG=1 shows it
        if os.environ.get("FTPREP_DEBUG"):
            raise
        from ftprep.output.reporters import printable

        click.echo(printable(redact(f"ftprep: internal error: {type(e).__name__}: {e}")), err=True)
        return 2


def run() -> t.NoReturn:
    sys.exit(main())
