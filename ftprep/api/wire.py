"""What the client reads off the wire: base URLs, Retry-After, error answers, bodies."""

from __future__ import annotations

import email.utils
import os
import time
import typing as t
from urllib.parse import quote

from ftprep.api import errors
from ftprep.api.errors import ConfigError, MalformedResponse, RateLimited
from ftprep.api.models import error_message
from ftprep.core.redact import redact

if t.TYPE_CHECKING:
    import httpx

ENV_URL = "VOLTAGEGPU_BASE_URL"
ROUTE = "fine-tuning"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def check_base_url(url: str) -> str:
    """The base URL, refusing to send the key in clear text to a remote host."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except Exception:
        raise ConfigError(f"{ENV_URL} is not a URL: {url!r}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{ENV_URL} must be an http(s) URL, got {url!r}")
    if parsed.scheme == "http" and parsed.host not in LOOPBACK:
        raise ConfigError(f"refusing to send the API key over plain http to {parsed.host}; use https")
    return str(parsed).rstrip("/")


def seconds_setting(value: float | None, env: str, default: float) -> float:
    """A duration from the argument, else from $env, else `default`; it must be a positive number."""
    if value is None:
        text = os.environ.get(env, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"{env} must be a number of seconds, got {text!r}") from None
        where = env
    else:
        where = "the setting"
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{where} must be a positive number of seconds, got {value!r}")
    return float(value)


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


def job_path(job_id: str) -> str:
    job_id = str(job_id).strip()
    if not job_id or job_id in (".", "..") or not job_id.isprintable() or any(c.isspace() for c in job_id):
        raise ValueError(f"invalid job id {job_id!r}")
    return f"{ROUTE}/{quote(job_id, safe='')}"


def show(path: str) -> str:
    return "/" + path


def describe(e: Exception) -> str:
    return str(e) or type(e).__name__


def body(response: httpx.Response, method: str, path: str) -> t.Any:
    """The decoded JSON body, None if empty."""
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        snippet = redact(response.text)[:80]  # redacted before the cut, which could leave a piece of a key
        raise MalformedResponse(f"{method} {show(path)}: HTTP {response.status_code} with a body that is "
                                f"not JSON: {snippet!r}") from None


def status_error(response: httpx.Response, method: str, path: str) -> errors.StatusError:
    status = response.status_code
    try:
        message = error_message(response.json())
    except ValueError:
        message = redact(response.text.strip())[:200] or None
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


def scope_of(base_url: str, key: str) -> str:
    """Which server and key a pending create belongs to, as a short hash (never the key itself)."""
    import hashlib

    return hashlib.sha256(f"{base_url}\0{key}".encode()).hexdigest()[:16]
