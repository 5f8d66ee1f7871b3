"""Explanations of the Q codes of DPO pairs and answer language: (meaning,
why the trainer cares, example, fix) by code."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "Q030": (
        "Over the whole file, the chosen answer is the longer one in more than 80% of the pairs (counted in characters, "
        "only with at least 20 pairs). The report's statistics give the share and the mean chosen/rejected length ratio.",
        "DPO raises the likelihood of the chosen answer against the rejected one; when length alone separates them, the "
        "cheapest preference to learn is verbosity, and the tuned model pads its answers. The job trains, but on the "
        "wrong signal.",
        '{"prompt": "2+2?", "chosen": "The answer is 4, because adding two and two gives four.", "rejected": "4"}\n'
        "... and so in 9 pairs of 10",
        "Add pairs where the shorter answer is the better one, or trim the chosen answers to the length the task needs.",
    ),
    "Q031": (
        "The chosen answer of a DPO pair, or the output of a text row, is in another language than its prompt "
        "(instruction). Both must have at least 40 letters and be "
        "identified (py3langid, offline): the prompt's language with probability 0.95 or more, the answer's "
        "probability of being in that language under 0.05; prompts that ask for a translation or a "
        "language are not judged. At most the first 500 pairs long enough to judge are judged per file (per 64 MB range of a big file): the count is of those.",
        "The trained answer teaches the model to reply in a language the user did not write in; at scale the tuned "
        "model switches language unprompted.",
        '{"prompt": "How can I reset my password on the company portal, please?", '
        '"chosen": "Vous pouvez le réinitialiser depuis la page de connexion du portail.", "rejected": "No idea."}',
        "Answer in the prompt's language, or drop the pair; for a translation set, say so in the prompt.",
    ),
}
