"""Atomic outputs: write beside the target, then rename into place.

`tempfile.mkstemp` creates files readable by their owner only; an output
is an ordinary file, so `publish` gives it the mode the umask allows first.
"""

from __future__ import annotations

import os


def umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore, the only portable way
    os.umask(mask)
    return mask


def publish(tmp: str, target: str, mode: int = 0o666) -> None:
    """Move a finished temporary file onto `target`, with an ordinary file's mode."""
    os.chmod(tmp, mode & ~umask())
    os.replace(tmp, target)
