"""Parse findings: what a line that does not decode gets (`decode_error`,
`too_deep`), a key repeated in one object (`duplicate_key`, P015, with the
C-level pre-filter `lost_key_rows`), and the findings of a JSON Lines file that
has no task: no record decoded to an object, so there were no columns to infer
one from.

Without this the only finding would be "cannot infer the task", and a file in
UTF-16, a Parquet file named .jsonl or plain garbage would not say where it
breaks. Each line that does not decode gets its P001/P002/P003/P013 here.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
import re
import typing as t

import msgspec

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.bounds import TOO_DEEP, TOO_DEEP_HINT, bounds_of, capped
from ftprep.core.errors import DecompressionCapped
from ftprep.disk.streams import numbered_lines
from ftprep.disk.inputs import open_bytes
from ftprep.tasks.base import Finding


# A record's end, a lone CR, the next record's start: lines that end in CR only.
CR_BETWEEN_RECORDS = re.compile(rb"[}\]][ \t]*\r[ \t]*[{\[]")
# Where msgspec stopped, in the bytes it was given.
BYTE_AT = re.compile(r"\(byte (\d+)\)")


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
                    p = decode_error(text, e, truncated=not raw.endswith(b"\n"), lead=len(raw) - len(raw.lstrip()))
                    add(Diagnostic(p.code, p.message, shown, line=n, row=rows - 1, hint=p.hint, column=p.column))
                except RecursionError:
                    add(Diagnostic("P013", TOO_DEEP, shown, line=n, row=rows - 1, hint=TOO_DEEP_HINT))
    except DecompressionCapped as e:
        message, hint = capped(e)
        out.append(Diagnostic("P014", message, shown, line=e.line, hint=hint))
    return rows, out, dropped


def too_deep() -> Finding:
    return Finding("P013", TOO_DEEP, None, TOO_DEEP_HINT)


def column_of(text: bytes, e: Exception, lead: int = 0) -> int | None:
    """The 1-based character of the line where msgspec stopped: its `(byte N)`
    in `text` (the line without its `lead` blanks), or the end of a record it
    found cut off; None when the message names no place."""
    m = BYTE_AT.search(str(e))
    if m is not None:
        at = int(m.group(1))
    elif "truncated" in str(e):
        at = len(text)
    else:
        return None
    return lead + len(text[:at].decode("utf-8", "replace")) + 1


def decode_error(text: bytes, e: Exception, truncated: bool, lead: int = 0) -> Finding:
    """P001, P002 or P003 for a line that does not decode; `truncated`: it is
    the file's last line and has no newline. `lead`: the blanks stripped from
    the start of the line, so that the column counts from the line's start."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as u:
        return Finding("P002", f"invalid UTF-8 at byte {u.start}", None, "re-encode the file as UTF-8")
    detail = str(e).removeprefix("JSON is malformed: ")
    column = column_of(text, e, lead)
    if CR_BETWEEN_RECORDS.search(text):  # CR-only line ends: every record reads as one line
        return Finding("P001", f"invalid JSON: {detail}; the lines end in CR only, so the records run together "
                       "as one line", None, "end lines with LF (or CRLF)")
    if truncated:
        return Finding("P003", f"the last record is cut off ({detail})", None,
                       "the file may have been truncated while writing", column)
    return Finding("P001", f"invalid JSON: {detail}", column=column)


# Where a key ends; a JSON string holds a quote only escaped, so in valid JSON
# each occurrence ends a key, and a re-encoding has one per key it kept.
KEY_END = b'":'
ESCAPED_END = b'\\":'


def key_counts(rows: t.Sequence[t.Any]) -> t.Iterable[int]:
    """How many keys each typed row holds, from its type alone: the struct's
    fields but its NEVER ones (UNSET in any row that decoded; no field has another
    default), plus those of its tuple of structs (chat messages); a dict row
    (grpo, scalars only) its length."""
    first = rows[0]
    if isinstance(first, dict):
        return map(len, rows)
    kind: type = type(first)
    top, nested = _layout(kind, tuple(_inner_type(getattr(first, f)) for f in first.__struct_fields__))
    if nested is None:
        return itertools.repeat(top, len(rows))
    name, per = nested
    get = operator.attrgetter(name)
    return [top + per * len(get(r)) for r in rows]


def _inner_type(value: t.Any) -> type | None:
    return type(value[0]) if isinstance(value, tuple) and value and isinstance(value[0], msgspec.Struct) else None


@functools.lru_cache(maxsize=64)
def _layout(row_type: type, inner: tuple[type | None, ...]) -> tuple[int, tuple[str, int] | None]:
    """(keys at the top, (field, keys per item) of its tuple of structs): once per type."""
    fields = msgspec.structs.fields(row_type)
    top = sum(1 for f in fields if f.default is not msgspec.UNSET)
    for f, item in zip(fields, inner):
        if item is not None:
            return top, (f.name, sum(1 for g in msgspec.structs.fields(item) if g.default is not msgspec.UNSET))
    return top, None


def lost_key_rows(raw: t.Sequence[bytes], rows: t.Sequence[t.Any], encoder: msgspec.json.Encoder,
                  decoder: msgspec.json.Decoder) -> list[int]:
    """Indices of the typed `rows` whose line may repeat a key: the line has more
    key ends than the row has keys (the typed struct keeps only the keys it
    knows) and than the line decoded as a whole and re-encoded. C-level counts
    decide for every row; only rows with keys the struct skips are decoded again."""
    # `\":` inside a string (JSON text in a chat answer) is no key end. A key that
    # ends in a backslash ("a\\":) is undercounted by it: rare enough to accept.
    ends = map(operator.sub, map(bytes.count, raw, itertools.repeat(KEY_END)),
               map(bytes.count, raw, itertools.repeat(ESCAPED_END)))
    lost = list(map(operator.gt, ends, key_counts(rows)))
    if not any(lost):
        return []
    out = []
    for k in itertools.compress(range(len(rows)), lost):
        try:
            again = encoder.encode(decoder.decode(raw[k]))
        except RecursionError:
            again = b""
        if raw[k].count(KEY_END) > again.count(KEY_END):
            out.append(k)
    return out


def duplicate_key(text: bytes, obj: t.Any, encoder: msgspec.json.Encoder) -> Finding | None:
    """P015 when an object in `text` repeats a key (decoders keep the last one;
    pyarrow, which the trainer's datasets uses for JSON Lines, refuses the file)."""
    try:
        if text.count(KEY_END) <= encoder.encode(obj).count(KEY_END):
            return None
    except RecursionError:
        pass
    repeated: list[str] = []

    def pairs(items: list[tuple[str, t.Any]]) -> dict[str, t.Any]:
        if not repeated:
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    repeated.append(key)
                    break
                seen.add(key)
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return None
    if not repeated:
        return None
    return Finding("P015", f"key {json.dumps(repeated[0], ensure_ascii=False)} appears twice in one object; "
                   "pyarrow, the trainer's JSON Lines reader, refuses the whole file", None,
                   "keep one of the two: ftprep and Python keep the last")


__all__ = ["decode_error", "duplicate_key", "lost_key_rows", "parse_errors", "too_deep"]
