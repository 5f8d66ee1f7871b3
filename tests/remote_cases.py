"""The test process's one fake Hub, and the golden cases whose input is remote
(the fakes themselves are `ftprep.testing`).

Golden cases whose input is remote say so in args.json (the keys are removed
before the rest goes to ftprep.check):

    "serve": {"status": 404, "path": "/data.jsonl", "auth": null, "headers": {}, "chunked": false}
        serve the case's input file on a local FileServer (path defaults to
        /<input name>) and check its URL instead;
    "hub": {"repo": "golden/NAME", "suffix": "@main", "private": false}
        seed a repo of the shared FakeHub with the files of the case's input/
        folder (repo defaults to golden/<case folder name>) and check
        hf://datasets/<repo><suffix>.

`golden_source` yields (input, args, normalize); `normalize` replaces the
FileServer's random port with PORT in a JSON report, so expected.json is stable.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import tempfile
import typing as t
from pathlib import Path

from ftprep.testing import FakeHub, FileServer

USERS = {"alice": "hf_alice_test_token", "bob": "hf_bob_test_token"}
ORGS = {"alice": ["acme"]}
_HUB: FakeHub | None = None


def shared_hub() -> FakeHub:
    """The process's fake Hub, started on first use; huggingface_hub and datasets point at it."""
    global _HUB
    if _HUB is None:
        home = tempfile.mkdtemp(prefix="ftprep-test-hf-home-")
        hub = FakeHub(users=USERS, orgs=ORGS).start()
        old = hub.configure(home)

        def stop() -> None:
            FakeHub.restore(old)
            hub.stop()
            shutil.rmtree(home, ignore_errors=True)

        atexit.register(stop)
        _HUB = hub
    return _HUB


@contextlib.contextmanager
def golden_source(case: Path, input_name: str, args: dict[str, t.Any]
                  ) -> t.Iterator[tuple[str, dict[str, t.Any], t.Callable[[t.Any], t.Any]]]:
    args = dict(args)
    serve = args.pop("serve", None)
    hub_spec = args.pop("hub", None)
    if serve is None and hub_spec is None:
        yield input_name, args, lambda x: x
        return
    if hub_spec is not None:
        hub = shared_hub()
        repo = hub_spec.get("repo") or f"golden/{case.name}"
        if ("dataset", repo) not in hub.state.repos:  # seeded once: the same files give the same commit
            folder = case / input_name
            files = {p.relative_to(folder).as_posix(): p.read_bytes()
                     for p in sorted(folder.rglob("*")) if p.is_file()}
            hub.seed(repo, files, private=bool(hub_spec.get("private")))
        yield f"hf://datasets/{repo}{hub_spec.get('suffix', '')}", args, lambda x: x
        return
    with FileServer() as server:
        path = serve.get("path") or "/" + input_name
        server.add(path, (case / input_name).read_bytes(), status=serve.get("status", 200),
                   headers=serve.get("headers") or {}, auth=serve.get("auth"), chunked=bool(serve.get("chunked")))

        def normalize(obj: t.Any) -> t.Any:
            return json.loads(json.dumps(obj).replace(server.url, "http://127.0.0.1:PORT"))

        yield server.url + path, args, normalize


__all__ = ["shared_hub", "golden_source", "USERS", "ORGS"]
