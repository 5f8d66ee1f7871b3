"""Check a Hub dataset repo as the trainer loads it (`hf://datasets/OWNER/NAME[@REV]`).

The trainer runs `load_dataset(repo, <first config>)` and concatenates every
split. Where the first config is plain Parquet that reads as the load would
give it, its files are streamed from the Hub a row group at a time and checked
as one table (ftprep.verbs.hub_table), with nothing written to disk. Else
ftprep loads the dataset with the installed `datasets`, then writes the merged
rows to a temporary JSON Lines file for the row checks (rows with images go to
a temporary image folder for `ftprep.image`); that is downloaded into a
temporary cache that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import typing as t

import msgspec

from ftprep.core.diagnostics import Diagnostic, FileReport
from ftprep.core.options import Options
from ftprep.core.redact import redact, register_hub
from ftprep.core.errors import SourceError, transport_errors, transported
from ftprep.reading.formats import first_line
from ftprep import tasks as task_registry
from ftprep.verbs.hub_table import hub_table

NOT_FOUND_HINT = "check OWNER/NAME; for a private repo run `hf auth login` or set HF_TOKEN"


def check_hub(url: str, repo: str, revision: str | None, opts: Options) -> FileReport:
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import (
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    except ValueError as e:  # huggingface_hub parses HF_ENDPOINT when it is imported
        raise SourceError(f"{url}: HF_ENDPOINT is not a valid URL ({e})") from None

    register_hub()
    api = HfApi(library_name="ftprep")
    try:
        info = api.dataset_info(repo, revision=revision)
    except RevisionNotFoundError:
        return FileReport.single(url, opts.task, "H001", f"revision '{redact(revision or '')}' does not exist in {repo}",
                       "check the branch, tag or commit after @")
    except RepositoryNotFoundError:
        return FileReport.single(url, opts.task, "H001", f"{repo} does not exist, or is private and this token cannot read it",
                       NOT_FOUND_HINT)
    except HfHubHTTPError as e:  # before OSError: huggingface_hub's HTTP errors subclass it
        raise SourceError(f"{url}: the Hub answered: {redact(first_line(e))}") from None
    except Exception as e:
        if isinstance(e, (*transport_errors(), OSError)):
            raise _unreachable(url, e) from None
        raise
    name = repo.split("/")[1]
    if f"{name}.py" in {s.rfilename for s in info.siblings or []}:
        return FileReport.single(url, opts.task, "H004",
                       f"{name}.py is a loading script: the trainer (datasets<3, trust_remote_code) runs it; "
                       "ftprep runs no repo code, so the rows are not checked",
                       "publish the rows as JSON Lines or Parquet with a YAML `configs` block (ftprep push does)")
    with tempfile.TemporaryDirectory(prefix="ftprep-hub-") as tmp, _quiet(bars=opts.progress is not None):
        return _check_loaded(url, repo, info.sha, opts, tmp)


@contextlib.contextmanager
def _quiet(bars: bool = False) -> t.Iterator[None]:
    """A check prints only its report: no datasets logs while loading, and no progress
    bars unless the caller asked for progress (the CLI, on a terminal, shows them)."""
    import datasets
    from datasets.utils import logging as dlog
    from huggingface_hub.utils import logging as hlog

    levels = dlog.get_verbosity(), hlog.get_verbosity()
    shown = not datasets.utils.are_progress_bars_disabled()
    # Load failures are reported as H002; the libraries' own error logs would repeat them.
    dlog.set_verbosity(dlog.CRITICAL)
    hlog.set_verbosity(hlog.CRITICAL)
    if not bars:
        datasets.disable_progress_bars()
    try:
        yield
    finally:
        dlog.set_verbosity(levels[0])
        hlog.set_verbosity(levels[1])
        if shown and not bars:
            datasets.enable_progress_bars()


def _check_loaded(url: str, repo: str, sha: str | None, opts: Options, tmp: str) -> FileReport:
    import datasets
    from datasets.exceptions import DatasetGenerationError

    from ftprep.engine.checker import check_file

    head: list[Diagnostic] = []
    cache = os.path.join(tmp, "cache")
    try:
        configs = datasets.get_dataset_config_names(
            repo, revision=sha, download_config=datasets.DownloadConfig(cache_dir=cache))
        config = configs[0] if configs else None
        if len(configs) > 1:
            head.append(Diagnostic("H003", f"{len(configs)} configs ({', '.join(configs[:6])}); the trainer loads "
                                   f"only the first, '{config}'", url,
                                   hint="keep one config, or put the training data first"))
        table = hub_table(repo, config, sha, cache, opts.progress) if streamable(opts) else None
        streamed = None if table is None else _check_streamed(url, table, opts, head)
        if streamed is not None:
            return streamed
        try:
            loaded = datasets.load_dataset(repo, config, revision=sha, cache_dir=cache)
            splits = dict(loaded)
        except DatasetGenerationError as e:
            splits = _per_split(repo, config, sha, cache)
            if not splits:
                raise
            head.append(Diagnostic("H002", f"load_dataset fails: {_cause(e)}", url,
                                   hint="give every split the same columns and types"))
    except Exception as e:  # datasets raises many types; each means the trainer's load fails too
        if transported(e):
            raise _unreachable(url, e) from None
        return FileReport(url, opts.task, task_inferred=opts.task is None, diagnostics=head + [Diagnostic(
            "H002", f"load_dataset fails: {_cause(e)}", url,
            hint="fix the repo's files or its YAML `configs` (ftprep push writes both)")])
    head += _schema_diffs(url, splits)
    images = [c for s in splits.values() for c, f in s.features.items() if isinstance(f, datasets.Image)]
    if task_registry.kind_of(opts.task) == task_registry.IMAGES or images:
        from ftprep.verbs.hub_images import check_image_rows

        report = check_image_rows(url, splits, sorted(set(images)), opts, tmp)
    else:
        local = os.path.join(tmp, "rows.jsonl")
        _write_rows(splits, local)
        report = check_file(local, opts, display=url)
        if opts.reward_func:  # GRPO: the trial runs on the merged rows already read, not on a second download
            from ftprep.verbs.reward_trial import keep_prompts

            report = keep_prompts(report, local, opts)
        report = _unline(report)
    report.diagnostics[:0] = head
    return report


def streamable(opts: Options) -> bool:
    """Whether the check reads nothing but the rows, once: the reward trial, the near
    duplicates and the --eval overlap read a local file of the merged rows again."""
    named = task_registry.find(opts.task)
    return not (opts.reward_func or opts.near_duplicates or opts.trainer_split or opts.eval
                or (named is not None and (named.kind != task_registry.ROWS or named.url_rules)))


def _check_streamed(url: str, table: t.Any, opts: Options, head: list[Diagnostic]) -> FileReport | None:
    """The Parquet files read as one table, a row group at a time (ftprep.verbs.hub_table);
    None when a file breaks part-way: the load fails there too, and says how (H002)."""
    from ftprep.engine.checker import check_table

    try:  # the table tells the progress in bytes; the scan's count of rows would start a second bar
        report = _unline(check_table(table, dataclasses.replace(opts, progress=None), url))
    except Exception as e:
        if transported(e):
            raise _unreachable(url, e) from None
        raise
    if table.failed is not None:
        return None
    report.diagnostics[:0] = head
    return report


def _per_split(repo: str, config: str | None, sha: str | None, cache: str) -> dict[str, t.Any]:
    """Each split loaded on its own, to say how their schemas differ; {} if that fails too."""
    import datasets

    try:
        builder = datasets.load_dataset_builder(repo, config, revision=sha, cache_dir=cache)
        out = {}
        for split, files in (builder.config.data_files or {}).items():
            out[str(split)] = datasets.load_dataset(builder.name, data_files=list(files), split="train",
                                                    cache_dir=cache)
        return out
    except Exception:
        return {}


def _schema_diffs(url: str, splits: dict[str, t.Any]) -> list[Diagnostic]:
    names = list(splits)
    if len(names) < 2:
        return []
    first = splits[names[0]].features
    out = []
    for name in names[1:]:
        other = splits[name].features
        parts = []
        extra = [c for c in other if c not in first]
        missing = [c for c in first if c not in other]
        typed = [c for c in other if c in first and other[c] != first[c]]
        if extra:
            parts.append(f"has {', '.join(extra)} that '{names[0]}' lacks")
        if missing:
            parts.append(f"lacks {', '.join(missing)}")
        if typed:
            parts.append(f"gives {', '.join(typed)} another type")
        if parts:
            out.append(Diagnostic("H005", f"split '{name}' {'; '.join(parts)}; the trainer merges all splits",
                                  url, field=(extra + missing + typed)[0],
                                  hint="give every split the same columns and types"))
    return out


def _jsonable(obj: t.Any) -> t.Any:
    return str(obj)


def _write_rows(splits: dict[str, t.Any], path: str) -> None:
    """Every split, in order, as JSON Lines; a column a split lacks is null, as after concatenation."""
    columns: list[str] = []
    for s in splits.values():
        columns += [c for c in s.column_names if c not in columns]
    enc = msgspec.json.Encoder(enc_hook=_jsonable)
    with open(path, "wb") as f:
        for s in splits.values():
            for batch in s.iter(batch_size=1000):
                n = len(next(iter(batch.values()))) if batch else 0
                for i in range(n):
                    f.write(enc.encode({c: batch[c][i] if c in batch else None for c in columns}) + b"\n")


def _unline(report: FileReport) -> FileReport:
    """Lines of the temporary file mean nothing to the user: report merged row numbers only."""
    def no_line(row: int) -> None:
        return None

    unlined = [dataclasses.replace(d.placed(no_line), line=None) for d in report.diagnostics]
    return dataclasses.replace(report, diagnostics=unlined)


def _unreachable(url: str, e: BaseException) -> SourceError:
    return SourceError(f"{url}: cannot reach the Hub: {type(e).__name__}: {redact(str(e))}")


def _cause(e: BaseException) -> str:
    """The root message: datasets wraps the real reason (a cast error, a JSON error) with `raise ... from`."""
    while e.__cause__ is not None:
        e = e.__cause__
    lines = [x.strip() for x in str(e).strip().splitlines() if x.strip()]
    if not lines:
        return type(e).__name__
    # A CastError lists the schemas in between; its first and last lines say what is wrong.
    text = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
    return f"{type(e).__name__}: {redact(text)[:300]}"  # redacted before the cut, which could split a secret


