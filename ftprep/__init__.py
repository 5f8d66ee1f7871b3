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

# Type checkers do not run `__getattr__`: they see the real names (and so the
# real signatures: `check(...)` returns `Report`) through these imports, which
# never run. tests/test_typing.py keeps them equal to _EXPORTS.
if t.TYPE_CHECKING:
    from ftprep.api import Client as Client
    from ftprep.core.codes import CODES as CODES
    from ftprep.core.diagnostics import Diagnostic as Diagnostic
    from ftprep.core.diagnostics import FileReport as FileReport
    from ftprep.core.diagnostics import Report as Report
    from ftprep.core.errors import FtprepError as FtprepError
    from ftprep.core.errors import SourceError as SourceError
    from ftprep.core.results import Conversion as Conversion
    from ftprep.engine.lengths import stats as stats
    from ftprep.engine.renderer import render as render
    from ftprep.tasks import TASKS as TASKS
    from ftprep.verbs.check import check as check
    from ftprep.verbs.convert import convert as convert
    from ftprep.verbs.convert import load as load
    from ftprep.verbs.push import push as push
    from ftprep.verbs.submit import submit as submit


if not t.TYPE_CHECKING:  # hidden from type checkers, so that a misspelled name is an error, not Any

    def __getattr__(name: str) -> t.Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'ftprep' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
