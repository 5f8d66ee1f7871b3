"""A fake Hub for the benchmark: one dataset repo of K Parquet shards, served on 127.0.0.1.

    python benchmarks/hub_serve.py data.parquet --shards 4 --repo bench/chat

Splits the Parquet file into K shards of consecutive rows (20,000-row groups,
as the generator writes them) named data/train-0000i-of-0000K.parquet, as
the Hub names the files of its Parquet conversion, seeds them into
ftprep.testing's FakeHub and prints one JSON line: {"url", "token", "repo",
"files", "bytes"}. It then serves until standard input is closed. In a
process of its own, so that serving does not take the measuring runner's
CPU (the GIL) and the runner stays small.
"""

from __future__ import annotations

import argparse
import io
import json
import sys


def shards(path: str, k: int) -> dict[str, bytes]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    n = table.num_rows
    out = {}
    for i in range(k):
        part = table.slice(n * i // k, n * (i + 1) // k - n * i // k)
        buf = io.BytesIO()
        pq.write_table(part, buf, row_group_size=20_000)
        out[f"data/train-{i:05d}-of-{k:05d}.parquet"] = buf.getvalue()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("parquet")
    p.add_argument("--shards", type=int, default=4)
    p.add_argument("--repo", default="bench/data")
    a = p.parse_args(argv)
    from ftprep.testing import FakeHub

    files = shards(a.parquet, max(1, a.shards))
    hub = FakeHub(users={"bench": "hf_bench_token"}).start()
    try:
        hub.seed(a.repo, files)
        size = sum(len(b) for b in files.values())
        files.clear()
        print(json.dumps({"url": hub.url, "token": hub.token, "repo": a.repo, "files": a.shards, "bytes": size}),
              flush=True)
        sys.stdin.read()  # until the runner closes the pipe
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
