"""The rules for one value: its kind in words, a required text, data worth keeping."""

from __future__ import annotations

from ftprep.tasks.control import control_tokens
from ftprep.tasks.finding import MISSING, Finding


def kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def a(kind_name: str) -> str:
    """'a list', 'an object', 'null'."""
    if kind_name == "null":
        return kind_name
    return ("an " if kind_name[:1] in "aeiou" else "a ") + kind_name


def check_text(value: object, field: str, what: str) -> list[Finding]:
    """The rules for a required text value (instruction, output, prompt, ...)."""
    what = f"'{field}'" if field == what else f"{what} '{field}'"
    if value is MISSING or value is None:
        absent = "absent" if value is MISSING else "null"
        return [Finding("V001", f"{what} is {absent}", field)]
    if isinstance(value, str):
        if not value.strip():
            shown = "empty" if value == "" else "whitespace only"
            return [Finding("V002", f"{what} is {shown}", field)]
        return control_tokens(value, field)
    if isinstance(value, (list, dict)):
        return [Finding(
            "V003",
            f"{what} is {a(kind(value))}, not text; the trainer would train on its Python repr",
            field,
            "flatten it to a string, or use ftprep convert",
        )]
    return [Finding("V004", f"{what} is {a(kind(value))}; it will be stringified", field,
                    "store text as JSON strings")]


def holds_data(value: object) -> bool:
    """False for a value whose loss loses nothing: null, blank text, an empty list or object."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return True

