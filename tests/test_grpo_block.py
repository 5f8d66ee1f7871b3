"""GRPO's block-at-a-time fast path (ftprep.tasks.grpo's row_hashes, make_all_clean,
make_texts; ftprep.engine.inference's dict rows) gives what the per-row rules give."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings, strategies as st

from ftprep.core.options import Options
from ftprep.engine.inference import ColumnTypes, kind_of
from ftprep.tasks import grpo

scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                   st.sampled_from(["", " ", "2024-01-02", "a prompt", "x"]), st.text(max_size=4))
row = st.dictionaries(st.sampled_from(["prompt", "question", "answer", "2024-01-02", "extra"]), scalar, max_size=4)
blocks = st.lists(row, max_size=12)


@settings(max_examples=300, deadline=None)
@given(rows=blocks, field=st.sampled_from([None, "question"]))
def test_block_rules_equal_the_row_rules(rows: list[dict], field: str | None) -> None:
    opts = Options(field_prompt=field) if field else Options()
    is_clean = grpo.make_is_clean(opts)
    assert grpo.make_all_clean(opts)(rows) == all(map(is_clean, rows))
    col = grpo.column(opts)
    assert grpo.make_texts(opts)(rows) == [r[col] if isinstance(r.get(col), str) else "" for r in rows]
    assert list(grpo.row_hashes(rows)) == list(map(grpo.row_hash, rows))


def _per_row(types: ColumnTypes, rows: list[dict], row) -> None:
    """The dict rows' count, one value at a time (what the block path must equal)."""
    for k, r in enumerate(rows):
        for key, v in r.items():
            if type(v) is str and key in types.undated:
                types.count[key]["string"] += 1
            else:
                types.value(key, v, row(k))


@settings(max_examples=300, deadline=None)
@given(first=blocks, second=blocks)
def test_dict_rows_count_alike_a_block_at_a_time(first: list[dict], second: list[dict]) -> None:
    fast, slow = ColumnTypes(), ColumnTypes()
    for start, rows in ((0, first), (len(first), second)):  # (the second block meets the first's undated columns)
        fast.typed_rows(("dicts", None), rows, [], lambda k: start + k)
        _per_row(slow, rows, lambda k: start + k)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert all(kind_of(v) for r in first for v in r.values())
