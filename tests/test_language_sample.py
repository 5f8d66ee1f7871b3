"""Q031's sample is a function of the rows alone: the same pairs, and so the same
finding, whatever the split of the file into ranges, workers or parts."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

import ftprep
from ftprep.engine import checker, language
from ftprep.engine.language_sample import LanguageSample

EN = "How can I reset my password on the company portal, please tell me?"
ANSWERS = ["Ouvrez la page de connexion du portail et cliquez sur le lien du mot de passe oublié, étape {}.",
           "Öffnen Sie die Anmeldeseite des Portals und klicken Sie auf den Link, Schritt {}.",
           "Open the login page of the portal and click on the link that says you forgot it, step {}."]


def q031(report):
    return [(d.count, d.rows) for f in report.files for d in f.diagnostics if d.code == "Q031"]


def test_workers_do_not_change_the_finding(tmp_path, monkeypatch):
    monkeypatch.setattr(language, "SAMPLE", 20)
    rows = [{"instruction": EN, "output": ANSWERS[i % 3].format(i)} for i in range(300)]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    one = ftprep.check(str(path), min_rows=1, task="text", workers=1)
    monkeypatch.setattr(checker, "PARALLEL_MIN_BYTES", 1)  # cut into ranges, one per worker
    two = ftprep.check(str(path), min_rows=1, task="text", workers=2)
    assert q031(one) and q031(one) == q031(two) and q031(two)[0][0] <= 20  # one sample of 20, not one per range
    assert one.to_json() == two.to_json()


PAIR = st.tuples(st.sampled_from([EN, "Comment puis-je changer mon mot de passe sur le portail de la société ?"]),
                 st.integers(0, 50))


@settings(max_examples=50, deadline=None)
@given(pairs=st.lists(PAIR, max_size=40), cuts=st.lists(st.integers(0, 40), max_size=4), size=st.integers(1, 8))
def test_any_split_merges_to_the_same_sample(pairs, cuts, size):
    def tally(part, start):
        sample = LanguageSample(size=size)
        for k, (question, n) in enumerate(part):
            sample.offer(k, "output", question, ANSWERS[n % 3].format(n), question, "text")
        sample.shift(start)
        return sample

    whole = tally(pairs, 0)
    bounds = [0, *sorted(min(c, len(pairs)) for c in cuts), len(pairs)]
    merged = LanguageSample(size=size)
    for a, b in zip(bounds, bounds[1:]):
        merged.merge(tally(pairs[a:b], a))
    assert merged.pairs() == whole.pairs() and merged.examined == whole.examined == len(pairs)
