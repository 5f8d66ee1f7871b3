"""The published contract: JSON Schemas in `schemas/` (shipped inside the package),
and the names a job request gives to the data's columns.

One schema per task row (`text`, `chat`, `dpo`, `grpo`; custom_* rows are text
and chat rows) and one for the job request (`job`). `convert` validates what it
writes against them, so the canonical output can never drift from the contract,
and `submit` validates its request against `job`. This module is the one
place that reads them.
"""

from __future__ import annotations

import functools
import json
import typing as t
from pathlib import Path

SCHEMAS = Path(__file__).parents[1] / "schemas"
ROW_SCHEMAS = {"text": "text", "chat": "chat", "dpo": "dpo", "grpo": "grpo", "custom_text": "text", "custom_chat": "chat"}

# The library keyword (CLI flag `--field-*`) that names a column -> the job
# request's field for it. The one translation of a column mapping to the API.
COLUMN_FIELDS = {
    "field_instruction": "fieldInstruction", "field_output": "fieldOutput",
    "field_conversation": "fieldConversation", "field_prompt": "fieldPrompt",
    "field_chosen": "fieldChosen", "field_rejected": "fieldRejected",
}
# The canonical columns `convert` writes for each task, by the request field
# that names them: a job on converted data names exactly these (the
# conversion's `job_fields`, the dataset card, `submit` with DATA).
JOB_FIELDS = {
    "text": {"fieldInstruction": "instruction", "fieldOutput": "output"},
    "chat": {"fieldConversation": "conversations"},
    "dpo": {"fieldPrompt": "prompt", "fieldChosen": "chosen", "fieldRejected": "rejected"},
    "grpo": {"fieldPrompt": "prompt"},
}


@functools.cache
def schema(name: str) -> dict[str, t.Any]:
    """A schema by name: a task (`chat`, `custom_text`, ...) or `job`."""
    file = ROW_SCHEMAS.get(name, name)
    return json.loads((SCHEMAS / f"{file}.schema.json").read_text(encoding="utf-8"))


@functools.cache
def validator(name: str) -> t.Any:
    """The checked validator of a schema, built once per process: a schema that
    is not valid JSON Schema fails here, not as a wrong verdict on the data."""
    import jsonschema

    s = schema(name)
    cls = jsonschema.validators.validator_for(s)
    cls.check_schema(s)
    return cls(s)


def conforms(name: str, rows: t.Iterable[dict[str, t.Any]]) -> list[str]:
    """Messages for the rows that break the schema (empty when all conform)."""
    v = validator(name)
    return [f"row {i}: {e.message}" for i, row in enumerate(rows) for e in v.iter_errors(row)]
