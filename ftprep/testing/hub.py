"""The fake Hub's HTTP layer: the routes `huggingface_hub` and `datasets` call, and `FakeHub`.

The rules of repos, branches and commits live in `hub_state`; the environment
the clients read, in `hub_env`; the server plumbing, in `server`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import typing as t
import urllib.parse

from ftprep.testing import hub_env
from ftprep.testing.hub_state import FakeHubError, HubState, git_oid
from ftprep.testing.server import Handler, LocalServer, Logged, take

TYPES = {"datasets": "dataset", "models": "model", "spaces": "space"}
PREFIX = {"dataset": "datasets/", "model": "", "space": "spaces/"}


class _HubHandler(Handler):
    owner: FakeHub

    def route(self) -> None:
        split = urllib.parse.urlsplit(self.path)
        # Split on "/" before unquoting: revisions and tree paths arrive as "a%2Fb".
        seg = [urllib.parse.unquote(s) for s in split.path.split("/")[1:]]
        self.query = urllib.parse.parse_qs(split.query)
        self.base = f"http://{self.headers.get('Host', '127.0.0.1')}"
        hub = self.owner
        fault = hub.take_echo(self.command, split.path)
        if fault is not None:
            return self.echo(fault.status)
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        self.user: str | None = hub.tokens.get(token) if token else None
        if token and self.user is None and hub.reject_bad_tokens:
            msg = "Invalid user token." if seg[:2] == ["api", "whoami-v2"] else "Invalid credentials in Authorization header"
            return self.send(401, {"error": msg}, {"X-Error-Message": msg})
        try:
            self.handle_route(seg)
        except FakeHubError as e:
            headers = {"X-Error-Message": e.message}
            if e.code:
                headers["X-Error-Code"] = e.code
            headers.update(e.headers)
            self.send(e.status, {"error": e.message, **e.extra}, headers, head=self.command == "HEAD")

    def handle_route(self, seg: list[str]) -> None:
        m, hub = self.command, self.owner
        if seg[:2] == ["api", "whoami-v2"]:
            if self.user is None:
                raise FakeHubError(401, "Invalid user token.")
            return self.send(200, {"type": "user", "name": self.user, "fullname": self.user,
                                   "orgs": [{"name": o} for o in hub.orgs.get(self.user, ())],
                                   "auth": {"type": "access_token", "accessToken": {"role": "write"}}})
        if seg[:2] == ["api", "agent-harnesses"]:
            return self.send(200, {"standardEnvVars": [], "harnesses": {}})
        if seg[:2] == ["api", "validate-yaml"] and m == "POST":
            return self.send(200, hub.state.validate_yaml(json.loads(self.body() or b"{}").get("content", "")))
        if seg[:2] == ["api", "repos"] and len(seg) == 3:
            data = json.loads(self.body() or b"{}")
            rtype = data.get("type") or "model"
            rid = f"{data.get('organization') or self.user}/{data['name']}"
            url = f"{self.base}/{PREFIX[rtype]}{rid}"
            if seg[2] == "create" and m == "POST":
                private = data.get("visibility", "private" if data.get("private") else "public") != "public"
                try:
                    hub.state.create(rtype, rid, self.user, private)
                except FakeHubError as e:
                    if e.status == 409:  # with exist_ok the client still reads r.json()["url"]
                        e.extra["url"] = url
                    raise
                return self.send(200, {"url": url, "name": rid})
            if seg[2] == "delete" and m == "DELETE":
                hub.state.delete(rtype, rid, self.user)
                return self.send(200, {})
        if seg[0] == "api" and len(seg) >= 4 and seg[1] in TYPES:
            return self.repo_api(TYPES[seg[1]], f"{seg[2]}/{seg[3]}", seg[4:])
        if seg[0] in ("lfs-upload", "lfs-verify") and len(seg) == 2:
            return self.lfs_transfer(seg[0], seg[1])
        rtype, rest = ("model", seg)
        if seg[0] in ("datasets", "spaces"):
            rtype, rest = TYPES[seg[0]], seg[1:]
        if len(rest) >= 4 and rest[2] == "resolve" and m in ("GET", "HEAD"):
            return self.resolve(rtype, f"{rest[0]}/{rest[1]}", rest[3], "/".join(rest[4:]))
        if len(rest) == 6 and rest[1].endswith(".git") and rest[2:] == ["info", "lfs", "objects", "batch"]:
            return self.lfs_batch(rtype, f"{rest[0]}/{rest[1][:-4]}")
        hub.unknown.append(f"{m} {self.path}")
        raise FakeHubError(404, f"fake hub: unknown route {m} {urllib.parse.urlsplit(self.path).path}")

    def repo_api(self, rtype: str, rid: str, rest: list[str]) -> None:
        m, state = self.command, self.owner.state
        action = rest[0] if rest else ""
        if action in ("", "revision") and m == "GET":
            repo = state.readable(rtype, rid, self.user)
            rev = rest[1] if len(rest) > 1 else "main"
            return self.send(200, state.info(repo, rev))
        if action in ("xet-write-token", "xet-read-token"):
            raise FakeHubError(501, "fake hub: no Xet; set HF_HUB_DISABLE_XET=1")
        if action == "preupload" and m == "POST":
            repo = state.writable(rtype, rid, self.user)
            files = json.loads(self.body())["files"]
            return self.send(200, {"files": state.preupload(repo, rest[1], files, self.owner.lfs_mode)})
        if action == "commit" and m == "POST":
            repo = state.writable(rtype, rid, self.user)
            if self.query.get("create_pr"):
                raise FakeHubError(501, "fake hub: pull requests are not supported")
            lines = [json.loads(x) for x in self.body().splitlines() if x.strip()]
            oid = state.commit(repo, rest[1], lines, self.user)
            return self.send(200, {"commitOid": oid, "commitUrl": f"{self.base}/{PREFIX[rtype]}{rid}/commit/{oid}",
                                   "pullRequestUrl": None})
        if action == "tree" and m == "GET":
            repo = state.readable(rtype, rid, self.user)
            recursive = self.query.get("recursive", ["false"])[0].lower() == "true"
            return self.send(200, state.tree(repo, rest[1], "/".join(rest[2:]), recursive))
        if action == "paths-info" and m == "POST":
            repo = state.readable(rtype, rid, self.user)
            paths = urllib.parse.parse_qs(self.body().decode()).get("paths", [])
            return self.send(200, state.paths_info(repo, rest[1], paths))
        if action == "refs" and m == "GET":
            repo = state.readable(rtype, rid, self.user)
            return self.send(200, {"branches": [{"name": b, "ref": f"refs/heads/{b}", "targetCommit": c}
                                                for b, c in repo.branches.items()], "converts": [], "tags": []})
        if action == "commits" and m == "GET":
            repo = state.readable(rtype, rid, self.user)
            return self.send(200, state.history(repo, rest[1]))
        if action == "branch" and m == "POST":
            repo = state.writable(rtype, rid, self.user)
            start = json.loads(self.body() or b"{}").get("startingPoint")
            state.branch(repo, rest[1], start)
            return self.send(200, {})
        raise FakeHubError(404, f"fake hub: unknown route {m} {urllib.parse.urlsplit(self.path).path}")

    def resolve(self, rtype: str, rid: str, rev: str, path: str) -> None:
        state = self.owner.state
        repo = state.readable(rtype, rid, self.user)
        sha = state.resolve(repo, rev)
        blob = state.commits[sha].files.get(path)
        if blob is None:
            raise FakeHubError(404, f"{path} does not exist at {rev}", "EntryNotFound", {"X-Repo-Commit": sha})
        etag = blob.sha256 if blob.lfs else git_oid(blob.data)
        headers = {"X-Repo-Commit": sha, "ETag": f'"{etag}"', "Accept-Ranges": "bytes",
                   "Content-Type": "application/octet-stream"}
        if blob.lfs:
            headers.update({"X-Linked-Etag": f'"{blob.sha256}"', "X-Linked-Size": str(len(blob.data))})
        data, status = blob.data, 200
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and self.command == "GET":
            a, _, b = rng[6:].partition("-")
            start = int(a) if a else max(0, len(data) - int(b))
            end = int(b) if a and b else len(data) - 1
            headers["Content-Range"] = f"bytes {start}-{min(end, len(data) - 1)}/{len(data)}"
            data, status = data[start:end + 1], 206
        headers["Content-Length"] = str(len(data))
        if self.command == "GET":
            with state.lock:
                self.owner.reads.append(Read(path, rng, len(data)))
        self.send(status, data, headers, head=self.command == "HEAD")

    def lfs_batch(self, rtype: str, rid: str) -> None:
        state = self.owner.state
        state.writable(rtype, rid, self.user)
        objects = []
        for o in json.loads(self.body())["objects"]:
            entry: dict[str, t.Any] = {"oid": o["oid"], "size": o["size"]}
            if o["oid"] not in state.lfs:
                entry["actions"] = {"upload": {"href": f"{self.base}/lfs-upload/{o['oid']}"},
                                    "verify": {"href": f"{self.base}/lfs-verify/{o['oid']}"}}
            objects.append(entry)
        self.send(200, {"transfer": "basic", "objects": objects}, {"Content-Type": "application/vnd.git-lfs+json"})

    def lfs_transfer(self, kind: str, oid: str) -> None:
        state = self.owner.state
        if kind == "lfs-upload" and self.command == "PUT":
            data = self.body()
            if hashlib.sha256(data).hexdigest() != oid:
                raise FakeHubError(400, "sha256 does not match the oid")
            with state.lock:
                state.lfs[oid] = data
            return self.send(200)
        if kind == "lfs-verify" and self.command == "POST":
            if oid not in state.lfs:
                raise FakeHubError(404, f"LFS object {oid} was not uploaded")
            return self.send(200, {})
        raise FakeHubError(405, "method not allowed")


class Read(t.NamedTuple):
    """A file's bytes sent by `resolve`: its path in the repo, the Range asked ("" for all), bytes sent."""

    path: str
    range: str
    sent: int


@dataclasses.dataclass
class Echo:
    """Answer the next `times` requests of `method` whose path holds `path` with the request echoed back."""

    method: str
    path: str
    status: int
    times: int


class FakeHub(LocalServer):
    """An in-memory Hugging Face Hub on 127.0.0.1 (port chosen by the OS).

    `users` maps user names to tokens; `orgs` maps a user to the organisations
    they may write to. `lfs_mode` is "auto" (binary or >= 10 MB files go LFS, as
    on the Hub), "always" or "never".
    """

    handler = _HubHandler

    def __init__(self, users: dict[str, str] | None = None, orgs: dict[str, t.Sequence[str]] | None = None,
                 lfs_mode: str = "auto") -> None:
        super().__init__()
        users = users or {"alice": "hf_fake_alice_token"}
        self.tokens = {tok: name for name, tok in users.items()}
        self.orgs = dict(orgs or {})
        self.lfs_mode = lfs_mode
        self.reject_bad_tokens = True
        self.unknown: list[str] = []
        self.state = HubState(self.orgs)
        self.echoes: list[Echo] = []
        self.reads: list[Read] = []  # every file download, whole or ranged (what a client read of a file)

    def echo(self, method: str, contains: str, status: int, times: int = 1) -> None:
        """Answer the next `times` requests of `method` whose path holds `contains`
        with `status` and the request echoed back (a Hub or proxy repeating the token)."""
        with self.state.lock:
            self.echoes.append(Echo(method.upper(), contains, status, times))

    def take_echo(self, method: str, path: str) -> Echo | None:
        with self.state.lock:
            return take(self.echoes, method, path)

    @property
    def token(self) -> str:
        """The first user's token."""
        return next(iter(self.tokens))

    def commits(self, repo_id: str, repo_type: str = "dataset") -> int:
        """How many commits clients made to `repo_id` (requests to the commit endpoint that succeeded)."""
        prefix = f"/api/{repo_type}s/{repo_id}/commit/"
        return sum(1 for r in self.log if r.method == "POST" and r.path.startswith(prefix) and r.status == 200)

    def requests(self, method: str | None = None, contains: str = "") -> list[Logged]:
        return [r for r in self.log if (method is None or r.method == method) and contains in r.path]

    def seed(self, repo_id: str, files: dict[str, bytes | str], *, repo_type: str = "dataset",
             private: bool = False, message: str = "seed") -> str:
        """Create `repo_id` (if needed) holding `files`, without going through a client. Returns the commit."""
        owner = repo_id.split("/")[0]
        state = self.state
        if (repo_type, repo_id) not in state.repos:
            state.create(repo_type, repo_id, owner, private, check_owner=False)
        repo = state.repos[(repo_type, repo_id)]
        lines: list[dict[str, t.Any]] = [{"key": "header", "value": {"summary": message}}]
        for path, data in files.items():
            raw = data.encode() if isinstance(data, str) else data
            lines.append({"key": "file", "value": {"path": path, "encoding": "base64",
                                                   "content": base64.b64encode(raw).decode()}})
        return state.commit(repo, "main", lines, owner)

    def configure(self, home: str | None = None) -> dict[str, t.Any]:
        """Point this process's huggingface_hub and datasets at the fake.

        Sets HF_ENDPOINT, HF_TOKEN, HF_HUB_DISABLE_XET=1, HF_HUB_DISABLE_TELEMETRY=1
        (and HF_HOME, with every cache under it, when `home` is given) in
        os.environ, and in the constants those libraries read at import time if
        they are already imported. Returns what it replaced, for `restore`.
        """
        return hub_env.point_at(self.url, self.token, home)

    @staticmethod
    def restore(old: dict[t.Any, t.Any]) -> None:
        """Undo `configure`."""
        hub_env.restore(old)


__all__ = ["FakeHub", "FakeHubError", "Read"]
