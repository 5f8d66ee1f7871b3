"""Load data files with `datasets.load_dataset`, as the trainer's prep does, and
say what came out as JSON.

Stand-alone on purpose: tests/validator_env.py runs this very file under the
validator's pinned stack (datasets 2.21 / pandas 2.2 / pyarrow 17) in its own
virtualenv, which has no ftprep, and the tests import it to run the installed
`datasets` in-process. Usage: python load_probe.py FILE... (prints one JSON list).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import typing as t


def builder_of(path: str) -> str:
    name = path.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        return "parquet"
    return "csv" if name.endswith((".csv", ".tsv")) else "json"


def cause_chain(e: BaseException) -> list[str]:
    """Type and first line of the exception and of every cause under it:
    `datasets` wraps pyarrow's ArrowInvalid in a DatasetGenerationError."""
    out: list[str] = []
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        text = (str(cur).strip().splitlines() or [""])[0]
        out.append(f"{type(cur).__name__}: {text}")
        cur = cur.__cause__ or cur.__context__
    return out


def prep_value(value: t.Any) -> str:
    """What the trainer's `change_to_json_format` makes of a non-chat value."""
    return str(value) if value is not None else ""


def load(path: str) -> dict[str, t.Any]:
    """{"ok", "version", "features", "rows" (raw values), "prepped" (str() as prep does)}
    or {"ok": False, "error": [...]} when the load raises."""
    import datasets

    datasets.disable_progress_bars()
    with tempfile.TemporaryDirectory() as cache:
        try:
            ds = datasets.load_dataset(builder_of(path), data_files=path, split="train", cache_dir=cache)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            return {"ok": False, "version": datasets.__version__, "error": cause_chain(e)}
        rows = [dict(r) for r in ds]
        features = {k: str(v) for k, v in ds.features.items()}
    return {
        "ok": True,
        "version": datasets.__version__,
        "features": features,
        "rows": json.loads(json.dumps(rows, default=str)),
        "prepped": [{k: prep_value(v) for k, v in r.items()} for r in rows],
    }


def main(paths: list[str]) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    json.dump([load(p) for p in paths], sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
