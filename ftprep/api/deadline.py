"""A total deadline for a sequence of API calls, not only for each read.

httpx's timeouts bound each socket operation: a server that trickles one byte
every few seconds never trips them, and a single call can last for minutes.
`within(seconds)` sets a deadline for the calls made inside it; the network
layer (`install`) clamps every connect, read and write to the time left and
fails the operation once it has passed, in the headers as in the body.

    with deadline.within(60):
        response = http.request("GET", url)     # at most about 60 s in all

Nested deadlines keep the tighter one. The deadline is a context variable, so
threads and callers that never enter `within` are not affected.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import typing as t

# Only the API client (`ftprep.api.client`, `ftprep.api.calls`) imports this module, after httpx.
import httpcore

if t.TYPE_CHECKING:
    import httpx

_UNTIL: contextvars.ContextVar[float | None] = contextvars.ContextVar("ftprep_api_deadline", default=None)


@contextlib.contextmanager
def within(seconds: float | None) -> t.Iterator[None]:
    until = None if seconds is None else time.monotonic() + seconds
    outer = _UNTIL.get()
    if outer is not None and (until is None or outer < until):
        until = outer
    token = _UNTIL.set(until)
    try:
        yield
    finally:
        _UNTIL.reset(token)


def remaining() -> float | None:
    """Seconds left before the current deadline (may be negative), or None without one."""
    until = _UNTIL.get()
    return None if until is None else until - time.monotonic()


def expired() -> bool:
    left = remaining()
    return left is not None and left <= 0


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the deadline of the call has passed")
    return left if timeout is None else min(timeout, left)


def install(client: httpx.Client) -> bool:
    """Make `client`'s connection pools honour `within`. Returns False when none
    of its transports is httpx's own (a mock transport opens no sockets)."""
    done = False
    for transport in [client._transport, *client._mounts.values()]:  # noqa: SLF001
        # httpx does not let a caller choose the network backend; its pools read
        # `_network_backend` each time they open a connection, so wrapping it
        # covers every connection the client opens from now on.
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if pool is None or backend is None:
            continue
        if not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # noqa: SLF001
        done = True
    return done


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: t.Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> _Stream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> t.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: t.Any = None) -> _Stream:
        return _Stream(self._inner.connect_tcp(host, port, _clamp(timeout, httpcore.ConnectTimeout), local_address,
                                               socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: t.Any = None) -> _Stream:
        return _Stream(self._inner.connect_unix_socket(path, _clamp(timeout, httpcore.ConnectTimeout),
                                                       socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
