"""A `.json` file, which may hold an array of records, an object that wraps
them (`{"data": [...]}`), an object that is itself one record, or JSON Lines:
`datasets` reads an array or lines. Decoded whole with msgspec; a record too
deep to decode is found without recursion and stands as a `TooDeep`.
"""

from __future__ import annotations

import os
import typing as t

import msgspec

from ftprep.core.bounds import Bounds, TooDeep
from ftprep.core.errors import DecompressionCapped
from ftprep.disk.inputs import open_bytes
from ftprep.disk.streams import array_elements


def sniff_json(path: str | os.PathLike[str], gz: bool, bounds: Bounds | None = None) -> str:
    """A `.json` file may hold an array or JSON Lines; `datasets` reads both.
    A single object that wraps the records (`{"data": [...]}`) is "wrapped",
    one that is itself a record (`{"conversations": [...messages]}`) is
    "record": the trainer would see one row either way. A file too deep or too
    big to decode here is left to the line scanner, which reports where."""
    with open_bytes(path, gz, bounds) as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{") and os.path.getsize(path) < (256 << 20):
        try:
            with open_bytes(path, gz, bounds) as f:
                data = f.read().removeprefix(b"\xef\xbb\xbf")
            doc = msgspec.json.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, DecompressionCapped):
            return "jsonl"
        return object_kind(doc, data)
    return "jsonl"


def object_kind(doc: t.Any, data: bytes) -> str:
    """What a file whose top level decoded as `doc` (from `data`) holds, when it
    is no array: "record", "wrapped", or "jsonl" (one line of JSON Lines)."""
    if isinstance(doc, dict) and one_record(doc, multiline=b"\n" in data.strip()):
        return "record"
    if isinstance(doc, dict) and wrapped_key(doc):
        return "wrapped"
    return "jsonl"


def json_document(path: str | os.PathLike[str], gz: bool,
                  bounds: Bounds | None = None) -> tuple[str, list[t.Any] | t.Any | None]:
    """(kind, records) of a `.json` file, opened once: the kind as `sniff_json`
    says, and the records: the array ("json"; whatever its top level decodes
    to, in fact), the list under the wrapping key ("wrapped"), [the record]
    ("record"), or None ("jsonl": left to the line reader). An array that does
    not decode raises msgspec.DecodeError or UnicodeDecodeError; one past the
    decompression bound, DecompressionCapped."""
    with open_bytes(path, gz, bounds) as f:
        head = f.read(4096)
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"["):
            return "json", decode_array((head + f.read()).removeprefix(b"\xef\xbb\xbf"))
        if not (start.startswith(b"{") and os.path.getsize(path) < (256 << 20)):
            return "jsonl", None
        try:
            data = (head + f.read()).removeprefix(b"\xef\xbb\xbf")
            doc = msgspec.json.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, DecompressionCapped):
            return "jsonl", None
    kind = object_kind(doc, data)
    if kind == "record":
        return kind, [doc]
    if kind == "wrapped":
        return kind, doc[wrapped_key(doc)]
    return kind, None


def one_record(doc: dict[str, t.Any], multiline: bool) -> bool:
    """An object that is itself one record, not a wrapper of records: its list
    holds messages (one conversation, as axolotl's `conversation.json`), or it
    has no list of objects and spans several lines (a pretty-printed record)."""
    key = wrapped_key(doc)
    if key is None:
        return multiline
    return all(("role" in m or "from" in m) and ("content" in m or "value" in m) for m in doc[key])


def wrapped_key(doc: dict[str, t.Any]) -> str | None:
    return next((k for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)), None)


def json_array(path: str | os.PathLike[str], gz: bool, bounds: Bounds | None = None) -> list[t.Any]:
    """A JSON file's top-level value. When a record is nested too deeply to
    decode, the array is decoded record by record and that one is a TooDeep."""
    with open_bytes(path, gz, bounds) as f:
        data = f.read().removeprefix(b"\xef\xbb\xbf")
    return decode_array(data)


def decode_array(data: bytes) -> t.Any:
    """`json_array` of the file's bytes."""
    try:
        return msgspec.json.decode(data)
    except RecursionError:
        pass
    decoder = msgspec.json.Decoder()
    out: list[t.Any] = []
    for start, end in array_elements(data):
        part = data[start:end]
        try:
            out.append(decoder.decode(part))
        except RecursionError:
            lead = len(part) - len(part.lstrip())
            out.append(TooDeep(data.count(b"\n", 0, start + lead) + 1))
    return out
