"""What `ftprep stats` prints: the lengths, the findings grouped by code, a
histogram on log-spaced bins, and the rough time view (`stats_text`)."""

from __future__ import annotations

import sys
import typing as t

from ftprep.tasks import base_of


def diag_line(d: t.Any, color: bool = False) -> str:
    from ftprep.output.reporters import diagnostic_line

    return diagnostic_line(d, color=color)


def view_label(view: str, shape: str | None) -> str:
    """What a render or stats run shows: the trainer's view of the file, or convert's output."""
    if view == "converted":
        return (f"view: AFTER ftprep convert (source shape {shape}), not what the trainer gets from this file")
    return "view: what the trainer gets from this file as given (--as-converted shows what ftprep convert writes)"


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
            out.append(diag_line(found[0], color))
            continue
        where = ", ".join(str(d.line if d.line is not None else f"row {d.row}") for d in found[:lines])
        more = ", ..." if n > lines else ""
        out.append(f"{diag_line(found[0], color)} [{n:,} rows: lines {where}{more}]")
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
