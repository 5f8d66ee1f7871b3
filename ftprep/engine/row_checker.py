"""The row engine: decode, recognise clean rows fast, explain the rest.

A `RowChecker` folds lines of JSON (or records, encoded back to lines) into a `Scan`: findings
and small dataset-level state (duplicate hashes, absent-column counts, empty rows). A list of
lines is first decoded whole into typed structs (C speed); only when a line fails, or a row is
not recognised as clean, is it decoded alone and explained. Reading the lines is jsonl_scan's.
"""

from __future__ import annotations

import typing as t

import msgspec

from ftprep.engine.inference import typed_layout
from ftprep.engine.pairs_quality import (language_kept, refused_answer, refused_pair, tally_answers, tally_exchanges,
                                         tally_pairs)
from ftprep.core.bounds import TooDeep
from ftprep.reading.parse_errors import decode_error, duplicate_key, lost_key_rows, too_deep
from ftprep.engine import answer_tally, portable_keys, secrets_scan
from ftprep.engine.scan_state import EMPTY_CODES, Scan
from ftprep.engine.row_parts import strings, trained_columns
from ftprep.engine.text_suspects import TextSuspects
from ftprep.tasks import Task
from ftprep.core.options import Options
from ftprep.tasks.base import Finding, a, kind


class RowChecker:
    """One task's rules, bound to its options, for one process."""

    def __init__(self, task: Task, opts: Options) -> None:
        self.task, self.opts = task, opts
        self.typed = msgspec.json.Decoder(task.row_type(opts))
        self.generic = msgspec.json.Decoder()
        self.encoder = msgspec.json.Encoder()
        self.clean = task.is_clean(opts)
        self.texts = task.texts(opts)
        # A task with its own row_hash trains every column (GRPO extras reach the
        # reward functions); the others train only their mapped columns.
        self.whole_row = hasattr(task.module, "row_hash")
        self.trained = None if self.whole_row else trained_columns(task.row_type(opts))
        self.key = task.module.row_hash if self.whole_row else hash
        self.block_keys = getattr(task.module, "row_hashes", None)  # (the same keys, a block at a time)
        self.all_clean = task.module.make_all_clean(opts) if hasattr(task.module, "make_all_clean") else None
        self.required = list(task.mapped(opts).values())
        self.suspects = TextSuspects(task, opts)
        self.conversation = task.mapped(opts).get("field_conversation")
        self.layout = typed_layout(task.name, opts)
        # Truncated answers (Q026) are counted over every typed row, unless deselected.
        self.answer_field = self.conversation or (self.required[1] if len(self.required) > 1 else None)
        self.truncation = "truncation" in self.suspects.kept and task.base in ("chat", "text", "dpo")
        # The token accounting of the same lines (ftprep.engine.lengths.LengthTally), when asked for.
        self.tally: t.Any = None
        # Counted in the pass: DPO pairs' length bias and languages, text rows' languages;
        # the languages' sample only when Q031 may be reported (per-file ignores count as kept).
        self.paired, self.answered = task.base == "dpo", task.base == "text"
        self.languages = language_kept(opts)
        # Lines written from values (Arrow batches) cannot repeat a key: no P015 to look for.
        self.unique_keys = False
        self.portable = portable_keys.key_maker(self.encoder, self.trained)  # on a cluster's worker

    def keys(self, rows: list[t.Any]) -> t.Iterator[int]:
        """Duplicate keys of typed rows, at C speed (no Python call per row)."""
        if self.portable is not None:
            return map(self.portable, rows)
        if self.trained is None:
            return map(self.key, rows) if self.block_keys is None else self.block_keys(rows)
        return map(hash, map(self.trained, rows))

    # -- explain path ---------------------------------------------------------
    def explain_obj(self, scan: Scan, obj: t.Any, line: int | None, row: int) -> int:
        """Every finding of one decoded record; returns its duplicate key (0: none)."""
        if not isinstance(obj, dict):
            scan.unparsed += 1
            scan.add(line, row, Finding("P005", f"record is {a(kind(obj))}, not an object"))
            return 0
        if len(scan.keys) < 1000:
            scan.keys.update(k for k in obj if isinstance(k, str))
        unkeyed = False
        for col in self.required:
            if col not in obj:
                scan.absent[col] = scan.absent.get(col, 0) + 1
            if obj.get(col) is None:
                unkeyed = True
        try:
            findings = self.task.explain(obj, self.opts)
        except RecursionError:  # decoded, but too deep to walk (or a JSON string in it is)
            scan.add(line, row, too_deep())
            return 0
        findings += secrets_scan.findings(self._located_texts(obj))
        empty = {f.field for f in findings if f.code in EMPTY_CODES}
        if self.required and empty.issuperset(self.required):
            scan.empty_rows += 1
        for f in findings:
            scan.add(line, row, f)
        if unkeyed:  # a row without a trained value already has its finding; "duplicate" would be noise
            return 0
        try:
            return self._trained_key(obj)
        except RecursionError:
            scan.add(line, row, too_deep())
            return 0

    def _trained_key(self, obj: dict[str, t.Any]) -> int:
        """Keyed on the trained columns only: decoded into the row type when that
        works, so that the key equals the fast path's for the same trained values."""
        whole = self.whole_row or not self.required
        trained = self.encoder.encode(obj if whole else {c: obj[c] for c in self.required})
        try:
            return next(self.keys([self.typed.decode(trained)])) or 1
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return (hash(trained) if self.portable is None else portable_keys.raw_key(trained)) or 1

    def line_key(self, line: bytes) -> int:
        """The duplicate key a scan gives one JSON line (0: none), without its findings:
        what convert --dedupe drops on is what D001 reports."""
        try:
            return next(self.keys([self.typed.decode(line)]))
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            pass
        try:
            obj = self.generic.decode(line)
            if not isinstance(obj, dict) or any(obj.get(c) is None for c in self.required):
                return 0
            return self._trained_key(obj)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            return 0

    def _located_texts(self, obj: dict[str, t.Any]) -> list[tuple[str, str]]:
        """The texts the fast path scans (the task's `texts` of the typed row), each
        with its column, so that explain finds exactly the secrets the fast path would."""
        cols = self.required
        try:
            row = self.typed.decode(self.encoder.encode({c: obj[c] for c in cols} if cols else obj))
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError, KeyError, TypeError):
            # Not the row type, so the fast path never passes it: every string of its columns.
            return [(x, c) for c in cols for x in strings(obj.get(c))]
        texts = self.texts([row])
        counts = self.task.text_counts([row])
        if isinstance(counts, int) and counts == len(cols):
            return list(zip(texts, cols))
        return [(x, cols[0] if cols else "text") for x in texts]

    def records(self, scan: Scan, records: list[t.Any]) -> None:
        """Records of a table or a JSON array. They are encoded back to JSON
        Lines so that one code path checks every format; the caller maps the
        pseudo line numbers (row + 1) to real ones."""
        if not records:
            return
        if self.conversation is not None:
            # A CSV cell holds the conversation as JSON text; the trainer json-loads
            # it, so do that first and let the typed decode judge the list.
            col, decode = self.conversation, self.generic.decode
            for i, rec in enumerate(records):
                value = rec.get(col) if isinstance(rec, dict) else None
                if isinstance(value, str):
                    stripped = value.strip()
                    if stripped.startswith("[") and stripped.endswith("]"):
                        try:
                            rec[col] = decode(stripped)
                        except (msgspec.DecodeError, UnicodeDecodeError):
                            pass
                        except RecursionError:
                            records[i] = TooDeep(None)
        try:
            if any(type(r) is TooDeep for r in records):
                raise RecursionError  # a stand-in for a record that could not be decoded
            encoded = self.encoder.encode_lines(records).split(b"\n")[:-1]
        except RecursionError:
            self._records_one_by_one(scan, records)
            return
        self.lines(scan, encoded, False)

    def _records_one_by_one(self, scan: Scan, records: list[t.Any]) -> None:
        """Records with some too deep to encode: runs of good ones go through
        `lines`, each deep one is a P013 in its row."""
        run: list[bytes] = []
        for rec in records:
            try:
                if not isinstance(rec, TooDeep):
                    run.append(self.encoder.encode(rec))
                    continue
            except RecursionError:
                pass
            self.lines(scan, run, False)
            run = []
            scan.lines += 1
            scan.rows += 1
            scan.hashes.append(0)
            scan.add(scan.lines, scan.rows - 1, too_deep())
        self.lines(scan, run, False)

    # -- JSON Lines -----------------------------------------------------------
    def lines(self, scan: Scan, lines: list[bytes], truncated_tail: bool) -> None:
        """Scan a list of lines (without their newlines). `truncated_tail`: the
        last line is the end of a file without a final newline, so a parse
        failure there is a truncation."""
        if not lines:
            return
        if self.tally is not None:  # the rows as the trainer's prep reads them, counted in tokens
            self.tally.lines(scan.lengths, lines, scan.lines + 1, scan.rows, truncated_tail)
        rows, failed = self._decoded(lines)
        first_line, first_row = scan.lines + 1, scan.rows
        scan.lines += len(lines)
        if not failed:
            scan.rows += len(rows)
            scan.hashes.extend(self.keys(rows))
            self._typed_rows(scan, lines, rows, range(len(rows)), lambda k: first_line + k, lambda k: first_row + k)
            return
        bad = set(failed)
        blank = {i for i in failed if not lines[i].strip()}
        line_of = [i for i in range(len(lines)) if i not in bad]
        counted = [i for i in range(len(lines)) if i not in blank]
        row_index = {ln: k for k, ln in enumerate(counted)}
        row_of = [row_index[i] for i in line_of]
        scan.rows += len(counted)
        keys = [0] * len(counted)
        for k, key in zip(row_of, self.keys(rows)):
            keys[k] = key
        if blank:  # lines and rows part ways: remember where
            for r, i in enumerate(counted):
                offset = first_line + i - (first_row + r) - 1
                if offset != scan.offset:
                    scan.gaps.append((first_row + r, offset))
                    scan.offset = offset
            if scan.lines - scan.rows != scan.offset:  # blank lines at the end of the block
                scan.offset = scan.lines - scan.rows
                scan.gaps.append((scan.rows, scan.offset))
        self._typed_rows(scan, lines, rows, line_of, lambda k: first_line + line_of[k], lambda k: first_row + row_of[k])
        last = len(lines) - 1
        for i in failed:
            text = lines[i].strip()
            if not text:
                continue
            keys[row_index[i]] = self._explain_line(scan, text, first_line + i, first_row + row_index[i],
                                                    truncated=truncated_tail and i == last,
                                                    lead=len(lines[i]) - len(lines[i].lstrip()))
        scan.hashes.extend(keys)

    def lines_at(self, scan: Scan, lines: list[bytes], at: t.Sequence[int], span: int, types: bool = True) -> list[int]:
        """Scan some rows of a run of `span` rows written from values (no blank line among
        them), line k being the run's row at[k]: the run's rows and lines are counted, and
        the lines' keys are returned rather than kept (the caller keys the run's other rows).
        With `types` False the column types of the typed rows are left to the caller too."""
        first_line, first_row = scan.lines + 1, scan.rows
        scan.lines += span
        scan.rows += span
        if not lines:
            return []
        rows, failed = self._decoded(lines)
        bad = set(failed)
        line_of = [i for i in range(len(lines)) if i not in bad] if failed else range(len(lines))
        keys = [0] * len(lines)
        for i, key in zip(line_of, self.keys(rows)):
            keys[i] = key
        self._typed_rows(scan, lines, rows, line_of, lambda k: first_line + at[line_of[k]],
                         lambda k: first_row + at[line_of[k]], types)
        for i in failed:
            keys[i] = self._explain_line(scan, lines[i], first_line + at[i], first_row + at[i], False)
        return keys

    def _decoded(self, lines: list[bytes]) -> tuple[list[t.Any], list[int]]:
        """The lines that decode into the row type, and the indices of those that do not.
        Decoded at C speed: a failing line stops `extend` right after the rows before it,
        so each failure costs one Python round trip."""
        rows: list[t.Any] = []
        failed: list[int] = []
        it = iter(lines)
        decode = self.typed.decode
        while True:
            try:
                rows.extend(map(decode, it))
                return rows, failed
            except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                failed.append(len(rows) + len(failed))

    def _typed_rows(self, scan: Scan, lines: list[bytes], rows: list[t.Any], line_of: t.Sequence[int],
                    line_no: t.Callable[[int], int], row_no: t.Callable[[int], int], types: bool = True) -> None:
        """Typed rows (row k is lines[line_of[k]], at line_no(k) and row row_no(k)): tallied, and the suspects explained."""
        if not rows:
            return
        suspects: set[int] = set(range(len(rows))) if self.opts.explain_all else set()
        flags = [] if self.all_clean is not None and self.all_clean(rows) else list(map(self.clean, rows))
        if not all(flags):
            suspects.update(k for k, ok in enumerate(flags) if not ok)
        raw = lines if len(line_of) == len(lines) else [lines[i] for i in line_of]
        if not self.unique_keys:
            suspects.update(lost_key_rows(raw, rows, self.encoder, self.generic))  # P015 is explain's to say
        texts = self.texts(rows)
        if self.paired or self.answered:
            place = lambda k: (line_no(k), row_no(k))  # noqa: E731
            if self.paired:
                tally_pairs(scan, texts[0::3], texts[1::3], texts[2::3], place, self.languages)
            elif self.languages:
                tally_answers(scan, texts[0::2], texts[1::2], self.required[1], place)
        if self.languages:
            tally_exchanges(scan, self.task, rows, self.required, row_no)
        if self.truncation:
            answer_tally.tally(scan, self.task.base, rows, texts, self.answer_field, row_no)
        if types:
            scan.types.typed_rows(self.layout, rows, texts, row_no)
        suspects |= self.suspects.rows(rows, texts, raw, suspects)
        for k in sorted(suspects):
            self._explain_line(scan, lines[line_of[k]], line_no(k), row_no(k), False, typed=True)

    def _explain_line(self, scan: Scan, text: bytes, line: int, row: int, truncated: bool,
                      typed: bool = False, lead: int = 0) -> int:
        """Decode and explain one line; `typed`: it decoded into the row type, whose
        column types were counted already."""
        try:
            obj = self.generic.decode(text)
        except (msgspec.DecodeError, UnicodeDecodeError) as e:
            scan.unparsed += 1
            scan.add(line, row, decode_error(text, e, truncated, lead))
            return 0
        except RecursionError:
            scan.add(line, row, too_deep())
            return 0
        if repeated := duplicate_key(text, obj, self.encoder):
            scan.add(line, row, repeated)
        if isinstance(obj, dict) and not typed:
            scan.types.record(obj, row, self.conversation)
            sides = [obj.get(c) for c in self.required]
            if self.paired:  # a row the typed decode refused: its pair, if it has one, counts
                refused_pair(scan, obj, sides, self.opts, line, row, self.languages)
            elif self.answered and self.languages:
                refused_answer(scan, sides, self.required[1], line, row)
        return self.explain_obj(scan, obj, line, row)


__all__ = ["RowChecker", "trained_columns"]
