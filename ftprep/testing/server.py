"""The plumbing every fake server here shares: a threaded HTTP/1.1 server on
127.0.0.1 (port picked by the OS), start/stop, the request log, the crash log,
answers (JSON or bytes), the echo answer, and one-shot injected faults.

A fake is a `LocalServer` subclass naming its `handler`, a `Handler` subclass
whose `route()` answers one request; `self.owner` is the fake. Standard
library only: a double that shared the product's code would agree with it
even where both are wrong.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
import traceback
import typing as t
import urllib.parse

ECHO_LIMIT = 4000  # characters of echo in a header or the reason phrase (client header limits)
# How long `stop()` may wait for the serving thread to notice: short, as tests start and stop many servers.
POLL_SECONDS = 0.02
GONE = (ConnectionResetError, BrokenPipeError)  # the client hung up: a timeout test, a refused answer


class Logged(t.NamedTuple):
    method: str
    path: str
    status: int


class _ThreadedServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        # A client that hangs up is not the server's error.
        if not isinstance(sys.exc_info()[1], GONE):
            super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 with bodies always drained, even on errors."""

    protocol_version = "HTTP/1.1"
    _body: bytes | None = None  # the request body, once read
    owner: t.Any = None  # the LocalServer subclass; set per server by `LocalServer.start`

    def log_message(self, format: str, *args: t.Any) -> None:  # quiet: the owner keeps its own log
        pass

    def body(self) -> bytes:
        if self._body is not None:
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
        self.answered(status)

    def answered(self, status: int) -> None:
        """Log the answer; a fake that logs on arrival overrides this."""
        self.owner.log.append(Logged(self.command, urllib.parse.urlsplit(self.path).path, status))

    def dispatch(self) -> None:
        self._body = None
        try:
            self.route()
        except GONE:
            self.close_connection = True
        except Exception:
            self.owner.errors.append(traceback.format_exc())
            self.send(500, {"error": "fake server crashed; see .errors"})

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = dispatch

    def echo(self, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer `status` with everything the request carried (request line, headers, body) in the JSON
        body (`error`, `message`), an `X-Error-Message` header and the reason phrase: the hostile server
        or proxy that repeats a token or a presigned URL back in an error."""
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
        self.answered(status)

    def route(self) -> None:
        raise NotImplementedError


class Injected(t.Protocol):
    """A fault injected for the next `times` requests of `method` whose path holds `path` (None: any)."""

    method: str
    times: int

    @property
    def path(self) -> str | None: ...  # read-only here, so that a fault may declare it `str`


F = t.TypeVar("F", bound=Injected)


def take(queue: list[F], method: str, path: str) -> F | None:
    """The first fault in `queue` matching this request, used up once (the caller holds its lock)."""
    for fault in queue:
        if fault.method == method and (fault.path is None or fault.path in path):
            fault.times -= 1
            if fault.times <= 0:
                queue.remove(fault)
            return fault
    return None


class LocalServer:
    """Start/stop (or `with`), `url`, the request `log` and the `errors` of crashed handlers."""

    handler: type[Handler]

    def __init__(self) -> None:
        self.log: list[t.Any] = []
        self.errors: list[str] = []
        self._httpd: _ThreadedServer | None = None

    def start(self) -> t.Self:
        handler = type("Handler", (self.handler,), {"owner": self})
        self._httpd = _ThreadedServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": POLL_SECONDS},
                         daemon=True, name=type(self).__name__).start()
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
        assert self._httpd is not None, "not started: call start() or use `with`"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"


__all__ = ["LocalServer", "Handler", "Logged", "take", "ECHO_LIMIT"]
