"""`check --scheduler`: the files of a dataset checked on a real Dask cluster
(a `distributed.LocalCluster` on 127.0.0.1, two worker processes) give the same
report, whole, as `check --dataset` in one process; a dead scheduler or a
missing dask is a usage error (exit 2), not a traceback."""

from __future__ import annotations

import json
import random
import socket
import sys
import typing as t
from pathlib import Path

import pytest

import ftprep
from ftprep.cli import main
from ftprep.core.errors import ClusterError
from ftprep.verbs import cluster

distributed = pytest.importorskip("distributed")  # the `test` extra installs it: CI runs these

WORDS = [f"w{i}" for i in range(3000)]
MIN_ROWS = 100  # above the small shard's 30 rows, below the dataset's total


@pytest.fixture(scope="module")
def scheduler() -> t.Iterator[str]:
    """One cluster for the module (starting one takes seconds): two worker processes, one thread each."""
    with cluster.local_cluster(2) as local:
        yield local.scheduler_address


def _text(rng: random.Random, n: int = 30) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def _jsonl(path: Path, rows: list[t.Any]) -> str:
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A dataset of four shards (JSON Lines, Parquet, a JSON array, CSV): rows repeated
    across shards, a near copy across shards, a bad row, and a shard of 30 rows, below
    the row minimum alone but not in the total."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(15)
    folder = tmp_path_factory.mktemp("cluster") / "data"
    folder.mkdir()
    rows = [{"instruction": _text(rng), "output": _text(rng, 8)} for _ in range(200)]
    near = dict(rows[5], instruction="edit " + rows[5]["instruction"].split(" ", 1)[1])  # one shingle of 34 differs
    first = _jsonl(folder / "train-0.jsonl", [*rows[:60], "\n", '{"instruction": "cut off\n', *rows[60:70]])
    pq.write_table(pa.Table.from_pylist([*rows[70:110], rows[3], near, {"instruction": "", "output": "x"}]),
                   folder / "train-1.parquet")
    array_shard = folder / "train-2.json"
    array_shard.write_text("[\n" + ",\n".join(json.dumps(r) for r in [*rows[110:139], rows[65]]) + "\n]\n")
    with (folder / "train-3.csv").open("w", encoding="utf-8") as f:
        f.write("instruction,output\n" + "".join(f"{r['instruction']},{r['output']}\n"
                                                 for r in [*rows[139:200], rows[112]]))
    return [first, str(folder / "train-1.parquet"), str(array_shard), str(folder / "train-3.csv")]


def _same(here: ftprep.Report, there: ftprep.Report) -> None:
    assert there.to_json() == here.to_json()
    assert there.diagnostics == here.diagnostics  # every field of every finding, the JSON's and the rest
    assert [f.dropped for f in there.files] == [f.dropped for f in here.files]


def test_the_cluster_report_is_the_one_process_report(shards: list[str], scheduler: str) -> None:
    options = dict(dataset=True, near_duplicates=True, min_rows=MIN_ROWS)
    here = ftprep.check(shards, **options)
    there = ftprep.check(shards, scheduler=scheduler, **options)
    _same(here, there)
    found = [(Path(d.path).name, d.code, d.line, Path(d.first_path or "").name or None) for d in here.diagnostics]
    # Repeats across shards, each with the line of its first place, in whichever format that is.
    assert ("train-1.parquet", "D001", None, "train-0.jsonl") in found
    assert ("train-2.json", "D001", 31, "train-0.jsonl") in found
    assert ("train-3.csv", "D001", 63, "train-2.json") in found
    assert [d.first_line for d in here.diagnostics if d.code == "D001"] == [4, 68, 4]
    assert ("train-0.jsonl", "Q001", 6, None) in found and "train-1.parquet" in [
        d for d in here.diagnostics if d.code == "Q001"][0].message  # a near copy in another shard
    assert {"P001", "V002"} <= set(here.codes())  # the bad line, the empty instruction
    assert "D002" not in here.codes()  # the 30-row shard is not told it is small: the total is 200+
    small = ftprep.check(shards[2], **options)
    assert "D002" in small.codes()


def test_the_row_minimum_on_the_total_and_a_running_client(shards: list[str], scheduler: str) -> None:
    options = dict(dataset=True, near_duplicates=True, min_rows=1000, max_per_code=1)
    here = ftprep.check(shards, **options)
    with distributed.Client(scheduler) as client:  # the caller's own client: used, and left open
        there = ftprep.check(shards, scheduler=client, **options)
        assert client.status == "running"
    _same(here, there)
    (d002,) = [d for d in there.diagnostics if d.code == "D002"]
    assert d002.path == str(Path(shards[0]).parent) and "in the dataset's 4 files" in d002.message
    assert sum(f.dropped.get("D001", 0) for f in there.files) == 2  # three repeats, one shown


def test_files_apart_on_the_cluster(shards: list[str], scheduler: str) -> None:
    """Without --dataset each file is its own dataset there too; the progress counts files."""
    told: list[tuple[str, int, int | None]] = []
    there = ftprep.check(shards, min_rows=MIN_ROWS, scheduler=scheduler, progress=lambda *a: told.append(a))
    _same(ftprep.check(shards, min_rows=MIN_ROWS), there)
    assert told == [("files", n, 4) for n in range(5)]
    assert there.codes().count("D002") == 4  # each file is told it is small, as in one process


def test_the_cli(shards: list[str], scheduler: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", *shards, "--dataset", "--near-duplicates", "--min-rows", str(MIN_ROWS), "--isolated"]
    assert main([*args, "--format", "json"]) == 1
    here = json.loads(capsys.readouterr().out)
    assert main([*args, "--format", "json", "--scheduler", scheduler]) == 1
    assert json.loads(capsys.readouterr().out) == here
    assert main([*args, "--scheduler", scheduler]) == 1
    assert "train-3.csv:63: D001 [warning] duplicate of line 4 of " in capsys.readouterr().out


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_dead_scheduler_is_a_usage_error(shards: list[str], capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    address = f"tcp://127.0.0.1:{_dead_port()}"
    with pytest.raises(ClusterError, match=f"cannot reach the Dask scheduler at {address}"):
        ftprep.check(shards, dataset=True, scheduler=address)
    assert main(["check", *shards, "--dataset", "--scheduler", address, "--isolated"]) == 2
    err = capsys.readouterr().err
    assert f"Error: cannot reach the Dask scheduler at {address}" in err and "Traceback" not in err
    assert main(["check", shards[0], "--scheduler", "nowhere", "--isolated"]) == 2
    assert "is not an address: give tcp://HOST:PORT, or local" in capsys.readouterr().err


def test_without_dask_the_switch_says_what_to_install(shards: list[str], capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails as when not installed
    assert main(["check", shards[0], "--scheduler", "local", "--isolated"]) == 2
    err = capsys.readouterr().err
    assert "needs dask[distributed], which is not installed: pip install 'ftprep[dask]'" in err
    assert "Traceback" not in err


def test_data_in_memory_stays_in_this_process() -> None:
    with pytest.raises(ValueError, match="not on a cluster"):
        ftprep.check([{"instruction": "a", "output": "b"}], scheduler="local")



def test_chat_shards_repeat_across_workers(tmp_path: Path, scheduler: str) -> None:
    """Chat rows are typed structs, whose Python hash holds in one process only: the
    workers key them by content (ftprep.engine.portable_keys), and the repeats across
    files are the one process's, whichever worker checked each file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(3)
    rows = [{"conversations": [{"role": "user", "content": _text(rng, 12)},
                               {"role": "assistant", "content": _text(rng, 20)}]} for _ in range(90)]
    paths = [_jsonl(tmp_path / "a.jsonl", rows[:30]), str(tmp_path / "b.parquet"),
             _jsonl(tmp_path / "c.jsonl", [*rows[60:90], rows[40], "not json\n", rows[2]])]
    pq.write_table(pa.Table.from_pylist([*rows[30:60], rows[1], rows[1]]), paths[1])
    options = dict(dataset=True, min_rows=1, task="chat")
    here = ftprep.check(paths, **options)
    _same(here, ftprep.check(paths, scheduler=scheduler, **options))
    assert [(Path(d.path).name, d.row, d.first_row, Path(d.first_path or d.path).name) for d in here.diagnostics
            if d.code == "D001"] == [("b.parquet", 30, 1, "a.jsonl"), ("b.parquet", 31, 1, "a.jsonl"),
                                     ("c.jsonl", 30, 10, "b.parquet"), ("c.jsonl", 32, 2, "a.jsonl")]
