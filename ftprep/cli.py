"""The `ftprep` command. Commands live in small modules, loaded on use, so
that `ftprep --help` and a pre-commit check start fast.

Exit codes: 0 clean (warnings allowed), 1 findings, 2 usage, IO or internal failure.
"""

from __future__ import annotations

import importlib
import os
import sys
import typing as t

import click

# command name -> "module:attribute"; the order is the order of --help.
COMMANDS = {
    "check": "ftprep.cli_check:check",
    "convert": "ftprep.cli_check:convert",
    "render": "ftprep.cli_render:render",
    "stats": "ftprep.cli_render:stats",
    "push": "ftprep.cli_hub:push",
    "submit": "ftprep.cli_jobs:submit",
    "jobs": "ftprep.cli_jobs:jobs",
    "cost": "ftprep.cli_jobs:cost",
    "codes": "ftprep.cli_check:codes",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n in COMMANDS if self._load(n) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            return None  # a command whose module is not there yet


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ftprep")
def cli() -> None:
    """Pre-flight checks for fine-tuning datasets: find every problem before a paid job does.

    \b
    ftprep check data.jsonl --task chat --chat-template qwen3
    ftprep convert raw.csv --task text -o train.jsonl
    """


def main(argv: t.Sequence[str] | None = None) -> int:
    try:
        # Without standalone mode click returns the code given to ctx.exit().
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="ftprep", standalone_mode=False)
        return rv if isinstance(rv, int) else 0
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        from ftprep.reporters import printable

        e.message = printable(e.message)  # it may name a path or echo data: no terminal controls
        e.show()
        return 2 if isinstance(e, click.UsageError) or e.exit_code == 2 else e.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # never a traceback for the user; FTPREP_DEBUG=1 shows it
        if os.environ.get("FTPREP_DEBUG"):
            raise
        from ftprep.reporters import printable

        click.echo(printable(f"ftprep: internal error: {type(e).__name__}: {e}"), err=True)
        return 2


def run() -> t.NoReturn:
    sys.exit(main())
