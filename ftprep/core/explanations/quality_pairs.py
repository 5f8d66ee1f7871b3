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
        "The chosen answer of a DPO pair, the output of a text row, or the last assistant turn of a chat row is in "
        "another language than its prompt (the instruction, the user turn before that assistant turn). What is "
        "judged is prose: code blocks, inline code, math, links and tags are cut out, and a side left with fewer "
        "than 40 letters, with more than 5% code symbols (code without fences, formulas) or with mostly "
        "capitalised words (a list of names) is not judged. The prompt's language must be identified (py3langid, "
        "offline) with probability 0.95 or more and the answer's probability of being in it must be under 0.05. "
        "A prompt (or a chat's user and system turns) that asks for a translation (translate, traduis, übersetze, "
        "翻译...), names another language (\"answer in French\", \"en español\") or has a part in the answer's "
        "language (an English instruction over a German text) is not a mismatch. The first 500 pairs long enough "
        "are sampled per file (per 64 MB range of a big file), at most 2,000 judged per file: the count is of those.",
        "The trained answer teaches the model to reply in a language the user did not write in; at scale the tuned "
        "model switches language unprompted.",
        '{"prompt": "How can I reset my password on the company portal, please?", '
        '"chosen": "Vous pouvez le réinitialiser depuis la page de connexion du portail.", "rejected": "No idea."}',
        "Answer in the prompt's language, or drop the pair; for a translation set, say so in the prompt "
        "(\"Translate into French: ...\").",
    ),
}
