"""Where the files of an image set come from: a folder or a zip, both hostile.

A `Source` lists the regular files under a root by their POSIX path relative
to it and reads them with a byte cap. A folder's symlinks are resolved and
refused when they leave the root; a zip is judged from its central directory
(caps, unsafe names, link entries) and read member by member, never
extracted, so a zip slip has nowhere to write.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
import stat
import typing as t

from ftprep.tasks import image as image_task

# Caps for zip input (*rec.* in docs/image-datasets.md §1 row 20). The service
# takes at most 50 pairs; these leave room for big photos and stray files.
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 4 << 30
MAX_RATIO = 100
RATIO_MIN_BYTES = 1 << 20  # tiny members compress absurdly well and harmlessly
JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


class SourceIssue(t.NamedTuple):
    """A problem found while listing a source: (code, message, relative path)."""

    code: str
    message: str
    path: str


@dataclasses.dataclass
class Source:
    """Regular files under a dataset root, by relative POSIX path."""

    display: str
    kind: str  # "folder" or "zip"
    sizes: dict[str, int] = dataclasses.field(default_factory=dict)
    issues: list[SourceIssue] = dataclasses.field(default_factory=list)
    # Names refused for safety: a metadata row pointing at one is already reported.
    refused: set[str] = dataclasses.field(default_factory=set)
    _real: dict[str, str] = dataclasses.field(default_factory=dict)
    _zip: t.Any = None

    def read(self, rel: str, limit: int) -> bytes:
        """At most `limit + 1` bytes of `rel`, so the caller can tell it is over."""
        if self._zip is not None:
            with self._zip.open(rel) as f:
                return f.read(limit + 1)
        with open(self._real[rel], "rb") as f:
            return f.read(limit + 1)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def is_junk(rel: str) -> bool:
    parts = rel.split("/")
    return "__MACOSX" in parts[:-1] or parts[-1] in JUNK_NAMES or parts[-1].startswith("._")


def unsafe_name(name: str) -> str | None:
    """Why a relative name could escape its root, or None when it is safe."""
    if "\\" in name:
        return "contains a backslash"
    if _CONTROL.search(name):
        return "contains a control character"
    if "://" in name:
        return "is a URL"
    if name.startswith("/") or _DRIVE.match(name):
        return "is absolute"
    if ".." in name.split("/"):
        return "contains '..'"
    return None


def open_source(path: str) -> Source:
    """List a folder or a zip. Raises SourceError (missing, a FIFO or device) or
    ValueError when `path` is neither."""
    from ftprep.disk.inputs import local_file

    if os.path.isdir(path):
        return _folder(path)
    local_file(path)  # a FIFO named x.zip would block the zip reader forever
    if path.lower().endswith(".zip"):
        return _zipfile(path)
    raise ValueError(f"{path}: the {image_task.NAME} task takes {image_task.TAKES}")


def _folder(root: str) -> Source:
    src = Source(root, "folder")
    real_root = os.path.realpath(root)
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        rel_top = "" if rel_top == "." else rel_top.replace(os.sep, "/") + "/"
        keep = []
        for d in sorted(dirs):
            full = os.path.join(top, d)
            if os.path.islink(full):
                target = os.path.realpath(full)
                if not _inside(target, real_root):
                    src.issues.append(SourceIssue("M008", f"folder symlink points outside the dataset root "
                                                          f"(to {os.readlink(full)})", rel_top + d))
                # Links inside the root are walked where they really are.
                continue
            if d.startswith(".") or d == "__MACOSX":
                continue
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            rel = rel_top + name
            full = os.path.join(top, name)
            if name.startswith(".") or name in JUNK_NAMES:
                continue
            target = os.path.realpath(full)
            if os.path.islink(full) and not _inside(target, real_root):
                src.issues.append(SourceIssue("M008", f"symlink points outside the dataset root "
                                                      f"(to {os.readlink(full)})", rel))
                src.refused.add(rel)
                continue
            try:
                st = os.stat(target)
            except OSError:
                continue  # a dangling link: nothing to read
            if stat.S_ISREG(st.st_mode):
                src.sizes[rel] = st.st_size
                src._real[rel] = target
    return src


def _inside(target: str, real_root: str) -> bool:
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _zipfile(path: str) -> Source:
    import zipfile

    src = Source(path, "zip")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        src.issues.append(SourceIssue("M002", f"not a readable zip archive ({e})", path))
        return src
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_MEMBERS or total > MAX_TOTAL_BYTES:
        what = (f"{len(infos):,} members (cap {MAX_MEMBERS:,})" if len(infos) > MAX_MEMBERS
                else f"{total:,} bytes uncompressed (cap {MAX_TOTAL_BYTES:,})")
        src.issues.append(SourceIssue("M010", f"the zip holds {what}; nothing was read", path))
        zf.close()
        return src
    junk = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        if is_junk(name):
            junk += 1
            continue
        why = unsafe_name(name)
        mode = info.external_attr >> 16
        if why is None and stat.S_ISLNK(mode):
            why = "is a symlink entry"
        if why is None and info.flag_bits & 0x1:
            why = "is encrypted"
        if why is None and name.lower() in seen:
            why = "repeats an earlier member's name"
        if why is not None:
            src.issues.append(SourceIssue("M009", f"zip member {why}; it was not read", name))
            src.refused.add(name)
            continue
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            src.issues.append(SourceIssue("M010", f"zip member expands {ratio:,}x to {info.file_size:,} bytes "
                                                  f"(cap {MAX_RATIO}x); it was not read", name))
            src.refused.add(name)
            continue
        seen.add(name.lower())
        src.sizes[name] = info.file_size
    if junk:
        tops = {n.split("/")[0] for n in src.sizes}
        single = len(tops) == 1 and all("/" in n for n in src.sizes)
        why = ("the trainer descends into a zip's folder only when it is the single top-level entry, "
               "so it would see no images" if single else "the trainer may take them for data")
        src.issues.append(SourceIssue("M030", f"{junk} junk member(s) (__MACOSX/, ._*, .DS_Store); {why}", path))
    src._zip = zf
    return src


def parent(rel: str) -> str:
    return posixpath.dirname(rel)
