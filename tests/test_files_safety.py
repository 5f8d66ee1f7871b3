"""No lost input, no hang, no litter: outputs never replace inputs, special files
are refused with their true kind, an unclosed CSV quote is P011, and a killed
convert leaves no temporaries behind (or the next run removes them)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import ftprep
from ftprep.disk import outputs as files
from ftprep.cli import main

ROOT = Path(__file__).parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def rows(n: int, start: int = 0) -> str:
    return "".join(json.dumps({"instruction": f"question {i}", "output": f"answer {i}"}) + "\n"
                   for i in range(start, start + n))


def cli(*args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """ftprep in a subprocess, with a timeout, so that a hang fails the test instead of the run."""
    r = subprocess.run([sys.executable, "-m", "ftprep", *args], input=stdin, capture_output=True,
                       timeout=timeout, env=ENV)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(), r.stderr.decode())


def staged(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".ftprep-"))


# --- outputs never replace an input -------------------------------------------


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink", "parquet"])
def test_convert_refuses_to_write_over_its_input(tmp_path: Path, link: str, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text(rows(20))
    if link == "parquet":
        assert ftprep.convert(src, tmp_path / "d.parquet", min_rows=1).written
        src = tmp_path / "d.parquet"
    out = src
    if link == "symlink":
        out = tmp_path / "link.jsonl"
        out.symlink_to(src.name)
    elif link == "hardlink":
        out = tmp_path / "hard.jsonl"
        os.link(src, out)
    before = src.read_bytes()
    assert main(["convert", str(src), "-o", str(out), "--min-rows", "1", "--isolated"]) == 2
    assert "is the input" in capsys.readouterr().err
    assert src.read_bytes() == before
    with pytest.raises(ValueError, match="is the input"):
        ftprep.convert(src, out, min_rows=1)
    assert src.read_bytes() == before and staged(tmp_path) == []


@pytest.mark.parametrize("command", ["check", "stats"])
def test_html_report_never_replaces_the_input(tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text(rows(20))
    before = src.read_bytes()
    extra = ["--min-rows", "1", "--isolated"] if command == "check" else []
    assert main([command, str(src), "--html", str(src), *extra]) == 2
    assert "the HTML report is the input" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_push_staging_cannot_reach_the_input(tmp_path: Path) -> None:
    from ftprep.verbs.push import staged as stage

    src = tmp_path / "d.jsonl"
    src.write_text(rows(20))
    before = src.read_bytes()
    with stage(src, min_rows=1) as s:
        data = Path(s.folder, s.data_path)
        assert data.is_file() and not files.same_file(str(data), str(src))
    assert src.read_bytes() == before


def image_set(folder: Path, n: int = 2) -> Path:
    from PIL import Image

    folder.mkdir()
    for i in range(n):
        Image.new("RGB", (512, 512), (i * 40, 0, 0)).save(folder / f"p{i}.png")
        (folder / f"p{i}.txt").write_text(f"a photo number {i}")
    return folder


def test_also_zip_replaces_only_a_zip_ftprep_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = image_set(tmp_path / "set")
    out = tmp_path / "out"
    mine = tmp_path / "out.zip"
    with zipfile.ZipFile(mine, "w") as z:
        z.writestr("thesis.tex", "years of work")
    before = mine.read_bytes()
    argv = ["convert", str(src), "-o", str(out), "--task", "image", "--min-pairs", "1", "--also-zip", "--isolated"]
    assert main(argv) == 2
    assert "was not written by ftprep" in capsys.readouterr().err
    assert mine.read_bytes() == before and not out.exists()
    mine.write_text("not even a zip")
    assert main(argv) == 2 and mine.read_text() == "not even a zip"
    assert main([*argv, "--force"]) == 0
    with zipfile.ZipFile(mine) as z:
        assert sorted(z.namelist()) == ["000001.png", "000001.txt", "000002.png", "000002.txt"]
        assert z.comment.startswith(b"Written by ftprep")
    assert main(argv) == 0  # ftprep's own zip is replaced without --force
    assert staged(tmp_path) == []


def test_replacing_an_image_output_keeps_its_modes(tmp_path: Path) -> None:
    src = image_set(tmp_path / "set")
    out = tmp_path / "out"
    argv = ["convert", str(src), "-o", str(out), "--task", "image", "--min-pairs", "1", "--also-zip", "--isolated"]
    assert main(argv) == 0
    out.chmod(0o700)
    Path(f"{out}.zip").chmod(0o600)
    assert main(argv) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o700 and stat.S_IMODE(Path(f"{out}.zip").stat().st_mode) == 0o600
    assert staged(tmp_path) == []


def test_also_zip_never_replaces_a_hard_link_to_the_input_zip(tmp_path: Path) -> None:
    folder = image_set(tmp_path / "set")
    src = tmp_path / "in.zip"
    with zipfile.ZipFile(src, "w") as z:
        for p in sorted(folder.iterdir()):
            z.write(p, p.name)
    os.link(src, tmp_path / "out.zip")
    before = src.read_bytes()
    with pytest.raises(ValueError, match="replace the input"):
        ftprep.convert(str(src), str(tmp_path / "out"), task="image", also_zip=True, force=True, min_pairs=1)
    assert src.read_bytes() == before


# --- an unclosed CSV quote ------------------------------------------------------


def test_unclosed_quote_is_p011_where_it_opened_and_convert_refuses(tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    with open(src, "w") as f:
        f.write('instruction,output\nq1,a1\n"q2 never closed,a2\n')
        f.writelines(f"q{i},a{i}\n" for i in range(3, 200_003))
    before = src.read_bytes()
    report = ftprep.check(src, min_rows=1)
    (d,) = [d for d in report.diagnostics if d.code == "P011"]
    assert (d.line, d.row, d.severity, d.stage) == (3, None, "error", "load")
    assert "200,001 lines to the end of the file" in d.message
    assert [x.code for x in report.diagnostics] == ["P011"]  # no V001 on the swallowed record
    out = tmp_path / "o.jsonl"
    conv = ftprep.convert(src, out, drop_invalid=True, min_rows=1)
    assert not conv.written and not out.exists()
    assert "P011" in {x.code for x in conv.report.diagnostics}
    assert main(["convert", str(src), "-o", str(out), "--drop-invalid", "--isolated"]) == 1
    assert not out.exists() and src.read_bytes() == before and staged(tmp_path) == []


def test_an_unclosed_quote_in_the_header_is_p011_at_line_1(tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    src.write_text('"instruction,output\nq1,a1\nq2,a2\n')
    (d,) = ftprep.check(src, min_rows=1).diagnostics
    assert (d.code, d.line) == ("P011", 1) and "never closed" in d.message
    conv = ftprep.convert(src, tmp_path / "o.jsonl", task="text", drop_invalid=True, min_rows=1)
    assert not conv.written and [x.code for x in conv.report.diagnostics] == ["P011"]


def test_a_quote_closed_far_later_swallows_rows(tmp_path: Path) -> None:
    src = tmp_path / "d.tsv"
    body = "".join(f"q{i}\ta{i}\n" for i in range(3, 40))
    src.write_text(f'instruction\toutput\nq1\ta1\n"q2\ta2\n{body}q40\t"a40"\nq41\ta41\n')
    (d,) = [d for d in ftprep.check(src, min_rows=1).diagnostics if d.code == "P011"]
    assert d.line == 3 and "runs 39 lines to line 41" in d.message and "look like rows of this file" in d.message


def test_long_multiline_cells_are_not_p011(tmp_path: Path) -> None:
    import csv

    poem = "\n".join(f"line {i} of a poem, with a comma" if i % 2 else f"line {i} without one" for i in range(40))
    conversation = json.dumps([{"from": "human", "value": "hi, there"}, {"from": "gpt", "value": "hello, you"}] * 10,
                              indent=2)
    src = tmp_path / "d.csv"
    with open(src, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["instruction", "output"])
        w.writerow(["write a poem", poem])
        w.writerow([conversation, "ok"])
        w.writerow(["last", "row"])
    report = ftprep.check(src, min_rows=1)
    assert "P011" not in {d.code for d in report.diagnostics} and report.files[0].rows == 3


def test_a_csv_table_inside_a_cell_is_not_p011(tmp_path: Path) -> None:
    import csv

    table = "\n".join(["name,age"] + [f"person {i},{20 + i}" for i in range(30)])  # looks like rows, but is quoted
    src = tmp_path / "d.csv"
    with open(src, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["instruction", "output"])
        w.writerow(["write the ages as CSV", table])
        w.writerow(["last", "row"])
    report = ftprep.check(src, min_rows=1)
    assert "P011" not in {d.code for d in report.diagnostics} and report.files[0].rows == 2


# --- temporaries, signals, modes ------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_convert_leaves_no_temporaries(tmp_path: Path, signum: int) -> None:
    src = tmp_path / "big.jsonl"
    with open(src, "w") as f:
        for start in range(0, 150_000, 10_000):
            f.write(rows(10_000, start))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "o.parquet"
    proc = subprocess.Popen([sys.executable, "-m", "ftprep", "convert", str(src), "-o", str(out), "--isolated"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    deadline = time.monotonic() + 30
    while not staged(out_dir) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # until the writer has staged something
    assert staged(out_dir), "the convert finished before it could be interrupted"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert staged(out_dir) == []
    if out.exists():  # only ever complete
        import pyarrow.parquet as pq

        assert pq.ParquetFile(out).metadata.num_rows == 150_000


def test_a_later_run_removes_temporaries_of_dead_writers_only(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".ftprep-{dead.pid}-{files.HOST}-abc123.jsonl"
        stale_dir = tmp_path / f".ftprep-{dead.pid}-{files.HOST}-xyz"
        busy = tmp_path / f".ftprep-{live.pid}-{files.HOST}-def456.jsonl"
        elsewhere = tmp_path / f".ftprep-{dead.pid}-00000000-ghi789.jsonl"  # another host's writer
        untagged = tmp_path / ".ftprep-old.jsonl"
        for p in (stale, busy, elsewhere, untagged):
            p.write_text("x")
        stale_dir.mkdir()
        (stale_dir / "000001.png").write_bytes(b"x")
        src = tmp_path / "d.jsonl"
        src.write_text(rows(20))
        assert ftprep.convert(src, tmp_path / "o.jsonl", min_rows=1).written
        assert not stale.exists() and not stale_dir.exists()
        assert busy.exists() and elsewhere.exists() and untagged.exists()
    finally:
        live.kill()
        live.wait()


def test_replacing_an_output_keeps_its_mode(tmp_path: Path) -> None:
    src = tmp_path / "d.jsonl"
    src.write_text(rows(20))
    out = tmp_path / "o.jsonl"
    out.write_text("old")
    out.chmod(0o600)
    assert ftprep.convert(src, out, min_rows=1).written
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [json.loads(x) for x in out.read_text().splitlines()] == [json.loads(x) for x in rows(20).splitlines()]
    fresh = tmp_path / "new.jsonl"
    assert ftprep.convert(src, fresh, min_rows=1).written
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~files.umask()


# --- special files ----------------------------------------------------------------


@pytest.fixture()
def specials(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(loop.name)
    folder = tmp_path / "x.jsonl"
    folder.mkdir()
    broken = tmp_path / "broken.jsonl"
    broken.symlink_to("gone.jsonl")
    return {"named pipe (FIFO)": fifo, "character device": zero, "symlink loop": loop, "is a directory": folder,
            "broken symlink": broken}


HANGS = ("named pipe (FIFO)", "character device")  # read in a subprocess: a regression must not hang the run


@pytest.mark.parametrize("command", ["check", "convert", "render", "stats"])
def test_special_files_are_refused_with_their_kind(tmp_path: Path, specials: dict[str, Path], command: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for reason, path in specials.items():
        args = [command, str(path), "--task", "text"]
        if command in ("check", "convert"):
            args += ["--isolated"]
        if command == "convert":
            args += ["-o", str(tmp_path / "o.jsonl")]
        if reason in HANGS:
            r = cli(*args, timeout=30)
            code, err = r.returncode, r.stderr
        else:
            code, err = main(args), capsys.readouterr().err
        assert code == 2, (reason, err)
        assert reason in err and "internal error" not in err and "Traceback" not in err, err
        assert "no such file" not in err or reason == "broken symlink"
    assert not (tmp_path / "o.jsonl").exists()


def test_a_folder_named_like_data_is_not_an_image_set(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").mkdir()
    for task in (None, "text"):
        with pytest.raises(ftprep.SourceError, match="is a directory"):
            ftprep.check(tmp_path / "x.jsonl", task=task)
    assert ftprep.check(tmp_path / "x.jsonl", task="image").files[0].task == "image"  # asked for on purpose


def test_a_fifo_named_zip_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "set.zip")
    r = cli("check", str(tmp_path / "set.zip"), timeout=30)
    assert r.returncode == 2 and "named pipe" in r.stderr


def test_standard_input_is_read_on_purpose(tmp_path: Path) -> None:
    data = rows(20).encode()
    r = cli("check", "-", "--min-rows", "1", "--isolated", "--format", "json", stdin=data)
    doc = json.loads(r.stdout)
    assert r.returncode == 0 and doc["files"][0]["path"] == "-" and doc["summary"]["rows"] == 20
    bad = b'instruction,output\nq1,a1\n"q2,a2\nq3,a3\n'
    r = cli("check", "-", "--stdin-format", "csv", "--min-rows", "1", "--isolated", stdin=bad)
    assert r.returncode == 1 and "-:3: P011" in r.stdout
    import gzip

    r = cli("check", "-", "--min-rows", "1", "--isolated", stdin=gzip.compress(data))
    assert r.returncode == 0 and "20 rows" in r.stdout


def test_the_copy_of_standard_input_is_removed() -> None:
    import io

    from ftprep.disk.inputs import stdin_copy

    with stdin_copy("csv", io.BytesIO(b"instruction,output\nq,a\n")) as path:
        assert path.endswith("stdin.csv") and Path(path).read_bytes().startswith(b"instruction")
        assert files.STAGED.match(Path(path).parent.name)
    assert not Path(path).exists() and not Path(path).parent.exists()


def test_a_fifo_piped_to_standard_input_is_checked(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "stream.jsonl"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as f:
            f.write(rows(20).encode())

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    with open(fifo, "rb") as stdin:  # opens once the writer has: `ftprep check - < stream.jsonl`
        r = subprocess.run([sys.executable, "-m", "ftprep", "check", "-", "--min-rows", "1", "--isolated"],
                           stdin=stdin, capture_output=True, timeout=60, env=ENV)
    writer.join(10)
    assert r.returncode == 0 and b"-: task text (inferred), 20 rows" in r.stdout, r.stderr
