"""The parent's side of a reward function's trial: a child process that runs
the user's code (ftprep/verbs/reward_child.py) with nothing of the user's
secrets, in a fresh temporary folder, under a wall-clock limit that covers the
import of the user's module too, and with its output read only up to a bound.

The child is the leader of its own process group: at the time limit, and after
it ends, the whole group is killed, so a process the user's code managed to
start (the child refuses the usual ways) does not outlive the trial. The child
is watched without being reaped until its group is killed, so its group id
cannot have been reused by an unrelated process.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import threading
import time
import typing as t

# What the child sees of the environment: what an interpreter needs to start and
# to print, never a credential (HF_TOKEN, VOLTAGE_API_KEY, *_TOKEN, *_KEY ...).
_KEPT = re.compile(r"PATH|LANG|LANGUAGE|LC_\w+|TZ|TERM|LD_LIBRARY_PATH|DYLD_LIBRARY_PATH|SYSTEMROOT|COMSPEC|PATHEXT"
                   r"|WINDIR|(OMP|OPENBLAS|MKL)_NUM_THREADS")
_SECRET = re.compile(r"TOKEN|KEY|SECRET|PASS|CREDENTIAL|AUTH", re.IGNORECASE)
# The child's output is read up to this many bytes (its tail is kept, for a crash's last line).
MAX_OUTPUT = 64 << 10


@dataclasses.dataclass(frozen=True)
class Finished:
    """How a child ended: its exit status (None: stopped at the time limit) and the tail of its output."""

    status: int | None
    output: str


def child_env(work: str) -> dict[str, str]:
    """The child's environment: the harmless variables of this one, home and temp in `work`."""
    kept = {k: v for k, v in os.environ.items() if _KEPT.fullmatch(k.upper()) and not _SECRET.search(k)}
    return {**kept, "HOME": work, "TMPDIR": work, "TEMP": work, "TMP": work, "PYTHONDONTWRITEBYTECODE": "1"}


class _Tail:
    """Drains a pipe to its end (a blocked writer would look like a slow function) and keeps the last bytes."""

    def __init__(self, pipe: t.IO[bytes]) -> None:
        self.kept = bytearray()
        self._pipe = pipe
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := self._pipe.read1(1 << 16):  # type: ignore[attr-defined]
            self.kept += chunk
            if len(self.kept) > MAX_OUTPUT:
                del self.kept[:-MAX_OUTPUT]

    def text(self) -> str:
        self._thread.join(1.0)  # a process that escaped the group may hold the pipe: do not wait on it
        return bytes(self.kept).decode("utf-8", "replace")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group is already gone
        pass


def _ended(pid: int, deadline: float) -> bool:
    """Wait, without reaping, until the child ends (True) or the deadline passes (False)."""
    pause = 0.001
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
            return True
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    return False


def run_sandboxed(argv: t.Sequence[str], *, work: str, time_limit: float) -> Finished:
    """Run `argv` (a Python child) in the folder `work` with `child_env`; see the module docstring."""
    grouped = hasattr(os, "killpg")
    proc = subprocess.Popen([sys.executable, *argv], cwd=work, env=child_env(work), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=grouped)
    assert proc.stdout is not None
    tail = _Tail(proc.stdout)
    try:
        if grouped and hasattr(os, "waitid"):
            ended = _ended(proc.pid, time.monotonic() + time_limit)
            _kill_group(proc.pid)  # the leader is a zombie until reaped: its group id is still its own
            status = proc.wait()
        else:  # no waitid (macOS, Windows): reaped first, then its group (if any) killed
            try:
                status, ended = proc.wait(timeout=time_limit), True
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid) if grouped else proc.kill()
                status, ended = proc.wait(), False
            if grouped:
                _kill_group(proc.pid)
    finally:
        if proc.poll() is None:  # interrupted (^C): nothing of the trial may stay behind
            _kill_group(proc.pid) if grouped else proc.kill()
            proc.wait()
    output = tail.text()
    proc.stdout.close()
    return Finished(status if ended else None, output)


__all__ = ["Finished", "MAX_OUTPUT", "child_env", "run_sandboxed"]
