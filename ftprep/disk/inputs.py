"""Opening inputs: only regular files, named or read from standard input on purpose.

A FIFO blocks its reader until a writer comes, and /dev/zero never ends: any
non-regular file is refused with its true kind (exit 2), never read. Standard
input is read only when asked for with `-`, copied to a temporary file so that
every pass over the data can read it again. Stdlib only: the CLI imports it
for its option choices.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import typing as t

from ftprep.core.errors import SourceError
from ftprep.disk import outputs as files


KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
         stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def not_regular(path: str | os.PathLike[str], mode: int) -> SourceError:
    """Why a non-regular file is refused: reading it could block forever (a FIFO)
    or never end (/dev/zero), and it is never the file the trainer would load."""
    kind = KINDS.get(stat.S_IFMT(mode), "not a regular file")
    if stat.S_ISDIR(mode):
        return SourceError(f"{path}: is a directory, not a data file; pass --task image for an image folder, "
                           "or name the data files inside it")
    return SourceError(f"{path}: is {kind}, not a regular file; to check a stream on purpose, "
                       f"pipe it in: ftprep check - < {path}")


def local_file(path: str | os.PathLike[str]) -> os.stat_result:
    """The stat of `path` when it is a regular file (symlinks followed); else SourceError
    with the true reason: missing, a broken link, a symlink loop, a FIFO, a device..."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise SourceError(f"{path}: a broken symlink (to {os.readlink(path)}): no such file") from None
        raise SourceError(f"{path}: no such file") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise SourceError(f"{path}: a symlink loop (a link that points back at itself)") from None
        raise SourceError(f"{path}: {e.strerror or e}") from None
    except ValueError as e:  # an embedded NUL in the name
        raise SourceError(f"{path!r}: {e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(path, st.st_mode)
    return st


def open_bytes(path: str | os.PathLike[str], gz: bool, bounds: t.Any = None) -> t.BinaryIO:
    """A regular file opened for reading. It is opened without blocking and checked
    on the open descriptor, so a FIFO swapped in after a stat cannot hang the read.
    A .gz is decompressed within `bounds` (`ftprep.core.bounds.Bounds`; the defaults when None)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        local_file(path)  # the true reason: missing, or a broken symlink
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise not_regular(path, stat.S_IFDIR) from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise SourceError(f"{path}: a symlink loop (a link that points back at itself)") from None
        raise SourceError(f"{path}: {e.strerror or e}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise not_regular(path, mode)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    raw = os.fdopen(fd, "rb")
    if not gz:
        return raw
    from ftprep.disk.streams import BoundedGzip
    from ftprep.core.bounds import Bounds

    stream = BoundedGzip(path, bounds or Bounds(), fileobj=raw)
    stream.myfileobj = raw  # type: ignore[assignment]  # so that closing it closes the file too
    return stream  # type: ignore[return-value]


# What `ftprep check -` reads standard input as (`--stdin-format`).
STDIN_FORMATS = ("jsonl", "json", "csv", "tsv", "parquet")


@contextlib.contextmanager
def stdin_copy(fmt: str = "jsonl", stream: t.BinaryIO | None = None) -> t.Iterator[str]:
    """Standard input, read on purpose (`-`), copied to a temporary file named for
    `fmt` (gzip is recognised by its magic bytes), so every pass can read it again."""
    import shutil
    import sys
    import tempfile

    if fmt not in STDIN_FORMATS:
        raise ValueError(f"unknown input format {fmt!r}; choose from {', '.join(STDIN_FORMATS)}")
    source = stream if stream is not None else sys.stdin.buffer
    files.sweep(tempfile.gettempdir())  # copies left by killed runs
    folder = files.temp_dir(tempfile.gettempdir())
    try:
        head = source.read(2)
        gz = head == b"\x1f\x8b" and fmt != "parquet"
        path = os.path.join(folder, f"stdin.{fmt}" + (".gz" if gz else ""))
        with open(path, "wb") as f:
            f.write(head)
            shutil.copyfileobj(source, f, 1 << 20)
        yield path
    finally:
        files.discard(folder)


