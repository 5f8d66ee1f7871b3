"""A stand-in for the VoltageGPU fine-tuning API on 127.0.0.1, real HTTP.

It implements the documented endpoints (list, create, get, rename/backup,
cancel under /api/volt/fine-tuning) with a job lifecycle
pending → training → evaluating → completed (or → failed for names listed in
`outcomes`), advanced by each GET of the job (`advance="poll"`) or by the clock
(`advance="time"`). Failures are injected per method with `fail(...)`: any
status (401, 404, 429 with Retry-After, 5xx...), a body that is not JSON, slow
answers, answers trickled a byte at a time (`trickle`), a 5xx *after* the job
was stored (`store=True`), and a 5xx answered at once with the job stored
`store_after` seconds later, as a gateway 504 in front of a slow backend.
With `idempotency=True` a create that repeats an `Idempotency-Key` gets the job
stored the first time. Every request is kept in `log` as an `ApiCall`, on arrival.

    with FakeApi() as api:
        client = Client(api.key, api.url)
        api.fail("POST", status=502, store=True)     # the job is stored, the answer is 502
        ...
        assert api.count("POST") == 1

The response shapes can be varied (`job_shape`, `list_shape`, `id_key`,
`error_key`) to exercise the client's defensive parsing.
"""

from __future__ import annotations

import datetime as dt
import http
import json
import threading
import time
import typing as t
import urllib.parse
import uuid

from ftprep.testing import api_rules
from ftprep.testing.api_rules import LIFECYCLE, TERMINAL, ApiCall, ApiFault
from ftprep.testing.server import Handler, LocalServer, take

BASE = "/api/volt/fine-tuning"


Answer = tuple[int, t.Any, dict[str, str]]


class _ApiHandler(Handler):
    owner: FakeApi

    def route(self) -> None:
        fake = self.owner
        raw = self.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        parsed = urllib.parse.urlsplit(self.path)
        call = (self.command, parsed.path, dict(urllib.parse.parse_qsl(parsed.query)), body,
                self.headers.get("X-API-Key"), self.headers.get("Idempotency-Key"))
        # Logged on arrival: a client that times out has still sent the request.
        entry = ApiCall(call[0], call[1], call[2], 0, body, call[4], call[5])
        with fake.lock:
            fake.log.append(entry)
            fault = take(fake.faults, self.command, parsed.path)
        status, payload, headers = self.faulty(fault, call) if fault is not None else fake.handle(*call)
        entry.status = status
        if isinstance(payload, (bytes, str)):
            data, ctype = payload.encode() if isinstance(payload, str) else payload, "text/html"
        else:
            data, ctype = json.dumps(payload).encode(), "application/json"
        if fault is not None and fault.trickle:
            return self.trickle(status, ctype, data, headers, fault.trickle)
        self.send(status, data, {"Content-Type": ctype, "Content-Length": str(len(data)), **headers})

    def faulty(self, fault: ApiFault, call: tuple[t.Any, ...]) -> Answer:
        fake = self.owner
        time.sleep(fault.delay)
        status, payload, headers = 200, None, dict[str, str]()
        if fault.store_after is not None:
            timer = threading.Timer(fault.store_after, fake.handle, call)
            timer.daemon = True
            timer.start()
        elif fault.store or (fault.status is None and fault.body is None):
            status, payload, headers = fake.handle(*call)
        time.sleep(fault.delay_after)
        if fault.status is not None:
            status = fault.status
        if fault.body is not None:
            payload = fault.body
        elif fault.status is not None and fault.status >= 400:
            payload = fake.error(f"injected HTTP {fault.status}")
        return status, payload, {**headers, **fault.headers}

    def answered(self, status: int) -> None:
        pass  # logged on arrival, as an ApiCall

    def trickle(self, status: int, ctype: str, data: bytes, headers: dict[str, str], every: float) -> None:
        """The whole answer, one byte at a time: each read gets something, so
        only a deadline over the whole call stops the client."""
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        head = [f"HTTP/1.1 {status} {phrase}", f"Content-Type: {ctype}",
                f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in headers.items())]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        for i in range(len(raw)):
            self.wfile.write(raw[i:i + 1])
            self.wfile.flush()
            time.sleep(every)
        self.close_connection = True

    do_PATCH = Handler.dispatch


class FakeApi(LocalServer):
    """The fine-tuning jobs API in memory; `url` is the base URL a `Client` takes."""

    handler = _ApiHandler

    def __init__(self, key: str = "volt_test_9f8e7d6c5b4a", *, advance: str = "poll",
                 seconds_per_state: float = 0.5, job_shape: str = "bare", list_shape: str = "bare",
                 id_key: str = "id", error_key: str = "message", echo_key: bool = False,
                 sequential_ids: bool = False, idempotency: bool = False) -> None:
        super().__init__()
        self.key = key
        self.idempotency = idempotency
        self.keys: dict[str, str] = {}       # Idempotency-Key -> id of the job it stored
        # Sequential ids (ft_000000000001, ...) let the README name a job it created.
        self.sequential_ids = sequential_ids
        self.advance = advance
        self.seconds_per_state = seconds_per_state
        self.job_shape, self.list_shape = job_shape, list_shape
        self.id_key, self.error_key = id_key, error_key
        self.echo_key = echo_key
        self.jobs: dict[str, dict[str, t.Any]] = {}
        self.outcomes: dict[str, str] = {}   # job name -> final state ("failed")
        self.log: list[ApiCall] = []
        self.faults: list[ApiFault] = []
        self._polls: dict[str, int] = {}
        self._born: dict[str, tuple[float, int]] = {}  # id -> (when, index of the first state)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return super().url + "/api/volt"

    # --- test helpers ------------------------------------------------------------

    def fail(self, method: str, **kw: t.Any) -> ApiFault:
        fault = ApiFault(method.upper(), **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def add_job(self, name: str, status: str = "pending", **fields: t.Any) -> dict[str, t.Any]:
        job = self._new_job({"name": name, "taskType": "chat", "model": "Qwen/Qwen2.5-7B-Instruct",
                             "hours": 1, "dsRepo": "alice/data", **fields})
        job["status"] = status
        if status in LIFECYCLE:
            self._born[job["id"]] = (time.monotonic(), LIFECYCLE.index(status))
        return job

    def count(self, method: str, path: str | None = None) -> int:
        return sum(1 for r in self.log if r.method == method and (path is None or path in r.path))

    # --- jobs (called from the server threads) -----------------------------------

    def _new_job(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        now = dt.datetime.now(dt.timezone.utc)
        job_id = f"ft_{len(self.jobs) + 1:012d}" if self.sequential_ids else "ft_" + uuid.uuid4().hex[:12]
        job = {"id": job_id, "createdAt": now.isoformat(timespec="microseconds").replace("+00:00", "Z"), **body,
               "status": "pending"}
        with self.lock:
            self.jobs[job_id] = job
            self._born[job_id] = (time.monotonic(), 0)
            self._polls[job_id] = 0
        return job

    def _state(self, job: dict[str, t.Any], poll: bool) -> str:
        """The job's state now. With advance="poll", each GET of the job after
        the first moves it one step on; with "time", a step per `seconds_per_state`."""
        if job["status"] in TERMINAL or job["status"] not in LIFECYCLE:
            return job["status"]
        steps = list(LIFECYCLE)
        final = self.outcomes.get(job.get("name", ""))
        if final:
            steps = ["pending", "training", final]
        here = steps.index(job["status"]) if job["status"] in steps else 0
        if self.advance == "time":
            born, start = self._born[job["id"]]
            here = max(here, start + int((time.monotonic() - born) / self.seconds_per_state))
        elif poll:
            if self._polls[job["id"]] > 0:
                here += 1
            self._polls[job["id"]] += 1
        job["status"] = steps[min(here, len(steps) - 1)]
        return job["status"]

    def _job(self, job: dict[str, t.Any]) -> t.Any:
        return api_rules.job_answer(job, self.job_shape, self.id_key)

    def error(self, message: str) -> dict[str, t.Any]:
        return api_rules.error_answer(message, self.error_key)

    def handle(self, method: str, path: str, query: dict[str, str], body: t.Any,
               key: str | None, idempotency_key: str | None = None) -> Answer:
        """The answer to one request: (status, JSON payload, extra headers)."""
        if key != self.key:
            shown = f": {key}" if self.echo_key and key else ""
            return 401, self.error(f"Invalid API key{shown}"), {}
        if path.rstrip("/") == BASE:
            if method == "GET":
                with self.lock:
                    jobs = list(self.jobs.values())
                for listed in jobs:
                    self._state(listed, poll=False)
                if query.get("status"):
                    jobs = [j for j in jobs if j["status"] == query["status"]]
                return 200, api_rules.list_answer(jobs, self.list_shape, self.id_key), {}
            if method == "POST":
                return self._create(body, idempotency_key)
            return 405, self.error("method not allowed"), {}
        if not path.startswith(BASE + "/"):
            return 404, self.error(f"no route {path}"), {}
        job_id = urllib.parse.unquote(path[len(BASE) + 1:])
        job = self.jobs.get(job_id)
        if job is None:
            return 404, self.error(f"Job not found: {job_id}"), {}
        if method == "GET":
            self._state(job, poll=True)
            return 200, self._job(job), {}
        if method == "DELETE":
            state = self._state(job, poll=False)
            if state in TERMINAL:
                return 409, self.error(f"Job is already {state}"), {}
            job["status"] = "cancelled"
            job["refunded"] = state == "pending"
            return 200, self._job(job), {}
        if method == "PATCH":
            return self._change(job, body)
        return 405, self.error("method not allowed"), {}

    def _create(self, body: t.Any, idempotency_key: str | None) -> Answer:
        problem = api_rules.invalid(body)
        if problem:
            return 400, self.error(problem), {}
        with self.lock:
            seen = self.keys.get(idempotency_key or "") if self.idempotency else None
        if seen in self.jobs:
            return 200, self._job(self.jobs[seen]), {}
        job = self._new_job(body)
        if idempotency_key and self.idempotency:
            with self.lock:
                self.keys[idempotency_key] = job["id"]
        return 201, self._job(job), {}

    def _change(self, job: dict[str, t.Any], body: t.Any) -> Answer:
        action = body.get("action") if isinstance(body, dict) else None
        if action not in ("rename", "backup"):
            return 400, self.error("action must be rename or backup"), {}
        if self._state(job, poll=False) != "completed":
            return 409, self.error(f"Job is {job['status']}; only completed jobs can be changed"), {}
        if action == "rename":
            if not isinstance(body.get("modelName"), str) or not body["modelName"]:
                return 400, self.error("modelName is required"), {}
            job["modelName"] = body["modelName"]
        else:
            job["backupRepo"] = f"voltage-backups/{job['name']}"
        return 200, self._job(job), {}


__all__ = ["FakeApi", "ApiCall", "ApiFault"]
