"""Unfilled template slots in trained text (V010), for `explain` and for the fast path."""

from __future__ import annotations

import bisect
import itertools
import json
import re

from ftprep.tasks.finding import Finding

# Unfilled template slots in trained text (V010): the model would learn to
# write them. A text is searched for, in this order:
#   {{name}}, {{ user.name }}   double braces around a dotted identifier;
#   {name}                      single braces around a bare identifier (not {x}, {x_n});
#   <PLACEHOLDER>, <YOUR_NAME>  3+ capitals, digits, _ or - between <>;
#   [INSERT ...], [YOUR ...]    a capitalised slot word in square brackets.
#   Lorem ipsum, lorem ipsum    filler text (the fast path finds it with the junk
#                               rules' one multi-pattern search: ftprep.tasks.junk).
# Code, markup and math are never searched: fenced blocks, `inline code`,
# $...$, $$...$$, \(...\) and \[...\] are cut out first, and a text that still
# looks like code or JSON (a code keyword or `name =` at a line start, f"..",
# $"..", .format(, print(, format!(, =>, {% %}, a closing </tag>, "key": or
# a JSON object or array) is not searched at all. A single brace after a
# letter, digit, backslash, $, ^, _, %, # or } is LaTeX, shell or a format
# spec, not a slot. <CAPS> skips upper-case HTML tags, key names (<ENTER>) and token names
# (<UNK>); [Your Name] in mixed case is a slot a drafted letter leaves for its
# reader, and [1] a citation: neither is searched.
_CODE_SPANS = re.compile(r"(`{3,}|~{3,})[^\n]*\n.*?(?:\n[ \t]*\1|\Z)|`[^`\n]+`|\$\$.*?\$\$|\$[^$\n]+\$"
                         r"|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_CODE_LIKE = re.compile(
    r"^[ \t]*(?:def|class|import|from\s+\S+\s+import|return|function|const|let|var|public|private|static"
    r"|#include|package|using|fn|func|SELECT)\b|^[ \t]*[A-Za-z_][\w.]*[ \t]*=[^=]|\bf[\"']|\$\"|\.format\("
    r"|\b(?:print|printf|println|format)!?\(|console\.log\(|=>|\{%|%\}|</[A-Za-z]|\"[^\"\n]{1,40}\"\s*:", re.M)
_DOUBLE = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}")
# 2+ characters, and not a letter and a subscript ({x}, {x_n}: math sets and sequences).
_SINGLE = re.compile(r"(?<![\w\\$^_%#{}])\{(?![A-Za-z](?:_\w*)?\})[A-Za-z_]\w+\}(?!\})")
_CAPS = re.compile(r"(?<![\w<])<([A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)*)>")
_LOREM = re.compile(r"[Ll]orem ipsum")
_SLOT = re.compile(r"\[(?:INSERT|YOUR|ENTER|ADD|FILL IN|PLACEHOLDER|TBD|TODO)\b[^\[\]\n]{0,60}\]")
_NOT_SLOTS = frozenset(
    "ABBR ARTICLE AUDIO BODY BUTTON CANVAS CAPTION CENTER CODE DIV EMBED FONT FOOTER FORM FRAME HEAD HEADER HTML "
    "IFRAME IMG INPUT LABEL LINK MAIN META NAV OBJECT OPTION PRE SCRIPT SECTION SELECT SMALL SPAN STRONG STYLE SUB SUP "
    "SVG TABLE TBODY TEXTAREA TFOOT THEAD TITLE VIDEO ENTER RETURN ESC ESCAPE TAB SPACE CTRL ALT SHIFT DEL DELETE "
    "BACKSPACE HOME END INSERT PGUP PGDN CRLF EOF EOL NUL NULL BLANKLINE EOS BOS UNK PAD SEP CLS MASK".split()
    # The typed placeholders convert --redact writes (ftprep.engine.secrets_scan's labels): the
    # user chose to train them, and V010 would undo the remedy it suggests.
    + "AWS_ACCESS_KEY AZURE_STORAGE_KEY GITHUB_TOKEN GITLAB_TOKEN SLACK_TOKEN STRIPE_KEY OPENAI_KEY SENDGRID_KEY "
      "PYPI_TOKEN NPM_TOKEN SQUARE_SECRET URL_PASSWORD GCP_API_KEY ANTHROPIC_KEY HF_TOKEN PRIVATE_KEY JWT SECRET "
      "EMAIL PHONE CARD_NUMBER IBAN IP_ADDRESS".split())
# The fast path's test: a superset of every form above, even after code spans
# are cut out (a cut leaves one space, which only `{{ name }}` can absorb).
# Supersets of the rules above, tried at each literal by the fast path ({x}: one letter is never one).
_RAW = (("{", re.compile(r"\{(?:\{|[A-Za-z_]\w+\})")), ("<", re.compile(r"<[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)*>")),
        ("[", re.compile(r"\[(?:INSERT|YOUR|ENTER|ADD|FILL|PLACEHOLDER|TBD|TODO)")))
# The literal every raw pattern starts with: a text holding none of them holds no placeholder.
RAW_LITERALS = tuple(literal for literal, _ in _RAW)


def placeholder(text: str) -> str | None:
    """The first unfilled placeholder in `text` (rules above), or None."""
    if not ("{" in text or "<" in text or "[" in text or "orem ipsum" in text):
        return None
    prose = _CODE_SPANS.sub(" ", text) if "`" in text or "~~~" in text or "$" in text or "\\" in text else text
    if _CODE_LIKE.search(prose) or _is_json(prose.strip()):
        return None
    found = [m for m in (_SLOT.search(prose), _DOUBLE.search(prose), _SINGLE.search(prose), _LOREM.search(prose)) if m]
    found += [m for m in _CAPS.finditer(prose) if len(m.group(1)) >= 3 and m.group(1) not in _NOT_SLOTS
              and not re.fullmatch(r"F\d+", m.group(1))][:1]
    return min(found, key=lambda m: m.start()).group() if found else None


def _is_json(text: str) -> bool:
    """A JSON object or array (an answer that is data, not prose)."""
    if not (text[:1] in "{[" and text[-1:] in "}]"):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def placeholders(value: object, field: str, what: str) -> list[Finding]:
    """V010 for trained text (`what`: "the output", "assistant message 3") holding a
    placeholder. `field` is the column, so the engine aggregates per file."""
    found = placeholder(value) if isinstance(value, str) else None
    if found is None:
        return []
    return [Finding("V010", f"'{found}' in {what} is an unfilled placeholder; the model learns to write it",
                    field, "fill in the placeholders (the model's real name, the real value) before training")]


def conversation_placeholders(messages: object, field: str) -> list[Finding]:
    """V010 once per conversation: the first assistant message holding a placeholder."""
    if not isinstance(messages, list):
        return []
    for i, m in enumerate(messages):
        if isinstance(m, dict) and m.get("role") == "assistant":
            out = placeholders(m.get("content"), field, f"assistant message {i}")
            if out:
                return out
    return []


def placeholder_suspects(texts: list[str]) -> list[int]:
    """Indices of the texts that may hold a placeholder. The texts are searched
    as one string (a NUL between texts, so no pattern spans two): str.find
    jumps from one literal to the next at memchr speed (5x `finditer`), and
    the raw pattern is tried only there."""
    joined = "\x00".join(texts)
    starts: list[int] = []
    for literal, pattern in _RAW:
        at = joined.find(literal)
        while at >= 0:
            if pattern.match(joined, at):
                starts.append(at)
            at = joined.find(literal, at + 1)
    if not starts:
        return []
    ends = list(itertools.accumulate(map((1).__add__, map(len, texts))))  # one past each text's NUL
    candidates = set()
    for at in starts:
        k = bisect.bisect_right(ends, at)
        if k not in candidates and not _fenced(texts[k], at - (ends[k - 1] if k else 0)):
            candidates.add(k)
    # Code and JSON answers match the raw patterns often; the full rule on the
    # few candidates left costs far less than explaining their whole rows.
    return [k for k in sorted(candidates) if placeholder(texts[k])]


def _fenced(text: str, at: int) -> bool:
    """Whether `at` lies inside a closed ``` block, which the rule cuts out first."""
    return text.count("```", 0, at) % 2 == 1 and text.find("```", at) >= 0
