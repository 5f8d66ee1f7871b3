"""The image task (issue 4): every rule asserted by its code, on images made with Pillow."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
import zipfile
from pathlib import Path

import image_fixtures as fx
import pytest
from PIL import Image, ImageFile

import ftprep
from ftprep.cli import main
from ftprep.core.options import Options
from ftprep.image import convert_images, sources
from ftprep.image.captions import estimate_tokens
from ftprep.image.dedup import phash


def check(path: Path | str, **kw: object) -> ftprep.Report:
    kw.setdefault("min_pairs", 1)
    return ftprep.check(str(path), task="image", **kw)


def at(report: ftprep.Report, path: str) -> list[str]:
    """Codes whose diagnostic names `path` (relative to the dataset root)."""
    return sorted(d.code for d in report.diagnostics if d.path == path)


def one(report: ftprep.Report, code: str) -> ftprep.Diagnostic:
    found = [d for d in report.diagnostics if d.code == code]
    assert len(found) == 1, report.to_json()
    return found[0]


# --- a clean set, the API and the CLI ---------------------------------------

def test_clean_set_has_no_findings(tmp_path: Path) -> None:
    fx.image_set(tmp_path / "set", 10)
    report = ftprep.check(str(tmp_path / "set"), task="image")
    assert report.codes() == []
    assert report.ok and report.rows == 10
    assert report.files[0].task == "image"
    assert report.files[0].stats["usable_pairs"] == 10


def test_folder_is_checked_as_images_without_task(tmp_path: Path) -> None:
    fx.image_set(tmp_path / "set", 10)
    report = ftprep.check(str(tmp_path / "set"))
    assert report.files[0].task == "image" and report.files[0].task_inferred
    assert report.ok


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fx.image_set(tmp_path / "good", 10)
    assert main(["check", str(tmp_path / "good"), "--task", "image", "--isolated", "--format", "json"]) == 0
    fx.image_set(tmp_path / "bad", 9)
    assert main(["check", str(tmp_path / "bad"), "--task", "image", "--isolated", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"M011"' in out
    assert main(["check", str(tmp_path / "missing"), "--task", "image", "--isolated"]) == 2


def test_parallel_and_serial_agree(tmp_path: Path) -> None:
    fx.image_set(tmp_path / "set", 8)
    fx.truncated_jpeg(tmp_path / "set" / "cut.jpg")
    (tmp_path / "set" / "cut.txt").write_text("a cut photo")
    a = check(tmp_path / "set", workers=1).to_json()
    b = check(tmp_path / "set", workers=2).to_json()
    assert a == b
    assert "M001" in {d["code"] for d in a["files"][0]["diagnostics"]}


def test_progress_is_called_to_the_end(tmp_path: Path) -> None:
    fx.image_set(tmp_path / "set", 5)
    calls: list[tuple[str, int, int | None]] = []
    check(tmp_path / "set", progress=lambda stage, done, total: calls.append((stage, done, total)), workers=2)
    assert calls[0] == ("images", 0, 5) and calls[-1] == ("images", 5, 5)
    assert [d for _, d, _ in calls] == sorted(d for _, d, _ in calls)


# --- decoding ----------------------------------------------------------------

def test_truncated_jpeg_passes_verify_but_not_the_check(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    path = fx.truncated_jpeg(root / "cut.jpg")
    (root / "cut.txt").write_text("a photo")
    with Image.open(path) as im:
        im.verify()  # what is not enough
    report = check(root)
    assert at(report, "cut.jpg") == ["M001"]
    assert "truncated" in one(report, "M001").message
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_not_an_image_and_formats_outside_the_allow_list(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    (root / "notes.png").write_text("not a picture")
    (root / "notes.txt").write_text("a caption")
    fx.save(fx.photo(5), root / "legacy.png", "PCX")  # Pillow reads PCX, but it is not allowed
    (root / "legacy.txt").write_text("a caption")
    (root / "phone.heic").write_bytes(b"\0\0\0\x18ftypheic" + b"\0" * 64)
    (root / "phone.txt").write_text("a caption")
    report = check(root)
    assert at(report, "notes.png") == ["M002"]
    assert at(report, "legacy.png") == ["M002"]
    assert "M002" in at(report, "phone.heic")
    assert "pillow-heif" in next(d.hint for d in report.diagnostics if d.path == "phone.heic" and d.code == "M002")


@pytest.mark.parametrize("size", [(20000, 20000), (10000, 10000)], ids=["over-2x-limit", "over-limit"])
def test_bomb_sized_header_is_refused_before_decoding(tmp_path: Path, size: tuple[int, int]) -> None:
    root = tmp_path / "set"
    root.mkdir()
    fx.png_header_only(root / "bomb.png", *size)
    (root / "bomb.txt").write_text("a caption")
    before = list(warnings.filters)
    report = check(root)
    assert at(report, "bomb.png") == ["M006"]
    assert list(warnings.filters) == before  # the escalation is scoped to the check


def test_file_over_the_byte_cap(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    (root / "huge.png").write_bytes(b"\x89PNG" + b"\0" * (50 << 20))
    (root / "huge.txt").write_text("a caption")
    assert at(check(root), "huge.png") == ["M006"]


# --- size, shape, frames, rotation, names --------------------------------------

def test_sizes_and_aspect(tmp_path: Path) -> None:
    root = tmp_path / "set"
    fx.pair(root, "tiny", 1, size=(200, 300))
    fx.pair(root, "small", 2, size=(512, 512))
    fx.pair(root, "wide", 3, size=(3072, 1024))
    report = check(root)
    assert at(report, "tiny.png") == ["M005"]
    assert at(report, "small.png") == ["M016"]
    assert at(report, "wide.png") == ["M017"]


def test_animated_gif_and_apng(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    fx.animated_gif(root / "anim.gif")
    frames = [fx.photo(7), fx.photo(8)]
    frames[0].save(root / "anim2.png", save_all=True, append_images=frames[1:])
    for stem in ("anim", "anim2"):
        (root / f"{stem}.txt").write_text("an animation")
    report = check(root)
    assert "M018" in at(report, "anim.gif")
    assert at(report, "anim2.png") == ["M018"]


def test_exif_rotation_is_reported_and_baked_in_by_convert(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    fx.exif_rotated_jpeg(root / "phone.jpg", size=(1200, 1024))
    (root / "phone.txt").write_text("a phone photo")
    assert at(check(root), "phone.jpg") == ["M019"]
    out = tmp_path / "out"
    conv = ftprep.convert(str(root), str(out), task="image", min_pairs=1)
    assert conv.written
    with Image.open(out / "train" / "000001.jpg") as im:
        assert im.size == (1024, 1200)  # orientation 6: turned upright
        assert im.getexif().get(0x0112) is None


def test_names_the_trainer_skips(tmp_path: Path) -> None:
    root = tmp_path / "set"
    fx.pair(root, "upper", 1, ext=".PNG")
    fx.save(fx.photo(2), root / "web.webp", "WEBP", lossless=True)
    (root / "web.txt").write_text("a caption")
    fx.pair(root, "fine", 3, ext=".jpeg")
    report = check(root)
    assert at(report, "upper.PNG") == ["M025"]
    assert at(report, "web.webp") == ["M025"]
    assert at(report, "fine.jpeg") == []


def test_split_keyword_names(tmp_path: Path) -> None:
    root = tmp_path / "set"
    fx.pair(root, "test-1", 1)
    fx.pair(root, "contest", 2)
    fx.pair(root, "photo_val", 3)
    report = check(root)
    assert at(report, "test-1.png") == ["M026"]
    assert at(report, "contest.png") == []
    assert at(report, "photo_val.png") == ["M026"]


def test_extension_mismatch(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    (root / "photo.png").write_bytes(fx.jpeg_bytes(fx.photo(1)))
    (root / "photo.txt").write_text("a caption")
    assert at(check(root), "photo.png") == ["M027"]


# --- captions -------------------------------------------------------------------

def test_caption_rules(tmp_path: Path) -> None:
    root = tmp_path / "set"
    fx.pair(root, "none", 1, caption=None)
    fx.pair(root, "empty", 2, caption="")
    fx.pair(root, "blank", 3, caption=" \n\t ")
    fx.pair(root, "latin1", 4, caption="caf\xe9")
    (root / "latin1.txt").write_bytes("café".encode("latin-1"))
    fx.pair(root, "lines", 5, caption="first line\nsecond line")
    fx.pair(root, "bom", 6, caption="\ufeffohwx a cat")
    (root / "stray.txt").write_text("no image")
    report = check(root)
    assert at(report, "none.png") == ["M003"]
    assert at(report, "empty.txt") == ["M004"]
    assert at(report, "blank.txt") == ["M004"]
    assert at(report, "latin1.txt") == ["M013"]
    assert at(report, "lines.txt") == ["M028"]
    assert at(report, "bom.txt") == []
    assert at(report, "stray.txt") == ["M029"]


def test_caption_length_estimates(tmp_path: Path) -> None:
    root = tmp_path / "set"
    fx.pair(root, "long", 1, caption=" ".join(["a red cube on a table"] * 20))  # ~120 CLIP tokens
    fx.pair(root, "short", 2, caption="a red cube")
    sdxl = check(root, image_model="sdxl")
    assert at(sdxl, "long.txt") == ["M022"] and at(sdxl, "short.txt") == []
    assert "estimate" in one(sdxl, "M022").message
    assert at(check(root, image_model="flux"), "long.txt") == []
    fx.pair(root, "long", 1, caption=" ".join(["a red cube on a table"] * 100))
    assert at(check(root, image_model="flux"), "long.txt") == ["M022"]


def test_token_estimate_is_close_on_plain_english() -> None:
    # "a photo of ohwx person , wearing a red jacket , studio lighting" is 14 CLIP tokens.
    assert 12 <= estimate_tokens("a photo of ohwx person, wearing a red jacket, studio lighting", "clip") <= 16


def test_trigger_word(tmp_path: Path) -> None:
    root = tmp_path / "set"
    fx.pair(root, "has", 1, caption="ohwx, a man")
    fx.pair(root, "glued", 2, caption="ohwxman standing")
    fx.pair(root, "upper", 3, caption="OHWX in a park")
    report = check(root, trigger="ohwx")
    assert at(report, "has.txt") == [] and at(report, "upper.txt") == []
    assert at(report, "glued.txt") == ["M023"]


def test_repeated_caption(tmp_path: Path) -> None:
    root = tmp_path / "set"
    for i in range(3):
        fx.pair(root, f"same{i}", i, caption="a photo")
    fx.pair(root, "other", 9, caption="a different photo")
    report = check(root)
    d = one(report, "M024")
    assert d.path == str(root) and "3 of 4" in d.message


# --- duplicates ----------------------------------------------------------------

def test_exact_and_near_duplicates(tmp_path: Path) -> None:
    root = tmp_path / "set"
    fx.pair(root, "a", 1)
    shutil.copy(root / "a.png", root / "b.png")
    (root / "b.txt").write_text("a copy")
    fx.save(Image.open(root / "a.png").convert("RGB"), root / "c.png", compress_level=1)  # same pixels
    (root / "c.txt").write_text("a re-encoded copy")
    (root / "d.jpg").write_bytes(fx.jpeg_bytes(fx.photo(1).resize((900, 900)), quality=70))
    (root / "d.txt").write_text("a resized jpeg")
    fx.pair(root, "e", 99)
    report = check(root)
    assert "same bytes as 'a.png'" in next(d.message for d in report.diagnostics if d.path == "b.png")
    assert "same pixels as 'a.png'" in next(d.message for d in report.diagnostics if d.path == "c.png")
    assert "M021" in at(report, "d.jpg")
    assert at(report, "e.png") == []


def test_phash_separates_and_matches() -> None:
    def h(im: Image.Image) -> int:
        return phash(im.convert("L").resize((32, 32), Image.Resampling.LANCZOS).tobytes())

    base = fx.photo(1)
    assert (h(base) ^ h(base.resize((700, 700)))).bit_count() <= 4
    assert (h(base) ^ h(fx.photo(2))).bit_count() > 10


def test_jpeg_metadata_does_not_hide_a_duplicate(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    data = fx.jpeg_bytes(fx.photo(3), quality=85)
    comment = b"edited by a photo manager"
    (root / "a.jpg").write_bytes(data)
    # The same scan data with a COM segment added, as metadata editors do: no re-encode.
    (root / "b.jpg").write_bytes(data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:])
    for s in "ab":
        (root / f"{s}.txt").write_text(f"photo {s}")
    assert "same pixels as 'a.jpg'" in one(check(root), "M020").message


# --- pair counts -----------------------------------------------------------------

def test_pair_limits_default_and_configured(tmp_path: Path) -> None:
    fx.image_set(tmp_path / "nine", 9)
    d = one(ftprep.check(str(tmp_path / "nine"), task="image"), "M011")
    assert "9 usable" in d.message and "at least 10" in d.message
    fx.image_set(tmp_path / "four", 4)
    assert "M012" in check(tmp_path / "four", max_pairs=3).codes()
    assert check(tmp_path / "four", min_pairs=4, max_pairs=4).ok


def test_unusable_pairs_do_not_count(tmp_path: Path) -> None:
    root = fx.image_set(tmp_path / "set", 10)
    fx.truncated_jpeg(root / "img000.png")  # one of the ten breaks
    report = ftprep.check(str(root), task="image")
    assert {"M001", "M011"} <= set(report.codes())


# --- ImageFolder metadata ------------------------------------------------------

def test_metadata_jsonl_layout(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    rows = []
    for i in range(3):
        fx.save(fx.photo(i), root / f"p{i}.png")
        rows.append({"file_name": f"p{i}.png", "prompt": f"picture {i}"})
    fx.save(fx.photo(9), root / "extra.png")
    (root / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = check(root, field_caption="prompt")
    assert report.files[0].stats["layout"] == "imagefolder"
    assert at(report, "extra.png") == ["M003"]  # datasets drops it silently
    assert report.codes() == ["M003"]
    no_map = check(root)
    d = next(d for d in no_map.diagnostics if d.code == "M014")
    assert d.path == "metadata.jsonl" and "--field-caption" in (d.hint or "")


def test_metadata_csv_rows_are_located(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    fx.save(fx.photo(1), root / "a.png")
    (root / "metadata.csv").write_text('file_name,text\na.png,"a red, round ball"\ngone.png,missing\n')
    report = check(root)
    d = one(report, "M015")
    assert (d.path, d.line, d.row, d.field) == ("metadata.csv", 3, 1, "file_name")


def test_metadata_traversal_and_unsafe_names(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    fx.save(fx.photo(1), tmp_path / "outside.png")
    fx.save(fx.photo(2), root / "ok.png")
    names = ["../outside.png", "/etc/passwd", "sub/../../outside.png", "a\\..\\b.png", "ok.png"]
    (root / "metadata.jsonl").write_text("".join(json.dumps({"file_name": n, "text": "x y"}) + "\n" for n in names))
    report = check(root)
    bad = [d for d in report.diagnostics if d.code == "M007"]
    assert [(d.path, d.line, d.field) for d in bad] == [("metadata.jsonl", n, "file_name") for n in (1, 2, 3, 4)]
    assert "M003" not in report.codes()


def test_metadata_structure_errors(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    fx.save(fx.photo(1), root / "a.png")
    (root / "metadata.jsonl").write_text('{"file_name": "a.png", "text": "x"}\n{"file_name": "a.png", "text": "y"}\n'
                                         '{"text": "no name"}\nnot json\n')
    (root / "metadata.csv").write_text("file_name,text\na.png,x\n")
    report = check(root)
    messages = [d.message for d in report.diagnostics if d.code == "M014"]
    assert any("both metadata.csv and metadata.jsonl" in m for m in messages)
    assert any("second row" in m for m in messages)
    assert any("no file_name" in m for m in messages)
    assert any("invalid JSON" in m for m in messages)


# --- symlinks and zips ---------------------------------------------------------

def test_symlinks_out_of_the_root(tmp_path: Path) -> None:
    root = fx.image_set(tmp_path / "set", 2)
    outside = tmp_path / "elsewhere"
    fx.image_set(outside, 1, start=50)
    os.symlink(outside / "img050.png", root / "link.png")
    (root / "link.txt").write_text("a link")
    os.symlink(outside, root / "linked_dir")
    os.symlink(root / "img000.png", root / "inside.png")  # inside the root: fine
    (root / "inside.txt").write_text("same image again")
    report = check(root)
    assert at(report, "link.png") == ["M008"]
    assert at(report, "linked_dir") == ["M008"]
    assert at(report, "inside.png") == ["M020"]


def test_zip_of_a_folder_checks_like_the_folder(tmp_path: Path) -> None:
    root = fx.image_set(tmp_path / "set", 3)
    fx.pair(root, "none", 7, caption=None)
    z = fx.write_zip(tmp_path / "set.zip", fx.folder_members(root, "photos/"))
    report = check(z)
    assert report.files[0].path == str(z)
    assert at(report, "photos/none.png") == ["M003"]
    assert report.rows == 4


def test_zip_slip_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    good = fx.folder_members(fx.image_set(tmp_path / "set", 2))
    members = {**good, "../evil.png": good["img000.png"], "/abs.png": good["img000.png"],
               "dir\\win.png": good["img000.png"]}
    work = tmp_path / "work"
    work.mkdir()
    z = fx.write_zip(work / "in.zip", members, symlinks={"link.png": "/etc/passwd"})
    report = check(z)
    assert sorted(d.path for d in report.diagnostics if d.code == "M009") == [
        "../evil.png", "/abs.png", "dir\\win.png", "link.png"]
    assert not (tmp_path / "evil.png").exists() and not (tmp_path / "work" / "link.png").exists()
    assert report.files[0].stats["usable_pairs"] == 2


def test_zip_caps(tmp_path: Path) -> None:
    bomb = fx.write_zip(tmp_path / "bomb.zip", {"a.png": b"\0" * (20 << 20), "a.txt": b"x"})
    d = one(check(bomb), "M010")
    assert d.path == "a.png" and "expands" in d.message
    many = {f"f{i}.txt": b"" for i in range(sources.MAX_MEMBERS + 1)}
    crowded = fx.write_zip(tmp_path / "many.zip", many)
    d = one(check(crowded), "M010")
    assert d.path == str(crowded) and "members" in d.message


def test_zip_junk(tmp_path: Path) -> None:
    members = fx.folder_members(fx.image_set(tmp_path / "set", 2), "photos/")
    members["__MACOSX/photos/._img000.png"] = b"junk"
    z = fx.write_zip(tmp_path / "mac.zip", members)
    d = one(check(z), "M030")
    assert "single top-level entry" in d.message


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "fake.zip").write_text("hello")
    assert one(check(tmp_path / "fake.zip"), "M002").path == str(tmp_path / "fake.zip")


# --- convert ------------------------------------------------------------------------

def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def test_convert_writes_an_imagefolder_datasets_loads(tmp_path: Path) -> None:
    import datasets

    root = fx.image_set(tmp_path / "set", 3, ext=".PNG")
    fx.pair(root, "photo", 5, caption="\ufeffa  photo\r\nof ohwx\x07 on a table", ext=".JPG")
    before = _tree_hash(root)
    out = tmp_path / "out"
    # also_zip goes straight to convert_images until ftprep.convert passes it through.
    conv = convert_images(str(root), str(out), Options(task="image", trigger="ohwx", min_pairs=1), also_zip=True)
    assert conv.written and conv.rows_written == 4 and conv.task == "image"
    assert _tree_hash(root) == before  # the input is never modified
    names = sorted(os.listdir(out / "train"))
    assert names == ["000001.png", "000002.png", "000003.png", "000004.jpg", "metadata.jsonl"]
    rows = [json.loads(x) for x in (out / "train" / "metadata.jsonl").read_text().splitlines()]
    assert rows[3] == {"file_name": "000004.jpg", "text": "a photo of ohwx on a table"}
    assert rows[0]["text"] == "ohwx, a photo number 0"
    for ds in (datasets.load_dataset(str(out), cache_dir=str(tmp_path / "c1")),
               datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "c2"))):
        assert list(ds) == ["train"]
        assert set(ds["train"].column_names) == {"image", "text"} and ds["train"].num_rows == 4
        assert ds["train"][3]["text"] == "a photo of ohwx on a table"
        assert ds["train"][0]["image"].mode == "RGB"
    with zipfile.ZipFile(str(out) + ".zip") as zf:
        assert sorted(zf.namelist()) == ["000001.png", "000001.txt", "000002.png", "000002.txt", "000003.png",
                                         "000003.txt", "000004.jpg", "000004.txt"]
    # The zip passes the check it was written for.
    assert check(str(out) + ".zip").ok


def test_convert_normalises_pixels(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    fx.png16_grey(root / "deep.png", value=40000)
    fx.rgba_hidden_red(root / "clear.png")
    fx.cmyk_jpeg(root / "print.jpg")
    fx.save(fx.photo(6, (3000, 1500)), root / "big.png")
    for stem in ("deep", "clear", "print", "big"):
        (root / f"{stem}.txt").write_text(f"the {stem} one")
    out = tmp_path / "out"
    assert ftprep.convert(str(root), str(out), task="image", min_pairs=1).written
    rows = {json.loads(x)["text"]: json.loads(x)["file_name"]
            for x in (out / "train" / "metadata.jsonl").read_text().splitlines()}

    def opened(stem: str) -> Image.Image:
        return Image.open(out / "train" / rows[f"the {stem} one"])

    assert opened("deep").mode == "RGB" and opened("deep").getpixel((0, 0)) == (155, 155, 155)  # scaled, not white
    assert opened("clear").getpixel((0, 0)) == (255, 255, 255)  # hidden red stays hidden
    assert opened("print").mode == "RGB" and rows["the print one"].endswith(".jpg")
    assert opened("big").size == (2048, 1024)


def test_convert_refuses_errors_and_writes_nothing(tmp_path: Path) -> None:
    root = fx.image_set(tmp_path / "set", 10)
    fx.truncated_jpeg(root / "cut.jpg")
    (root / "cut.txt").write_text("cut")
    out = tmp_path / "out"
    conv = ftprep.convert(str(root), str(out), task="image")
    assert not conv.written and "M001" in conv.report.codes()
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".ftprep-")]
    dropped = ftprep.convert(str(root), str(out), task="image", drop_invalid=True)
    assert dropped.written and dropped.rows_written == 10 and dropped.rows_dropped == 1


def test_convert_output_folder_rules(tmp_path: Path) -> None:
    root = fx.image_set(tmp_path / "set", 2)
    with pytest.raises(ValueError, match="inside the input"):
        ftprep.convert(str(root), str(root / "out"), task="image", min_pairs=1)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        ftprep.convert(str(root), str(theirs), task="image", min_pairs=1)
    assert (theirs / "keep.txt").read_text() == "mine"
    out = tmp_path / "out"
    assert ftprep.convert(str(root), str(out), task="image", min_pairs=1).written
    fx.image_set(root, 1, start=2)
    again = ftprep.convert(str(root), str(out), task="image", min_pairs=1)  # replaces its own output
    assert again.written and len(os.listdir(out / "train")) == 4


def test_convert_from_metadata_zip(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    for i in range(2):
        fx.save(fx.photo(i), root / f"p{i}.png")
    (root / "metadata.csv").write_text("file_name,caption\np0.png,zero\np1.png,one\n")
    z = fx.write_zip(tmp_path / "in.zip", fx.folder_members(root))
    conv = ftprep.convert(str(z), str(tmp_path / "out"), task="image", field_caption="caption", min_pairs=1)
    assert conv.written and conv.shape == "imagefolder"
    texts = [json.loads(x)["text"] for x in (tmp_path / "out" / "train" / "metadata.jsonl").read_text().splitlines()]
    assert texts == ["zero", "one"]


def test_also_zip_never_replaces_the_input_zip(tmp_path: Path) -> None:
    import zipfile

    import pytest

    import ftprep

    src = tmp_path / "set.zip"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("notes.md", "keep me")
    before = src.read_bytes()
    with pytest.raises(ValueError, match="replace the input"):
        ftprep.convert(str(src), str(tmp_path / "set"), task="image", also_zip=True)
    assert src.read_bytes() == before


def test_an_image_pillow_cannot_convert_is_m001_not_a_crash(tmp_path: Path) -> None:
    from PIL import Image

    import ftprep

    folder = tmp_path / "set"
    folder.mkdir()
    Image.new("LAB", (300, 300)).save(folder / "lab.tif")
    (folder / "lab.txt").write_text("a lab image")
    report = ftprep.check(str(folder), task="image", min_pairs=1)
    assert "Traceback" not in str(report.to_json())
    assert "M001" in report.codes()
