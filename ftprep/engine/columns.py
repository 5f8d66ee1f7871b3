"""S001: a mapped column that no record has, with the mapping to try instead.

Shared by `check` (columns absent from every record) and `convert` (source
columns absent from every record), so both say it the same way.
"""

from __future__ import annotations

import typing as t

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.options import Options
from ftprep.tasks import Task

# Suggested mappings when a required column is missing: option -> candidates.
CANDIDATES = {
    "conversations": ("messages", "conversation", "chat", "dialog", "turns"),
    "instruction": ("prompt", "question", "query", "input"),
    "output": ("response", "completion", "answer", "target"),
    "prompt": ("question", "instruction", "query", "input"),
    "chosen": ("preferred", "accepted", "response_chosen"),
    "rejected": ("dispreferred", "response_rejected"),
}


def missing_column(task: Task, opts: Options, col: str, keys: t.Collection[str], path: str) -> Diagnostic:
    """S001 for a mapped column absent from every record, with the mapping to try."""
    option, default = next(((o, d) for o, d in task.fields.items() if opts.field(o, d) == col), ("", col))
    guess = next((c for c in (default, *CANDIDATES.get(default, ())) if c in keys and c != col), None)
    hint = (f"map it: --{option.replace('_', '-')} {guess}" if guess and option
            else f"columns found: {', '.join(sorted(keys)[:12]) or 'none'}")
    return Diagnostic("S001", f"required column '{col}' is missing from every record", path, field=col, hint=hint)


__all__ = ["missing_column", "CANDIDATES"]
