"""`ftprep.stats` (this module is `ftprep.engine.lengths`): how long the rows are in tokens, as the trainer renders them.

The rows are the ones `ftprep.render` shows: what the trainer gets from the
file as given (rows its prep drops are counted as dropped, not measured), or
with `as_converted` the rows `ftprep convert` would write.

Per dataset: tokens per row (min, p50, p90, p99, max), trained tokens per row,
rows over the sequence length (which the trainer drops) with their lines, rows
with nothing trained, total tokens, and a rough time view. Counts are exact
for the tokenizer given, else an estimate, and say so.

What a row's length is, per task: chat and text, the rendered row; dpo, the
prompt plus the longer response (each pair is trained as two sequences), with
both responses trained; grpo, the prompt with its generation prompt
(completions are generated at run time, so nothing is trained from the data).
"""

from __future__ import annotations

import array
import dataclasses
import math
import typing as t
from typing import Unpack

from ftprep.core.diagnostics import Diagnostic
from ftprep.tasks import base_of
from ftprep.core.keywords import StatsOptions
from ftprep.core.options import THROUGHPUT, Options
from ftprep.engine.settings import settle
if t.TYPE_CHECKING:
    from ftprep.tasks import Task

from ftprep.engine.tokens import BASE_SEQ_LEN, BATCH, DEFAULT_MAX_SEQ_LEN, counter, missing_specials

# Row findings kept per code (the counts stay exact): a 1M-row alpaca file has an
# S003 on every row, and stats only shows the first few. T codes, which
# `check --tokenizer` reads from here, are all kept.
KEPT_PER_CODE = 1000
THROUGHPUT_NOTE = "~7B model, LoRA, one H100 at ~35% utilisation; real speed varies several-fold with model, GPUs, settings"


@dataclasses.dataclass
class Stats:
    """Token statistics of one file. `exact` is False when the counts are estimates."""

    path: str
    task: str
    chat_template: str | None
    tokenizer: str
    exact: bool
    max_seq_len: int = DEFAULT_MAX_SEQ_LEN
    rows: int = 0
    lengths: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    trained: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    lines: array.array = dataclasses.field(default_factory=lambda: array.array("q"))  # 0 = no line
    row_ids: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    empty_trained: list[tuple[int | None, int]] = dataclasses.field(default_factory=list)
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)
    counts: dict[str, int] = dataclasses.field(default_factory=dict)  # rows per code, all of them
    injected_system: int = 0
    # Rows the trainer's prep drops; "trainer" or "converted": what was rendered (see `ftprep.render`).
    dropped: int = 0
    view: str = "trainer"
    shape: str | None = None
    notes: list[str] = dataclasses.field(default_factory=list)
    hours: float | None = None
    throughput: float = THROUGHPUT

    @property
    def rendered(self) -> int:
        return len(self.lengths)

    @property
    def rejected(self) -> int:
        return self.rows - self.rendered

    @property
    def trains(self) -> bool:
        return base_of(self.task) != "grpo"

    @property
    def total_tokens(self) -> int:
        return sum(self.lengths)

    @property
    def total_trained(self) -> int:
        return sum(self.trained)

    def summary(self, values: t.Sequence[int] | None = None) -> dict[str, int] | None:
        data = sorted(self.lengths if values is None else values)
        if not data:
            return None
        pick = lambda p: data[max(0, math.ceil(p / 100 * len(data)) - 1)]
        return {"min": data[0], "p50": pick(50), "p90": pick(90), "p99": pick(99), "max": data[-1]}

    def over(self, limit: int) -> list[tuple[int | None, int, int]]:
        """(line, row, tokens) of each row longer than `limit` tokens."""
        return [(self.lines[i] or None, self.row_ids[i], n) for i, n in enumerate(self.lengths) if n > limit]

    def histogram(self, bins: int = 12) -> list[tuple[int, int, int]]:
        """(low, high, rows) with round bin widths; high is exclusive."""
        if not self.lengths:
            return []
        low, top = min(self.lengths), max(self.lengths)
        raw = max(1, math.ceil((top - low + 1) / bins))
        step = 10 ** int(math.log10(raw))
        width = next(m * step for m in (1, 2, 5, 10) if m * step >= raw)
        first = low // width
        counts = [0] * (top // width - first + 1)
        for n in self.lengths:
            counts[n // width - first] += 1
        return [((first + i) * width, (first + i + 1) * width, c) for i, c in enumerate(counts)]

    def time_view(self) -> dict[str, t.Any]:
        """A rough view of what the job's hours cover. Assumptions are in the result."""
        per_hour = self.throughput * 3600
        total = self.total_tokens
        # Padded, every kept row costs max_seq_len tokens; longer rows are dropped.
        padded = (self.rendered - len(self.over(self.max_seq_len))) * self.max_seq_len
        view: dict[str, t.Any] = {
            "assumed_tokens_per_second": self.throughput,
            "assumption": THROUGHPUT_NOTE,
            "tokens_per_hour": int(per_hour),
            "hours_per_epoch": total / per_hour if per_hour else None,
            "hours_per_epoch_padded": padded / per_hour if per_hour else None,
            "padded_note": f"if every kept row is padded to {self.max_seq_len:,} tokens (pad_to_sequence_len, "
                           "no packing)",
        }
        if self.hours is not None:
            view["hours"] = self.hours
            view["epochs_in_hours"] = self.hours * per_hour / total if total else None
            view["epochs_in_hours_padded"] = self.hours * per_hour / padded if padded else None
        return view

    def length_diagnostics(self) -> list[Diagnostic]:
        """T001 for each row over max_seq_len and T002 for each row with nothing trained."""
        est = "" if self.exact else " (estimate)"
        why = ("the trainer does not filter GRPO prompts; long prompts are truncated" if not self.trains
               else "the trainer drops it")
        out = [Diagnostic("T001", f"{n:,} tokens{est}, over the sequence length {self.max_seq_len:,}; {why}",
                          self.path, line=line, row=row, hint="shorten or split the row")
               for line, row, n in self.over(self.max_seq_len)]
        out += [Diagnostic("T002", "the rendered row has no trained tokens: the template leaves no assistant "
                           "content", self.path, line=line, row=row, hint="check the assistant turns")
                for line, row in self.empty_trained]
        return out

    def to_json(self) -> dict[str, t.Any]:
        est = not self.exact
        return {
            "path": self.path, "task": self.task, "chat_template": self.chat_template,
            "tokenizer": self.tokenizer, "estimate": est, "rows": self.rows, "rendered": self.rendered,
            "rejected": self.rejected, "dropped": self.dropped, "view": self.view, "shape": self.shape,
            "tokens_per_row": self.summary(),
            "trained_tokens_per_row": self.summary(self.trained) if self.trains else None,
            "total_tokens": self.total_tokens, "total_trained_tokens": self.total_trained if self.trains else None,
            "max_seq_len": self.max_seq_len,
            "over_max_seq_len": [{"line": a, "row": b, "tokens": n} for a, b, n in self.over(self.max_seq_len)],
            "over_base_seq_len": {"limit": BASE_SEQ_LEN, "rows": len(self.over(BASE_SEQ_LEN))},
            "no_trained_tokens": [{"line": a, "row": b} for a, b in self.empty_trained] if self.trains else None,
            "injected_system_rows": self.injected_system,
            "histogram": [{"low": a, "high": b, "rows": c} for a, b, c in self.histogram()],
            "time": self.time_view(), "notes": self.notes,
            "diagnostics": [dict(d.to_json(), path=d.path) for d in self.diagnostics],
            "diagnostic_counts": dict(self.counts),
        }


def stats(path: str, *, display: str | None = None, options: Options | None = None,
          **keywords: Unpack[StatsOptions]) -> Stats:
    """Token statistics of a data file, rendered with `chat_template` (default chatml).

    The rows are what the trainer's prep makes of the file as given, or with
    `as_converted` the rows `ftprep convert` would write (see `ftprep.render`).
    `tokenizer` is a tokenizer.json path, a Hub id, or a loaded
    `tokenizers.Tokenizer`; without one every count is an estimate. Rows over
    `max_seq_len` (default DEFAULT_MAX_SEQ_LEN) are reported. The keywords are
    those of `StatsOptions`; `options` is an already built `Options` they
    override. Raises TypeError for an unknown keyword, ValueError for a bad value
    or a tokenizer that cannot be loaded (TokenizerError), SourceError for an
    unreadable file.
    """
    from ftprep.engine.renderer import DEFAULT_TEMPLATE, iter_entries
    from ftprep.templates import get

    opts = settle("stats", options, keywords)
    max_seq_len, rows, as_converted = opts.max_seq_len or DEFAULT_MAX_SEQ_LEN, opts.rows, opts.as_converted
    hours, throughput, tokenizer = opts.hours, opts.throughput, opts.tokenizer
    count = counter(tokenizer)
    where = display or path
    name, view, shape, entries = iter_entries(path, opts, limit=rows, display=where, as_converted=as_converted)
    template = opts.chat_template or DEFAULT_TEMPLATE
    result = Stats(where, name, template if base_of(name) != "text" else None, count.name,
                   count.exact, max_seq_len, hours=hours, throughput=throughput, view=view, shape=shape)
    if base_of(name) != "text":
        lost = missing_specials(count, get(template).specials)
        if lost:
            result.notes.append(f"the tokenizer has no single token for {', '.join(lost)}; the trainer's tokenizer "
                                "for this template should, so counts here run high")
    if template == "phi_4":
        result.notes.append("phi_4 rows without a system message also carry the trainer's built-in system prompt "
                            "(a few hundred tokens) that these counts leave out")
    batch: list[t.Any] = []
    for entry in entries:
        result.rows += 1
        for d in entry.diagnostics:
            n = result.counts[d.code] = result.counts.get(d.code, 0) + 1
            if n <= KEPT_PER_CODE or d.code.startswith("T"):
                result.diagnostics.append(d)
        result.dropped += entry.dropped
        if entry.ok:
            batch.append(entry)
            result.injected_system += entry.default_system
        if len(batch) >= BATCH:
            _count(result, batch, count)
            batch = []
    if batch:
        _count(result, batch, count)
    return result


def _count(result: Stats, batch: list[t.Any], count: t.Any) -> None:
    from ftprep.templates import Rendered

    items: list[Rendered] = []
    for e in batch:
        if e.pair is not None:
            items += [e.pair["prompt"], e.pair["chosen"], e.pair["rejected"]]
        else:
            items.append(Rendered(e.text, e.spans))
    counts = iter(count.count(items))
    for e in batch:
        if e.pair is not None:
            (p, _), (c, ct), (r, rt) = next(counts), next(counts), next(counts)
            n, trained = p + max(c, r), ct + rt
        else:
            n, trained = next(counts)
        result.lengths.append(n)
        result.trained.append(trained)
        result.lines.append(e.line or 0)
        result.row_ids.append(e.row)
        # Only rows whose data has assistant text: C008/C010 already report the rest.
        if trained == 0 and e.expects_training:
            result.empty_trained.append((e.line, e.row))


__all__ = ["THROUGHPUT", "Stats", "stats"]


def length_diagnostics(path: str, task: Task, opts: Options, display: str,
                       stats_out: dict[str, t.Any] | None = None) -> list[Diagnostic]:
    """Over-length rows (T001), rows with nothing trained (T002) and mangled DPO
    responses (T003) of one local file, for `check --tokenizer/--max-seq-len`.
    The `Stats` behind them go to `stats_out["tokens"]` (a FileReport's stats),
    so `check --html` can draw the histogram of the counts just made."""
    if task.kind != "rows":
        return []
    result = stats(path, task=task.name, chat_template=opts.chat_template, tokenizer=opts.tokenizer,
                   max_seq_len=opts.max_seq_len or DEFAULT_MAX_SEQ_LEN, display=display, options=opts)
    if stats_out is not None:
        stats_out["tokens"] = result
    found = [d for d in result.diagnostics if d.code.startswith("T")] + result.length_diagnostics()
    return sorted(found, key=lambda d: -1 if d.row is None else d.row)
