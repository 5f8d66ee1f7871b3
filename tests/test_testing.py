"""The test doubles' own shape: one server plumbing under all three fakes, small
modules, no class named like a product class, and no import of the product
(an import-linter contract, tried here on a copy with one bad import)."""

from __future__ import annotations

import ast
import http.client
import json
import urllib.parse
from pathlib import Path

import pytest

from ftprep.testing import FakeApi, FakeHub, FileServer
from ftprep.testing.server import LocalServer
from test_architecture import PACKAGE, copy_with, lint_imports

DOUBLES = PACKAGE / "testing"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def public_classes(paths: list[Path]) -> set[str]:
    return {node.name for p in paths for node in ast.parse(p.read_text()).body
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_")}


def test_a_double_importing_the_product_breaks_the_layers(tmp_path: Path) -> None:
    result = lint_imports(copy_with(tmp_path, "ftprep.testing.server", "import ftprep.core.codes"))
    assert result.returncode == 1
    assert "Layers import only downward BROKEN" in result.stdout
    assert "The product never imports its test doubles KEPT" in result.stdout


def test_the_three_fakes_share_one_server_plumbing() -> None:
    assert all(issubclass(fake, LocalServer) for fake in (FakeApi, FakeHub, FileServer))
    serving = {p.name for p in DOUBLES.glob("*.py") if imported(p) & {"http.server", "socketserver"}}
    assert serving == {"server.py"}


def test_the_doubles_import_only_themselves_and_the_standard_library() -> None:
    product = {name for p in DOUBLES.glob("*.py") for name in imported(p)
               if name.split(".")[0] == "ftprep" and not name.startswith("ftprep.testing")}
    assert product == set()


def test_every_double_module_stays_under_300_lines() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in DOUBLES.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 300} == {}


def test_no_double_class_is_named_like_a_product_class() -> None:
    product = [p for p in PACKAGE.rglob("*.py") if DOUBLES not in p.parents]
    assert public_classes(list(DOUBLES.glob("*.py"))) & public_classes(product) == set()


def request(url: str, method: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(method, parts.path, body=body, headers=headers)
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        conn.close()


def test_the_api_fake_reads_a_chunked_body_through_the_shared_plumbing() -> None:
    job = {"name": "chunked", "taskType": "chat", "model": "m", "hours": 1, "dsRepo": "alice/d"}
    with FakeApi() as api:
        parts = urllib.parse.urlsplit(api.url + "/fine-tuning")
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        conn.request("POST", parts.path, body=iter([json.dumps(job).encode()]),
                     headers={"X-API-Key": api.key, "Content-Type": "application/json"}, encode_chunked=True)
        answer = conn.getresponse()
        status, created = answer.status, json.loads(answer.read())
        conn.close()
        assert status == 201 and created["name"] == "chunked"
        assert [(c.method, c.status, c.body) for c in api.log] == [("POST", 201, job)]


def test_a_crashing_fake_answers_500_and_keeps_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeApi() as api:
        def broken(*args: object) -> None:
            raise RuntimeError("the fake's own bug")

        monkeypatch.setattr(api, "handle", broken)
        status, body = request(api.url + "/fine-tuning", "GET", b"", {"X-API-Key": api.key})
        assert status == 500 and "crashed" in body["error"]
        assert len(api.errors) == 1 and "the fake's own bug" in api.errors[0]
