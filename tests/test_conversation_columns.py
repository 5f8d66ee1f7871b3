"""Chat rows in Parquet judged column-wise (ftprep.engine.conversation_columns):
the report is the one the row engine gives the same rows as JSON lines (the
bridge) and as records, on random conversations full of what the rules look for,
across row groups, runs and worker processes; clean rows never become JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ftprep
from ftprep.engine import arrow_scan, column_suspects, conversation_columns, field_columns, file_scans, language

MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
EN = "How can I reset my password on the company portal, please tell me how?"
# What each rule looks for, and its near misses (assembled at run time: fake values).
TEXTS = [
    "", " ", "\t\n", "\x1c", "\u3000", "\u00a0x", "hello there", "The answer is 4.", "Paris",
    "<think>Two and two.</think>The answer is 4.",
    "<|im_start|>", "a [INST] b", "<image> what is this?", "<b>bold</b> [1]", "{{name}}", "Dear {customer_name},",
    "<NAME> wrote", "[INSERT NAME] here", "{x}", "a {b} c", "AKIA" + "QX4MPLE7ZT3K2FWN", "api_key = " + "Zx9vLq2Rt7Wk4P",
    "the key idea", "password: hunter2hunter2", "jane.doe" + "@acme-mail.com", "4528 7316 " + "0294 5185",
    "call +1 (555) 123-4567", "DE89 3704 0044 0532 0130 00", "8.8." + "4.4", "https://user:pw@example.com/x",
    "As an AI language model, I cannot do that.", "I'm sorry, but I can't help with that.", "Le cafÃ© est bon.",
    "bytes lost \ufffd here", "Lorem ipsum dolor sit amet", "```python\nprint(1)\n", "```python\nprint(1)\n```",
    "the same words again and again. " * 6, "ok " * 30, "x" * 70,
    "Ouvrez la page de connexion du portail et cliquez sur le lien du mot de passe oublié.",
    "Open the login page of the portal and click on the link that says you forgot your password", EN,
    "Translate into German: the weather is very nice today in the mountains near the lake.",
    "This answer was cut off at the maximum length of the generator and ends in the middle of a wor",
]
text = st.one_of(st.none(), st.sampled_from(TEXTS), st.text(max_size=8))
role = st.one_of(st.sampled_from(["user", "assistant"]), st.sampled_from(["system", "tool", None, "bot", "User"]))
message = st.one_of(st.fixed_dictionaries({"role": role, "content": text}), st.none())
turns = st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": text}),
                 min_size=2, max_size=4)
conversation = st.one_of(st.lists(message, max_size=5), turns, turns, st.none())


def _write(rows: list, path: Path, group: int = 4) -> Path:
    table = pa.Table.from_pylist([{"conversations": c} for c in rows], schema=pa.schema([("conversations", MESSAGES)]))
    pq.write_table(table, path, row_group_size=group)
    return path


def _three(path: Path, monkeypatch: pytest.MonkeyPatch, **args: object) -> tuple[dict, dict, dict]:
    """(column-wise, JSON lines bridge, records path) reports of one Parquet file (task: chat unless given)."""
    args = {"task": "chat", "min_rows": 1, **args}
    fast = ftprep.check(str(path), **args).to_json()
    with monkeypatch.context() as m:
        m.setattr(conversation_columns, "applies", lambda *a: False)
        m.setattr(field_columns, "applies", lambda *a: False)
        bridge = ftprep.check(str(path), **args).to_json()
        m.setattr(file_scans, "columnar", lambda *a: False)
        records = ftprep.check(str(path), **args).to_json()
    return fast, bridge, records


@pytest.mark.parametrize(("ignore", "template"), [(None, None), ("Q", None), ("Q031,V010", None), (None, "qwen3"),
                                                  ("Q", "mistral_v3_tekken"), ("Q", "phi_4"), ("Q", "deepseek_v3")])
def test_random_conversations_agree(ignore: str | None, template: str | None,
                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(conversation, min_size=1, max_size=40), st.integers(1, 9), st.integers(2, 12))
    def agree(rows: list, group: int, run: int) -> None:
        rows = rows + rows[:3]  # duplicates, also across row groups
        path = _write(rows, tmp_path_factory.mktemp("rows") / "rows.parquet", group)
        mp = pytest.MonkeyPatch()
        try:
            mp.setattr(language, "SAMPLE", 5)  # a sample that fills up and drops pairs
            fast, bridge, records = _three(path, mp, ignore=ignore, chat_template=template)
            assert fast == bridge == records
            # Runs that start and end inside row groups. (The records path reads its own
            # blocks, and an aggregated finding lists its rows in the order a block explains them.)
            mp.setattr(arrow_scan, "SLICE", run)
            fast, bridge, _ = _three(path, mp, ignore=ignore, chat_template=template)
        finally:
            mp.undo()
        assert fast == bridge

    agree()


def _conversation(i: int, answer: str) -> list[dict]:
    return [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"{EN} ({i})"},
            {"role": "assistant", "content": answer}]


def test_clean_rows_are_not_written_as_json_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = ["Open the login page and click the link that says you forgot your password, then wait."] * 5 + [
        "<|im_start|>", "mail jane.doe" + "@acme-mail.com", "Dear {customer_name}, here it is."]
    rows = [_conversation(i, answers[i % len(answers)]) for i in range(400)]
    rows[399] = rows[8]  # a clean duplicate, in another row group
    path = _write(rows, tmp_path / "rows.parquet", group=50)
    written: list[int] = []
    real = arrow_scan.json_lines
    monkeypatch.setattr(arrow_scan, "json_lines", lambda r: written.append(len(r)) or real(r))
    fast = ftprep.check(str(path), task="chat", min_rows=1).to_json()
    assert sum(written) == 149  # the three flagged rows of every eight (row 399 is now clean), no other
    codes = {(d["code"], d.get("row")) for d in fast["files"][0]["diagnostics"]}
    assert ("C016", 5) in codes and ("Q011", 6) in codes and ("V010", 7) in codes
    assert ("D001", 399) in codes
    monkeypatch.setattr(arrow_scan, "json_lines", real)
    assert (fast, fast) == _three(path, monkeypatch)[1:]


def test_the_dataset_level_tallies_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Q026 (answers cut at one length) and Q031 (answers in another language) from clean rows."""
    monkeypatch.setattr(language, "SAMPLE", 30)
    cut = "This answer was cut off at the maximum length of the generator and ends in the middle of a wor"
    french = "Ouvrez la page de connexion du portail et cliquez sur le lien du mot de passe oublié, étape {}."
    rows = [_conversation(i, cut if i % 3 == 0 else french.format(i) if i % 3 == 1 else "Fine, thanks.")
            for i in range(300)]
    path = _write(rows, tmp_path / "rows.parquet", group=64)
    fast, bridge, records = _three(path, monkeypatch)
    assert fast == bridge == records
    codes = [d["code"] for d in fast["files"][0]["diagnostics"]]
    assert "Q026" in codes and "Q031" in codes


@pytest.mark.parametrize("template", ["qwen3", "deepseek_v3", "mistral_v3_tekken"])
def test_the_template_rules_agree(template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reasoning the template drops (C017), a system turn or two user turns it refuses."""
    think = "<think>Two and two.</think>The answer is 4."
    rows = [_conversation(i, "Fine, thanks.") for i in range(30)]
    rows[3] = [{"role": "user", "content": "Sum?"}, {"role": "assistant", "content": think},
               {"role": "user", "content": "Sure?"}, {"role": "assistant", "content": "Yes."}]
    rows[5] = [{"role": "user", "content": "Hi"}, {"role": "user", "content": "there"},
               {"role": "assistant", "content": "Hello."}]
    path = _write(rows, tmp_path / "rows.parquet", group=8)
    fast, bridge, records = _three(path, monkeypatch, chat_template=template)
    assert fast == bridge == records
    found = {(d["code"], d["row"]) for d in fast["files"][0]["diagnostics"]}
    assert found & {("C017", 3), ("C012", 5)}


def test_what_stays_on_the_bridge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tool calls in the messages, another trained column, --dataset: the row engine's."""
    judged: list[int] = []
    real = conversation_columns.ConversationColumns.judge
    monkeypatch.setattr(conversation_columns.ConversationColumns, "judge",
                        lambda self, frame, *a: judged.append(frame.height) or real(self, frame, *a))
    rows = [_conversation(i, "Open the login page and click the link, then wait a minute.") for i in range(20)]
    path = _write(rows, tmp_path / "rows.parquet")
    for template in (None, "qwen3", "mistral_v3_tekken"):
        ftprep.check(str(path), task="chat", min_rows=1, chat_template=template)
    assert sum(judged) == 60
    judged.clear()
    ftprep.check([str(path), str(path)], task="chat", min_rows=1, dataset=True)
    tools = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string()), ("tool_calls", pa.string())]))
    pq.write_table(pa.Table.from_pylist([{"conversations": c} for c in rows], schema=pa.schema([("conversations", tools)])),
                   tmp_path / "tools.parquet")
    ftprep.check(str(tmp_path / "tools.parquet"), task="chat", min_rows=1)
    pq.write_table(pa.Table.from_pylist([{"conversations": c, "label": True} for c in rows],
                                        schema=pa.schema([("conversations", MESSAGES), ("label", pa.bool_())])),
                   tmp_path / "kto.parquet")
    ftprep.check(str(tmp_path / "kto.parquet"), task="chat", min_rows=1)
    assert judged == []


def test_the_whitespace_it_strips_is_pythons() -> None:
    assert column_suspects.whitespace() == "".join(filter(str.isspace, map(chr, range(sys.maxunicode + 1))))


POOLED = """
import json, sys
import ftprep
from ftprep.engine import conversation_columns, parquet_scan
parquet_scan.PARALLEL_MIN_PARQUET, parquet_scan.PART_ROWS = 0, 60
real = conversation_columns.ConversationColumns.judge


def judge(self, frame, *a):  # (in the workers: each judged frame's rows, to a file)
    with open(sys.argv[1] + ".judged", "a") as f:
        f.write(f"{frame.height}\\n")
    return real(self, frame, *a)


conversation_columns.ConversationColumns.judge = judge
pooled = ftprep.check(sys.argv[1], task="chat", workers=2, min_rows=1).to_json()
conversation_columns.applies = lambda *a: False
reference = ftprep.check(sys.argv[1], task="chat", workers=1, min_rows=1).to_json()
print(json.dumps([pooled == reference, [d["code"] for d in pooled["files"][0]["diagnostics"]]]))
"""


def test_row_groups_in_workers_agree(tmp_path: Path) -> None:
    """Workers forked from a fresh process judge their row groups column-wise; the
    merged report, D001 across workers included, is the row engine's."""
    rows = [_conversation(i, TEXTS[i % len(TEXTS)] or "Fine.") for i in range(400)]
    rows[390] = rows[12]
    path = _write(rows, tmp_path / "rows.parquet", group=25)
    out = subprocess.run([sys.executable, "-c", POOLED, str(path)], capture_output=True, text=True, timeout=300,
                         check=True)
    same, codes = json.loads(out.stdout)
    assert same and "D001" in codes
    judged = Path(str(path) + ".judged").read_text().split()
    assert sum(map(int, judged)) == 400 and len(judged) == 16  # every row group, once, column-wise
