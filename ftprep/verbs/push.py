"""`ftprep.push`: check, convert and upload a dataset to a Hugging Face dataset repo.

The data is converted to its canonical columns in a temporary folder laid out
as the repo will be (`staged`), then that folder goes up in one commit with a
dataset card (`ftprep.hub`), so that `load_dataset("OWNER/NAME")` (the trainer)
and the Hub viewer read exactly what was checked. Nothing touches the network
until the data is clean: data with errors raises `DataErrors` before any repo
is created.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import typing as t
from typing import Unpack

from ftprep.core.errors import DataErrors
from ftprep.core.keywords import InMemory, PushOptions
from ftprep.core.options import Options
from ftprep.core.results import PushResult
from ftprep.engine.settings import settle
from ftprep.hub.upload import DATA_FILE, IMAGE_DIR, client, client_bars, upload_folder, valid_repo
from ftprep.reading.formats import is_image_set
from ftprep.reading.memory import kind_of

if t.TYPE_CHECKING:
    from ftprep.core.results import Conversion


def push(
    path: str | os.PathLike[str] | InMemory,
    *,
    repo: str,
    private: bool = True,
    revision: str | None = None,
    message: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    api: t.Any = None,
    options: Options | None = None,
    **keywords: Unpack[PushOptions],
) -> PushResult:
    """Check and convert `path`, then upload it to the dataset repo `repo` ("OWNER/NAME").

    `path` may be in-memory data (a DataFrame, a pyarrow Table, a `datasets.Dataset`
    or a list of dicts): it is uploaded as the same data/train.jsonl as the file
    of its JSON Lines would be.

    The keywords are those of `PushOptions`: the options of `ftprep.convert`
    (mapping fields, chat template, min_rows, image options...) and `strict`;
    `options` is an already built `Options` they override. The repo is created
    private unless `private=False`; an existing repo keeps its visibility.
    `token` and `endpoint` default to huggingface_hub's lookup (HF_TOKEN or the
    saved login; HF_ENDPOINT). `api` may be an `HfApi` to use instead.

    Raises `DataErrors` (nothing uploaded), `HubAuthError`, `NamespaceError`,
    `HubNetworkError` or `HubError` (all in `ftprep.core.errors`); `ValueError`
    for a malformed repo id or a bad option value, TypeError for an unknown keyword.
    """
    valid_repo(repo)
    opts = settle("push", options, keywords)
    with staged(path, options=opts) as stage:
        return upload(stage, repo, private=private, revision=revision, message=message, token=token,
                      endpoint=endpoint, api=api)


@dataclasses.dataclass
class Stage:
    """Data converted into a temporary folder laid out as the repo will be."""

    folder: str
    conversion: Conversion
    data_path: str
    progress: bool = False  # the caller asked for progress: the Hub client may draw its upload bars


@contextlib.contextmanager
def staged(path: str | os.PathLike[str] | InMemory, *, options: Options | None = None,
           **keywords: Unpack[PushOptions]) -> t.Iterator[Stage]:
    """Check and convert `path` into a temporary repo folder: data/train.jsonl, or
    the ImageFolder that ftprep.image writes (train/metadata.jsonl + images).
    Raises `DataErrors` when the data has errors (or warnings, under `strict`)."""
    from ftprep.verbs.convert import convert

    # push never uploads a subset silently
    opts = dataclasses.replace(settle("push", options, keywords), drop_invalid=False)
    with tempfile.TemporaryDirectory(prefix="ftprep-push-") as tmp:
        memory = kind_of(path)  # in-memory data: converted like the file holding its JSON Lines
        if memory == "dataset_dict":
            raise ValueError("a DatasetDict has several splits; the trainer reads one: push dd['train']")
        src = path if memory is not None else str(path)
        images = memory is None and is_image_set(str(path), opts.task)
        folder = os.path.join(tmp, "repo")
        conv = convert(src, folder if images else os.path.join(folder, *DATA_FILE.split("/")), options=opts)
        if not conv.written:
            raise DataErrors(conv.report)
        if opts.strict and conv.report.warnings:
            raise DataErrors(conv.report.strict())
        yield Stage(folder, conv, f"{IMAGE_DIR}/**" if images else DATA_FILE, opts.progress is not None)


def upload(stage: Stage, repo: str, *, private: bool = True, revision: str | None = None,
           message: str | None = None, token: str | None = None, endpoint: str | None = None,
           api: t.Any = None) -> PushResult:
    """Upload a staged folder to the dataset repo `repo` (see `push`)."""
    valid_repo(repo)
    if api is None:
        api = client(token, endpoint)
    with client_bars(stage.progress):
        return upload_folder(api, stage.folder, stage.conversion, repo, stage.data_path, private=private,
                             revision=revision, message=message)


__all__ = ["PushResult", "Stage", "push", "staged", "upload"]
