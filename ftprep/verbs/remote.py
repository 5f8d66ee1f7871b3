"""Check datasets that live on the Hub (`hf://datasets/OWNER/NAME[@REV]`) or at a URL.

Both are checked as the trainer reads them:

- a Hub repo through `datasets.load_dataset` with the first config only and
  every split merged (the trainer concatenates them); the merged rows then go
  through the same row checks as a local file;
- a URL (`custom_*` jobs) with a plain GET that must answer 200 without
  credentials, streamed to a temporary file under a size cap, then checked as
  JSON or JSON Lines (what the trainer's `load_dataset("json")` accepts).
"""

from __future__ import annotations

import os
import re
import tempfile
import urllib.parse
from pathlib import PurePosixPath

from ftprep.core.diagnostics import Diagnostic, FileReport
from ftprep.core.redact import public_url, redact, register_url
from ftprep.core.errors import SourceError
from ftprep.reading.formats import SUFFIXES
from ftprep.core.options import MAX_URL_BYTES, Options

HF_RE = re.compile(r"^hf://datasets/(?P<repo>[\w.-]+/[\w.-]+)(?:@(?P<rev>[^\s]+))?/?$")
STATUS_HINTS = {
    401: "the trainer sends no credentials: use a public or presigned URL",
    403: "the trainer sends no credentials: use a public or presigned URL (is it expired?)",
    404: "check the URL; the trainer needs the file itself, not a page about it",
}
CHUNK = 1 << 20


def check_remote(url: str, opts: Options, *, max_bytes: int | None = None, timeout: float = 60.0) -> FileReport:
    """Check a Hub dataset repo or a dataset URL; see the module docstring.

    Raises `SourceError` when the source cannot be reached at all (DNS,
    connection, TLS) or the URL is not one ftprep knows.
    """
    register_url(url)  # a server that echoes the request must not print its password or signature
    shown = public_url(url)
    if url.startswith("hf://"):
        m = HF_RE.match(url)
        if m is None:
            raise SourceError(f"{shown}: expected hf://datasets/OWNER/NAME or hf://datasets/OWNER/NAME@REVISION")
        from ftprep.verbs.remote_hub import check_hub

        return check_hub(shown, m["repo"], m["rev"], opts)
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise SourceError(f"{shown}: unsupported URL; use hf://datasets/OWNER/NAME or an http(s) URL")
    return check_url(url, opts, max_bytes=max_bytes or opts.max_url_bytes, timeout=timeout)


def local_suffix(url: str) -> tuple[str, bool]:
    """The suffix to save a URL's body under, and whether the name said so.

    The trainer names the download after the URL path's basename and loads it
    with `load_dataset("json")`, so a name without a known suffix is JSON."""
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix, True
    return ".json", False


def check_url(url: str, opts: Options, *, max_bytes: int = MAX_URL_BYTES, timeout: float = 60.0) -> FileReport:
    """Download `url` (no credentials, at most `max_bytes`) and check it as the trainer would load it."""
    from ftprep.engine.checker import check_file

    suffix, _ = local_suffix(url)
    shown = public_url(url)  # what reports say: no password, no presigned signature
    with tempfile.TemporaryDirectory(prefix="ftprep-url-") as tmp:
        local = os.path.join(tmp, "download" + suffix)
        failed = download(url, local, max_bytes=max_bytes, timeout=timeout)
        if failed is not None:
            return FileReport.single(shown, opts.task, *failed)
        report = check_file(local, opts, display=shown)
        if opts.reward_func:  # GRPO: the trial runs on the prompts of this download, not of a second one
            from ftprep.verbs.reward_trial import keep_prompts

            report = keep_prompts(report, local, opts)
        if suffix.removesuffix(".gz") not in (".json", ".jsonl", ".ndjson") and not any(
                d.code == "P007" for d in report.diagnostics):
            # check_file adds P007 for custom_* tasks; at a URL every task is loaded as JSON.
            report.diagnostics.insert(0, Diagnostic(
                "P007", f"the file is {suffix.lstrip('.')}; at a URL the trainer loads only JSON or JSON Lines", shown,
                hint="convert it: ftprep convert ... -o data.jsonl"))
        return report.relabeled(local, shown)


def download(url: str, local: str, *, max_bytes: int = MAX_URL_BYTES,
             timeout: float = 60.0) -> tuple[str, str, str] | None:
    """`url`'s body saved to `local` as the trainer's GET gets it (no credentials, at most
    `max_bytes`); None, or the (code, message, hint) of why it cannot be had."""
    import httpx

    shown = public_url(url)
    try:
        # No auth of any kind: the trainer's aiohttp GET sends none (follows redirects, like it).
        with httpx.Client(follow_redirects=True, timeout=timeout, headers={"User-Agent": "ftprep"}) as client:
            with client.stream("GET", url) as r:
                if r.status_code != 200:
                    said = redact(r.reason_phrase)  # a hostile server may echo the request in it
                    return ("H006", f"HTTP {r.status_code} {said}; the trainer needs 200",
                            STATUS_HINTS.get(r.status_code, "the trainer needs HTTP 200 on a plain GET"))
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    return _too_big(f"{int(declared):,} bytes (Content-Length)", max_bytes)
                size = 0
                with open(local, "wb") as f:
                    for chunk in r.iter_bytes(CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            return _too_big(f"more than {max_bytes:,} bytes", max_bytes)
                        f.write(chunk)
    except httpx.HTTPError as e:
        raise SourceError(f"{shown}: cannot download: {type(e).__name__}") from None
    except httpx.InvalidURL:  # not an HTTPError; its message would hold the whole URL
        raise SourceError(f"{shown}: not a valid URL") from None
    return None


def _too_big(what: str, limit: int) -> tuple[str, str, str]:
    return "P008", f"{what}; the limit is {limit:,} bytes", "split the data or drop rows; the trainer refuses bigger files"


__all__ = ["check_remote", "check_url", "download", "public_url"]
