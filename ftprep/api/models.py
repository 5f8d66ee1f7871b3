"""Typed jobs, parsed defensively from undocumented response bodies.

The API documents its requests but not its responses, so every reader here
accepts the shapes seen in similar APIs and turns anything else into
`MalformedResponse` with a short description, never a KeyError:

- a job is bare, or wrapped in `job` or `data`;
- a list is bare, or wrapped in `jobs` or `data` (also `data.jobs`);
- the id is under `id`, `jobId` or `_id`;
- error bodies carry `message`, `error` or `detail` (a string, an object
  holding one of those, or a FastAPI-style list of `{msg}`).

Every `Job` keeps the payload it came from in `raw`. Unknown states are kept
as they are: `status` is the server's string, and the sets below only decide
when `watch` stops.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t

from ftprep.api.errors import MalformedResponse

STATES = ("pending", "training", "evaluating", "completed", "failed")
# Terminal states. The documented ones first; the rest are spellings the
# backend (Gradients TaskStatus) or a later API version may report.
SUCCESS = frozenset({"completed", "complete", "success", "succeeded"})
FAILURE = frozenset({"failed", "failure", "error", "prep_task_failure", "failure_finding_nodes",
                     "node_training_failure"})
CANCELLED = frozenset({"cancelled", "canceled"})
TERMINAL = SUCCESS | FAILURE | CANCELLED

_ID_KEYS = ("id", "jobId", "_id")
_WRAPPERS = ("job", "data")


@dataclasses.dataclass
class Job:
    """One fine-tuning job as the API reported it. `raw` is the unwrapped payload."""

    id: str
    name: str | None = None
    status: str | None = None
    task_type: str | None = None
    model: str | None = None
    hours: float | None = None
    created_at: str | None = None
    raw: dict[str, t.Any] = dataclasses.field(default_factory=dict, repr=False)
    # Set when a call's answer was lost but it took effect: a create found in
    # the job list, or a cancel, rename or backup seen on the job.
    recovered_from: str | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None

    @property
    def outcome(self) -> str | None:
        """"completed", "failed", "cancelled", or None while the job runs (or the state is unknown)."""
        s = (self.status or "").lower()
        if s in SUCCESS:
            return "completed"
        if s in FAILURE:
            return "failed"
        if s in CANCELLED:
            return "cancelled"
        return None

    @property
    def message(self) -> str | None:
        return error_message(self.raw)

    def to_json(self) -> dict[str, t.Any]:
        out = {"id": self.id, "name": self.name, "status": self.status, "taskType": self.task_type,
               "model": self.model, "hours": self.hours, "createdAt": self.created_at, "raw": self.raw}
        if self.recovered_from:
            out["recovered_from"] = self.recovered_from
        return out


def _describe(payload: object) -> str:
    text = json.dumps(payload, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _str(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _job_id(obj: dict[str, t.Any]) -> str | None:
    for key in _ID_KEYS:
        value = obj.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


def unwrap_job(payload: object) -> dict[str, t.Any] | None:
    """The job object inside a payload, or None."""
    if not isinstance(payload, dict):
        return None
    if _job_id(payload) is not None:
        return payload
    for key in _WRAPPERS:
        inner = payload.get(key)
        if isinstance(inner, dict):
            found = unwrap_job(inner)
            if found is not None:
                return found
    return None


def parse_job(payload: object, *, fallback_id: str | None = None) -> Job:
    """A `Job` from a response body. `fallback_id` (the id in the URL) is used
    when the body has none, e.g. a bare `{"message": "cancelled"}`."""
    obj = unwrap_job(payload)
    if obj is None:
        if fallback_id is None or not isinstance(payload, dict):
            raise MalformedResponse(f"expected a job (an object with id, jobId or _id), got {_describe(payload)}")
        obj = payload
        for key in _WRAPPERS:  # a wrapper without an id: {"data": {"status": ...}}
            if isinstance(payload.get(key), dict):
                obj = payload[key]
                break
    job_id = _job_id(obj) or fallback_id
    assert job_id is not None
    return Job(
        id=job_id,
        name=_str(obj.get("name")),
        status=_str(obj.get("status", obj.get("state"))),
        task_type=_str(obj.get("taskType", obj.get("task_type"))),
        model=_str(obj.get("model")),
        hours=_number(obj.get("hours")),
        created_at=_str(obj.get("createdAt", obj.get("created_at"))),
        raw=obj,
    )


def parse_jobs(payload: object) -> list[Job]:
    items: object = payload
    if isinstance(payload, dict):
        items = None
        for key in ("jobs", "data"):
            inner = payload.get(key)
            if isinstance(inner, list):
                items = inner
                break
            if isinstance(inner, dict) and isinstance(inner.get("jobs"), list):
                items = inner["jobs"]
                break
    if not isinstance(items, list):
        raise MalformedResponse(f"expected a list of jobs (bare, or under jobs or data), got {_describe(payload)}")
    jobs = []
    for i, item in enumerate(items):
        try:
            jobs.append(parse_job(item))
        except MalformedResponse as e:
            raise MalformedResponse(f"job {i} of the list: {e.message}") from None
    return jobs


def error_message(payload: object) -> str | None:
    """The human message of an error body, or None."""
    if isinstance(payload, str):
        return payload.strip() or None
    if isinstance(payload, list):
        parts = [error_message(x) for x in payload]
        joined = "; ".join(p for p in parts if p)
        return joined or None
    if isinstance(payload, dict):
        for key in ("message", "error", "detail", "msg"):
            if key in payload:
                found = error_message(payload[key])
                if found:
                    loc = payload.get("loc")
                    if key == "msg" and isinstance(loc, list) and loc:
                        return f"{'.'.join(str(x) for x in loc)}: {found}"
                    return found
    return None
