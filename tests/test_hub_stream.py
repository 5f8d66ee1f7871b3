"""`check hf://` streaming a Parquet dataset from the fake Hub: the same report as
loading it with `datasets`, no local copy of the data, and progress in bytes."""

from __future__ import annotations

import io
import json
import os
import random
import uuid

import pytest

import ftprep
from ftprep.verbs import remote_hub


def parquet(rows: list[dict], group: int | None = None, schema=None) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out, row_group_size=group)
    return out.getvalue()


def by_datasets(rows: list[dict], labels: bool = False) -> bytes:
    """Parquet as `datasets` writes it: its features in the schema's metadata."""
    import datasets

    ds = datasets.Dataset.from_list(rows)
    if labels:
        ds = ds.cast_column("label", datasets.ClassLabel(names=["no", "yes"]))
    out = io.BytesIO()
    ds.to_parquet(out)
    return out.getvalue()


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def seed(hub, files: dict[str, bytes | str]) -> str:
    repo = f"bob/s-{uuid.uuid4().hex[:8]}"
    hub.seed(repo, files)
    return repo


class Loads:
    """Counts `load_dataset` calls: the streamed path makes none."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import datasets

        self.calls = 0
        real = datasets.load_dataset

        def counted(*a, **kw):
            self.calls += 1
            return real(*a, **kw)

        monkeypatch.setattr(datasets, "load_dataset", counted)


def both(repo: str, monkeypatch: pytest.MonkeyPatch, **kw) -> tuple[dict, dict, int]:
    """(streamed report, load-path report, load_dataset calls the first made), as JSON."""
    loads = Loads(monkeypatch)
    kw.setdefault("min_rows", 1)
    streamed = ftprep.check(f"hf://datasets/{repo}", **kw).to_json()
    calls = loads.calls
    with monkeypatch.context() as m:
        m.setattr(remote_hub, "hub_table", lambda *a, **k: None)
        loaded = ftprep.check(f"hf://datasets/{repo}", **kw).to_json()
    return streamed, loaded, calls


def codes(report: dict) -> list[str]:
    return [d["code"] for f in report["files"] for d in f["diagnostics"]]


TEXT = [{"instruction": f"say {i}", "output": f"said {i}"} for i in range(6)]


def TEXT_SCHEMA():
    import pyarrow as pa

    return pa.schema([("instruction", pa.string()), ("output", pa.string())])


def chat(i: int, turns: int = 2) -> dict:
    roles = ["user", "assistant"]
    return {"conversations": [{"role": roles[k % 2], "content": f"turn {k} of {i}"} for k in range(turns)]}


# --- the fake Hub's own behaviour ------------------------------------------------------
def test_the_fake_hub_answers_ranges_and_logs_reads(hub) -> None:
    import httpx

    repo = seed(hub, {"data/a.bin": bytes(range(200))})
    url = f"{hub.url}/datasets/{repo}/resolve/main/data/a.bin"
    auth = {"Authorization": f"Bearer {hub.token}"}
    part = httpx.get(url, headers={**auth, "Range": "bytes=10-19"})
    tail = httpx.get(url, headers={**auth, "Range": "bytes=-5"})
    whole = httpx.get(url, headers=auth)
    assert (part.status_code, part.content, part.headers["Content-Range"]) == (206, bytes(range(10, 20)),
                                                                               "bytes 10-19/200")
    assert (tail.status_code, tail.content) == (206, bytes(range(195, 200)))
    assert (whole.status_code, len(whole.content)) == (200, 200)
    assert [(r.path, r.range, r.sent) for r in hub.reads[-3:]] == [
        ("data/a.bin", "bytes=10-19", 10), ("data/a.bin", "bytes=-5", 5), ("data/a.bin", "", 200)]


def test_the_fake_hub_serves_the_hub_file_system(hub) -> None:
    from huggingface_hub import HfFileSystem

    repo = seed(hub, {"data/train.parquet": parquet(TEXT), "README.md": "card\n"})
    fs = HfFileSystem(skip_instance_cache=True)
    assert sorted(fs.ls(f"datasets/{repo}/data", detail=False)) == [f"datasets/{repo}/data/train.parquet"]
    assert fs.info(f"datasets/{repo}/data/train.parquet")["size"] == len(parquet(TEXT))
    with fs.open(f"datasets/{repo}/data/train.parquet", "rb") as f:
        f.seek(-4, 2)
        assert f.read() == b"PAR1"


# --- the streamed report is the loaded report -----------------------------------------
SHAPES = {
    "one file": lambda: {"data/train-00000-of-00001.parquet": parquet(
        TEXT + [{"instruction": "x", "output": "  "}, {"instruction": "", "output": "y"}, TEXT[1]])},
    "shards and splits": lambda: {
        "data/train-00000-of-00002.parquet": parquet([chat(i) for i in range(5)], group=2),
        "data/train-00001-of-00002.parquet": parquet([chat(i) for i in range(5, 9)] + [chat(99, 3)], group=2),
        "data/test-00000-of-00001.parquet": parquet([chat(2), chat(50, 1)])},
    "nulls": lambda: {"train.parquet": parquet(
        [{"prompt": "p", "chosen": "a", "rejected": "b", "score": 1.5},
         {"prompt": None, "chosen": "a", "rejected": "b", "score": float("nan")},
         {"prompt": "q", "chosen": None, "rejected": None, "score": None},
         {"prompt": "r", "chosen": "same", "rejected": "same", "score": float("inf")}])},
    "nested nulls": lambda: {"train.parquet": parquet(
        [chat(0), {"conversations": None}, {"conversations": []},
         {"conversations": [{"role": "user", "content": None}, {"role": None, "content": "x"}]}])},
    "jsonl files": lambda: {"data/train.jsonl": jsonl(TEXT), "data/test.jsonl": jsonl(TEXT[:2])},
    "mixed shard types": lambda: {
        "data/train-00000-of-00002.parquet": parquet([{"prompt": "a", "answer": 1}]),
        "data/train-00001-of-00002.parquet": parquet([{"prompt": "b", "answer": "two"}])},
    "cast failure": lambda: {
        "data/train-00000-of-00002.parquet": parquet(TEXT[:3]),
        "data/train-00001-of-00002.parquet": parquet([dict(r, system="s") for r in TEXT[3:]])},
    "split schemas differ": lambda: {
        "data/train.parquet": parquet(TEXT), "data/test.parquet": parquet([dict(r, system="s") for r in TEXT[:2]])},
    "first config of two": lambda: {
        "README.md": "---\nconfigs:\n- config_name: sft\n  data_files:\n  - split: train\n    path: sft/*.parquet\n"
                     "- config_name: raw\n  data_files: raw.parquet\n---\n",
        "sft/a.parquet": parquet(TEXT[:4]), "sft/b.parquet": parquet(TEXT[3:]), "raw.parquet": parquet([{"x": 1}])},
    "written by datasets": lambda: {"data/train.parquet": by_datasets([chat(i, 2 + i % 3) for i in range(6)])},
    "class labels": lambda: {"data/train.parquet": by_datasets(
        [dict(r, label=i % 2) for i, r in enumerate(TEXT)], labels=True)},
    "empty file": lambda: {"train.parquet": parquet([], schema=TEXT_SCHEMA())},
    "an empty shard": lambda: {"data/train-00000-of-00002.parquet": parquet([], schema=TEXT_SCHEMA()),
                               "data/train-00001-of-00002.parquet": parquet(TEXT)},
}
# An empty file fails the load (datasets reads in batches of the first row group's size): loaded, H002.
STREAMED = {"one file", "shards and splits", "nulls", "nested nulls", "first config of two", "written by datasets"}
TASKS = {"shards and splits": "chat", "nested nulls": "chat", "written by datasets": "chat", "class labels": "text",
         "nulls": "dpo", "mixed shard types": "grpo"}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_streamed_report_equals_the_loaded_one(shape: str, hub, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = seed(hub, SHAPES[shape]())
    kw = {"task": TASKS[shape]} if shape in TASKS else {}
    streamed, loaded, calls = both(repo, monkeypatch, **kw)
    assert streamed == loaded
    # Parquet that reads as the load gives it is streamed; the rest is loaded as the trainer does.
    assert (calls == 0) is (shape in STREAMED)
    assert streamed["files"][0]["rows"] > 0 or codes(streamed)


def test_a_file_broken_part_way_keeps_the_load_and_its_failure(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    data = bytearray(parquet(TEXT * 5, group=10))
    start = pq.read_metadata(io.BytesIO(bytes(data))).row_group(2).column(0).data_page_offset
    data[start:start + 8] = b"\xff" * 8  # the third row group's first page header: the footer still reads
    repo = seed(hub, {"data/train-00000-of-00002.parquet": parquet(TEXT),
                      "data/train-00001-of-00002.parquet": bytes(data)})
    streamed, loaded, calls = both(repo, monkeypatch, task="text")
    assert streamed == loaded and calls > 0 and codes(streamed) == ["H002"]


def test_streamed_report_has_findings_to_agree_on(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    from ftprep.engine import conversation_columns

    judged: list[int] = []
    real = conversation_columns.ConversationColumns.judge
    monkeypatch.setattr(conversation_columns.ConversationColumns, "judge",
                        lambda self, frame, *a: judged.append(frame.height) or real(self, frame, *a))
    repo = seed(hub, SHAPES["shards and splits"]())
    streamed, _, _ = both(repo, monkeypatch, task="chat")
    assert sum(judged) == 12  # every streamed row judged column-wise
    found = {(d["code"], d["row"]) for d in streamed["files"][0]["diagnostics"]}
    # The duplicate of row 2 is in the test split (merged row 10); row 9 ends on a user turn.
    assert ("D001", 10) in found and streamed["files"][0]["rows"] == 12
    assert all(d["line"] is None for d in streamed["files"][0]["diagnostics"])


@pytest.mark.parametrize("task", [None, "text"])
def test_an_empty_parquet_file_keeps_the_load_and_its_failure(task, hub, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = seed(hub, SHAPES["empty file"]())
    streamed, loaded, calls = both(repo, monkeypatch, **({"task": task} if task else {}))
    assert streamed == loaded and calls > 0 and codes(streamed) == ["H002"]


def test_token_lengths_agree(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    tokenizer = str(Path(__file__).parent.parent / "sample_data" / "tokenizer.json")
    rows = [chat(i, 2 + i % 5) for i in range(40)]
    for row in rows[::7]:
        row["conversations"][-1]["content"] = "word " * 300
    repo = seed(hub, {"data/train-00000-of-00002.parquet": parquet(rows[:25], group=10),
                      "data/train-00001-of-00002.parquet": parquet(rows[25:])})
    streamed, loaded, calls = both(repo, monkeypatch, task="chat", tokenizer=tokenizer, max_seq_len=200)
    assert streamed == loaded and calls == 0 and "T001" in codes(streamed)


@pytest.mark.parametrize("seed_", [1, 2, 3])
def test_random_rows_agree(seed_: int, hub, monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(seed_)
    words = ["", " ", "a", "hello", "<|im_end|>", "  padded ", "said 1", "\u00e9t\u00e9", None]
    rows = [{"instruction": rnd.choice(words), "output": rnd.choice(words), "input": rnd.choice(words)}
            for _ in range(rnd.randint(20, 60))]
    cut = len(rows) // 2
    repo = seed(hub, {"data/train-00000-of-00002.parquet": parquet(rows[:cut], group=7),
                      "data/train-00001-of-00002.parquet": parquet(rows[cut:], group=5)})
    streamed, loaded, calls = both(repo, monkeypatch, task="text")
    assert streamed == loaded and calls == 0


def test_reward_functions_keep_the_load_path(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = seed(hub, {"train.parquet": parquet([{"prompt": "2+2?", "answer": "4"}])})
    loads = Loads(monkeypatch)
    assert not remote_hub.streamable(remote_hub.Options(task="grpo", reward_func=["def f(x): return 1"]))
    assert remote_hub.streamable(remote_hub.Options(task="grpo"))
    ftprep.check(f"hf://datasets/{repo}", task="grpo", min_rows=1)
    assert loads.calls == 0


# --- no local copy, progress in bytes ----------------------------------------------------
def big_repo(hub) -> tuple[str, int]:
    rows = [{"instruction": f"question {i} " + "x" * 200, "output": f"answer {i} " + "y" * 200} for i in range(6000)]
    files = {f"data/train-0000{k}-of-00003.parquet": parquet(rows[k::3], group=500) for k in range(3)}
    return seed(hub, files), sum(len(b) for b in files.values())


def test_a_sharded_dataset_is_read_in_ranges_without_a_local_copy(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr("ftprep.verbs.hub_table.BLOCK", 16 << 10)  # several ranges per shard
    repo, total = big_repo(hub)
    home = os.environ["HF_HOME"]
    before = {os.path.join(r, f) for r, _, fs in os.walk(home) for f in fs}
    loads = Loads(monkeypatch)
    monkeypatch.setattr(pq, "write_table", None)  # nothing of the product writes Parquet on the way
    start = len(hub.reads)
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1)
    assert report.rows == 6000 and report.ok and loads.calls == 0
    reads = [r for r in hub.reads[start:] if r.path.endswith(".parquet")]
    assert reads and all(r.range.startswith("bytes=") for r in reads)  # no whole-file download
    per_file = {p: [r for r in reads if r.path == p] for p in {r.path for r in reads}}
    assert len(per_file) == 3 and all(len(v) >= 3 for v in per_file.values())
    assert total <= sum(r.sent for r in reads) < 2 * total  # every byte fetched, none of them twice over
    after = {os.path.join(r, f) for r, _, fs in os.walk(home) for f in fs}
    assert not [p for p in after - before if p.endswith((".parquet", ".arrow", ".jsonl"))]


def test_progress_counts_bytes_up_to_the_data_files_size(hub) -> None:
    repo, total = big_repo(hub)
    calls: list[tuple[str, int, int | None]] = []
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1,
                          progress=lambda stage, done, whole: calls.append((stage, done, whole)))
    assert report.rows == 6000
    assert {c[0] for c in calls} == {"check"} and {c[2] for c in calls} == {total}
    done = [c[1] for c in calls]
    assert done == sorted(done) and done[0] == 0 and done[-1] == total
    assert len({d for d in done if 0 < d < total}) >= 3  # it moves while the shards are read


def test_the_table_numbers_row_groups_over_all_files(hub, tmp_path) -> None:
    from huggingface_hub import HfApi

    from ftprep.verbs.hub_table import hub_table

    rows = [{"instruction": f"q{i}", "output": f"a{i}"} for i in range(9)]
    repo = seed(hub, {"data/train-00000-of-00002.parquet": parquet(rows[:5], group=2),
                      "data/train-00001-of-00002.parquet": parquet(rows[5:], group=2)})
    table = hub_table(repo, None, HfApi().dataset_info(repo).sha, str(tmp_path))
    assert table is not None and table.parquet_groups() == [2, 2, 1, 2, 2]
    assert table.parquet_schema().names == ["instruction", "output"] and table.parquet_frame(0) is None
    # Group 3 is the second file's first: the rows 5 and 6, only the column asked for.
    assert [b.to_pylist() for b in table.arrow_batches(["output"], [3])] == [[{"output": "a5"}, {"output": "a6"}]]
    assert [r for b in table.arrow_batches() for r in b.to_pylist()] == rows
    assert [r for records, _ in table.batches(4) for r in records] == rows


def test_the_stream_takes_the_columnar_path_and_reports_as_the_local_file(hub, tmp_path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The Hub's row groups go through the Arrow batch path (ftprep.engine.arrow_scan), as
    a local Parquet file of the same rows does, and the two reports are the same."""
    from ftprep.engine import arrow_scan

    rows = [chat(i, 2 + i % 3) for i in range(30)]
    rows[4]["conversations"][0]["role"] = "bot"
    rows[11]["conversations"][1]["content"] = "  "
    rows[25] = rows[3]  # a duplicate across the two shards
    repo = seed(hub, {"data/train-00000-of-00002.parquet": parquet(rows[:17], group=5),
                      "data/train-00001-of-00002.parquet": parquet(rows[17:], group=4)})
    local = tmp_path / "rows.parquet"
    local.write_bytes(parquet(rows, group=6))
    batched: list[int] = []
    real = arrow_scan.ArrowRows.batch
    monkeypatch.setattr(arrow_scan.ArrowRows, "batch", lambda self, b: (batched.append(b.num_rows), real(self, b)))
    streamed = ftprep.check(f"hf://datasets/{repo}", task="chat", min_rows=1).to_json()
    assert sum(batched) == 30
    here = ftprep.check(str(local), task="chat", min_rows=1).to_json()

    def unnamed(report: dict, name: str) -> dict:  # the same report but for where the rows are
        return json.loads(json.dumps(report).replace(json.dumps(name), '""'))

    assert unnamed(streamed, f"hf://datasets/{repo}") == unnamed(here, str(local))
    assert "D001" in codes(streamed), codes(streamed)
