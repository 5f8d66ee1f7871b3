"""`ftprep check`, `ftprep convert` and `ftprep codes`: thin layers over the
library functions of the same names."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import typing as t

import click

from ftprep.cli.options import declared_options, io_error, settings, usage_error
from ftprep.core.options import Options, declared

FORMATS = t.cast("tuple[str, ...]", declared("format").choices)  # the reporters of check and convert


def _reporter_name(fmt: str | None) -> str:
    if fmt is None:
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if fmt not in FORMATS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return fmt


@contextlib.contextmanager
def _progress(opts: Options, paths: t.Sequence[str], fmt: str, rest: t.Mapping[str, t.Any]) -> t.Iterator[Options]:
    """`opts` with a progress bar for each long pass, on a terminal only (never in
    pre-commit or CI logs, nor beside a machine format); the Hub's own bars alike."""
    from ftprep.cli.progress import bars, from_hub, hub_bars, wanted

    show = wanted(fmt, bool(rest.get("quiet")))
    with contextlib.ExitStack() as stack:
        if from_hub(paths, opts.tokenizer):  # the datasets library loads hf:// repos
            stack.enter_context(hub_bars(show, datasets=from_hub(paths)))
        bar = stack.enter_context(bars(show))
        yield opts if bar is None else dataclasses.replace(opts, progress=bar)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@declared_options("check")
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], **params: t.Any) -> None:
    """Check datasets: every problem, with its file, line and field.

    PATHS are data files (JSONL, JSON, CSV, TSV, Parquet, optionally .gz), globs,
    image folders or zips (--task image), hf://datasets/OWNER/NAME[@REV] or URLs,
    or - for standard input (JSON Lines unless --stdin-format). Other special
    files (FIFOs, devices) are refused: pipe them in with -.
    """
    from ftprep.verbs.check import check as run_check
    from ftprep.output.reporters import REPORTERS
    from ftprep.core.errors import SourceError

    opts, rest = settings(ctx, "check", paths, params)
    fmt, html_path = _reporter_name(rest["fmt"]), rest["html_path"]
    if html_path:  # the page's token lengths are counted in the check's own pass: the file is read once
        opts = dataclasses.replace(opts, count_lengths=True)
    with _progress(opts, paths, fmt, rest) as opts:
        try:
            report = run_check(list(paths), options=opts)
        except (SourceError, ValueError, OSError) as e:
            raise usage_error(e) from None
        REPORTERS[fmt](report, sys.stdout)
        if html_path:
            from ftprep.output.html import write_html

            try:
                write_html(report, html_path)  # may count the lengths now: its bar is drawn too
            except OSError as e:
                raise io_error(f"cannot write {html_path}: {e.strerror or e}") from None
            except ValueError as e:  # the page would replace an input
                raise io_error(str(e)) from None
    ctx.exit(0 if report.ok else 1)


@click.command()
@click.argument("input", type=str)
@click.option("-o", "--output", required=True, help="Output file (.jsonl or .parquet), or a folder for images.")
@declared_options("convert")
@click.pass_context
def convert(ctx: click.Context, input: str, output: str, **params: t.Any) -> None:
    """Convert INPUT to the canonical columns of its task, checked, written atomically.

    Refuses to write when the data has errors, unless --drop-invalid.
    """
    from ftprep.verbs.convert import convert as run_convert
    from ftprep.output.reporters import REPORTERS
    from ftprep.core.errors import SourceError

    opts, rest = settings(ctx, "convert", [input], params)
    fmt = _reporter_name(rest["fmt"])
    with _progress(opts, [input], fmt, rest) as opts:
        try:
            result = run_convert(input, output, options=opts)
        except (SourceError, ValueError, OSError) as e:
            raise usage_error(e) from None
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif fmt != "text":  # a CI format: the conversion's report, as check writes it
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
            if opts.also_zip:
                click.echo(f"wrote the trainer zip to {printable(str(result.output).rstrip('/'))}.zip")
        else:
            # P004 is the consequence (nothing left), not a cause that --drop-invalid could not remove.
            whole_file = any(d.severity == "error" and d.row is None and d.code != "P004"
                             for d in result.report.diagnostics)
            if not opts.drop_invalid:
                advice = "fix the errors or pass --drop-invalid"
            elif whole_file:
                advice = "the errors about the whole file cannot be dropped: fix them"
            else:
                advice = "no row is left to write"
            click.echo(f"not written: {s['errors']:,} error(s), {s['warnings']:,} warning(s); {advice}")
    ctx.exit(0 if result.written else 1)


@click.command()
@click.argument("code", required=False)
@declared_options("codes")
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
