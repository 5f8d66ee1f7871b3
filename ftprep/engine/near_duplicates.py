"""Near-duplicate rows (Q001): MinHash over word shingles of the trained text,
with banded LSH, in bounded memory.

The threshold: an estimated Jaccard similarity of at least 0.8 over 5-word
shingles (lower-cased word tokens). Five words is the shingle length of the
near-duplicate literature on web text (Broder's resemblance; the 5-gram
MinHash of the deduplication steps of NeMo Curator and datatrove), and 0.8 is
their usual cut: rows that share four fifths of their 5-word spans are the
same example with small edits (a name, a number, a reworded opening), which
the trainer sees as one example weighted twice. Texts under five words take
no part: one shingle makes Jaccard an equality test, which is D001's.

MinHash is `rensa`'s (a Rust MinHash, many times faster than `datasketch`'s
pure-Python permutations on this workload). Per row only its signature is
kept, 64 permutations cut to their low 16 bits (b-bit MinHash, Li and König:
a random pair agrees by chance with probability 1/65536, negligible at 0.8):
128 bytes a row, 128 MB for a million rows. LSH is 16 bands of 4 values; a
band's 4 values are one 8-byte key, so the bands are views of the signatures
and cost nothing to store. Candidates from equal band keys are confirmed on
the whole signature. At 0.8 a pair is a candidate with probability
1-(1-0.8^4)^16 = 0.9998; at 0.5, 0.64, but then the signature rejects it.
"""

from __future__ import annotations

import array
import itertools
import typing as t

from ftprep.engine.word_spans import MULTIPLIERS, SHINGLE, row_spans, shingles, system_text, text_of, words

PERMS = 64
BANDS = 16
THRESHOLD = 0.8
SEED = 1
BATCH = 1024
# Candidate pairs confirmed at a time (LSH on similar rows gives millions of them).
VERIFIED = 65536
# The other members a finding names (the message and `rows`).
MAX_NAMED = 10
class Group(t.NamedTuple):
    """Rows that are near duplicates of their first: (row, estimated similarity) for the others."""

    first: int
    others: list[tuple[int, float]]


class Signatures:
    """Signatures of rows, added in row order, then grouped. Only signatures
    and one exact key a row are kept: `add` batches texts to the MinHash."""

    def __init__(self) -> None:
        self.rows = array.array("q")
        self.exact = array.array("Q")
        # D001's key where it differs from `exact` (system messages kept): the exact
        # repeats `groups` leaves to D001; empty when no row was given one.
        self.whole = array.array("Q")
        # The signatures, row after row, 64 uint16 each: one flat array grown in place
        # (no list of chunks to concatenate, which would hold them twice).
        self.flat = array.array("H")
        self.pending: list[list[bytes]] = []
        # Called with each batch's (rows, flat word hashes, words per row), before its MinHash.
        self.on_words: t.Callable[[t.Any, t.Any, t.Any], None] | None = None

    def add(self, row: int, text: str, system: str = "") -> None:
        """`text`: the compared text; `system`: the system prompts left out of it, which
        D001's key holds: rows equal in both are exact repeats, left out of the groups."""
        import xxhash

        raw = text.encode("utf-8", "surrogatepass")
        found = words(raw)
        if len(found) < SHINGLE:
            return
        self.rows.append(row)
        self.exact.append(xxhash.xxh3_64_intdigest(raw))
        if system or self.whole:
            if len(self.whole) < len(self.exact) - 1:  # the rows before the first system prompt: their own key
                self.whole.extend(self.exact[len(self.whole):-1])
            # The prompt's hash mixed in (an odd multiplier, so distinct prompts stay distinct keys):
            # hashing only the prompt, not the whole text again.
            mixed = xxhash.xxh3_64_intdigest(system.encode("utf-8", "surrogatepass")) * MULTIPLIERS[0] if system else 0
            self.whole.append((self.exact[-1] ^ mixed) & (2**64 - 1))
        self.pending.append(found)
        if len(self.pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        """The batch's words hashed (in Rust), their 5-word spans hashed from
        the words' hashes (numpy, never a string per span), then MinHash."""
        if not self.pending:
            return
        import numpy as np
        import rensa

        hashed = rensa.RMinHash.hash_token_sets(self.pending)
        sizes = np.fromiter(map(len, hashed), dtype=np.int64, count=len(hashed))
        flat = np.fromiter(itertools.chain.from_iterable(hashed), dtype=np.uint64, count=int(sizes.sum()))
        if self.on_words is not None:  # leakage: the same word hashes, in longer spans
            self.on_words(self.rows[len(self.rows) - len(sizes):], flat, sizes)
        spans, counts = row_spans(flat, sizes, SHINGLE)
        offsets = np.zeros(len(counts) + 1, dtype=np.uint64)
        np.cumsum(counts, out=offsets[1:])
        matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(spans, offsets, PERMS, SEED)
        self.flat.frombytes((np.array(matrix.to_rows(), dtype=np.uint32) & 0xFFFF).astype(np.uint16).tobytes())
        self.pending = []

    def matrix(self) -> t.Any:
        import numpy as np

        self._flush()
        return np.frombuffer(self.flat, dtype=np.uint16).reshape(-1, PERMS)  # a view, not a copy

    def groups(self, threshold: float = THRESHOLD) -> list[Group]:
        """Each group of near duplicates once, in the order of their first rows.
        A row whose text repeats an earlier row exactly is D001's and left out."""
        import numpy as np

        sig = self.matrix()
        if len(sig) < 2:
            return []
        rows = np.frombuffer(self.rows, dtype=np.int64)
        keys = self.whole if len(self.whole) == len(self.exact) else self.exact
        _, firsts = np.unique(np.frombuffer(keys, dtype=np.uint64), return_index=True)
        a, b = _candidates(sig)
        if not len(a):
            return []
        ok = np.zeros(len(a), dtype=bool)
        for i in range(0, len(a), VERIFIED):  # in slices: two rows of signatures per pair would be 256 bytes
            ok[i:i + VERIFIED] = (sig[a[i:i + VERIFIED]] == sig[b[i:i + VERIFIED]]).mean(axis=1) >= threshold
        if len(firsts) < len(sig):  # exact repeats out (one byte a row, no copy of the signatures)
            repeat = np.ones(len(sig), dtype=bool)
            repeat[firsts] = False
            ok &= ~repeat[a] & ~repeat[b]
        return _components(a[ok], b[ok], sig, rows)


def _candidates(sig: t.Any) -> tuple[t.Any, t.Any]:
    """(earlier, later) index pairs that share a band: each row paired with the
    first row of its band bucket, so a bucket of k rows costs k-1 pairs."""
    import numpy as np

    width = PERMS // BANDS
    pairs = []
    for band in range(BANDS):
        keys = np.ascontiguousarray(sig[:, band * width:(band + 1) * width]).view(np.uint64).ravel()
        order = np.argsort(keys, kind="stable")  # stable: a bucket's rows in row order
        ranked = keys[order]
        same = np.empty(len(ranked), dtype=bool)
        same[0] = False
        np.equal(ranked[1:], ranked[:-1], out=same[1:])
        if not same.any():
            continue
        heads = np.maximum.accumulate(np.where(same, 0, np.arange(len(ranked))))
        pairs.append(order[heads[same]].astype(np.int64) << 32 | order[same].astype(np.int64))
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    joined = np.unique(np.concatenate(pairs))
    return joined >> 32, joined & 0xFFFFFFFF


def _components(a: t.Any, b: t.Any, sig: t.Any, rows: t.Any) -> list[Group]:
    """Confirmed pairs to groups (union-find), each named by its first row,
    with each other member's estimated similarity to that first row."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.get(i, i) != i:
            parent[i] = parent.get(parent[i], parent[i])
            i = parent[i]
        return i

    for i, j in zip(a.tolist(), b.tolist()):
        parent.setdefault(i, i)
        parent.setdefault(j, j)
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    members: dict[int, list[int]] = {}
    for i in parent:
        members.setdefault(root(i), []).append(i)
    out = []
    for first in sorted(members):
        others = sorted(m for m in members[first] if m != first)
        similar = (sig[others] == sig[first]).mean(axis=1).tolist()
        out.append(Group(int(rows[first]), [(int(rows[m]), round(s, 2)) for m, s in zip(others, similar)]))
    return out


def file_signatures(path: str, columns: t.Sequence[str], bounds: t.Any = None,
                    sigs: Signatures | None = None) -> Signatures:
    """One file's rows read again (the one record reader) to the signatures of
    their trained columns; a record that cannot be read has its finding from the scan."""
    from ftprep.reading.records import guarded_records

    sigs = Signatures() if sigs is None else sigs
    for _, row, rec in guarded_records(path, bounds)[1]:
        if isinstance(rec, dict):
            values = [rec.get(c) for c in columns]
            sigs.add(row, text_of(values), system_text(values))
    sigs.matrix()
    return sigs


def merged(parts: t.Sequence[Signatures], starts: t.Sequence[int]) -> Signatures:
    """The signatures of several files as one, their rows moved by each file's start (files in order)."""

    out = Signatures()
    for part, start in zip(parts, starts):
        out.rows.extend(r + start for r in part.rows)
        out.exact.extend(part.exact)
        out.whole.extend(part.whole if len(part.whole) == len(part.exact) else part.exact)
    for part in parts:
        out.flat.extend(part.flat)
    return out


def near_findings(path: str, columns: t.Sequence[str], shown: str, keep: int, placer: t.Any,
                  bounds: t.Any = None, sigs: Signatures | None = None) -> tuple[list[t.Any], int]:
    """Q001 for the first `keep` groups of one file (its `sigs` if already made), at
    each group's first row, and the count of groups not shown."""
    groups = (sigs if sigs is not None else file_signatures(path, columns, bounds)).groups()
    shown_groups = groups[:keep]
    line_of = placer({r for g in shown_groups for r in (g.first, *(m for m, _ in g.others[:MAX_NAMED]))})
    out = [finding(g, shown, line_of, [(m, place(line_of(m), m)) for m, _ in g.others[:MAX_NAMED]])
           for g in shown_groups]
    return out, len(groups) - len(shown_groups)


def finding(group: Group, path: str, line_of: t.Callable[[int], int | None],
            named: list[tuple[int | None, str]]) -> t.Any:
    """Q001 at a group's first row; `named` the first MAX_NAMED others as
    (row in this file or None, place), `rows` and `lines` those of this file."""
    from ftprep.core.diagnostics import Diagnostic

    here = tuple(r for r, _ in named if r is not None)
    return Diagnostic("Q001", near_message(group, [p for _, p in named]), path, line=line_of(group.first),
                      row=group.first, rows=here, lines=tuple(n for r in here if (n := line_of(r)) is not None),
                      hint="keep one row of each group, or make the rows differ")


def place(line: int | None, row: int, where: str = "") -> str:
    """A member as a message names it: its line, or its row where the format has no lines."""
    return (f"line {line}" if line is not None else f"row {row}") + where


def near_message(group: Group, named: list[str]) -> str:
    """Q001's message: the other members by place, with the similarity range."""
    more = len(group.others) - len(named)
    tail = f" and {more:,} more" if more > 0 else ""
    low, high = min(s for _, s in group.others), max(s for _, s in group.others)
    similar = f"{high:.2f}" if low == high else f"{low:.2f}-{high:.2f}"
    return (f"{len(group.others) + 1} rows are near duplicates in the trained text (estimated Jaccard {similar} "
            f"over 5-word shingles): this row and {', '.join(named)}{tail}")


__all__ = ["BANDS", "PERMS", "SHINGLE", "THRESHOLD", "Group", "Signatures", "file_signatures", "finding", "merged",
           "near_findings", "near_message", "place", "row_spans", "shingles", "system_text", "text_of", "words"]
