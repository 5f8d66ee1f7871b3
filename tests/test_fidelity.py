"""Every verdict against what the trainer's real libraries do.

Fixtures are loaded with the validator's pinned datasets 2.21 (pandas 2.2.3,
pyarrow 17, in a cached virtualenv: tests/validator_env.py) and with the
installed datasets, and ftprep's findings must match what really came out:
type inference at load, and what prep then does to the rows. The chat
template verdicts are in tests/test_fidelity_chat.py.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import ftprep
from ftprep.engine.csvtypes import CsvTypes
from ftprep.engine.inference import as_loaded, is_date
from validator_env import current_load, validator_load

GOLDEN = Path(__file__).parent / "golden"
DATES = ["2024-01-10", "2024-01-10T10", "2024-01-10 10", "2024-01-10T10:00", "2024-01-10T10:00:00",
         "2024-01-10T10:00:00Z", "2024-01-10T10Z", "2024-01-10T10:00:00.123", "2024-01-10T10:00:00+02:00",
         "2024-01-10T10:00:00+0200", "2024-01-10T10:00:00-05", "2024-01-10Z", "2024-02-30", "2024-02-29",
         "2024-13-01", "0001-01-01", "9999-12-31", "2024-01-10T24:00:00", "2024-01-10t10:00",
         "2024-01-10T10:00:60", "10:00", "2024-1-10", "20240110", " 2024-01-10", "2024-01-10 ", "２０２４-01-10"]
CELLS = ["001", "16", "-7", "+5", " 5", "3.50", "2.5", "1e5", "1E-3", ".5", "5.", "inf", "-inf", "Infinity",
         "true", "True", "TRUE", "false", "FALSE", "yes", "NA", "N/A", "n/a", "None", "none", "null", "Null",
         "NULL", "NaN", "nan", "-nan", "-NaN", "#N/A", "#NA", "<NA>", "na", "1.#IND", "x", "1,000", "0x10",
         "1_000", "12345678901234567890", "2024-01-10"]
MIXES = {  # name -> two values of one column, in two rows
    "string-number": ("eight", 4), "number-string": (4, "eight"), "string-bool": ("yes", True),
    "string-list": ("a", ["b"]), "string-object": ("a", {"b": "c"}), "number-bool": (1, True),
    "list-object": (["a"], {"b": "c"}), "int-float": (16, 2.5), "null-string": (None, "a"),
    "date-string": ("2024-01-10", "later"),
}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict, dict]]:
    """name -> (file, what datasets 2.21 loads, what the installed datasets loads),
    every fixture loaded in one validator process."""
    d = tmp_path_factory.mktemp("fixtures")
    files: dict[str, Path] = {}
    files["dates"] = write_jsonl(d / "dates.jsonl", [{f"c{i}": v for i, v in enumerate(DATES)}])
    files["dates-array"] = d / "dates.json"
    files["dates-array"].write_text(json.dumps([{"instruction": "When?", "output": "2024-01-10",
                                                 "created_at": "2024-01-10"}]))
    cols = [f"c{i}" for i in range(len(CELLS))]
    files["cells"] = write_csv(d / "cells.csv", cols, [CELLS])
    files["cells-blank"] = write_csv(d / "cells_blank.csv", cols, [CELLS, [""] * len(CELLS)])
    for name, (a, b) in MIXES.items():
        rows = [{"instruction": "q1", "output": a}, {"instruction": "q2", "output": b}]
        files[f"mix-{name}"] = write_jsonl(d / f"mix_{name}.jsonl", rows)
        files[f"mix-{name}-array"] = d / f"mix_{name}.json"  # datasets 2.x: pyarrow fails, then pandas
        files[f"mix-{name}-array"].write_text(json.dumps(rows))
    for case in sorted(GOLDEN.iterdir()):
        if case.name[:1] in "LCG" and any((case / f"input.{ext}").exists() for ext in ("jsonl", "json", "csv", "jsonl.gz")):
            files[f"golden-{case.name}"] = next(p for p in case.iterdir() if p.name.startswith("input."))
    names = list(files)
    old = validator_load([files[n] for n in names])
    new = current_load([files[n] for n in names])
    for n, o, c in zip(names, old, new):
        assert o["version"] == "2.21.0" and c["version"] != "2.21.0"
    return {n: (files[n], o, c) for n, o, c in zip(names, old, new)}


def versions(loaded: dict, name: str) -> list[dict]:
    return [loaded[name][1], loaded[name][2]]


def report(path: Path, **kw: object) -> ftprep.Report:
    kw.setdefault("min_rows", 1)
    return ftprep.check(str(path), **kw)


# --- dates --------------------------------------------------------------------
@pytest.mark.network
def test_date_rule_is_pyarrows_timestamp_inference(loaded: dict) -> None:
    """is_date says 'timestamp' exactly where pyarrow (17 and current) infers one,
    and as_loaded is the very string prep's str() gives."""
    for result in versions(loaded, "dates"):
        assert result["ok"]
        for i, v in enumerate(DATES):
            feature = result["features"][f"c{i}"]
            assert ("timestamp" in feature) == is_date(v), (result["version"], v, feature)
            got = result["prepped"][0][f"c{i}"]
            assert got == (as_loaded(v) if is_date(v) else v), (result["version"], v)


@pytest.mark.network
def test_json_array_dates_differ_between_versions(loaded: dict, tmp_path: Path) -> None:
    """A JSON array goes through pandas in datasets 2.x (only date-named columns
    become timestamps) and through pyarrow in later versions (every ISO column)."""
    path, old, new = loaded["dates-array"]
    assert old["prepped"][0]["output"] == "2024-01-10"
    assert old["prepped"][0]["created_at"] == new["prepped"][0]["created_at"] == "2024-01-10 00:00:00"
    assert new["prepped"][0]["output"] == "2024-01-10 00:00:00"
    plain = report(path).diagnostics
    assert [d.code for d in plain] == ["L007"] and plain[0].severity == "warning"  # the validator's version is fine
    assert "datasets 2.21 (via pandas) keeps it as text" in plain[0].message
    named = [d for d in report(path, field_output="created_at").diagnostics if d.code[0] == "L"]
    assert [d.code for d in named] == ["L001"] and "2.21 (the validator's, via pandas) both" in named[0].message


@pytest.mark.network
def test_l007_golden_is_text_in_2_21_and_timestamps_in_5_2(loaded: dict) -> None:
    path, old, new = loaded["golden-L007-array-dates-newer"]
    source = json.loads(path.read_text())
    assert [r["output"] for r in old["prepped"]] == [r["output"] for r in source]
    assert [r["output"] for r in new["prepped"]] == [as_loaded(r["output"]) for r in source]
    assert report(path).codes() == ["L007"]


@pytest.mark.network
@pytest.mark.parametrize("case", ["L001-date-as-timestamp", "L001-dpo-date", "L001-grpo-extra-date"])
def test_l001_goldens_are_garbled_by_both_versions(loaded: dict, case: str) -> None:
    path = loaded[f"golden-{case}"][0]
    args = json.loads((GOLDEN / case / "args.json").read_text()) if (GOLDEN / case / "args.json").exists() else {}
    found = {d.field for d in report(path, **args).diagnostics if d.code == "L001"}
    rows = [json.loads(ln) for ln in path.read_text().splitlines()]
    for result in versions(loaded, f"golden-{case}"):
        assert result["ok"]
        garbled = {k for r, p in zip(rows, result["prepped"]) for k, v in r.items()
                   if isinstance(v, str) and p[k] != v}
        assert garbled == found, (result["version"], garbled, found)
        for col in found:
            assert "timestamp" in result["features"][col]


@pytest.mark.network
def test_a_column_of_dates_in_the_first_chunk_only_fails_the_load(loaded: dict) -> None:
    """datasets types JSON Lines 10 MiB at a time and casts later chunks to the
    first one's types: dates there, other text later, and the load fails."""
    path = loaded["golden-L006-chunk-typed-dates"][0]
    assert report(path).codes() == ["L006"]
    for result in versions(loaded, "golden-L006-chunk-typed-dates"):
        assert not result["ok"]
        assert any("Failed to parse string" in e and "timestamp[s]" in e for e in result["error"]), result["error"]


# --- CSV ----------------------------------------------------------------------
def predicted(cells: list[list[str]]) -> list[list[str]]:
    """What ftprep's CsvTypes says prep gets from each cell (ftprep's CSV reader
    gives None for an empty cell)."""
    cols = [f"c{i}" for i in range(len(cells[0]))]
    records = [{c: (v if v != "" else None) for c, v in zip(cols, row)} for row in cells]
    types = CsvTypes(cols)
    types.batch(records)
    types.findings("text")
    out = [[v for v in row] for row in cells]
    for col, hits in types.na.items():
        for i, _ in hits:
            out[i][cols.index(col)] = ""
    for col, hits in types.changed.items():
        for i, _, after in hits:
            out[i][cols.index(col)] = after
    return out


@pytest.mark.network
@pytest.mark.parametrize("name,rows", [("cells", 1), ("cells-blank", 2)])
def test_csv_rules_are_pandas_read_csv(loaded: dict, name: str, rows: int) -> None:
    """NA strings, numbers and booleans: per cell, what ftprep predicts is what
    both datasets versions hand to prep."""
    cells = [CELLS] + ([[""] * len(CELLS)] if rows == 2 else [])
    want = predicted(cells)
    for result in versions(loaded, name):
        assert result["ok"]
        got = [[r[f"c{i}"] for i in range(len(CELLS))] for r in result["prepped"]]
        for i, cell in enumerate(CELLS):
            assert got[0][i] == want[0][i], (result["version"], cell, got[0][i], want[0][i])


@pytest.mark.network
def test_l002_l003_goldens_match_the_loaders(loaded: dict) -> None:
    for case, code in (("L002-csv-na-token", "L002"), ("L003-csv-number", "L003")):
        path = loaded[f"golden-{case}"][0]
        with open(path, newline="") as f:
            source = list(csv.DictReader(f))
        diags = [d for d in report(path).diagnostics if d.code == code]
        assert diags
        for result in versions(loaded, f"golden-{case}"):
            changed = {(i, k) for i, (s, p) in enumerate(zip(source, result["prepped"]))
                       for k in s if s[k] != "" and p[k] != s[k]}
            assert {k for _, k in changed} == {d.field for d in diags}
            assert sum(int(d.message.split(": ", 1)[1].split()[0].replace(",", "")) if code == "L002" else
                       int(d.message.split("str()s it back: ")[1].split()[0]) for d in diags) == len(changed)


@pytest.mark.network
def test_dpo_rows_with_na_tokens_are_dropped_by_prep(loaded: dict) -> None:
    """_validate_dpo_data keeps a row only when prompt, chosen and rejected are non-blank."""
    path, old, _ = loaded["golden-L002-csv-na-token"]
    kept = [r for r in old["prepped"] if r["prompt"].strip() and r["chosen"].strip() and r["rejected"].strip()]
    flagged = {d.row for d in report(path).diagnostics if d.code == "L002"}
    assert len(kept) == 1 and len(old["prepped"]) == 4  # the three rows holding NA, N/A, None are dropped
    assert flagged == {0, 2}  # one finding per column, at its first NA (rejected: row 0, chosen: row 2)


# --- mixed types ----------------------------------------------------------------
@pytest.mark.network
@pytest.mark.parametrize("name", sorted(MIXES))
@pytest.mark.parametrize("shape", ["", "-array"])
def test_mixed_types_fail_only_in_datasets_2(loaded: dict, name: str, shape: str) -> None:
    path, old, new = loaded[f"mix-{name}{shape}"]
    codes = report(path).codes()
    assert ("L004" in codes) == (not old["ok"]), (name, old.get("error"))
    if not old["ok"]:
        assert any(e.startswith(("ArrowInvalid", "ArrowTypeError")) for e in old["error"]), old["error"]
        assert new["ok"], "the installed datasets loads mixed columns"
    if name == "int-float":
        assert "L005" in codes
        assert [r["output"] for r in old["prepped"]] == ["16.0", "2.5"]


@pytest.mark.network
@pytest.mark.parametrize("case", ["L004-mixed-types", "L004-chat-encoded", "C006-content-not-string",
                                  "C001-conversation-not-list"])
def test_l004_goldens_do_not_load_in_datasets_2(loaded: dict, case: str) -> None:
    path, old, new = loaded[f"golden-{case}"]
    assert "L004" in report(path).codes()
    assert not old["ok"] and any(e.startswith(("ArrowInvalid", "ArrowTypeError", "ValueError")) for e in old["error"])
    assert new["ok"]


@pytest.mark.network
def test_files_without_l_findings_load_unchanged(loaded: dict) -> None:
    """No false alarm: every golden without an L finding loads in datasets 2.21
    with every string value as written."""
    for name, (path, old, _) in loaded.items():
        if not name.startswith("golden-") or not path.name.endswith(".jsonl"):
            continue
        if any(c.startswith("L") for c in report(path).codes()):
            continue
        assert old["ok"], (name, old.get("error"))
        rows = [json.loads(ln) for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip()]
        for r, p in zip(rows, old["rows"]):
            for k, v in r.items():
                if isinstance(v, str):
                    assert p[k] == v, (name, k)


# --- what prep does to chat rows --------------------------------------------------
def process_chat_row(value: object) -> object:
    """The validator's chat prep, as its public code reads: a message is kept when
    it is an object whose role and content are not null; fewer than 2 kept: []."""
    if isinstance(value, str) and value.strip().startswith("[") and value.strip().endswith("]"):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, list):
        kept = [m for m in value if isinstance(m, dict) and m.get("content") is not None and m.get("role") is not None]
        return kept if len(kept) > 1 else []
    return value if value is not None else ""


@pytest.mark.network
def test_null_message_is_dropped_and_the_row_trains(loaded: dict) -> None:
    path, old, _ = loaded["golden-C025-null-message-dropped"]
    assert old["ok"]
    kept = [process_chat_row(r["conversations"]) for r in old["rows"]]
    assert [len(k) for k in kept] == [2, 0, 2]  # row 1 loses its only answer, so prep drops it
    diags = report(path).diagnostics
    by_row = {}
    for d in diags:
        by_row.setdefault(d.row, set()).add((d.code, d.severity))
    assert by_row[0] == {("C025", "warning")}  # the trailing null message: not a row-killing error
    assert ("C007", "error") in by_row[1]
    assert 2 not in by_row


@pytest.mark.network
def test_grpo_objects_reach_reward_functions_as_repr(loaded: dict) -> None:
    path = GOLDEN / "G001-nested-extra" / "input.jsonl"
    old = validator_load([path])[0]
    values = [r["meta"] for r in old["prepped"] if r.get("meta")]
    assert values
    for v in values:
        with pytest.raises(ValueError):
            json.loads(v)  # what a reward function reading extra_data does
    g = [d for d in report(path).diagnostics if d.code == "G001"]
    assert g and g[0].severity == "error" and "No valid reward functions remain" in g[0].message


def test_sharegpt_keys_give_one_finding_per_row(tmp_path: Path) -> None:
    rows = [{"conversations": [{"from": "human" if i % 2 == 0 else "gpt", "value": f"t{j} {i}"} for i in range(9)]}
            for j in range(500)]
    r = report(write_jsonl(tmp_path / "sharegpt.jsonl", rows))
    assert r.codes().count("C004") == 500
    assert len(r.diagnostics) == 500 + r.codes().count("D002")


# --- convert --------------------------------------------------------------------------
@pytest.mark.network
def test_convert_to_parquet_keeps_dates_as_strings(tmp_path: Path) -> None:
    src = GOLDEN / "L001-grpo-extra-date" / "input.jsonl"
    out = tmp_path / "o.parquet"
    conv = ftprep.convert(str(src), str(out), task="text", field_instruction="prompt", field_output="answer",
                          min_rows=1)
    assert conv.rows_written == 2 and "L001" not in conv.report.codes()
    jsonl = ftprep.convert(str(src), str(tmp_path / "o.jsonl"), task="text", field_instruction="prompt",
                           field_output="answer", min_rows=1)
    assert "L001" in jsonl.report.codes() and jsonl.rows_written == 0
    old, new = validator_load([out])[0], current_load([out])[0]
    for result in (old, new):
        assert [r["output"] for r in result["prepped"]] == ["2024-05-06", "2024-05-05"]



# --- random columns: the verdicts against the real loader, and both scan paths ------------
POOL = ["2024-01-10", "2024-01-10T08:30", "1999-12-31 23:59:59+01:00", "later", "", " ", "2024-02-30",
        7, 16, 2.5, True, None, ["a"], {"k": "v"}]


def random_files(folder: Path, n: int, seed: int) -> list[Path]:
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        # Most columns draw from a narrow slice of the pool, so that some stay one type.
        pools = [rng.sample(POOL, rng.randint(1, 3)) for _ in range(2)]
        rows = [{"instruction": rng.choice(pools[0]), "output": rng.choice(pools[1])} for _ in range(rng.randint(2, 5))]
        out.append(write_jsonl(folder / f"r{i}.jsonl", rows))
    return out


@pytest.mark.network
def test_random_columns_match_the_loaders(tmp_path: Path) -> None:
    files = random_files(tmp_path, 40, seed=7)
    old_all, new_all = validator_load(files), current_load(files)
    for path, old, new in zip(files, old_all, new_all):
        diags = report(path).diagnostics
        rows = [json.loads(ln) for ln in path.read_text().splitlines()]
        assert ("L004" in {d.code for d in diags}) == (not old["ok"]), (path.read_text(), old.get("error"))
        assert new["ok"]
        for result in ([old] if old["ok"] else []) + [new]:
            if result is new and not old["ok"]:
                continue  # a mixed column loads as JSON in datasets 4+: nothing is inferred there
            dates = {k for r, p in zip(rows, result["prepped"]) for k, v in r.items()
                     if isinstance(v, str) and p[k] != v}
            floats = {k for r, p in zip(rows, result["prepped"]) for k, v in r.items()
                      if type(v) is int and p[k] != str(v)}
            assert dates == {d.field for d in diags if d.code == "L001"}, (path.read_text(), result["version"])
            assert floats == {d.field for d in diags if d.code == "L005"}, (path.read_text(), result["version"])


def test_random_columns_agree_across_scan_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftprep.engine.checker as checker

    for path in random_files(tmp_path, 30, seed=11):
        for task in ("text", "grpo"):
            kw = {"task": task, "field_prompt": "instruction"} if task == "grpo" else {"task": task}
            fast = report(path, workers=1, **kw).to_json()
            assert report(path, explain_all=True, workers=1, **kw).to_json() == fast
            monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
            assert report(path, workers=2, **kw).to_json() == fast
            monkeypatch.undo()


@pytest.mark.network
def test_convert_output_loads_exactly_as_written(tmp_path: Path) -> None:
    """What convert writes from data the loaders would garble (CSV NA strings and
    numbers, mixed JSON types) loads in both versions as the very strings written."""
    outs = []
    for case in ("L002-csv-na-token", "L003-csv-number", "L004-mixed-types", "L005-int-as-float"):
        src = next(p for p in (GOLDEN / case).iterdir() if p.name.startswith("input."))
        out = tmp_path / f"{case}.jsonl"
        conv = ftprep.convert(str(src), str(out), drop_invalid=True, min_rows=1)
        assert conv.rows_written > 0, conv.report.to_json()
        assert not {"L001", "L004", "L005", "L006"} & set(conv.report.codes())  # the output is judged too
        outs.append(out)
    written = [[json.loads(ln) for ln in p.read_text().splitlines()] for p in outs]
    assert {"rejected": "NA"}.items() <= written[0][0].items()  # the text as the CSV holds it
    assert written[1][0]["output"] == "02108" and written[3][1]["output"] == "16"
    for result_set in (validator_load(outs), current_load(outs)):
        for rows, result in zip(written, result_set):
            assert result["ok"] and result["prepped"] == rows, (result["version"], result.get("prepped"), rows)
