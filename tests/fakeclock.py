"""A fake clock for the API client's backoff, the create request the API tests send,
and a client of the fake API that retries fast and sleeps on the fake clock."""

from __future__ import annotations

from ftprep.testing import FakeApi
from ftprep.api import Client

REQUEST = {"name": "my-run", "taskType": "chat", "model": "Qwen/Qwen2.5-7B-Instruct", "dsRepo": "alice/d",
           "hours": 2, "chatTemplate": "qwen3"}


class Clock:
    """A fake clock: sleeping advances it and is recorded, instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def client(api: FakeApi, clock: Clock | None = None, **kw) -> Client:
    if clock is not None:
        kw.setdefault("sleep", clock.sleep)
        kw.setdefault("clock", clock)
    kw.setdefault("timeout", 2.0)
    kw.setdefault("recovery_seconds", 0.3)
    kw.setdefault("poll_seconds", 0.02)
    return Client(api.key, api.url, **kw)
