"""Benchmark: exact token counts (`--tokenizer`) against the tokenizer's own batch encode.

    python benchmarks/bench_tokens.py [--rows 100000] [--repeat 3] [--data-dir benchmarks/data]

The data and the tokenizer are those of `benchmarks/run.py --only 4` (a chat
JSONL from generate.py, a 32,000-entry byte-level BPE trained on its first
rows by baseline_tokens.py; made here if missing, nothing downloaded). Every
step runs in its own process (measure.py: wall, peak RSS); the steps run in
rounds, one of each per round, so that a busy machine slows them alike; the
table gives the median of the rounds, with the CPU seconds of the process
tree (user + system) beside the wall time:

1. the tokenizer's own `encode_batch_fast` of the ChatML-rendered rows (the floor, run.py's baseline);
2. the same with `encode_batch` (which also computes the offsets the trained spans need);
3. ftprep reading and rendering the rows, no tokens (what the tokenizer's work can hide);
4. `ftprep.stats` counting batch by batch, the tokenizer idle while a batch renders (the former path);
5. `ftprep stats --tokenizer` (this tree: each batch tokenized while the next one renders);
6. `ftprep check --tokenizer --max-seq-len` with 1 worker and with every core.

`python benchmarks/bench_tokens.py _run render|serial FILE [TOKENIZER]` is one
in-process step (3, 4), for the runner.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from measure import measure, warm  # noqa: E402

PY = sys.executable
GOAL = 1.3


def step(kind: str, path: str, tokenizer: str | None) -> None:
    """One in-process step: rendering alone, or stats with the serial counter."""
    if kind == "render":
        from ftprep.core.options import Options
        from ftprep.engine.renderer import iter_entries

        *_, entries = iter_entries(path, Options(task="chat", chat_template="chatml"), limit=None, display=path,
                                   as_converted=False)
        print(json.dumps({"rendered": sum(e.ok for e in entries)}))
        return
    from ftprep.engine import lengths
    from ftprep.engine.tokens import Exact

    Exact.start = None  # type: ignore[assignment,method-assign]  # the tally then counts each batch at once
    st = lengths.stats(path, task="chat", chat_template="chatml", tokenizer=tokenizer)
    print(json.dumps({"tokens": st.total_tokens, "trained": st.total_trained}))


def data(a: argparse.Namespace) -> tuple[str, str]:
    """The chat file and the stand-in tokenizer of run.py's target 4 (made if missing)."""
    import generate

    os.makedirs(a.data_dir, exist_ok=True)
    path = os.path.join(a.data_dir, f"chat-{a.rows}-s{a.seed}-v{generate.VERSION}.jsonl")
    if not os.path.exists(path):
        subprocess.run([PY, os.path.join(HERE, "generate.py"), "--task", "chat", "--rows", str(a.rows),
                        "--format", "jsonl", "--seed", str(a.seed), "-o", path], check=True)
    tok = os.path.join(a.data_dir, f"tok-bpe{a.vocab_size}-chat-{a.rows}-s{a.seed}.json")
    if not os.path.exists(tok):
        subprocess.run([PY, os.path.join(HERE, "baseline_tokens.py"), "train", path, "-o", tok,
                        "--vocab-size", str(a.vocab_size), "--sample", str(min(a.rows, 20000))], check=True)
    return path, tok


def cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_run"]:
        step(argv[1], argv[2], argv[3] if len(argv) > 3 else None)
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3, help="rounds (median)")
    p.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    p.add_argument("--vocab-size", type=int, default=32000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = p.parse_args(argv)
    path, tok = data(a)
    me = [PY, os.path.abspath(__file__), "_run"]
    ftprep = [PY, "-m", "ftprep"]
    base = [PY, os.path.join(HERE, "baseline_tokens.py"), "encode", path, "--tokenizer", tok]
    check = ftprep + ["check", path, "--task", "chat", "--tokenizer", tok, "--chat-template", "chatml",
                      "--max-seq-len", "4096", "--format", "json"]
    steps = [
        ("tokenizer `encode_batch_fast` of the ChatML-rendered rows (floor)", base),
        ("tokenizer `encode_batch` (with offsets)", base + ["--method", "encode_batch"]),
        ("ftprep reads and renders the rows, no tokens", me + ["render", path]),
        ("`ftprep.stats`, batch by batch (former path)", me + ["serial", path, tok]),
        ("`ftprep stats --tokenizer`", ftprep + ["stats", path, "--task", "chat", "--tokenizer", tok,
                                                 "--chat-template", "chatml"]),
        ("`ftprep check --tokenizer` (1 worker)", check + ["--workers", "1"]),
        (f"`ftprep check --tokenizer` ({a.workers} workers)", check + ["--workers", str(a.workers)]),
    ]
    out = os.path.join(a.data_dir, "out")
    os.makedirs(out, exist_ok=True)
    warm(path)
    walls: dict[str, list[float]] = {k: [] for k, _ in steps}
    cpus: dict[str, list[float]] = {k: [] for k, _ in steps}
    rss: dict[str, float] = {k: 0.0 for k, _ in steps}
    for r in range(a.repeat):
        for i, (label, cmd) in enumerate(steps):
            before = cpu_of_children()
            m = measure(cmd, os.path.join(out, f"tokens-{i}.out"))
            if m.rc not in (0, 1):
                print(f"step failed ({m.rc}): {' '.join(cmd)}\n{open(m.stderr).read()[-400:]}", file=sys.stderr)
                return 2
            walls[label].append(m.wall)
            cpus[label].append(cpu_of_children() - before)
            rss[label] = max(rss[label], m.peak)
            print(f"round {r + 1}: {label}: {m.wall:.2f} s", file=sys.stderr, flush=True)
    floor = statistics.median(walls[steps[0][0]])
    floor_cpu = statistics.median(cpus[steps[0][0]])
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"- date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='minutes')}; "
          f"commit {commit}; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.platform()}, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"- {a.rows:,} chat rows ({os.path.getsize(path) / 2**20:.1f} MiB), template chatml, "
          f"{a.repeat} rounds (median); command: `python benchmarks/bench_tokens.py --rows {a.rows} "
          f"--repeat {a.repeat}`\n")
    print("| step | wall s | × floor (wall) | CPU s | × floor (CPU) | peak RSS MiB | walls |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, _ in steps:
        w, c = statistics.median(walls[label]), statistics.median(cpus[label])
        mark = ""
        if label.startswith("`ftprep stats") or label.startswith("`ftprep check"):
            mark = " ✔" if w / floor <= GOAL else " ✘"
        print(f"| {label} | {w:.2f} | {w / floor:.2f}×{mark} | {c:.2f} | {c / floor_cpu:.2f}× | {rss[label]:.0f} | "
              f"{', '.join(f'{x:.2f}' for x in walls[label])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
