"""`Client`: the VoltageGPU fine-tuning API, one method per endpoint.

    with Client() as api:                     # key and URL from the environment
        job = api.create_job({"name": "my-run", "taskType": "chat", ...})
        api.watch(job.id, interval=60, on_change=print)

Safety rules, because jobs are charged upfront:

- GET, PATCH and DELETE are retried with backoff on connection errors,
  timeouts, 429 and 5xx (honouring Retry-After on 429 and 503), within
  `retry_seconds` and `max_attempts`. A Retry-After beyond that budget ends
  the retries at once.
- POST (create) is never sent twice. When its outcome is unknown (timeout, 5xx,
  dropped connection, unreadable 2xx body), the client lists the jobs to find
  one with the request's name: it returns that job (`recovered_from` says why)
  or raises `JobNotCreated`; if even the list cannot be read, `CreateUnconfirmed`.
- The key is sent only as `X-API-Key`, only over https (plain http is allowed
  for loopback test servers), never follows redirects, and is redacted from
  every error message and log line.

The HTTP layer is an `httpx.Client`; pass `transport=` (e.g. `httpx.MockTransport`)
or a whole `http_client=` to test without a network.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import time
import typing as t
from urllib.parse import quote

import httpx

from ftprep.api import errors
from ftprep.api.errors import (
    ApiError, ConfigError, CreateUnconfirmed, JobNotCreated, MalformedResponse, NetworkError, RateLimited,
)
from ftprep.api.models import Job, error_message, parse_job, parse_jobs
from ftprep.redact import register_url

DEFAULT_BASE_URL = "https://api.voltagegpu.com/api/volt"
ENV_KEY = "VOLTAGEGPU_API_KEY"
ENV_URL = "VOLTAGEGPU_BASE_URL"
ROUTE = "fine-tuning"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

log = logging.getLogger("ftprep.api")


class Client:
    """The fine-tuning API. `api_key` defaults to $VOLTAGEGPU_API_KEY and
    `base_url` to $VOLTAGEGPU_BASE_URL, then to the public API."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
        retry_seconds: float = 60.0,
        max_attempts: int = 5,
        recovery_seconds: float = 30.0,
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
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.max_attempts = max_attempts
        self.recovery_seconds = recovery_seconds
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
        body = self._call("GET", _job_path(job_id))
        job = parse_job(body, fallback_id=job_id)
        if job.status is None and job.name is None and job.id == job_id and job.raw is body:
            raise MalformedResponse(f"GET job {job_id}: the answer holds no job: {errors.redact(str(body))[:100]}")
        return job

    def create_job(self, request: dict[str, t.Any], *, existing_ids: t.Collection[str] = ()) -> Job:
        """POST /fine-tuning, exactly once. `existing_ids` are jobs known before
        the call; recovery never mistakes one of them for the new job."""
        name = request.get("name")
        try:
            response = self._http.request("POST", ROUTE, json=request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as e:
            # The connection never opened: the request was not sent.
            raise JobNotCreated(f"cannot connect to {self.base_url} ({_describe(e)}): the request was not "
                                "sent, so no job was created") from None
        except httpx.TimeoutException:
            return self._recover(name, f"no answer within {self.timeout:g} s", existing_ids, patient=True)
        except httpx.TransportError as e:
            return self._recover(name, f"the connection failed: {_describe(e)}", existing_ids, patient=True)
        log.debug("POST %s -> %s", ROUTE, response.status_code)
        if response.status_code >= 500:
            err = self._status_error(response, "POST", ROUTE)
            return self._recover(name, err.message, existing_ids, patient=False)
        if response.status_code >= 300:
            err = self._status_error(response, "POST", ROUTE)
            err.hint = f"no job was created; {err.hint}"
            raise err
        try:
            return parse_job(self._body(response, "POST", ROUTE))
        except MalformedResponse as e:
            return self._recover(name, f"the answer could not be read: {e.message}", existing_ids, patient=False)

    def cancel_job(self, job_id: str) -> Job:
        """DELETE /fine-tuning/:id. Jobs cancelled before training starts are refunded."""
        return parse_job(self._call("DELETE", _job_path(job_id)) or {}, fallback_id=job_id)

    def rename_model(self, job_id: str, model_name: str) -> Job:
        """PATCH /fine-tuning/:id {"action": "rename", "modelName": ...}."""
        body = self._call("PATCH", _job_path(job_id), json={"action": "rename", "modelName": model_name})
        return parse_job(body or {}, fallback_id=job_id)

    def backup(self, job_id: str) -> Job:
        """PATCH /fine-tuning/:id {"action": "backup"}: back up the training repo."""
        return parse_job(self._call("PATCH", _job_path(job_id), json={"action": "backup"}) or {},
                         fallback_id=job_id)

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

    def _call(self, method: str, path: str, *, json: t.Any = None, params: dict[str, str] | None = None) -> t.Any:
        """An idempotent request with retries; returns the decoded body (None if empty)."""
        deadline = self._clock() + self.retry_seconds
        attempt = 0
        while True:
            attempt += 1
            wait: float | None = None
            try:
                response = self._http.request(method, path, json=json, params=params)
            except httpx.TimeoutException:
                err: ApiError = NetworkError(f"{method} {_show(path)}: no answer within {self.timeout:g} s")
            except httpx.TransportError as e:
                err = NetworkError(f"{method} {_show(path)}: cannot reach {self.base_url}: {_describe(e)}")
            else:
                log.debug("%s %s -> %s (attempt %d)", method, path, response.status_code, attempt)
                if response.status_code < 300:
                    return self._body(response, method, path)
                err = self._status_error(response, method, path)
                if response.status_code in (429, 503):  # both may say when to come back
                    wait = parse_retry_after(response.headers.get("retry-after"))
                elif response.status_code < 500:
                    raise err
            if wait is None:
                wait = min(0.5 * 2 ** (attempt - 1), 8.0) * random.uniform(1.0, 1.25)
            if attempt >= self.max_attempts or self._clock() + wait > deadline:
                if attempt > 1:
                    err.message = f"{err.message} (gave up after {attempt} attempts)"
                    err.args = (err.message,)
                raise err
            log.debug("retrying %s %s in %.2f s", method, path, wait)
            self._sleep(wait)

    def _body(self, response: httpx.Response, method: str, path: str) -> t.Any:
        if not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            snippet = errors.redact(response.text)[:80]
            raise MalformedResponse(f"{method} {_show(path)}: HTTP {response.status_code} with a body that is "
                                    f"not JSON: {snippet!r}") from None

    def _status_error(self, response: httpx.Response, method: str, path: str) -> errors.StatusError:
        status = response.status_code
        try:
            message = error_message(response.json())
        except ValueError:
            message = errors.redact(response.text.strip())[:200] or None
        message = message or response.reason_phrase or "no message"
        cls = errors.for_status(status)
        if 300 <= status < 400:
            return errors.StatusError(f"unexpected redirect (HTTP {status}) to {response.headers.get('location')}; "
                                      f"check {ENV_URL}", status=status, method=method, path=path)
        text = f"HTTP {status}: {message}"
        if cls is RateLimited:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                text += f" (retry after {retry_after:g} s)"
            return RateLimited(text, retry_after=retry_after, status=status, method=method, path=path)
        return cls(text, status=status, method=method, path=path)

    def _recover(self, name: t.Any, cause: str, existing_ids: t.Collection[str], *, patient: bool) -> Job:
        """Find the job a failed create may have stored. `patient` (after a
        timeout, when the server may still be working) keeps looking for
        `recovery_seconds`; after a 5xx the server has finished, so one look."""
        if not isinstance(name, str) or not name:
            raise CreateUnconfirmed(f"creating the job failed ({cause}) and it has no name to look it up by")
        deadline = self._clock() + (self.recovery_seconds if patient else 0.0)
        delay = 1.0
        while True:
            try:
                jobs = self.list_jobs()
            except ApiError as e:
                raise CreateUnconfirmed(f"creating job {name!r} failed ({cause}) and the job list could not be "
                                        f"read ({e.message}): the job may or may not exist") from None
            matches = [j for j in jobs if j.name == name and j.id not in existing_ids]
            if matches:
                job = max(matches, key=lambda j: j.created_at or "") if all(j.created_at for j in matches) \
                    else matches[-1]
                job.recovered_from = cause
                log.debug("create failed (%s) but job %s exists", cause, job.id)
                return job
            remaining = deadline - self._clock()
            if remaining <= 0:
                waited = f" within {self.recovery_seconds:g} s" if patient else ""
                raise JobNotCreated(f"creating job {name!r} failed ({cause}) and no job with that name "
                                    f"appeared in the job list{waited}, so none was created")
            self._sleep(min(delay, remaining))
            delay = min(delay * 2, 8.0)


def check_base_url(url: str) -> str:
    """The base URL, refusing to send the key in clear text to a remote host."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        raise ConfigError(f"{ENV_URL} is not a URL: {url!r}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{ENV_URL} must be an http(s) URL, got {url!r}")
    if parsed.scheme == "http" and parsed.host not in LOOPBACK:
        raise ConfigError(f"refusing to send the API key over plain http to {parsed.host}; use https")
    return str(parsed).rstrip("/")


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _job_path(job_id: str) -> str:
    job_id = str(job_id).strip()
    if not job_id or job_id in (".", "..") or not job_id.isprintable() or any(c.isspace() for c in job_id):
        raise ValueError(f"invalid job id {job_id!r}")
    return f"{ROUTE}/{quote(job_id, safe='')}"


def _show(path: str) -> str:
    return "/" + path


def _describe(e: Exception) -> str:
    return str(e) or type(e).__name__
