"""Quality of DPO pairs, counted in the scan's one pass: length bias and the
language of the chosen answer.

Length bias: DPO raises the chosen answer's likelihood against the rejected
one's, so when the chosen side is the longer one in almost every pair the
cheapest thing to learn is "longer is better" (the verbosity bias reported
for DPO-trained models). The share of pairs with the chosen side longer and
the mean length ratio are dataset statistics; above `LONGER_SHARE` of at
least `MIN_PAIRS` pairs they are a Q030 warning. Lengths are in characters,
measured at C speed over the typed rows' texts.

Conversational pairs (chosen and rejected message lists, in any layout
convert maps): their pair is counted as convert would write it, and a pair
whose two conversations differ before the answer is V006 in check as in convert.

Language: a chosen answer (or a text row's output) in another language than
its prompt (instruction) trains the model to switch language (Q031, ftprep.engine.language), judged on at most
`language.SAMPLE` pairs per scan block.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import typing as t

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.errors import Unmappable
from ftprep.core.options import Options
from ftprep.engine import language, preference
from ftprep.tasks.base import Finding

# Chosen longer than rejected in more than this share of pairs: a length bias.
LONGER_SHARE = 0.8
# Fewer pairs than this say nothing about a dataset's bias.
MIN_PAIRS = 20


@dataclasses.dataclass
class PairTally:
    """Counts over the pairs of one scan (merged in file order)."""

    pairs: int = 0
    chosen_longer: int = 0
    rejected_longer: int = 0
    # The sum of len(chosen) / len(rejected), for the mean ratio.
    ratio_sum: float = 0.0
    # Pairs given to the language detector (both sides long enough or not).
    judged: int = 0

    def lengths(self, prompts: t.Sequence[str], chosen: t.Sequence[str], rejected: t.Sequence[str]) -> None:
        c = list(map(len, chosen))
        r = [n or 1 for n in map(len, rejected)]
        self.pairs += len(c)
        self.chosen_longer += sum(map(operator.gt, c, r))
        self.rejected_longer += sum(map(operator.lt, c, r))
        self.ratio_sum += sum(map(operator.truediv, c, r))

    def languages(self, prompts: t.Sequence[str], chosen: t.Sequence[str], field: str = "chosen",
                  answer: str = "the chosen answer", asked: str = "the prompt") -> t.Iterator[tuple[int, Finding]]:
        """(index, Q031) for the pairs whose answer is in another language than the question."""
        room = language.SAMPLE - self.judged
        if room <= 0:
            return
        # Only pairs with both sides long enough cost a detector call.
        long = [k for k, (p, c) in enumerate(zip(prompts, chosen))
                if len(p) >= language.MIN_CHARS and len(c) >= language.MIN_CHARS]
        for k in itertools.islice(long, room):
            self.judged += 1
            found = language.mismatch(prompts[k], chosen[k])
            if found is not None:
                question, answered, sure = found
                yield k, Finding("Q031", f"{answer} is in '{answered}', {asked} in '{question}' "
                                 f"(detector confidence {sure:.2f})", field,
                                 f"answer in the language of {asked}, or drop the row")

    def merge(self, other: PairTally) -> None:
        self.pairs += other.pairs
        self.chosen_longer += other.chosen_longer
        self.rejected_longer += other.rejected_longer
        self.ratio_sum += other.ratio_sum
        self.judged += other.judged

    def stats(self) -> dict[str, t.Any]:
        """The dataset statistics: pair count, share with the chosen side longer, mean length ratio."""
        n = self.pairs or 1
        return {"pairs": self.pairs, "chosen_longer": round(self.chosen_longer / n, 4),
                "rejected_longer": round(self.rejected_longer / n, 4),
                "mean_length_ratio": round(self.ratio_sum / n, 4), "language_judged": self.judged}


def tally_pairs(scan: t.Any, prompts: list[str], chosen: list[str], rejected: list[str],
                place: t.Callable[[int], tuple[int, int]]) -> None:
    """Count some rows' pairs into `scan.pairs` (a Scan of ftprep.engine.scan_state) and add
    their Q031 findings; `place(k)`: the line and row of the k-th pair."""
    if scan.pairs is None:
        scan.pairs = PairTally()
    index: t.Sequence[int] = range(len(prompts))
    if any(map(str.isspace, itertools.chain(prompts, chosen, rejected))):  # prep drops those rows: not pairs
        index = [k for k in index if not (prompts[k].isspace() or chosen[k].isspace() or rejected[k].isspace())]
        prompts, chosen, rejected = ([side[k] for k in index] for side in (prompts, chosen, rejected))
    scan.pairs.lengths(prompts, chosen, rejected)
    for k, finding in scan.pairs.languages(prompts, chosen):
        scan.add(*place(index[k]), finding)


def tally_answers(scan: t.Any, questions: list[str], answers: list[str], field: str,
                  place: t.Callable[[int], tuple[int, int]]) -> None:
    """SFT rows (instruction, output): the output's language against the instruction's (Q031)."""
    if scan.pairs is None:
        scan.pairs = PairTally()
    for k, finding in scan.pairs.languages(questions, answers, field, "the output", "the instruction"):
        scan.add(*place(k), finding)


def refused_answer(scan: t.Any, sides: list[t.Any], field: str, line: int, row: int) -> None:
    """A text row off the fast path: its languages, when instruction and output are text."""
    if all(isinstance(x, str) and x.strip() for x in sides):
        tally_answers(scan, sides[0:1], sides[1:2], field, lambda k: (line, row))


def refused_pair(scan: t.Any, obj: dict[str, t.Any], sides: list[t.Any], opts: Options, line: int | None,
                 row: int) -> None:
    """A row off the fast path: counted when its three sides are text, or when they are
    conversations convert maps (V006 when those differ before the answer)."""
    refused = None
    if not all(isinstance(x, str) and x.strip() for x in sides):
        sides, refused = conversational_pair(obj, opts)
    if refused is not None:
        scan.add(line, row, refused)
    elif sides:
        tally_pairs(scan, sides[0:1], sides[1:2], sides[2:3], lambda k: (t.cast(int, line), row))


def conversational_pair(obj: dict[str, t.Any], opts: Options) -> tuple[list[str], Finding | None]:
    """A row whose chosen and rejected are conversations (any layout convert maps):
    ([prompt, chosen, rejected] as convert makes them, None), or ([], V006) when the two
    conversations differ before the answer, or ([], None) when it is no such row."""
    from ftprep.engine import shapes

    shape = shapes.detect("dpo", list(obj), opts, obj)
    if shape in ("prompt-chosen-rejected", "hh-rlhf"):  # plain texts: the row's own findings say it all
        return [], None
    try:
        mapped = preference.normalizer(shape, opts)(obj)
    except Unmappable as e:
        return [], Finding(e.code, str(e), e.field, e.hint) if e.code == "V006" else None
    except (TypeError, ValueError, AttributeError):  # malformed messages: V003 and the C codes say so
        return [], None
    sides = [mapped.get(k) for k in ("prompt", "chosen", "rejected")]
    if all(isinstance(x, str) and x.strip() for x in sides):
        return t.cast("list[str]", sides), None
    return [], None


def length_bias(tally: PairTally | None, path: str) -> list[Diagnostic]:
    """Q030 when the chosen answer is the longer one in more than LONGER_SHARE of the pairs."""
    if tally is None or tally.pairs < MIN_PAIRS or tally.chosen_longer <= LONGER_SHARE * tally.pairs:
        return []
    s = tally.stats()
    return [Diagnostic("Q030", f"the chosen answer is longer than the rejected one in {s['chosen_longer']:.0%} of "
                       f"{tally.pairs:,} pairs (mean length ratio {s['mean_length_ratio']:.2f}); DPO learns that "
                       "longer is better", path, field="chosen",
                       hint="add pairs where the shorter answer is the better one, or balance the lengths")]


__all__ = ["LONGER_SHARE", "MIN_PAIRS", "PairTally", "conversational_pair", "length_bias", "refused_answer",
           "refused_pair", "tally_answers", "tally_pairs"]
