"""The keyword types of the public verbs: `def check(paths, **keywords: Unpack[CheckOptions])`.

These are the one place the static type of an option is written a second time
(for type checkers, which cannot read a declaration built at run time).
tests/test_options.py pins each TypedDict's keys to the verbs its options
declare (`Declaration.verbs` in ftprep/core/options.py) and each annotation to
the `Options` field, so the two cannot drift apart. At run time `settle` checks
the keywords against the declaration, not against these.
"""

from __future__ import annotations

import typing as t

# In-memory data the data verbs take besides paths: a polars or pandas DataFrame,
# a pyarrow Table, a datasets Dataset or DatasetDict, or a list of dicts. Any:
# naming those types would make a type checker need every library's stubs.
InMemory: t.TypeAlias = t.Any


class _Columns(t.TypedDict, total=False):
    task: str | None
    field_instruction: str | None
    field_output: str | None
    field_conversation: str | None
    field_prompt: str | None
    field_chosen: str | None
    field_rejected: str | None
    chat_template: str | None


class _Bounds(t.TypedDict, total=False):
    max_expansion: float
    max_decompressed: int


class _Tokens(t.TypedDict, total=False):
    tokenizer: t.Any
    max_seq_len: int | None


class _Data(_Bounds, _Tokens, total=False):
    min_rows: int
    max_per_code: int
    workers: int | None
    max_url_bytes: int
    trigger: str | None
    field_caption: str | None
    min_pairs: int
    max_pairs: int
    explain_all: bool
    progress: t.Any


class _Written(t.TypedDict, total=False):
    drop_invalid: bool
    also_zip: bool
    force: bool
    # Secrets and personal data replaced by typed placeholders.
    redact: bool
    # The convert remedies: mojibake repaired, duplicates dropped (with near duplicates).
    fix_text: bool
    dedupe: bool
    near_duplicates: bool


class CheckOptions(_Columns, _Data, total=False):
    """`ftprep.check`."""

    image_model: str | None
    strict: bool
    stdin_format: str
    count_lengths: bool
    # In-memory data
    name: str | None
    # Rule selection (ftprep/core/selection.py).
    select: str | t.Sequence[str] | None
    ignore: str | t.Sequence[str] | None
    extend_select: str | t.Sequence[str] | None
    per_file_ignores: t.Mapping[str, str | t.Sequence[str]] | None
    model: str | None
    dataset: bool
    # A Dask scheduler's address, "local", or a running distributed.Client.
    scheduler: t.Any
    # Near duplicates
    near_duplicates: bool
    eval: str | None
    # GRPO reward functions tried before paying.
    reward_func: str | t.Sequence[str]
    reward_time_limit: float
    reward_memory_limit: int
    # The reward trial's sample.
    reward_sample: int
    # The trainer's own test split.
    trainer_split: bool


class ConvertOptions(_Columns, _Data, _Written, total=False):
    """`ftprep.convert` and `ftprep.load`."""

    image_model: str | None
    # In-memory data
    name: str | None


class PushOptions(ConvertOptions, total=False):
    """`ftprep.push`."""

    strict: bool


class SubmitOptions(_Data, _Written, total=False):
    """`ftprep.submit`, besides the request fields it takes by name."""

    strict: bool


class RenderOptions(_Columns, _Bounds, total=False):
    """`ftprep.render`."""

    rows: int | None
    default_system: str | None
    as_converted: bool


class StatsOptions(_Columns, _Bounds, _Tokens, total=False):
    """`ftprep.stats`."""

    rows: int | None
    as_converted: bool
    hours: float | None
    throughput: float
    progress: t.Any


# Verb -> its keyword type, for the test that pins them to the declaration.
BY_VERB: dict[str, type] = {"check": CheckOptions, "convert": ConvertOptions, "load": ConvertOptions,
                            "push": PushOptions, "submit": SubmitOptions, "render": RenderOptions,
                            "stats": StatsOptions}
