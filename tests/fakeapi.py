"""A stand-in for the VoltageGPU fine-tuning API, on 127.0.0.1, for tests.

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
stored the first time. Every request is kept in `log`.

    with FakeApi() as api:
        client = Client(api.key, api.url)
        api.fail("POST", status=502, store=True)     # the job is stored, the answer is 502
        ...
        assert api.count("POST") == 1

The response shapes can be varied (`job_shape`, `list_shape`, `id_key`,
`error_key`) to exercise the client's defensive parsing. Standard library only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http
import http.server
import json
import re
import threading
import time
import typing as t
import urllib.parse
import uuid

LIFECYCLE = ("pending", "training", "evaluating", "completed")
TERMINAL = ("completed", "failed", "cancelled")
HUB_TASKS = ("text", "chat", "dpo", "grpo", "image")
TASKS = HUB_TASKS + ("custom_text", "custom_chat")
NAME = re.compile(r"^[A-Za-z0-9-]+$")


@dataclasses.dataclass
class Logged:
    method: str
    path: str
    query: dict[str, str]
    status: int                     # 0 until answered
    body: t.Any
    key: str | None
    idempotency_key: str | None = None


@dataclasses.dataclass
class Fault:
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


class FakeApi:
    def __init__(self, key: str = "volt_test_9f8e7d6c5b4a", *, advance: str = "poll",
                 seconds_per_state: float = 0.5, job_shape: str = "bare", list_shape: str = "bare",
                 id_key: str = "id", error_key: str = "message", echo_key: bool = False,
                 sequential_ids: bool = False, idempotency: bool = False) -> None:
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
        self.log: list[Logged] = []
        self.faults: list[Fault] = []
        self._polls: dict[str, int] = {}
        self._born: dict[str, tuple[float, int]] = {}  # id -> (when, index of the first state)
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None

    # --- lifecycle of the server ---------------------------------------------------

    def start(self) -> FakeApi:
        api = self

        class Handler(_Handler):
            fake = api

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/volt"

    # --- test helpers ------------------------------------------------------------

    def fail(self, method: str, **kw: t.Any) -> Fault:
        fault = Fault(method.upper(), **kw)
        with self._lock:
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

    # --- request handling (called from the server threads) -----------------------

    def _new_job(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        now = dt.datetime.now(dt.timezone.utc)
        job_id = f"ft_{len(self.jobs) + 1:012d}" if self.sequential_ids else "ft_" + uuid.uuid4().hex[:12]
        job = {"id": job_id, "createdAt": now.isoformat(timespec="microseconds").replace("+00:00", "Z"), **body,
               "status": "pending"}
        with self._lock:
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

    def _shape_job(self, job: dict[str, t.Any]) -> t.Any:
        out = dict(job)
        if self.id_key != "id":
            out[self.id_key] = out.pop("id")
        if self.job_shape == "bare":
            return out
        return {self.job_shape: out, "success": True}

    def _shape_list(self, jobs: list[dict[str, t.Any]]) -> t.Any:
        items = []
        for job in jobs:
            shaped = dict(job)
            if self.id_key != "id":
                shaped[self.id_key] = shaped.pop("id")
            items.append(shaped)
        if self.list_shape == "bare":
            return items
        return {self.list_shape: items, "total": len(items)}

    def _error(self, message: str) -> dict[str, t.Any]:
        if self.error_key == "detail":
            return {"detail": [{"loc": ["body"], "msg": message}]}
        return {self.error_key: message}

    def handle(self, method: str, path: str, query: dict[str, str], body: t.Any,
               key: str | None, idempotency_key: str | None = None) -> tuple[int, t.Any, dict[str, str]]:
        if key != self.key:
            shown = f": {key}" if self.echo_key and key else ""
            return 401, self._error(f"Invalid API key{shown}"), {}
        base = "/api/volt/fine-tuning"
        if path.rstrip("/") == base:
            if method == "GET":
                with self._lock:
                    jobs = list(self.jobs.values())
                for job in jobs:
                    self._state(job, poll=False)
                if query.get("status"):
                    jobs = [j for j in jobs if j["status"] == query["status"]]
                return 200, self._shape_list(jobs), {}
            if method == "POST":
                problem = _invalid(body)
                if problem:
                    return 400, self._error(problem), {}
                with self._lock:
                    seen = self.keys.get(idempotency_key or "") if self.idempotency else None
                if seen in self.jobs:
                    return 200, self._shape_job(self.jobs[seen]), {}
                job = self._new_job(body)
                if idempotency_key and self.idempotency:
                    with self._lock:
                        self.keys[idempotency_key] = job["id"]
                return 201, self._shape_job(job), {}
            return 405, self._error("method not allowed"), {}
        if not path.startswith(base + "/"):
            return 404, self._error(f"no route {path}"), {}
        job_id = urllib.parse.unquote(path[len(base) + 1:])
        job = self.jobs.get(job_id)
        if job is None:
            return 404, self._error(f"Job not found: {job_id}"), {}
        if method == "GET":
            self._state(job, poll=True)
            return 200, self._shape_job(job), {}
        if method == "DELETE":
            state = self._state(job, poll=False)
            if state in TERMINAL:
                return 409, self._error(f"Job is already {state}"), {}
            job["status"] = "cancelled"
            job["refunded"] = state == "pending"
            return 200, self._shape_job(job), {}
        if method == "PATCH":
            action = body.get("action") if isinstance(body, dict) else None
            if action not in ("rename", "backup"):
                return 400, self._error("action must be rename or backup"), {}
            if self._state(job, poll=False) != "completed":
                return 409, self._error(f"Job is {job['status']}; only completed jobs can be changed"), {}
            if action == "rename":
                if not isinstance(body.get("modelName"), str) or not body["modelName"]:
                    return 400, self._error("modelName is required"), {}
                job["modelName"] = body["modelName"]
            else:
                job["backupRepo"] = f"voltage-backups/{job['name']}"
            return 200, self._shape_job(job), {}
        return 405, self._error("method not allowed"), {}


def _invalid(body: t.Any) -> str | None:
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


class _Handler(http.server.BaseHTTPRequestHandler):
    fake: FakeApi
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: t.Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        key = self.headers.get("X-API-Key")
        idem = self.headers.get("Idempotency-Key")
        method = self.command
        # Logged on arrival: a client that times out has still sent the request.
        entry = Logged(method, parsed.path, query, 0, body, key, idem)
        fault = None
        with fake._lock:
            fake.log.append(entry)
            for f in fake.faults:
                if f.method == method and (f.path is None or f.path in parsed.path):
                    fault = f
                    f.times -= 1
                    if f.times <= 0:
                        fake.faults.remove(f)
                    break
        headers: dict[str, str] = {}
        if fault is not None:
            time.sleep(fault.delay)
            status, payload = 200, None
            if fault.store_after is not None:
                timer = threading.Timer(fault.store_after, fake.handle, (method, parsed.path, query, body, key, idem))
                timer.daemon = True
                timer.start()
            elif fault.store or (fault.status is None and fault.body is None):
                status, payload, headers = fake.handle(method, parsed.path, query, body, key, idem)
            time.sleep(fault.delay_after)
            if fault.status is not None:
                status = fault.status
            if fault.body is not None:
                payload = fault.body
            elif fault.status is not None and fault.status >= 400:
                payload = fake._error(f"injected HTTP {fault.status}")
            headers = {**headers, **fault.headers}
        else:
            status, payload, headers = fake.handle(method, parsed.path, query, body, key, idem)
        entry.status = status
        if isinstance(payload, bytes):
            data, ctype = payload, "text/html"
        elif isinstance(payload, str):
            data, ctype = payload.encode(), "text/html"
        else:
            data, ctype = json.dumps(payload).encode(), "application/json"
        if fault is not None and fault.trickle:
            self._trickle(status, ctype, data, headers, fault.trickle)
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def _trickle(self, status: int, ctype: str, data: bytes, headers: dict[str, str], every: float) -> None:
        """The whole answer, one byte at a time: each read gets something, so
        only a deadline over the whole call stops the client."""
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        head = [f"HTTP/1.1 {status} {phrase}", f"Content-Type: {ctype}",
                f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in headers.items())]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        try:
            for i in range(len(raw)):
                self.wfile.write(raw[i:i + 1])
                self.wfile.flush()
                time.sleep(every)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = _serve
