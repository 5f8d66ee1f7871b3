"""`check --eval` on a reference that is not a local file: a Hub dataset
(`hf://[datasets/]OWNER/NAME[@REVISION][:SPLIT]`) or a JSON (Lines) URL.

The reference is read as the main input is (ftprep.verbs.remote,
remote_hub): a Hub repo through `datasets.load_dataset` with its first
config, every split merged unless `:SPLIT` names one (a benchmark's `test`);
a URL with a plain GET, no credentials, under the trainer's size cap. Its rows
go to a temporary JSON Lines file that the leakage check reads as it reads a
local reference (ftprep.engine.leakage), under the name the user gave. A
reference that cannot be had is a usage error (`SourceError`, exit 2): the
check would otherwise report no leaks for a reference it never read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import tempfile
import typing as t

from ftprep.core.errors import SourceError, transported
from ftprep.core.options import Options
from ftprep.core.redact import public_url, redact, register_url

HF_EVAL = re.compile(r"^hf://(?:datasets/)?(?P<repo>[\w.-]+/[\w.-]+)(?:@(?P<rev>[^\s:]+))?(?::(?P<split>[\w.-]+))?/?$")


@contextlib.contextmanager
def fetched_eval(opts: Options) -> t.Iterator[Options]:
    """`opts` with a remote `eval` fetched to a temporary file for as long as the check runs."""
    spec = opts.eval
    if not spec or "://" not in spec:
        yield opts
        return
    from ftprep.engine import leakage

    register_url(spec)
    shown = public_url(spec)
    with tempfile.TemporaryDirectory(prefix="ftprep-eval-") as tmp:
        if spec.startswith("hf://"):
            local = _hub_rows(spec, shown, tmp, opts)
            lined = False  # rows of merged splits: named by row, as a Hub input's are
        else:
            local = _url_rows(spec, shown, tmp, opts)
            lined = True
        leakage.stand_in(local, shown, lined)
        try:
            yield dataclasses.replace(opts, eval=local)
        finally:
            leakage.forget(local)


def _url_rows(url: str, shown: str, tmp: str, opts: Options) -> str:
    """The URL's body in `tmp`, under the suffix its name gives (the record reader goes by it)."""
    from ftprep.verbs.remote import download, local_suffix

    suffix, _ = local_suffix(url)
    if suffix.removesuffix(".gz") not in (".json", ".jsonl", ".ndjson"):
        raise SourceError(f"--eval {shown}: a reference at a URL is read as JSON or JSON Lines, not {suffix}")
    local = os.path.join(tmp, "reference" + suffix)
    failed = download(url, local, max_bytes=opts.max_url_bytes)
    if failed is not None:
        raise SourceError(f"--eval {shown}: {failed[1]} ({failed[2]})")
    return local


def _hub_rows(spec: str, shown: str, tmp: str, opts: Options) -> str:
    """The rows of the Hub dataset (its first config; one split, or all merged) as JSON Lines in `tmp`."""
    m = HF_EVAL.match(spec)
    if m is None:
        raise SourceError(f"--eval {shown}: expected hf://OWNER/NAME[@REVISION][:SPLIT]")
    repo, revision, split = m["repo"], m["rev"], m["split"]
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import (
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    except ValueError as e:  # huggingface_hub parses HF_ENDPOINT when it is imported
        raise SourceError(f"--eval {shown}: HF_ENDPOINT is not a valid URL ({e})") from None
    from ftprep.core.redact import register_hub
    from ftprep.reading.formats import first_line
    from ftprep.verbs import remote_hub

    register_hub()  # the token is masked in anything said below
    try:
        info = HfApi(library_name="ftprep").dataset_info(repo, revision=revision)
    except RevisionNotFoundError:
        raise SourceError(f"--eval {shown}: revision '{redact(revision or '')}' does not exist in {repo}") from None
    except RepositoryNotFoundError:
        raise SourceError(f"--eval {shown}: {repo} does not exist, or is private and this token cannot read it "
                          f"({remote_hub.NOT_FOUND_HINT})") from None
    except HfHubHTTPError as e:
        raise SourceError(f"--eval {shown}: the Hub answered: {redact(first_line(e))}") from None
    except OSError as e:
        raise SourceError(f"--eval {shown}: cannot reach the Hub: {type(e).__name__}") from None
    with remote_hub._quiet(bars=opts.progress is not None):
        splits = _loaded(shown, repo, info.sha, os.path.join(tmp, "cache"))
    if split is not None:
        if split not in splits:
            raise SourceError(f"--eval {shown}: no split '{split}' (the first config has {', '.join(splits)})")
        splits = {split: splits[split]}
    local = os.path.join(tmp, "reference.jsonl")
    remote_hub._write_rows(splits, local)
    return local


def _loaded(shown: str, repo: str, sha: str | None, cache: str) -> dict[str, t.Any]:
    import datasets

    from ftprep.verbs import remote_hub

    try:
        configs = datasets.get_dataset_config_names(repo, revision=sha,
                                                    download_config=datasets.DownloadConfig(cache_dir=cache))
        loaded = datasets.load_dataset(repo, configs[0] if configs else None, revision=sha, cache_dir=cache)
    except Exception as e:  # datasets raises many types; none leaves a reference to compare with
        if transported(e):
            raise SourceError(f"--eval {shown}: cannot reach the Hub: {type(e).__name__}") from None
        raise SourceError(f"--eval {shown}: load_dataset fails: {remote_hub._cause(e)}") from None
    return dict(loaded)


__all__ = ["HF_EVAL", "fetched_eval"]
