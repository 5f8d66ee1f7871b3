"""One commit of a staged folder to a Hugging Face dataset repo.

Uploads go through `huggingface_hub.HfApi` (no hand-written Hub HTTP). The
client skips files whose content the Hub already holds, so pushing the same
data twice makes no second commit. The repo is created private unless asked
otherwise; an existing repo keeps its visibility. Every failure of the client
becomes a `HubError` (auth, namespace, network) with the next step to take.
"""

from __future__ import annotations

import contextlib
import os
import re
import typing as t

from ftprep.core.errors import HubAuthError, HubError, HubNetworkError, NamespaceError, transport_errors
from ftprep.core.redact import public_url, redact, register_hub, register_secret, register_url
from ftprep.core.results import PushResult
from ftprep.hub.card import card
from ftprep.reading.formats import first_line

if t.TYPE_CHECKING:
    from ftprep.core.results import Conversion

REPO_RE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
# Where the data goes in the repo: rows as JSON Lines, or an ImageFolder.
DATA_FILE = "data/train.jsonl"
IMAGE_DIR = "train"
# Folders of the repo that ftprep writes; stale files there are deleted on push.
OWNED = ["data/**", f"{IMAGE_DIR}/**"]
# A Hub (or a proxy) may echo the whole request in its refusal: a line is enough.
MAX_SAID = 300


def valid_repo(repo: str) -> None:
    """Raise ValueError for a repo id the Hub would refuse, before any call."""
    if not REPO_RE.match(repo) or ".." in repo:
        raise ValueError(f"invalid repo id {repo!r}: expected OWNER/NAME")


def client(token: str | None, endpoint: str | None) -> t.Any:
    """An `HfApi` for `token` (else the saved login or HF_TOKEN) at `endpoint`
    (else HF_ENDPOINT); the token and the endpoint's password are registered for redaction."""
    from huggingface_hub import HfApi, get_token

    from ftprep import __version__

    token = token or get_token()
    if not token:
        raise HubAuthError("no Hugging Face token found", "run `hf auth login`, or set HF_TOKEN")
    register_secret(token)
    register_url(endpoint)
    register_hub()  # the default endpoint (HF_ENDPOINT) and the saved login
    return HfApi(endpoint=endpoint, token=token, library_name="ftprep", library_version=__version__)


def upload_folder(api: t.Any, folder: str, conv: Conversion, repo: str, data_path: str, *,
                  private: bool | None = True, revision: str | None = None, message: str | None = None) -> PushResult:
    """Commit `folder` (laid out as the repo, the data at `data_path`) and its card to `repo` on `revision`."""
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    with hub_failures(api, repo):
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
        with open(os.path.join(folder, "README.md"), "w", encoding="utf-8", newline="\n") as f:
            f.write(card(repo, conv, data_path))
        info = api.upload_folder(
            repo_id=repo, folder_path=folder, repo_type="dataset", revision=branch,
            commit_message=message or f"ftprep push: {conv.task}, {rows:,} rows",
            delete_patterns=OWNED,
        )
    return PushResult(
        repo_id=repo, commit=info.oid, url=public_url(f"{api.endpoint.rstrip('/')}/datasets/{repo}"),
        commit_url=redact(info.commit_url or ""), created=created, changed=info.oid != head,
        job_fields=dict(conv.job_fields), task=conv.task, rows=rows, revision=branch, private=private,
        report=conv.report,
    )


@contextlib.contextmanager
def client_bars(shown: bool) -> t.Iterator[None]:
    """The client's own upload bars: left as the caller set them when it asked for
    progress (the CLI shows them on a terminal), else hidden, as a library prints nothing."""
    from huggingface_hub import utils

    hide = not shown and not utils.are_progress_bars_disabled()
    if hide:
        utils.disable_progress_bars()
    try:
        yield
    finally:
        if hide:
            utils.enable_progress_bars()


@contextlib.contextmanager
def hub_failures(api: t.Any, repo: str) -> t.Iterator[None]:
    """Turn the client's exceptions into HubAuthError / NamespaceError / HubNetworkError
    (or HubError) with a next step; any other exception passes unchanged."""
    try:
        yield
    except HubError:
        raise
    except Exception as exc:
        failure = hub_failure(exc, public_url(str(getattr(api, "endpoint", "") or "the Hub")), repo)
        if failure is None:
            raise
        raise failure from None


def hub_failure(exc: BaseException, endpoint: str, repo: str) -> HubError | None:
    """The HubError that says what `exc` (raised by the Hub client) means for a push to `repo`; None if not the Hub's."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(exc, OfflineModeIsEnabled):
        return HubNetworkError("huggingface_hub is in offline mode", "unset HF_HUB_OFFLINE")
    if isinstance(exc, transport_errors()):
        return HubNetworkError(f"cannot reach {endpoint} ({type(exc).__name__})",
                               "check your connection or HF_ENDPOINT, then retry")
    if not isinstance(exc, HfHubHTTPError):
        return None
    status = exc.response.status_code if exc.response is not None else 0
    owner = repo.split("/")[0] if "/" in repo else "your account"
    if status == 401:
        return HubAuthError("the Hub rejected the token",
                            "run `hf auth login` with a token that has write access, or set HF_TOKEN")
    if status in (403, 404):
        return NamespaceError(
            f"cannot write to {repo}: the namespace '{owner}' does not exist or your token may not "
            "create or write repos there",
            "use your user name or an organisation you belong to, with a write token")
    if status >= 500 or status in (408, 429):
        return HubNetworkError(f"{endpoint} answered HTTP {status}", "retry later")
    # Redacted before the cut (a cut could split a secret), and cut.
    said = redact(first_line(exc))
    said = said if len(said) <= MAX_SAID else said[:MAX_SAID - 1] + "…"
    return HubError(f"the Hub refused the push: HTTP {status}: {said}")


__all__ = ["DATA_FILE", "IMAGE_DIR", "OWNED", "client", "client_bars", "hub_failure", "hub_failures", "upload_folder",
           "valid_repo"]
