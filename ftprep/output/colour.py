"""When text output is coloured, and how a finding's parts are painted.

`--color auto` (the default) colours only a terminal, as ruff and yamllint do:
never a pipe or a file, never a machine-read format, never a pre-commit run
without a terminal (its log is a file), and not when NO_COLOR is set to anything
(https://no-color.org) or TERM is `dumb`. FORCE_COLOR colours a pipe too (CI
logs that render ANSI). `--color always` and `--color never` decide alone: a
flag given on the command line beats the environment.
"""

from __future__ import annotations

import os
import typing as t

CHOICES = ("auto", "always", "never")

# SGR sequences: severity and code bold in the severity's colour, the path dim.
_STYLES = {"error": "1;31", "warning": "1;33", "path": "2", "hint": "36", "ok": "1;32"}
_RESET = "\x1b[0m"


def wanted(choice: str | None, stream: t.Any, fmt: str = "text",
           environ: t.Mapping[str, str] | None = None) -> bool:
    """Whether text written to `stream` in `fmt` is coloured under `choice`
    (auto, always or never; None is auto)."""
    if fmt != "text" or choice == "never":
        return False
    if choice == "always":
        return True
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    tty = _isatty(stream)
    if env.get("PRE_COMMIT") and not tty:
        return False
    if env.get("FORCE_COLOR") not in (None, "", "0"):
        return True
    return tty


def _isatty(stream: t.Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


def paint(text: str, style: str, on: bool) -> str:
    """`text` in `style` (error, warning, path, hint, ok) when `on`, else as it is."""
    if not on or not text:
        return text
    return f"\x1b[{_STYLES[style]}m{text}{_RESET}"
