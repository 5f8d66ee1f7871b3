"""The duplicate keys a cluster's workers give rows (ftprep.engine.portable_keys: xxh3
of the trained values' JSON) find the same repeats as the one process's Python
hashes: every golden case's report is its expected report with them, and random
rows with planted repeats give the same report both ways."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import ftprep
from ftprep.engine.portable_keys import portable
from test_golden import CASES, run_case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_reports_with_portable_keys(case: Path) -> None:
    with portable():
        got = run_case(case)
    assert got == json.loads((case / "expected.json").read_text())


def _rows(rng: random.Random, task: str, n: int) -> list[dict]:
    words = [f"w{i}" for i in range(50)]

    def text(k: int) -> str:
        return " ".join(rng.choices(words, k=k))

    made = {"chat": lambda: {"conversations": [{"role": "user", "content": text(3)},
                                              {"role": "assistant", "content": text(2)}]},
            "text": lambda: {"instruction": text(2), "output": text(1)},
            "dpo": lambda: {"prompt": text(2), "chosen": text(1), "rejected": text(1)},
            "grpo": lambda: {"prompt": text(2)}}[task]
    return [made() for _ in range(n)]


@pytest.mark.parametrize("task", ["chat", "text", "dpo", "grpo"])
def test_random_rows_repeat_alike(tmp_path: Path, task: str) -> None:
    rng = random.Random(task)
    rows = _rows(rng, task, 400)
    rows += [rng.choice(rows) for _ in range(100)]  # planted repeats, beside the chance ones of a small vocabulary
    rng.shuffle(rows)
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    options = dict(task=task, min_rows=1, max_per_code=10_000)
    here = ftprep.check(str(path), **options)
    with portable():
        portably = ftprep.check(str(path), **options)
    assert portably.to_json() == here.to_json()
    assert here.codes().count("D001") >= 100


def test_the_keys_are_content_hashes_inside_only() -> None:
    import msgspec
    import xxhash

    from ftprep import tasks
    from ftprep.core.options import Options
    from ftprep.engine.row_checker import RowChecker

    task, opts = tasks.get("text"), Options(task="text")
    line = b'{"instruction": "a", "output": "b"}'
    with portable():
        inside = RowChecker(task, opts)
    outside = RowChecker(task, opts)
    row = inside.typed.decode(line)
    trained = msgspec.json.encode(inside.trained(row))  # type: ignore[misc]
    assert list(inside.keys([row])) == [xxhash.xxh3_64_intdigest(trained) - (1 << 63)]
    assert list(outside.keys([row])) == [hash(outside.trained(row))]  # type: ignore[misc]
