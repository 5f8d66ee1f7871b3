"""The findings parts of the HTML page: a summary per code, the findings table
(filterable, capped per code) and the duplicate groups. Handed a `FileReport`,
they lay out what it holds."""

from __future__ import annotations

import html
import typing as t

from ftprep.core.codes import CODES

if t.TYPE_CHECKING:
    from ftprep.core.diagnostics import Diagnostic, FileReport

# Findings shown per code: a 20k-row file with 8,334 findings stays a page of a few
# hundred rows; the JSON report (--format json) lists every one.
CAP_PER_CODE = 50
FIRST_LINES = 5  # places named in the summary per code
DUPLICATE_GROUPS = 30  # largest groups of repeated rows shown
SEVERITIES = ("error", "warning")
e = html.escape


def place(d: Diagnostic) -> str:
    if d.line is not None:
        return f"line {d.line:,}"
    return f"row {d.row:,}" if d.row is not None else "file"


def by_code(f: FileReport) -> dict[str, list[Diagnostic]]:
    """The kept findings per code, codes in order of their first finding."""
    out: dict[str, list[Diagnostic]] = {}
    for d in f.diagnostics:
        out.setdefault(d.code, []).append(d)
    for code in f.dropped:
        out.setdefault(code, [])
    return out


def summary_table(f: FileReport, anchor: str, seen_by_stats: t.Mapping[str, int] | None) -> str:
    """One row per code: severity, findings (kept + not kept), rows they stand for,
    meaning and first places, linked to the findings filtered to the code."""
    groups = by_code(f)
    if not groups:
        return "<p class=ok>No findings.</p>"
    order = sorted(groups, key=lambda c: (SEVERITIES.index(_severity(f, c)) if _severity(f, c) in SEVERITIES
                                          else 9, c))
    stats_col = "<th class='n hide-narrow' title='rows with this code in the trainer&#39;s prep and template'>in stats</th>" \
        if seen_by_stats is not None else ""
    out = ["<div class=scroll><table class=summary><thead><tr><th>code</th><th>severity</th>"
           "<th class=n>findings</th><th class='n hide-narrow'>rows</th>" + stats_col +
           "<th>meaning</th><th class=hide-narrow>first at</th></tr></thead><tbody>"]
    for code in order:
        kept = groups[code]
        dropped = f.dropped.get(code, 0)
        findings = len(kept) + dropped
        rows = sum(d.count for d in kept) + dropped
        sev = _severity(f, code)
        info = CODES[code]
        first = ", ".join(place(d) for d in kept[:FIRST_LINES]) + (", ..." if findings > FIRST_LINES else "")
        stats_cell = f"<td class='n hide-narrow'>{seen_by_stats.get(code, 0):,}</td>" if seen_by_stats is not None else ""
        out.append(f"<tr data-code={e(code)} data-severity={e(sev)}>"
                   f"<td><a href=#{anchor} data-code={e(code)}><code>{e(code)}</code></a> {e(info.name)}</td>"
                   f"<td class={e(sev)}>{e(sev)}</td><td class='n count' data-count={findings}>{findings:,}</td>"
                   f"<td class='n hide-narrow'>{rows:,}</td>{stats_cell}<td class=msg>{e(info.summary)} "
                   f"<span class=note>(stage: {e(info.stage)})</span></td>"
                   f"<td class=hide-narrow>{e(first)}</td></tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _severity(f: FileReport, code: str) -> str:
    """The severity as this report holds it (--strict raises warnings to errors)."""
    for d in f.diagnostics:
        if d.code == code:
            return d.severity
    return "error" if f.strict else CODES[code].severity


def findings_section(f: FileReport, anchor: str, cap: int = CAP_PER_CODE) -> str:
    """The findings, filterable by code and severity, at most `cap` per code."""
    groups = by_code(f)
    if not groups:
        return ""
    total = sum(len(v) + f.dropped.get(c, 0) for c, v in groups.items())
    sevs = sorted({_severity(f, c) for c in groups}, key=lambda s: SEVERITIES.index(s) if s in SEVERITIES else 9)
    boxes = "".join(f"<label><input type=checkbox checked data-severity={e(s)}> <span class={e(s)}>{e(s)}</span>"
                    "</label>" for s in sevs)
    options = "".join(f"<option value={e(c)}>{e(c)} {e(CODES[c].name)}</option>" for c in sorted(groups))
    shown = sum(min(len(v), cap) for v in groups.values())
    out = [f"<section class=findings id={anchor}><h3>Findings</h3>"
           f"<div class=filters>{boxes}<label>code <select class=code><option value=''>all codes</option>{options}"
           f"</select></label><span>showing <b class=shown>{shown:,}</b> of {total:,}</span></div>"
           f"<p class=note>At most {cap:,} findings per code are listed here; <code>--format json</code> "
           "lists every one.</p><div class=scroll><table><thead><tr><th class=n>line</th>"
           "<th class='n hide-narrow'>row</th><th>code</th><th>message</th><th class=hide-narrow>field</th>"
           "</tr></thead><tbody>"]
    rows = [d for code in groups for d in groups[code][:cap]]
    rows.sort(key=lambda d: d.sort_key())
    for d in rows:
        hint = f'<br><span class=note>hint: {e(d.hint)}</span>' if d.hint else ""
        out.append(f"<tr class=finding data-code={e(d.code)} data-severity={e(d.severity)}>"
                   f"<td class=n>{'' if d.line is None else f'{d.line:,}'}</td>"
                   f"<td class='n hide-narrow'>{'' if d.row is None else f'{d.row:,}'}</td>"
                   f"<td><code>{e(d.code)}</code> <span class='badge {e(d.severity)}'>{e(d.severity)}</span></td>"
                   f"<td class=msg>{e(d.text)}{hint}</td><td class=hide-narrow>{e(d.field or '')}</td></tr>")
    for code, kept in groups.items():
        more = len(kept) + f.dropped.get(code, 0) - min(len(kept), cap)
        if more > 0:
            out.append(f"<tr class=more data-code={e(code)} data-severity={e(_severity(f, code))}><td colspan=5>"
                       f"and {more:,} more {e(code)} findings, not listed (cap {cap:,} per code)</td></tr>")
    out.append("</tbody></table></div></section>")
    return "".join(out)


def duplicate_groups(f: FileReport, limit: int = DUPLICATE_GROUPS) -> str:
    """D001 findings grouped by the row they repeat, largest groups first."""
    dups = [d for d in f.diagnostics if d.code == "D001"]
    if not dups:
        return ""
    groups: dict[tuple[int | None, int | None], list[Diagnostic]] = {}
    for d in dups:
        groups.setdefault((d.first_row, d.first_line), []).append(d)
    order = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0][0] if kv[0][0] is not None else -1))
    out = [f"<section class=duplicates><h3>Duplicate groups</h3><p>{len(dups):,} row(s) repeat "
           f"{len(groups):,} earlier row(s) in the trained columns (the trainer trains each copy again)."]
    if f.dropped.get("D001"):
        out.append(f" Groups are made from the {len(dups):,} duplicates kept; {f.dropped['D001']:,} more "
                   "were counted, not kept.")
    out.append("</p><div class=scroll><table><thead><tr><th>first</th><th class=n>copies</th><th>copies at</th>"
               "</tr></thead><tbody>")
    for (row, line), copies in order[:limit]:
        first = f"line {line:,}" if line is not None else f"row {row:,}" if row is not None else "?"
        at = ", ".join(place(d) for d in copies[:FIRST_LINES * 2]) + (", ..." if len(copies) > FIRST_LINES * 2 else "")
        out.append(f"<tr class=group><td>{e(first)}</td><td class=n>{len(copies):,}</td><td>{e(at)}</td></tr>")
    out.append("</tbody></table></div>")
    if len(order) > limit:
        out.append(f"<p class=note>and {len(order) - limit:,} more groups (the {limit} largest are shown).</p>")
    out.append("</section>")
    return "".join(out)


__all__ = ["CAP_PER_CODE", "duplicate_groups", "findings_section", "summary_table"]
