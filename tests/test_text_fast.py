"""The prefilter's cheap routes (ftprep.engine.text_suspects) find exactly what the full rules find:
rows whose only anchor is an '@' (searched for e-mails alone), the loop window, the lazy rule list."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftprep.engine import secrets_scan
from ftprep.engine.text_suspects import _structure, suspect_rows
from ftprep.tasks import junk

# Pieces that make e-mails real and reserved, near misses around them, and other anchors
# (fake values, assembled at run time so that this file is not itself a secret to a scanner).
PIECES = ["jane", "@", "acme-mail.com", "example.com", "mail.test", ".", "-", "com", "é", "ü", " ", "'", "%",
          "4111 1111 " + "1111 1111", "api_key = " + "Zx9vLq2Rt7Wk4Pm8Ns3Bd", "8.8." + "4.4", "\n", "x"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(TEXT, min_size=1, max_size=3), min_size=1, max_size=6), ascii_json=st.booleans())
def test_secret_suspects_are_exactly_the_rows_with_a_hit(rows: list[list[str]], ascii_json: bool) -> None:
    texts = [x for row in rows for x in row]
    lines = [json.dumps({"m": row}, ensure_ascii=ascii_json).encode() for row in rows]
    found = suspect_rows(texts, [len(row) for row in rows], lines, ("secrets",))
    assert found == {r for r, row in enumerate(rows) if any(map(secrets_scan.scan_text, row))}


def test_an_at_row_with_another_anchor_meets_every_rule() -> None:
    rows = [["write to jane@example.com", "card " + "4528 7316 " + "0294 5185"],  # reserved e-mail, real card
            ["write to jane@example.com", "nothing else"],                      # reserved only
            ["hello", "write to jane" + "@acme-mail.com"]]                       # a real e-mail in a later text
    texts = [x for row in rows for x in row]
    lines = [json.dumps({"m": row}).encode() for row in rows]
    assert suspect_rows(texts, [2, 2, 2], lines, ("secrets",)) == {0, 2}


def test_the_loop_window_misses_no_loop() -> None:
    rng = random.Random(7)
    words = "alpha beta gamma delta eps zeta eta theta x y".split()
    texts = []
    for _ in range(3000):
        span = " ".join(rng.choice(words) for _ in range(rng.randint(1, 90))) + rng.choice([" ", ". ", "\n"])
        head = " ".join(rng.choice(words) for _ in range(rng.randint(0, 50)))
        texts.append(head + span * rng.randint(3, 6) + rng.choice(["", "  ", "\n", " " + span[:rng.randint(0, 30)]]))
    looping = [k for k, x in enumerate(texts) if junk.loop(x)]
    assert len(looping) > 500  # the sample holds loops of many periods, and texts that are none
    assert [k for k in _structure(texts) if junk.loop(texts[k])] == looping


def test_personal_data_alone_does_not_load_the_credential_rules() -> None:
    code = ("import sys; from ftprep.engine import secrets_scan as s; "
            "hits = s.scan_text('mail jane' + '@acme-mail.com or ' + '8.8.' + '4.4'); "
            "print(sorted(h.code for h in hits), 'detect_secrets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["['Q011',", "'Q015']", "False"]


def _sampled(task: str, rows: list[dict[str, object]], **keywords: object) -> tuple[int, int]:
    """The pairs a scan of `rows` counts and samples for the language detector."""
    from ftprep import tasks
    from ftprep.engine.row_checker import RowChecker
    from ftprep.engine.scan_state import Scan
    from ftprep.engine.settings import settle

    checker = RowChecker(tasks.get(task), settle("check", None, keywords))
    scan = Scan(max_per_code=10)
    checker.lines(scan, [json.dumps(r).encode() for r in rows], False)
    return (scan.pairs.pairs, len(scan.pairs.sample.pairs())) if scan.pairs is not None else (0, 0)


def test_the_language_sample_is_taken_only_when_q031_may_be_reported() -> None:
    question = "Explain in a few plain sentences why the sky looks blue on a clear day."
    answer = "Sunlight is scattered by the molecules of the air, and blue light is scattered the most of all."
    pairs = [{"prompt": question, "chosen": answer, "rejected": "No idea at all."}] * 3
    assert _sampled("dpo", pairs) == (3, 3)
    assert _sampled("dpo", pairs, ignore="Q031") == (3, 0)  # the length counts (Q030's statistic) stay
    assert _sampled("dpo", pairs, ignore="Q") == (3, 0)
    texts = [{"instruction": question, "output": answer}] * 2
    assert _sampled("text", texts)[1] == 2 and _sampled("text", texts, ignore="Q03") == (0, 0)
    chats = [{"conversations": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}]
    assert _sampled("chat", chats)[1] == 1 and _sampled("chat", chats, select="V,D,Q030") == (0, 0)


def test_the_unpacked_model_judges_as_the_packed_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from ftprep.engine import language_model

    monkeypatch.setenv(language_model.ENV_DIR, str(tmp_path))
    (tmp_path / "langid-0.3.0-1-2.npz").write_bytes(b"an older version's copy")
    packed = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    first = language_model.identifier()  # unpacks, and writes the copy
    copies = list(tmp_path.glob("langid-*.bin"))
    assert len(copies) == 1 and not [p for p in tmp_path.iterdir() if p not in copies]  # no temporaries left
    again = language_model.identifier()  # reads the copy
    for text in ("Bonjour, je voudrais un café et un croissant.", "Die Größe der Eingabe bestimmt die Laufzeit.",
                 "The quick brown fox jumps over the lazy dog.", "例えば、入力が大きくなると処理時間も長くなります。"):
        assert first.rank(text) == again.rank(text) == packed.rank(text)
    copies[0].write_bytes(b"cut short")  # a broken copy: unpacked again, and rewritten
    assert language_model.identifier().rank("Hola, ¿qué tal estás hoy?") == packed.rank("Hola, ¿qué tal estás hoy?")
    assert copies[0].stat().st_size > 1_000_000


def _suspects(task: str, rows: list[dict[str, object]]) -> set[int]:
    from ftprep import tasks
    from ftprep.engine.row_checker import RowChecker
    from ftprep.engine.settings import settle

    checker = RowChecker(tasks.get(task), settle("check", None, {}))
    lines = [json.dumps(r).encode() for r in rows]
    typed = list(map(checker.typed.decode, lines))
    return checker.suspects.rows(typed, checker.texts(typed), lines)


def test_loops_and_open_fences_are_searched_in_the_trained_texts_only() -> None:
    looping = "Here is the plan. " + "and then we try again, " * 6
    fence = "Run this:\n```python\nprint(1)\n"
    turns = lambda user, bot: {"conversations": [{"role": "user", "content": user},  # noqa: E731
                                                 {"role": "assistant", "content": bot}]}
    assert _suspects("chat", [turns(looping, "Fine."), turns("Hi", looping), turns(fence, "Done."),
                              turns("Hi", fence)]) == {1, 3}
    assert _suspects("text", [{"instruction": looping, "output": "ok"}, {"instruction": "go", "output": fence},
                              {"instruction": fence, "output": "ok"}]) == {1}
    assert _suspects("dpo", [{"prompt": fence, "chosen": "a", "rejected": "b"},
                             {"prompt": "p", "chosen": "a", "rejected": looping},
                             {"prompt": "p", "chosen": looping, "rejected": "b"}]) == {2}
