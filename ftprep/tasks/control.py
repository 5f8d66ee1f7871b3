"""Chat-template control strings inside text: the tokenizer turns each into a real special token."""

from __future__ import annotations

import re

from ftprep.tasks.finding import Finding

# Control strings of the 7 template families. Any of them inside content is
# turned into a real special token by the tokenizer. `<s>`/`</s>` are left out:
# they are common HTML.
CONTROL_TOKENS = (
    "<|im_start|>", "<|im_end|>", "<|im_sep|>", "<|endoftext|>",
    "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
    "[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[SYSTEM_PROMPT]",
    "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>",
    "<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>",
)
# The same search for the engine's block pass over decoded texts: one pattern
# per first character, because `re` finds a literal first character fast but
# crawls through a character class.
_LT = sorted({s[1:] for s in CONTROL_TOKENS if s.startswith("<")}, key=len, reverse=True)
_BR = sorted({s[1:] for s in CONTROL_TOKENS if s.startswith("[")}, key=len, reverse=True)
assert all(s[0] in "<[" for s in CONTROL_TOKENS)


# LLaMA-Factory's media placeholders: not control tokens, but a row holding one
# must leave the fast path too (the chat rules report multimodal rows).
MEDIA_TOKENS = ("<image>", "<video>", "<audio>")


def control_literals(extra: tuple[str, ...] = MEDIA_TOKENS) -> list[str]:
    """Every string `control_patterns` finds (the control tokens and `extra`), for a literal search."""
    return sorted({*CONTROL_TOKENS, *extra})


def control_patterns(extra: tuple[str, ...] = MEDIA_TOKENS) -> dict[str, re.Pattern[str]]:
    """First character -> the pattern of the control tokens (and `extra`) that start with it."""
    lt = sorted({*_LT, *(s[1:] for s in extra)}, key=len, reverse=True)
    return {"<": re.compile("<(?:" + "|".join(re.escape(s) for s in lt) + ")"),
            "[": re.compile(r"\[(?:" + "|".join(re.escape(s) for s in _BR) + ")")}


_PATTERNS = control_patterns(())


def control_tokens(text: str, field: str) -> list[Finding]:
    hits = [m for c, p in _PATTERNS.items() if c in text and (m := p.search(text))]
    if not hits:
        return []
    found = min(hits, key=lambda m: m.start())  # the first token in the text, as one regex would find
    return [Finding(
        "C016",
        f"'{found.group()}' inside the text becomes a real special token",
        field,
        "remove or escape chat-template control strings",
    )]
