"""ftprep: pre-flight checks, conversion and upload for fine-tuning datasets.

Library first: every function returns a value and never prints or exits.

    import ftprep
    report = ftprep.check("train.jsonl", task="chat", chat_template="qwen3")
    if report.ok:
        ftprep.convert("train.jsonl", "out/train.jsonl", task="chat")
"""

from __future__ import annotations

import importlib
import typing as t

__version__ = "0.1.0"

# Public name -> module. Loaded on first use so that `import ftprep` stays cheap.
_EXPORTS = {
    "check": "ftprep.verbs.check",
    "SourceError": "ftprep.core.errors",
    "FtprepError": "ftprep.core.errors",
    "convert": "ftprep.verbs.convert",
    "load": "ftprep.verbs.convert",
    "Conversion": "ftprep.core.results",
    "Diagnostic": "ftprep.core.diagnostics",
    "FileReport": "ftprep.core.diagnostics",
    "Report": "ftprep.core.diagnostics",
    "CODES": "ftprep.core.codes",
    "TASKS": "ftprep.tasks",
    "push": "ftprep.verbs.push",
    "submit": "ftprep.verbs.submit",
    "Client": "ftprep.api",
    "render": "ftprep.engine.renderer",
    "stats": "ftprep.engine.lengths",
}
__all__ = sorted(_EXPORTS)
# Type checkers do not run `__getattr__`: they read ftprep/__init__.pyi, which
# names each export's real object (so `check(...)` returns `Report`). A stub
# rather than `if TYPE_CHECKING:` imports here, so that modules importing
# `__version__` do not appear to import every verb. tests/test_typing.py keeps
# the two lists equal.


def __getattr__(name: str) -> t.Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ftprep' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
