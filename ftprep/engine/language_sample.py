"""The pairs given to the language detector (Q031): a sample that is a function of
the rows alone, whatever the split of the file into scan ranges, shards or workers.

A scan cannot judge every pair (~1 ms each, in the one process that loads the
model), so it samples. Taking each range's first pairs made the sample, and so
Q031's count, depend on how many ranges the file was cut into. Here every long
pair gets a stable key (two CRC-32s of its texts, not Python's `hash`, which is
seeded per process) and a sample keeps the `size` pairs with the smallest
(key, row) among the pairs that pass the detector's filters (a translation
request, no prose): a bottom-k sample. The k smallest of a union are the k
smallest of the parts' k smallest, so `merge` is exact and the result does not
depend on the split or the order of the parts. Rows are local to a scan until
`shift`; a uniform shift keeps the order among one part's pairs, and parts are
merged after shifting, so ties between equal keys break on the file's rows.

The cost: a key for each long pair (C speed), and the filters (regular
expressions) only for a pair that would enter the sample, about
k * (1 + ln(n / k)) of n pairs. Memory: k pairs of at most a few KB.
A file with fewer passing pairs than k keeps them all, as before.
"""

from __future__ import annotations

import dataclasses
import functools
import heapq
import itertools
import operator
import typing as t
import zlib

from ftprep.engine import language


class Sampled(t.NamedTuple):
    """A pair sampled for the language detector: its row, the finding's field, both
    sides as the detector reads them (language.prose), the languages the question
    names, the kind of row and its sampling key (`pair_key`)."""

    row: int
    field: str
    question: str
    answer: str
    named: frozenset[str]
    kind: str
    key: int = 0


_utf8 = operator.methodcaller("encode", "utf-8", "surrogatepass")


def pair_keys(questions: t.Iterable[str], answers: t.Iterable[str]) -> t.Iterator[int]:
    """The 64-bit keys of pairs of texts (a CRC-32 of the question, then of the answer
    continued from it), the same in every process and on every run; at C speed."""
    firsts = list(map(zlib.crc32, map(_utf8, questions)))
    return map(operator.or_, map(operator.lshift, firsts, itertools.repeat(32)),
               map(zlib.crc32, map(_utf8, answers), firsts))


def pair_key(question: str, answer: str) -> int:
    """The key of one pair (`pair_keys`)."""
    return next(pair_keys([question], [answer]))


@dataclasses.dataclass
class LanguageSample:
    """The `size` passing pairs with the smallest (key, row), as a max-heap of
    (-key, -row, pair) so the pair to drop is at the top."""

    # Read when a sample is made, so a changed language.SAMPLE holds (tests set it small).
    size: int = dataclasses.field(default_factory=lambda: language.SAMPLE)
    # Long pairs looked at (both sides at least language.MIN_CHARS).
    examined: int = 0
    heap: list[tuple[int, int, Sampled]] = dataclasses.field(default_factory=list)

    def offer(self, row: int, field: str, question: str, answer: str, asking: t.Callable[[], str] | str,
              kind: str) -> None:
        """One long pair looked at; kept when it enters the sample, both sides are prose
        and `asking` (the text that can ask for a language: the prompt, or a chat's user
        and system turns; a callable when it costs to build) does not ask for a translation."""
        self.offer_all([row], field, [question], [answer], lambda _: asking() if callable(asking) else asking, kind)

    def offer_all(self, rows: t.Sequence[int], field: str, questions: t.Sequence[str], answers: t.Sequence[str],
                  asking: t.Callable[[int], str], kind: str) -> None:
        """`offer` each pair k in turn (row rows[k], `asking(k)`), with the keys taken at C
        speed and only the pairs that would enter the sample looked at further."""
        self.examined += len(rows)
        heap, size = self.heap, self.size
        for k, key in enumerate(pair_keys(questions, answers)):
            row = rows[k]
            if len(heap) >= size and (key, row) >= (-heap[0][0], -heap[0][1]):
                continue
            self._enter(key, row, field, questions[k], answers[k], functools.partial(asking, k), kind)

    def _enter(self, key: int, row: int, field: str, question: str, answer: str, asking: t.Callable[[], str],
               kind: str) -> None:
        """A pair that enters the sample (before its filters)."""
        text = asking()
        if language.asks_for_translation(text):
            return
        q, a = language.prose(question, tail=True), language.prose(answer)
        if q is None or a is None:
            return
        entry = (-key, -row, Sampled(row, field, q, a, language.named_languages(text), kind, key))
        if len(self.heap) < self.size:
            heapq.heappush(self.heap, entry)
        else:
            heapq.heapreplace(self.heap, entry)

    def shift(self, rows: int) -> None:
        if rows and self.heap:  # the same shift for all: the heap's order holds
            self.heap = [(k, r - rows, s._replace(row=s.row + rows)) for k, r, s in self.heap]

    def merge(self, other: LanguageSample) -> None:
        """The smallest of both samples (rows already shifted to the same file)."""
        self.examined += other.examined
        union = self.heap + other.heap
        if len(union) > self.size:
            union = heapq.nsmallest(self.size, union, key=lambda e: (-e[0], -e[1]))
        heapq.heapify(union)
        self.heap = union

    def pairs(self) -> list[Sampled]:
        """The sampled pairs in row order."""
        return sorted((s for _, _, s in self.heap), key=lambda s: s.row)


__all__ = ["LanguageSample", "Sampled", "pair_key", "pair_keys"]
