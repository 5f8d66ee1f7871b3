"""`ftprep render` and `ftprep stats`: thin layers over `ftprep.render` and `ftprep.stats`."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import typing as t

import click

from ftprep.cli.options import declared_options, io_error, settings, usage_error
from ftprep.cli.stats_view import diag_line, stats_text, view_label

OPEN, CLOSE = "[[", "]]"  # trained spans when colour is off


def _use_color(color: str, no_color: bool = False) -> bool:
    from ftprep.output.colour import wanted

    return wanted("never" if no_color else color, sys.stdout)


def mark(text: str, spans: t.Sequence[tuple[int, int]], color: bool) -> str:
    """`text` with its trained spans in colour, or between [[ and ]]; control
    characters from the data are shown as escapes, never sent to the terminal."""
    from ftprep.output.reporters import printable

    out, at = [], 0
    for a, b in spans:
        out.append(printable(text[at:a], keep_lines=True))
        part = printable(text[a:b], keep_lines=True)
        out.append(click.style(part, fg="green", bold=True) if color else OPEN + part + CLOSE)
        at = b
    out.append(printable(text[at:], keep_lines=True))
    return "".join(out)


def outcome_line(total: int, rendered: int, dropped: int) -> str:
    if rendered == total:
        return "all rows rendered"
    parts = [f"{rendered:,} of {total:,} rows rendered"]
    if dropped:
        parts.append(f"{dropped:,} dropped by the trainer's prep")
    if total - rendered - dropped:
        parts.append(f"{total - rendered - dropped:,} not rendered (the trainer fails on them or cannot read them)")
    return "; ".join(parts)


@click.command()
@click.argument("path")
@declared_options("render")
@click.option("--no-color", "no_color", is_flag=True, hidden=True, help="The same as --color never.")
@click.pass_context
def render(ctx: click.Context, path: str, color: str, no_color: bool, **params: t.Any) -> None:
    """Show each row as the trainer's chat template renders it.

    The rows are what the trainer gets from the file as given: only the mapped
    columns, its prep's drop rules (dropped rows are shown with the reason).
    --as-converted shows the rows `ftprep convert` would write instead.
    Trained (assistant) text is coloured on a terminal, else put between [[ and ]].
    --format json prints one entry per row: the text, or null where prep drops
    the row or the trainer fails on it (the reasons go to stderr; dpo: {prompt,
    chosen, rejected}). The default template is chatml.

    Examples:

    \b
      ftprep render chats.jsonl --chat-template llama3 --rows 3
      ftprep render sharegpt.jsonl --as-converted --color never
      ftprep render pairs.jsonl --task dpo --format json
    """
    from ftprep.engine.renderer import render as run_render
    from ftprep.core.errors import SourceError

    opts, rest = settings(ctx, "render", [path], params)
    fmt = rest["fmt"]
    try:
        result = run_render(path, options=opts)
    except (SourceError, ValueError, OSError) as err:
        raise usage_error(err) from None
    errors = any(d.severity == "error" for d in result.diagnostics)
    if (fmt or "text") == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        for d in result.diagnostics:
            click.echo(diag_line(d), err=True)
        ctx.exit(1 if errors else 0)
    from ftprep.output.reporters import printable

    use = _use_color(color, no_color)
    template = f", template {result.chat_template}" if result.chat_template else ""
    click.echo(f"{printable(path)}: task {result.task}{template}, {len(result.entries):,} rows; trained text "
               + ("in colour" if use else f"between {OPEN} and {CLOSE}"))
    click.echo(view_label(result.view, result.shape))
    for e in result.entries:
        where = f"line {e.line}" if e.line is not None else f"row {e.row}"
        click.echo(click.style(f"--- {where} ---", dim=True) if use else f"--- {where} ---", color=use)
        for d in e.diagnostics:
            click.echo(diag_line(d, use), color=use)
        if e.pair is not None:
            for key, part in e.pair.items():
                click.echo(f"{key}:")
                click.echo(mark(part.text, part.spans, use), color=use)
        elif e.text is not None:
            click.echo(mark(e.text, e.spans, use), color=use)
        else:
            click.echo("(dropped by the trainer's prep)" if e.dropped else "(not rendered)")
    total = len(result.entries)
    click.echo(outcome_line(total, total - result.rejected, result.dropped))
    ctx.exit(1 if errors else 0)


@click.command()
@click.argument("path")
@declared_options("stats")
@click.pass_context
def stats(ctx: click.Context, path: str, **params: t.Any) -> None:
    """Token lengths of the rows as the trainer renders them: percentiles, a histogram,
    over-length rows by line, rows with nothing trained, and a rough time view.

    Without --tokenizer every count is an estimate (about 4 characters per token).

    Examples:

    \b
      ftprep stats chats.jsonl --chat-template qwen3
      ftprep stats chats.jsonl --tokenizer Qwen/Qwen2.5-7B-Instruct --max-seq-len 2048
      ftprep stats train.jsonl --hours 2 --html lengths.html
      ftprep stats train.jsonl --format json
    """
    from ftprep.engine.lengths import stats as run_stats
    from ftprep.core.errors import SourceError

    opts, rest = settings(ctx, "stats", [path], params)
    fmt, html_path = rest["fmt"], rest["html_path"]
    from ftprep.cli.progress import bars, from_hub, hub_bars, wanted

    show = wanted(fmt, bool(rest.get("quiet")))
    hub = hub_bars(show) if from_hub([path], opts.tokenizer) else contextlib.nullcontext()
    with hub, bars(show) as bar:
        try:
            result = run_stats(path, options=opts if bar is None else dataclasses.replace(opts, progress=bar))
        except (SourceError, ValueError, OSError) as e:
            raise usage_error(e) from None
    errors = any(d.severity == "error" for d in result.diagnostics)
    if html_path:
        from ftprep.core.diagnostics import FileReport, Report
        from ftprep.output.html import write_html

        diags = sorted(result.diagnostics + result.length_diagnostics(), key=lambda d: -1 if d.row is None else d.row)
        try:
            write_html(Report([FileReport(result.path, result.task, result.rows, diags)]), html_path, result)
        except OSError as e:
            raise io_error(f"cannot write {html_path}: {e.strerror or e}") from None
        except ValueError as e:  # the page would replace an input
            raise io_error(str(e)) from None
    if (fmt or "text") == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        use = _use_color(rest["color"])
        for line in stats_text(result, color=use):
            click.echo(line, color=use)
    ctx.exit(1 if errors else 0)
