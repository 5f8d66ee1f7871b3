"""A tiny local HTTP server for dataset URLs.

    from ftprep.testing.fileserver import FileServer

    with FileServer() as server:
        url = server.add("/train.jsonl", body)          # 200
        server.add("/private.jsonl", body, auth="Bearer x")  # 401 without that header
        server.add("/gone.jsonl", status=404)
        base = server.echo("/403", status=403)  # every path under it: 403, echoing the request

An echo route answers with everything it received (request line, headers,
body) in its JSON body (`error` and `message`), an `X-Error-Message` header
and the reason phrase: the hostile server or proxy that repeats a token or a
presigned URL back in an error, for tests that nothing ftprep prints leaks it.

Standard library only; threaded; binds 127.0.0.1 on a port the OS picks
(the plumbing is `ftprep.testing.server`, shared with the other fakes).
"""

from __future__ import annotations

import dataclasses
import typing as t
import urllib.parse

from ftprep.testing.server import Handler, LocalServer, Logged


@dataclasses.dataclass
class Route:
    """What the file server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    # Require this Authorization header value (else 401).
    auth: str | None = None
    # Omit Content-Length and stream in chunks (as servers of generated files do).
    chunked: bool = False
    # Answer with the request echoed back (see the module docstring).
    echo: bool = False


class _FileHandler(Handler):
    owner: FileServer

    def route(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        r = self.owner.routes.get(path) or self.owner.echo_route(path)
        if r is None:
            return self.send(404, b"not found")
        if r.echo:
            return self.echo(r.status, r.headers)
        if r.auth is not None and self.headers.get("Authorization") != r.auth:
            return self.send(401, b"unauthorized", {"WWW-Authenticate": "Basic"})
        if r.status in (301, 302, 307, 308):
            return self.send(r.status, b"", r.headers)
        if not r.chunked or self.command == "HEAD":
            return self.send(r.status, r.body, r.headers, head=self.command == "HEAD")
        self.body()
        self.send_response(r.status)
        for k, v in {**r.headers, "Transfer-Encoding": "chunked"}.items():
            self.send_header(k, v)
        self.end_headers()
        for i in range(0, len(r.body), 1 << 16):
            piece = r.body[i:i + (1 << 16)]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")
        self.answered(r.status)


class FileServer(LocalServer):
    """A tiny HTTP server for dataset URLs: `server.add("/data.jsonl", body=...)`
    then `server.url + "/data.jsonl"`. Unknown paths answer 404."""

    handler = _FileHandler

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Route] = {}
        self.echoes: dict[str, Route] = {}

    def add(self, path: str, body: bytes | str = b"", **kw: t.Any) -> str:
        self.routes[path] = Route(body.encode() if isinstance(body, str) else body, **kw)
        return self.url + path

    def echo(self, prefix: str, status: int = 403, headers: dict[str, str] | None = None) -> str:
        """Answer every path under `prefix` with `status`, echoing the request. Returns the URL of `prefix`."""
        self.echoes[prefix.rstrip("/") or "/"] = Route(status=status, headers=dict(headers or {}), echo=True)
        return self.url + prefix.rstrip("/")

    def echo_route(self, path: str) -> Route | None:
        """The echo route of the longest prefix holding `path`, if any."""
        for prefix in sorted(self.echoes, key=len, reverse=True):
            if prefix == "/" or path == prefix or path.startswith(prefix + "/"):
                return self.echoes[prefix]
        return None


__all__ = ["FileServer", "Route", "Logged"]
