"""Test doubles: local servers that stand in for the Hub, dataset URLs and the jobs API.

`FakeHub` speaks the part of the Hub HTTP API that `huggingface_hub`
(`create_repo`, `upload_folder`, `create_commit`, `repo_info`, `list_repo_files`,
downloads) and `datasets.load_dataset` use, so the real clients run over real
HTTP on 127.0.0.1. Use it to test a pipeline that pushes data without a network:

    from ftprep.testing import FakeHub

    with FakeHub() as hub:          # user "alice", token hub.token
        hub.configure()             # HF_ENDPOINT etc. for this process (see its docstring)
        ftprep.push("train.jsonl", task="chat", repo="alice/demo")
        assert hub.commits("alice/demo") == 1

`hub.echo("POST", "/commit/", 413)` makes the next matching request fail with
the request echoed back, token included (see `ftprep.testing.server`).

Every request lands in `hub.log` as `(method, path, status)`. Not covered: Xet
transfer (set HF_HUB_DISABLE_XET=1), multipart LFS, pagination, pull requests,
gated repos.

`FileServer` serves dataset URLs (`ftprep.testing.fileserver`). `FakeApi` is
the VoltageGPU fine-tuning API, jobs and all, for `ftprep.api.Client` and
`ftprep.submit` (`ftprep.testing.api`):

    with FakeApi() as api:
        client = Client(api.key, api.url)
        api.fail("POST", status=502, store=True)     # the job is stored, the answer is 502

All three are real HTTP servers on 127.0.0.1 built on one plumbing
(`ftprep.testing.server`). Standard library only, and nothing of the product:
the product never imports them, and they never import it, so a fake cannot
agree with ftprep merely by sharing its code. State lives in memory.
"""

from __future__ import annotations

from ftprep.testing.api import FakeApi, ApiCall, ApiFault
from ftprep.testing.fileserver import FileServer, Route
from ftprep.testing.hub import FakeHub, FakeHubError
from ftprep.testing.server import Logged

__all__ = ["FakeHub", "FakeHubError", "FileServer", "Route", "Logged", "FakeApi", "ApiCall", "ApiFault"]
