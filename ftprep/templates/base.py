"""What the renderers share: the output builder and the result."""

from __future__ import annotations

import json
import typing as t


class Rendered(t.NamedTuple):
    """The rendered text and the [start, end) character spans of trained content."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def trained_text(self) -> str:
        return "".join(self.text[a:b] for a, b in self.spans)


class Out:
    """Collects the pieces of a rendering and where the trained content lies."""

    __slots__ = ("_open", "parts", "size", "spans")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.spans: list[tuple[int, int]] = []
        self._open: int | None = None

    def add(self, *pieces: str) -> None:
        for p in pieces:
            if type(p) is not str:  # Jinja's `+` raises on str + non-str
                raise TypeError(f"can only concatenate str (not {type(p).__name__!r}) to str")
            self.parts.append(p)
            self.size += len(p)

    def body(self, text: str, trained: bool) -> None:
        """Content: a trained span when `trained` (an assistant turn)."""
        start = self.size
        self.add(text)
        if trained:
            self.spans.append((start, self.size))

    def start(self) -> None:
        self._open = self.size

    def stop(self, trained: bool) -> None:
        if trained and self._open is not None:
            self.spans.append((self._open, self.size))
        self._open = None

    def result(self) -> Rendered:
        return Rendered("".join(self.parts), tuple((a, b) for a, b in self.spans if b > a))


def tojson(value: object) -> str:
    """transformers' `tojson` filter: json.dumps without ASCII escaping."""
    return json.dumps(value, ensure_ascii=False)


# phi_4 writes a long built-in system prompt when a chat has none. ftprep does
# not reproduce that text; it renders this marker and reports C015.
PHI4_DEFAULT_MARKER = "[phi_4 built-in system prompt: injected by the trainer, not shown]"
