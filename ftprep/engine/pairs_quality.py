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

Language: a chosen answer (a text row's output, a chat's last assistant turn)
in another language than its prompt (instruction, the user turn before it)
trains the model to switch language (Q031, ftprep.engine.language). The scan
only samples: `language.SAMPLE` long pairs of the whole file, chosen by a key of
their texts so the sample does not depend on how the file is split
(ftprep.engine.language_sample), cut to the prose the detector reads (a few KB
each, sent back by a pool's workers).
`answer_languages` judges the sample when the file is finished, in the one
process that merges the blocks: the detector's model (~1-2 s, ~95 MB) is
loaded there once, never in a worker, and not at all when no pair is long
enough or Q031 is not reported. Loading it before a pool's fork instead would
need a look at the first block before the scan starts, and whether Q031 is
reported (per-file ignores) is known with the file's displayed path, here.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import typing as t

from ftprep.core.diagnostics import MAX_PLACES, Diagnostic
from ftprep.core.errors import Unmappable
from ftprep.core.options import Options
from ftprep.core.selection import Selection
from ftprep.engine import language, preference
from ftprep.engine.language_sample import LanguageSample, Sampled
from ftprep.tasks import Task
from ftprep.tasks.base import Finding

# Chosen longer than rejected in more than this share of pairs: a length bias.
LONGER_SHARE = 0.8
# Fewer pairs than this say nothing about a dataset's bias.
MIN_PAIRS = 20

# How a finding names the two sides, by the kind of row.
WORDING = {"pair": ("the chosen answer", "the prompt"), "text": ("the output", "the instruction"),
           "chat": ("an assistant turn", "the user turn before it")}


@dataclasses.dataclass
class PairTally:
    """Counts over the pairs of one scan (merged in file order), and the pairs sampled
    for the language detector, which the process that finishes the file judges."""

    pairs: int = 0
    chosen_longer: int = 0
    rejected_longer: int = 0
    # The sum of len(chosen) / len(rejected), for the mean ratio.
    ratio_sum: float = 0.0
    # Pairs given to the language detector (set when the file is finished).
    judged: int = 0
    # The pairs for the language detector, the same however the file is split.
    sample: LanguageSample = dataclasses.field(default_factory=LanguageSample)

    def lengths(self, prompts: t.Sequence[str], chosen: t.Sequence[str], rejected: t.Sequence[str]) -> None:
        self.counted(list(map(len, chosen)), list(map(len, rejected)))

    def counted(self, chosen: list[int], rejected: list[int]) -> None:
        """Pairs whose sides have these lengths (in characters)."""
        c = chosen
        r = [n or 1 for n in rejected]
        self.pairs += len(c)
        self.chosen_longer += sum(map(operator.gt, c, r))
        self.rejected_longer += sum(map(operator.lt, c, r))
        self.ratio_sum += sum(map(operator.truediv, c, r))

    def languages(self, prompts: t.Sequence[str], answers: t.Sequence[str], rows: t.Callable[[int], int],
                  field: str, kind: str) -> None:
        """Offer the pairs with both sides long enough to the sample (no detector call here)."""
        least = language.MIN_CHARS
        long = [k for k, (p, c) in enumerate(zip(prompts, answers)) if len(p) >= least and len(c) >= least]
        asked = [prompts[k] for k in long]
        self.sample.offer_all(list(map(rows, long)), field, asked, [answers[k] for k in long], asked.__getitem__, kind)

    def shift(self, rows: int) -> None:
        self.sample.shift(rows)

    def merge(self, other: PairTally) -> None:
        self.pairs += other.pairs
        self.chosen_longer += other.chosen_longer
        self.rejected_longer += other.rejected_longer
        self.ratio_sum += other.ratio_sum
        self.judged += other.judged
        self.sample.merge(other.sample)

    def stats(self) -> dict[str, t.Any]:
        """The dataset statistics: pair count, share with the chosen side longer, mean length ratio."""
        n = self.pairs or 1
        return {"pairs": self.pairs, "chosen_longer": round(self.chosen_longer / n, 4),
                "rejected_longer": round(self.rejected_longer / n, 4),
                "mean_length_ratio": round(self.ratio_sum / n, 4), "language_judged": self.judged}


def answer_languages(tally: PairTally | None, path: str, opts: Options) -> list[Diagnostic]:
    """Q031, one finding per field with its count and rows: the sampled pairs judged
    here, in the process that finishes the file, so the model is loaded once, never in
    a scan's workers, and not at all when nothing is long enough or Q031 is not reported."""
    if tally is None or not tally.sample.heap:
        return []
    chosen = Selection.of(opts.select, opts.ignore, opts.extend_select, opts.per_file_ignores)
    if not chosen.chosen("Q031", chosen.ignored_in(path)):
        return []
    sampled = tally.sample.pairs()
    hits: dict[str, list[tuple[Sampled, tuple[str, str, float]]]] = {}
    for s in sampled:
        found = language.mismatch(s.question, s.answer, s.named)
        if found is not None:
            hits.setdefault(s.field, []).append((s, found))
    tally.judged = len(sampled)
    out = []
    for field, found_in in hits.items():
        found_in.sort(key=lambda hit: hit[0].row)
        first, (question, answered, sure) = found_in[0]
        answer, asked = WORDING[first.kind]
        out.append(Diagnostic("Q031", f"{answer} is in '{answered}', {asked} in '{question}' (detector confidence "
                              f"{sure:.2f})", path, row=first.row, field=field,
                              hint=f"answer in the language of {asked}, or drop the row", count=len(found_in),
                              rows=tuple(s.row for s, _ in found_in[:MAX_PLACES])))
    return out


def language_kept(opts: Options) -> bool:
    """Whether Q031 may be reported (per-file ignores are not known in a scan: they count as
    kept), so that the scan samples pairs for the language detector."""
    try:
        return Selection.of(opts.select, opts.ignore, opts.extend_select).chosen("Q031")
    except ValueError:  # a bad pattern is the selection's to report
        return True


def tally_pairs(scan: t.Any, prompts: list[str], chosen: list[str], rejected: list[str],
                place: t.Callable[[int], tuple[int, int]], languages: bool = True) -> None:
    """Count some rows' pairs into `scan.pairs` (a Scan of ftprep.engine.scan_state) and, when
    `languages`, sample them for Q031; `place(k)`: the line and row of the k-th pair."""
    if scan.pairs is None:
        scan.pairs = PairTally()
    index: t.Sequence[int] = range(len(prompts))
    if any(map(str.isspace, itertools.chain(prompts, chosen, rejected))):  # prep drops those rows: not pairs
        index = [k for k in index if not (prompts[k].isspace() or chosen[k].isspace() or rejected[k].isspace())]
        prompts, chosen, rejected = ([side[k] for k in index] for side in (prompts, chosen, rejected))
    scan.pairs.lengths(prompts, chosen, rejected)
    if languages:
        scan.pairs.languages(prompts, chosen, lambda k: place(index[k])[1], "chosen", "pair")


def tally_answers(scan: t.Any, questions: list[str], answers: list[str], field: str,
                  place: t.Callable[[int], tuple[int, int]]) -> None:
    """SFT rows (instruction, output): sampled for the output's language against the instruction's (Q031)."""
    if scan.pairs is None:
        scan.pairs = PairTally()
    scan.pairs.languages(questions, answers, lambda k: place(k)[1], field, "text")


def tally_exchanges(scan: t.Any, task: Task, rows: list[t.Any], columns: list[str],
                    row_of: t.Callable[[int], int]) -> None:
    """Typed chat rows (other tasks' rows are not conversations: nothing to do): each
    row's last assistant turn against the user turn before it, sampled for Q031 like a
    pair; its user and system turns can ask for a language."""
    if task.base != "chat":
        return
    field = columns[0]
    if scan.pairs is None:
        scan.pairs = PairTally()
    least = language.MIN_CHARS
    at: list[int] = []
    turns: list[t.Any] = []
    questions: list[str] = []
    answers: list[str] = []
    for k, row in enumerate(rows):
        messages = row.f0
        j = len(messages) - 1
        while j > 0 and messages[j].role != "assistant":
            j -= 1
        i = j - 1
        while i >= 0 and messages[i].role != "user":
            i -= 1
        if i < 0 or len(messages[j].content) < least or len(messages[i].content) < least:
            continue
        at.append(row_of(k))
        turns.append(messages[:j])
        questions.append(messages[i].content)
        answers.append(messages[j].content)
    scan.pairs.sample.offer_all(at, field, questions, answers,
                                lambda k: asking_text((x.role, x.content) for x in turns[k]), "chat")


def asking_text(turns: t.Iterable[tuple[str, str]]) -> str:
    """What can ask a chat's answer for a language: its user and system turns before it, (role, content) each."""
    return "\n".join(content for role, content in turns if role in ("user", "system"))


def refused_answer(scan: t.Any, sides: list[t.Any], field: str, line: int, row: int) -> None:
    """A text row off the fast path: its languages, when instruction and output are text."""
    if all(isinstance(x, str) and x.strip() for x in sides):
        tally_answers(scan, sides[0:1], sides[1:2], field, lambda k: (line, row))


def refused_pair(scan: t.Any, obj: dict[str, t.Any], sides: list[t.Any], opts: Options, line: int | None,
                 row: int, languages: bool = True) -> None:
    """A row off the fast path: counted when its three sides are text, or when they are
    conversations convert maps (V006 when those differ before the answer)."""
    refused = None
    if not all(isinstance(x, str) and x.strip() for x in sides):
        sides, refused = conversational_pair(obj, opts)
    if refused is not None:
        scan.add(line, row, refused)
    elif sides:
        tally_pairs(scan, sides[0:1], sides[1:2], sides[2:3], lambda k: (t.cast(int, line), row), languages)


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


__all__ = ["LONGER_SHARE", "MIN_PAIRS", "WORDING", "PairTally", "Sampled", "answer_languages", "asking_text",
           "conversational_pair", "language_kept", "length_bias", "refused_answer", "refused_pair", "tally_answers",
           "tally_exchanges", "tally_pairs"]
