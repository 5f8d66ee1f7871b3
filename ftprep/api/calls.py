"""How `Client` sends a call: one attempt, the backoff between attempts, and
the one retry loop that every retried call (reads and changes alike) goes
through. The rules they keep are in `ftprep.api.client`'s docstring; a create
(POST) never comes here, since it is never sent twice.
"""

from __future__ import annotations

import logging
import random
import typing as t

import httpx

from ftprep.api.deadline import expired, remaining, within
from ftprep.api.errors import ApiError, NetworkError
from ftprep.api.models import Job
from ftprep.api.wire import body as read_body
from ftprep.api.wire import describe, parse_retry_after, show, status_error

log = logging.getLogger("ftprep.api")
# The connection never opened, so the request was not sent.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryingCalls:
    """The sending half of `Client`, which sets these settings in its `__init__`."""

    base_url: str
    timeout: float
    deadline: float
    retry_seconds: float
    max_attempts: int
    _http: httpx.Client
    _sleep: t.Callable[[float], None]
    _clock: t.Callable[[], float]

    def _no_answer(self) -> str:
        if expired():
            return f"no complete answer within the {self.deadline:g} s deadline"
        return f"no answer within {self.timeout:g} s"

    def _attempt(self, method: str, path: str, **kw: t.Any) -> tuple[httpx.Response | None, ApiError | None, bool]:
        """One request: (response, None, True), or (None, the failure, whether it may have been sent)."""
        try:
            return self._http.request(method, path, **kw), None, True
        except NOT_SENT as e:
            return None, NetworkError(f"{method} {show(path)}: cannot reach {self.base_url}: {describe(e)}"), False
        except httpx.TimeoutException:
            return None, NetworkError(f"{method} {show(path)}: {self._no_answer()}"), True
        except httpx.TransportError as e:
            return None, NetworkError(f"{method} {show(path)}: cannot reach {self.base_url}: {describe(e)}"), True

    def _backoff(self, attempt: int, err: ApiError, wait: float | None, budget_end: float,
                 note: str = "") -> None:
        """Sleep before attempt `attempt + 1`, or raise `err` when the attempts,
        the retry budget or the deadline are spent."""
        if wait is None:
            wait = min(0.5 * 2 ** (attempt - 1), 8.0) * random.uniform(1.0, 1.25)
        left = remaining()
        if attempt >= self.max_attempts or self._clock() + wait > budget_end or (left is not None and wait >= left):
            if attempt > 1 or note:
                err.message = f"{err.message} (gave up after {attempt} attempt{'s' * (attempt > 1)}{note})"
                err.args = (err.message,)
            raise err
        log.debug("retrying in %.2f s", wait)
        self._sleep(wait)

    def _call(self, method: str, path: str, *, params: dict[str, str] | None = None, json: t.Any = None,
              read: t.Callable[[t.Any], t.Any] | None = None,
              took_effect: t.Callable[[ApiError], Job | None] | None = None, not_applied: str = "") -> t.Any:
        """The one retry loop, within the deadline: the decoded body (None if
        empty) of the first answer under 300, through `read` if given. Retried: connection failures, timeouts,
        429 and 5xx (after Retry-After on 429 and 503); other answers are raised.
        A read (no `took_effect`) is simply sent again. A change is sent again when
        it cannot have been acted on (it never left, or a 429 refused it), or when
        `took_effect(failure)`, asked after each attempt that may have been acted
        on, returns None; a job it returns is the result."""
        with within(self.deadline):
            budget_end = self._clock() + self.retry_seconds
            attempt = 0
            while True:
                attempt += 1
                wait: float | None = None
                response, err, sent = self._attempt(method, path, params=params, json=json)
                if response is not None:
                    log.debug("%s %s -> %s (attempt %d)", method, path, response.status_code, attempt)
                    if response.status_code < 300:
                        decoded = read_body(response, method, path)
                        return decoded if read is None else read(decoded)
                    err = status_error(response, method, path)
                    if response.status_code in (429, 503):  # both may say when to come back
                        wait = parse_retry_after(response.headers.get("retry-after"))
                        sent = response.status_code == 503  # a 429 is refused before it is acted on
                    elif response.status_code < 500:
                        raise err
                assert err is not None
                note = ""
                if took_effect is None and expired():
                    raise err
                if took_effect is not None and sent:
                    job = took_effect(err)
                    if job is not None:
                        return job
                    note = not_applied
                self._backoff(attempt, err, wait, budget_end, note)
