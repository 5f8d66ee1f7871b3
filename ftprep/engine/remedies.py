"""The remedies of `convert` besides --redact: --fix-text (Q027) and --dedupe (Q005).

`TextFix` repairs mojibake in every string of a converted row, and only
where Q022's rule (ftprep.tasks.junk.mojibake) finds it: a text ftfy would
leave alone, or one without a garbled span, is written as it came. The fix is
ftfy's `fix_text` with every fixer off but `fix_encoding` and its four
sub-steps (restore_byte_a0, replace_lossy_sequences, decode_inconsistent_utf8,
fix_c1_controls: the steps of the `fix_encoding` Q022 asks), so nothing
intentional is normalised away: no NFC (decomposed accents stay), no
uncurling of quotes, no HTML unescaping (code answers show `&amp;`), no
ligature or full-width folding (CJK text uses full-width forms), no
line-break or control-character changes (CRLF in a code sample stays),
no terminal escapes removed, no surrogate joining.

`Dedupe` drops a row whose trained text repeats an earlier row exactly (the
key D001 reports on: `RowChecker.line_key`), and with near duplicates the
later members of each Q001 group (MinHash, ftprep.engine.near_duplicates),
keeping the first row of each group. It holds 8 bytes a row (the key) and,
with near duplicates, the 128-byte signature: never a text.
"""

from __future__ import annotations

import array
import functools
import itertools
import os
import typing as t

from ftprep.core.diagnostics import MAX_PLACES, Diagnostic
from ftprep.disk.outputs import discard, temp_file
from ftprep.engine.secrets_scan import masked
from ftprep.engine.strings import mapped
from ftprep.tasks.junk import mojibake

# Q027's message names the first repair as 'before' -> 'after', cut to this many characters.
SHOWN = 40


@functools.lru_cache(maxsize=1)
def fix_config() -> t.Any:
    """ftfy's config with only the encoding repair on (why each is off: the module's docstring)."""
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_encoding=True, restore_byte_a0=True,
        replace_lossy_sequences=True, decode_inconsistent_utf8=True, fix_c1_controls=True,
        fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
        fix_surrogates=False, remove_control_chars=False, normalization=None, explain=False)


def fixed_text(text: str) -> str:
    """`text` repaired by ftfy where Q022 finds mojibake in it; any other text as it is."""
    if mojibake(text) is None:
        return text
    import ftfy

    return ftfy.fix_text(text, config=fix_config())


class TextFix:
    """What convert --fix-text repaired, over the rows of one conversion."""

    def __init__(self) -> None:
        self.texts = 0
        self.rows = 0
        self.lines: list[int] = []
        self.places: list[int] = []
        self.first_row: int | None = None
        self.first: tuple[str, str] | None = None

    def row(self, value: t.Any, line: int | None, row: int) -> t.Any:
        """`value` (a canonical row) with every string in it repaired."""
        before = self.texts
        out = self._walk(value)
        if self.texts > before:
            self.rows += 1
            if self.first_row is None:
                self.first_row = row
            if len(self.places) < MAX_PLACES:
                self.places.append(row)
                if line is not None:
                    self.lines.append(line)
        return out

    def _walk(self, value: t.Any) -> t.Any:
        return mapped(value, self._fixed)

    def _fixed(self, value: str) -> str:
        fixed = fixed_text(value)
        if fixed != value:
            self.texts += 1
            if self.first is None:
                self.first = (value, fixed)
        return fixed

    def diagnostic(self, path: str) -> Diagnostic | None:
        """Q027, at the first row repaired, with the count of texts and rows and the first repair."""
        if self.first is None:
            return None
        was, now = (_clip(masked(s)) for s in self.first)  # fixed before --redact: a key in it is starred
        return Diagnostic("Q027", f"convert --fix-text repaired the mojibake of {self.texts:,} text(s) in "
                          f"{self.rows:,} row(s) (the first: '{was}' -> '{now}')", path,
                          line=self.lines[0] if self.lines else None, row=self.first_row,
                          lines=tuple(self.lines) or None, rows=tuple(self.places),
                          hint="read a few repaired rows; re-export the source as UTF-8 if it is yours")


def _clip(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


class Dedupe:
    """The rows a conversion writes, by key (and signature), then the rows to drop."""

    def __init__(self, task: t.Any, canonical: t.Any, near: bool) -> None:
        from ftprep.engine.near_duplicates import Signatures
        from ftprep.engine.row_checker import RowChecker

        self.checker = RowChecker(task, canonical)
        self.columns = list(task.mapped(canonical).values())
        self.keys = array.array("q")
        self.signatures = Signatures() if near else None
        self.with_near = near
        self.exact = 0
        self.near = 0

    def add(self, encoded: bytes, row: dict[str, t.Any]) -> None:
        """One written row: its JSON line and its value."""
        from ftprep.engine.near_duplicates import system_text, text_of

        if self.signatures is not None:
            values = [row.get(c) for c in self.columns]
            self.signatures.add(len(self.keys), text_of(values), system_text(values))
        self.keys.append(self.checker.line_key(encoded))

    def dropped(self) -> bytearray:
        """A byte per written row: 1 an exact repeat of an earlier row, 2 a later member
        of a near-duplicate group, 0 kept. Exact repeats first: a near group keeps its first row."""
        from ftprep.engine.duplicates import duplicate_rows

        marks = bytearray(len(self.keys))
        for row, _ in duplicate_rows(self.keys):
            marks[row] = 1
        self.exact = marks.count(1)
        if self.signatures is not None:
            for group in self.signatures.groups():
                for row, _ in group.others:
                    if not marks[row]:
                        marks[row] = 2
            self.signatures = None  # the signatures are done with: free them before the check
        self.near = marks.count(2)
        return marks

    def diagnostic(self, path: str, marks: bytearray, lines: array.array, rows: array.array) -> Diagnostic | None:
        """Q005 at the first row dropped, with the counts and the first lines (`lines`, `rows`:
        each written row's source line and row)."""
        total = self.exact + self.near
        if not total:
            return None
        first = list(itertools.islice((i for i, m in enumerate(marks) if m), MAX_PLACES))
        placed = tuple(lines[i] for i in first if lines[i])
        near = f" and {self.near:,} near-duplicate" if self.with_near else " exact-duplicate"
        return Diagnostic("Q005", f"convert --dedupe dropped {self.exact:,}{' exact' if self.with_near else ''}{near} "
                          f"row(s), keeping the first row of each group", path,
                          line=placed[0] if placed else None, row=rows[first[0]],
                          lines=placed or None, rows=tuple(rows[i] for i in first),
                          hint="nothing to do: the output holds each text once" if self.with_near else
                          "add --near-duplicates to drop near duplicates too (Q001)")


def without(tmp: str, marks: bytearray, lines: array.array, rows: array.array) -> tuple[str, array.array, array.array]:
    """The JSON Lines file `tmp` staged again without the marked rows, and the source lines
    and rows of the rows kept. The caller discards both files."""
    fd, kept = temp_file(os.path.dirname(tmp), ".jsonl")
    kept_lines, kept_rows = array.array("q"), array.array("q")
    try:
        with open(tmp, "rb") as src, os.fdopen(fd, "wb") as out:
            for i, line in enumerate(src):
                if not marks[i]:
                    out.write(line)
                    kept_lines.append(lines[i])
                    kept_rows.append(rows[i])
    except BaseException:
        discard(kept)
        raise
    return kept, kept_lines, kept_rows


__all__ = ["Dedupe", "TextFix", "fix_config", "fixed_text", "without"]
