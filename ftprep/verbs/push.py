"""`ftprep.push`: check, convert and upload a dataset to a Hugging Face dataset repo.

The data is converted to its canonical columns in a temporary folder, next to
a dataset card whose YAML `configs` point the `train` split at it, so that
`load_dataset("OWNER/NAME")` (the trainer) and the Hub viewer read exactly what
was checked. Nothing touches the network until the data is clean: data with
errors raises `DataErrors` before any repo is created.

Uploads go through `huggingface_hub.HfApi` (no hand-written Hub HTTP). The
client skips files whose content the Hub already holds, so pushing the same
data twice makes no second commit; the card is deterministic for that reason
(no dates, no local paths).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import tempfile
import typing as t
from typing import Unpack

from ftprep.core.diagnostics import Report
from ftprep.core.keywords import PushOptions
from ftprep.core.options import Options
from ftprep.core.redact import public_url, redact, register_hub, register_secret, register_url
from ftprep.engine.settings import settle
from ftprep.reading.formats import first_line, is_image_set

if t.TYPE_CHECKING:
    from ftprep.core.results import Conversion

REPO_RE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
# Folders of the repo that ftprep writes; stale files there are deleted on push.
DATA_FILE = "data/train.jsonl"
IMAGE_DIR = "train"
OWNED = ["data/**", f"{IMAGE_DIR}/**"]


class DataErrors(Exception):
    """The data has errors (or warnings, with `strict`): nothing was uploaded."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{report.errors:,} error(s) in the data; nothing was uploaded")
        self.report = report


class HubError(Exception):
    """Pushing failed for a reason outside the data. `hint` is the next step.
    Both are redacted: a Hub (or a proxy) may echo the token or the endpoint's password."""

    def __init__(self, message: str, hint: str = "") -> None:
        message, hint = redact(message), redact(hint)
        super().__init__(message)
        self.message = message
        self.hint = hint


class AuthError(HubError):
    """No token, or the Hub rejected it."""


class NamespaceError(HubError):
    """The owner does not exist, or the token cannot create or write repos there."""


class NetworkError(HubError):
    """The Hub could not be reached, or answered with a server error."""


@dataclasses.dataclass
class PushResult:
    repo_id: str
    commit: str
    url: str
    commit_url: str
    created: bool
    changed: bool
    job_fields: dict[str, str]
    task: str = ""
    rows: int = 0
    revision: str = "main"
    private: bool | None = None
    report: Report = dataclasses.field(default_factory=Report)

    def to_json(self) -> dict[str, t.Any]:
        return {"repo_id": self.repo_id, "commit": self.commit, "url": self.url, "commit_url": self.commit_url,
                "created": self.created, "changed": self.changed, "job_fields": self.job_fields,
                "task": self.task, "rows": self.rows, "revision": self.revision, "private": self.private,
                "report": self.report.to_json()}


def push(
    path: str | os.PathLike[str],
    *,
    repo: str,
    private: bool = True,
    revision: str | None = None,
    message: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    api: t.Any = None,
    options: Options | None = None,
    **keywords: Unpack[PushOptions],
) -> PushResult:
    """Check and convert `path`, then upload it to the dataset repo `repo` ("OWNER/NAME").

    The keywords are those of `PushOptions`: the options of `ftprep.convert`
    (mapping fields, chat template, min_rows, image options...) and `strict`;
    `options` is an already built `Options` they override. The repo is created
    private unless `private=False`; an existing repo keeps its visibility.
    `token` and `endpoint` default to huggingface_hub's lookup (HF_TOKEN or the
    saved login; HF_ENDPOINT). `api` may be an `HfApi` to use instead.

    Raises `DataErrors` (nothing uploaded), `AuthError`, `NamespaceError`,
    `NetworkError` or `HubError`; `ValueError` for a malformed repo id or a bad
    option value, TypeError for an unknown keyword.
    """
    _valid_repo(repo)
    opts = settle("push", options, keywords)
    with staged(path, options=opts) as stage:
        return upload(stage, repo, private=private, revision=revision, message=message, token=token,
                      endpoint=endpoint, api=api)


def _valid_repo(repo: str) -> None:
    if not REPO_RE.match(repo) or ".." in repo:
        raise ValueError(f"invalid repo id {repo!r}: expected OWNER/NAME")


@dataclasses.dataclass
class Stage:
    """Data converted into a temporary folder laid out as the repo will be."""

    folder: str
    conversion: Conversion
    data_path: str


@contextlib.contextmanager
def staged(path: str | os.PathLike[str], *, options: Options | None = None,
           **keywords: Unpack[PushOptions]) -> t.Iterator[Stage]:
    """Check and convert `path` into a temporary repo folder: data/train.jsonl, or
    the ImageFolder that ftprep.image writes (train/metadata.jsonl + images).
    Raises `DataErrors` when the data has errors (or warnings, under `strict`)."""
    from ftprep.verbs.convert import convert

    # push never uploads a subset silently
    opts = dataclasses.replace(settle("push", options, keywords), drop_invalid=False)
    with tempfile.TemporaryDirectory(prefix="ftprep-push-") as tmp:
        src = str(path)
        images = is_image_set(src, opts.task)
        folder = os.path.join(tmp, "repo")
        conv = convert(src, folder if images else os.path.join(folder, *DATA_FILE.split("/")), options=opts)
        if not conv.written:
            raise DataErrors(conv.report)
        if opts.strict and conv.report.warnings:
            raise DataErrors(conv.report.strict())
        yield Stage(folder, conv, f"{IMAGE_DIR}/**" if images else DATA_FILE)


def upload(stage: Stage, repo: str, *, private: bool = True, revision: str | None = None,
           message: str | None = None, token: str | None = None, endpoint: str | None = None,
           api: t.Any = None) -> PushResult:
    """Upload a staged folder to the dataset repo `repo` (see `push`)."""
    _valid_repo(repo)
    if api is None:
        api = _api(token, endpoint)
    return _upload(api, stage.folder, stage.conversion, repo, stage.data_path, private, revision, message)


def _api(token: str | None, endpoint: str | None) -> t.Any:
    from huggingface_hub import HfApi, get_token

    from ftprep import __version__

    token = token or get_token()
    if not token:
        raise AuthError("no Hugging Face token found", "run `hf auth login`, or set HF_TOKEN")
    register_secret(token)
    register_url(endpoint)
    register_hub()  # the default endpoint (HF_ENDPOINT) and the saved login
    return HfApi(endpoint=endpoint, token=token, library_name="ftprep", library_version=__version__)


def _upload(api: t.Any, stage: str, conv: Conversion, repo: str, data_path: str, private: bool | None,
            revision: str | None, message: str | None) -> PushResult:
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    with _errors(api, repo):
        user = api.whoami()
        if "/" not in repo:
            repo = f"{user['name']}/{repo}"
        branch = revision or "main"
        created = False
        try:
            found = api.repo_info(repo, repo_type="dataset", revision=branch)
            head, private = found.sha, found.private
        except RevisionNotFoundError:
            head, private = None, None  # an existing repo keeps its visibility
        except RepositoryNotFoundError:
            api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
            created, head = True, None
        if head is None:
            if branch != "main":
                api.create_branch(repo, branch=branch, repo_type="dataset", exist_ok=True)
            head = api.repo_info(repo, repo_type="dataset", revision=branch).sha
        rows = conv.rows_written
        with open(os.path.join(stage, "README.md"), "w", encoding="utf-8", newline="\n") as f:
            f.write(card(repo, conv, data_path))
        info = api.upload_folder(
            repo_id=repo, folder_path=stage, repo_type="dataset", revision=branch,
            commit_message=message or f"ftprep push: {conv.task}, {rows:,} rows",
            delete_patterns=OWNED,
        )
    return PushResult(
        repo_id=repo, commit=info.oid, url=public_url(f"{api.endpoint.rstrip('/')}/datasets/{repo}"),
        commit_url=redact(info.commit_url or ""), created=created, changed=info.oid != head,
        job_fields=dict(conv.job_fields), task=conv.task, rows=rows, revision=branch, private=private,
        report=conv.report,
    )


class _errors:
    """Turn client exceptions into AuthError / NamespaceError / NetworkError with a next step."""

    def __init__(self, api: t.Any, repo: str) -> None:
        self.endpoint = public_url(str(getattr(api, "endpoint", "") or "the Hub"))
        self.repo = repo

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: t.Any, exc: BaseException | None, tb: t.Any) -> bool:
        if exc is None or isinstance(exc, HubError):
            return False
        from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

        if isinstance(exc, OfflineModeIsEnabled):
            raise NetworkError("huggingface_hub is in offline mode", "unset HF_HUB_OFFLINE") from None
        from ftprep.verbs.remote_hub import transport_errors

        if isinstance(exc, transport_errors()):
            raise NetworkError(f"cannot reach {self.endpoint} ({type(exc).__name__})",
                               "check your connection or HF_ENDPOINT, then retry") from None
        if isinstance(exc, HfHubHTTPError):
            status = exc.response.status_code if exc.response is not None else 0
            owner = self.repo.split("/")[0] if "/" in self.repo else "your account"
            if status == 401:
                raise AuthError("the Hub rejected the token",
                                "run `hf auth login` with a token that has write access, or set HF_TOKEN") from None
            if status in (403, 404):
                raise NamespaceError(
                    f"cannot write to {self.repo}: the namespace '{owner}' does not exist or your token may not "
                    "create or write repos there",
                    "use your user name or an organisation you belong to, with a write token") from None
            if status >= 500 or status in (408, 429):
                raise NetworkError(f"{self.endpoint} answered HTTP {status}", "retry later") from None
            # Redacted before the cut (a cut could split a secret), and cut: a Hub may echo the whole request.
            said = redact(first_line(exc))
            said = said if len(said) <= 300 else said[:299] + "…"
            raise HubError(f"the Hub refused the push: HTTP {status}: {said}") from None
        return False


TASK_CATEGORY = {"image": "text-to-image"}


def card(repo: str, conv: Conversion, data_path: str) -> str:
    """The dataset card: YAML `configs` for the trainer and the viewer, then the job fields and check stats."""
    import json

    q = json.dumps  # a JSON string is a valid YAML scalar, whatever it holds
    report = conv.report
    file = report.files[0] if report.files else None
    warnings: dict[str, int] = {}
    for d in report.diagnostics:
        warnings[d.code] = warnings.get(d.code, 0) + 1
    if file is not None:
        for code, n in file.dropped.items():
            warnings[code] = warnings.get(code, 0) + n
    lines = [
        "---",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {q(data_path)}",
        "task_categories:",
        f"- {TASK_CATEGORY.get(conv.task, 'text-generation')}",
        "tags:",
        "- ftprep",
        f"- {q('ftprep-' + conv.task)}",
        "---",
        "",
        f"# {repo}",
        "",
        f"Checked and converted by [ftprep](https://pypi.org/project/ftprep/) for a `{conv.task}` fine-tuning job.",
        "",
        "## Job fields",
        "",
        "| API field | Value |",
        "|---|---|",
        f"| `taskType` | `{conv.task}` |",
        f"| `dsRepo` | `{repo}` |",
    ]
    lines += [f"| `{k}` | `{v}` |" for k, v in conv.job_fields.items()]
    lines += ["", "## Check", "", "| | |", "|---|---|",
              f"| rows | {conv.rows_written:,} |", f"| source shape | {conv.shape or '-'} |",
              f"| errors | {report.errors:,} |", f"| warnings | {report.warnings:,} |"]
    lines += [f"| {code} | {n:,} |" for code, n in sorted(warnings.items())]
    stats = file.stats if file is not None else {}
    lines += [f"| {k} | {_cell(v)} |" for k, v in sorted(stats.items())]
    lines += ["", "Load it as the trainer does:", "", "```python", "from datasets import load_dataset", "",
              f"ds = load_dataset({q(repo)})", "```", ""]
    return "\n".join(lines)


def _cell(value: t.Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("|", "\\|").replace("\n", " ")


__all__ = ["push", "staged", "upload", "Stage", "PushResult", "DataErrors", "HubError", "AuthError", "NamespaceError", "NetworkError", "card"]
