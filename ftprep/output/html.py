"""A self-contained HTML report: per file, a summary per code, the findings
(filterable by code and severity, capped per code), token lengths on a log axis,
turns and roles, rows rendered with the job's template, and duplicate groups.

Everything is inline (CSS, a small script, SVG), no network, so the page can be
mailed or attached to a CI run, and it reads on a phone. Written atomically.
"""

from __future__ import annotations

import html
import os
import typing as t

from ftprep.disk.outputs import refuse_input, write_text

if t.TYPE_CHECKING:
    from ftprep.core.diagnostics import Report

# Token statistics (ftprep.engine.length_stats.Stats), as the check or `ftprep stats`
# made them: the page reads them and computes nothing.
TokenStats = t.Any

# What each count covers, and why check's and stats' differ (found in the code: stats
# counts ftprep.engine.row_render's per-row findings, check runs every rule).
COUNTS_NOTE = ("<b>What the counts mean.</b> <code>ftprep check</code> counts findings: every rule, per row, "
               "plus rules on rows that render fine (an empty assistant turn C010, control tokens C016, duplicates "
               "D001) and on the whole file (the loader's column types L*, the row minimum D002); a cause shared by "
               "many rows (an unmapped column S003) is one finding, its rows in the <i>rows</i> column. "
               "<code>ftprep stats</code> counts rows, only what the trainer's prep and template meet one row at a "
               "time (rows prep drops, rows the template fails on), so its error count is lower and its S003 count "
               "is per row.")


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
    refuse_input(target, [f.path for f in report.files], "the HTML report")  # before the page is drawn
    page = render_page(report, by_path, "stats" if stats is not None and hasattr(stats, "lengths") else "check")
    write_text(target, page, [f.path for f in report.files], "the HTML report")


def render_page(report: Report, by_path: t.Mapping[str, TokenStats], origin: str = "check") -> str:
    """The page; `origin` is the command whose counts it shows ("check" or "stats")."""
    from importlib import resources

    from ftprep.output.html_findings import duplicate_groups, findings_section, summary_table
    from ftprep.output.html_lengths import lengths_section, samples_section

    data = resources.files("ftprep") / "data"
    css, js = (data / "report.css").read_text(encoding="utf-8"), (data / "report.js").read_text(encoding="utf-8")
    e = html.escape
    s = report.summary()
    verdict = ('<span class=error>FAILED</span>' if s["errors"] else '<span class=ok>OK</span>')
    parts = ["<!doctype html><html lang=en><head><meta charset=utf-8>"
             "<meta name=viewport content='width=device-width,initial-scale=1'>"
             f"<title>ftprep {e(origin)} report</title><style>{css}</style></head><body>"
             f"<h1>ftprep {e(origin)} report</h1>",
             f"<p id=verdict>{verdict}: {s['files']} file(s), <span id=total-rows>{s['rows']:,}</span> rows, "
             f"<span id=total-errors>{s['errors']:,}</span> error(s), "
             f"<span id=total-warnings>{s['warnings']:,}</span> warning(s)</p>"]
    if len(report.files) > 1:
        parts.append("<nav>" + "".join(f"<a href=#file-{i}>{e(f.path)}</a>" for i, f in enumerate(report.files))
                     + "</nav>")
    for i, f in enumerate(report.files):
        task = f", task {e(f.task)}" if f.task else ""
        st = by_path.get(f.path)
        has = st is not None and st.rendered
        links = [("summary", "summary")]
        links += [("lengths", "lengths"), ("rows", "rendered rows")] if has else []
        links += [("duplicates", "duplicates")] if any(d.code == "D001" for d in f.diagnostics) else []
        links += [("findings", "findings")] if f.diagnostics or f.dropped else []
        parts.append(f"<section class=file id=file-{i}><h2>{e(f.path)}{task}, {f.rows:,} rows</h2>")
        if links:
            parts.append("<nav>" + "".join(f"<a href=#{k}-{i}>{v}</a>" for k, v in links) + "</nav>")
        seen = dict(st.counts) if st is not None and origin == "check" else None
        parts.append(f"<section id=summary-{i}><h3>Summary by code</h3>"
                     f"{summary_table(f, f'findings-{i}', seen)}<p class='note counts'>{COUNTS_NOTE}</p></section>")
        if has and st is not None:  # the findings, the longest part, come last
            parts.append(f"<div id=lengths-{i}>{lengths_section(st)}</div><div id=rows-{i}>{samples_section(st)}</div>")
        parts.append(f"<div id=duplicates-{i}>{duplicate_groups(f)}</div>")
        parts.append(findings_section(f, f"findings-{i}") + "</section>")
    parts.append(f"<script>{js}</script></body></html>\n")
    return "".join(parts)


__all__ = ["COUNTS_NOTE", "render_page", "write_html"]
