"""Column rules: the trainer's renames colliding, and the columns it drops."""

from __future__ import annotations

import typing as t

from ftprep.tasks.finding import Finding
from ftprep.tasks.values import holds_data


def collisions(columns: t.Iterable[str], renames: list[tuple[str, str]]) -> list[Finding]:
    """Simulate the trainer's renames, in its order, on the columns present.

    `datasets.rename_column` raises when the new name is already a column; the
    trainer skips a rename whose source already has the standard name.
    """
    current = set(columns)
    out = []
    for source, standard in renames:
        if source == standard or source not in current:
            continue
        if standard in current:
            out.append(Finding(
                "S002",
                f"renaming '{source}' to the trainer's '{standard}' collides with the existing column '{standard}'",
                standard,
                f"drop or rename the column '{standard}', or run ftprep convert",
            ))
            continue
        current.discard(source)
        current.add(standard)
    return out


def dropped_columns(row: t.Mapping[str, t.Any] | t.Iterable[str], mapped: t.Collection[str],
                    candidates: t.Iterable[str], why: str) -> list[Finding]:
    """S003 for each unmapped column of the row that holds data; an empty one
    loses nothing when the trainer drops it. Given only column names, every
    column counts as holding data."""
    values = row if isinstance(row, t.Mapping) else dict.fromkeys(row, True)
    return [
        Finding("S003", f"column '{c}' is not mapped; the trainer drops it ({why})", c,
                "fold it into a mapped column with ftprep convert")
        for c in candidates if c in values and c not in mapped and holds_data(values[c])
    ]
