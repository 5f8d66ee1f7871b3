"""A self-contained HTML report: the length histogram and the diagnostics table.

Inline CSS and SVG only, no scripts or external assets, so the page can be
mailed or attached to a CI run. Written atomically.
"""

from __future__ import annotations

import html
import os
import typing as t

from ftprep.disk.outputs import discard, publish, refuse_input, sweep, temp_file

if t.TYPE_CHECKING:
    from ftprep.core.diagnostics import Report

# Token statistics (ftprep.engine.length_stats.Stats), as the check or `ftprep stats`
# made them: the page reads them and computes nothing.
TokenStats = t.Any

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#b00020;font-weight:600}.warning{color:#8a5a00;font-weight:600}
.ok{color:#1b7f3b;font-weight:600}.note{color:#555}code{background:#f4f4f4;padding:0 .2em}
svg text{font:11px system-ui,sans-serif;fill:#333}
"""


def write_html(report: Report, path: str | os.PathLike[str], stats: TokenStats | t.Mapping[str, TokenStats] | None = None) -> None:
    """Write `report` (and token statistics when known) as one HTML page at `path`.

    `stats` is a `Stats`, or a mapping of report path to `Stats`. When it is
    None, the statistics that `check --tokenizer/--max-seq-len` kept in each
    file report are used, or the estimate a file report offers on demand.
    """
    by_path: dict[str, TokenStats] = {}
    if stats is not None and hasattr(stats, "lengths"):
        by_path = {f.path: t.cast("TokenStats", stats) for f in report.files[:1]}
        by_path.setdefault(t.cast("TokenStats", stats).path, t.cast("TokenStats", stats))
    elif stats is not None:
        by_path = dict(t.cast("t.Mapping[str, TokenStats]", stats))
    else:
        by_path = {f.path: f.stats["tokens"] for f in report.files if "tokens" in f.stats}
        for f in report.files:
            later = f.stats.get("tokens_later")
            if f.path not in by_path and later is not None:
                by_path[f.path] = later()
    target = os.fspath(path)
    refuse_input(target, [f.path for f in report.files], "the HTML report")
    page = render_page(report, by_path)
    folder = os.path.dirname(os.path.abspath(target))
    sweep(folder)
    fd, tmp = temp_file(folder, ".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
        publish(tmp, target)
    finally:
        discard(tmp)


def render_page(report: Report, by_path: t.Mapping[str, TokenStats]) -> str:
    e = html.escape
    s = report.summary()
    verdict = ('<span class="error">FAILED</span>' if s["errors"] else '<span class="ok">OK</span>')
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>ftprep report</title>"
             f"<style>{CSS}</style></head><body><h1>ftprep report</h1>",
             f"<p>{verdict}: {s['files']} file(s), {s['rows']:,} rows, {s['errors']:,} error(s), "
             f"{s['warnings']:,} warning(s)</p>"]
    for f in report.files:
        task = f", task {e(f.task)}" if f.task else ""
        parts.append(f"<h2>{e(f.path)}{task}, {f.rows:,} rows</h2>")
        st = by_path.get(f.path)
        if st is not None and st.rendered:
            parts.append(stats_section(st))
        parts.append(table(f.diagnostics))
        if f.dropped:
            more = ", ".join(f"{n:,} more {e(c)}" for c, n in sorted(f.dropped.items()))
            parts.append(f"<p class=note>Not shown: {more}.</p>")
    parts.append("</body></html>\n")
    return "".join(parts)


def stats_section(st: TokenStats) -> str:
    e = html.escape
    est = "" if st.exact else " (estimate)"
    kind = (f"exact, tokenizer <code>{e(st.tokenizer)}</code>" if st.exact
            else f"<b>estimates</b> ({e(st.tokenizer)}); pass --tokenizer for exact counts")
    out = [f"<p>Token counts: {kind}. Template: {e(st.chat_template or 'none')}.</p>", histogram_svg(st)]
    rows = [("tokens per row" + est, st.summary())]
    if st.trains:
        rows.append(("trained tokens per row" + est, st.summary(st.trained)))
    out.append("<table><tr><th></th>" + "".join(f"<th>{k}</th>" for k in ("min", "p50", "p90", "p99", "max")) + "</tr>")
    for label, summ in rows:
        if summ:
            out.append(f"<tr><td>{e(label)}</td>" + "".join(f"<td class=n>{v:,}</td>" for v in summ.values()) + "</tr>")
    out.append("</table>")
    over = st.over(st.max_seq_len)
    out.append(f"<p>Total tokens{est}: {st.total_tokens:,}. Rows over {st.max_seq_len:,}: <b>{len(over):,}</b>; "
               f"over {st.base_seq_len} (the trainer's base config): {len(st.over(st.base_seq_len)):,}.</p>")
    return "".join(out)


def histogram_svg(st: TokenStats, w: int = 720, h: int = 220) -> str:
    bins = st.histogram(24)
    if not bins:
        return "<p class=note>No rendered rows.</p>"
    e = html.escape
    pad_l, pad_b, pad_t = 48, 36, 12
    plot_w, plot_h = w - pad_l - 8, h - pad_b - pad_t
    top = max(c for _, _, c in bins) or 1
    bw = plot_w / len(bins)
    lo, hi = bins[0][0], bins[-1][1]
    shapes = [f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{w - 8}" y2="{pad_t + plot_h}" stroke="#999"/>',
              f'<text x="{pad_l - 6}" y="{pad_t + 10}" text-anchor="end">{top:,}</text>',
              f'<text x="{pad_l - 6}" y="{pad_t + plot_h}" text-anchor="end">0</text>']
    for i, (a, b, c) in enumerate(bins):
        bh = c / top * plot_h
        x = pad_l + i * bw
        color = "#c0392b" if b - 1 > st.max_seq_len else "#2e86c1"
        shapes.append(f'<rect x="{x + 1:.1f}" y="{pad_t + plot_h - bh:.1f}" width="{max(bw - 2, 1):.1f}" '
                      f'height="{bh:.1f}" fill="{color}"><title>{a:,}-{b - 1:,} tokens: {c:,} rows</title></rect>')
    for i in (0, len(bins) // 2, len(bins)):
        value = lo + (hi - lo) * i // len(bins)
        shapes.append(f'<text x="{pad_l + i * bw:.1f}" y="{h - pad_b + 16}" text-anchor="middle">{value:,}</text>')
    if lo <= st.max_seq_len <= hi:
        x = pad_l + (st.max_seq_len - lo) / (hi - lo) * plot_w
        shapes.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{pad_t + plot_h}" stroke="#c0392b" '
                      f'stroke-dasharray="4 3"/><text x="{x + 4:.1f}" y="{pad_t + 10}">max {st.max_seq_len:,}</text>')
    label = f"tokens per row{'' if st.exact else ' (estimate)'}"
    shapes.append(f'<text x="{pad_l + plot_w / 2:.1f}" y="{h - 4}" text-anchor="middle">{e(label)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
            f'aria-label="{e(label)} histogram">{"".join(shapes)}</svg>')


def table(diagnostics: t.Sequence[t.Any]) -> str:
    if not diagnostics:
        return '<p class=ok>No findings.</p>'
    e = html.escape
    rows = ["<table><tr><th>line</th><th>row</th><th>code</th><th>severity</th><th>message</th><th>field</th></tr>"]
    for d in diagnostics:
        hint = f'<br><span class=note>hint: {e(d.hint)}</span>' if d.hint else ""
        rows.append(f"<tr><td class=n>{'' if d.line is None else d.line}</td>"
                    f"<td class=n>{'' if d.row is None else d.row}</td><td>{e(d.code)} {e(d.name)}</td>"
                    f"<td class={e(d.severity)}>{e(d.severity)}</td><td>{e(d.text)}{hint}</td>"
                    f"<td>{e(d.field or '')}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


__all__ = ["write_html"]
