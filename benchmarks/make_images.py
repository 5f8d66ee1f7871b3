"""Generate the committed image fixtures: sample_data/images/ and tests/golden/M*/ inputs.

    python benchmarks/make_images.py sample   # sample_data/images: 12 pairs, passes check
    python benchmarks/make_images.py golden   # tests/golden/M*-*/input[.zip] + args.json

Images are flat shapes at small sizes (PNG palette images of 2-6 KB) so the
repository stays small. Then refresh expected.json with
`FTPREP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py -k M0` and read the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import image_fixtures as fx
from PIL import Image, ImageDraw

SAMPLE_CAPTIONS = [
    "ohwx, a red sphere beside a blue box on a beige floor",
    "ohwx, two green rectangles under an orange circle",
    "ohwx, a purple square in the corner of a yellow frame",
    "ohwx, overlapping circles in teal and coral",
    "ohwx, a tall grey pillar next to a pink disc",
    "ohwx, a dark blue background with scattered bright shapes",
    "ohwx, a small white circle above wide brown stripes",
    "ohwx, an olive rectangle crossing a magenta ellipse",
    "ohwx, three flat shapes in warm autumn colours",
    "ohwx, a cyan block resting on a black bar",
    "ohwx, a soft pastel composition of circles and squares",
    "ohwx, a bold red bar cutting through a navy field",
]


def small_png(path: Path, seed: int, size: tuple[int, int] = (1024, 1024)) -> Path:
    return fx.save(fx.photo(seed, size).quantize(16), path, "PNG", optimize=True)


def sample() -> None:
    out = ROOT / "sample_data" / "images"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for i, caption in enumerate(SAMPLE_CAPTIONS):
        size = (1024, 1024) if i % 3 else (1024, 1280)
        small_png(out / f"{i + 1:03d}.png", 200 + i, size)
        (out / f"{i + 1:03d}.txt").write_text(caption + "\n", encoding="utf-8")


def _case(name: str, args: dict[str, object] | None = None) -> Path:
    case = ROOT / "tests" / "golden" / name
    shutil.rmtree(case, ignore_errors=True)
    (case / "input").mkdir(parents=True)
    (case / "args.json").write_text(json.dumps({"task": "image", "min_pairs": 1, **(args or {})}) + "\n")
    return case / "input"


def _pair(folder: Path, stem: str, seed: int, caption: str | None = "a flat picture of shapes",
          size: tuple[int, int] = (1024, 1024)) -> None:
    small_png(folder / f"{stem}.png", seed, size)
    if caption is not None:
        (folder / f"{stem}.txt").write_text(caption, encoding="utf-8")


def _zip_case(name: str, members: dict[str, bytes], args: dict[str, object] | None = None) -> None:
    folder = _case(name, args)
    shutil.rmtree(folder)
    fx.write_zip(folder.parent / "input.zip", members)


def golden() -> None:
    i = _case("M001-truncated-jpeg")
    data = fx.jpeg_bytes(fx.photo(1), quality=60)
    (i / "cut.jpg").write_bytes(data[: len(data) // 2])
    (i / "cut.txt").write_text("a photo cut in half")
    i = _case("M002-not-an-image")
    (i / "notes.png").write_text("these are notes, not a picture\n")
    (i / "notes.txt").write_text("a caption")
    i = _case("M003-caption-missing")
    _pair(i, "alone", 3, caption=None)
    i = _case("M004-caption-empty")
    _pair(i, "blank", 4, caption="  \n")
    i = _case("M005-image-too-small")
    _pair(i, "tiny", 5, size=(200, 240))
    i = _case("M006-image-too-large")
    fx.png_header_only(i / "bomb.png", 20000, 20000)
    (i / "bomb.txt").write_text("a picture that claims 400 million pixels")
    i = _case("M007-unsafe-file-name")
    small_png(i / "ok.png", 7)
    (i / "metadata.jsonl").write_text(json.dumps({"file_name": "ok.png", "text": "a fine row"}) + "\n"
                                      + json.dumps({"file_name": "../../secret.png", "text": "a traversal"}) + "\n")
    i = _case("M008-symlink-escape")
    _pair(i, "ok", 8)
    small_png(i.parent / "outside.png", 80)
    os.symlink("../outside.png", i / "link.png")
    (i / "link.txt").write_text("a link out of the dataset")
    good = {"a.png": (small_png(ROOT / "tmp-a.png", 9)).read_bytes(), "a.txt": b"a flat picture"}
    os.unlink(ROOT / "tmp-a.png")
    _zip_case("M009-zip-slip", {**good, "../evil.png": good["a.png"], "../evil.txt": b"escaped"})
    _zip_case("M010-zip-bomb", {**good, "bomb.png": b"\0" * (20 << 20), "bomb.txt": b"a bomb"})
    i = _case("M011-too-few-pairs", {"min_pairs": 10})
    _pair(i, "one", 11)
    i = _case("M012-too-many-pairs", {"max_pairs": 1})
    _pair(i, "one", 12, caption="the first picture")
    _pair(i, "two", 13, caption="the second picture")
    i = _case("M013-caption-unreadable")
    _pair(i, "latin", 14)
    (i / "latin.txt").write_bytes("un café crème".encode("latin-1"))
    i = _case("M014-metadata-invalid")
    small_png(i / "a.png", 15)
    (i / "metadata.jsonl").write_text(json.dumps({"file_name": "a.png", "prompt": "no text column"}) + "\n")
    i = _case("M015-image-not-found")
    small_png(i / "a.png", 16)
    (i / "metadata.csv").write_text("file_name,text\na.png,a picture\ngone.png,a picture that is not there\n")
    i = _case("M016-low-resolution")
    _pair(i, "small", 17, size=(512, 512))
    i = _case("M017-extreme-aspect-ratio")
    _pair(i, "banner", 18, size=(3072, 1024))
    i = _case("M018-animated-image")
    frames = [fx.photo(19).quantize(16), fx.photo(20).quantize(16)]
    frames[0].save(i / "anim.png", save_all=True, append_images=frames[1:], optimize=True)
    (i / "anim.txt").write_text("an animated picture")
    i = _case("M019-exif-rotation")
    exif = Image.Exif()
    exif[0x0112] = 6
    fx.save(fx.photo(21, (1280, 1024)), i / "phone.jpg", "JPEG", quality=40, exif=exif)
    (i / "phone.txt").write_text("a phone photo held sideways")
    i = _case("M020-duplicate-image")
    _pair(i, "a", 22, caption="the original")
    shutil.copy(i / "a.png", i / "b.png")
    (i / "b.txt").write_text("the copy")
    i = _case("M021-near-duplicate-image")
    _pair(i, "a", 23, caption="the original")
    im = fx.photo(23)
    ImageDraw.Draw(im).rectangle((500, 500, 540, 540), fill=(0, 0, 0))
    fx.save(im.quantize(16), i / "b.png", optimize=True)
    (i / "b.txt").write_text("the original with a small black square")
    i = _case("M022-caption-too-long", {"image_model": "sdxl"})
    _pair(i, "wordy", 24, caption=", ".join(["a detailed picture of bright flat shapes on a plain background"] * 9))
    i = _case("M023-trigger-missing", {"trigger": "ohwx"})
    _pair(i, "has", 25, caption="ohwx, a picture")
    _pair(i, "lacks", 26, caption="a picture without the word")
    i = _case("M024-repeated-caption")
    _pair(i, "a", 27, caption="shapes")
    _pair(i, "b", 28, caption="Shapes")
    i = _case("M025-skipped-name")
    small_png(i / "upper.PNG", 29)
    (i / "upper.txt").write_text("an upper-case extension")
    i = _case("M026-split-keyword-name")
    _pair(i, "test-1", 30)
    i = _case("M027-extension-mismatch")
    small_png(i / "really-png.jpg", 31)
    (i / "really-png.txt").write_text("a PNG named .jpg")
    i = _case("M028-multiline-caption")
    _pair(i, "lines", 32, caption="first line of the caption\nsecond line the trainer ignores\n")
    i = _case("M029-orphan-caption")
    _pair(i, "a", 33)
    (i / "lost.txt").write_text("a caption without its image")
    junk = {"photos/a.png": good["a.png"], "photos/a.txt": good["a.txt"], "__MACOSX/photos/._a.png": b"\0" * 32}
    _zip_case("M030-macosx-junk", junk)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "sample":
        sample()
    elif what == "golden":
        golden()
    else:
        sys.exit("usage: make_images.py sample|golden")
