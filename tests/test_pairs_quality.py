"""DPO pair quality: length bias (Q030) and the chosen answer's language (Q031).

Each test builds a small file, checks it through the library and asserts the
finding, its count and lines, and the pair statistics, on every path a row can
take (typed fast path, explain path, tables, a process pool)."""

from __future__ import annotations

import json

import pytest

import ftprep
from ftprep.engine import checker, language
from ftprep.engine.pairs_quality import LONGER_SHARE, MIN_PAIRS, PairTally, length_bias

EN = "How can I reset my password on the company portal, please?"
EN_ANSWER = "Open the login page of the portal and click on the link that says you forgot your password."
FR_ANSWER = "Ouvrez la page de connexion du portail et cliquez sur le lien du mot de passe oublié."
DE_ANSWER = "Öffnen Sie die Anmeldeseite des Portals und klicken Sie auf den Link für vergessene Passwörter."


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def pairs(n_longer: int, n: int) -> list[dict]:
    """n pairs, the chosen side longer in the first n_longer, shorter in the rest."""
    long, short = "a long and careful answer number {}", "short {}"
    return [{"prompt": f"question {i}", "chosen": (long if i < n_longer else short).format(i),
             "rejected": (short if i < n_longer else long).format(i)} for i in range(n)]


def codes(report, code):
    return [d for f in report.files for d in f.diagnostics if d.code == code]


def stats(report):
    return report.files[0].stats["pairs"]


def test_length_bias_above_threshold(tmp_path):
    report = ftprep.check(write(tmp_path / "d.jsonl", pairs(17, 20)), min_rows=1)
    found = codes(report, "Q030")
    assert len(found) == 1 and found[0].severity == "warning" and found[0].row is None
    assert "85% of 20 pairs" in found[0].message
    s = stats(report)
    assert s["pairs"] == 20 and s["chosen_longer"] == 0.85 and s["rejected_longer"] == 0.15
    assert s["mean_length_ratio"] > 1


@pytest.mark.parametrize("longer,n", [(16, 20), (19, 19), (0, 30)])
def test_no_length_bias_at_or_below_threshold_or_few_pairs(tmp_path, longer, n):
    report = ftprep.check(write(tmp_path / "d.jsonl", pairs(longer, n)), min_rows=1)
    assert codes(report, "Q030") == []
    assert stats(report)["pairs"] == n


def test_threshold_constants_are_the_documented_ones():
    # The summary in codes.py and the explanation state these numbers.
    assert (LONGER_SHARE, MIN_PAIRS) == (0.8, 20)
    tally = PairTally()
    tally.lengths(["p"] * 21, ["xx"] * 17 + ["x"] * 4, ["x"] * 21)
    assert tally.chosen_longer == 17 and length_bias(tally, "f")  # 17/21 = 81%
    tally.lengths(["p"], ["x"], ["xx"])
    assert length_bias(tally, "f") == []  # 17/22 = 77%


def test_tally_merge_adds_every_count():
    a, b = PairTally(), PairTally()
    a.lengths(["p", "p"], ["aaa", "a"], ["a", "a"])
    b.lengths(["p"], ["a"], ["aaaa"])
    a.merge(b)
    assert (a.pairs, a.chosen_longer, a.rejected_longer) == (3, 1, 1)
    assert a.ratio_sum == pytest.approx(3 + 1 + 0.25)


def test_rows_off_the_fast_path_count_too(tmp_path):
    # A non-empty system column sends a row to the explain path (the typed decode
    # refuses it); its pair still counts, once.
    rows = pairs(20, 20)
    for r in rows[::3]:
        r["system"] = "be brief"
    report = ftprep.check(write(tmp_path / "d.jsonl", rows), min_rows=1)
    assert stats(report)["pairs"] == 20 and stats(report)["chosen_longer"] == 1.0
    assert len(codes(report, "Q030")) == 1


def test_explain_all_gives_the_same_counts(tmp_path):
    rows = pairs(18, 20) + [{"prompt": EN, "chosen": FR_ANSWER, "rejected": "no"}]
    path = write(tmp_path / "d.jsonl", rows)
    fast, slow = ftprep.check(path, min_rows=1), ftprep.check(path, min_rows=1, explain_all=True)
    assert stats(fast) == stats(slow)
    assert fast.to_json() == slow.to_json()
    assert len(codes(fast, "Q031")) == 1 and len(codes(fast, "Q030")) == 1


def test_a_table_counts_like_json_lines(tmp_path):
    import pandas as pd

    rows = pairs(18, 20) + [{"prompt": EN, "chosen": DE_ANSWER, "rejected": "no"}]
    csv = tmp_path / "d.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    from_csv, from_jsonl = ftprep.check(str(csv), min_rows=1), ftprep.check(write(tmp_path / "d.jsonl", rows), min_rows=1)
    assert stats(from_csv) == stats(from_jsonl)
    q = codes(from_csv, "Q031")
    assert len(q) == 1 and q[0].line == 22  # the header is line 1


def test_a_process_pool_merges_the_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)
    rows = pairs(900, 1000)
    rows[700] = {"prompt": EN, "chosen": FR_ANSWER, "rejected": "no"}
    path = write(tmp_path / "d.jsonl", rows)
    pooled = ftprep.check(path, min_rows=1, workers=2)
    single = ftprep.check(path, min_rows=1, workers=1)
    assert stats(pooled) == stats(single) and stats(pooled)["pairs"] == 1000
    assert [d.line for d in codes(pooled, "Q031")] == [701] == [d.line for d in codes(single, "Q031")]


def test_language_mismatch_is_one_finding_with_count_and_lines(tmp_path):
    rows = [{"prompt": EN, "chosen": EN_ANSWER, "rejected": "no"},
            {"prompt": EN, "chosen": FR_ANSWER, "rejected": "no"},
            {"prompt": EN, "chosen": DE_ANSWER, "rejected": "no"},
            {"prompt": EN, "chosen": EN_ANSWER, "rejected": FR_ANSWER}]  # the rejected side is not judged
    report = ftprep.check(write(tmp_path / "d.jsonl", rows), min_rows=1)
    [q] = codes(report, "Q031")
    assert q.severity == "warning" and q.count == 2 and q.lines == (2, 3)
    assert "'fr'" in q.message and "'en'" in q.message


def test_short_or_translation_prompts_are_not_judged(tmp_path):
    rows = [{"prompt": "Hi", "chosen": "Bonjour, comment allez-vous aujourd'hui, mon ami ?", "rejected": "Hello"},
            {"prompt": EN, "chosen": "Merci beaucoup !", "rejected": "no"},
            {"prompt": "Translate into French: the weather is nice today and the sun is shining.",
             "chosen": "Il fait beau aujourd'hui et le soleil brille sur toute la ville.", "rejected": "no"}]
    report = ftprep.check(write(tmp_path / "d.jsonl", rows), min_rows=1)
    assert codes(report, "Q031") == []
    # Only the translation pair is long enough on both sides, and its prompt asks for
    # French: it is left out of the sample, so the detector judges nothing.
    assert stats(report)["language_judged"] == 0


def test_the_language_sample_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(language, "SAMPLE", 2)
    rows = [{"prompt": EN, "chosen": FR_ANSWER, "rejected": "no"}] * 5
    report = ftprep.check(write(tmp_path / "d.jsonl", rows), min_rows=1)
    [q] = codes(report, "Q031")
    assert q.count == 2 and stats(report)["language_judged"] == 2


def test_ignore_and_select_apply(tmp_path):
    rows = pairs(20, 20) + [{"prompt": EN, "chosen": FR_ANSWER, "rejected": "no"}]
    path = write(tmp_path / "d.jsonl", rows)
    assert codes(ftprep.check(path, min_rows=1, ignore="Q030"), "Q030") == []
    selected = ftprep.check(path, min_rows=1, select="Q031")
    assert {d.code for f in selected.files for d in f.diagnostics} == {"Q031"}


def test_chat_rows_have_no_pair_statistics(tmp_path):
    path = write(tmp_path / "c.jsonl", [{"messages": conversation(EN, FR_ANSWER)}] * 3)
    report = ftprep.check(path, min_rows=1, task="chat", field_conversation="messages")
    assert "pairs" not in report.files[0].stats
    [q] = codes(report, "Q031")  # but their answers' language is judged
    assert q.count == 3 and q.field == "messages"


@pytest.mark.parametrize("text,lang", [(EN_ANSWER, "en"), (FR_ANSWER, "fr"), (DE_ANSWER, "de"),
                                       ("¿Cómo puedo restablecer mi contraseña en el portal de la empresa? No encuentro el enlace.", "es"),
                                       ("Come posso reimpostare la mia password sul portale aziendale?", "it")])
def test_the_detector_tells_plain_sentences_from_english(text, lang):
    found = language.language_of(text)
    assert found is not None and found[0] == lang
    if lang != "en":  # each is a surely foreign answer to an English question
        assert language.mismatch(EN, text) is not None and language.mismatch(EN, text)[:2] == ("en", lang)
    else:
        assert language.mismatch(EN, text) is None


def test_the_detector_does_not_judge_short_text():
    assert language.language_of("Merci beaucoup !") is None
    assert language.language_of("1234567890 " * 10) is None  # long, but no letters


SIDES = [EN, EN_ANSWER, FR_ANSWER, DE_ANSWER, "no", "a", "", "   ", "x" * 50]


def test_fast_and_explain_paths_agree_on_random_pairs(tmp_path):
    from hypothesis import given, settings, strategies as st

    side = st.sampled_from(SIDES)
    row = st.fixed_dictionaries({"prompt": side, "chosen": side, "rejected": side},
                                optional={"system": st.sampled_from(["", None, "be brief"])})

    @settings(max_examples=25, deadline=None)
    @given(st.lists(row, min_size=1, max_size=30))
    def agree(rows):
        path = write(tmp_path / "r.jsonl", rows)
        fast, slow = ftprep.check(path, min_rows=1), ftprep.check(path, min_rows=1, explain_all=True)
        assert fast.to_json() == slow.to_json()
        assert fast.files[0].stats.get("pairs") == slow.files[0].stats.get("pairs")
        # Every pair with three non-blank text sides is counted, once.
        full = sum(all(isinstance(r[c], str) and r[c].strip() for c in ("prompt", "chosen", "rejected")) for r in rows)
        assert fast.files[0].stats.get("pairs", {"pairs": 0})["pairs"] == full

    agree()


def conversation(user: str, answer: str) -> list[dict]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]


def test_conversational_pairs_with_different_prompts_are_v006_in_check(tmp_path):
    rows = [{"chosen": conversation("What is 2+2?", "4"), "rejected": conversation("What is 2+2?", "5")},
            {"chosen": conversation("What is 2+2?", "4"), "rejected": conversation("What is 3+3?", "5")}]
    report = ftprep.check(write(tmp_path / "d.jsonl", rows), min_rows=1)
    v006 = codes(report, "V006")
    assert [d.line for d in v006] == [2] and v006[0].severity == "error"
    # The pair with one prompt is counted as convert would write it; the refused one is not.
    assert stats(report)["pairs"] == 1


def test_conversational_pairs_count_their_answers_lengths(tmp_path):
    rows = [{"chosen": conversation(f"question {i}", "a long and careful answer"),
             "rejected": conversation(f"question {i}", "short")} for i in range(25)]
    report = ftprep.check(write(tmp_path / "d.jsonl", rows), min_rows=1)
    assert stats(report) == {"pairs": 25, "chosen_longer": 1.0, "rejected_longer": 0.0,
                             "mean_length_ratio": round(len("a long and careful answer") / 5, 4), "language_judged": 0}
    assert len(codes(report, "Q030")) == 1 and codes(report, "V006") == []


def test_text_rows_compare_the_output_with_the_instruction(tmp_path):
    rows = [{"instruction": EN, "output": EN_ANSWER}, {"instruction": EN, "output": FR_ANSWER},
            {"instruction": EN, "output": DE_ANSWER, "system": "x"}]  # a system column: off the fast path
    report = ftprep.check(write(tmp_path / "t.jsonl", rows), min_rows=1, task="text")
    [q] = codes(report, "Q031")
    assert q.field == "output" and q.count == 2 and q.lines == (2, 3) and "the instruction in 'en'" in q.message
    assert "pairs" not in report.files[0].stats  # length bias is DPO's
    slow = ftprep.check(str(tmp_path / "t.jsonl"), min_rows=1, task="text", explain_all=True)
    assert slow.to_json() == report.to_json()
