"""Q004's long-span overlap, counted so that only RARE spans count.

A 13-word span shared by a training row and an evaluation row is a copied
passage only if the span is rare: a system prompt, a task instruction or a
template sentence repeated in many rows is boilerplate, not contamination.
The rule is the GPT-3 paper's (Brown et al. 2020, appendix C: 13-grams that
occur too often are not counted as overlap) and NeMo Curator's task
decontamination (`TaskDecontamination(max_matches=10)`: an n-gram found more
than 10 times is too common to count). A span counts only if it occurs in at
most `limit(rows)` rows of the evaluation data AND at most `limit(rows)` rows
of the training file, a row counted once however often it repeats the span.

Counting in bounded memory, exactly: the evaluation side keeps each of its
rare span hashes (xxhash-seeded word hashes mixed into 64-bit span hashes,
ftprep.engine.near_duplicates) once, sorted, with its first row; a span that
is not among them can never be reported, so the training side counts only
those spans, one int32 counter each, from the word hashes the signature pass
already makes (no hash per training span is kept: memory follows the
evaluation data, not the training data). Of the (span, row) hits, at most
`limit` per span are kept: a span with more is frequent, its rows are not needed.
A hash match is not trusted for what is reported: the few candidate rows are
read again and the 13 words compared with the evaluation row's words.

A rare span can still be mostly boilerplate: the last 12 words of a shared
system prompt and the first word of a user turn (the same rare word in one
training and one evaluation row). So a span counts only if none of its words
is boilerplate, that is, covered by a span found in both sides and frequent on
either; a copied passage has spans of its own, wholly outside the template.
"""

from __future__ import annotations

import typing as t

from ftprep.engine import near_duplicates as near

GRAM = 13
# NeMo Curator's max_matches and the GPT-3 paper's bound: more rows than this and a span is common.
RARE = 10
# For big data, a share of the rows, whichever is larger: 10 rows up to a million rows (the scale
# ftprep is built for), then one more per 100,000 rows, so that a test passage pasted into a few
# dozen rows of a ten-million-row file is still found, while boilerplate (shared by thousands of
# rows, far above 0.001%) still is not.
SHARE = 1e-5


def limit(rows: int) -> int:
    """The most rows a span may occur in, on one side, and still count as rare."""
    return max(RARE, int(rows * SHARE))


class ReferenceSpans:
    """The evaluation rows' 13-word spans: gathered batch by batch, then sealed to the rare ones."""

    def __init__(self) -> None:
        self.chunks: list[t.Any] = []
        self.row_chunks: list[t.Any] = []
        self.hashes: t.Any = None  # sorted rare span hashes
        self.first_rows: t.Any = None  # the first evaluation row of each
        self.common: t.Any = None  # sorted span hashes in more rows than the limit: boilerplate

    def add(self, rows: t.Any, flat: t.Any, sizes: t.Any) -> None:
        import numpy as np

        spans, counts = near.row_spans(flat, sizes, GRAM)
        self.chunks.append(spans)
        self.row_chunks.append(np.repeat(np.frombuffer(rows, dtype=np.int64), counts))

    def seal(self, rows: int) -> None:
        """Keep the spans in at most `limit(rows)` evaluation rows, sorted for lookups."""
        import numpy as np

        grams = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.uint64)
        owners = np.concatenate(self.row_chunks) if self.row_chunks else np.zeros(0, np.int64)
        self.chunks = self.row_chunks = []
        order = np.lexsort((owners, grams))  # by span, then row
        grams, owners = grams[order], owners[order]
        if len(grams):  # one (span, row) pair per row however often the row repeats it
            fresh = np.ones(len(grams), dtype=bool)
            fresh[1:] = (grams[1:] != grams[:-1]) | (owners[1:] != owners[:-1])
            grams, owners = grams[fresh], owners[fresh]
        hashes, first, counts = np.unique(grams, return_index=True, return_counts=True)
        rare = counts <= limit(rows)
        self.hashes, self.first_rows, self.common = hashes[rare], owners[first[rare]], hashes[~rare]


class SpanHit(t.NamedTuple):
    """A training row's rare span: where it starts in the row's words, and the evaluation row that has it."""

    row: int
    start: int
    eval_row: int


class TrainingCount:
    """The training rows' occurrences of the reference's rare spans, fed batch by batch
    (`add`, a `Signatures.on_words` callback), then the hits on spans that stay rare."""

    def __init__(self, ref: ReferenceSpans, rows: int) -> None:
        import numpy as np

        self.ref, self.limit = ref, limit(rows)
        self.counts = np.zeros(len(ref.hashes), dtype=np.int32)
        self.kept: list[tuple[t.Any, t.Any, t.Any]] = []  # (span index, row, start) per batch

    def add(self, rows: t.Any, flat: t.Any, sizes: t.Any) -> None:
        import numpy as np

        hashes = self.ref.hashes
        spans, counts = near.row_spans(flat, sizes, GRAM)
        if not len(spans) or not len(hashes):
            return
        at = np.searchsorted(hashes, spans).clip(0, len(hashes) - 1)
        where = np.nonzero(hashes[at] == spans)[0]
        if not len(where):
            return
        local = np.repeat(np.arange(len(sizes), dtype=np.int64), counts)[where]  # the batch's row of each hit
        starts = where - (np.cumsum(counts) - counts)[local]
        span = at[where].astype(np.int64)
        # One hit per (span, row), its first place: sorted by span, then row, then place.
        _, first = np.unique(span * len(sizes) + local, return_index=True)
        span, local, starts = span[first], local[first], starts[first]
        heads = np.ones(len(span), dtype=bool)
        heads[1:] = span[1:] != span[:-1]
        pos = np.arange(len(span))
        rank = pos - np.maximum.accumulate(np.where(heads, pos, 0)) + self.counts[span]
        np.add.at(self.counts, span, 1)
        keep = rank < self.limit  # past the limit the span is frequent: its rows are never reported
        owners = np.frombuffer(rows, dtype=np.int64)[local[keep]]
        self.kept.append((span[keep], owners, starts[keep]))

    def hits(self, skip: t.Collection[int] = ()) -> dict[int, list[SpanHit]]:
        """Per training row (not in `skip`), its hits on spans rare on both sides, in place order."""
        import numpy as np

        if not self.kept:
            return {}
        span, rows, starts = (np.concatenate(part) for part in zip(*self.kept))
        rare = self.counts[span] <= self.limit
        span, rows, starts = span[rare], rows[rare], starts[rare]
        order = np.lexsort((starts, rows))
        out: dict[int, list[SpanHit]] = {}
        evals = self.ref.first_rows
        for i in order.tolist():
            row = int(rows[i])
            if row not in skip:
                out.setdefault(row, []).append(SpanHit(row, int(starts[i]), int(evals[span[i]])))
        return out


    def boilerplate(self, words: list[bytes]) -> t.Any:
        """Per word of a training row, whether a span frequent on either side covers it."""
        import numpy as np
        import rensa

        hashed = rensa.RMinHash.hash_token_sets([words])[0] if words else []
        spans = near.row_spans(np.array(hashed, dtype=np.uint64), np.array([len(hashed)], dtype=np.int64), GRAM)[0]
        frequent = _among(spans, self.ref.common)
        rare = self.ref.hashes
        if len(rare) and len(spans):
            at = np.searchsorted(rare, spans).clip(0, len(rare) - 1)
            frequent |= (rare[at] == spans) & (self.counts[at] > self.limit)
        edges = np.zeros(len(words) + 1, dtype=np.int64)  # +1 where a frequent span starts, -1 past its end
        np.add.at(edges, np.nonzero(frequent)[0], 1)
        np.add.at(edges, np.nonzero(frequent)[0] + GRAM, -1)
        return np.cumsum(edges)[:len(words)] > 0


def _among(values: t.Any, ranked: t.Any) -> t.Any:
    """Whether each value is in the sorted array `ranked`."""
    import numpy as np

    if not len(ranked) or not len(values):
        return np.zeros(len(values), dtype=bool)
    return ranked[np.searchsorted(ranked, values).clip(0, len(ranked) - 1)] == values


def row_words(path: str, columns: t.Sequence[str], wanted: t.Collection[int], bounds: t.Any = None,
              ) -> dict[int, list[bytes]]:
    """The words (as the spans were hashed from) of the `wanted` rows of a file, read again."""
    from ftprep.reading.records import guarded_records

    out: dict[int, list[bytes]] = {}
    last = max(wanted, default=-1)
    for _, row, rec in guarded_records(path, bounds)[1]:
        if row > last:
            break
        if row in wanted and isinstance(rec, dict):
            out[row] = near.words(near.text_of([rec.get(c) for c in columns]).encode("utf-8", "surrogatepass"))
    return out


def confirmed(hits: dict[int, list[SpanHit]], train: dict[int, list[bytes]],
              ref: dict[int, list[bytes]], count: TrainingCount | None = None) -> dict[int, int]:
    """Training row -> evaluation row, for the rows whose 13 words really occur in the evaluation
    row, none of them boilerplate (by `count`)."""
    windows: dict[int, set[tuple[bytes, ...]]] = {}
    out: dict[int, int] = {}
    for row, found in hits.items():
        words = train.get(row, [])
        template = count.boilerplate(words) if count is not None else None
        for hit in found:
            if template is not None and template[hit.start:hit.start + GRAM].any():
                continue
            if hit.eval_row not in windows:
                other = ref.get(hit.eval_row, [])
                windows[hit.eval_row] = {tuple(other[i:i + GRAM]) for i in range(len(other) - GRAM + 1)}
            span = tuple(words[hit.start:hit.start + GRAM])
            if len(span) == GRAM and span in windows[hit.eval_row]:
                out[row] = hit.eval_row
                break
    return out


__all__ = ["GRAM", "RARE", "SHARE", "ReferenceSpans", "SpanHit", "TrainingCount", "confirmed", "limit", "row_words"]
