"""Dataset-level signals over the trained answers, counted in the scan's one pass.

    Q021  refusal share: more than REFUSAL_SHARE of the rows (and at least
          MIN_REFUSALS) have a refusal or AI boilerplate as a trained answer
          (Q020's own detector, ftprep.tasks.junk; Q020 stays the per-row finding).
          Counted in rows: a conversation with a refusal is one row, whatever
          its number of assistant turns.
    Q026  truncated answers: at least MIN_ANSWERS answers, at least CUT_SHARE of
          them (and MIN_CUT) end mid-word (the last character, trailing spaces
          aside, is a letter: no sentence-final punctuation, closing quote or
          bracket, code fence or CJK 。！？ can be a letter), and at least
          SAME_SHARE of those cut answers have one same length in characters or
          one same count of words: the mark of a generator's max-length cut. A
          single answer ending mid-word is not reported (answers legitimately
          end on a name, a list item or a heading).

The answers: a chat row's last message when it is the assistant's (the one a
length limit cuts), a text row's output, a DPO row's chosen answer; GRPO rows
have none. Only the rows the typed decode reads are counted (a row it refuses
has its own finding). Cost: a slice and str.isalpha per answer at C speed;
only answers that end in a letter are measured.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import operator
import typing as t

from ftprep.core.diagnostics import Diagnostic

REFUSAL_SHARE, MIN_REFUSALS = 0.02, 5
MIN_ANSWERS, CUT_SHARE, MIN_CUT, SAME_SHARE = 20, 0.05, 5, 0.5
# A short answer ending on a letter is a label, a name or a one-word reply ("positive", "Paris"), and
# labels share their length by nature: only answers of this many words can be a length limit's cut.
MIN_CUT_WORDS = 10


@dataclasses.dataclass
class AnswerTally:
    """Counts over the answers of one scan (merged in file order)."""

    field: str | None = None
    answers: int = 0
    cut: int = 0
    # Cut answers per length in characters and per count of words, and the first row of each.
    chars: collections.Counter[int] = dataclasses.field(default_factory=collections.Counter)
    words: collections.Counter[int] = dataclasses.field(default_factory=collections.Counter)
    first_chars: dict[int, int] = dataclasses.field(default_factory=dict)
    first_words: dict[int, int] = dataclasses.field(default_factory=dict)

    def add(self, answers: t.Sequence[str], place: t.Callable[[int], int], total: int | None = None) -> None:
        """Count `answers`; `place(k)` is the row of answer k. `total`: the answers counted,
        of which `answers` holds (at least) every one that ends in a letter, the ones measured."""
        self.answers += len(answers) if total is None else total
        stripped = list(map(str.rstrip, answers))
        lasts: t.Iterator[str] = map(operator.getitem, stripped, itertools.repeat(slice(-1, None)))
        for k in itertools.compress(range(len(stripped)), map(str.isalpha, lasts)):
            text = stripped[k]
            n, w = len(text), len(text.split())
            if w < MIN_CUT_WORDS:
                continue
            row = place(k)
            self.cut += 1
            self.chars[n] += 1
            self.words[w] += 1
            # (the smallest row, whatever order a block's rows are counted in)
            if row < self.first_chars.get(n, row + 1):
                self.first_chars[n] = row
            if row < self.first_words.get(w, row + 1):
                self.first_words[w] = row

    def shift(self, rows: int) -> None:
        self.first_chars = {k: r + rows for k, r in self.first_chars.items()}
        self.first_words = {k: r + rows for k, r in self.first_words.items()}

    def merge(self, other: AnswerTally) -> None:
        """Append a later scan's counts (its rows already shifted)."""
        self.field = self.field or other.field
        self.answers += other.answers
        self.cut += other.cut
        self.chars.update(other.chars)
        self.words.update(other.words)
        for mine, theirs in ((self.first_chars, other.first_chars), (self.first_words, other.first_words)):
            for k, r in theirs.items():
                mine[k] = min(mine.get(k, r), r)


def tally(scan: t.Any, base: str, rows: list[t.Any], texts: list[str], field: str | None,
          place: t.Callable[[int], int]) -> None:
    """Count the answers of some typed rows of `base` (a task's base) into `scan.answers`."""
    if base == "chat":
        lasts = [r.f0[-1] if r.f0 else None for r in rows]
        keep = [k for k, m in enumerate(lasts) if m is not None and m.role == "assistant"]
        answers = [lasts[k].content for k in keep]  # type: ignore[union-attr]
        where = (lambda k: place(keep[k])) if len(keep) != len(rows) else place
    elif base in ("text", "dpo"):
        answers, where = texts[1::2] if base == "text" else texts[1::3], place
    else:
        return
    count(scan, field, answers, where)


def count(scan: t.Any, field: str | None, answers: t.Sequence[str], place: t.Callable[[int], int],
          total: int | None = None) -> None:
    """Count these trained answers into `scan.answers`; `place(k)`: the row of answer k (`total`: AnswerTally.add)."""
    if scan.answers is None:
        scan.answers = AnswerTally(field)
    scan.answers.add(answers, place, total)


def findings(scan: t.Any, path: str) -> list[Diagnostic]:
    """Q021 and Q026 of a whole scan, when their thresholds are passed."""
    out = []
    refusals = scan.counts.get("Q020", 0)
    if refusals >= MIN_REFUSALS and scan.rows and refusals > REFUSAL_SHARE * scan.rows:
        field, first = next(((f, rows[0]) for (code, f), rows in scan.places.items() if code == "Q020" and rows),
                            (None, None))
        out.append(Diagnostic("Q021", f"{refusals:,} of {scan.rows:,} rows ({refusals / scan.rows:.1%}) have a refusal "
                              f"or AI boilerplate as a trained answer (over {REFUSAL_SHARE:.0%}): the model learns to "
                              "refuse", path, row=first, field=field,
                              hint="drop those rows (Q020 lists them), or replace the refusals with real answers"))
    tally_ = scan.answers
    if tally_ is None or tally_.answers < MIN_ANSWERS or tally_.cut < max(MIN_CUT, CUT_SHARE * tally_.answers):
        return out
    (n, same_n), (w, same_w) = tally_.chars.most_common(1)[0], tally_.words.most_common(1)[0]
    if max(same_n, same_w) < SAME_SHARE * tally_.cut:
        return out
    if same_n >= same_w:
        mark, first = f"{same_n:,} of them are exactly {n:,} characters long", tally_.first_chars[n]
    else:
        mark, first = f"{same_w:,} of them are exactly {w:,} words long", tally_.first_words[w]
    out.append(Diagnostic("Q026", f"{tally_.cut:,} of {tally_.answers:,} answers ({tally_.cut / tally_.answers:.0%}) "
                          f"end mid-word without punctuation, and {mark}: answers cut at a length limit", path,
                          row=first, field=tally_.field,
                          hint="regenerate the cut answers with a higher max length, or drop them"))
    return out


__all__ = ["AnswerTally", "count", "findings", "tally"]
