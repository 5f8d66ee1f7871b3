"""Which image goes with which caption.

Two layouts, as the trainers and `datasets` read them:

- sidecar: `photo.png` + `photo.txt` (same stem), the flat layout of kohya,
  ai-toolkit and the Gradients zip;
- ImageFolder: `metadata.jsonl` or `metadata.csv` with `file_name` and a
  caption column (`text`, or `--field-caption`). `file_name` is relative to
  the metadata file's folder; the nearest metadata file up the tree applies.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import posixpath
import typing as t

from ftprep.image.captions import decode
from ftprep.image.sources import Source, parent, unsafe_name
from ftprep.tasks.base import Finding

IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif", ".bmp", ".tif", ".tiff",
                        ".avif", ".heic", ".heif", ".jxl", ".mpo"})
METADATA_NAMES = ("metadata.jsonl", "metadata.csv", "metadata.parquet")
MAX_METADATA_BYTES = 64 << 20


@dataclasses.dataclass
class Caption:
    """A caption and where diagnostics about it go."""

    text: str | None
    path: str
    line: int | None = None
    row: int | None = None
    field: str | None = None
    problem: Finding | None = None


@dataclasses.dataclass
class Pair:
    image: str
    caption: Caption


class Placed(t.NamedTuple):
    """A layout finding with its place: (finding, path, line, row)."""

    finding: Finding
    path: str
    line: int | None = None
    row: int | None = None


@dataclasses.dataclass
class Layout:
    kind: str  # "sidecar" or "imagefolder"
    pairs: list[Pair]
    found: list[Placed]


def suffix(rel: str) -> str:
    return posixpath.splitext(rel)[1]


def discover(src: Source, field_caption: str | None) -> Layout:
    metas = [r for r in src.sizes if posixpath.basename(r) in METADATA_NAMES]
    if metas:
        return _imagefolder(src, metas, field_caption or "text")
    return _sidecar(src)


def _read_caption(src: Source, rel: str) -> Caption:
    text, problem = decode(src.read(rel, 1 << 16))
    return Caption(text, rel, problem=problem)


def _sidecar(src: Source) -> Layout:
    files = set(src.sizes)
    lower = {f.lower(): f for f in files}
    captions = {f for f in files if suffix(f) == ".txt"}
    used: set[str] = set()
    pairs: list[Pair] = []
    found: list[Placed] = []
    for rel in sorted(files):
        stem, ext = posixpath.splitext(rel)
        is_image = ext.lower() in IMAGE_EXTS
        txt = stem + ".txt"
        if not is_image and not (ext.lower() not in (".txt", ".md", ".json", ".yaml", ".yml", ".zip")
                                 and txt in captions):
            continue
        if txt in files:
            caption = _read_caption(src, txt)
            used.add(txt)
        elif txt.lower() in lower:  # `photo.TXT`: the trainer looks for `photo.txt` exactly
            other = lower[txt.lower()]
            caption = _read_caption(src, other)
            used.add(other)
            found.append(Placed(Finding("M025", f"the trainer looks for '{posixpath.basename(txt)}' "
                                        "case-sensitively and skips this caption", None,
                                        "rename it with a lower-case .txt"), other))
        else:
            caption = Caption(None, rel, problem=Finding(
                "M003", f"no caption: '{posixpath.basename(txt)}' is missing; the trainer skips the image",
                None, "write one caption per image in a .txt with the same stem"))
        pairs.append(Pair(rel, caption))
    refused_stems = {posixpath.splitext(r)[0] for r in src.refused}
    for rel in sorted(captions - used):
        if posixpath.basename(rel).lower() in ("readme.txt", "license.txt", "requirements.txt"):
            continue
        if posixpath.splitext(rel)[0] in refused_stems:
            continue  # its image was refused for safety, and reported
        found.append(Placed(Finding("M029", "caption has no image with the same stem", None,
                                    "check the names, or delete it"), rel))
    return Layout("sidecar", pairs, found)


def _imagefolder(src: Source, metas: list[str], column: str) -> Layout:
    found: list[Placed] = []
    by_dir: dict[str, str] = {}
    # metadata.jsonl first: when both are present, its rows are the ones checked.
    for rel in sorted(metas, key=lambda r: (parent(r), METADATA_NAMES.index(posixpath.basename(r)))):
        folder = parent(rel)
        name = posixpath.basename(rel)
        if name == "metadata.parquet":
            found.append(Placed(Finding("M014", "metadata.parquet is not read by ftprep", None,
                                        "write metadata.jsonl or metadata.csv"), rel))
            continue
        if folder in by_dir:
            found.append(Placed(Finding("M014", "both metadata.csv and metadata.jsonl here; datasets raises "
                                        "ValueError", None, "keep one of them"), rel))
            continue
        by_dir[folder] = rel
    captions: dict[str, Caption] = {}
    for folder, rel in sorted(by_dir.items()):
        for image, row in _rows(src, rel, folder, column, found):
            if image in captions:
                found.append(Placed(Finding("M014", f"a second row for '{image}'; datasets makes duplicate "
                                            "examples", "file_name", "keep one row per image"),
                                    rel, row.line, row.row))
                continue
            captions[image] = row
    pairs = []
    for rel in sorted(src.sizes):
        if posixpath.basename(rel) in METADATA_NAMES:
            continue
        caption = captions.pop(rel, None)
        if caption is None:
            if suffix(rel).lower() not in IMAGE_EXTS:
                continue
            governing = _governing(rel, by_dir)
            why = (f"no row in {governing}; datasets drops the image silently" if governing
                   else "no metadata file covers this folder")
            caption = Caption(None, rel, problem=Finding("M003", f"no caption: {why}", None,
                                                         "add a row with its file_name and caption"))
        pairs.append(Pair(rel, caption))
    return Layout("imagefolder", pairs, found)


def _governing(rel: str, by_dir: dict[str, str]) -> str | None:
    folder = parent(rel)
    while True:
        if folder in by_dir:
            return by_dir[folder]
        if not folder:
            return None
        folder = parent(folder)


def _rows(src: Source, rel: str, folder: str, column: str,
          found: list[Placed]) -> t.Iterator[tuple[str, Caption]]:
    raw = src.read(rel, MAX_METADATA_BYTES)
    if len(raw) > MAX_METADATA_BYTES:
        found.append(Placed(Finding("M014", f"metadata is over {MAX_METADATA_BYTES:,} bytes"), rel))
        return
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as e:
        found.append(Placed(Finding("M014", f"metadata is not UTF-8 (byte {e.start})"), rel))
        return
    records = _jsonl(text, rel, found) if rel.endswith(".jsonl") else _csv(text, rel, found)
    seen_caption = False
    rows = list(records)
    extra = sorted({k for _, _, r in rows for k in r if k.endswith("_file_name") or k == "file_names"})
    if extra:
        found.append(Placed(Finding("M014", f"column(s) {', '.join(extra)} become extra image columns in datasets",
                                    extra[0], "rename or drop them"), rel))
    kept: list[tuple[str, Caption]] = []
    for line, row, record in rows:
        name = record.get("file_name")
        if not isinstance(name, str) or not name:
            found.append(Placed(Finding("M014", "row has no file_name", "file_name",
                                        "every row needs the image path relative to this file"), rel, line, row))
            continue
        why = unsafe_name(name)
        target = posixpath.normpath(posixpath.join(folder, name)) if why is None else ""
        if why is None and (target.startswith("../") or target == ".."):
            why = "resolves outside the dataset root"
        if why is not None:
            found.append(Placed(Finding("M007", f"file_name '{name}' {why}", "file_name",
                                        "use a path relative to the metadata file, inside the dataset"),
                                rel, line, row))
            continue
        if target not in src.sizes:
            if target not in src.refused:  # a refused symlink or member is reported already
                found.append(Placed(Finding("M015", f"'{name}' does not exist", "file_name",
                                            "fix the name or add the image"), rel, line, row))
            continue
        value = record.get(column)
        seen_caption = seen_caption or column in record
        caption = Caption(None, rel, line, row, column)
        if value is None:
            caption.problem = Finding("M003", f"no caption: '{column}' is {'null' if column in record else 'absent'}"
                                      f" for '{name}'", column, "give every row a caption")
        elif not isinstance(value, str):
            caption.problem = Finding("M014", f"caption '{column}' is a {type(value).__name__}, not text",
                                      column, "store captions as strings")
        else:
            caption.text = value
        kept.append((target, caption))
    if rows and not seen_caption:
        found.append(Placed(Finding("M014", f"no caption column '{column}'; columns: "
                                    f"{', '.join(sorted({k for _, _, r in rows for k in r}))}", column,
                                    "map it with --field-caption"), rel))
        for _, caption in kept:
            caption.problem = None  # one M014 says it; the pairs stay unusable (no text)
    yield from kept


def _jsonl(text: str, rel: str, found: list[Placed]) -> t.Iterator[tuple[int, int, dict[str, t.Any]]]:
    import msgspec

    decoder = msgspec.json.Decoder()
    row = 0
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = decoder.decode(line)
        except msgspec.DecodeError as e:
            found.append(Placed(Finding("M014", f"invalid JSON: {e}"), rel, n, row))
            row += 1
            continue
        if not isinstance(obj, dict):
            found.append(Placed(Finding("M014", f"row is a {type(obj).__name__}, not an object"), rel, n, row))
        else:
            yield n, row, obj
        row += 1


def _csv(text: str, rel: str, found: list[Placed]) -> t.Iterator[tuple[int, int, dict[str, t.Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    row = 0
    end = 1  # the header's line; a record starts on the line after the previous one ends
    try:
        for record in reader:
            yield end + 1, row, {k: v for k, v in record.items() if k is not None}
            row += 1
            end = reader.line_num
    except csv.Error as e:
        found.append(Placed(Finding("M014", f"unreadable CSV: {e}"), rel, reader.line_num, row))
