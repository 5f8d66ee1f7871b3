"""The token-length parts of the HTML page: the distribution on a log axis with
the sequence-length line, prompt vs trained tokens, turns and roles, the rows
over the limit, and a few rows rendered with the job's template. Handed a
`Stats` (ftprep.engine.length_stats), they lay out what it holds."""

from __future__ import annotations

import html
import math
import typing as t

if t.TYPE_CHECKING:
    from ftprep.engine.length_stats import Sample, Stats

OVER_LISTED = 100  # over-length rows listed by line
SAMPLE_CHARS = 4000  # characters of a rendered row shown
BINS = 32
e = html.escape


def lengths_section(st: Stats) -> str:
    est = "" if st.exact else " (estimate)"
    kind = (f"exact, tokenizer <code>{e(st.tokenizer)}</code>" if st.exact
            else f"<b>estimates</b> ({e(st.tokenizer)}); pass <code>--tokenizer</code> for exact counts")
    template = f"template <code>{e(st.chat_template)}</code>" if st.chat_template else "no chat template (text task)"
    out = ["<section class=lengths><h3>Token lengths</h3>",
           f"<p>Token counts: {kind}; {template}. {st.rendered:,} of {st.rows:,} rows rendered"
           + (f", {st.dropped:,} dropped by the trainer's prep" if st.dropped else "") + ".</p>",
           log_chart(st), percentiles(st, est)]
    over = st.over(st.max_seq_len)
    out.append(f"<p>Total tokens{est}: {st.total_tokens:,}"
               + (f" ({st.total_trained:,} trained)" if st.trains else "") + ". "
               f"Rows over the sequence length {st.max_seq_len:,}: <b class=over-count>{len(over):,}</b>"
               + ("; the trainer drops them" if over and st.trains else "") +
               f". Over {st.base_seq_len:,} (the trainer's base config): {len(st.over(st.base_seq_len)):,}.</p>")
    if over:
        listed = ", ".join(f"{'line ' + format(a, ',') if a is not None else 'row ' + format(b, ',')} ({n:,})"
                           for a, b, n in over[:OVER_LISTED])
        more = f", and {len(over) - OVER_LISTED:,} more" if len(over) > OVER_LISTED else ""
        out.append(f"<p class=over-rows>Over-length rows (tokens): {e(listed)}{more}.</p>")
    if st.trains and st.empty_trained:
        listed = ", ".join(str(a if a is not None else f"row {b}") for a, b in st.empty_trained[:OVER_LISTED])
        out.append(f"<p>Rows with no trained tokens: {len(st.empty_trained):,} (lines {e(listed)}).</p>")
    out.append("<div class=grid>" + counts_table("Turns per conversation", "messages",
                                                 [(str(k), v) for k, v in sorted(st.turns.items())])
               + counts_table("Messages per role", "role", sorted(st.roles.items(), key=lambda kv: -kv[1]))
               + "</div>")
    out.append("</section>")
    return "".join(out)


def percentiles(st: Stats, est: str) -> str:
    rows = [("tokens per row" + est, st.summary())]
    if st.trains:
        rows += [("prompt (untrained) tokens per row" + est, st.summary(st.prompt)),
                 ("trained tokens per row" + est, st.summary(st.trained))]
    out = ["<div class=scroll><table class=percentiles><thead><tr><th></th>"
           + "".join(f"<th class=n>{k}</th>" for k in ("min", "p50", "p90", "p99", "max")) + "</tr></thead><tbody>"]
    for label, summ in rows:
        if summ:
            out.append(f"<tr><td>{e(label)}</td>" + "".join(f"<td class=n>{v:,}</td>" for v in summ.values())
                       + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def counts_table(title: str, key: str, items: t.Sequence[tuple[str, int]]) -> str:
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    out = [f"<div><h3>{e(title)}</h3><table class=counts><thead><tr><th>{e(key)}</th><th class=n>count</th>"
           "<th></th></tr></thead><tbody>"]
    for k, v in items:
        out.append(f"<tr><td>{e(k)}</td><td class=n>{v:,}</td><td style='width:50%'><span class=bar "
                   f"style='width:{max(1.0, 100 * v / top):.1f}%'></span></td></tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _tick(v: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1000)):
        if v >= size:
            return f"{v // size}{unit}" if v % size == 0 else f"{v / size:g}{unit}"
    return str(v)


def log_chart(st: Stats, w: int = 760, h: int = 260) -> str:
    """Rows per length on a log x axis; bars past the limit in red; the limit and the
    trainer's base sequence length as vertical lines. Scales with the page (viewBox)."""
    bins = st.log_histogram(BINS)
    if not bins:
        return "<p class=note>No rendered rows.</p>"
    pad_l, pad_r, pad_b, pad_t = 56, 16, 42, 22
    plot_w, plot_h = w - pad_l - pad_r, h - pad_b - pad_t
    lo, hi = math.log10(max(bins[0][0], 1)), math.log10(max(bins[-1][1], 2))
    hi = hi if hi > lo else lo + 1
    x = lambda v: pad_l + (math.log10(max(v, 1)) - lo) / (hi - lo) * plot_w  # noqa: E731
    top = max(c for _, _, c in bins) or 1
    base_y = pad_t + plot_h
    shapes = [f'<line x1="{pad_l}" y1="{base_y}" x2="{w - pad_r}" y2="{base_y}" stroke="#999"/>',
              f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{base_y}" stroke="#ccc"/>',
              f'<text x="{pad_l - 6}" y="{pad_t + 4}" text-anchor="end">{top:,}</text>',
              f'<text x="{pad_l - 6}" y="{base_y}" text-anchor="end">0</text>']
    for a, b, c in bins:
        # A bin with rows is at least 2px tall: 86 long rows among a million stay visible.
        bh = max(2.0, c / top * plot_h) if c else 0.0
        cls = "over" if a > st.max_seq_len else "in"
        x0, x1 = x(a), x(b)
        shapes.append(f'<rect class="{cls}" data-low="{a}" data-high="{b}" data-rows="{c}" x="{x0 + .5:.1f}" '
                      f'y="{base_y - bh:.1f}" width="{max(x1 - x0 - 1, 1):.1f}" height="{bh:.1f}">'
                      f'<title>{a:,}-{b - 1:,} tokens: {c:,} rows</title></rect>')
    k = math.floor(lo)
    while k <= hi:  # ticks at 1, 2, 5 x powers of ten inside the axis
        for m in (1, 2, 5):
            v = m * 10 ** k
            if lo <= math.log10(v) <= hi:
                anchor = "start" if x(v) - pad_l < 10 else "end" if w - pad_r - x(v) < 10 else "middle"
                shapes.append(f'<line x1="{x(v):.1f}" y1="{base_y}" x2="{x(v):.1f}" y2="{base_y + 4}" stroke="#999"/>'
                              f'<text class="tick" x="{x(v):.1f}" y="{base_y + 16}" text-anchor="{anchor}">'
                              f'{_tick(v)}</text>')
        k += 1
    for cls, limit, label in (("base", st.base_seq_len, f"base {st.base_seq_len:,}"),
                              ("limit", st.max_seq_len, f"max-seq-len {st.max_seq_len:,}")):
        if bins[0][0] <= limit + 1 <= bins[-1][1]:
            lx = x(limit + 1)
            anchor = "end" if lx > pad_l + plot_w * .8 else "start"
            dx = -4 if anchor == "end" else 4
            ident = ' id="seq-len"' if cls == "limit" else ""
            shapes.append(f'<line{ident} class="{cls}" data-tokens="{limit}" x1="{lx:.1f}" y1="{pad_t - 8}" '
                          f'x2="{lx:.1f}" y2="{base_y}"/><text x="{lx + dx:.1f}" y="{pad_t - 10 + (12 if cls == "base" else 0)}" '
                          f'text-anchor="{anchor}">{e(label)}</text>')
    label = f"tokens per row, log scale{'' if st.exact else ' (estimate)'}"
    shapes.append(f'<text x="{pad_l + plot_w / 2:.1f}" y="{h - 6}" text-anchor="middle">{e(label)}</text>')
    return (f'<svg class="chart" data-scale="log" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
            f'role="img" aria-label="{e(label)}: rows per length">{"".join(shapes)}</svg>')


def samples_section(st: Stats) -> str:
    """The first rows as the job's template renders them, trained text highlighted."""
    if not st.samples:
        return ""
    template = e(st.chat_template or "no template (text task)")
    out = [f"<section class=samples><h3>Rows as the trainer renders them</h3><p>The first {len(st.samples)} "
           f"rendered rows, with <code>{template}</code>; <mark class=trained>highlighted</mark> text is trained "
           "(the rest is masked).</p>"]
    for s in st.samples:
        out.append(sample_block(s))
    out.append("</section>")
    return "".join(out)


def sample_block(s: Sample) -> str:
    where = f"line {s.line:,}" if s.line is not None else f"row {s.row:,}"
    out = [f"<div class=sample><div class=where>{e(where)}</div>"]
    for label, text, spans in s.parts:
        if len(s.parts) > 1:
            out.append(f"<div class=where>{e(label)}</div>")
        out.append(f"<pre>{marked(text, spans)}</pre>")
    out.append("</div>")
    return "".join(out)


def marked(text: str, spans: t.Sequence[tuple[int, int]], limit: int = SAMPLE_CHARS) -> str:
    """`text` escaped, trained spans in <mark>, cut at `limit` characters (and says so)."""
    cut = text[:limit]
    out, at = [], 0
    for a, b in spans:
        a, b = min(a, len(cut)), min(b, len(cut))
        if a >= b:
            continue
        out.append(e(cut[at:a]) + f"<mark class=trained>{e(cut[a:b])}</mark>")
        at = b
    out.append(e(cut[at:]))
    if len(text) > limit:
        out.append(f"\n<span class=note>... {len(text) - limit:,} more characters</span>")
    return "".join(out)


__all__ = ["lengths_section", "log_chart", "samples_section"]
