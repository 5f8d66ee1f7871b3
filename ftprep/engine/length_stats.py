"""`Stats`: the token statistics of one file, a value with no IO.

Made by `ftprep.stats` and by `check --tokenizer/--max-seq-len` (ftprep.engine.lengths),
read by the reporters and the HTML page. Line and row numbers are local to the
scan that made them until `shift` moves them, so the statistics of blocks of
one file, counted by several processes, merge in order (`merge`).
"""

from __future__ import annotations

import array
import bisect
import dataclasses
import math
import typing as t

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.options import DEFAULT_MAX_SEQ_LEN, THROUGHPUT
from ftprep.engine.tokens import BASE_SEQ_LEN
from ftprep.tasks import base_of

# The time view's assumption: LoRA on a ~7B model on one H100 at ~35% of its
# bf16 peak (6 x 7e9 FLOPs per token). Real trainers differ several-fold.
THROUGHPUT_NOTE = "~7B model, LoRA, one H100 at ~35% utilisation; real speed varies several-fold with model, GPUs, settings"
SAMPLES = 3  # rendered rows kept for the page, the first ones read
# Log-spaced bins per decade, finest first: the histogram takes the finest that fits its bin budget.
PER_DECADE = (40, 20, 12, 10, 8, 6, 5, 4, 3, 2, 1)


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    """One rendered row as the template wrote it: `parts` are (label, text, trained spans);
    one part ("text") for chat, text and grpo, three (prompt, chosen, rejected) for dpo."""

    line: int | None
    row: int
    parts: tuple[tuple[str, str, tuple[tuple[int, int], ...]], ...]


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
    # Row findings kept per code (`counts` stays exact); T codes are all kept.
    kept_per_code: int = 1000
    # Tokens before the trained text (chat, text: untrained tokens; dpo: the prompt), per rendered row.
    prompt: array.array = dataclasses.field(default_factory=lambda: array.array("q"))
    # chat: conversations per number of messages, and messages per role (rendered rows).
    turns: dict[int, int] = dataclasses.field(default_factory=dict)
    roles: dict[str, int] = dataclasses.field(default_factory=dict)
    samples: list[Sample] = dataclasses.field(default_factory=list)
    # The counts of the last batch still being tokenized (LengthTally): `settle`
    # applies it; a copy (`dataclasses.replace`) or a pickle never carries it.
    pending: t.Callable[[], None] | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def settle(self) -> None:
        """Wait for the batch still being counted and add it (a no-op when none is)."""
        while self.pending is not None:
            job, self.pending = self.pending, None
            job()

    def __getstate__(self) -> dict[str, t.Any]:
        self.settle()  # a worker's statistics leave its process complete
        return {k: v for k, v in self.__dict__.items() if k != "pending"}

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
    def base_seq_len(self) -> int:
        """The trainer's base config's sequence_len, which the page and the JSON compare with."""
        return BASE_SEQ_LEN

    @property
    def total_tokens(self) -> int:
        return sum(self.lengths)

    @property
    def total_trained(self) -> int:
        return sum(self.trained)

    def summary(self, values: t.Sequence[int] | None = None) -> dict[str, int] | None:
        self.settle()
        data = sorted(self.lengths if values is None else values)
        if not data:
            return None
        pick = lambda p: data[max(0, math.ceil(p / 100 * len(data)) - 1)]
        return {"min": data[0], "p50": pick(50), "p90": pick(90), "p99": pick(99), "max": data[-1]}

    def over(self, limit: int) -> list[tuple[int | None, int, int]]:
        """(line, row, tokens) of each row longer than `limit` tokens."""
        self.settle()
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

    def by_severity(self) -> dict[str, int]:
        """Rows per severity of the findings of prep and the template (`counts`, exact)."""
        from ftprep.core.codes import severity_of

        out: dict[str, int] = {}
        for code, n in self.counts.items():
            out[severity_of(code)] = out.get(severity_of(code), 0) + n
        return out

    def log_histogram(self, most: int = 24) -> list[tuple[int, int, int]]:
        """(low, high, rows) on log-spaced round edges (high exclusive), at most `most`
        bins where the data allows; `max_seq_len` + 1 is always an edge, so no bin
        holds rows on both sides of the limit."""
        if not self.lengths:
            return []
        data = sorted(self.lengths)
        low, top = data[0], data[-1]
        if top - low < most:
            edges = list(range(low, top + 2))
        else:
            for per in PER_DECADE:
                edges = _log_edges(low, top, per)
                if len(edges) - 1 <= most:
                    break
        if low <= self.max_seq_len < top and self.max_seq_len + 1 not in edges:
            bisect.insort(edges, self.max_seq_len + 1)
        at = [bisect.bisect_left(data, e) for e in edges]
        return [(edges[i], edges[i + 1], at[i + 1] - at[i]) for i in range(len(edges) - 1)]

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
        self.settle()
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
            "prompt_tokens_per_row": self.summary(self.prompt),
            "turns_per_conversation": {str(k): v for k, v in sorted(self.turns.items())} or None,
            "messages_per_role": dict(sorted(self.roles.items(), key=lambda kv: -kv[1])) or None,
            "time": self.time_view(), "notes": self.notes,
            "diagnostics": [dict(d.to_json(), path=d.path) for d in self.diagnostics],
            "diagnostic_counts": dict(self.counts),
        }

    def keep(self, d: Diagnostic) -> None:
        """Count a row finding, and keep it while its code is under `kept_per_code` (T codes always)."""
        n = self.counts[d.code] = self.counts.get(d.code, 0) + 1
        if n <= self.kept_per_code or d.code.startswith("T"):
            self.diagnostics.append(d)

    def shift(self, lines: int, rows: int) -> None:
        """Move local line and row numbers by a block's start (0 in `lines` stays: no line)."""
        self.settle()
        if not lines and not rows:
            return
        self.lines = array.array("q", (n + lines if n else 0 for n in self.lines))
        self.row_ids = array.array("q", (r + rows for r in self.row_ids))
        self.empty_trained = [(None if ln is None else ln + lines, r + rows) for ln, r in self.empty_trained]
        self.samples = [dataclasses.replace(x, line=x.line and x.line + lines, row=x.row + rows) for x in self.samples]
        self.diagnostics = [dataclasses.replace(d, line=None if d.line is None else d.line + lines,
                                                row=None if d.row is None else d.row + rows)
                            for d in self.diagnostics]

    def merge(self, other: Stats) -> None:
        """Append the statistics of the rows after these (already shifted)."""
        self.settle()
        other.settle()
        kept: dict[str, int] = {}
        for d in self.diagnostics:
            kept[d.code] = kept.get(d.code, 0) + 1
        for d in other.diagnostics:
            if kept.get(d.code, 0) < self.kept_per_code or d.code.startswith("T"):
                kept[d.code] = kept.get(d.code, 0) + 1
                self.diagnostics.append(d)
        for code, n in other.counts.items():
            self.counts[code] = self.counts.get(code, 0) + n
        self.rows += other.rows
        self.lengths.extend(other.lengths)
        self.trained.extend(other.trained)
        self.lines.extend(other.lines)
        self.row_ids.extend(other.row_ids)
        self.empty_trained += other.empty_trained
        self.injected_system += other.injected_system
        self.dropped += other.dropped
        self.prompt.extend(other.prompt)
        for n, c in other.turns.items():
            self.turns[n] = self.turns.get(n, 0) + c
        for role, c in other.roles.items():
            self.roles[role] = self.roles.get(role, 0) + c
        self.samples = (self.samples + other.samples)[:SAMPLES]


def _log_edges(low: int, top: int, per: int) -> list[int]:
    """Integer edges from `low` to `top` + 1, `per` to a decade, rounded to two
    significant digits so that the labels read as round numbers."""
    edges = {low, top + 1}
    k = math.floor(math.log10(max(low, 1)) * per)
    while True:
        e = int(float(f"{10 ** (k / per):.2g}"))
        k += 1
        if e > top:
            return sorted(edges)
        if e > low:
            edges.add(e)


__all__ = ["SAMPLES", "THROUGHPUT", "THROUGHPUT_NOTE", "Sample", "Stats"]
