"""A tiny local HTTP server for dataset URLs, and the plumbing `ftprep.testing.FakeHub` shares.

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

Standard library only; threaded; binds 127.0.0.1 on a port the OS picks.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
import traceback
import typing as t
import urllib.parse


ECHO_LIMIT = 4000  # characters of echo in a header or the reason phrase (client header limits)


class Logged(t.NamedTuple):
    method: str
    path: str
    status: int


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        # A client that hangs up (a timeout test, a refused answer) is not the server's error.
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class _Base(http.server.BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 with bodies always drained, even on errors."""

    protocol_version = "HTTP/1.1"
    owner: t.Any = None

    def log_message(self, format: str, *args: t.Any) -> None:  # quiet: the owner keeps its own log
        pass

    def body(self) -> bytes:
        if getattr(self, "_body", None) is not None:
            return self._body
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                out += self.rfile.read(size)
                self.rfile.readline()
            self._body = bytes(out)
        else:
            self._body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return self._body

    def send(self, status: int, body: bytes | dict | list | None = b"", headers: dict[str, str] | None = None,
             head: bool = False) -> None:
        self.body()
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        body = body or b""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and self.command != "HEAD":  # a HEAD answer has headers only, whoever calls send
            self.wfile.write(body)
        self.owner.log.append(Logged(self.command, urllib.parse.urlsplit(self.path).path, status))

    def dispatch(self) -> None:
        self._body = None
        try:
            self.route()
        except Exception:
            self.owner.errors.append(traceback.format_exc())
            self.send(500, {"error": "fake server crashed; see .errors"})

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = dispatch

    def echo(self, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer `status` with the request echoed back (see the module docstring)."""
        seen = f"{self.command} {self.path} " + "; ".join(f"{k}: {v}" for k, v in self.headers.items())
        seen += " body: " + self.body()[:ECHO_LIMIT].decode("utf-8", "replace")
        # One latin-1 line: it goes into a header and the status line.
        line = " ".join(seen.split()).encode("latin-1", "replace").decode("latin-1")[:ECHO_LIMIT]
        data = json.dumps({"error": f"echo: {seen}", "message": f"echo: {seen}"}).encode()
        self.send_response(status, "echo " + line)
        for k, v in {**(headers or {}), "Content-Type": "application/json", "Content-Length": str(len(data)),
                     "X-Error-Message": "echo " + line}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.owner.log.append(Logged(self.command, urllib.parse.urlsplit(self.path).path, status))

    def route(self) -> None:
        raise NotImplementedError


class _Server0:
    """Start/stop and the request log, shared by both servers."""

    handler: type[_Base]

    def __init__(self) -> None:
        self.log: list[Logged] = []
        self.errors: list[str] = []
        self._httpd: _Server | None = None

    def start(self) -> t.Self:
        handler = type("Handler", (self.handler,), {"owner": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True, name=type(self).__name__).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> t.Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"


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



class _FileHandler(_Base):
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
        self.owner.log.append(Logged(self.command, path, r.status))


class FileServer(_Server0):
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
