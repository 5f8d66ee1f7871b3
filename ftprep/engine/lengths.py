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

One `LengthTally` counts rows as they are read, whoever reads them: `stats`
from the record reader, `check --tokenizer/--max-seq-len` from its scan's pass
(ftprep.engine.file_scans), so a check reads its file once.
"""

from __future__ import annotations

import dataclasses
import typing as t
from typing import Unpack

import msgspec

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.keywords import StatsOptions
from ftprep.core.options import DEFAULT_MAX_SEQ_LEN, Options
from ftprep.engine.length_stats import SAMPLES, THROUGHPUT, THROUGHPUT_NOTE, Sample, Stats  # noqa: F401
from ftprep.engine.row_render import DEFAULT_TEMPLATE, Entry, RowRenderer
from ftprep.engine.settings import settle
from ftprep.engine.tokens import BATCH, Counter, counter, missing_specials
from ftprep.engine.secrets_scan import masked
from ftprep.tasks import ROWS, base_of

if t.TYPE_CHECKING:
    from ftprep.tasks import Task
    from ftprep.templates import Rendered

# Row findings kept per code (the counts stay exact): a 1M-row alpaca file has an
# S003 on every row, and stats only shows the first few. T codes, which
# `check --tokenizer` reads from here, are all kept.
KEPT_PER_CODE = 1000


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
    from ftprep.engine.renderer import iter_entries

    opts = settle("stats", options, keywords)
    max_seq_len, rows, as_converted = opts.max_seq_len or DEFAULT_MAX_SEQ_LEN, opts.rows, opts.as_converted
    hours, throughput, tokenizer = opts.hours, opts.throughput, opts.tokenizer
    count = counter(tokenizer)
    where = display or path
    name, view, shape, entries = iter_entries(path, opts, limit=rows, display=where, as_converted=as_converted)
    tally = LengthTally(count)
    result = tally.blank(where, name, opts, max_seq_len, hours=hours, throughput=throughput, view=view, shape=shape)
    batch: list[Entry] = []
    progress = opts.progress
    if progress is not None:  # the rows are not known before they are read: no total
        progress("tokens", 0, rows)
    for entry in entries:
        batch.append(entry)
        if len(batch) >= BATCH:
            tally.entries(result, batch)
            batch = []
            if progress is not None:
                progress("tokens", result.rows, rows)
    tally.entries(result, batch)
    result.settle()
    if progress is not None:
        progress("tokens", result.rows, result.rows)
    return result


class LengthTally:
    """Counts rendered rows into a `Stats`, as they are read: from the one record
    reader (`stats`), or from the blocks of lines and the records that the check's
    scan reads (`lines`, `records`), so that a check with token options reads its
    file once. `rows` renders records; `entries` alone needs none."""

    def __init__(self, count: Counter, rows: RowRenderer | None = None) -> None:
        self.count, self.rows = count, rows
        self.decode = msgspec.json.Decoder().decode

    def blank(self, where: str, name: str, opts: Options, max_seq_len: int, **header: t.Any) -> Stats:
        """Empty statistics of one file, with the notes about its template and tokenizer."""
        from ftprep.templates import get

        template = opts.chat_template or DEFAULT_TEMPLATE
        text = base_of(name) == "text"
        result = Stats(where, name, None if text else template, self.count.name, self.count.exact, max_seq_len,
                       kept_per_code=KEPT_PER_CODE, **header)
        if not text:
            lost = missing_specials(self.count, get(template).specials)
            if lost:
                result.notes.append(f"the tokenizer has no single token for {', '.join(lost)}; the trainer's "
                                    "tokenizer for this template should, so counts here run high")
        if template == "phi_4":
            result.notes.append("phi_4 rows without a system message also carry the trainer's built-in system "
                                "prompt (a few hundred tokens) that these counts leave out")
        return result

    def entries(self, result: Stats, entries: t.Sequence[Entry]) -> None:
        """Count a batch of rows: their findings, then the tokens of those rendered."""
        rendered: list[Entry] = []
        for entry in entries:
            result.rows += 1
            for d in entry.diagnostics:
                result.keep(d)
            result.dropped += entry.dropped
            if entry.ok:
                rendered.append(entry)
                result.injected_system += entry.default_system
        if not rendered:
            return
        items = _items(rendered)
        start = getattr(self.count, "start", None)
        if start is None:
            _apply(result, rendered, self.count.count(items))
            return
        # This batch is tokenized while the caller reads and renders the next. The
        # previous one goes into `result` first, so the order holds; one batch at a
        # time in the tokenizer keeps one batch of encodings in memory.
        result.settle()
        job = start(items)
        result.pending = lambda: _apply(result, rendered, job())

    def records(self, result: Stats, records: t.Iterable[tuple[int | None, int, t.Any]]) -> None:
        """Count (line, row, record or Diagnostic) as the scan reads them."""
        entry = t.cast(RowRenderer, self.rows).entry
        self.entries(result, [entry(line, row, rec) for line, row, rec in records])

    def lines(self, result: Stats, lines: t.Sequence[bytes], first_line: int, first_row: int,
              truncated_tail: bool) -> None:
        """Count a block of JSON Lines (without their newlines) as the record reader
        reads them: blank lines are no rows, a line that does not decode is its finding."""
        from ftprep.reading.parse_errors import decode_error
        from ftprep.reading.read_findings import too_deep

        where = t.cast(RowRenderer, self.rows).where
        records: list[tuple[int | None, int, t.Any]] = []
        row, last = first_row, len(lines) - 1
        for i, raw in enumerate(lines):
            text = raw.strip()
            if not text:
                continue
            line = first_line + i
            try:
                records.append((line, row, self.decode(text)))
            except (msgspec.DecodeError, UnicodeDecodeError) as e:
                f = decode_error(text, e, truncated=truncated_tail and i == last, lead=len(raw) - len(raw.lstrip()))
                records.append((line, row, Diagnostic(f.code, f.message, where, line=line, row=row, hint=f.hint,
                                                      column=f.column)))
            except RecursionError:
                records.append((line, row, too_deep(where, line, row)))
            row += 1
        self.records(result, records)


def _items(batch: list[Entry]) -> list[Rendered]:
    """The renderings to count: one per row, three (prompt, chosen, rejected) per dpo row."""
    from ftprep.templates import Rendered

    items: list[Rendered] = []
    for e in batch:
        if e.pair is not None:
            items += [e.pair["prompt"], e.pair["chosen"], e.pair["rejected"]]
        else:
            items.append(Rendered(t.cast(str, e.text), e.spans))
    return items


def _apply(result: Stats, batch: list[Entry], got: list[tuple[int, int]]) -> None:
    counts = iter(got)
    for e in batch:
        if e.pair is not None:
            (p, _), (c, ct), (r, rt) = next(counts), next(counts), next(counts)
            n, trained, prompt = p + max(c, r), ct + rt, p
        else:
            n, trained = next(counts)
            prompt = n - trained
        result.lengths.append(n)
        result.trained.append(trained)
        result.prompt.append(prompt)
        if e.roles:  # chat: the page's turns per conversation and messages per role
            result.turns[len(e.roles)] = result.turns.get(len(e.roles), 0) + 1
            for role in e.roles:
                result.roles[role] = result.roles.get(role, 0) + 1
        if len(result.samples) < SAMPLES:
            # The page shows these rows: secrets and personal data are starred out (same length).
            parts = (tuple((k, masked(v.text), tuple(v.spans)) for k, v in e.pair.items()) if e.pair is not None
                     else (("text", masked(t.cast(str, e.text)), tuple(e.spans)),))
            result.samples.append(Sample(e.line, e.row, parts))
        result.lines.append(e.line or 0)
        result.row_ids.append(e.row)
        # Only rows whose data has assistant text: C008/C010 already report the rest.
        if trained == 0 and e.expects_training:
            result.empty_trained.append((e.line, e.row))


def check_tally(task: Task, opts: Options, where: str, columns: t.Collection[str]) -> tuple[LengthTally, Stats] | None:
    """The token accounting of `check --tokenizer/--max-seq-len` for one local file
    (None for a task without rows to render). Raises TokenizerError (a ValueError)
    for a tokenizer that cannot be loaded, before any row is read."""
    if task.kind != ROWS:
        return None
    opts = dataclasses.replace(opts, task=task.name)
    tally = LengthTally(counter(opts.tokenizer), RowRenderer(task.name, opts, sorted(columns), where))
    return tally, tally.blank(where, task.name, opts, opts.max_seq_len or DEFAULT_MAX_SEQ_LEN)


def length_findings(result: Stats) -> list[Diagnostic]:
    """Over-length rows (T001), rows with nothing trained (T002) and mangled DPO
    responses (T003), in row order: what `check --tokenizer/--max-seq-len` reports."""
    result.settle()
    found = [d for d in result.diagnostics if d.code.startswith("T")] + result.length_diagnostics()
    return sorted(found, key=lambda d: -1 if d.row is None else d.row)


def estimate_later(path: str, task: str, opts: Options | None = None) -> t.Callable[[], Stats | None]:
    """Estimated lengths on demand, for an HTML page about a check run without token
    options (it reads the file again, with the check's template and column mapping;
    None when it cannot be read)."""
    def later() -> Stats | None:
        try:
            return stats(path, options=dataclasses.replace(opts or Options(), task=task))
        except Exception:  # noqa: BLE001 - the page is still useful without a histogram
            return None

    return later


__all__ = ["THROUGHPUT", "LengthTally", "Stats", "check_tally", "estimate_later", "length_findings", "stats"]
