"""A fake clock for the API client's backoff, and the create request the API tests send."""

from __future__ import annotations

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
