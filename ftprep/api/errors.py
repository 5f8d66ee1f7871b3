"""The typed errors of the fine-tuning API client.

    ApiError                    every failure the client reports; a `ftprep.core.errors.FtprepError`
    ├── ConfigError             no key, a key that cannot go in a header, plain http to a remote host
    ├── NetworkError            no answer: connection refused, DNS, timeout (after the retries)
    ├── MalformedResponse       an answer the client cannot read (not JSON, unexpected shape)
    ├── StatusError             an HTTP error status; `.status`, `.message`
    │   ├── BadRequest          400
    │   ├── AuthError           401
    │   ├── Forbidden           403
    │   ├── NotFound            404
    │   ├── Conflict            409
    │   ├── Unprocessable       422
    │   ├── RateLimited         429; `.retry_after` seconds, when the server said
    │   └── ServerError         5xx
    ├── JobNotCreated           the create never left (no connection): nothing to pay
    ├── OutcomeUnknown          a change's answer was lost and the job could not be read to check it
    │   └── CreateUnconfirmed   a create's answer was lost and no job has appeared (yet): it may exist
    └── WatchTimeout            `watch` gave up before the job finished; `.job` is the last state

Messages never hold the API key (or a URL's password): every message passes
through `ftprep.core.redact.redact` before it is stored, so a server that echoes the
key does not leak it.
"""

from __future__ import annotations

import typing as t

from ftprep.core.errors import FtprepError
from ftprep.core.redact import redact, register_secret  # noqa: F401 - the one redaction; re-exported

MAX_MESSAGE = 300


class ApiError(FtprepError):
    """Base class. `hint` is the next step to suggest to a user."""

    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        message = redact(message)
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = redact(hint)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigError(ApiError):
    hint = ""  # each message already names the setting to fix


class NetworkError(ApiError):
    hint = "check the network and VOLTAGEGPU_BASE_URL, then try again"


class MalformedResponse(ApiError):
    hint = "the API answered in an unexpected shape; try again later or report it"


class StatusError(ApiError):
    status = 0

    def __init__(self, message: str, *, status: int | None = None, method: str = "", path: str = "",
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        if status is not None:
            self.status = status
        self.method = method
        self.path = path


class BadRequest(StatusError):
    status = 400
    hint = "the API rejected the request; fix it and try again"


class AuthError(StatusError):
    status = 401
    hint = "check VOLTAGEGPU_API_KEY or --api-key"


class Forbidden(StatusError):
    status = 403
    hint = "this API key may not do that"


class NotFound(StatusError):
    status = 404
    hint = "check the job id with `ftprep jobs list`"


class Conflict(StatusError):
    status = 409
    hint = "the job is not in a state that allows this; see `ftprep jobs show ID`"


class Unprocessable(StatusError):
    status = 422
    hint = "the API rejected a value of the request; fix it and try again"


class RateLimited(StatusError):
    status = 429
    hint = "too many requests (1,000 per hour per key); wait and try again"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: t.Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(StatusError):
    status = 500
    hint = "the API failed; try again later"


class JobNotCreated(ApiError):
    # Only raised when the request never left, so this is known, not hoped.
    hint = "nothing was created and nothing is charged; it is safe to submit again"


class OutcomeUnknown(ApiError):
    hint = "run `ftprep jobs list` to see whether it took effect before you try again"


class CreateUnconfirmed(OutcomeUnknown):
    hint = "run `ftprep jobs list` to see whether the job exists before you submit again"

    def __init__(self, message: str, *, cause: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.cause = redact(cause)  # why the answer was lost: "HTTP 504: ...", "no answer within 30 s"


class WatchTimeout(ApiError):
    hint = "the job goes on; run `ftprep jobs watch ID` again to follow it"

    # `job` is a models.Job, typed loosely: the error tree imports nothing of the models that raise it.
    def __init__(self, message: str, *, job: t.Any = None) -> None:
        super().__init__(message)
        self.job = job


BY_STATUS: dict[int, type[StatusError]] = {
    400: BadRequest, 401: AuthError, 403: Forbidden, 404: NotFound, 409: Conflict,
    422: Unprocessable, 429: RateLimited,
}


def for_status(status: int) -> type[StatusError]:
    """The class for an HTTP status: exact, else 5xx → ServerError, else StatusError."""
    if status in BY_STATUS:
        return BY_STATUS[status]
    if 500 <= status <= 599:
        return ServerError
    return StatusError
