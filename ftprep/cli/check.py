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

from ftprep.cli.options import declared_options, grouped_settings, io_error, settings, usage_error
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

    Each finding is one line: path:line:col: CODE [severity] message [field]
    (hint: ...); `ftprep codes CODE` explains a code. Exit 0 clean (warnings
    allowed), 1 findings, 2 usage or IO failure.

    Examples:

    \b
      ftprep check train.jsonl
      ftprep check chats.jsonl --task chat --chat-template qwen3
      ftprep check raw.csv --task text --field-instruction question --field-output answer
      ftprep check 'data/*.jsonl' --min-rows 1 --format json
      ftprep check hf://datasets/alice/support-chats@main --task chat
      cat train.jsonl | ftprep check - --color never
      ftprep check train.jsonl --html report.html
    """
    from ftprep.verbs.check import check as run_check
    from ftprep.core.diagnostics import Report
    from ftprep.core.errors import ClusterError, SourceError

    groups, rest = grouped_settings(ctx, "check", paths, params)  # one per config that applies
    fmt, html_path = _reporter_name(rest["fmt"]), rest["html_path"]
    if rest.pop("show_settings", False):
        from ftprep.cli.show_settings import show_settings

        show_settings(groups, fmt, sys.stdout)
        ctx.exit(0)
    reports = []
    for group in groups:
        opts = group.options
        if html_path:  # the page's token lengths are counted in the check's own pass: the file is read once
            opts = dataclasses.replace(opts, count_lengths=True)
        with _progress(opts, group.paths, fmt, rest) as opts:
            try:
                reports.append(run_check(group.paths, options=opts))
            except (SourceError, ClusterError, ValueError, OSError) as e:
                raise usage_error(e) from None
    report = Report([f for r in reports for f in r.files],
                    list({n["message"]: n for r in reports for n in r.notes}.values()))
    from ftprep.cli.switches import reported

    report, status = reported(report, fmt, rest)  # baseline, statistics, quiet, output file, exit-zero
    if html_path:
        from ftprep.output.html import write_html

        try:
            write_html(report, html_path)
        except OSError as e:
            raise io_error(f"cannot write {html_path}: {e.strerror or e}") from None
        except ValueError as e:  # the page would replace an input
            raise io_error(str(e)) from None
    ctx.exit(status)


@click.command()
@click.argument("input", type=str)
@click.option("-o", "--output", required=True, help="Output file (.jsonl or .parquet), or a folder for images.")
@declared_options("convert")
@click.pass_context
def convert(ctx: click.Context, input: str, output: str, **params: t.Any) -> None:
    """Convert INPUT to the canonical columns of its task, checked, written atomically.

    Refuses to write when the data has errors, unless --drop-invalid.

    Examples:

    \b
      ftprep convert raw.csv --task text -o train.jsonl
      ftprep convert sharegpt.json --task chat -o chats.parquet
      ftprep convert raw.jsonl -o train.jsonl --drop-invalid
      ftprep convert pairs.jsonl --task dpo --field-prompt question -o dpo.jsonl
    """
    from ftprep.verbs.convert import convert as run_convert
    from ftprep.output.colour import wanted
    from ftprep.output.reporters import REPORTERS
    from ftprep.core.errors import ClusterError, SourceError

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

        text(result.report, sys.stdout, summary=False, color=wanted(rest["color"], sys.stdout))
        s = result.report.summary()
        if result.written:
            invalid, repeats = result.rows_dropped - result.rows_deduplicated, result.rows_deduplicated
            dropped = (f", dropped {invalid:,} invalid" if invalid else "") + \
                (f", dropped {repeats:,} duplicate(s)" if repeats else "")
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
