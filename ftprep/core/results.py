"""Results the verbs return, as values: what a conversion did, what a push did."""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.core.diagnostics import Report


@dataclasses.dataclass
class Conversion:
    """What `convert` did. `written` is False when errors stopped it. `job_fields`
    are the job request's fields for the written columns (`ftprep.core.schema.JOB_FIELDS`
    for row tasks, `imageModelType` for images): a job on this data names them.
    `data`: for in-memory data converted without an output, the canonical rows in
    the kind they came in (a polars DataFrame for one, a list for a list)."""

    report: Report
    output: str | None
    task: str
    shape: str
    rows_in: int
    rows_written: int
    rows_dropped: int
    written: bool
    job_fields: dict[str, str]
    # In-memory data converted without an output: the canonical rows, in the kind given.
    data: t.Any = None
    # Of `rows_dropped`, the rows convert --dedupe dropped as repeats (Q005), not as invalid.
    rows_deduplicated: int = 0

    def to_json(self) -> dict[str, t.Any]:
        return {"output": self.output, "task": self.task, "shape": self.shape, "rows_in": self.rows_in,
                "rows_written": self.rows_written, "rows_dropped": self.rows_dropped,
                "written": self.written, "job_fields": self.job_fields, "report": self.report.to_json()}


@dataclasses.dataclass
class PushResult:
    """What `push` did: the repo and commit, and whether the commit changed anything."""

    repo_id: str
    commit: str
    url: str
    commit_url: str
    created: bool
    changed: bool
    job_fields: dict[str, str]
    task: str = ""
    rows: int = 0
    revision: str = "main"
    private: bool | None = None
    report: Report = dataclasses.field(default_factory=Report)

    def to_json(self) -> dict[str, t.Any]:
        return {"repo_id": self.repo_id, "commit": self.commit, "url": self.url, "commit_url": self.commit_url,
                "created": self.created, "changed": self.changed, "job_fields": self.job_fields,
                "task": self.task, "rows": self.rows, "revision": self.revision, "private": self.private,
                "report": self.report.to_json()}
