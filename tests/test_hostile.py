"""The hostile-input battery: files an attacker or an unlucky user would feed ftprep.

Every file goes through check, convert, render and stats, each in its own
`python -m ftprep` subprocess under an address-space cap, and each run must:
exit 0, 1 or 2; print no "internal error" and no traceback; name the file (and
the line, where the problem has one); finish within its timeout; leave the
input's bytes as they were, and leave no temporary file beside the output.

Files are small but keep what makes them hostile: the gzip bombs expand 1000x,
256 MiB from 256 KB (the default ratio bound stops them at 25 MB), the long line is 8 MB
(no cap applies to line length, so it stands for any length), the wide CSV has
100,000 columns.
"""

from __future__ import annotations

import concurrent.futures
import csv
import ctypes
import dataclasses
import gzip
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ftprep

ROOT = Path(__file__).parent.parent
COMMANDS = ("check", "convert", "render", "stats")
AS_CAP = 2 << 30  # bytes of address space per run: a bomb that got through would die here
TIMEOUT = 60  # seconds per run; a hang fails the case
GOOD = {"instruction": "Name a colour.", "output": "Blue."}


def line(obj: object) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def gzip_bomb(head: bytes, fill: bytes, tail: bytes, total: int) -> bytes:
    """A valid multi-member .gz: `head`, then `total` bytes of `fill`, then `tail`.
    One compressed megabyte repeated, so building it costs milliseconds."""
    member = gzip.compress(fill * ((1 << 20) // len(fill)), 9, mtime=0)
    return gzip.compress(head, mtime=0) + member * (total >> 20) + gzip.compress(tail, mtime=0)


def deep(n: int) -> str:
    return "[" * n + "]" * n


def wide_csv() -> bytes:
    cols = [f"c{i}" for i in range(100_000)]
    return (",".join(["instruction", "output"] + cols) + "\n" + ",".join(["hi", "there"] + ["x"] * len(cols)) + "\n").encode()


def parquet_bytes() -> bytes:
    import io

    import polars as pl

    buf = io.BytesIO()
    pl.DataFrame({"instruction": ["a", "b"], "output": ["c", "d"]}).write_parquet(buf)
    return buf.getvalue()


def deep_csv() -> bytes:
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["conversations"])
    w.writerow([json.dumps([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}])])
    w.writerow([deep(2000)])
    w.writerow(["not a conversation"])
    return out.getvalue().encode()


@dataclasses.dataclass
class Case:
    name: str  # the file's name: its extension is what ftprep goes by
    data: bytes | None = None
    build: object = None  # a callable giving the bytes, for costly ones
    args: tuple[str, ...] = ()  # extra options for every command
    code: str | None = None  # a code check must report
    line: int | None = None  # and its line, where the problem has one
    mode: int | None = None  # chmod after writing

    def content(self) -> bytes:
        return self.data if self.data is not None else self.build()  # type: ignore[operator]


rng = random.Random(11)
CASES = [
    Case("invalid-utf8.jsonl", line(GOOD) + b'{"instruction": "caf\xe9", "output": "x"}\n' + line(GOOD)
         + b'{"instr\xff": "a", "output": "x"}\n', code="P002", line=2),
    Case("invalid-utf8.csv", b"instruction,output\nhi,there\ncaf\xe9,x\n", code="P006"),
    Case("bom.jsonl", b"\xef\xbb\xbf" + line(GOOD) + line({"instruction": "", "output": "x"}), code="V002", line=2),
    Case("utf16.jsonl", "\ufeff".encode("utf-16-le") + line(GOOD).decode().encode("utf-16-le"), code="P002", line=1),
    Case("cr-only.jsonl", b'{"instruction": "a", "output": "b"}\r{"instruction": "c", "output": "d"}\r', code="P001", line=1),
    Case("nul.jsonl", line(GOOD) + b'{"instruction": "a\x00b", "output": "x"}\n' + b"\x00\x00\x00\n", code="P001", line=3),
    Case("long-line.jsonl", build=lambda: line({"instruction": "x" * (8 << 20), "output": ""}), code="V002", line=1),
    Case("huge-numbers.jsonl", line(GOOD) + b'{"instruction": 1e999999, "output": 123456789012345678901234567890123}\n'
         + b'{"instruction": "' + b"9" * 100_000 + b'", "output": -1e-999999}\n'),
    Case("nan.jsonl", line(GOOD) + b'{"instruction": NaN, "output": Infinity}\n', code="P001", line=2),
    Case("duplicate-keys.jsonl", line(GOOD) + b'{"instruction": "a", "instruction": "", "output": "x", "output": "y"}\n',
         code="P015", line=2),
    Case("parquet-named.jsonl", build=parquet_bytes, code="P002", line=1),
    Case("corrupt.parquet", b"PAR1" + bytes(rng.randrange(256) for _ in range(2000)) + b"PAR1", code="P006"),
    Case("wide.csv", build=wide_csv),
    Case("garbage.jsonl", bytes(rng.randrange(256) for _ in range(20_000)), code="P002", line=1),
    Case("garbage.json.gz", bytes(rng.randrange(256) for _ in range(5_000)), code="P010"),
    Case("empty.jsonl", b"", code="P004"),
    Case("blank.jsonl", b"\n \n\t\r\n" * 1000, code="P004"),
    Case("unreadable.jsonl", line(GOOD), mode=0),
    Case("bomb.json.gz", build=lambda: gzip_bomb(b'[{"instruction": "', b"a", b'", "output": "x"}]', 256 << 20),
         code="P014", line=1),
    Case("bomb-newlines.jsonl.gz", build=lambda: gzip_bomb(line(GOOD), b"\n", line(GOOD), 256 << 20), code="P014"),
    # Rows between floods of blank lines: 4 MiB of them at a 1000x ratio, under the 16 MiB floor.
    Case("flood.jsonl.gz", build=lambda: b"".join(
        gzip.compress(line({"instruction": f"q{i}", "output": "" if i == 2 else "a"}) + b"\n" * (1 << 20), 9, mtime=0)
        for i in range(4)), code="V002", line=2 * ((1 << 20) + 1) + 1),
    Case("bomb.csv.gz", build=lambda: gzip_bomb(b"instruction,output\nhi,there\n", b"a" * 64, b",x\n", 256 << 20),
         args=("--max-decompressed", "8M"), code="P014", line=3),
    Case("deep.jsonl", line(GOOD) + b'{"instruction": ' + deep(100_000).encode() + b', "output": "x"}\n'
         + line({"instruction": "", "output": "x"}), code="P013", line=2),
    Case("deep.json", b"[" + json.dumps(GOOD).encode() + b',\n{"instruction": ' + deep(5000).encode()
         + b', "output": "x"},\n{"instruction": "", "output": "x"}]', code="P013"),
    Case("deep.csv", build=deep_csv, code="P013", line=3),
    Case("deep-chat.jsonl", line({"conversations": deep(3000)}) + line(
        {"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}),
        code="P013", line=1),
    Case("copies.jsonl", line(GOOD) * 5000, args=("--max-per-code", "10"), code="D001", line=2),
    Case("evil\nforged.jsonl:1: P001 fake\x1b]0;pwned\x07.jsonl",
         line({"instruction": "hi \x1b]0;title\x07\x1b[2J\x9b31m", "output": ""}), code="V002", line=1),
]
# Options only some commands take.
ONLY = {"--max-per-code": ("check",)}


def shown(name: str) -> str:
    """A file name as text output shows it: control characters escaped."""
    from ftprep.output.reporters import printable

    return printable(name)


def command(cmd: str, case: Case, out_dir: Path) -> list[str]:
    argv = [sys.executable, "-m", "ftprep", cmd, case.name]
    if cmd == "convert":
        argv += ["-o", str(out_dir / f"{cmd}.jsonl")]
    if cmd in ("check", "convert"):
        argv += ["--min-rows", "1", "--isolated"]
    args = list(case.args)
    while args:
        flag, value = args.pop(0), args.pop(0)
        if cmd in ONLY.get(flag, COMMANDS):
            argv += [flag, value]
    return argv


def limited() -> None:
    """In the child: cap the address space; as root, also give up the right to
    read any file whatever its mode, so that mode 000 means unreadable."""
    resource.setrlimit(resource.RLIMIT_AS, (AS_CAP, AS_CAP))
    if os.geteuid() == 0:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH; dropped at exec
            prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP


@dataclasses.dataclass
class Run:
    cmd: str
    code: int | None
    out: str
    seconds: float


def run(cmd: str, case: Case, folder: Path, out_dir: Path) -> Run:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("GITHUB_ACTIONS", None)
    start = time.monotonic()
    try:
        p = subprocess.run(command(cmd, case, out_dir), cwd=folder, env=env, capture_output=True,
                           timeout=TIMEOUT, preexec_fn=limited)
    except subprocess.TimeoutExpired:
        return Run(cmd, None, "", time.monotonic() - start)
    text = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
    return Run(cmd, p.returncode, text, time.monotonic() - start)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.mark.parametrize("case", CASES, ids=[c.name.split("\n")[0] for c in CASES])
def test_hostile_file(case: Case, folder: Path, tmp_path: Path) -> None:
    here = folder / hashlib.sha1(case.name.encode()).hexdigest()[:8]
    here.mkdir()
    path = here / case.name
    data = case.content()
    path.write_bytes(data)
    if case.mode is not None:
        path.chmod(case.mode)
    with concurrent.futures.ThreadPoolExecutor(len(COMMANDS)) as pool:
        runs = list(pool.map(lambda c: run(c, case, here, tmp_path), COMMANDS))
    path.chmod(0o600)
    assert path.read_bytes() == data, "the input was changed"
    assert list(here.iterdir()) == [path], "something was written beside the input"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".ftprep-")], "a temporary file was left"
    name = shown(case.name)
    for r in runs:
        where = f"{case.name.splitlines()[0]} {r.cmd}"
        assert r.code is not None, f"{where}: no answer in {TIMEOUT} s"
        assert r.code in (0, 1, 2), f"{where}: exit {r.code}\n{r.out}"
        assert "internal error" not in r.out and "Traceback" not in r.out, f"{where}:\n{r.out}"
        assert name in r.out, f"{where}: the file is not named\n{r.out[:2000]}"
        assert "\x1b" not in r.out and "\x07" not in r.out and "\x9b" not in r.out, f"{where}: a terminal control got out"
        assert "\nforged.jsonl" not in r.out, f"{where}: a forged report line"
        # Every command reads the file, so each names the line of a parse-level (P) finding;
        # the others are check's (render and stats do not look for duplicates, say).
        if case.line is not None and (r.cmd in ("check", "convert") or case.code.startswith("P")):
            # render heads each row with its line; stats groups a code's rows: "[2 rows: lines 2, 3]".
            grouped = re.search(rf"\[[\d,]+ rows?: lines? (?:[\d, ]*, )?{case.line}\b", r.out)
            assert (f"{name}:{case.line}" in r.out or (r.cmd == "render" and f"line {case.line} ---" in r.out)
                    or (r.cmd == "stats" and grouped)), \
                f"{where}: line {case.line} is not named\n{r.out[:2000]}"
    check = runs[0]
    if case.code:
        assert f" {case.code} " in check.out, f"{case.name} check: no {case.code}\n{check.out[:2000]}"
        assert check.code == (1 if ftprep.CODES[case.code].severity == "error" else 0)
    if case.mode == 0:  # unreadable: a usage/IO error naming the file, for every command
        for r in runs:
            assert r.code == 2 and "permission denied" in r.out, f"{r.cmd}:\n{r.out}"


def test_copies_keep_few_findings(tmp_path: Path) -> None:
    """D001 obeys --max-per-code like every code: the rest are counted, not held."""
    path = tmp_path / "copies.jsonl"
    path.write_bytes(line(GOOD) * 5000)
    report = ftprep.check(str(path), min_rows=1, max_per_code=7)
    assert report.codes() == ["D001"] * 7
    assert report.files[0].dropped == {"D001": 4992}
    assert report.warnings == 4999
    assert [d.line for d in report.diagnostics] == [2, 3, 4, 5, 6, 7, 8]


def test_convert_caps_what_it_meets_in_the_source(tmp_path: Path) -> None:
    """Lines that never reach the check (parse errors, too deep) obey the cap
    too, and every one of them still keeps its row out of the output."""
    path = tmp_path / "bad.jsonl"
    rows = [b"{not json\n" if i % 2 else line({"instruction": f"q{i}", "output": "a"}) for i in range(400)]
    path.write_bytes(b"".join(rows))
    conv = ftprep.convert(str(path), str(tmp_path / "o.jsonl"), min_rows=1, max_per_code=5, drop_invalid=True)
    assert conv.report.codes() == ["P001"] * 5
    assert conv.report.files[0].dropped == {"P001": 195}
    assert conv.written and conv.rows_written == 200 and conv.rows_dropped == 200
    refused = ftprep.convert(str(path), str(tmp_path / "p.jsonl"), min_rows=1, max_per_code=5)
    assert not refused.written and refused.report.errors == 200


def test_one_huge_conversation_converts_in_linear_time(tmp_path: Path) -> None:
    """convert's cost grows with the row, not with its square (100k messages, CPU seconds)."""
    def cpu(n: int) -> float:
        msgs = [{"role": ("user", "assistant")[i % 2], "content": f"m{i}"} for i in range(n)]
        src = tmp_path / f"c{n}.jsonl"
        src.write_bytes(line({"conversations": msgs}))
        start = time.process_time()
        result = ftprep.convert(str(src), str(tmp_path / f"o{n}.jsonl"), min_rows=1)
        took = time.process_time() - start
        assert result.written and result.rows_written == 1
        return took

    small, big = cpu(10_000), cpu(100_000)
    assert big < 2.0, f"100k messages took {big:.2f} s of CPU"
    assert big < 20 * small + 0.5, f"10k: {small:.2f} s, 100k: {big:.2f} s: not linear"


def test_a_long_line_is_read_in_linear_time(tmp_path: Path) -> None:
    """A line of many blocks is gathered once, not copied per block: four times
    the line costs about four times the CPU (re-copied per block, it was sixteen)."""
    def cpu(mb: int) -> float:
        path = tmp_path / f"long{mb}.jsonl"
        path.write_bytes(line({"instruction": "x" * (mb << 20), "output": ""}) + line(GOOD))
        start = time.process_time()
        report = ftprep.check(str(path), min_rows=1, workers=1)
        took = time.process_time() - start
        assert [(d.code, d.line) for d in report.diagnostics] == [("V002", 1)]
        return took

    cpu(1)  # imports and first-use costs out of the way
    small, big = cpu(24), cpu(96)
    assert big < 7 * small + 0.3, f"24 MB: {small:.2f} s, 96 MB: {big:.2f} s of CPU: not linear"


def test_floods_of_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    """Blocks where blank lines abound are counted in runs (no failed decode per
    blank line); every row keeps its exact line, in check and in convert."""
    parts, lines, expected = [], 0, []
    for i in range(6):
        row = line({"instruction": "" if i % 2 else f"q{i}", "output": f"a{i}"})
        parts.append(row)
        lines += 1
        if i % 2:
            expected.append(lines)
        blanks = (b"\n", b"\r\n", b" \n")[i % 3] * (700_000 + 1000 * i)
        parts.append(blanks)
        lines += blanks.count(b"\n")
    path = tmp_path / "flood.jsonl"
    path.write_bytes(b"".join(parts))
    report = ftprep.check(str(path), min_rows=1, workers=1)
    assert [(d.code, d.line) for d in report.diagnostics] == [("V002", n) for n in expected]
    assert report.files[0].rows == 6
    conv = ftprep.convert(str(path), str(tmp_path / "o.jsonl"), min_rows=1)
    assert [(d.code, d.line) for d in conv.report.diagnostics] == [("V002", n) for n in expected]


def test_deep_rows_agree_on_both_paths(tmp_path: Path) -> None:
    """The fast path sends a row too deep to decode to explain, which reports P013;
    both paths give the same report, and the rows around it are still checked."""
    path = tmp_path / "d.jsonl"
    path.write_bytes(line(GOOD) + b'{"instruction": ' + deep(3000).encode() + b', "output": "x"}\n'
                     + line({"instruction": "a", "output": ""}) + line(GOOD))
    fast = ftprep.check(str(path), min_rows=1).to_json()
    slow = ftprep.check(str(path), min_rows=1, explain_all=True).to_json()
    assert fast == slow
    got = [(d["code"], d["line"]) for d in fast["files"][0]["diagnostics"]]
    assert got == [("P013", 2), ("V002", 3), ("D001", 4)]


def test_a_bound_hit_keeps_the_rows_before_it(tmp_path: Path) -> None:
    """Rows read before the decompression bound are checked; P014 names the line reached."""
    path = tmp_path / "d.jsonl.gz"
    rows = [line({"instruction": f"q{i}", "output": "" if i == 3 else "a"}) for i in range(1000)]
    path.write_bytes(gzip.compress(b"".join(rows), mtime=0))
    report = ftprep.check(str(path), min_rows=1, max_decompressed=len(b"".join(rows[:10])) + 5)
    got = [(d.code, d.line) for d in report.diagnostics]
    assert got == [("P014", 11), ("V002", 4)]
    assert report.files[0].rows == 10
    conv = ftprep.convert(str(path), str(tmp_path / "o.jsonl"), min_rows=1, max_decompressed=1000)
    assert not conv.written and "P014" in conv.report.codes()
    assert not (tmp_path / "o.jsonl").exists()


def test_the_expansion_ratio_is_a_bound_too(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(gzip_bomb(line(GOOD), b"\n", line(GOOD), 20 << 20))
    tight = ftprep.check(str(path), min_rows=1)  # 20 MiB from ~21 KB: over 100x and over 16 MiB
    assert tight.codes() == ["P014"] and "--max-expansion (100x" in tight.diagnostics[0].message
    # The first row, then one line per newline up to the 16 MiB floor: the line being read there.
    assert tight.diagnostics[0].line == (16 << 20) - len(line(GOOD)) + 2
    loose = ftprep.check(str(path), min_rows=1, max_expansion=100_000)
    assert [(d.code, d.line) for d in loose.diagnostics] == [("D001", (20 << 20) + 2)]


def test_bounds_are_options_of_every_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ftprep.cli import main

    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(gzip.compress(line(GOOD) * 100, mtime=0))
    out = tmp_path / "o.jsonl"
    for argv in (["check", "--min-rows", "1"], ["convert", "-o", str(out), "--min-rows", "1"], ["render"], ["stats"]):
        assert main([argv[0], str(path), *argv[1:], "--max-decompressed", "1K"]) == 1, argv
        assert f"{path}:20: P014 [error] decompression stopped at line 20: past the bound of --max-decompressed (1,024 bytes)" \
            in capsys.readouterr().out, argv
    assert main(["check", str(path), "--max-decompressed", "lots"]) == 2
    assert main(["check", str(path), "--max-expansion", "0.5"]) == 2
    assert main(["check", str(path), "--min-rows", "1", "--max-expansion", "1"]) == 0  # 16 MiB always pass
    assert not out.exists()


def test_terminal_controls_are_escaped_in_text_not_in_json(tmp_path: Path) -> None:
    from ftprep.output.reporters import printable

    assert printable("a\x1b]0;t\x07b\nc\r\x9b") == "a\\x1b]0;t\\x07b\\nc\\r\\x9b"
    assert printable("one\ntwo\tthree\x1b", keep_lines=True) == "one\ntwo\tthree\\x1b"
    path = tmp_path / "t\x1b]0;title\x07.jsonl"  # the name is data too
    path.write_bytes(line({"instruction": "x\x1b[31m", "output": ""}))
    p = subprocess.run([sys.executable, "-m", "ftprep", "check", str(path), "--format", "json", "--isolated",
                        "--min-rows", "1"],
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=TIMEOUT)
    report = json.loads(p.stdout)
    assert report["files"][0]["diagnostics"][0]["code"] == "V002"
    assert b"\x1b" not in p.stdout  # JSON escapes it as \u001b, and a reader gets it back exactly
    assert report["files"][0]["path"] == str(path)
    github = subprocess.run([sys.executable, "-m", "ftprep", "check", str(path), "--format", "github", "--isolated",
                             "--min-rows", "1"], capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            timeout=TIMEOUT)
    assert b"\x1b" not in github.stdout and b"::error file=" in github.stdout


def test_cr_only_line_ends_are_named(tmp_path: Path) -> None:
    path = tmp_path / "cr.jsonl"
    path.write_bytes(line(GOOD) + b'{"instruction": "a", "output": "b"}\r{"instruction": "c", "output": "d"}\r\n'
                     + b'{"instruction": "a\rb", "output": "x"}\n')
    got = [(d.code, d.line, "CR only" in d.message) for d in ftprep.check(str(path), min_rows=1).diagnostics]
    assert got == [("P001", 2, True), ("P001", 3, False)]  # a raw CR inside a string is just invalid JSON


def test_drop_invalid_drops_every_bad_row_whatever_the_cap(tmp_path: Path) -> None:
    """A small cap on shown findings never lets a bad row into the output."""
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"".join(line({"instruction": "" if i % 3 == 0 else f"q{i}", "output": "a"}) for i in range(90)))
    conv = ftprep.convert(str(path), str(tmp_path / "o.jsonl"), min_rows=1, max_per_code=4, drop_invalid=True)
    assert conv.rows_written == 60 and conv.rows_dropped == 30
    written = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert all(r["instruction"] for r in written)


def test_errors_beyond_the_cap_still_keep_their_rows_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check inside convert shows at most max_per_code findings per code (100,000;
    3 here), yet every row with an error stays out of a --drop-invalid output."""
    import functools

    import ftprep.engine.converter as converter
    from ftprep.core.options import Options

    path = tmp_path / "e.jsonl"
    path.write_bytes(b"".join(line({"instruction": "" if i % 3 == 0 else f"q{i}", "output": f"a{i}"}) for i in range(90)))
    report = ftprep.check(str(path), min_rows=1, max_per_code=3)
    assert report.codes() == ["V002"] * 3 and list(report.files[0].hidden_error_rows) == list(range(9, 90, 3))
    monkeypatch.setattr(converter, "Options", functools.partial(Options, max_per_code=3))
    conv = ftprep.convert(str(path), str(tmp_path / "o.jsonl"), min_rows=1, drop_invalid=True)
    assert conv.report.codes() == ["V002"] * 3
    written = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert len(written) == 60 and all(r["instruction"] for r in written)
    assert conv.rows_dropped == 30


@pytest.mark.parametrize("task,rows,dup_lines", [
    ("text", [b'{"instruction": "a", "output": "b", "output": "c"}', b'{"instruction": "q", "output": "r", "id": 1}',
              b'{"instruction": "x", "instruction": "", "output": "y"}', b'{"id": 1, "id": 2, "instruction": "s", "output": "t"}',
              b'{"instruction": "say \\": hi", "output": "u"}'], [1, 3, 4]),
    ("chat", [b'{"conversations": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "content": "c"}]}',
              b'{"conversations": [{"role": "user", "content": "a", "name": "n"}, {"role": "assistant", "content": "d"}]}',
              b'{"conversations": [{"role": "user", "content": "e"}, {"role": "assistant", "content": "f"}], "conversations": []}'],
     [1, 3]),
    ("dpo", [b'{"prompt": "p", "chosen": "c", "rejected": "r", "rejected": "s"}', b'{"prompt": "p2", "chosen": "c", "rejected": "r"}'], [1]),
    ("grpo", [b'{"prompt": "p", "answer": "1", "answer": "2"}', b'{"prompt": "q", "answer": "3"}'], [1]),
])
def test_repeated_keys_are_found_on_both_paths(tmp_path: Path, task: str, rows: list[bytes], dup_lines: list[int]) -> None:
    """A key twice in one object (at any depth) is P015 at its line, from the fast
    path and from the explain path alike; rows with keys the typed row skips, or a
    quote and colon inside a string, are no such thing."""
    path = tmp_path / "k.jsonl"
    path.write_bytes(b"\n".join(rows) + b"\n")
    fast = ftprep.check(str(path), task=task, min_rows=1).to_json()
    slow = ftprep.check(str(path), task=task, min_rows=1, explain_all=True).to_json()
    assert fast == slow
    assert [d["line"] for d in fast["files"][0]["diagnostics"] if d["code"] == "P015"] == dup_lines
