"""`ftprep check`, `ftprep convert` and `ftprep codes`: thin layers over the
library functions of the same names."""

from __future__ import annotations

import json
import os
import sys
import typing as t

import click

from ftprep.cli.options import (
    apply_config,
    bounds_options,
    check_options,
    format_option,
    image_options,
    io_error,
    mapping_options,
    task_option,
    token_options,
    usage_error,
)
from ftprep.disk.inputs import STDIN_FORMATS
from ftprep.tasks.base import MAX_URL_BYTES

FORMATS = ("text", "json", "github")


def _reporter_name(fmt: str | None) -> str:
    if fmt is None:
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if fmt not in FORMATS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return fmt


def _progress(params: dict[str, t.Any], paths: t.Sequence[str]) -> None:
    """A progress bar for image sets, on a terminal only (never in pre-commit or CI logs)."""
    from ftprep.reading.formats import is_image_set

    if any(is_image_set(p, params.get("task")) for p in paths):
        from ftprep.image.progress import terminal_progress

        params["progress"] = terminal_progress(sys.stderr)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@task_option()
@mapping_options
@image_options
@check_options
@token_options
@bounds_options
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Also write a self-contained HTML report.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--max-url-bytes", type=click.IntRange(1), default=MAX_URL_BYTES, show_default=True,
              help="custom_* tasks: the trainer's size limit for data at a URL.")
@click.option("--stdin-format", type=click.Choice(STDIN_FORMATS), default="jsonl", show_default=True,
              help="What '-' (standard input) holds; gzip is recognised by itself.")
@format_option(FORMATS)
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, html_path: str | None, **params: t.Any) -> None:
    """Check datasets: every problem, with its file, line and field.

    PATHS are data files (JSONL, JSON, CSV, TSV, Parquet, optionally .gz), globs,
    image folders or zips (--task image), hf://datasets/OWNER/NAME[@REV] or URLs,
    or - for standard input (JSON Lines unless --stdin-format). Other special
    files (FIFOs, devices) are refused: pipe them in with -.
    """
    from ftprep.verbs.check import check as run_check
    from ftprep.output.reporters import REPORTERS
    from ftprep.core.errors import SourceError

    params["fmt"] = fmt
    params = apply_config(ctx, paths, params)
    fmt = _reporter_name(params.pop("fmt"))
    _progress(params, paths)
    try:
        report = run_check(list(paths), **params)
    except (SourceError, ValueError, OSError) as e:
        raise usage_error(e) from None
    REPORTERS[fmt](report, sys.stdout)
    if html_path:
        from ftprep.output.html import write_html

        try:
            write_html(report, html_path)
        except OSError as e:
            raise io_error(f"cannot write {html_path}: {e.strerror or e}") from None
        except ValueError as e:  # the page would replace an input
            raise io_error(str(e)) from None
    ctx.exit(0 if report.ok else 1)


@click.command()
@click.argument("input", type=str)
@click.option("-o", "--output", required=True, help="Output file (.jsonl or .parquet), or a folder for images.")
@task_option()
@mapping_options
@image_options
@click.option("--drop-invalid", is_flag=True, help="Write only the valid rows instead of refusing.")
@bounds_options
@click.option("--also-zip", is_flag=True, help="image: also write the flat image+.txt zip the trainer consumes.")
@click.option("--force", is_flag=True, help="image: replace an existing OUTPUT.zip that ftprep did not write.")
@click.option("--min-rows", type=click.IntRange(0), default=8000, show_default=True, help="Warn below this many rows.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True), help="Config file to use.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@format_option(FORMATS)
@click.pass_context
def convert(ctx: click.Context, input: str, output: str, fmt: str | None, **params: t.Any) -> None:
    """Convert INPUT to the canonical columns of its task, checked, written atomically.

    Refuses to write when the data has errors, unless --drop-invalid.
    """
    from ftprep.verbs.convert import convert as run_convert
    from ftprep.output.reporters import REPORTERS
    from ftprep.core.errors import SourceError

    params["fmt"] = fmt
    params = apply_config(ctx, [input], params)
    fmt = _reporter_name(params.pop("fmt"))
    if not params.get("also_zip"):
        params.pop("also_zip", None)
    if not params.get("force"):
        params.pop("force", None)
    _progress(params, [input])
    try:
        result = run_convert(input, output, **params)
    except (SourceError, ValueError, OSError) as e:
        raise usage_error(e) from None
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif fmt == "github":
        REPORTERS[fmt](result.report, sys.stdout)
    else:
        from ftprep.output.reporters import text

        text(result.report, sys.stdout, summary=False)
        s = result.report.summary()
        if result.written:
            dropped = f", dropped {result.rows_dropped:,} invalid" if result.rows_dropped else ""
            fields = " ".join(f"{k}={v}" for k, v in result.job_fields.items())
            from ftprep.output.reporters import printable

            click.echo(f"wrote {result.rows_written:,} rows to {printable(result.output)} "
                       f"(task {result.task}, source shape {result.shape}{dropped}); job fields: {fields}")
            if params.get("also_zip"):
                click.echo(f"wrote the trainer zip to {printable(str(result.output).rstrip('/'))}.zip")
        else:
            # P004 is the consequence (nothing left), not a cause that --drop-invalid could not remove.
            whole_file = any(d.severity == "error" and d.row is None and d.code != "P004"
                             for d in result.report.diagnostics)
            if not params.get("drop_invalid"):
                advice = "fix the errors or pass --drop-invalid"
            elif whole_file:
                advice = "the errors about the whole file cannot be dropped: fix them"
            else:
                advice = "no row is left to write"
            click.echo(f"not written: {s['errors']:,} error(s), {s['warnings']:,} warning(s); {advice}")
    ctx.exit(0 if result.written else 1)


@click.command()
@click.argument("code", required=False)
@format_option(("text", "json"))
def codes(code: str | None, fmt: str | None) -> None:
    """List the diagnostic codes, or explain one: ftprep codes C013.

    Without CODE: every code with its severity and meaning. With CODE (C013,
    or its name system-dropped): what it means, why the trainer cares, an
    example and the fix."""
    from ftprep.core.codes import CODES

    if code is not None:
        from ftprep.core.explanations import explain, unknown

        try:
            entry = explain(code)
        except KeyError:
            raise click.BadParameter(unknown(code), param_hint="CODE") from None
        click.echo(json.dumps(entry.to_json(), indent=2, ensure_ascii=False) if fmt == "json" else entry.text())
        return
    if fmt == "json":
        click.echo(json.dumps({c.code: {"name": c.name, "severity": c.severity, "summary": c.summary}
                               for c in CODES.values()}, indent=2))
        return
    for c in CODES.values():
        click.echo(f"{c.code}  {c.name:<24} {c.severity:<8} {c.summary}")
