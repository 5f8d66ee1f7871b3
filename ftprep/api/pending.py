"""Creates whose outcome is not known yet, kept on disk until they are resolved.

A create is charged when the server stores it, and the server may store it
after its answer was lost (a 504 from a gateway, a timeout, a dropped
connection, a killed process). So `submit` writes a record *before* it sends
the POST and removes it only when the outcome is known. A later `submit` of
the same name first looks for the job of each record (see `Client.find_created`)
and sends nothing while it may exist.

One JSON file per record, in $FTPREP_PENDING_DIR, else
$XDG_CACHE_HOME/ftprep/pending, else ~/.cache/ftprep/pending. A record names
its API account by `scope` (a hash of the base URL and the key, never the key),
so jobs are looked for where they were created.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import time
import typing as t
import uuid
from pathlib import Path

from ftprep.api.errors import ApiError, CreateUnconfirmed
from ftprep.disk.cache import cache_folder

if t.TYPE_CHECKING:
    from ftprep.api.client import Client
    from ftprep.api.models import Job

ENV_DIR = "FTPREP_PENDING_DIR"


def default_dir() -> Path:
    return cache_folder("pending", ENV_DIR)


def request_hash(request: dict[str, t.Any]) -> str:
    """A stable hash of a create request: the same options give the same hash."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass
class PendingCreate:
    """One create that was sent (or was about to be) and whose outcome is unknown."""

    name: str
    request_hash: str
    scope: str
    idempotency_key: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    sent_at: float = dataclasses.field(default_factory=time.time)  # wall clock: read by later processes
    known_ids: list[str] = dataclasses.field(default_factory=list)  # jobs of that name that existed before
    cause: str = "the process ended before the answer came"
    path: Path | None = dataclasses.field(default=None, compare=False)

    def to_json(self) -> dict[str, t.Any]:
        from ftprep.core.redact import redact

        out = dataclasses.asdict(self)
        out.pop("path")
        out["cause"] = redact(self.cause)  # an echoed error must not put a secret on disk
        return out

    @property
    def since(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.sent_at))


class PendingStore:
    """The records of one folder. Unreadable files are skipped, never deleted:
    a record is only removed once its create is resolved."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()

    def _path(self, record: PendingCreate) -> Path:
        safe = "".join(c if c.isalnum() or c == "-" else "_" for c in record.name)[:80]
        return self.folder / f"{record.scope}.{safe}.{record.request_hash[:16]}.json"

    def check_writable(self) -> None:
        """Raise OSError, with the setting to change, unless records can be written:
        a create is not sent without one."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not os.access(self.folder, os.W_OK | os.X_OK):
                raise PermissionError(13, "permission denied")
        except OSError as e:
            raise OSError(f"cannot keep the record of a create in {self.folder} ({e.strerror or e}); "
                          f"set {ENV_DIR} to a writable folder") from None

    def add(self, record: PendingCreate) -> PendingCreate:
        """Write `record` atomically (a reader never sees half a record)."""
        from ftprep.disk.outputs import discard, publish, temp_file

        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._path(record)
        fd, tmp = temp_file(str(self.folder), ".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(record.to_json(), f)
                f.flush()
                os.fsync(f.fileno())  # on disk before the create goes out
            publish(tmp, str(target), mode=0o600)  # the user's own records, as mkstemp made them
        except BaseException:
            discard(tmp)
            raise
        record.path = target
        return record

    def remove(self, record: PendingCreate) -> None:
        # Missing: another process resolved the record first.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(record.path or self._path(record))

    def all(self, scope: str | None = None) -> list[PendingCreate]:
        """Every readable record (of `scope`, if given), oldest first."""
        try:
            files = sorted(self.folder.glob("*.json"))
        except OSError:
            return []
        found = []
        for path in files:
            record = _read(path)
            if record is not None and (scope is None or record.scope == scope):
                found.append(record)
        return sorted(found, key=lambda r: r.sent_at)

    def named(self, name: str, scope: str) -> list[PendingCreate]:
        return [r for r in self.all(scope) if r.name == name]


def _read(path: Path) -> PendingCreate | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = PendingCreate(
            name=str(data["name"]), request_hash=str(data["request_hash"]), scope=str(data["scope"]),
            idempotency_key=str(data["idempotency_key"]), sent_at=float(data["sent_at"]),
            known_ids=[str(i) for i in data.get("known_ids", [])], cause=str(data.get("cause", "")), path=path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record


@dataclasses.dataclass
class Settled:
    """What the earlier creates of a name came to: `job` stored by the same
    request, `other` stored by a different request of that name, or neither
    (`reuse`: the record of the same request, known absent, whose key to send again)."""

    job: Job | None = None
    other: Job | None = None
    reuse: PendingCreate | None = None


def settle(client: Client, store: PendingStore, name: str, digest: str) -> Settled:
    """Resolve every pending create of `name` in `client`'s account: look for its
    job until the client's window after it was sent has passed (at least once).
    Each resolved record is removed; raises `CreateUnconfirmed` (keeping the
    record) when the job list cannot be read."""
    out = Settled()
    for record in store.named(name, client.scope):
        try:
            job = client.find_created(name, known_ids=record.known_ids, age=time.time() - record.sent_at)
        except ApiError as e:
            raise CreateUnconfirmed(
                f"an earlier create of job {name!r} ({record.since}, {record.cause}) has an unknown outcome and the "
                f"job list could not be read ({e.message}); nothing was sent",
                hint="try again later: the earlier create is looked for before anything is sent") from None
        store.remove(record)
        if job is None:
            if record.request_hash == digest:
                out.reuse = record
        elif record.request_hash == digest:
            job.recovered_from = f"{record.cause}, in the submit of {record.since}"
            out.job = job
        else:
            out.other = job
    return out


def sort_listed(store: PendingStore, scope: str, jobs: list[Job]) -> tuple[list[tuple[PendingCreate, Job]],
                                                                          list[PendingCreate]]:
    """The records of `scope` that a full job list settles (their job is in it:
    removed, and returned with the job), and those still unresolved."""
    settled, open_ = [], []
    for record in store.all(scope):
        stored = [j for j in jobs if j.name == record.name and j.id not in record.known_ids]
        if stored:
            store.remove(record)
            settled.append((record, stored[-1]))
        else:
            open_.append(record)
    return settled, open_
