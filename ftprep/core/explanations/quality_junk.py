"""Explanations of the Q codes of junk in trained text (Q020-Q026)."""

from __future__ import annotations

ENTRIES = {
    "Q020": (
        "A trained text (an assistant turn, a text output, a DPO chosen) is a refusal or AI boilerplate: \"As an AI language model\", \"I'm sorry, but I can't\", \"I cannot help with that\", \"I apologize, but I cannot\", or their French, German, Spanish and Chinese forms. One finding per file, with the count and the first lines.",
        "The trainer trains on the answer as it is: rows distilled from a chat model that refused teach the fine-tuned model to refuse, or to talk about being an AI instead of answering.",
        '{"conversations": [..., {"role": "assistant", "content": "As an AI language model, I cannot write poems."}]}',
        "Drop the rows, or replace the refusals with real answers.",
    ),
    "Q021": (
        "More than 2% of the rows, and at least 5, have a refusal or AI boilerplate as a trained answer (Q020's own detector, counted in rows: a conversation is one row). One finding per file, with the share and the count; Q020 still lists the rows.",
        "A few refusals in a large dataset are noise; past a few percent they are a behaviour the trainer teaches on every epoch: the fine-tuned model refuses ordinary requests or talks about being an AI.",
        '{"conversations": [..., {"role": "assistant", "content": "I\'m sorry, but I can\'t help with that."}]}  (in 3% of the rows)',
        "Drop the refusing rows (Q020's lines), or regenerate their answers; filter the source the rows were distilled from.",
    ),
    "Q022": (
        "A trained text holds mojibake: UTF-8 text that was once read as Windows-1252 or Latin-1 (\"cafÃ©\" for \"café\", \"itâ€™s\" for \"it’s\"), which ftfy's fix_encoding repairs. One finding per file, with the count.",
        "The tokenizer sees the garbled characters as they are, so the model learns to write them.",
        '{"conversations": [..., {"role": "assistant", "content": "Le cafÃ© est bon."}]}',
        "Run ftprep convert --fix-text, or re-read the source file as UTF-8.",
    ),
    "Q023": (
        "A trained text holds U+FFFD replacement characters (\ufffd): bytes that a decoder could not read were replaced, and the original characters are lost. One finding per file, with the count.",
        "The model learns to write the replacement character where the lost text was.",
        '{"conversations": [..., {"role": "assistant", "content": "Hello \\ufffd\\ufffd world"}]}',
        "Re-export the text from its source with the right encoding; nothing can recover it from this file.",
    ),
    "Q024": (
        "A trained text ends in a generation loop: one span of at least 4 words and 16 characters repeated at least 4 times in a row up to its end, the mark of a model's output that ran until its token limit. One finding per file, with the count.",
        "The trainer trains on the loop as a target, which teaches the model to repeat itself.",
        '{"conversations": [..., {"role": "assistant", "content": "and then we go back to and then we go back to and then we go back to and then we go back to"}]}',
        "Cut the loop from the answer, or drop the row.",
    ),
    "Q025": (
        "A trained text opens a ``` code fence and never closes it (an odd number of ```, and the last fence line opens a block): the answer was cut off. One finding per file, with the count.",
        "The model learns to stop in the middle of a code block.",
        '{"conversations": [..., {"role": "assistant", "content": "Here:\\n```python\\nprint(1)\\n"}]}',
        "Complete the answer (close the fence), or drop the row.",
    ),
    "Q026": (
        "At least 20 answers (a chat row's last assistant message, a text output, a DPO chosen), at least 5% of them and at least 5 end mid-word after 10 words or more (the last character is a letter: no sentence-final punctuation, closing quote or bracket, code fence or CJK 。！？), and at least half of those cut answers have one same length in characters or one same number of words. One finding per file, at the first such answer. A single answer ending mid-word is not reported: real answers end without punctuation (a name, a list item, a heading, a short reply), so one proves nothing; nor are short answers (labels such as \"positive\" share their length by nature); many long answers cut at one same length are the mark of a generator's max-length limit.",
        "The trainer trains on the cut answer as a complete target, so the model learns to stop in the middle of a word.",
        '{"instruction": ..., "output": "The main reason is that the water evaporates and the"}  (and many more cut at the same length)',
        "Regenerate the cut answers with a higher max length (or max_new_tokens), or drop them.",
    ),
    "Q027": (
        "ftprep convert --fix-text repaired mojibake in the converted rows' strings (trained or not) with ftfy's "
        "fix_text, with only its encoding repair on: a string is changed only where Q022's rule finds mojibake, "
        "and then only by re-decoding the garbled spans. No Unicode normalisation, quote uncurling, HTML "
        "unescaping, ligature or width folding, line-break or control-character change. The finding counts the "
        "texts and rows repaired and shows the first repair.",
        "The tokenizer sees garbled characters as they are, so the model would learn to write them; after the repair "
        "the rows read as their authors wrote them, and a check of the output reports no Q022.",
        '"Le cafÃ© est trÃ¨s bon." -> "Le café est très bon."',
        "Nothing to fix: read a few repaired rows, and re-export the source as UTF-8 if it is yours.",
    ),
}
