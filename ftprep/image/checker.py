"""`check_images`: an image set (folder or zip) to one `FileReport`.

List the source, pair images with captions, check every image in a thread
pool (Pillow releases the GIL while decoding and resizing; each worker holds
one image at a time, so memory stays bounded), then add the set-level rules:
duplicates, repeated captions, split keywords and the pair count.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import re
import typing as t
import warnings

from ftprep.core.codes import ERROR, severity_of
from ftprep.core.diagnostics import Diagnostic, FileReport
from ftprep.core.options import Options
from ftprep.engine.forked_pool import cores
from ftprep.image import captions as cap
from ftprep.image.dedup import Hashes, duplicates
from ftprep.image.inspect import MAX_FILE_BYTES, Info, inspect
from ftprep.image.layout import Caption, Layout, Pair, discover
from ftprep.image.sources import Source, open_source
from ftprep.tasks.base import Finding

# datasets' SPLIT_KEYWORDS bounded by its NON_WORDS_CHARS ("-._ 0-9") or "/".
_SPLIT = re.compile(r"(?:^|[-._ 0-9/])(training|train|validation|valid|val|dev|testing|test|evaluation|eval)"
                    r"(?=[-._ 0-9/])")
MAX_WORKERS = 8


@dataclasses.dataclass
class ImageScan:
    """Everything a check learned; `convert_images` writes from it."""

    report: FileReport
    source: Source
    layout: Layout
    infos: dict[str, Info]
    usable: list[Pair]


def check_images(path: str, opts: Options) -> FileReport:
    """Check an image+caption set: a folder or a .zip, sidecar .txt or ImageFolder metadata.

    Diagnostics name the image or caption file relative to the dataset root in
    `path` (metadata rows: the metadata file, with `line`, `row` and `field`);
    set-level findings carry `path` itself. Raises FileNotFoundError or
    ValueError when `path` is not a folder or a zip.
    """
    with scan(path, opts) as s:
        return s.report


@contextlib.contextmanager
def scan(path: str, opts: Options) -> t.Iterator[ImageScan]:
    """Check `path` and keep its source open for a writer (`convert_images`)."""
    src = open_source(path)
    try:
        yield _scan(src, opts)
    finally:
        src.close()


def _scan(src: Source, opts: Options) -> ImageScan:
    display = src.display
    layout = discover(src, opts.field_caption)
    names = [p.image for p in layout.pairs]
    infos = inspect_all(src, names, opts)
    out = [Diagnostic(i.code, i.message, i.path) for i in src.issues]
    out += [_place(p.finding, p.path, p.line, p.row) for p in layout.found]
    trigger = cap.trigger_pattern(opts.trigger) if opts.trigger else None
    texts: list[str] = []
    usable: list[Pair] = []
    for pair in layout.pairs:
        info = infos[pair.image]
        out += [_place(f, pair.image) for f in info.findings]
        c = pair.caption
        found = [c.problem] if c.problem else []
        if c.text is not None:
            found += cap.findings(c.text, opts.image_model, trigger, opts.trigger)
            texts.append(c.text)
        out += [_caption_diag(f, c) for f in found]
        if info.ok and c.text is not None and not any(severity_of(f.code) == ERROR for f in found):
            usable.append(pair)
    out += _split_names(names)
    out += [Diagnostic(code, msg, name, hint="remove the copy; duplicates over-weight one image and leak into "
                       "the test split") for name, code, msg in duplicates(names, [infos[n].hashes for n in names])]
    same = cap.repeated(texts)
    if same is not None:
        shown = same[0] if len(same[0]) <= 60 else same[0][:57] + "..."
        out.append(Diagnostic("M024", f"{same[1]} of {len(texts)} captions are '{shown}'", display,
                              hint="describe what differs between the images"))
    n = len(usable)
    if n < opts.min_pairs:
        out.append(Diagnostic("M011", f"{n} usable image/caption pair(s); the service needs at least {opts.min_pairs}",
                              display, hint="add images, or fix the errors above"))
    elif n > opts.max_pairs:
        out.append(Diagnostic("M012", f"{n} usable image/caption pairs; the service takes at most {opts.max_pairs}",
                              display, hint="keep the best ones"))
    out.sort(key=lambda d: (d.path != display, d.path, d.line or 0, d.code))
    report = FileReport(display, "image", rows=len(layout.pairs), diagnostics=out, task_inferred=opts.task is None,
                        stats={"layout": layout.kind, "images": len(names), "usable_pairs": n})
    return ImageScan(report, src, layout, infos, usable)


def _place(f: Finding, path: str, line: int | None = None, row: int | None = None) -> Diagnostic:
    return Diagnostic(f.code, f.message, path, line=line, row=row, field=f.field, hint=f.hint)


def _caption_diag(f: Finding, c: Caption) -> Diagnostic:
    return Diagnostic(f.code, f.message, c.path, line=c.line, row=c.row, field=f.field or c.field, hint=f.hint)


def _split_names(names: list[str]) -> list[Diagnostic]:
    hits = {n: m.group(1) for n in names if (m := _SPLIT.search(n))}
    # Train keywords on every image still give one train split.
    if hits and len(hits) == len(names) and all(k.startswith("train") for k in hits.values()):
        return []
    return [Diagnostic("M026", f"'{word}' in the name makes datasets infer a split other than train for this "
                       "folder", name, hint="rename it to a neutral name (ftprep convert writes 000001.png ...)")
            for name, word in hits.items()]


def inspect_all(src: Source, names: list[str], opts: Options) -> dict[str, Info]:
    """Check each image in a thread pool; `opts.progress("images", done, total)` after each."""
    from PIL import Image

    def one(name: str) -> Info:
        try:
            data = src.read(name, MAX_FILE_BYTES)
        except Exception as e:  # noqa: BLE001 - unreadable file, bad zip member (CRC)
            return Info([Finding("M001", f"cannot be read: {e}")], False, None, None, 1, Hashes(None, None, None))
        try:
            return inspect(name, data)
        except Exception as e:  # noqa: BLE001 - a mode or codec Pillow cannot convert (LAB TIFF, ...)
            return Info([Finding("M001", f"cannot be decoded to RGB: {e}")], False, None, None, 1,
                        Hashes(None, None, None))

    total = len(names)
    progress = opts.progress
    workers = min(opts.workers or min(MAX_WORKERS, cores()), max(total, 1))
    out: dict[str, Info] = {}
    if progress:
        progress("images", 0, total)
    # The filter is process-wide while it is active; the pool runs entirely inside it.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        if workers <= 1 or total < 4:
            for name in names:
                out[name] = one(name)
                if progress:
                    progress("images", len(out), total)
        else:
            with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="ftprep-image") as pool:
                futures = {pool.submit(one, name): name for name in names}
                for fut in concurrent.futures.as_completed(futures):
                    out[futures[fut]] = fut.result()
                    if progress:
                        progress("images", len(out), total)
    return out
