"""What every task module shares: the option bag, and the rules' building blocks.

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

import dataclasses
import typing as t

from ftprep.core.bounds import MAX_DECOMPRESSED, MAX_EXPANSION
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

# The trainer keeps min-rows configurable: its MINIMUM_DATASET_ROWS moved
# 5,000 -> 2,000 -> 4,000 -> 8,000. The latest seen is the default.
DEFAULT_MIN_ROWS = 8000
# The trainer's limit for data at a URL (pyarrow's JSON limit).
MAX_URL_BYTES = 2_147_483_646
CHAT_TEMPLATES = ("chatml", "llama3", "qwen3", "mistral_v3_tekken", "deepseek_v3", "phi_4", "gemma3")


@dataclasses.dataclass(frozen=True)
class Options:
    """Everything a check or a convert can be told. Mirrors the CLI options."""

    task: str | None = None
    field_instruction: str | None = None
    field_output: str | None = None
    field_conversation: str | None = None
    field_prompt: str | None = None
    field_chosen: str | None = None
    field_rejected: str | None = None
    chat_template: str | None = None
    min_rows: int = DEFAULT_MIN_ROWS
    max_per_code: int = 100_000
    workers: int | None = None
    # custom_* data at a URL: the trainer's size limit (lower it to test).
    max_url_bytes: int = MAX_URL_BYTES
    # How far a .gz may expand (ratio to its size, and bytes); ftprep.core.bounds.
    max_expansion: float = MAX_EXPANSION
    max_decompressed: int = MAX_DECOMPRESSED
    # Tokens: exact counts with a tokenizer, else an estimate; rows past max_seq_len are dropped by the trainer.
    tokenizer: str | None = None
    max_seq_len: int | None = None
    # Image sets: the target model's caption rules, the trigger word, the caption column, the pair counts.
    image_model: str | None = None
    trigger: str | None = None
    field_caption: str | None = None
    min_pairs: int = 10
    max_pairs: int = 50
    # Send every row through the explain path (tests: both paths must agree).
    explain_all: bool = False
    # A callable(done, total) for long jobs (images); the CLI passes one on a terminal.
    progress: t.Any = None

    def field(self, option: str, default: str) -> str:
        value = getattr(self, option)
        return value if value else default

    def mapping(self) -> dict[str, str]:
        return {
            k: v for k, v in dataclasses.asdict(self).items() if k.startswith("field_") and v
        }
