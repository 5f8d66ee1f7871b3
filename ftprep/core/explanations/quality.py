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
}
