"""Explanations of the S (columns), V (values), D (dataset) and G (grpo) codes:
(meaning, why the trainer cares, example, fix) by code."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "S001": (
        "A column the job maps (the task's default, or a --field-* you gave) is absent from every record.",
        "The trainer's prep renames the mapped columns to its standard names and raises 'column ... not found in dataset' when one is missing: the job ends in prep_task_failure.",
        'task chat, every row {"messages": [...]}: no "conversations" column',
        "Map the column the data has (--field-conversation messages), or rename it in the data.",
    ),
    "S002": (
        "Renaming a mapped column to the trainer's standard name would collide with a column that already has that name (mapping answer -> output while an 'output' column exists).",
        "datasets' rename_column raises when the target name exists, so prep fails before training.",
        '--field-output answer on {"question": "Q?", "answer": "A.", "output": "stale"}',
        "Drop or rename the existing column, or run ftprep convert, which writes only the canonical columns.",
    ),
    "S003": (
        "A column that looks like training data (text in most rows) is not mapped, e.g. an 'input' column beside instruction/output.",
        "The trainer's prep keeps only the mapped columns and drops the rest: that text never reaches the model.",
        'without --field-input: {"instruction": "Translate", "input": "Bonjour", "output": "Hello"}',
        "Map it with --field-*, or fold it into a mapped column (ftprep convert folds input into the instruction).",
    ),
    "S004": (
        "ftprep cannot infer the task (text, chat, dpo, grpo) from the columns, so it cannot check the rows.",
        "The trainer's prep looks for the job's mapped columns; data whose columns match no task will not have them, and prep fails with 'column ... not found'.",
        '{"foo": 1, "bar": 2}',
        "Pass --task text|chat|dpo|grpo and the --field-* mapping that names your columns.",
    ),
    "S005": (
        "convert cannot map a row's shape to the task's canonical columns (a DPO pair whose chosen and rejected do not share a prompt, a conversation with no turn to train).",
        "convert writes no canonical row for it; as it is, the row would not give the trainer's prep the columns the task needs.",
        '{"chosen": "\\n\\nHuman: A\\n\\nAssistant: x", "rejected": "\\n\\nHuman: B\\n\\nAssistant: y"}',
        "Fix the record, or map other columns with --field-*; convert --drop-invalid leaves such rows out.",
    ),
    "S006": (
        "A chat row has a 'tools' column (function schemas) beside its conversation.",
        "The trainer's prep keeps only the conversation column, so the schemas are dropped: the model learns to make the calls without ever seeing the tools they belong to.",
        '{"messages": [...], "tools": [{"type": "function", "function": {"name": "circle_area"}}]}',
        "State the tools in the system message if the model must see them; convert drops the column too.",
    ),
    "S007": (
        "A KTO row (label false) marks its answer as undesirable.",
        "The trainer's prep keeps only the conversation and drops the label, so SFT trains the undesirable answer as a target: the model learns exactly what the label says to avoid.",
        '{"messages": [{"role": "user", "content": "Summarise"}, {"role": "assistant", "content": "Ooh ooh"}], "label": false}',
        "Drop the row (ftprep convert --task chat drops label=false rows), or use the pairs for DPO.",
    ),
    "V001": (
        "A required value (instruction, output, prompt, chosen, rejected...) is null or absent from the row.",
        "prep str()s every value and makes null an empty string: an instruct row then trains on an empty prompt or answer, and a DPO row with an empty side is dropped by prep.",
        '{"instruction": null, "output": "x"}',
        "Fill in the value, or drop the row (ftprep convert --drop-invalid).",
    ),
    "V002": (
        "A required value (instruction, output, prompt, chosen, rejected...) is an empty string, or holds only whitespace (spaces, tabs, line feeds).",
        "prep keeps an instruct row with an empty value (it teaches nothing, and eval drops a sample with no trained label); DPO rows whose prompt, chosen or rejected is empty after strip() are dropped.",
        '{"instruction": "", "output": "x"}',
        "Fill in the value, or drop the row (ftprep convert --drop-invalid).",
    ),
    "V003": (
        "A list or an object where the task needs text (an instruction that is a list, a DPO chosen that is a message list).",
        "prep str()s every value of a text task, so the model is trained on the Python repr ['a', 'b'] or {'text': 'x'}, quotes and brackets included.",
        '{"instruction": ["a", "b"], "output": {"text": "x"}}',
        "Flatten it to a string; ftprep convert maps conversational DPO and message-list prompts to text.",
    ),
    "V004": (
        "A number or a boolean where text is expected (an output of 42).",
        "prep str()s it ('42', 'True'), which is usually what was meant; but a column that mixes numbers and strings fails to load in the validator's datasets (L004), and one that mixes integers and decimals turns 16 into '16.0' (L005).",
        '{"instruction": "What is 6*7?", "output": 42}',
        "Store text as JSON strings (\"42\").",
    ),
    "V005": (
        "A DPO pair whose chosen and rejected answers are identical.",
        "DPO learns from the difference between the two answers; an identical pair has none, and the validator's DPO evaluation logs it as CRITICAL (its predictions become random).",
        '{"prompt": "P", "chosen": "same", "rejected": "same"}',
        "Drop the pair or fix one side.",
    ),
    "V006": (
        "convert found a DPO pair whose chosen and rejected conversations have different prompts (the turns before the answer differ).",
        "DPO ranks two answers to one prompt; the trainer takes one prompt for the pair, so the other answer is trained against a prompt it does not answer.",
        '{"chosen": [{"role": "user", "content": "Capital of France?"}, ...], "rejected": [{"role": "user", "content": "Capital of Spain?"}, ...]}',
        "Pair two answers to the same prompt, or drop the pair.",
    ),
    "V007": (
        "convert dropped rows that a KTO label marks undesirable (label false); this note counts them.",
        "The trainer's prep drops the label, so SFT would have trained those answers as targets (S007); leaving them out is what keeps them from being learnt.",
        '{"messages": [...], "label": false}  (left out of the output)',
        "Nothing to do unless the labels are wrong; keep the pairs for a DPO job if you want to use them.",
    ),
    "V010": (
        "Trained text (an assistant turn, a text output, a DPO chosen) holds an unfilled template placeholder: {{name}}, {name}, <PLACEHOLDER>, [INSERT ...], [YOUR ...] or lorem ipsum filler, outside code, math and JSON. One finding per file, with the count.",
        "The trainer trains on the text as it is, so the model learns to write '{{name}}' in its answers.",
        '{"conversations": [..., {"role": "assistant", "content": "Hello! I am {{name}}, an AI assistant."}]}',
        "Fill in the placeholders (the model's real name, the real value) before training.",
    ),
    "D001": (
        "A row repeats an earlier row in the columns the trainer keeps (other columns may differ).",
        "A duplicate is trained twice, over-weighting it, and the trainer's random train/test split can put one copy in the test split: evaluation then scores rows the model was trained on.",
        '{"instruction": "Say hi", "output": "hi"}\n{"instruction": "Say hi", "output": "hi", "id": 7}',
        "Remove the copies (keep one of each).",
    ),
    "D002": (
        "The dataset has fewer rows than the service's minimum (8,000 by default; --min-rows sets the job's own).",
        "The trainer's prep counts the rows before any filtering and fails with 'Dataset has only N rows, minimum required is M' (the minimum has changed over time: 2,000, 4,000, 8,000).",
        "a file of 2 rows, with the minimum at 8,000",
        "Add data, or set --min-rows if your job's minimum differs.",
    ),
    "D003": (
        "More than 80% of the rows are empty (every kept value null, empty or whitespace).",
        "The trainer's prep fails with 'More than 80% of rows are fully empty': the job ends in prep_task_failure.",
        '{"instruction": "Say hi", "output": "hi"}\n{"instruction": "", "output": ""}\n{"instruction": null, "output": " "}\n'
        '{"instruction": "", "output": null}\n{"instruction": " ", "output": ""}\n{"instruction": "", "output": ""}',
        "Check the column mapping (--field-*): empty rows usually mean the wrong columns are mapped; otherwise drop them.",
    ),
    "G001": (
        "An extra column of a GRPO row holds an object or a list instead of a JSON string.",
        "prep str()s it to Python repr ({'lang': 'en'}), which is not JSON: a reward function that json.loads it raises, is removed at validation, and with none left prep fails with 'No valid reward functions remain'.",
        '{"prompt": "Name a color", "meta": {"lang": "en", "tags": ["easy"]}}',
        "Store extra columns as JSON strings (ftprep convert does).",
    ),
}
