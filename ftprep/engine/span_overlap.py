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

A rare 13-word span can still be mostly boilerplate: a 12-word template
sentence and the word before it ("rugrason one useful mental model is easier
to see with a concrete example"), or the end of a shared system prompt and the
first word of a user turn. So a span also counts only if each of its 8-word
spans is rare on both sides (8 words: the shortest n-gram of NeMo Curator's
task decontamination); a copied passage has such spans of its own, wholly
outside the template. The 8-word spans are counted as the 13-word ones: those
of the evaluation data, one counter each, over the training rows.
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


SHORT = 8


class ReferenceSpans:
    """The evaluation rows' 13-word spans (and 8-word ones): gathered batch by batch, then
    sealed to the 13-word ones that are rare with all their 8-word spans, and every 8-word
    one with its count of rows."""

    def __init__(self) -> None:
        self.chunks: list[tuple[t.Any, ...]] = []  # per batch: 13-word spans, their rows, their 8-word spans; 8-word spans, their rows
        self.hashes: t.Any = None  # sorted rare 13-word span hashes
        self.first_rows: t.Any = None  # the first evaluation row of each
        self.inner: t.Any = None  # for each, the indexes in `short` of its 8-word spans
        self.short: t.Any = None  # sorted 8-word span hashes
        self.short_rows: t.Any = None  # the evaluation rows that have each
        self.limit = RARE
        self.short_total = 0  # the 8-word spans gathered so far: where the next batch's begin

    def add(self, rows: t.Any, flat: t.Any, sizes: t.Any) -> None:
        import numpy as np

        owners = np.frombuffer(rows, dtype=np.int64)
        spans, counts = near.row_spans(flat, sizes, GRAM)
        shorts, short_counts = near.row_spans(flat, sizes, SHORT)
        # The 13-word span at place p of a row holds the row's 8-word spans p .. p+5.
        local = np.repeat(np.arange(len(sizes)), counts)
        base = np.arange(len(spans)) - (np.cumsum(counts) - counts)[local] + (np.cumsum(short_counts) - short_counts)[local]
        # Only where its 8-word spans start in all the gathered ones (8 bytes, not their 6 hashes):
        # the reference's memory is its spans' hashes, gathered once.
        first_short = base.astype(np.int64) + self.short_total
        self.short_total += len(shorts)
        self.chunks.append((spans, owners[local], first_short, shorts, np.repeat(owners, short_counts)))

    def seal(self, rows: int) -> None:
        """Keep the 13-word spans in at most `limit(rows)` evaluation rows whose 8-word spans are
        too, sorted for lookups."""
        import numpy as np

        self.limit = limit(rows)
        parts = [np.concatenate(p) if p else np.zeros(0) for p in zip(*self.chunks)] if self.chunks else []
        self.chunks = []
        if not parts:
            parts = [np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                     np.zeros(0, np.uint64), np.zeros(0, np.int64)]
        grams, owners, first_short, shorts, short_owners = parts
        self.short, _, self.short_rows = _row_counts(shorts, short_owners)
        hashes, first, counts = _row_counts(grams, owners)
        inner = shorts[first_short[first][:, None] + np.arange(GRAM - SHORT + 1)] if len(first) else \
            np.zeros((0, GRAM - SHORT + 1), np.uint64)
        inner = np.searchsorted(self.short, inner).astype(np.int32)  # every one is there
        rare = (counts <= self.limit) & (self.short_rows[inner] <= self.limit).all(axis=1)
        self.hashes, self.first_rows, self.inner = hashes[rare], owners[first[rare]], inner[rare]


def _row_counts(grams: t.Any, owners: t.Any) -> tuple[t.Any, t.Any, t.Any]:
    """(sorted unique span hashes, the index in the input of the first row of each, the number
    of rows that have each)."""
    import numpy as np

    order = np.lexsort((owners, grams))  # by span, then row
    ranked, by = grams[order], owners[order]
    fresh = np.ones(len(ranked), dtype=bool)  # one (span, row) pair per row however often the row repeats it
    fresh[1:] = (ranked[1:] != ranked[:-1]) | (by[1:] != by[:-1])
    hashes, first, counts = np.unique(ranked[fresh], return_index=True, return_counts=True)
    return hashes, order[fresh][first], counts.astype(np.int32)


class Membership:
    """A sorted array of span hashes, with a bitmap of their low bits in front of it:
    most training spans are in no reference row, and one gather in a bitmap of a few
    MB rules them out far faster than a binary search over the array (22 random reads)."""

    def __init__(self, ranked: t.Any) -> None:
        import numpy as np

        self.ranked = ranked
        bits = 1 << max(16, min(28, (32 * max(len(ranked), 1) - 1).bit_length()))  # ~3% false hits, 32 MB at most
        self.mask = np.uint64(bits - 1)
        self.bitmap = np.zeros(bits // 8, dtype=np.uint8)
        low = ranked & self.mask
        np.bitwise_or.at(self.bitmap, (low >> np.uint64(3)).astype(np.int64),
                         (np.uint8(1) << (low & np.uint64(7)).astype(np.uint8)))

    def found(self, values: t.Any) -> tuple[t.Any, t.Any]:
        """The positions of `values` found in the array, and where in the array they are."""
        import numpy as np

        if not len(self.ranked) or not len(values):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        low = values & self.mask
        maybe = np.nonzero((self.bitmap[(low >> np.uint64(3)).astype(np.int64)]
                            >> (low & np.uint64(7)).astype(np.uint8)) & 1)[0]
        if not len(maybe):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        candidates = values[maybe]
        at = np.searchsorted(self.ranked, candidates).clip(0, len(self.ranked) - 1)
        hit = np.nonzero(self.ranked[at] == candidates)[0]
        return maybe[hit].astype(np.int64), at[hit].astype(np.int64)


def _per_row(where: t.Any, at: t.Any, counts: t.Any, batch: int) -> tuple[t.Any, t.Any, t.Any]:
    """Hits (span positions `where`, reference indexes `at`) to one per (span, row), the first place:
    (reference index, the batch's row, place in the row), sorted by span, then row."""
    import numpy as np

    local = np.repeat(np.arange(batch, dtype=np.int64), counts)[where]
    starts = where - (np.cumsum(counts) - counts)[local]
    _, first = np.unique(at * batch + local, return_index=True)
    return at[first], local[first], starts[first]


class SpanHit(t.NamedTuple):
    """A training row's rare span: where it starts in the row's words, and the evaluation row that has it."""

    row: int
    start: int
    eval_row: int


class TrainingCount:
    """The training rows' occurrences of the reference's spans, fed batch by batch
    (`add`, a `Signatures.on_words` callback), then the hits on spans that stay rare."""

    def __init__(self, ref: ReferenceSpans, rows: int) -> None:
        import numpy as np

        self.ref, self.limit = ref, limit(rows)
        self.counts = np.zeros(len(ref.hashes), dtype=np.int32)
        self.short = np.zeros(len(ref.short), dtype=np.int32)
        self.kept: list[tuple[t.Any, t.Any, t.Any]] = []  # (span index, row, start) per batch
        self.in_short, self.in_grams = Membership(ref.short), Membership(ref.hashes)

    def add(self, rows: t.Any, flat: t.Any, sizes: t.Any) -> None:
        import numpy as np

        if not len(self.ref.hashes):  # no rare span: nothing can be reported
            return
        spans, counts = near.row_spans(flat, sizes, SHORT)
        at = _per_row(*self.in_short.found(spans), counts, len(sizes))[0]
        np.add.at(self.short, at, 1)
        spans, counts = near.row_spans(flat, sizes, GRAM)
        where, at = self.in_grams.found(spans)
        if not len(where):
            return
        span, local, starts = _per_row(where, at, counts, len(sizes))
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
        # Rare in training too, with all its 8-word spans; the rows with a stronger finding left out.
        rare = (self.counts[span] <= self.limit) & (self.short[self.ref.inner[span]] <= self.limit).all(axis=1)
        rare &= ~np.isin(rows, np.fromiter(skip, dtype=np.int64, count=len(skip)))
        span, rows, starts = span[rare], rows[rare], starts[rare]
        order = np.lexsort((starts, rows))
        out: dict[int, list[SpanHit]] = {}
        evals = self.ref.first_rows
        for i in order.tolist():
            row = int(rows[i])
            out.setdefault(row, []).append(SpanHit(row, int(starts[i]), int(evals[span[i]])))
        return out

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
              ref: dict[int, list[bytes]]) -> dict[int, int]:
    """Training row -> evaluation row, for the rows whose 13 words really occur in the evaluation row."""
    windows: dict[int, set[tuple[bytes, ...]]] = {}
    out: dict[int, int] = {}
    for row, found in hits.items():
        words = train.get(row, [])
        for hit in found:
            if hit.eval_row not in windows:
                other = ref.get(hit.eval_row, [])
                windows[hit.eval_row] = {tuple(other[i:i + GRAM]) for i in range(len(other) - GRAM + 1)}
            span = tuple(words[hit.start:hit.start + GRAM])
            if len(span) == GRAM and span in windows[hit.eval_row]:
                out[row] = hit.eval_row
                break
    return out


__all__ = ["GRAM", "RARE", "SHARE", "SHORT", "ReferenceSpans", "SpanHit", "TrainingCount", "confirmed", "limit", "row_words"]
