"""The text rules' prefilters (ftprep.engine.text_suspects) as polars expressions
over a column of texts: which rows may hold an empty or whitespace-only text, a
control token, a placeholder, a credential or personal data, or junk.

Each prefilter is a superset at native speed (a literal search, a regex whose
classes hold the Python rule's), and the Python rule itself then runs on the
texts it keeps only: a row is flagged on the rule's answer, never on the
prefilter's, so a loose prefilter costs time and never changes a verdict.
"""

from __future__ import annotations

import typing as t

from ftprep.engine import answer_tally, secret_anchors, secrets_scan
from ftprep.tasks import junk, placeholders
from ftprep.tasks.control import control_literals

if t.TYPE_CHECKING:
    import polars as pl

# A credential's key-like name followed by ':' or '=' (secret_anchors.separated); polars'
# \w and \s are Unicode, so this finds at least what the ASCII rule finds.
_KEYLIKE = "(?:" + "|".join(sorted(secret_anchors.KEYLIKE_ANCHORS)) + r")[\w-]{0,8}[\"']?\s{0,8}[:=]"
# The runs of digits and the IBAN heads of secret_anchors.anchors (a backslash counts as a
# separator there, in a JSON line; here too, for a superset). The IBAN head is looked for only
# in texts with a digit: a regex led by a class of 26 letters crawls.
_DIGITS, _IBAN = r"[0-9][0-9 .()/+\\-]{5,}[0-9]", r"[A-Z]{2}[0-9]{2}"
_OTHER_ANCHORS = [a for a in secret_anchors.CREDENTIAL_ANCHORS if a not in secret_anchors.KEYLIKE_ANCHORS]
# A text whose first character is printable ASCII (not a space) is not whitespace only.
_MAY_BE_BLANK = r"^[^!-~]"
_whitespace: list[str] = []


def whitespace() -> str:
    """Every character `str.isspace` holds (none lies above U+3000), for polars' strip."""
    if not _whitespace:
        _whitespace.append("".join(filter(str.isspace, map(chr, range(0x3001)))))
    return _whitespace[0]


def folded(literals: t.Iterable[str]) -> list[str]:
    """The literals with their ASCII letters in lower case, for a search that ignores ASCII case
    (it finds at least every literal; other letters keep their case, as that search keeps them)."""
    return sorted({"".join(c.lower() if c.isascii() else c for c in x) for x in literals})


def suspect_rows(texts: pl.DataFrame, kept: t.Collection[str], flagged: set[int]) -> set[int]:
    """The rows (`texts`: columns r, its row; content; trained, whether the junk rules of
    structure judge it) holding a null or empty text or a control token, or a finding of
    the kept families' rules (ftprep.engine.text_suspects.families); added to `flagged`,
    the rows already sent on, whose texts need no further search."""
    import polars as pl

    content, trained = pl.col("content"), pl.col("trained")
    anchors = [*(_OTHER_ANCHORS if "secrets" in kept else ()), *(junk.TEXT_MARKS if "junk" in kept else ())]
    marks = {"row": content.is_null() | (content == "") | content.str.contains_any(control_literals()),
             "blank": content.str.contains(_MAY_BE_BLANK),
             # one pass for both families' literals, ignoring ASCII case (fewer patterns: a faster automaton)
             "anchor": content.str.contains_any(folded(anchors), ascii_case_insensitive=True) if anchors
             else pl.lit(False)}
    if "placeholders" in kept:
        marks["placeholder"] = content.str.contains_any(list(placeholders.RAW_LITERALS))
    if "secrets" in kept:
        marks["keylike"] = content.str.contains(_KEYLIKE)
        marks["digits"] = content.str.contains(_DIGITS)
        marks["digit"] = content.str.contains("[0-9]")
    if "junk" in kept:
        marks["fence"] = trained & content.str.contains("```", literal=True)
        marks["long"] = trained & (content.str.len_bytes() >= junk.LOOP_COPIES * junk.LOOP_CHARS)
    found = texts.select("r", "content", **{k: v.fill_null(True) for k, v in marks.items()}).with_row_index("i")
    hit = found.filter(pl.any_horizontal(*marks))
    rows = set(flagged)
    rows.update(hit.filter(pl.col("row")).get_column("r").to_list())
    # On the texts kept, each rule's finer prefilters (on the texts of their mark only: polars
    # computes both sides of an `&`), then the rule on the texts any of them keeps.
    checks: list[tuple[t.Callable[[str], t.Any], list[tuple[str, t.Any]]]] = [(str.isspace, [("blank", None)])]
    if "secrets" in kept:
        checks.append((secrets_scan.scan_text, [("anchor", content.str.contains_any(_OTHER_ANCHORS)),
                                                ("keylike", None), ("digits", None),
                                                ("digit", content.str.contains(_IBAN))]))
    if "junk" in kept:
        stripped = content.str.strip_chars_end(whitespace())
        # A loop's last LOOP_CHARS characters occur again within LOOP_MAX_SPAN before them.
        window = stripped.str.head(-junk.LOOP_CHARS).str.tail(junk.LOOP_MAX_SPAN)
        checks += [(junk.marked, [("anchor", content.str.contains_any(junk.TEXT_MARKS))]),
                   (junk.unclosed_fence, [("fence", content.str.count_matches("```", literal=True) % 2 == 1)]),
                   (junk.loop, [("long", window.str.contains(stripped.str.tail(junk.LOOP_CHARS), literal=True))])]
    for rule, prefilters in checks:
        left = hit.filter(~pl.col("r").is_in(sorted(rows))) if rows else hit
        parts = [left.filter(pl.col(mark)) for mark, _ in prefilters]
        parts = [part if finer is None else part.filter(finer.fill_null(True)) for part, (_, finer) in
                 zip(parts, prefilters)]
        part = pl.concat(parts).unique("i") if len(parts) > 1 else parts[0]
        rows.update(r for r, x in zip(part.get_column("r").to_list(), part.get_column("content").to_list())
                    if rule(x))
    if "placeholders" in kept:
        part = hit.filter(pl.col("placeholder") & ~pl.col("r").is_in(sorted(rows)))
        owners = part.get_column("r").to_list()
        rows.update(owners[k] for k in placeholders.placeholder_suspects(part.get_column("content").to_list()))
    return rows


def count_answers(scan: t.Any, field: str | None, answers: pl.Series, rows: pl.Series, first: int) -> None:
    """Count trained answers (`rows`: their rows in the frame, `first` the frame's first row)
    into Q026's tally, pulling into Python only those whose last character (trailing
    whitespace aside) is a letter: the only ones ftprep.engine.answer_tally measures."""
    lasts = answers.str.strip_chars_end(whitespace()).str.tail(1).to_list()
    cut = [k for k, last in enumerate(lasts) if last is not None and last.isalpha()]
    at = rows.gather(cut).to_list()
    answer_tally.count(scan, field, answers.gather(cut).to_list(), lambda k: first + at[k], len(answers))


__all__ = ["count_answers", "folded", "suspect_rows", "whitespace"]
