"""Explanations of the Q codes of near duplicates and leakage:
(meaning, why the trainer cares, example, fix) by code."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "Q001": (
        "Several rows say nearly the same thing in the trained columns: their 5-word spans (lower-cased words) "
        "overlap by an estimated Jaccard similarity of 0.8 or more (MinHash with 64 permutations and LSH). "
        "Reported once per group, at its first row, naming the others. Exact repeats are D001, not this. "
        "Checked with --near-duplicates (config near-duplicates = true).",
        "The trainer trains on every row: a group of near copies is one example weighted several times, so the "
        "model overfits its wording, and with the trainer's own held-out split a copy in each half makes the "
        "evaluation loss look better than the model is.",
        '{"instruction": "Write a haiku about the autumn sea and falling leaves", "output": "Waves fold gold leaves"}\n'
        '{"instruction": "Write a haiku about the autumn sea and falling leaves.", "output": "Waves fold gold leaves!"}',
        "Keep one row of each group, or make the rows really differ.",
    ),
    "Q002": (
        "A training row's trained text is, word for word, a row of the evaluation data named with --eval (a local "
        "file, hf://OWNER/NAME[@REV][:SPLIT] or a JSON Lines URL), or, with --trainer-split, a row of the test "
        "split the trainer carves out of the same data (10%, at most 1,000 rows, datasets' train_test_split with "
        "seed 42, reproduced exactly). Inside one file the copy is also D001; this says it sits on both sides.",
        "The model is trained on the answer it is then scored on: the evaluation loss or score measures memory, "
        "and looks better than the model is.",
        'train.jsonl: {"instruction": "Name the largest planet", "output": "Jupiter"}\n'
        'eval.jsonl:  {"instruction": "Name the largest planet", "output": "Jupiter"}',
        "Drop the row from training, or from the evaluation data.",
    ),
    "Q003": (
        "A training row is a near duplicate of an evaluation row (--eval: a file, hf:// or a URL) or of a row of "
        "the trainer's own test split (--trainer-split): an estimated Jaccard similarity of 0.8 or more over "
        "5-word shingles (MinHash, as Q001), not an exact copy.",
        "A reworded copy of a test row still teaches its answer: the evaluation measures memory of it.",
        "the evaluation row with one word changed, or a full stop added",
        "Drop the row from training, or from the evaluation data.",
    ),
    "Q004": (
        "A training row shares a run of 13 words with an evaluation row of --eval (a file, hf:// or a URL), and "
        "is not a duplicate or near duplicate of one: the n-gram overlap of the GPT-3 paper's decontamination. "
        "Only a RARE span counts (the GPT-3 paper's and NeMo Curator's rule, max_matches=10): one found in at most "
        "10 rows of the evaluation data and at most 10 rows of the training file (for more than a million rows, "
        "0.001% of them), each of its 8-word spans too. A system prompt, a task instruction or a template sentence "
        "that many rows share is boilerplate, not a leak, and so is a span that is mostly such text. Spans are "
        "matched by 64-bit hashes and every reported one is checked word by word.",
        "Thirteen rare words in a row are a copied passage, not a common phrase: the model sees part of a test "
        "answer in training, which inflates the evaluation.",
        "a training answer that quotes a 13-word sentence of an evaluation answer; not: 200 training rows and 5 "
        "evaluation rows that open with the same 40-word system prompt",
        "Drop or rewrite the row, or take the passage out of the evaluation data.",
    ),
    "Q005": (
        "ftprep convert --dedupe dropped rows whose trained text is an exact repeat of an earlier row (the rows D001 "
        "reports), and with --near-duplicates also the later rows of each near-duplicate group (Q001's MinHash), "
        "keeping the first row of each group in source order. The finding counts the rows dropped of each kind and "
        "names the first lines.",
        "The trainer trains on every row it is given: repeats weight one example several times, and a copy on each "
        "side of the trainer's own held-out split makes the evaluation loss look better than the model is. The "
        "converted file is what the trainer sees, so the report of the conversion is about the rows kept.",
        'ftprep convert in.jsonl -o out.jsonl --dedupe --near-duplicates\n'
        'in.jsonl: a row, the same row again, and the row with one word changed -> out.jsonl: the first row',
        "Nothing to fix: read the lines named if the count surprises you (a template that filled every row alike).",
    ),
}
