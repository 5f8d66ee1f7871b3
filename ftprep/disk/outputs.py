"""Safe outputs: staged beside the target, renamed into place, never onto an input.

Every temporary file or folder ftprep writes is named
`.ftprep-<pid>-<host>-<random>` and registered while it lives, so that

- a SIGTERM or SIGINT unwinds the writer (its `finally` blocks remove what
  it staged; `terminating` then removes anything still registered) and the
  process exits with 128 + the signal's number;
- a later writer to the same folder removes the temporaries of writers
  that died without unwinding (SIGKILL, power loss): their pid names a
  process that is no longer alive on this host (`sweep`).

`tempfile.mkstemp` creates files readable by their owner only; an output
is an ordinary file, so `publish` gives it the mode the umask allows, or
the mode of the file it replaces.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import typing as t

from ftprep.core.errors import OutputError

PREFIX = ".ftprep-"
# The host tag keeps a writer on another machine sharing the folder (NFS) safe from `sweep`.
HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
STAGED = re.compile(r"^\.ftprep-(\d+)-([0-9a-f]{8})-")
# Paths this process staged and has not yet published or removed.
_live: set[str] = set()


def umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore, the only portable way
    os.umask(mask)
    return mask


def _prefix() -> str:
    return f"{PREFIX}{os.getpid()}-{HOST}-"


# While above 0, a signal `terminating` catches waits in `_pending` (see `held`).
_depth = 0
_pending: list[int] = []


@contextlib.contextmanager
def held() -> t.Iterator[None]:
    """A signal caught by `terminating` is held back until the end of this block, so
    that a file is never created without being registered, nor forgotten before it is
    removed. (A signal mask would not do: Python runs its handlers in the main thread
    whichever thread the signal reached.)"""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending:
            _interrupt(_pending.pop())


def _interrupt(signum: int) -> t.NoReturn:
    _pending.clear()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def temp_file(folder: str, suffix: str = "") -> tuple[int, str]:
    """(fd, path) of a new registered temporary file in `folder`."""
    with held():
        fd, path = tempfile.mkstemp(prefix=_prefix(), suffix=suffix, dir=folder)
        _live.add(path)
    return fd, path


def temp_dir(folder: str) -> str:
    """A new registered temporary folder in `folder`."""
    with held():
        path = tempfile.mkdtemp(prefix=_prefix(), dir=folder)
        _live.add(path)
    return path


def discard(path: str) -> None:
    """Remove a temporary file or folder (if it is still there) and forget it."""
    with held():
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except FileNotFoundError:
            pass
        _live.discard(path)


def publish(tmp: str, target: str, mode: int | None = None) -> None:
    """Move a finished temporary file onto `target`. It keeps the mode of the file
    it replaces, else gets an ordinary file's mode (0666 less the umask)."""
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode) & 0o777
        except OSError:
            mode = 0o666 & ~umask()
    os.chmod(tmp, mode)
    with held():
        os.replace(tmp, target)
        _live.discard(tmp)


def rename(tmp: str, target: str) -> None:
    """Move a finished temporary folder to `target` (which must not exist)."""
    with held():
        os.rename(tmp, target)
        _live.discard(tmp)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    except OverflowError:
        return False
    return True


def sweep(folder: str) -> list[str]:
    """Remove the temporaries in `folder` left by dead ftprep writers on this host;
    returns their names. A name without a pid and host tag is never touched."""
    removed: list[str] = []
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return removed
    for name in names:
        m = STAGED.match(name)
        if not m or m.group(2) != HOST or int(m.group(1)) == os.getpid() or alive(int(m.group(1))):
            continue
        path = os.path.join(folder, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
            removed.append(name)
        except OSError:
            pass  # someone else's file, or gone already
    return removed


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: the same device and inode (a symlink or a hard
    link to it), or the same resolved path."""
    try:
        if os.path.samefile(a, b):
            return True
    except (OSError, ValueError):
        pass
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):
        return False


def refuse_input(output: str, inputs: t.Iterable[str], what: str = "the output") -> None:
    """Raise OutputError when `output` is (or resolves to) one of `inputs`."""
    for src in inputs:
        if src and src != "-" and "://" not in src and same_file(output, src):
            raise OutputError(f"{output}: {what} is the input {src}; writing it would destroy the input. "
                              "Choose another output")


@contextlib.contextmanager
def terminating() -> t.Iterator[None]:
    """While inside: SIGTERM unwinds like Ctrl-C does (SystemExit(143) where Ctrl-C
    raises KeyboardInterrupt), neither lands inside `held`, and on the way out of an
    interruption every temporary still registered is removed. Outside the main
    thread, or when the embedding program set its own handlers, signals are left alone."""
    owner = os.getpid()

    def stop(signum: int, frame: t.Any) -> None:
        if os.getpid() != owner:  # a forked worker: die as the default action would
            os._exit(128 + signum)
        if _depth:
            _pending.append(signum)
            return
        _interrupt(signum)

    previous: dict[int, t.Any] = {}
    defaults = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}
    try:
        for signum, default in defaults.items():
            if signal.getsignal(signum) == default:
                previous[signum] = signal.signal(signum, stop)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    except (KeyboardInterrupt, SystemExit):
        if os.getpid() == owner:
            for path in list(_live):
                discard(path)
        raise
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def write_text(target: str | os.PathLike[str], text: str, inputs: t.Iterable[str] = (),
               what: str = "the output") -> None:
    """Write `text` to `target` (a report, a page, a baseline) through a temporary
    file beside it, so that a reader never sees half of it. Raises OutputError (a
    ValueError) when `target` is one of `inputs`, OSError when the folder cannot
    be written."""
    path = os.fspath(target)
    refuse_input(path, inputs, what)
    folder = os.path.dirname(os.path.abspath(path))
    sweep(folder)
    fd, tmp = temp_file(folder, os.path.splitext(path)[1])
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        publish(tmp, path)
    finally:
        discard(tmp)
