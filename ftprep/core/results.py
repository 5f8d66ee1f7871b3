"""Results the verbs return, as values: what a conversion did."""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.core.diagnostics import Report


@dataclasses.dataclass
class Conversion:
    """What `convert` did. `written` is False when errors stopped it. `job_fields`
    are the job request's fields for the written columns (`ftprep.core.schema.JOB_FIELDS`
    for row tasks, `imageModelType` for images): a job on this data names them."""

    report: Report
    output: str | None
    task: str
    shape: str
    rows_in: int
    rows_written: int
    rows_dropped: int
    written: bool
    job_fields: dict[str, str]

    def to_json(self) -> dict[str, t.Any]:
        return {"output": self.output, "task": self.task, "shape": self.shape, "rows_in": self.rows_in,
                "rows_written": self.rows_written, "rows_dropped": self.rows_dropped,
                "written": self.written, "job_fields": self.job_fields, "report": self.report.to_json()}
