"""A baseline: the findings a team has accepted, so that a check reports only new ones.

JSON Lines cannot hold a `# noqa` comment, so accepted findings live beside
the data, as phpstan's and detekt's baselines do. The file (version 1):

    {"version": 1, "tool": "ftprep",
     "findings": [{"code": "C013", "path": "data/train.jsonl", "field": "$.messages[0]",
                   "key": "5f0c9a1e2b3d4c6f", "first_key": null, "count": 1}, ...]}

`key` names the row, not its line: the first 8 bytes (hex) of a BLAKE2b hash of
the row's canonical JSON (every column, keys sorted, compact). Inserting rows
above it or editing other rows leaves it; editing the row itself changes it,
and the finding is reported again. A duplicate (D001) also names the row it
repeats (`first_key`). A file-level finding, or a row that could not be read
(an undecodable line, standard input, a Hub repo or URL, an image), has `key` null: it is matched by
code, path and field. `path` is relative to the baseline's folder (a URL as
given). `count` is how many rows the entry accepts: a finding standing for
several rows needs that many; findings beyond `max_per_code` (not shown) are
entries with `field` "not shown". A finding matches when an entry with its
code, path, field and keys has rows left; the rest are reported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import typing as t

from ftprep.core.diagnostics import Diagnostic, FileReport, Report
from ftprep.core.errors import BaselineError
from ftprep.disk.outputs import write_text

BASELINE_VERSION = 1
NOT_SHOWN = "not shown"
Entry = tuple[str, str, str | None, str | None, str | None]  # code, path, field, key, first key


def row_key(record: t.Any) -> str:
    """The stable key of one record: its canonical JSON, hashed."""
    import msgspec

    return hashlib.blake2b(msgspec.json.encode(record, order="sorted"), digest_size=8).hexdigest()


def row_keys(path: str, rows: set[int]) -> dict[int, str]:
    """The keys of the given rows of a local data file (rows that cannot be read have none)."""
    from ftprep.reading.formats import is_image_set
    from ftprep.reading.records import read_records

    if not rows or "://" in path or path == "-" or not os.path.isfile(path) or is_image_set(path, None):
        return {}
    last, out = max(rows), {}
    try:
        _, records = read_records(path)
        for _line, row, rec in records:
            if row > last:
                break
            if row in rows and not isinstance(rec, Diagnostic):
                out[row] = row_key(rec)
    except (OSError, ValueError, RecursionError):  # the check already reported why; those rows go unkeyed
        pass
    return out


def _place(path: str, folder: str) -> str:
    if "://" in path or path == "-":
        return path
    return os.path.relpath(os.path.abspath(path), folder).replace(os.sep, "/")


def _entries(f: FileReport, folder: str) -> list[tuple[Entry, int, Diagnostic | None]]:
    """(entry, rows it stands for, the finding) for each finding of one file, and its counts not shown."""
    keys = row_keys(f.path, {r for d in f.diagnostics for r in (d.row, d.first_row) if r is not None})
    place = _place(f.path, folder)
    out: list[tuple[Entry, int, Diagnostic | None]] = []
    for d in f.diagnostics:
        key = None if d.row is None else keys.get(d.row)
        first = None if d.first_row is None else keys.get(d.first_row)
        out.append(((d.code, place, d.field, key, first), d.count, d))
    out += [((code, place, NOT_SHOWN, None, None), n, None) for code, n in sorted(f.dropped.items())]
    return out


def baseline_json(report: Report, folder: str) -> dict[str, t.Any]:
    """The baseline of `report`'s findings, paths relative to `folder`."""
    counts: dict[Entry, int] = {}
    for f in report.files:
        for entry, n, _ in _entries(f, folder):
            counts[entry] = counts.get(entry, 0) + n
    names = ("code", "path", "field", "key", "first_key")
    return {"version": BASELINE_VERSION, "tool": "ftprep",
            "findings": [{**dict(zip(names, e)), "count": n} for e, n in counts.items()]}


def write_baseline(report: Report, target: str | os.PathLike[str]) -> int:
    """Record `report`'s findings in the baseline file `target` (atomically; never
    onto an input). Returns how many findings it records."""
    path = os.fspath(target)
    data = baseline_json(report, os.path.dirname(os.path.abspath(path)))
    write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n", [f.path for f in report.files],
               "the baseline")
    return len(report.diagnostics) + sum(sum(f.dropped.values()) for f in report.files)


def read_baseline(path: str | os.PathLike[str]) -> dict[Entry, int]:
    """The entries of a baseline file, with the rows each accepts; BaselineError when it is not one."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise BaselineError(f"{name}: cannot read the baseline: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BaselineError(f"{name}: not a baseline (invalid JSON: {e})") from None
    if not isinstance(data, dict) or data.get("tool") != "ftprep" or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{name}: not an ftprep baseline (write one with --write-baseline)")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{name}: baseline version {data.get('version')!r}; this ftprep reads version "
                            f"{BASELINE_VERSION}")
    out: dict[Entry, int] = {}
    for item in data["findings"]:
        try:
            entry = (item["code"], item["path"], item["field"], item["key"], item["first_key"])
            n = int(item["count"])
        except (TypeError, KeyError, ValueError):
            raise BaselineError(f"{name}: a finding lacks code, path, field, key, first_key or count: "
                                f"{item!r}") from None
        out[entry] = out.get(entry, 0) + n
    return out


def apply_baseline(report: Report, path: str | os.PathLike[str]) -> tuple[Report, int]:
    """`report` without the findings the baseline at `path` records, and how many
    findings it left out (rows not shown count one each)."""
    left = read_baseline(path)
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    matched, files = 0, []
    for f in report.files:
        kept, dropped = [], dict(f.dropped)
        for entry, n, d in _entries(f, folder):
            have = left.get(entry, 0)
            if d is None:  # findings not shown: as many as the baseline accepts are gone
                taken = min(have, n)
                dropped[entry[0]] = n - taken
                if not dropped[entry[0]]:
                    del dropped[entry[0]]
            else:
                taken = n if have >= n else 0
                if not taken:
                    kept.append(d)
            left[entry] = have - taken
            matched += taken if d is None else (1 if taken else 0)
        files.append(dataclasses.replace(f, diagnostics=kept, dropped=dropped))
    return dataclasses.replace(report, files=files), matched


__all__ = ["BASELINE_VERSION", "apply_baseline", "baseline_json", "read_baseline", "row_key", "write_baseline"]
