"""The convert remedies --dedupe (Q005) and --fix-text (Q027), alone and with --redact."""

from __future__ import annotations

import array
import json
import tracemalloc
from pathlib import Path

import ftfy
from hypothesis import given, settings
from hypothesis import strategies as st

import ftprep
from ftprep.cli import main
from ftprep.engine.remedies import Dedupe, TextFix, fix_config, fixed_text
from ftprep.tasks.junk import mojibake
from ftprep import tasks as task_registry
from ftprep.core.options import Options

HAIKU = "Write a haiku about the autumn sea and the falling leaves of the old oak tree"


def _write(tmp_path: Path, rows: list[dict], name: str = "in.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return p


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _codes(conv: ftprep.Conversion, code: str) -> list[ftprep.Diagnostic]:
    return [d for d in conv.report.files[0].diagnostics if d.code == code]


def _text(i: int, instruction: str, output: str) -> dict:
    return {"instruction": instruction, "output": output, "id": i}


# Rows 1 and 4 repeat row 0 exactly (row 4 differs in a column that is not trained), rows 2 and 5
# are near copies of row 0, row 6 a near copy of row 3; rows 3 and 7 are their own.
GROUPED = [
    _text(0, HAIKU, "Waves fold gold leaves into the cold grey autumn sea at dusk"),
    _text(1, HAIKU, "Waves fold gold leaves into the cold grey autumn sea at dusk"),
    _text(2, HAIKU + ".", "Waves fold gold leaves into the cold grey autumn sea at dusk!"),
    _text(3, "Explain what a hash table is and why lookups in it are fast on average",
          "It maps keys to buckets by a hash, so a lookup touches one bucket on average"),
    _text(4, HAIKU, "Waves fold gold leaves into the cold grey autumn sea at dusk"),
    _text(5, HAIKU + "!", "Waves fold gold leaves into the cold grey autumn sea at dusk."),
    _text(6, "Explain what a hash table is and why lookups in it are fast on average.",
          "It maps keys to buckets by a hash, so a lookup touches one bucket on average."),
    _text(7, "Name the largest planet", "Jupiter"),
]


def test_dedupe_keeps_the_first_row_of_each_group_in_source_order(tmp_path: Path) -> None:
    src, out = _write(tmp_path, GROUPED), tmp_path / "out.jsonl"
    conv = ftprep.convert(str(src), str(out), task="text", min_rows=1, dedupe=True, near_duplicates=True)
    assert conv.written
    kept = _rows(out)
    assert [r["output"] for r in kept] == [GROUPED[i]["output"] for i in (0, 3, 7)]
    (q005,) = _codes(conv, "Q005")
    assert "dropped 2 exact and 3 near-duplicate row(s)" in q005.message
    # The count in the finding is the rows that went missing, and its lines are theirs.
    assert conv.rows_in - conv.rows_written == 5 == conv.rows_deduplicated
    assert q005.lines == (2, 3, 5, 6, 7) and q005.rows == (1, 2, 4, 5, 6) and q005.line == 2


def test_dedupe_without_near_duplicates_drops_exact_repeats_only(tmp_path: Path) -> None:
    src, out = _write(tmp_path, GROUPED), tmp_path / "out.jsonl"
    conv = ftprep.convert(str(src), str(out), task="text", min_rows=1, dedupe=True)
    assert [r["output"] for r in _rows(out)] == [GROUPED[i]["output"] for i in (0, 2, 3, 5, 6, 7)]
    (q005,) = _codes(conv, "Q005")
    assert "dropped 2 exact-duplicate row(s)" in q005.message and q005.lines == (2, 5)
    # The rows dropped are exactly those D001 reports on the same rows.
    plain = ftprep.convert(str(src), str(tmp_path / "plain.jsonl"), task="text", min_rows=1)
    assert sorted(d.row for d in _codes(plain, "D001")) == list(q005.rows)


def test_dedupe_is_idempotent_and_its_output_checks_clean(tmp_path: Path) -> None:
    src, once, twice = _write(tmp_path, GROUPED), tmp_path / "once.jsonl", tmp_path / "twice.jsonl"
    ftprep.convert(str(src), str(once), task="text", min_rows=1, dedupe=True, near_duplicates=True)
    again = ftprep.convert(str(once), str(twice), task="text", min_rows=1, dedupe=True, near_duplicates=True)
    assert twice.read_bytes() == once.read_bytes()
    assert not _codes(again, "Q005")
    report = ftprep.check(str(once), task="text", min_rows=1, near_duplicates=True)
    assert not {"D001", "Q001"} & {d.code for d in report.diagnostics}


def test_dedupe_without_repeats_writes_what_convert_writes(tmp_path: Path) -> None:
    rows = [GROUPED[i] for i in (0, 3, 7)]
    src = _write(tmp_path, rows)
    plain = ftprep.convert(str(src), str(tmp_path / "a.jsonl"), task="text", min_rows=1)
    deduped = ftprep.convert(str(src), str(tmp_path / "b.jsonl"), task="text", min_rows=1, dedupe=True,
                             near_duplicates=True)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert deduped.report.to_json() == plain.report.to_json()


def test_dedupe_of_chat_rows_keys_on_the_conversation(tmp_path: Path) -> None:
    def chat(answer: str) -> dict:
        return {"conversations": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": answer}]}

    src = _write(tmp_path, [chat("Hello there"), chat("Hello there"), chat("Hi")])
    conv = ftprep.convert(str(src), str(tmp_path / "o.jsonl"), task="chat", min_rows=1, dedupe=True)
    assert [r["conversations"][1]["content"] for r in _rows(tmp_path / "o.jsonl")] == ["Hello there", "Hi"]
    assert _codes(conv, "Q005")[0].line == 2


def test_dedupe_holds_hashes_not_texts() -> None:
    """Bounded memory: 8 bytes a row for the keys (and 128 for a signature), whatever the texts' size."""
    task = task_registry.get("text")
    canonical = Options(task="text")
    n = 2048  # rows of ~3.5 KB each, all different: 7 MB of text in all
    for near, budget in ((False, 24), (True, 256)):  # measured: ~10 and ~165 bytes a row
        dedupe = Dedupe(task, canonical, near)
        warm = {"instruction": "one two three four five six", "output": "x"}
        dedupe.add(json.dumps(warm).encode(), warm)  # the libraries imported, outside the measure
        if dedupe.signatures is not None:
            dedupe.signatures.matrix()
        tracemalloc.start()
        for i in range(n):
            row = {"instruction": " ".join(f"w{i}x{k}" for k in range(400)), "output": "x"}
            dedupe.add(json.dumps(row).encode(), row)
        if dedupe.signatures is not None:
            dedupe.signatures.matrix()  # the last batch of words hashed away
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert isinstance(dedupe.keys, array.array) and len(dedupe.keys) == n + 1
        assert held < n * budget, (near, held)  # the texts alone would be n * 3,500 bytes
        assert not any(dedupe.dropped())


def test_remedies_run_in_order_fix_redact_then_dedupe(tmp_path: Path) -> None:
    """Rows that differ only in mojibake, or only in an e-mail address, are duplicates of the text
    as written: dedupe runs last, on the repaired and redacted text."""
    rows = [_text(0, "Coffee?", "Le café est très bon."), _text(1, "Coffee?", "Le cafÃ© est trÃ¨s bon."),
            _text(2, "Mail?", "Write to jane.doe@acme-corp.io"), _text(3, "Mail?", "Write to bob.roe@acme-corp.io")]
    src, out = _write(tmp_path, rows), tmp_path / "out.jsonl"
    conv = ftprep.convert(str(src), str(out), task="text", min_rows=1, fix_text=True, redact=True, dedupe=True)
    assert _rows(out) == [{"instruction": "Coffee?", "output": "Le café est très bon."},
                          {"instruction": "Mail?", "output": "Write to <EMAIL>"}]
    assert [d.code for d in conv.report.files[0].diagnostics if d.code.startswith("Q")] == ["Q027", "Q005", "Q016"]
    alone = ftprep.convert(str(src), str(tmp_path / "alone.jsonl"), task="text", min_rows=1, dedupe=True)
    assert not _codes(alone, "Q005")  # without the repairs no two rows are the same


def test_fix_text_repairs_only_mojibake_and_says_so(tmp_path: Path) -> None:
    rows = [{"conversations": [{"role": "system", "content": "RÃ©ponds en franÃ§ais."},
                               {"role": "user", "content": "Coffee?"},
                               {"role": "assistant", "content": "Le cafÃ© est trÃ¨s bon."}]},
            # Intentional characters ftfy's defaults would change: curly quotes, an entity, a ligature,
            # full-width letters, a decomposed accent, CRLF.
            {"conversations": [{"role": "user", "content": "Quote"},
                               {"role": "assistant", "content": "“Ｈｉ” &amp; ﬁne, cafe\u0301\r\nok"}]}]
    src, out = _write(tmp_path, rows), tmp_path / "out.jsonl"
    conv = ftprep.convert(str(src), str(out), task="chat", min_rows=1, fix_text=True)
    written = _rows(out)
    assert [m["content"] for m in written[0]["conversations"]] == ["Réponds en français.", "Coffee?",
                                                                  "Le café est très bon."]
    assert written[1] == rows[1]
    (q027,) = _codes(conv, "Q027")
    assert "2 text(s) in 1 row(s)" in q027.message and q027.lines == (1,)
    assert "'RÃ©ponds en franÃ§ais.' -> 'Réponds en français.'" in q027.message
    assert "Q022" not in {d.code for d in ftprep.check(str(out), task="chat", min_rows=1).diagnostics}
    assert "Q022" in {d.code for d in ftprep.check(str(src), task="chat", min_rows=1).diagnostics}


# Text as it is, and the same text garbled the usual ways (UTF-8 read as Windows-1252 or Latin-1).
_WORDS = st.text(alphabet="abcdeé èàüöñçßøÅ’“”—€™ЖжПривет中文日本語🙂-.,!?\n", min_size=0, max_size=40)


def _garbled(text: str, how: int) -> str:
    if how == 0:
        return text
    codec = "cp1252" if how == 1 else "latin-1"
    return text.encode("utf-8").decode(codec, errors="replace" if codec == "cp1252" else "strict")


_SOURCE = st.builds(_garbled, _WORDS, st.integers(0, 2))


@settings(max_examples=300, deadline=None)
@given(_SOURCE)
def test_a_fixed_text_is_the_source_or_ftfy_of_it_and_is_no_longer_mojibake(text: str) -> None:
    fixed = fixed_text(text)
    if mojibake(text) is None:
        assert fixed is text  # clean texts pass through untouched
    else:
        assert fixed == ftfy.fix_text(text, config=fix_config())
    assert mojibake(fixed) is None  # check on the output finds no Q022


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_SOURCE, _SOURCE), min_size=1, max_size=6))
def test_fix_text_writes_source_strings_or_their_repair(tmp_path_factory, pairs: list[tuple[str, str]]) -> None:
    tmp = tmp_path_factory.mktemp("fix")
    rows = [{"instruction": "q " + a, "output": "a " + b} for a, b in pairs]  # never blank: every row is written
    src, out = _write(tmp, rows), tmp / "out.jsonl"
    conv = ftprep.convert(str(src), str(out), task="text", min_rows=1, fix_text=True)
    assert conv.written and conv.rows_written == len(rows)
    source = {s for r in rows for s in r.values()}
    allowed = source | {ftfy.fix_text(s, config=fix_config()) for s in source}
    fixed = 0
    for before, after in zip(rows, _rows(out)):  # no row is dropped for its text alone here
        for key, value in after.items():
            assert value in allowed
            if mojibake(before[key]) is None:
                assert value.encode() == before[key].encode()  # byte-identical
            fixed += value != before[key]
    (q027,) = _codes(conv, "Q027") or [None]
    assert (q027 is None) == (fixed == 0)
    if q027 is not None:
        assert f"mojibake of {fixed:,} text(s)" in q027.message
    assert "Q022" not in {d.code for d in ftprep.check(str(out), task="text", min_rows=1).diagnostics}


def test_text_fix_leaves_keys_and_non_strings_alone() -> None:
    fix = TextFix()
    row = {"cafÃ©": "cafÃ©", "n": 3, "list": ["cafÃ©", None, True]}
    assert fix.row(row, 7, 6) == {"cafÃ©": "café", "n": 3, "list": ["café", None, True]}
    assert (fix.texts, fix.rows, fix.lines, fix.first_row) == (2, 1, [7], 6)


def test_cli_says_how_many_rows_were_duplicates(tmp_path: Path, capsys) -> None:
    src = _write(tmp_path, GROUPED)
    code = main(["convert", str(src), "-o", str(tmp_path / "o.jsonl"), "--task", "text", "--min-rows", "1",
                 "--dedupe", "--near-duplicates", "--isolated"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Q005 [warning] convert --dedupe dropped 2 exact and 3 near-duplicate row(s)" in out
    assert "wrote 3 rows" in out and "dropped 5 duplicate(s)" in out and "invalid" not in out


def test_the_row_minimum_is_judged_on_the_rows_left_after_dedupe(tmp_path: Path) -> None:
    src = _write(tmp_path, GROUPED)
    conv = ftprep.convert(str(src), str(tmp_path / "o.jsonl"), task="text", min_rows=4, dedupe=True,
                          near_duplicates=True)
    (d002,) = _codes(conv, "D002")
    assert d002.message.startswith("3 rows to write;")


def test_dedupe_with_drop_invalid_and_parquet(tmp_path: Path) -> None:
    import polars as pl

    rows = [*GROUPED[:2], {"instruction": "Broken", "output": None}, GROUPED[3]]
    out = tmp_path / "o.parquet"
    conv = ftprep.convert(str(_write(tmp_path, rows)), str(out), task="text", min_rows=1, dedupe=True,
                          drop_invalid=True)
    assert pl.read_parquet(out)["output"].to_list() == [GROUPED[0]["output"], GROUPED[3]["output"]]
    assert (conv.rows_written, conv.rows_dropped, conv.rows_deduplicated) == (2, 2, 1)
    assert [d.line for d in conv.report.files[0].diagnostics if d.code in ("Q005", "V001")] == [2, 3]


def test_dedupe_of_in_memory_rows(tmp_path: Path) -> None:
    conv = ftprep.convert([GROUPED[0], GROUPED[1], GROUPED[3]], str(tmp_path / "o.jsonl"), task="text", min_rows=1,
                          dedupe=True)
    assert conv.rows_written == 2 and conv.rows_deduplicated == 1


def test_the_repair_shown_never_shows_a_secret() -> None:
    """--fix-text runs before --redact, so the first repair Q027 quotes is starred where a key is."""
    fix = TextFix()
    fix.row({"output": "cafÃ© AKIAQX4MPLE7ZT3K2FWN"}, 1, 0)
    (q027,) = [fix.diagnostic("in.jsonl")]
    assert q027 is not None and "AKIAQX4MPLE7ZT3K2FWN" not in q027.message and "café" in q027.message
