"""The answer's language (Q031) on chat rows, on real-world answers that must not
fire (translations, code, math, short answers, names, mixed prompts), and its
cost: the detector's model is loaded only by the process that finishes a file,
only when a pair is long enough, never with Q031 deselected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import ftprep
from ftprep.engine import language
from ftprep.engine.language_sample import LanguageSample, pair_key
from ftprep.engine.pairs_quality import PairTally, answer_languages
from ftprep.core.options import Options

EN = "How can I reset my password on the company portal, please?"
EN_ANSWER = "Open the login page of the portal and click on the link that says you forgot your password."
FR_ANSWER = "Ouvrez la page de connexion du portail et cliquez sur le lien du mot de passe oublié."
DE_ANSWER = "Öffnen Sie die Anmeldeseite des Portals und klicken Sie auf den Link für vergessene Passwörter."
ES_ANSWER = "Abra la página de inicio de sesión del portal y haga clic en el enlace de contraseña olvidada."


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def codes(report, code):
    return [d for f in report.files for d in f.diagnostics if d.code == code]


def chat(*turns: tuple[str, str]) -> dict:
    return {"conversations": [{"role": role, "content": text} for role, text in turns]}


def test_chat_judges_the_last_assistant_turn_against_the_user_turn_before_it(tmp_path):
    rows = [chat(("user", EN), ("assistant", EN_ANSWER)),
            chat(("user", EN), ("assistant", FR_ANSWER)),
            # The last exchange is judged: an earlier French turn is not, the last German one is.
            chat(("user", EN), ("assistant", FR_ANSWER), ("user", EN), ("assistant", DE_ANSWER)),
            chat(("user", EN), ("assistant", DE_ANSWER), ("user", EN), ("assistant", EN_ANSWER)),
            # A system turn that asks for French: the French answer is right.
            chat(("system", "You are a helpful assistant. Always reply in French."), ("user", EN),
                 ("assistant", FR_ANSWER)),
            # A tool turn between the question and the answer: still the user's question.
            chat(("user", EN), ("assistant", EN_ANSWER), ("tool", "{\"status\": \"ok\"}"), ("assistant", ES_ANSWER))]
    path = write(tmp_path / "c.jsonl", rows)
    report = ftprep.check(path, min_rows=1, task="chat")
    [q] = codes(report, "Q031")
    assert q.severity == "warning" and q.field == "conversations" and q.stage == "train"
    assert q.count == 3 and q.lines == (2, 3, 6)
    assert q.message.startswith("an assistant turn is in 'fr', the user turn before it in 'en'")
    slow = ftprep.check(path, min_rows=1, task="chat", explain_all=True)
    assert slow.to_json() == report.to_json()


def test_chat_fast_and_explain_paths_agree_on_random_conversations(tmp_path):
    from hypothesis import given, settings, strategies as st

    text = st.sampled_from([EN, EN_ANSWER, FR_ANSWER, DE_ANSWER, "ok", "Translate into German: " + EN])
    message = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system"]), "content": text})
    row = st.fixed_dictionaries({"conversations": st.lists(message, min_size=2, max_size=5)},
                                optional={"system": st.sampled_from(["", "be brief"])})

    @settings(max_examples=20, deadline=None)
    @given(st.lists(row, min_size=1, max_size=12))
    def agree(rows):
        path = write(tmp_path / "r.jsonl", rows)
        fast = ftprep.check(path, min_rows=1, task="chat")
        slow = ftprep.check(path, min_rows=1, task="chat", explain_all=True)
        assert fast.to_json() == slow.to_json()

    agree()


TRANSLATIONS = [
    ("Translate into French: the weather is nice today and the sun is shining on the city.",
     "Il fait beau aujourd'hui et le soleil brille sur toute la ville depuis ce matin."),
    ("Please translate the following sentence to German: I would like to book a room for two nights.",
     "Ich möchte gerne ein Zimmer für zwei Nächte in Ihrem Hotel reservieren, bitte."),
    ("Traduis en anglais : le chat dort sur le canapé depuis ce matin et ne veut pas bouger.",
     "The cat has been sleeping on the sofa since this morning and does not want to move."),
    ("Traduce al inglés, por favor: mañana vamos a visitar a mis abuelos en el campo.",
     "Tomorrow we are going to visit my grandparents in the countryside, if the weather allows."),
    ("Übersetze ins Englische: Wir treffen uns morgen um acht Uhr vor dem Bahnhof.",
     "We will meet tomorrow at eight o'clock in front of the railway station, as agreed."),
    ("What is the capital city of Italy and what is it famous for? Answer in Italian.",
     "La capitale dell'Italia è Roma, famosa per il Colosseo, il Vaticano e la sua cucina."),
    ("Explícame en español, por favor: what is photosynthesis and why do plants need it?",
     "La fotosíntesis es el proceso por el cual las plantas transforman la luz del sol en energía."),
    ("How do you say 'good morning, how did you sleep last night?' in Spanish, formally?",
     "Buenos días, ¿cómo durmió usted anoche? Es la forma cortés de preguntarlo en español."),
]


def test_a_dataset_of_translation_pairs_gives_no_q031(tmp_path):
    dpo = [{"prompt": p, "chosen": a, "rejected": "I do not know that one, sorry."} for p, a in TRANSLATIONS]
    report = ftprep.check(write(tmp_path / "d.jsonl", dpo * 3), min_rows=1)
    # The five with a translation verb are not even judged; the three that name the
    # language are judged and spared by the name.
    assert codes(report, "Q031") == [] and report.files[0].stats["pairs"]["language_judged"] == 3 * 3
    text = [{"instruction": p, "output": a} for p, a in TRANSLATIONS]
    assert codes(ftprep.check(write(tmp_path / "t.jsonl", text), min_rows=1, task="text"), "Q031") == []
    convs = [chat(("user", p), ("assistant", a)) for p, a in TRANSLATIONS]
    assert codes(ftprep.check(write(tmp_path / "c.jsonl", convs), min_rows=1, task="chat"), "Q031") == []
    # The same answers to a question that asks for no other language are mismatches:
    # the rows are long enough to judge, and what spares them is the request.
    plain = [{"instruction": EN, "output": a} for p, a in TRANSLATIONS]
    [q] = codes(ftprep.check(write(tmp_path / "p.jsonl", plain), min_rows=1, task="text"), "Q031")
    assert q.count == 5 and q.lines == (1, 2, 6, 7, 8)  # the three English answers are in the question's language


SOLVE = "Solve the following equation for x and explain each step you take: 2x + 3 = 7."
CODE = "Write a Python function that computes the average of a list of numbers, please."
CITIES = "List the ten largest cities of France by population, largest first, please."
REAL_WORLD = {
    "fenced code": (CODE, "```python\ndef calculer_moyenne(notes):\n    total = sum(notes)\n"
                          "    return total / len(notes) if notes else 0.0\n```"),
    "bare code": (CODE, "def calculer_moyenne(notes):\n    total = sum(notes)\n"
                        "    return total / len(notes) if notes else 0.0"),
    "code with French comments": (CODE, "def moyenne(valeurs):\n    # calcule la moyenne des valeurs de la liste\n"
                                        "    return sum(valeurs) / len(valeurs)"),
    "sql": ("Write a SQL query that counts the employees of each sales team, by name.",
            "SELECT nom, COUNT(*) FROM employes WHERE service = 'ventes' GROUP BY nom ORDER BY nom;"),
    "latex": (SOLVE, "$$2x + 3 = 7 \\Rightarrow 2x = 4 \\Rightarrow x = \\frac{4}{2} = 2$$"),
    "plain math": (SOLVE, "2x + 3 = 7\n2x = 7 - 3 = 4\nx = 4 / 2 = 2\nDonc x = 2"),
    "short answer": (EN, "Merci, c'est fait !"),
    "names": (CITIES, "Paris, Marseille, Lyon, Toulouse, Nice, Nantes, Montpellier, Strasbourg, Bordeaux, Lille"),
    "mixed prompt, German text": ("Summarize the following customer review in one short sentence.\nDas Produkt kam "
                                  "pünktlich an, aber die Verpackung war beschädigt und ein Teil fehlte leider.",
                                  "Das Produkt kam pünktlich, war aber schlecht verpackt und leider unvollständig."),
    "mixed prompt, French instruction": ("Résume ce texte en une phrase: The product arrived on time but the "
                                         "packaging was damaged and one part was missing entirely, which was "
                                         "very disappointing for me.",
                                         "Le produit est arrivé à temps, mais l'emballage était abîmé et une pièce "
                                         "manquait."),
    "link": (EN, "https://portal.example.com/konto/passwort-vergessen?sprache=deutsch&weiter=anmeldeseite-neu"),
}


@pytest.mark.parametrize("case", sorted(REAL_WORLD))
def test_real_world_answers_do_not_fire(tmp_path, case):
    question, answer = REAL_WORLD[case]
    rows = [{"instruction": question, "output": answer}, {"instruction": EN, "output": FR_ANSWER}]
    [q] = codes(ftprep.check(write(tmp_path / "t.jsonl", rows), min_rows=1, task="text"), "Q031")
    assert q.count == 1 and q.lines == (2,)  # the plain French answer, and only it


def test_the_prompt_naming_its_own_language_still_fires():
    # "Write in English" names the question's own language: a French answer is a mismatch.
    question = "Write in English, please: how can I reset my password on the company portal?"
    named = language.named_languages(question)
    assert named == {"en"} and language.mismatch(question, FR_ANSWER, named)[:2] == ("en", "fr")
    assert language.named_languages("Réponds en français, s'il te plaît") == {"fr"}
    assert language.named_languages("用中文回答") == {"zh"}
    assert language.asks_for_translation("Übersetze bitte diesen Satz") and not language.asks_for_translation(EN)


def test_the_judged_sample_is_the_smallest_keys_and_moves_with_its_rows():
    tally = PairTally(sample=LanguageSample(size=4))
    answers = [FR_ANSWER + f" Étape {row}." for row in range(0, 100, 10)]
    for row, answer in zip(range(0, 100, 10), answers):
        tally.sample.offer(row, "output", EN, answer, EN, "text")
    smallest = sorted(range(10), key=lambda i: pair_key(EN, answers[i]))[:4]
    [q] = answer_languages(tally, "f.jsonl", Options())
    assert tally.judged == 4 and q.count == 4 and q.rows == tuple(sorted(10 * i for i in smallest))
    tally.shift(5)
    assert [s.row for s in tally.sample.pairs()] == [10 * i + 5 for i in sorted(smallest)]


# Run in a fresh interpreter: whether the model is loaded is a fact about one process.
PROBE = textwrap.dedent("""
    import json, os, sys
    from py3langid.langid import MODEL_FILE
    opened = []
    def audit(event, args):
        # The packed model, or its unpacked copy (ftprep.engine.language_model).
        name = os.path.basename(str(args[0])) if event == "open" else ""
        if name == os.path.basename(MODEL_FILE) or name.startswith("langid-"):
            opened.append(os.getpid())
            with open(sys.argv[2], "a") as f:
                f.write(f"{os.getpid()}\\n")
    sys.addaudithook(audit)
    import ftprep
    from ftprep.engine import checker, language
    checker.PARALLEL_MIN_BYTES = 1
    kw = json.loads(sys.argv[3])
    report = ftprep.check(sys.argv[1], min_rows=1, **kw)
    q = [d.count for f in report.files for d in f.diagnostics if d.code == "Q031"]
    print(json.dumps({"loaded": language.loaded(), "q031": q, "pid": os.getpid()}))
""")


def probe(tmp_path, path, **kw):
    log = tmp_path / f"opened-{len(os.listdir(tmp_path))}.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", PROBE, path, str(log), json.dumps(kw)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    opened = log.read_text().split() if log.exists() else []
    return out, [int(p) for p in opened]


def test_the_model_is_loaded_only_when_needed_and_only_by_the_parent(tmp_path):
    rows = [{"prompt": EN, "chosen": EN_ANSWER, "rejected": "no"}] * 300 + [
        {"prompt": EN, "chosen": FR_ANSWER, "rejected": "no"}]
    path = write(tmp_path / "d.jsonl", rows)
    out, opened = probe(tmp_path, path, workers=2)
    assert out["loaded"] and out["q031"] == [1]
    assert opened == [out["pid"]]  # opened once, by the process that finished the file, not by a worker
    for deselected in ({"ignore": "Q031"}, {"select": "Q030"}, {"per_file_ignores": {"d.jsonl": "Q"}}):
        out, opened = probe(tmp_path, path, workers=1, **deselected)
        assert not out["loaded"] and opened == [] and out["q031"] == []
    short = write(tmp_path / "s.jsonl", [{"prompt": "Hi", "chosen": "Bonjour à vous tous !", "rejected": "no"}] * 50)
    out, opened = probe(tmp_path, short, workers=1)
    assert not out["loaded"] and opened == []
