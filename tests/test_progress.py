"""Progress: the library reports each long pass through `Options.progress`
(stage, done, total), per block or batch, never per row; the CLI draws tqdm bars
from it on stderr, on a terminal only, and keeps stdout for the report."""

from __future__ import annotations

import gzip
import io
import json
import os
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftprep
from ftprep.cli import cli
from ftprep.cli.progress import ENV, ENV_DELAY, Bars, hub_bars, wanted
from ftprep.disk.streams import BLOCK
from ftprep.engine import checker
from ftprep.engine.lengths import stats

Call = tuple[str, int, t.Optional[int]]


def chats(n: int) -> str:
    return "".join(json.dumps({"conversations": [
        {"role": "user", "content": f"question {i} " + "words " * 20},
        {"role": "assistant", "content": f"answer {i} " + "more words " * 30}]}) + "\n" for i in range(n))


@pytest.fixture()
def big(tmp_path: Path) -> Path:
    """A chat file of a few 1 MB blocks: several progress steps, still fast."""
    path = tmp_path / "chats.jsonl"
    path.write_text(chats(9000), encoding="utf-8")
    assert os.path.getsize(path) > 3 * BLOCK
    return path


def recorder() -> tuple[list[Call], t.Callable[[str, int, t.Optional[int]], None]]:
    calls: list[Call] = []
    return calls, lambda stage, done, total: calls.append((stage, done, total))


def rising_to(calls: list[Call], stage: str, end: int) -> None:
    """The calls are one pass of `stage`: from 0, never going back, ending at `end` of `end`."""
    assert calls and {c[0] for c in calls} == {stage}
    dones = [d for _, d, _ in calls]
    assert dones[0] == 0 and dones == sorted(dones) and dones[-1] == end
    assert calls[-1][2] == end


def test_serial_check_reports_bytes_per_block_up_to_the_size(big: Path) -> None:
    calls, progress = recorder()
    report = ftprep.check(str(big), task="chat", workers=1, min_rows=1, progress=progress)
    size = os.path.getsize(big)
    rising_to(calls, "check", size)
    assert {total for _, _, total in calls} == {size}
    # Per block, not per row: a handful of calls for 9,000 rows.
    assert 3 < len(calls) <= size // BLOCK + 4
    assert report.files[0].rows == 9000 and report.ok


def test_gzip_check_counts_the_compressed_bytes(big: Path, tmp_path: Path) -> None:
    gz = tmp_path / "chats.jsonl.gz"
    gz.write_bytes(gzip.compress(big.read_bytes()))
    calls, progress = recorder()
    ftprep.check(str(gz), task="chat", workers=1, min_rows=1, progress=progress)
    rising_to(calls, "check", os.path.getsize(gz))


def test_parallel_check_reports_as_ranges_finish(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = ftprep.check(str(big), task="chat", workers=1, min_rows=1)
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    calls, progress = recorder()
    parallel = ftprep.check(str(big), task="chat", workers=2, min_rows=1, progress=progress)
    rising_to(calls, "check", os.path.getsize(big))
    assert len(calls) >= 3  # the start, then one per finished range (at least two)
    assert parallel.to_json() == serial.to_json()  # merged in file order whatever order ranges finish in


def test_tables_and_json_arrays_report_rows_per_batch(tmp_path: Path) -> None:
    rows = [{"instruction": f"say {i}", "output": f"said {i}"} for i in range(12_000)]
    csv = tmp_path / "rows.csv"
    csv.write_text("instruction,output\n" + "".join(f"{r['instruction']},{r['output']}\n" for r in rows),
                   encoding="utf-8")
    calls, progress = recorder()
    ftprep.check(str(csv), task="text", min_rows=1, progress=progress)
    rising_to(calls, "rows", 12_000)
    # Per batch of 5,000 records; the total is known once the table is read.
    assert calls == [("rows", 0, None), ("rows", 5000, None), ("rows", 10_000, None), ("rows", 12_000, 12_000)]
    array = tmp_path / "rows.json"
    array.write_text(json.dumps(rows), encoding="utf-8")
    calls.clear()
    ftprep.check(str(array), task="text", min_rows=1, progress=progress)
    rising_to(calls, "rows", 12_000)
    assert {total for _, _, total in calls} == {12_000}


def test_stats_reports_rows_per_batch(big: Path) -> None:
    calls, progress = recorder()
    result = stats(str(big), progress=progress)
    rising_to(calls, "tokens", 9000)
    assert calls[0] == ("tokens", 0, None)  # rows are not known before they are read
    assert result.rows == 9000 and len(calls) < 10


def test_the_pages_later_estimate_reports_too(tmp_path: Path) -> None:
    path = tmp_path / "few.jsonl"
    path.write_text(chats(30), encoding="utf-8")
    calls, progress = recorder()
    report = ftprep.check(str(path), task="chat", min_rows=1, progress=progress)
    calls.clear()
    later = report.files[0].stats["tokens_later"]()
    assert later is not None and later.rows == 30
    rising_to(calls, "tokens", 30)


# --- when bars show ------------------------------------------------------------

class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture()
def plain_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (ENV, ENV_DELAY, "CI", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_bars_only_on_a_terminal_outside_ci_and_pre_commit(plain_env: pytest.MonkeyPatch) -> None:
    assert wanted("text", stream=Tty())
    assert wanted(None, stream=Tty())
    assert not wanted("text", stream=io.StringIO())  # a pipe or a file
    assert not wanted("json", stream=Tty()) and not wanted("sarif", stream=Tty())
    assert not wanted("text", quiet=True, stream=Tty())
    plain_env.setenv("CI", "true")
    assert not wanted("text", stream=Tty())
    plain_env.setenv("CI", "false")
    assert wanted("text", stream=Tty())
    plain_env.setenv("PRE_COMMIT", "1")
    assert not wanted("text", stream=Tty())


def test_the_environment_forces_bars_on_or_off(plain_env: pytest.MonkeyPatch) -> None:
    plain_env.setenv(ENV, "always")
    plain_env.setenv("CI", "1")
    assert wanted("text", stream=io.StringIO())
    assert not wanted("json", stream=io.StringIO())  # a machine format stays alone on its streams
    plain_env.setenv(ENV, "never")
    assert not wanted("text", stream=Tty())


def test_a_short_pass_draws_nothing() -> None:
    stream = Tty()
    with Bars(stream, wait=2) as bar:
        for done in range(0, 11):
            bar("check", done, 10)
    assert stream.getvalue() == ""


def test_each_pass_gets_its_own_bar_and_closes() -> None:
    stream = io.StringIO()
    with Bars(stream, wait=0) as bar:
        bar("check", 0, 100)
        bar("check", 100, 100)
        assert bar.bar is None  # closed when done reaches total
        bar("check", 100, 100)  # told again that the pass is over: no second bar
        assert bar.bar is None
        bar("tokens", 0, None)
        bar("tokens", 2048, None)
        first = bar.bar
        bar("tokens", 0, None)  # the next file: done went back
        assert bar.bar is not first and first.disable
    assert bar.bar is None
    out = stream.getvalue()
    # One bar for the bytes, one for each pass of rows; each erased when it ends (leave=False).
    assert out.count("check:") == 1 and "/100 " in out and "B/s" in out
    assert out.count("tokens:") == 2 and "rows/s" in out
    assert out.endswith("\r")


def test_hub_bars_are_put_back_as_they_were() -> None:
    from huggingface_hub import utils as hub

    before = hub.are_progress_bars_disabled()
    with hub_bars(True):
        assert not hub.are_progress_bars_disabled() or os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS")
    with hub_bars(False):
        assert hub.are_progress_bars_disabled()
    assert hub.are_progress_bars_disabled() == before


# --- the CLI ---------------------------------------------------------------------

def run(args: list[str], env: dict[str, str]) -> t.Any:
    return CliRunner().invoke(cli, args, env={"CI": "", "PRE_COMMIT": "", **env}, catch_exceptions=False)


def test_cli_draws_a_tqdm_bar_on_stderr_only(big: Path) -> None:
    result = run(["check", str(big), "--task", "chat", "--workers", "1", "--min-rows", "1"],
                 {ENV: "always", ENV_DELAY: "0"})
    assert result.exit_code == 0
    assert "check:" in result.stderr and "B/s" in result.stderr
    assert "\r" not in result.stdout and "%|" not in result.stdout


def test_cli_is_silent_off_a_terminal_and_for_json(big: Path) -> None:
    args = ["check", str(big), "--task", "chat", "--workers", "1", "--min-rows", "1"]
    piped = run(args, {ENV_DELAY: "0"})  # CliRunner's stderr is no terminal
    assert piped.exit_code == 0 and piped.stderr == ""
    as_json = run(args + ["--format", "json"], {ENV: "always", ENV_DELAY: "0"})
    assert as_json.stderr == ""
    assert json.loads(as_json.stdout)["files"][0]["rows"] == 9000


def test_cli_stats_bar(big: Path) -> None:
    result = run(["stats", str(big)], {ENV: "always", ENV_DELAY: "0"})
    assert "tokens:" in result.stderr and "rows/s" in result.stderr
    assert "%|" not in result.stdout and "\r" not in result.stdout


def test_image_convert_reports_each_image_written(tmp_path: Path) -> None:
    import image_fixtures as fx

    fx.image_set(tmp_path / "set", 12, size=(256, 256))
    calls, progress = recorder()
    result = ftprep.convert(str(tmp_path / "set"), str(tmp_path / "out"), task="image", min_pairs=10, workers=2,
                            progress=progress)
    assert result.written
    assert [c for c in calls if c[0] == "images"][-1] == ("images", 12, 12)  # the check's pass
    rising_to([c for c in calls if c[0] == "write"], "write", 12)


def test_the_hub_bars_follow_only_runs_that_download(tmp_path: Path) -> None:
    from ftprep.cli.progress import from_hub

    local = tmp_path / "tokenizer.json"
    local.write_text("{}", encoding="utf-8")
    assert from_hub(["hf://datasets/alice/chats"]) and from_hub(["data.jsonl"], "Qwen/Qwen2.5-0.5B")
    assert not from_hub(["data.jsonl"]) and not from_hub(["data.jsonl"], str(local))
    assert not from_hub(["data.jsonl"], object())  # a loaded tokenizer downloads nothing


def test_a_library_push_hides_the_clients_bars_unless_asked(tmp_path: Path) -> None:
    from huggingface_hub import utils

    from ftprep.hub.upload import client_bars
    from ftprep.verbs.push import staged

    utils.enable_progress_bars()
    try:
        with client_bars(False):
            assert utils.are_progress_bars_disabled()  # a library call prints nothing
        assert not utils.are_progress_bars_disabled()
        with client_bars(True):
            assert not utils.are_progress_bars_disabled() or os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS")
    finally:
        utils.enable_progress_bars()
    path = tmp_path / "few.jsonl"
    path.write_text(chats(20), encoding="utf-8")
    with staged(str(path), task="chat", min_rows=1) as quiet, staged(str(path), task="chat", min_rows=1,
                                                                   progress=lambda *a: None) as told:
        assert not quiet.progress and told.progress


def test_a_new_stage_closes_the_last_bar_even_when_it_is_over_at_once() -> None:
    with Bars(io.StringIO(), wait=0) as bar:
        bar("tokens", 0, None)
        left = bar.bar
        bar("images", 3, 3)
        assert bar.bar is None and left.disable


def test_cli_draws_nothing_for_a_pass_under_two_seconds(tmp_path: Path) -> None:
    path = tmp_path / "few.jsonl"
    path.write_text(chats(50), encoding="utf-8")
    result = run(["check", str(path), "--task", "chat", "--min-rows", "1"], {ENV: "always", ENV_DELAY: ""})
    assert result.exit_code == 0 and result.stderr == ""


def test_a_progress_that_cannot_be_called_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "few.jsonl"
    path.write_text(chats(5), encoding="utf-8")
    with pytest.raises(ValueError, match="progress must be a callable"):
        ftprep.check(str(path), progress=True)
    with pytest.raises(ValueError, match="progress must be a callable"):
        stats(str(path), progress="bar")
