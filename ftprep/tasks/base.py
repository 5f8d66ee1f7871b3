"""What every task module shares: findings and value checks.

A task module gives the engine two views of one set of rules:

- `row_type` and `is_clean`: a typed msgspec struct and a cheap predicate. A row
  that decodes into the struct and passes the predicate has no findings. This is
  the fast path; it may only be conservative (send a fine row to `explain`).
- `explain`: the full rules on a generically decoded row, yielding every finding
  with its field. Only rows the fast path rejects reach it.

Tests assert that the two agree on every golden case and on random rows.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import typing as t

import msgspec

CHAT_TEMPLATES = ("chatml", "llama3", "qwen3", "mistral_v3_tekken", "deepseek_v3", "phi_4", "gemma3")

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


def control_patterns(extra: tuple[str, ...] = MEDIA_TOKENS) -> dict[str, re.Pattern[str]]:
    """First character -> the pattern of the control tokens (and `extra`) that start with it."""
    lt = sorted({*_LT, *(s[1:] for s in extra)}, key=len, reverse=True)
    return {"<": re.compile("<(?:" + "|".join(re.escape(s) for s in lt) + ")"),
            "[": re.compile(r"\[(?:" + "|".join(re.escape(s) for s in _BR) + ")")}


_PATTERNS = control_patterns(())


# A key declared with this type makes any row that has it fail the typed
# decode, so the row goes to `explain` (collisions, dropped columns).
NEVER = t.Annotated[t.Literal["\x00ftprep-never\x00"], msgspec.Meta(description="never")]
# Empty strings fail the typed decode; whitespace-only ones are caught by the
# engine's `str.isspace` pass over the decoded texts (a regex constraint here
# would cost more than the whole decode).
NonBlank = t.Annotated[str, msgspec.Meta(min_length=1)]


class Finding(t.NamedTuple):
    """A diagnostic before the engine gives it a place (path, line, row)."""

    code: str
    message: str
    field: str | None = None
    hint: str | None = None


MISSING = object()


def kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def a(kind_name: str) -> str:
    """'a list', 'an object', 'null'."""
    if kind_name == "null":
        return kind_name
    return ("an " if kind_name[:1] in "aeiou" else "a ") + kind_name


def check_text(value: object, field: str, what: str) -> list[Finding]:
    """The rules for a required text value (instruction, output, prompt, ...)."""
    what = f"'{field}'" if field == what else f"{what} '{field}'"
    if value is MISSING or value is None:
        absent = "absent" if value is MISSING else "null"
        return [Finding("V001", f"{what} is {absent}", field)]
    if isinstance(value, str):
        if not value.strip():
            shown = "empty" if value == "" else "whitespace only"
            return [Finding("V002", f"{what} is {shown}", field)]
        return control_tokens(value, field)
    if isinstance(value, (list, dict)):
        return [Finding(
            "V003",
            f"{what} is {a(kind(value))}, not text; the trainer would train on its Python repr",
            field,
            "flatten it to a string, or use ftprep convert",
        )]
    return [Finding("V004", f"{what} is {a(kind(value))}; it will be stringified", field,
                    "store text as JSON strings")]


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


# Unfilled template slots in trained text (V010): the model would learn to
# write them. A text is searched for, in this order:
#   {{name}}, {{ user.name }}   double braces around a dotted identifier;
#   {name}                      single braces around a bare identifier (not {x}, {x_n});
#   <PLACEHOLDER>, <YOUR_NAME>  3+ capitals, digits, _ or - between <>;
#   [INSERT ...], [YOUR ...]    a capitalised slot word in square brackets.
# (Lorem ipsum is left out: its substring search would cost the fast path ~10% more.)
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
_SLOT = re.compile(r"\[(?:INSERT|YOUR|ENTER|ADD|FILL IN|PLACEHOLDER|TBD|TODO)\b[^\[\]\n]{0,60}\]")
_NOT_SLOTS = frozenset(
    "ABBR ARTICLE AUDIO BODY BUTTON CANVAS CAPTION CENTER CODE DIV EMBED FONT FOOTER FORM FRAME HEAD HEADER HTML "
    "IFRAME IMG INPUT LABEL LINK MAIN META NAV OBJECT OPTION PRE SCRIPT SECTION SELECT SMALL SPAN STRONG STYLE SUB SUP "
    "SVG TABLE TBODY TEXTAREA TFOOT THEAD TITLE VIDEO ENTER RETURN ESC ESCAPE TAB SPACE CTRL ALT SHIFT DEL DELETE "
    "BACKSPACE HOME END INSERT PGUP PGDN CRLF EOF EOL NUL NULL BLANKLINE EOS BOS UNK PAD SEP CLS MASK".split())
# The fast path's test: a superset of every form above, even after code spans
# are cut out (a cut leaves one space, which only `{{ name }}` can absorb).
# Supersets of the rules above, tried at each literal by the fast path ({x}: one letter is never one).
_RAW = (("{", re.compile(r"\{(?:\{|[A-Za-z_]\w+\})")), ("<", re.compile(r"<[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)*>")),
        ("[", re.compile(r"\[(?:INSERT|YOUR|ENTER|ADD|FILL|PLACEHOLDER|TBD|TODO)")))


def placeholder(text: str) -> str | None:
    """The first unfilled placeholder in `text` (rules above), or None."""
    if not ("{" in text or "<" in text or "[" in text):
        return None
    prose = _CODE_SPANS.sub(" ", text) if "`" in text or "~~~" in text or "$" in text or "\\" in text else text
    if _CODE_LIKE.search(prose) or _is_json(prose.strip()):
        return None
    found = [m for m in (_SLOT.search(prose), _DOUBLE.search(prose), _SINGLE.search(prose)) if m]
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


def collisions(columns: t.Iterable[str], renames: list[tuple[str, str]]) -> list[Finding]:
    """Simulate the trainer's renames, in its order, on the columns present.

    `datasets.rename_column` raises when the new name is already a column; the
    trainer skips a rename whose source already has the standard name.
    """
    current = set(columns)
    out = []
    for source, standard in renames:
        if source == standard or source not in current:
            continue
        if standard in current:
            out.append(Finding(
                "S002",
                f"renaming '{source}' to the trainer's '{standard}' collides with the existing column '{standard}'",
                standard,
                f"drop or rename the column '{standard}', or run ftprep convert",
            ))
            continue
        current.discard(source)
        current.add(standard)
    return out


def holds_data(value: object) -> bool:
    """False for a value whose loss loses nothing: null, blank text, an empty list or object."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return True


def dropped_columns(row: t.Mapping[str, t.Any] | t.Iterable[str], mapped: t.Collection[str],
                    candidates: t.Iterable[str], why: str) -> list[Finding]:
    """S003 for each unmapped column of the row that holds data; an empty one
    loses nothing when the trainer drops it. Given only column names, every
    column counts as holding data."""
    values = row if isinstance(row, t.Mapping) else dict.fromkeys(row, True)
    return [
        Finding("S003", f"column '{c}' is not mapped; the trainer drops it ({why})", c,
                "fold it into a mapped column with ftprep convert")
        for c in candidates if c in values and c not in mapped and holds_data(values[c])
    ]


# A dropped column may pass the fast path only when it holds nothing (S003
# names only values that hold data); anything else sends the row to `explain`.
NOTHING = t.Optional[t.Literal[""]]


def struct_type(name: str, fields: list[tuple[str, t.Any]], never: t.Iterable[str] = (),
                frozen: bool = True, droppable: t.Iterable[str] = ()) -> type[msgspec.Struct]:
    """Build the typed row struct for a mapping. Column names can be anything,
    so attributes are positional (`f0`, `f1`, ...: the trained columns) renamed
    to the real keys. A `never` column fails the decode whenever it is present,
    a `droppable` one unless it is null or ""."""
    spec: list[tuple[str, t.Any, t.Any]] = []
    taken = {c for c, _ in fields}
    for i, (column, typ) in enumerate(fields):
        spec.append((f"f{i}", typ, msgspec.field(name=column)))
    for j, column in enumerate(c for c in never if c not in taken):
        spec.append((f"n{j}", NEVER, msgspec.field(default=msgspec.UNSET, name=column)))
    taken.update(never)
    for j, column in enumerate(c for c in droppable if c not in taken):
        spec.append((f"d{j}", NOTHING, msgspec.field(default=msgspec.UNSET, name=column)))
    return msgspec.defstruct(name, spec, frozen=frozen, gc=False)  # type: ignore[return-value]
