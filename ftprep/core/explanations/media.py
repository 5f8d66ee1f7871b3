"""Explanations of the M (media: image LoRA datasets) codes: (meaning, why the
trainer cares, example, fix) by code. The trainer is kohya sd-scripts, fed by
the validator's prep of a zip or of image/caption pairs."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "M001": (
        "An image does not fully decode: it is truncated or corrupt, though its header opens.",
        "A cut-off file passes a header check and fails only when its pixels are read, that is mid-run while kohya caches latents: the paid run crashes.",
        "cut.jpg: a JPEG whose second half is missing",
        "Re-export the image from its source, or remove it.",
    ),
    "M002": (
        "A file in the image set is not an image, or not in the allowed formats (JPEG, PNG, WEBP, GIF, BMP, TIFF, AVIF).",
        "The trainer's prep picks images by extension; a file that is not one cannot be trained and fails when it is opened.",
        "notes.png that holds text",
        "Convert it to JPEG or PNG, or remove it.",
    ),
    "M003": (
        "An image has no caption: no .txt with the same stem, and no metadata row.",
        "The validator's prep keeps only images that have a .txt caption beside them, so the image is silently left out of training.",
        "alone.png with no alone.txt",
        "Write one caption per image in a .txt with the same stem.",
    ),
    "M004": (
        "A caption file (or metadata caption) is empty, or holds only whitespace.",
        "kohya asserts on a 0-byte caption file, and an empty caption teaches the LoRA nothing about the image.",
        "blank.txt holding '   '",
        "Describe the image (and include the trigger word when you use one).",
    ),
    "M005": (
        "The image's short side is under 256 px, the trainer's smallest bucket.",
        "kohya's buckets start at 256 px and the trainer does not upscale: the image cannot be bucketed and trains badly or not at all.",
        "tiny.png, 200x240",
        "Use a bigger image, or remove it.",
    ),
    "M006": (
        "The image has more pixels than Pillow's decompression-bomb limit (refused from its header), or the file is over the byte cap.",
        "Pillow refuses to open such an image, so the trainer's loader raises on it; at best it wastes memory and time before being downscaled.",
        "bomb.png declaring 20000x20000 pixels",
        "Downscale it (the long side to 2048 px is plenty).",
    ),
    "M007": (
        "A file_name in metadata.jsonl/csv is an absolute path, contains '..', or resolves (through links) outside the dataset's folder.",
        "The path would read a file outside the dataset (older datasets join it unchecked): the image is missing from the upload, or a file you did not mean to share is read.",
        '{"file_name": "../../secret.png", "text": "a cat"}',
        "Use a path relative to the metadata file, inside the dataset.",
    ),
    "M008": (
        "A symlink in the image set points outside the dataset root.",
        "The link's target is not part of the dataset: an upload or a zip would miss it or copy a file from elsewhere on the disk.",
        "link.png -> ../outside.png",
        "Copy the image into the dataset instead of linking to it.",
    ),
    "M009": (
        "A zip member would escape the extraction root (absolute path, '..', a link), or is a duplicate or encrypted; ftprep did not read it.",
        "Such a member is unsafe to extract and may be dropped or overwrite another; the trainer's extraction would not give you the image set you checked.",
        "a zip holding ../a.png",
        "Rebuild the zip from a plain folder (zip -r data.zip folder).",
    ),
    "M010": (
        "A zip is over the size, member-count or compression-ratio cap (a zip bomb, or a far larger archive than an image set needs).",
        "Extracting it would exhaust the trainer's disk or memory before a step is trained; ftprep did not read the capped members.",
        "a 20 KB member that expands 1,000x to 20 MB",
        "Rebuild the zip from the real images; if they are real, check that the zip holds only the dataset.",
    ),
    "M011": (
        "After the images and captions with errors are left out, fewer image/caption pairs remain than the service's minimum (10; --min-pairs).",
        "The service's API accepts 10 to 50 pairs and the validator checks it at prep: with fewer, the job is refused or fails prep.",
        "a folder with 1 image and its caption",
        "Add images, or fix the errors that make pairs unusable.",
    ),
    "M012": (
        "More image/caption pairs are usable than the service's maximum (50; --max-pairs).",
        "The service's API accepts at most 50 pairs and the validator checks it at prep: with more, the job is refused or fails prep.",
        "a folder of 60 images with captions",
        "Keep the best 50 pairs and leave the rest out.",
    ),
    "M013": (
        "A caption is not UTF-8, or is over the size cap.",
        "kohya reads captions as UTF-8 and raises on bad bytes, so the run fails when it reaches the caption.",
        "latin.txt holding 'caf\\xe9' in Latin-1",
        "Re-save the caption as UTF-8.",
    ),
    "M014": (
        "metadata.jsonl or metadata.csv cannot be used: it does not parse, has no file_name, has no caption column or a bad one, or repeats rows.",
        "datasets builds the image set from the metadata rows: a broken file fails the load, and repeated rows become repeated examples.",
        'metadata.jsonl with {"file_name": "a.png", "prompt": "..."} and no "text" column',
        "Fix the file, or map the caption column with --field-caption.",
    ),
    "M015": (
        "A row of metadata.jsonl/csv names, in file_name, an image that is not in the dataset.",
        "datasets builds the set without noticing and fails later with FileNotFoundError when the image is read or pushed.",
        'metadata.csv row "gone.png,a dog" with no gone.png',
        "Fix the name or add the image.",
    ),
    "M016": (
        "The image's short side is under 1024 px, the training resolution.",
        "The trainer buckets at 1024 with no upscaling, so the image trains at its smaller size: softer detail than the rest.",
        "small.png, 512x512",
        "Use a 1024 px or larger version if you have one.",
    ),
    "M017": (
        "The aspect ratio is beyond 2:1 (a banner, a tall strip).",
        "Pipelines that square-crop lose most of such an image, and even bucketed training sees it at an extreme shape.",
        "banner.png, 3072x1024",
        "Crop it closer to square.",
    ),
    "M018": (
        "An animated image (GIF, APNG, animated WebP).",
        "Only its first frame is ever loaded, so the rest of the animation is not trained and the caption may not match that frame.",
        "anim.png with 12 frames",
        "Export the frame you want as PNG or JPEG.",
    ),
    "M019": (
        "The image has an EXIF orientation tag (a phone photo).",
        "kohya ignores the tag and trains the pixels as stored, rotated, while the caption describes the upright picture.",
        "phone.jpg with EXIF orientation 6",
        "Bake the rotation into the pixels (ftprep convert does).",
    ),
    "M020": (
        "The image repeats another: the same bytes, or the same decoded pixels.",
        "A duplicate is trained twice, and the validator's split can put one copy in the test set, inflating the evaluation score.",
        "b.png, a copy of a.png",
        "Remove the copy (keep one of each).",
    ),
    "M021": (
        "The image is a near duplicate of another (perceptual hash within the threshold): resized or re-encoded.",
        "Like an exact duplicate: it over-weights one picture and can leak across the train/test split.",
        "b.png, a.png saved again at another size",
        "Remove the copy, unless the differences are what you want to teach.",
    ),
    "M022": (
        "The caption is over the text encoder's limit (an estimate of CLIP tokens: 75 for SDXL).",
        "The trainer's text encoder cuts the caption at its limit, so the words past it are never trained.",
        "wordy.txt of about 125 CLIP tokens, for SDXL",
        "Shorten it: keep the trigger and the key words first.",
    ),
    "M023": (
        "The trigger word you set (--trigger) is missing from a caption.",
        "The LoRA ties the concept to the trigger through the captions; images whose caption lacks it weaken that tie.",
        "lacks.txt without 'ohwx', with --trigger ohwx",
        "Add the trigger, or let ftprep convert --trigger prepend it.",
    ),
    "M024": (
        "Most images share the same caption.",
        "A caption that does not change with the image teaches nothing about what differs between them.",
        "2 of 2 captions are 'shapes'",
        "Describe what differs between the images.",
    ),
    "M025": (
        "The trainer skips this file name: an upper-case extension (.PNG, .JPG), .webp, or another format it does not pick.",
        "The validator's prep matches .png/.jpg/.jpeg case-sensitively, so the image is silently left out of training.",
        "upper.PNG",
        "Rename to lower-case .png/.jpg, or convert (ftprep convert writes lower-case .png/.jpg).",
    ),
    "M026": (
        "A file name holds a split keyword (test-1.png, val_2.jpg) that makes datasets infer a split other than train.",
        "When the set is loaded as a Hub or ImageFolder dataset (ftprep push), datasets builds a test or validation split from those files: what reads dataset['train'] misses them, or fails when no train split is left.",
        "test-1.png",
        "Rename to neutral names (ftprep convert writes 000001.png ...).",
    ),
    "M027": (
        "The file extension does not match the image's real format (a PNG named .jpg).",
        "Tools pick images by extension, not content: the trainer's prep takes a .jpg whatever it holds, so the file slips past the format rules its extension stands for, and a tool that decodes by extension fails on it.",
        "really-png.jpg holding PNG data",
        "Give it the right extension (ftprep convert does).",
    ),
    "M028": (
        "A caption file has several lines.",
        "kohya keeps only the first line of a caption (unless wildcards are on), so the rest is not trained.",
        "lines.txt: 'a red car\\non a bridge'",
        "Join the lines into one (ftprep convert does).",
    ),
    "M029": (
        "A .txt file in the image set has no image with the same stem beside it (lost.txt, no lost.png).",
        "It is never used: usually a sign that an image was renamed or lost, so some image lacks its caption.",
        "lost.txt with no lost.png",
        "Check the names, or delete the caption.",
    ),
    "M030": (
        "A zip holds __MACOSX/, ._* or .DS_Store junk (macOS Finder's compression).",
        "The trainer descends into a zip's folder only when it is the single top-level entry: beside a __MACOSX/ folder it does not, and sees no images.",
        "photos/a.png plus __MACOSX/photos/._a.png",
        "Rebuild the zip without them (zip -r data.zip photos -x '__MACOSX/*' '*/.DS_Store' '._*').",
    ),
}
