"""Baseline of issue 7: read a whole file into a polars DataFrame.

    python benchmarks/baseline_polars.py data.jsonl|data.csv|data.parquet

`polars.read_ndjson`, `read_csv` or `read_parquet` by extension. Prints one
JSON line: {"rows": ..., "seconds": ...} (seconds: inside, after the import).
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: baseline_polars.py FILE", file=sys.stderr)
        return 2
    path = args[0]
    import polars as pl

    read = {"jsonl": pl.read_ndjson, "csv": pl.read_csv, "parquet": pl.read_parquet}[path.rsplit(".", 1)[-1]]
    start = time.perf_counter()
    df = read(path)
    print(json.dumps({"rows": df.height, "seconds": round(time.perf_counter() - start, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
