"""`Client`: the VoltageGPU fine-tuning API, one method per endpoint.

    with Client() as api:                     # key and URL from the environment
        job = api.create_job({"name": "my-run", "taskType": "chat", ...})
        api.watch(job.id, interval=60, on_change=print)

Safety rules, because jobs are charged upfront:

- Every call (with its retries and checks) ends within `deadline` seconds in
  all ($FTPREP_API_DEADLINE, default 60), however slowly the server answers.
- GET is retried with backoff on connection errors, timeouts, 429 and 5xx
  (honouring Retry-After on 429 and 503), within `retry_seconds` and
  `max_attempts`. A Retry-After beyond that budget ends the retries at once.
- A change (cancel, rename, backup) whose answer is lost (timeout, 5xx,
  dropped connection) is never simply sent again: the job is read first, and
  if it shows the change took effect, that is the result. It is sent again
  only when the job shows it did not, or when it never left (no connection).
- POST (create) is never sent twice. It carries an `Idempotency-Key` (the
  service may honour it). When its outcome is unknown, the client looks for a
  job with the request's name for `recovery_seconds` ($FTPREP_CREATE_WINDOW,
  default 60): it returns that job (`recovered_from` says why) or raises
  `CreateUnconfirmed`, "the outcome is unknown", never "nothing was created".
  `JobNotCreated` means the request never left (no connection).
- The key is sent only as `X-API-Key`, only over https (plain http is allowed
  for loopback test servers), never follows redirects, and is redacted from
  every error message and log line.

The HTTP layer is an `httpx.Client`; pass `transport=` (e.g. `httpx.MockTransport`)
or a whole `http_client=` to test without a network.
"""

from __future__ import annotations

import logging
import os
import re
import time
import typing as t

import httpx

from ftprep.api import errors
from ftprep.api.calls import NOT_SENT, RetryingCalls
from ftprep.api.deadline import install, within
from ftprep.api.errors import (
    ApiError, ConfigError, CreateUnconfirmed, JobNotCreated, MalformedResponse, OutcomeUnknown,
)
from ftprep.api.models import Job, parse_job, parse_jobs
from ftprep.api.wire import (
    ENV_URL, LOOPBACK, ROUTE, check_base_url, describe, job_path, parse_retry_after, scope_of, seconds_setting,
    status_error,
)
from ftprep.api.wire import body as read_body
from ftprep.core.redact import register_url

DEFAULT_BASE_URL = "https://api.voltagegpu.com/api/volt"
ENV_KEY = "VOLTAGEGPU_API_KEY"
ENV_DEADLINE = "FTPREP_API_DEADLINE"
ENV_WINDOW = "FTPREP_CREATE_WINDOW"
ENV_POLL = "FTPREP_POLL_SECONDS"
IDEMPOTENCY_HEADER = "Idempotency-Key"

__all__ = ["DEFAULT_BASE_URL", "LOOPBACK", "Client", "check_base_url", "parse_retry_after"]

log = logging.getLogger("ftprep.api")


class Client(RetryingCalls):
    """The fine-tuning API. `api_key` defaults to $VOLTAGEGPU_API_KEY and
    `base_url` to $VOLTAGEGPU_BASE_URL, then to the public API. `deadline`,
    `recovery_seconds` and `poll_seconds` default to $FTPREP_API_DEADLINE (60),
    $FTPREP_CREATE_WINDOW (60) and $FTPREP_POLL_SECONDS (1, the first wait
    between looks for a lost create; it doubles up to 8 times that)."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
        deadline: float | None = None,
        retry_seconds: float = 60.0,
        max_attempts: int = 5,
        recovery_seconds: float | None = None,
        poll_seconds: float | None = None,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        key = (api_key if api_key is not None else os.environ.get(ENV_KEY, "")).strip()
        if not key:
            raise ConfigError(f"no API key: set {ENV_KEY} or pass --api-key")
        if not re.fullmatch(r"[\x21-\x7e]+", key):
            raise ConfigError("the API key holds spaces or non-ASCII characters, so it cannot be sent in a header")
        errors.register_secret(key)
        register_url(base_url or os.environ.get(ENV_URL))  # a password in the base URL is never shown
        self.base_url = check_base_url(base_url or os.environ.get(ENV_URL) or DEFAULT_BASE_URL)
        # Which account a pending create belongs to, without writing the key anywhere.
        self.scope = scope_of(self.base_url, key)
        self.timeout = timeout
        self.deadline = seconds_setting(deadline, ENV_DEADLINE, 60.0)
        self.retry_seconds = retry_seconds
        self.max_attempts = max_attempts
        self.recovery_seconds = seconds_setting(recovery_seconds, ENV_WINDOW, 60.0)
        self.poll_seconds = seconds_setting(poll_seconds, ENV_POLL, 1.0)
        self._sleep = sleep
        self._clock = clock
        headers = {"X-API-Key": key, "Accept": "application/json", "User-Agent": "ftprep"}
        if http_client is not None:
            # A caller's client gets the same guards: our checked base URL, and no
            # redirects (httpx would carry X-API-Key to another host).
            http_client.base_url = self.base_url
            http_client.follow_redirects = False
            http_client.headers.update(headers)
            self._http = http_client
        else:
            self._http = httpx.Client(base_url=self.base_url, headers=headers, transport=transport,
                                      timeout=timeout, follow_redirects=False)
        install(self._http)

    def __repr__(self) -> str:  # the key is deliberately absent
        return f"Client(base_url={self.base_url!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- endpoints ------------------------------------------------------------

    def list_jobs(self, status: str | None = None) -> list[Job]:
        """GET /fine-tuning[?status=S]."""
        params = {"status": status} if status else None
        return parse_jobs(self._call("GET", ROUTE, params=params))

    def get_job(self, job_id: str) -> Job:
        """GET /fine-tuning/:id."""
        body = self._call("GET", job_path(job_id))
        job = parse_job(body, fallback_id=job_id)
        if job.status is None and job.name is None and job.id == job_id and job.raw is body:
            raise MalformedResponse(f"GET job {job_id}: the answer holds no job: {errors.redact(str(body))[:100]}")
        return job

    def create_job(self, request: dict[str, t.Any], *, existing_ids: t.Collection[str] = (),
                   idempotency_key: str | None = None) -> Job:
        """POST /fine-tuning, exactly once. `existing_ids` are jobs known before
        the call; recovery never mistakes one of them for the new job."""
        name = request.get("name")
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        lost: str | None  # why the outcome is unknown, or None when the API answered
        with within(self.deadline):
            try:
                response = self._http.request("POST", ROUTE, json=request, headers=headers)
            except NOT_SENT as e:
                raise JobNotCreated(f"cannot connect to {self.base_url} ({describe(e)}): the request was not "
                                    "sent, so no job was created") from None
            except httpx.TimeoutException:
                lost = self._no_answer()  # read here: only inside `within` does it know the deadline passed
            except httpx.TransportError as e:
                lost = f"the connection failed: {describe(e)}"
            else:
                lost = None
        if lost is not None:
            return self._recover(name, lost, existing_ids)
        log.debug("POST %s -> %s", ROUTE, response.status_code)
        if response.status_code >= 500:
            return self._recover(name, status_error(response, "POST", ROUTE).message, existing_ids)
        if response.status_code >= 300:
            err = status_error(response, "POST", ROUTE)
            err.hint = f"no job was created; {err.hint}"
            raise err
        try:
            return parse_job(read_body(response, "POST", ROUTE))
        except MalformedResponse as e:
            return self._recover(name, f"the answer could not be read: {e.message}", existing_ids)

    def find_created(self, name: str, *, known_ids: t.Collection[str] = (), age: float = 0.0) -> Job | None:
        """The job a create of `name` stored, looking until `recovery_seconds`
        after it was sent (`age` seconds ago), at least once; None if none
        appeared by then. Raises `ApiError` when the job list cannot be read."""
        start = self._clock()
        window = self.recovery_seconds - max(age, 0.0)  # a record from the future (a clock set back) waits no longer
        delay = self.poll_seconds
        while True:
            matches = [j for j in self.list_jobs() if j.name == name and j.id not in known_ids]
            if matches:
                if all(j.created_at for j in matches):
                    return max(matches, key=lambda j: j.created_at or "")
                return matches[-1]
            left = window - (self._clock() - start)
            if left <= 0:
                return None
            self._sleep(min(delay, left))
            delay = min(delay * 2, 8 * self.poll_seconds)

    def cancel_job(self, job_id: str) -> Job:
        """DELETE /fine-tuning/:id. Jobs cancelled before training starts are refunded."""
        return self._change("DELETE", job_id, None, lambda job: job.outcome == "cancelled", "cancel")

    def rename_model(self, job_id: str, model_name: str) -> Job:
        """PATCH /fine-tuning/:id {"action": "rename", "modelName": ...}."""
        return self._change("PATCH", job_id, {"action": "rename", "modelName": model_name},
                            lambda job: job.raw.get("modelName") == model_name, "rename")

    def backup(self, job_id: str) -> Job:
        """PATCH /fine-tuning/:id {"action": "backup"}: back up the training repo."""
        return self._change("PATCH", job_id, {"action": "backup"}, lambda job: bool(job.raw.get("backupRepo")),
                            "backup")

    def watch(self, job_id: str, interval: float = 30.0,
              on_change: t.Callable[[Job, str | None], None] | None = None, *,
              timeout: float | None = None) -> Job:
        """Poll until the job reaches a terminal state and return it. `on_change(job,
        previous_status)` is called on the first poll and on every change of state."""
        start = self._clock()
        previous: str | None = None
        first = True
        while True:
            job = self.get_job(job_id)
            if first or job.status != previous:
                if on_change is not None:
                    on_change(job, None if first else previous)
                previous, first = job.status, False
            if job.done:
                return job
            if timeout is not None and self._clock() - start + interval > timeout:
                raise errors.WatchTimeout(f"job {job_id} is still {job.status or 'running'} after {timeout:g} s",
                                          job=job)
            self._sleep(interval)

    # --- plumbing -------------------------------------------------------------

    def _change(self, method: str, job_id: str, body: t.Any, applied: t.Callable[[Job], bool], what: str) -> Job:
        """A change that must not be applied twice: after a lost answer, read the
        job; the change is sent again only when the job shows it did not take effect."""

        def took_effect(err: ApiError) -> Job | None:
            job = self._check(job_id, what, err)
            if applied(job):
                job.recovered_from = err.message
                return job
            return None

        return self._call(method, job_path(job_id), json=body, read=lambda b: parse_job(b or {}, fallback_id=job_id),
                          took_effect=took_effect, not_applied=f"; job {job_id} shows the {what} did not take effect")

    def _check(self, job_id: str, what: str, err: ApiError) -> Job:
        try:
            return self.get_job(job_id)
        except ApiError as e:
            raise OutcomeUnknown(f"the {what} of job {job_id} failed ({err.message}) and the job could not be "
                                 f"read to check whether it took effect ({e.message})",
                                 hint=f"run `ftprep jobs show {job_id}` to see before you try again") from None

    def _recover(self, name: t.Any, cause: str, existing_ids: t.Collection[str]) -> Job:
        """Find the job a create with an unknown outcome may have stored."""
        if not isinstance(name, str) or not name:
            raise CreateUnconfirmed(f"creating the job failed ({cause}) and it has no name to look it up by",
                                    cause=cause)
        try:
            job = self.find_created(name, known_ids=existing_ids)
        except ApiError as e:
            raise CreateUnconfirmed(f"creating job {name!r} failed ({cause}) and the job list could not be "
                                    f"read ({e.message}): the outcome is unknown", cause=cause) from None
        if job is None:
            raise CreateUnconfirmed(f"creating job {name!r} failed ({cause}) and no job with that name appeared "
                                    f"within {self.recovery_seconds:g} s: the outcome is unknown, the server may "
                                    "still store it", cause=cause)
        job.recovered_from = cause
        log.debug("create failed (%s) but job %s exists", cause, job.id)
        return job
