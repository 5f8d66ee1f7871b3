"""Progress bars on a terminal: tqdm bars for the library's `Options.progress`
callback, and the Hub client's own bars shown or hidden by the same rule.

The library never prints; it tells a `Progress` callable (ftprep.core.options)
how far each long pass is. `Bars` turns those calls into one tqdm bar per pass,
on stderr only (stdout holds the report), that appears only when the pass has
lasted `DELAY` seconds and is cleared when the pass ends.

`wanted` is the one rule of when bars show: on a terminal, for a text report.
Never in CI (`CI` set), under pre-commit (`PRE_COMMIT`), with `--quiet` or a
machine format (json, sarif, ...), nor when stderr is a pipe or a file.
`FTPREP_PROGRESS=always` (or `never`) overrides the terminal, CI and pre-commit
tests; `FTPREP_PROGRESS_DELAY` sets the seconds before a bar appears.
"""

from __future__ import annotations

import contextlib
import os
import sys
import typing as t

from ftprep.core.options import PROGRESS_UNITS

# always | never | auto (the default: a terminal outside CI and pre-commit).
ENV = "FTPREP_PROGRESS"
# Seconds a pass must last before its bar appears (short passes draw nothing).
ENV_DELAY = "FTPREP_PROGRESS_DELAY"
DELAY = 2.0
# Values of CI / PRE_COMMIT that mean "not set".
_OFF = ("", "0", "false", "no")


def wanted(fmt: str | None = None, quiet: bool = False, stream: t.Any = None) -> bool:
    """Whether a run writing the `fmt` report should draw progress bars on `stream` (stderr)."""
    if quiet or (fmt or "text") != "text":  # a machine reads the output: nothing but it
        return False
    setting = os.environ.get(ENV, "auto").strip().lower()
    if setting in ("always", "never"):
        return setting == "always"
    if any(os.environ.get(name, "").strip().lower() not in _OFF for name in ("CI", "PRE_COMMIT")):
        return False
    isatty = getattr(stream if stream is not None else sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def delay() -> float:
    """`DELAY`, or the seconds `FTPREP_PROGRESS_DELAY` gives (a bad value keeps the default)."""
    try:
        return max(0.0, float(os.environ.get(ENV_DELAY, DELAY)))
    except ValueError:
        return DELAY


class Bars:
    """An `Options.progress`: one tqdm bar per pass on `stream` (default stderr).

    A pass is a run of calls with one stage whose `done` does not go back; a new
    stage, or `done` going back (the next file), starts a new bar. A bar closes
    when `done` reaches `total`, and at the latest when the `with` block ends."""

    def __init__(self, stream: t.Any = None, wait: float | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.wait = delay() if wait is None else wait
        self.bar: t.Any = None
        self.stage: str | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        bar = self.bar
        if bar is None or stage != self.stage or done < bar.n:
            self.close()
            if total is not None and done >= total:
                return  # a pass that is over at its first word (or told so twice) has nothing to draw
            bar = self.bar = self._open(stage, total)
            self.stage = stage
        if total != bar.total:  # a pass of rows learns its total at its end
            bar.total = total
        bar.update(done - bar.n)
        if total is not None and done >= total:
            self.close()

    def _open(self, stage: str, total: int | None) -> t.Any:
        from tqdm import tqdm

        unit = PROGRESS_UNITS.get(stage, "")
        in_bytes = unit == "B"
        return tqdm(total=total, desc=stage, unit=unit or "it", unit_scale=in_bytes,
                    unit_divisor=1024 if in_bytes else 1000, file=self.stream, delay=self.wait, leave=False,
                    dynamic_ncols=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar, self.stage = None, None

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def bars(show: bool) -> t.Iterator[Bars | None]:
    """A `Bars` to pass as `progress=` when `show` (closed after the block), else None."""
    if not show:
        yield None
        return
    with Bars() as b:
        yield b


def from_hub(paths: t.Iterable[str], tokenizer: t.Any = None) -> bool:
    """Whether a run downloads from the Hub (an hf:// path, a tokenizer named by
    its Hub id), so that the Hub client's bars must follow `wanted` too."""
    if isinstance(tokenizer, str) and not os.path.exists(tokenizer):
        return True
    return any(str(p).startswith("hf://") for p in paths)


@contextlib.contextmanager
def hub_bars(show: bool, datasets: bool = False) -> t.Iterator[None]:
    """huggingface_hub's own bars (uploads and downloads; with `datasets`, also the
    datasets library's) shown or hidden as ftprep's are, then put back as they were."""
    import warnings

    try:  # huggingface_hub parses HF_ENDPOINT when first used (its modules load lazily): the verb reports it
        from huggingface_hub import utils as hub

        libraries = [hub]
        if datasets:
            import datasets.utils as ds

            libraries.append(ds)
        before = [lib.are_progress_bars_disabled() for lib in libraries]
    except ValueError:
        yield
        return
    with warnings.catch_warnings():  # HF_HUB_DISABLE_PROGRESS_BARS=1 wins, and says so in a warning
        warnings.simplefilter("ignore")
        for lib in libraries:
            (lib.enable_progress_bars if show else lib.disable_progress_bars)()
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for lib, off in zip(libraries, before):
                (lib.disable_progress_bars if off else lib.enable_progress_bars)()


__all__ = ["DELAY", "ENV", "ENV_DELAY", "Bars", "bars", "delay", "from_hub", "hub_bars", "wanted"]
