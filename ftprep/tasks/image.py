"""`image`: a FLUX or SDXL LoRA trained from 10 to 50 images with captions.

Its input is not rows but an image set: a folder or a .zip of images with
`.txt` sidecar captions, or an ImageFolder (`metadata.jsonl`/`.csv` with
`file_name` and a caption column, `text` unless `--field-caption`). `convert`
writes an ImageFolder: `train/metadata.jsonl` (`file_name`, `text`) beside the
images. The checks decode images with Pillow; they live in ftprep.image, which
the verbs call, so the registry stays free of image code.
"""

from __future__ import annotations

from ftprep.tasks.task import IMAGES

NAME = "image"
SUMMARY = "a FLUX or SDXL LoRA: images with captions, as a folder or a .zip"
KIND = IMAGES
TAKES = "a folder or a .zip of images and captions"
FIELDS = {"field_caption": "text"}
CANONICAL = ("file_name", "text")
WRITES = ("imagefolder",)
CATEGORY = "text-to-image"
# The API's imageModelType values; each sets the caption's token limit (CLIP for sdxl, T5 for flux).
IMAGE_MODELS = ("flux", "sdxl")
