"""What the fake jobs API accepts, how it shapes its answers, and its records of calls and faults.

Written from the API's documentation, not from ftprep's own request builder,
so a request ftprep gets wrong is refused here as the real API would.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

LIFECYCLE = ("pending", "training", "evaluating", "completed")
TERMINAL = ("completed", "failed", "cancelled")
HUB_TASKS = ("text", "chat", "dpo", "grpo", "image")
TASKS = HUB_TASKS + ("custom_text", "custom_chat")
NAME = re.compile(r"^[A-Za-z0-9-]+$")


@dataclasses.dataclass
class ApiCall:
    """One request the fake API received."""

    method: str
    path: str
    query: dict[str, str]
    status: int                     # 0 until answered
    body: t.Any
    key: str | None
    idempotency_key: str | None = None


@dataclasses.dataclass
class ApiFault:
    """How the next `times` requests of `method` (on a path holding `path`) go wrong."""

    method: str
    path: str | None = None         # substring of the path; None: any path
    status: int | None = None       # None: the normal status
    body: t.Any = None              # str or bytes: sent as is (malformed); else JSON; None: normal body
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0              # sleep before handling
    delay_after: float = 0.0        # sleep after handling, before answering
    store: bool = False             # handle the request normally first (e.g. store the job), then answer the fault
    store_after: float | None = None  # answer the fault at once; handle the request this many seconds later
    trickle: float = 0.0            # send the answer (status line included) one byte per this many seconds
    times: int = 1


def invalid(body: t.Any) -> str | None:
    """Why the API refuses this create request (400), or None."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    for key in ("name", "taskType", "model", "hours"):
        if key not in body:
            return f"{key} is required"
    if not isinstance(body["name"], str) or not NAME.match(body["name"]):
        return "name must be alphanumeric with hyphens"
    if body["taskType"] not in TASKS:
        return f"invalid taskType {body['taskType']!r}"
    hours = body["hours"]
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24:
        return "hours must be an integer from 1 to 24"
    if body["taskType"] in HUB_TASKS and not body.get("dsRepo"):
        return "dsRepo is required"
    if body["taskType"].startswith("custom_") and not body.get("datasetUrl"):
        return "datasetUrl is required"
    return None


def renamed(job: dict[str, t.Any], id_key: str) -> dict[str, t.Any]:
    out = dict(job)
    if id_key != "id":
        out[id_key] = out.pop("id")
    return out


def job_answer(job: dict[str, t.Any], job_shape: str, id_key: str) -> t.Any:
    """A job as the API answers it: bare, or wrapped under `job_shape` ("job", "data", ...)."""
    out = renamed(job, id_key)
    return out if job_shape == "bare" else {job_shape: out, "success": True}


def list_answer(jobs: list[dict[str, t.Any]], list_shape: str, id_key: str) -> t.Any:
    """A list of jobs: bare, or wrapped under `list_shape` with a total."""
    items = [renamed(job, id_key) for job in jobs]
    return items if list_shape == "bare" else {list_shape: items, "total": len(items)}


def error_answer(message: str, error_key: str) -> dict[str, t.Any]:
    """An error body: {error_key: message}, or FastAPI's {"detail": [{"loc", "msg"}]}."""
    if error_key == "detail":
        return {"detail": [{"loc": ["body"], "msg": message}]}
    return {error_key: message}
