"""Baseline of issue 7: the together client's full local check of a JSONL file.

Run with the python of the venv that benchmarks/run.py makes for together
1.5.35 (the last version that checks every line locally):

    benchmarks/.venvs/together-1.5.35/bin/python benchmarks/baseline_together.py data.jsonl

Stdlib only, besides together. Prints one JSON line:
{"passed": ..., "rows": ..., "message": ..., "version": ..., "seconds": ...}.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: baseline_together.py FILE", file=sys.stderr)
        return 2
    os.environ.setdefault("TOGETHER_NO_BANNER", "1")
    from importlib.metadata import version

    from together.utils import check_file

    start = time.perf_counter()
    report = check_file(args[0])
    seconds = time.perf_counter() - start
    print(json.dumps({"passed": report.get("is_check_passed"), "rows": report.get("num_samples"),
                      "message": report.get("message"), "version": version("together"),
                      "seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
