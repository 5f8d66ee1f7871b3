"""The trainer's own test split (`check --trainer-split`): training rows whose
trained text is also, exactly (Q002) or nearly (Q003), in the rows the
trainer holds out.

Without test data, the trainer's prep splits the loaded rows with
`dataset.train_test_split(test_size=min(int(0.1 * N), MAX_TEST_DATA_POINTS),
shuffle=True, seed=42)` (rayonlabs/G.O.D and gradients-ai/G.O.D,
validator/tasks/task_prep.py `train_test_split`) and scores the trained model
on the test part. The held-out rows are found here with the very same call
of the installed `datasets` on a dataset of row numbers, so the permutation
(numpy's default_rng(42)) is the trainer's, row for row.

MAX_TEST_DATA_POINTS is 1,000 in gradients-ai/G.O.D's latest
validator/core/constants.py (the one whose MINIMUM_DATASET_ROWS is 8,000,
the minimum `--min-rows` defaults to); rayonlabs/G.O.D's last commit
(86623e97) has 400, since 84661669 (2025-09-03). The newer value is used, as
for the row minimum; with a smaller cap the test rows are a prefix of the
same permutation, so a leak reported here for 400 is also one for 1,000.

An exact copy of a row inside one file is D001 whatever the split; this says
more: that copy sits on both sides of the trainer's split, so the score the
job reports is measured on a row the model was trained on, and looks better
than the model is. Only signatures are held (ftprep.engine.near_duplicates).
"""

from __future__ import annotations

import typing as t

from ftprep.engine import leakage
from ftprep.engine import near_duplicates as near

MAX_TEST_DATA_POINTS = 1000
SHARE = 0.1
SEED = 42
CALLED = "the trainer's test split"
HINT = ("the trainer holds that row out (10%, seed 42) and scores the model on it: drop one of the two, "
        "or give the job its own test data")


def held_out_rows(n: int, cap: int = MAX_TEST_DATA_POINTS) -> list[int]:
    """The rows (0-based, in load order) the trainer holds out of `n` rows; none
    when 10% is under one row (the trainer's call raises then: D002 says the data is too small)."""
    size = min(int(n * SHARE), cap)
    if size < 1:
        return []
    import datasets

    numbered = datasets.Dataset.from_dict({"i": range(n)})
    return list(numbered.train_test_split(test_size=size, shuffle=True, seed=SEED)["test"]["i"])


def subset(sigs: near.Signatures, keep: t.Any) -> near.Signatures:
    """The signatures of the rows where the boolean mask `keep` is true."""
    import array

    import numpy as np

    out = near.Signatures()
    matrix = sigs.matrix()
    out.rows = array.array("q", np.frombuffer(sigs.rows, dtype=np.int64)[keep].tobytes())
    out.exact = array.array("Q", np.frombuffer(sigs.exact, dtype=np.uint64)[keep].tobytes())
    out.flat = array.array("H", np.ascontiguousarray(matrix[keep]).tobytes())
    return out


def split_leaks(sigs: near.Signatures, n: int, cap: int = MAX_TEST_DATA_POINTS) -> list[leakage.Leak]:
    """The training-side rows of `n` rows that are in the test side, exactly or nearly, in row order."""
    import numpy as np

    held = held_out_rows(n, cap)
    if not held or len(sigs.rows) < 2:
        return []
    in_test = np.isin(np.frombuffer(sigs.rows, dtype=np.int64), np.array(held, dtype=np.int64))
    ref = leakage.Reference("", CALLED)
    ref.sigs = subset(sigs, in_test)
    found = leakage.matched(subset(sigs, ~in_test), ref)
    return sorted(found.values())


def shown_of(found: t.Sequence[leakage.Leak], keep: int) -> list[leakage.Leak]:
    """The leaks a report shows: the first `keep` of each code (`leakage.findings` keeps those)."""
    per: dict[str, int] = {}
    out = []
    for leak in found:
        per[leak.code] = per.get(leak.code, 0) + 1
        if per[leak.code] <= keep:
            out.append(leak)
    return out


def split_findings(path: str, columns: t.Sequence[str], shown: str, n: int, keep: int, placer: t.Any,
                   bounds: t.Any = None, sigs: near.Signatures | None = None) -> tuple[list[t.Any], dict[str, int]]:
    """Q002/Q003 for one file's rows against its own test split, and the counts not shown."""
    if sigs is None:
        sigs = near.file_signatures(path, columns, bounds)
    found = split_leaks(sigs, n)
    line_of = placer({r for leak in shown_of(found, keep) for r in (leak.row, leak.eval_row)})
    return leakage.findings(found, shown, keep, placer, leakage.Reference("", CALLED),
                            lambda row: near.place(line_of(row), row), HINT, lambda row: (row, line_of(row), None))


__all__ = ["CALLED", "MAX_TEST_DATA_POINTS", "held_out_rows", "shown_of", "split_findings", "split_leaks", "subset"]
