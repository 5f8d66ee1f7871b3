"""The published contract: JSON Schemas in `schemas/` (shipped inside the package).

One schema per task row (`text`, `chat`, `dpo`, `grpo`; custom_* rows are text
and chat rows) and one for the job request (`job`). `convert` validates what it
writes against them, so the canonical output can never drift from the contract.
"""

from __future__ import annotations

import functools
import json
import typing as t
from pathlib import Path

SCHEMAS = Path(__file__).parents[1] / "schemas"
ROW_SCHEMAS = {"text": "text", "chat": "chat", "dpo": "dpo", "grpo": "grpo", "custom_text": "text", "custom_chat": "chat"}


@functools.lru_cache(maxsize=None)
def schema(name: str) -> dict[str, t.Any]:
    """A schema by name: a task (`chat`, `custom_text`, ...) or `job`."""
    file = ROW_SCHEMAS.get(name, name)
    return json.loads((SCHEMAS / f"{file}.schema.json").read_text(encoding="utf-8"))


def validator(name: str) -> t.Any:
    import jsonschema

    s = schema(name)
    return jsonschema.validators.validator_for(s)(s)


def conforms(name: str, rows: t.Iterable[dict[str, t.Any]]) -> list[str]:
    """Messages for the rows that break the schema (empty when all conform)."""
    v = validator(name)
    return [f"row {i}: {e.message}" for i, row in enumerate(rows) for e in v.iter_errors(row)]
