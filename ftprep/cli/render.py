"""`ftprep render` and `ftprep stats`: thin layers over `ftprep.render` and `ftprep.stats`."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import typing as t

import click

from ftprep.tasks import base_of
from ftprep.cli.options import declared_options, io_error, settings, usage_error

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


def _diag_line(d: t.Any, color: bool = False) -> str:
    from ftprep.output.reporters import diagnostic_line

    return diagnostic_line(d, color=color)


def view_label(view: str, shape: str | None) -> str:
    """What a render or stats run shows: the trainer's view of the file, or convert's output."""
    if view == "converted":
        return (f"view: AFTER ftprep convert (source shape {shape}), not what the trainer gets from this file")
    return "view: what the trainer gets from this file as given (--as-converted shows what ftprep convert writes)"


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
            click.echo(_diag_line(d), err=True)
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
            click.echo(_diag_line(d, use), color=use)
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


def stats_text(s: t.Any, width: int | None = None, color: bool = False) -> list[str]:
    """The text report of a `Stats`, printable (control characters from the data
    are escapes); its findings are coloured with `color`."""
    from ftprep.output.reporters import printable

    lines = _stats_lines(s, width, color)
    return [ln if found else printable(ln) for ln, found in lines]


def _stats_lines(s: t.Any, width: int | None, color: bool) -> list[tuple[str, bool]]:
    """(line, whether it is a finding's line, printable already)."""
    from ftprep.engine.tokens import BASE_SEQ_LEN

    est = "" if s.exact else " (estimate)"
    template = f", template {s.chat_template}" if s.chat_template else ""
    dropped = f", {s.dropped:,} dropped by the trainer's prep" if s.dropped else ""
    out = [f"{s.path}: task {s.task}{template}, {s.rows:,} rows, {s.rendered:,} rendered{dropped}"]
    if s.view != "trainer":
        out.append(view_label(s.view, s.shape))
    out.append(f"tokens: exact, tokenizer {s.tokenizer}" if s.exact else
               f"tokens: ESTIMATE, {s.tokenizer}; pass --tokenizer for exact counts")
    base = base_of(s.task)
    if base == "dpo":
        out.append("dpo: a row is the prompt plus its longer response; trained = both responses")
    elif base == "grpo":
        out.append("grpo: a row is the prompt with its generation prompt; completions are generated at run time")
    findings = grouped(s.diagnostics, s.counts, color=color)
    if s.counts:  # say what the counts cover, which check counts differently
        findings.append(counts_note(s))
    top = [(ln, False) for ln in out] + [(ln, True) for ln in findings]
    out = [""]
    head = f"{'':<28}" + "".join(f"{k:>9}" for k in ("min", "p50", "p90", "p99", "max"))
    out.append(head)
    rows = [("tokens per row" + est, s.summary())]
    if s.trains:
        rows.append(("trained per row" + est, s.summary(s.trained)))
    for label, summ in rows:
        if summ:
            out.append(f"{label:<28}" + "".join(f"{v:>9,}" for v in summ.values()))
    trained = f" ({s.total_trained:,} trained)" if s.trains else " (GRPO: completions are generated, nothing trained)"
    out.append(f"total tokens{est}: {s.total_tokens:,}{trained}")
    over = s.over(s.max_seq_len)
    lines = ", ".join(str(a if a is not None else f"row {b}") for a, b, _ in over[:20]) + (", ..." if len(over) > 20 else "")
    out.append(f"over --max-seq-len {s.max_seq_len:,}{est}: {len(over):,} rows" + (f" (lines {lines})" if over else "")
               + ("; the trainer drops them" if over and s.trains else ""))
    out.append(f"over {BASE_SEQ_LEN}, the trainer's base sequence_len{est}: {len(s.over(BASE_SEQ_LEN)):,} rows")
    if s.trains:
        empty = ", ".join(str(a if a is not None else f"row {b}") for a, b in s.empty_trained[:20])
        out.append(f"rows with no trained tokens{est}: {len(s.empty_trained):,}" + (f" (lines {empty})" if empty else ""))
    if s.injected_system:
        out.append(f"rows where phi_4 injects its built-in system prompt: {s.injected_system:,} (not counted)")
    out += [""] + histogram_text(s, width)
    out += [""] + time_text(s)
    out += [f"note: {n}" for n in s.notes]
    return top + [(ln, False) for ln in out]


COUNTS_NOTE = ("counted per row, in what the trainer's prep and template meet one row at a time; `ftprep check` "
               "also runs the rules on rows that render (empty turns C010, control tokens C016, duplicates D001) "
               "and on the whole file (the loader's column types L*, the row minimum D002), and reports a cause "
               "shared by many rows once, so its counts differ")


def counts_note(s: t.Any) -> str:
    """What stats' finding counts cover, and why check's differ."""
    sev = s.by_severity()
    return (f"findings: {sev.get('error', 0):,} error rows, {sev.get('warning', 0):,} warning rows, " + COUNTS_NOTE)


def grouped(diagnostics: t.Sequence[t.Any], counts: t.Mapping[str, int] | None = None, lines: int = 5,
            color: bool = False) -> list[str]:
    """One line per code: the first finding, how many rows have it (`counts`, when
    more were found than kept), and their first lines."""
    by_code: dict[str, list[t.Any]] = {}
    for d in diagnostics:
        by_code.setdefault(d.code, []).append(d)
    out = []
    for found in by_code.values():
        n = max(len(found), (counts or {}).get(found[0].code, 0))
        if n == 1:
            out.append(_diag_line(found[0], color))
            continue
        where = ", ".join(str(d.line if d.line is not None else f"row {d.row}") for d in found[:lines])
        more = ", ..." if n > lines else ""
        out.append(f"{_diag_line(found[0], color)} [{n:,} rows: lines {where}{more}]")
    return out


def histogram_text(s: t.Any, width: int | None = None) -> list[str]:
    """Rows per token length on log-spaced bins (a rule at --max-seq-len), bars to the terminal's width."""
    bins = s.log_histogram()
    if not bins:
        return ["histogram: no rendered rows"]
    enc = (getattr(sys.stdout, "encoding", None) or "").lower()
    block = "█" if enc.startswith("utf") else "#"
    top = max(c for _, _, c in bins) or 1
    labels = [f"{a:,}" if b - a == 1 else f"{a:,}-{b - 1:,}" for a, b, _ in bins]
    label = max(map(len, labels))
    counts = max(len(f"{c:,}") for _, _, c in bins)
    if width is None:  # the terminal's width; 80 when piped, so logs and files do not depend on a window
        import shutil

        width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    bar_width = max(10, width - label - counts - 8)
    out = [f"tokens per row{'' if s.exact else ' (estimate)'}, log-spaced bins:"]
    ruled = False
    for (a, _, c), text in zip(bins, labels):
        if a > s.max_seq_len and not ruled:
            out.append(f"  {'-' * label} + over --max-seq-len {s.max_seq_len:,} (dropped):")
            ruled = True
        # A bin with rows always shows one block, so that a few long rows among a million stay visible.
        bar = block * max(1 if c else 0, round(c / top * bar_width))
        out.append(f"  {text:>{label}} | {bar} {c:,}")
    return out


def _duration(hours: float | None) -> str:
    h = hours or 0.0
    if h * 3600 < 60:
        return f"{h * 3600:.2g} s"
    if h < 1:
        return f"{h * 60:.1f} min"
    return f"{h:,.1f} h"


def time_text(s: t.Any) -> list[str]:
    v = s.time_view()
    est = "" if s.exact else " (token counts are estimates)"
    out = [f"time, rough{est}:",
           f"  ASSUMED {v['assumed_tokens_per_second']:,.0f} tokens/s ({v['assumption']})",
           f"  one epoch: {s.total_tokens:,} tokens = {_duration(v['hours_per_epoch'])}; "
           f"{_duration(v['hours_per_epoch_padded'])} {v['padded_note']}"]
    if "hours" in v:
        out.append(f"  {v['hours']:g} h covers about {v['epochs_in_hours'] or 0:,.1f} epochs "
                   f"({v['epochs_in_hours_padded'] or 0:,.1f} if padded)")
    else:
        out.append("  pass --hours to see how many epochs the job's hours cover")
    return out
