"""Parse findings: what a line that does not decode gets (`decode_error`,
`too_deep`), and those of a JSON Lines file that has no task: no record
decoded to an object, so there were no columns to infer one from.

Without this the only finding would be "cannot infer the task", and a file in
UTF-16, a Parquet file named .jsonl or plain garbage would not say where it
breaks. Each line that does not decode gets its P001/P002/P003/P013 here.
"""

from __future__ import annotations

import re
import typing as t

import msgspec

from ftprep.diagnostics import Diagnostic
from ftprep.limits import TOO_DEEP, TOO_DEEP_HINT, DecompressionCapped, capped, numbered_lines
from ftprep.sources import bounds_of, open_bytes
from ftprep.tasks.base import Finding


# A record's end, a lone CR, the next record's start: lines that end in CR only.
CR_BETWEEN_RECORDS = re.compile(rb"[}\]][ \t]*\r[ \t]*[{\[]")


def parse_errors(path: str, gz: bool, opts: t.Any, shown: str) -> tuple[int, list[Diagnostic], dict[str, int]]:
    """(records, diagnostics kept, per-code counts beyond `opts.max_per_code`)."""
    decoder = msgspec.json.Decoder()
    out: list[Diagnostic] = []
    counts: dict[str, int] = {}
    dropped: dict[str, int] = {}
    rows = 0

    def add(d: Diagnostic) -> None:
        counts[d.code] = counts.get(d.code, 0) + 1
        if counts[d.code] > opts.max_per_code:
            dropped[d.code] = dropped.get(d.code, 0) + 1
        else:
            out.append(d)

    try:
        with open_bytes(path, gz, bounds_of(opts)) as f:
            for n, raw in numbered_lines(f):
                text = (raw.removeprefix(b"\xef\xbb\xbf") if n == 1 else raw).strip()
                if not text:
                    continue
                rows += 1
                try:
                    decoder.decode(text)
                except (msgspec.DecodeError, UnicodeDecodeError) as e:
                    p = decode_error(text, e, truncated=not raw.endswith(b"\n"))
                    add(Diagnostic(p.code, p.message, shown, line=n, row=rows - 1, hint=p.hint))
                except RecursionError:
                    add(Diagnostic("P013", TOO_DEEP, shown, line=n, row=rows - 1, hint=TOO_DEEP_HINT))
    except DecompressionCapped as e:
        message, hint = capped(e)
        out.append(Diagnostic("P014", message, shown, line=e.line, hint=hint))
    return rows, out, dropped


def too_deep() -> Finding:
    return Finding("P013", TOO_DEEP, None, TOO_DEEP_HINT)


def decode_error(text: bytes, e: Exception, truncated: bool) -> Finding:
    """P001, P002 or P003 for a line that does not decode; `truncated`: it is
    the file's last line and has no newline."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as u:
        return Finding("P002", f"invalid UTF-8 at byte {u.start}", None, "re-encode the file as UTF-8")
    detail = str(e).removeprefix("JSON is malformed: ")
    if CR_BETWEEN_RECORDS.search(text):  # CR-only line ends: every record reads as one line
        return Finding("P001", f"invalid JSON: {detail}; the lines end in CR only, so the records run together "
                       "as one line", None, "end lines with LF (or CRLF)")
    if truncated:
        return Finding("P003", f"the last record is cut off ({detail})", None,
                       "the file may have been truncated while writing")
    return Finding("P001", f"invalid JSON: {detail}")


__all__ = ["decode_error", "parse_errors", "too_deep"]
