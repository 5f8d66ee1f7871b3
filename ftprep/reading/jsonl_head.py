"""The head of a JSON Lines file: the keys of its first records (to infer the
task), read from the same open file that the pass over the rows then reads on.
"""

from __future__ import annotations

import typing as t

import msgspec

from ftprep.core.bounds import Bounds
from ftprep.core.errors import DecompressionCapped
from ftprep.disk.inputs import open_bytes

# Records read to infer the task from their keys.
PROBE_RECORDS = 200


def probe_jsonl(path: str, gz: bool, bounds: Bounds | None = None) -> set[str]:
    """Keys of the first records, to infer the task: the first megabyte, and at
    least the first whole line however long it is."""
    keys, stream = probed_jsonl(path, gz, bounds)
    if stream is not None:
        stream.close()
    return keys


def probed_jsonl(path: str, gz: bool, bounds: Bounds | None = None) -> tuple[set[str], HeadFirst | None]:
    """`probe_jsonl`'s keys, and the file still open with its head buffered, so
    that one open serves the probe and the pass over the rows. The stream is
    None when a bound was hit in the head: the pass opens the file again and
    reports the bound at its line."""
    keys: set[str] = set()
    f = open_bytes(path, gz, bounds)
    try:
        head = f.read(1 << 20)
        if b"\n" not in head:
            head += f.readline()
    except DecompressionCapped:
        f.close()
        return keys, None
    except BaseException:
        f.close()
        raise
    stream = HeadFirst(head, f)
    head = head.removeprefix(b"\xef\xbb\xbf")
    decoder = msgspec.json.Decoder()
    for line in head.split(b"\n")[:PROBE_RECORDS]:
        try:
            obj = decoder.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(obj, dict):
            keys.update(obj)
    return keys, stream


class HeadFirst:
    """A byte stream whose head was read already: `read` gives the head, then the
    rest of the file, in the sizes asked for, as the file itself would. The head
    is handed out by offset, so a long first line is never copied whole again."""

    def __init__(self, head: bytes, rest: t.BinaryIO) -> None:
        self.head, self.at, self.rest = head, 0, rest

    def read(self, size: int | None = -1) -> bytes:
        left = len(self.head) - self.at
        if not left:
            return self.rest.read(-1 if size is None else size)
        take = left if size is None or size < 0 else min(size, left)
        part = self.head[self.at:self.at + take]
        self.at += take
        if self.at == len(self.head):
            self.head, self.at = b"", 0
            more = -1 if size is None or size < 0 else size - take
            if more:
                try:
                    part += self.rest.read(more)
                except DecompressionCapped:
                    pass  # raised again by the next read, after the bytes before the bound
        return part

    def close(self) -> None:
        self.head, self.at = b"", 0
        self.rest.close()

    def __enter__(self) -> HeadFirst:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["PROBE_RECORDS", "HeadFirst", "probe_jsonl", "probed_jsonl"]
