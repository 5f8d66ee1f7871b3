"""What every task module shares: findings, value checks, and the rules' building blocks.

A task module gives the engine two views of one set of rules:

- `row_type` and `is_clean`: a typed msgspec struct and a cheap predicate. A row
  that decodes into the struct and passes the predicate has no findings. This is
  the fast path; it may only be conservative (send a fine row to `explain`).
- `explain`: the full rules on a generically decoded row, yielding every finding
  with its field. Only rows the fast path rejects reach it.

Tests assert that the two agree on every golden case and on random rows.

The building blocks live in one module per role, and are re-exported here for
the modules that import them from `ftprep.tasks.base`:

    finding.py       Finding, MISSING
    values.py        one value: its kind in words, a required text, data worth keeping
    control.py       chat-template control strings inside text (C016)
    placeholders.py  unfilled template slots in trained text (V010)
    column_rules.py  renames that collide (S002), columns the trainer drops (S003)
    struct.py        the fast path's typed row structs
"""

from __future__ import annotations


from ftprep.tasks.column_rules import collisions, dropped_columns  # noqa: F401
from ftprep.tasks.control import (  # noqa: F401
    CONTROL_TOKENS,
    MEDIA_TOKENS,
    control_patterns,
    control_tokens,
)
from ftprep.tasks.finding import MISSING, Finding  # noqa: F401
from ftprep.tasks.placeholders import (  # noqa: F401
    conversation_placeholders,
    placeholder,
    placeholder_suspects,
    placeholders,
)
from ftprep.tasks.struct import NEVER, NOTHING, NonBlank, struct_type  # noqa: F401
from ftprep.tasks.values import a, check_text, holds_data, kind  # noqa: F401

CHAT_TEMPLATES = ("chatml", "llama3", "qwen3", "mistral_v3_tekken", "deepseek_v3", "phi_4", "gemma3")


