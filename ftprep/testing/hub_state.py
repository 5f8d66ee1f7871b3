"""The in-memory state of `ftprep.testing.FakeHub`: repos, branches, commits, blobs.

Kept apart from the HTTP layer so that its rules (who may read or write, when
a revision exists, what a commit changes) read in one place.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import threading
import time
import typing as t

GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.arrow filter=lfs diff=lfs merge=lfs -text\n"
# As on the Hub: binary suffixes and big files go to LFS, the rest is stored in git.
LFS_SUFFIXES = (".parquet", ".arrow", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff",
                ".zip", ".gz", ".tar", ".bin", ".safetensors", ".pt", ".npy")
LFS_MIN_BYTES = 10 * 1024 * 1024


class FakeHubError(Exception):
    """An error answer of the fake Hub: its status, message, X-Error-Code and extra headers or JSON fields."""

    def __init__(self, status: int, message: str, code: str = "", headers: dict[str, str] | None = None,
                 extra: dict[str, t.Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.headers = headers or {}
        self.extra = extra or {}


def git_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


@dataclasses.dataclass(frozen=True)
class Blob:
    data: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def entry(self, path: str) -> dict[str, t.Any]:
        if not self.lfs:
            return {"type": "file", "oid": git_oid(self.data), "size": len(self.data), "path": path}
        pointer = lfs_pointer(self.sha256, len(self.data))
        return {"type": "file", "oid": git_oid(pointer), "size": len(self.data), "path": path,
                "lfs": {"oid": self.sha256, "size": len(self.data), "pointerSize": len(pointer)}}


@dataclasses.dataclass
class Commit:
    oid: str
    parent: str | None
    title: str
    message: str
    author: str
    date: str
    files: dict[str, Blob]
    repo: tuple[str, str]


@dataclasses.dataclass
class Repo:
    type: str
    id: str
    private: bool
    branches: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.id)

    @property
    def owner(self) -> str:
        return self.id.split("/")[0]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class HubState:
    def __init__(self, orgs: dict[str, t.Sequence[str]]) -> None:
        self.orgs = orgs
        self.repos: dict[tuple[str, str], Repo] = {}
        self.commits: dict[str, Commit] = {}
        self.lfs: dict[str, bytes] = {}
        self.lock = threading.RLock()

    def can_write(self, user: str | None, namespace: str) -> bool:
        return user is not None and (user == namespace or namespace in self.orgs.get(user, ()))

    # --- repos ----------------------------------------------------------------
    def create(self, rtype: str, rid: str, user: str | None, private: bool, check_owner: bool = True) -> Repo:
        if user is None:
            raise FakeHubError(401, "You must be authenticated to create a repo")
        namespace = rid.split("/")[0]
        if check_owner and not self.can_write(user, namespace):
            raise FakeHubError(403, f'You don\'t have the rights to create a {rtype} under the namespace "{namespace}"')
        with self.lock:
            if (rtype, rid) in self.repos:
                raise FakeHubError(409, f"You already created this {rtype} repo")
            repo = Repo(rtype, rid, private)
            self.repos[repo.key] = repo
            repo.branches["main"] = self._new_commit(repo, None, "initial commit", "", user,
                                                     {".gitattributes": Blob(GITATTRIBUTES, False)})
            return repo

    def delete(self, rtype: str, rid: str, user: str | None) -> None:
        repo = self.writable(rtype, rid, user)
        with self.lock:
            del self.repos[repo.key]

    def readable(self, rtype: str, rid: str, user: str | None) -> Repo:
        repo = self.repos.get((rtype, rid))
        if repo is None or (repo.private and not self.can_write(user, repo.owner)):
            # The Hub hides private repos: 401 to anonymous callers, 404 to others.
            raise FakeHubError(401 if user is None else 404, "Repository not found", "RepoNotFound")
        return repo

    def writable(self, rtype: str, rid: str, user: str | None) -> Repo:
        repo = self.readable(rtype, rid, user)
        if not self.can_write(user, repo.owner):
            raise FakeHubError(403, f"You don't have the rights to write to {rid}")
        return repo

    def resolve(self, repo: Repo, rev: str) -> str:
        if rev in repo.branches:
            return repo.branches[rev]
        found = self.commits.get(rev)
        if found is not None and found.repo == repo.key:
            return rev
        raise FakeHubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def branch(self, repo: Repo, name: str, start: str | None) -> None:
        with self.lock:
            if name in repo.branches:
                raise FakeHubError(409, f"Branch {name} already exists")
            repo.branches[name] = self.resolve(repo, start or "main")

    # --- reads ----------------------------------------------------------------
    def info(self, repo: Repo, rev: str) -> dict[str, t.Any]:
        sha = self.resolve(repo, rev)
        c = self.commits[sha]
        siblings = []
        for path, blob in sorted(c.files.items()):
            e = blob.entry(path)
            siblings.append({"rfilename": path, "size": e["size"], "blobId": e["oid"],
                             **({"lfs": {"sha256": blob.sha256, "size": e["size"],
                                         "pointerSize": e["lfs"]["pointerSize"]}} if blob.lfs else {})})
        return {"id": repo.id, "_id": hashlib.md5(repo.id.encode()).hexdigest()[:24], "author": repo.owner,
                "sha": sha, "private": repo.private, "gated": False, "disabled": False, "downloads": 0,
                "likes": 0, "tags": [], "lastModified": c.date, "createdAt": c.date, "siblings": siblings}

    def tree(self, repo: Repo, rev: str, path: str, recursive: bool) -> list[dict[str, t.Any]]:
        files = self.commits[self.resolve(repo, rev)].files
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        if prefix and not any(p.startswith(prefix) for p in files):
            raise FakeHubError(404, f"{path} does not exist", "EntryNotFound")
        out: dict[str, dict[str, t.Any]] = {}
        for p, blob in sorted(files.items()):
            if not p.startswith(prefix):
                continue
            parts = p[len(prefix):].split("/")
            for i in range(1, len(parts)):
                d = prefix + "/".join(parts[:i])
                if recursive or i == 1:
                    out.setdefault(d, {"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "path": d})
            if recursive or len(parts) == 1:
                out[p] = blob.entry(p)
        return list(out.values())

    def paths_info(self, repo: Repo, rev: str, paths: list[str]) -> list[dict[str, t.Any]]:
        files = self.commits[self.resolve(repo, rev)].files
        out = []
        for p in paths:
            p = p.strip("/")
            if p in files:
                out.append(files[p].entry(p))
            elif any(f.startswith(p + "/") for f in files):
                out.append({"type": "directory", "oid": hashlib.sha1(p.encode()).hexdigest(), "path": p})
        return out

    def history(self, repo: Repo, rev: str) -> list[dict[str, t.Any]]:
        out: list[dict[str, t.Any]] = []
        sha: str | None = self.resolve(repo, rev)
        while sha:
            c = self.commits[sha]
            out.append({"id": c.oid, "title": c.title, "message": c.message, "date": c.date,
                        "authors": [{"user": c.author}]})
            sha = c.parent
        return out

    # --- writes ---------------------------------------------------------------
    def preupload(self, repo: Repo, rev: str, files: list[dict[str, t.Any]], mode: str) -> list[dict[str, t.Any]]:
        current = self.commits[self.resolve(repo, rev)].files
        out = []
        for f in files:
            sample = base64.b64decode(f.get("sample", ""))
            lfs = mode == "always" or (mode == "auto" and (
                f["path"].lower().endswith(LFS_SUFFIXES) or f.get("size", 0) >= LFS_MIN_BYTES or b"\0" in sample))
            entry: dict[str, t.Any] = {"path": f["path"], "uploadMode": "lfs" if lfs else "regular",
                                       "shouldIgnore": False}
            old = current.get(f["path"])
            if old is not None:
                # The client skips a file whose oid matches: git sha1 (regular) or sha256 (LFS).
                entry["oid"] = old.sha256 if lfs else git_oid(old.data)
            out.append(entry)
        return out

    def commit(self, repo: Repo, rev: str, lines: list[dict[str, t.Any]], user: str | None) -> str:
        with self.lock:
            if rev not in repo.branches:
                raise FakeHubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            head = repo.branches[rev]
            header: dict[str, t.Any] = next((x["value"] for x in lines if x.get("key") == "header"), {})
            parent = header.get("parentCommit")
            if parent and parent != head:
                raise FakeHubError(412, "A commit has happened since. Please refresh and try again.")
            files = dict(self.commits[head].files)
            for item in lines:
                key, value = item.get("key"), item.get("value", {})
                if key == "file":
                    files[value["path"]] = Blob(base64.b64decode(value["content"]), False)
                elif key == "lfsFile":
                    data = self.lfs.get(value["oid"])
                    if data is None:
                        raise FakeHubError(400, f"LFS object {value['oid']} was never uploaded")
                    files[value["path"]] = Blob(data, True)
                elif key == "deletedFile":
                    if files.pop(value["path"], None) is None:
                        raise FakeHubError(404, f"{value['path']} does not exist", "EntryNotFound")
                elif key == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    files = {p: b for p, b in files.items() if not p.startswith(prefix)}
                elif key != "header":
                    raise FakeHubError(400, f"fake hub: unsupported commit item {key!r}")
            oid = self._new_commit(repo, head, header.get("summary", ""), header.get("description", ""),
                                   user or "", files)
            repo.branches[rev] = oid
            return oid

    def _new_commit(self, repo: Repo, parent: str | None, title: str, message: str, author: str,
                    files: dict[str, Blob]) -> str:
        # Content-addressed, like git: the same history gives the same ids in every run.
        digest = hashlib.sha1(f"{repo.type}/{repo.id}\0{parent}\0{title}\0{message}".encode())
        for path, blob in sorted(files.items()):
            digest.update(f"\0{path}\0{blob.sha256}".encode())
        oid = digest.hexdigest()
        while oid in self.commits:  # an identical commit on top of itself: still a new id
            oid = hashlib.sha1(oid.encode()).hexdigest()
        self.commits[oid] = Commit(oid, parent, title, message, author, _now(), files, repo.key)
        return oid

    def validate_yaml(self, content: str) -> dict[str, t.Any]:
        """Parse the card's YAML front matter as the Hub would (PyYAML comes with huggingface_hub)."""
        errors: list[dict[str, str]] = []
        if content.startswith("---"):
            front = content.split("\n---", 1)[0].removeprefix("---")
            try:
                import yaml  # type: ignore[import-untyped]

                if not isinstance(yaml.safe_load(front) or {}, dict):
                    errors.append({"message": "the YAML metadata is not a mapping"})
            except ImportError:
                pass
            except Exception as e:  # yaml.YAMLError and friends
                errors.append({"message": f"invalid YAML: {e}"})
        return {"errors": errors, "warnings": []}
