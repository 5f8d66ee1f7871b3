"""Train/eval leakage (`check --eval FILE`): training rows whose trained text
is also in the evaluation data, exactly (Q002), nearly (Q003: the MinHash of
ftprep.engine.near_duplicates, the same 0.8 threshold) or by a long shared
span (Q004: 13 words in a row, the n-gram overlap of the GPT-3 paper's
decontamination and NeMo Curator's task decontamination; 13 words are long
enough that a shared span is a copied passage, not a common phrase, provided
the span is rare on both sides: ftprep.engine.span_overlap).

Each training row gets at most one of the three, the strongest. The
evaluation file is read once and held as its signatures, its rows' exact keys
and its span hashes (sorted, 8 bytes a span: the rare 13-word ones with a first row, the
8-word ones with their count of rows).
"""

from __future__ import annotations

import array
import typing as t

from ftprep.engine import near_duplicates as near
from ftprep.engine import span_overlap as spans
from ftprep.engine.span_overlap import GRAM

HINT = "drop the row from training (or from the evaluation data): a score on seen text measures memory"


class Reference:
    """The evaluation rows, as the training rows are compared with them.
    `shown` names their file in messages ("" for rows of the training file
    itself, the trainer's split); `called` is what the messages call them."""

    def __init__(self, shown: str, called: str = "the evaluation data") -> None:
        self.shown = shown
        self.called = called
        self.sigs = near.Signatures()
        self.lines = array.array("q")  # per row with a signature: its line, -1 where the format has none
        self.spans = spans.ReferenceSpans()
        self.sigs.on_words = self.spans.add
        # Where its rows are read again (path, columns, bounds), to confirm a span word by word.
        self.source: tuple[str, t.Sequence[str], t.Any] | None = None

    def seal(self) -> None:
        """After the last row: the signatures made, the rare spans sorted for lookups."""
        self.sigs.matrix()
        self.spans.seal(len(self.sigs.rows))

    def where(self, row: int) -> str:
        """An evaluation row as a message names it: its file and line (or row)."""
        import bisect

        i = bisect.bisect_left(self.sigs.rows, row)
        line = self.lines[i] if i < len(self.lines) and self.sigs.rows[i] == row and self.lines[i] >= 0 else None
        return f"{self.shown} {near.place(line, row)}".lstrip()


def reference(path: str, columns: t.Sequence[str], shown: str, bounds: t.Any = None, lined: bool = True) -> Reference:
    """The evaluation file read (the one record reader) into a `Reference`; `lined`: its
    lines are the user's (not those of a temporary copy of a Hub dataset's rows)."""
    from ftprep.core.errors import SourceError
    from ftprep.reading.records import guarded_records

    ref = Reference(shown)
    ref.source = (path, columns, bounds)
    records = having = 0
    for line, row, rec in guarded_records(path, bounds)[1]:
        records += 1
        if isinstance(rec, dict):
            having += any(c in rec for c in columns)
            before = len(ref.sigs.rows)
            ref.sigs.add(row, near.text_of([rec.get(c) for c in columns]))
            if len(ref.sigs.rows) > before:
                ref.lines.append(-1 if line is None or not lined else line)
    if records and not having:  # nothing would be compared: say so rather than report no leaks
        raise SourceError(f"--eval {shown}: none of its {records:,} rows has the trained columns "
                          f"({', '.join(columns)}); map them with the --field-* options or give data of the same task")
    ref.seal()
    return ref


_held: dict[tuple[t.Any, ...], Reference] = {}
# Fetched references (hf://, http(s)): temporary copy -> (the name the user gave, whether its lines are theirs).
_named: dict[str, tuple[str, bool]] = {}


def stand_in(local: str, shown: str, lined: bool) -> None:
    """Name a fetched reference's temporary copy as the user named the reference."""
    _named[local] = (shown, lined)


def forget(local: str) -> None:
    _named.pop(local, None)
    _held.clear()


def cached_reference(path: str, columns: tuple[str, ...], bounds: t.Any = None) -> Reference:
    """`reference`, read once for all the files of one check (the last one is kept)."""
    import os

    from ftprep.core.errors import SourceError

    shown, lined = _named.get(path, (path, True))
    if not os.path.isfile(path):
        raise SourceError(f"--eval {shown}: no such file")
    st = os.stat(path)
    key = (path, columns, st.st_mtime_ns, st.st_size)
    if key not in _held:
        _held.clear()
        _held[key] = reference(path, columns, shown, bounds, lined)
    return _held[key]


class Leak(t.NamedTuple):
    row: int
    code: str
    eval_row: int
    similarity: float


def leaks(path: str, columns: t.Sequence[str], ref: Reference, bounds: t.Any = None, rows: int = 0) -> list[Leak]:
    """The training rows of one file (of `rows` rows, which set how rare a span must be) that
    leak, in row order, each with its strongest code."""
    train = near.Signatures()
    count = spans.TrainingCount(ref.spans, rows)
    train.on_words = count.add
    near.file_signatures(path, columns, bounds, train)
    found = matched(train, ref)
    hits = count.hits(skip=found)
    if hits and ref.source is not None:  # a hash match is confirmed word by word, on the few rows reported
        ref_path, ref_columns, ref_bounds = ref.source
        words = spans.row_words(path, columns, hits, bounds)
        ref_words = spans.row_words(ref_path, ref_columns, {h.eval_row for f in hits.values() for h in f}, ref_bounds)
        for row, other in spans.confirmed(hits, words, ref_words).items():
            found[row] = Leak(row, "Q004", other, 0.0)
    return sorted(found.values())


def matched(train: near.Signatures, ref: Reference) -> dict[int, Leak]:
    """Training rows (by row) that are in the reference exactly (Q002) or nearly (Q003, the most similar)."""
    import numpy as np

    found: dict[int, Leak] = {}
    sig, rows = train.matrix(), np.frombuffer(train.rows, dtype=np.int64)
    ref_sig, ref_rows = ref.sigs.matrix(), np.frombuffer(ref.sigs.rows, dtype=np.int64)
    if not len(sig) or not len(ref_sig):
        return found
    exact = dict(zip(np.frombuffer(ref.sigs.exact, dtype=np.uint64).tolist(), ref_rows.tolist()))
    for i, key in enumerate(train.exact):
        if key in exact:
            found[int(rows[i])] = Leak(int(rows[i]), "Q002", exact[key], 1.0)
    for i, j, s in _near_pairs(sig, ref_sig):
        row = int(rows[i])
        if row not in found or (found[row].code == "Q003" and s > found[row].similarity):
            found[row] = Leak(row, "Q003", int(ref_rows[j]), s)
    return found


def _near_pairs(sig: t.Any, ref_sig: t.Any) -> t.Iterator[tuple[int, int, float]]:
    """(training index, evaluation index, estimated Jaccard >= the threshold), over LSH bands."""
    import numpy as np

    width = near.PERMS // near.BANDS
    seen: set[tuple[int, int]] = set()
    for band in range(near.BANDS):
        cols = slice(band * width, (band + 1) * width)
        keys = np.ascontiguousarray(sig[:, cols]).view(np.uint64).ravel()
        ref_keys = np.ascontiguousarray(ref_sig[:, cols]).view(np.uint64).ravel()
        order = np.argsort(ref_keys, kind="stable")
        ranked = ref_keys[order]
        at = np.searchsorted(ranked, keys).clip(0, len(ranked) - 1)
        for i in np.nonzero(ranked[at] == keys)[0].tolist():
            k = at[i]
            while k < len(ranked) and ranked[k] == keys[i]:  # every evaluation row of the bucket
                j = int(order[k])
                if (i, j) not in seen:
                    seen.add((i, j))
                    s = float((sig[i] == ref_sig[j]).mean())
                    if s >= near.THRESHOLD:
                        yield i, j, round(s, 2)
                k += 1


def leak_findings(path: str, columns: t.Sequence[str], shown: str, keep: int, placer: t.Any, ref: Reference,
                  bounds: t.Any = None, rows: int = 0) -> tuple[list[t.Any], dict[str, int]]:
    """Q002-Q004 for one training file of `rows` rows, the first `keep` of each code, and the counts of those
    not shown."""
    return findings(leaks(path, columns, ref, bounds, rows), shown, keep, placer, ref, ref.where)


def findings(found: t.Sequence[Leak], shown: str, keep: int, placer: t.Any, ref: Reference,
             where: t.Callable[[int], str], hint: str = HINT,
             first: t.Callable[[int], tuple[int, int | None, str | None]] | None = None,
             ) -> tuple[list[t.Any], dict[str, int]]:
    """The leaks of one training file as findings, the first `keep` of each code (`where`
    names a reference row; `first`, for a reference row of the same dataset, its row, line
    and other file as a duplicate's `first_*`), and the counts of those not shown."""
    from ftprep.core.diagnostics import Diagnostic

    shown_leaks: list[Leak] = []
    dropped: dict[str, int] = {}
    per: dict[str, int] = {}
    for leak in found:
        per[leak.code] = per.get(leak.code, 0) + 1
        if per[leak.code] <= keep:
            shown_leaks.append(leak)
        else:
            dropped[leak.code] = dropped.get(leak.code, 0) + 1
    line_of = placer({leak.row for leak in shown_leaks})
    out = []
    for leak in shown_leaks:
        other, called = where(leak.eval_row), ref.called
        message = {"Q002": f"the trained text is also in {called}, exactly: {other}",
                   "Q003": f"the trained text is a near duplicate of {other} in {called} "
                           f"(estimated Jaccard {leak.similarity:.2f} over 5-word shingles)",
                   "Q004": f"the trained text shares a {GRAM}-word span with {other} in {called}"}
        row, line, path = first(leak.eval_row) if first is not None else (None, None, None)
        out.append(Diagnostic(leak.code, message[leak.code], shown, line=line_of(leak.row), row=leak.row, hint=hint,
                              first_row=row, first_line=line, first_path=path))
    return out, dropped


__all__ = ["GRAM", "Leak", "Reference", "cached_reference", "findings", "forget", "leak_findings", "leaks", "matched", "reference", "stand_in"]
