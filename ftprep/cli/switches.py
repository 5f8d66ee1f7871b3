"""What `ftprep check` does with its report, as ruff's switches do: a baseline
written or applied, `--statistics`, `--quiet`, `--output-file`, `--exit-zero`.
The selection itself (`--select`, `--ignore`...) is the library's, applied
before the report gets here."""

from __future__ import annotations

import io
import json
import sys
import typing as t

import click

from ftprep.cli.options import io_error, usage_error
from ftprep.core.diagnostics import Report


def _statistics(report: Report, fmt: str, stream: t.TextIO) -> None:
    from ftprep.core.codes import CODES
    from ftprep.core.selection import statistics

    rows = statistics(report)
    if fmt == "json":
        json.dump([{"code": c, "name": CODES[c].name, "severity": CODES[c].severity, "count": n} for n, c in rows],
                  stream, indent=2)
        stream.write("\n")
        return
    width = max((len(f"{n:,}") for n, _ in rows), default=1)
    for n, c in rows:
        stream.write(f"{n:>{width},} {c} {CODES[c].name}\n")


def reported(report: Report, fmt: str, rest: dict[str, t.Any]) -> tuple[Report, int]:
    """Print (or write) `report` as the switches in `rest` say; returns the report
    as shown (without baselined findings) and the exit code."""
    from ftprep.core.errors import BaselineError, OutputError

    quiet = rest.get("quiet", False)
    if rest.get("write_baseline"):
        from ftprep.verbs.baseline import write_baseline

        try:
            n = write_baseline(report, rest["write_baseline"])
        except (OutputError, OSError) as e:
            raise io_error(f"cannot write {rest['write_baseline']}: {getattr(e, 'strerror', None) or e}") from None
        if not quiet:
            click.echo(f"ftprep: recorded {n:,} finding(s) in the baseline {rest['write_baseline']}", err=True)
        return report, 0
    if rest.get("baseline"):
        from ftprep.verbs.baseline import apply_baseline

        try:
            report, matched = apply_baseline(report, rest["baseline"])
        except BaselineError as e:
            raise usage_error(e) from None
        if not quiet:
            click.echo(f"ftprep: {matched:,} finding(s) in the baseline {rest['baseline']} not shown", err=True)
    target = rest.get("output_file")
    stream: t.TextIO = io.StringIO() if target else sys.stdout
    from ftprep.output.colour import wanted
    from ftprep.output.reporters import write

    color = not target and wanted(rest.get("color", "auto"), stream, fmt)  # a file is never coloured
    if rest.get("statistics"):
        _statistics(report, fmt, stream)
    elif quiet and fmt == "text":
        from ftprep.output.reporters import text

        text(report, stream, summary=False, color=color, quiet=True)
    else:
        write(fmt, report, stream, color)
    if target:
        from ftprep.disk.outputs import write_text

        try:
            write_text(target, t.cast(io.StringIO, stream).getvalue(), [f.path for f in report.files], "the report")
        except OutputError as e:
            raise io_error(str(e)) from None
        except OSError as e:
            raise io_error(f"cannot write {target}: {e.strerror or e}") from None
    return report, 0 if report.ok or rest.get("exit_zero") else 1
