"""A one-line progress bar for `Options.progress`, for the CLI only.

The library never prints; the CLI passes `terminal_progress(sys.stderr)` as
`progress=` to `ftprep.check` / `ftprep.convert`. It is None unless the
stream is a terminal, so pipes, CI logs and JSON output stay clean.
"""

from __future__ import annotations

import typing as t

WIDTH = 30


def terminal_progress(stream: t.TextIO, label: str = "images") -> t.Callable[[int, int], None] | None:
    """A callable(done, total) that redraws a bar on `stream`, or None off a terminal."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None or not isatty():
        return None

    def update(done: int, total: int) -> None:
        filled = WIDTH * done // total if total else WIDTH
        stream.write(f"\r{label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}")
        if done >= total:
            stream.write("\r\x1b[2K")  # clear the line so the report starts clean
        stream.flush()

    return update
