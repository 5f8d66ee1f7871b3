"""The one redaction for everything ftprep shows: messages, reports, URLs, logs.

    public_url("https://bob:pw@host/d.jsonl?X-Amz-Signature=...")  -> "https://host/d.jsonl?..."
    redact("the Hub answered: 403: bad token Bearer hf_abc...")     -> "... bad token Bearer ***"

`redact` removes, wherever they appear in a text:

- the secrets ftprep was given: values passed to `register_secret` or
  `register_url` (the API key, the HF token, a URL's password and its signed
  query values), and the values of the environment variables that hold
  secrets or secret-bearing URLs (HF_TOKEN, VOLTAGEGPU_API_KEY, HF_ENDPOINT,
  VOLTAGEGPU_BASE_URL, proxies);
- secret-shaped strings that no one registered (a server or a proxy may echo
  a header ftprep never saw): `Bearer ...`/`Basic ...` credentials, `hf_...`
  tokens, `X-API-Key: ...`, signature query parameters (AWS `X-Amz-*`, GCS
  `X-Goog-*`, Azure `sig=`, CloudFront `Signature=`, `token=`);
- the password and the query of every URL in the text, as `public_url` does.

The request itself keeps the real values: only what is shown is redacted.
Standard library only (`register_hub` imports huggingface_hub when called), so
every module and the CLI's error path can use it.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import typing as t
import urllib.parse

MASK = "***"
# Environment variables whose whole value is a secret.
SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_API_TOKEN", "VOLTAGEGPU_API_KEY")
# Environment variables holding URLs that may carry a password or a signature.
URL_ENV = ("HF_ENDPOINT", "VOLTAGEGPU_BASE_URL", "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY",
           "https_proxy", "http_proxy", "all_proxy")
# Shorter values would mangle ordinary text wherever they happen to occur.
MIN_SECRET = 4

_SECRETS: set[str] = set()

URL_RE = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,15}://[^\s\"'<>`\\]+")
# Characters a URL in prose is often followed by; kept out of the URL.
TRAILING = ",;:)]}>!"
# A credential looks like one (a digit or base64 padding, or a long run), so that
# prose such as "Basic authentication" is left alone.
CREDENTIAL_RE = re.compile(
    r"\b(Bearer|Basic)(\s+)(?!\*\*\*)(?:(?=[\w.~+/=-]*[0-9+/=])[\w.~+/=-]{6,}|[\w.~+/=-]{16,})", re.IGNORECASE)
HF_TOKEN_RE = re.compile(r"\bhf_[A-Za-z0-9]{20,}")
HEADER_RE = re.compile(r"\b(x-api-key|api[-_]?key|access[-_]?token|password|passwd)"
                       r"([\"']?\s*[:=]\s*[\"']?)(?!\*\*\*)[^\s\"',;&]{4,}", re.IGNORECASE)
# Query parameters that carry a signature, a credential or a token.
SIGNED_PARAM_RE = re.compile(
    r"(?<![A-Za-z0-9_-])(x-amz-[a-z-]*|x-goog-[a-z-]*|sig|signature|[a-z_-]*token|credential|policy|"
    r"key-pair-id|key)=(?!\*\*\*)[^&\s\"'<>#]+", re.IGNORECASE)

# The query parameters whose values are registered as secrets: only those, since
# a value such as X-Amz-Expires=3600 would otherwise be masked in every message.
SECRET_PARAM_RE = re.compile(r"x-amz-(signature|credential|security-token)|x-goog-(signature|credential)|sig|"
                             r"signature|[a-z_-]*token|key|policy", re.IGNORECASE)
MIN_SIGNATURE = 8


def register_secret(secret: str | None) -> None:
    """Redact `secret` from every later message."""
    if secret and len(secret) >= MIN_SECRET:
        _SECRETS.add(secret)


def register_url(url: str | None) -> None:
    """Redact the password and the signed query values of `url` from every later
    message, also in the forms a server may echo (decoded, or as Basic auth)."""
    for secret in _url_secrets(url or ""):
        register_secret(secret)


def _url_secrets(url: str) -> list[str]:
    out: list[str] = []
    _, netloc, _, query = _split(url)
    if "@" in netloc:
        userinfo = netloc.rpartition("@")[0]
        user, _, password = userinfo.partition(":")
        if password:
            out += [password, urllib.parse.unquote(password)]
        elif len(user) >= MIN_SIGNATURE:  # https://TOKEN@host: the user part is the secret; a short name is not
            out += [user, urllib.parse.unquote(user)]
        plain = urllib.parse.unquote(user) + ":" + urllib.parse.unquote(password)
        out.append(base64.b64encode(plain.encode()).decode())  # what Basic auth sends
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if eq and SECRET_PARAM_RE.fullmatch(name) and len(value) >= MIN_SIGNATURE:
            out += [value, urllib.parse.unquote(value)]
    return [s for s in out if len(s) >= MIN_SECRET]


def _split(url: str) -> tuple[str, str, str, str]:
    """(scheme, netloc, path, query) without ever raising: `urlsplit` refuses
    some malformed URLs (a bad IPv6 host), and those must be shown safely too."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", "", url, ""
    end = min([i for i in (rest.find(c) for c in "/?#") if i >= 0], default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    tail = tail.partition("#")[0]
    path, _, query = tail.partition("?")
    return scheme, netloc, path, query


def public_url(url: str) -> str:
    """The URL without user:password@ and with any query (a presigned URL's
    signature) replaced by `?...`: safe to print, log and keep in a report."""
    scheme, netloc, path, query = _split(url)
    if not scheme:
        return url
    host = netloc.rpartition("@")[2]
    return f"{scheme}://{host}{path}" + ("?..." if query else "")


def _public_in_text(m: re.Match[str]) -> str:
    text = m.group(0)
    core = text.rstrip(TRAILING)
    tail = text[len(core):]
    _, netloc, _, query = _split(core)
    if "@" not in netloc and not query:
        return text  # nothing secret: keep it exactly as written
    return public_url(core) + tail


def register_hub() -> None:
    """Register the token and the endpoint huggingface_hub will use, wherever they
    come from (HF_TOKEN, the saved login, HF_ENDPOINT): a Hub or a proxy that
    echoes the Authorization header must not get them printed. Call it only
    where huggingface_hub is about to be used (it imports it)."""
    from huggingface_hub import constants, get_token

    register_secret(get_token())
    register_url(constants.ENDPOINT)


@functools.lru_cache(maxsize=8)
def _env_secrets(values: tuple[str | None, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for name, value in zip(SECRET_ENV + URL_ENV, values):
        if not value:
            continue
        found += [value.strip()] if name in SECRET_ENV else _url_secrets(value.strip())
    return tuple(s for s in found if len(s) >= MIN_SECRET)


def known_secrets() -> list[str]:
    """Every secret value to redact, longest first (so no part of one survives)."""
    env = _env_secrets(tuple(os.environ.get(k) for k in SECRET_ENV + URL_ENV))
    return sorted(_SECRETS.union(env), key=len, reverse=True)


def redact(text: str) -> str:
    """`text` without any secret (see the module docstring)."""
    if not text:
        return text
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    if "://" in text:
        text = URL_RE.sub(_public_in_text, text)
    text = CREDENTIAL_RE.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    text = HF_TOKEN_RE.sub("hf_" + MASK, text)
    text = HEADER_RE.sub(lambda m: f"{m[1]}{m[2]}{MASK}", text)
    if "=" in text:
        text = SIGNED_PARAM_RE.sub(lambda m: f"{m[1]}={MASK}", text)
    return text


_guarded = False


def guard_logging() -> None:
    """Redact every log record and warning this process prints. Libraries log
    what they request (huggingface_hub: "... thrown while requesting HEAD
    http://user:password@host/..."), and the CLI prints their logs to stderr."""
    import logging
    import warnings

    global _guarded
    if _guarded:
        return
    _guarded = True
    make = logging.getLogRecordFactory()

    def record(*args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        rec = make(*args, **kwargs)
        try:
            text = redact(rec.getMessage())
        except Exception:  # noqa: BLE001 - a bad format string is the handler's to report, as before
            return rec
        rec.msg, rec.args = text, ()  # formatted once, here, so no handler sees the raw text
        return rec

    logging.setLogRecordFactory(record)
    show = warnings.formatwarning
    warnings.formatwarning = lambda *a, **k: redact(show(*a, **k))


def redact_data(obj: t.Any) -> t.Any:
    """A JSON-like value with every string in it redacted (an API's echo of a job
    holds the datasetUrl it was sent)."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {redact_data(k): redact_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_data(v) for v in obj]
    return obj


__all__ = ["MASK", "guard_logging", "known_secrets", "public_url", "redact", "redact_data", "register_hub",
           "register_secret", "register_url"]
