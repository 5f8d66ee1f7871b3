"""Explanations of the H (hub and URL) and T (templates and tokens) codes:
(meaning, why the trainer cares, example, fix) by code."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "H001": (
        "The Hub dataset repo, or the revision after @, does not exist, or is private to this token.",
        "The trainer loads the repo without your token: a missing or private repo fails at load, before anything is trained.",
        "hf://datasets/me/data@no-such-branch",
        "Check the repo name and the branch, tag or commit after @; make the repo public for the job.",
    ),
    "H002": (
        "datasets.load_dataset fails on the repo, as the trainer's load would (a file that does not parse, a bad YAML configs block).",
        "The trainer's prep starts with load_dataset on the repo; the same error ends the job in prep_task_failure.",
        "a repo whose train.jsonl holds a broken record",
        "Fix the repo's files or its YAML configs (ftprep push writes both).",
    ),
    "H003": (
        "The repo has several configs (subsets).",
        "The trainer loads only the first config that get_dataset_config_names lists, silently: the others are not trained.",
        "configs sft and raw: only 'sft' is loaded",
        "Keep one config, or put the training data first.",
    ),
    "H004": (
        "The repo has a loading script (a .py that builds the dataset).",
        "The trainer runs it (datasets<3 with trust_remote_code); ftprep runs no repo code, so it could not check the rows the script yields.",
        "my-dataset.py at the repo root",
        "Publish the rows as JSON Lines or Parquet with a YAML configs block (ftprep push does).",
    ),
    "H005": (
        "The repo's splits have different columns or types.",
        "The trainer concatenates every split (concatenate_datasets) before it splits again, and that needs one schema: splits whose columns or types differ fail the load.",
        "split 'test' has a 'system' column that 'train' lacks",
        "Give every split the same columns and types.",
    ),
    "H006": (
        "The data URL answers a GET without credentials with a status other than 200 (401, 403, 404...), after following redirects as the trainer does.",
        "The trainer downloads custom data with a plain GET and needs 200; it sends no credentials, so a 401, 403 or 404 fails the job at load.",
        "https://example.org/data.jsonl answering 401 Unauthorized",
        "Use a public or presigned URL, and check that it answers 200.",
    ),
    "T001": (
        "The row, rendered with the job's template, is longer than the sequence length (--max-seq-len; an estimate unless a tokenizer is given).",
        "The trainer drops rows longer than sequence_len (axolotl's default excess-length strategy): the row is never trained.",
        "a story of 62 tokens with --max-seq-len 40",
        "Shorten or split the row, or raise the sequence length of the job.",
    ),
    "T002": (
        "The rendered row has no trained (assistant) tokens: the template leaves no assistant content (deepseek_v3 drops <think> reasoning, an assistant turn that is all reasoning is left empty).",
        "Every label of the row is masked, so it teaches nothing; current axolotl keeps such rows rather than dropping them, and they cost compute.",
        'with --chat-template deepseek_v3: {"role": "assistant", "content": "<think>2 and 2 make 4.</think>"}',
        "Check the assistant turns: give them an answer after the reasoning.",
    ),
    "T003": (
        "DPO: the trainer cuts each response out of the template's rendering of the prompt plus the response, and here the cut keeps the wrong text (the template changed it: padding stripped, <think> removed).",
        "The response trained as chosen or rejected is not the one in the data, so the preference is learnt on garbled text.",
        'with --chat-template llama3: {"prompt": "Name a colour.", "chosen": "  Blue, like the sky.  ", "rejected": "Grey."}',
        "Remove padding and <think> blocks that the template changes.",
    ),
}
