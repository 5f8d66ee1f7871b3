"""Token counts: exact with a tokenizer, otherwise a labelled estimate.

A tokenizer is a local `tokenizer.json` (or a folder holding one) or a Hub
model id, fetched with huggingface_hub at run time. Rendered rows are counted
in batches (`encode_batch`), the way the trainer tokenizes them: without
added special tokens, so BOS exists only where the template writes it.
Trained tokens are the tokens that overlap the trained character spans
(axolotl's own char-span to token mapping). `encode_batch` gives the offsets
those spans need at no extra cost: on tokenizers 0.23 it costs no more CPU
than `encode_batch_fast` (benchmarks/bench_tokens.py). What the rows cost
beyond the tokenizer is their reading and rendering in Python, so a batch is
tokenized on a thread while the next one is rendered (`Exact.start`).
"""

from __future__ import annotations

import bisect
import functools
import os
import typing as t

from ftprep.core.errors import TokenizerError
from ftprep.core.missing import install_hint
from ftprep.core.options import DEFAULT_MAX_SEQ_LEN  # the evaluation's sequence_len

if t.TYPE_CHECKING:
    from ftprep.templates import Rendered

BASE_SEQ_LEN = 512  # sequence_len of the trainer's base config
BATCH = 2048
# The estimate: ~4 ASCII characters per token (English BPE vocabularies), one
# token per other character (CJK, emoji; accented words overcount a little).
CHARS_PER_TOKEN = 4


class Counter(t.Protocol):
    exact: bool
    name: str

    def count(self, items: list[Rendered]) -> list[tuple[int, int]]:
        """(tokens, trained tokens) of each rendering."""
        ...


def estimate(text: str) -> int:
    ascii_chars = len(text.encode("ascii", "ignore"))
    return -(-ascii_chars // CHARS_PER_TOKEN) + (len(text) - ascii_chars)


class CharEstimate:
    """The heuristic: no tokenizer needed, every number it gives is an estimate."""

    exact = False
    name = f"estimate (~{CHARS_PER_TOKEN} characters per token)"

    def count(self, items: list[Rendered]) -> list[tuple[int, int]]:
        return [(estimate(r.text), sum(estimate(r.text[a:b]) for a, b in r.spans)) for r in items]


class Exact:
    """A `tokenizers.Tokenizer`; counts are exact for that tokenizer."""

    exact = True

    def __init__(self, tokenizer: t.Any, name: str) -> None:
        self.tokenizer = tokenizer
        self.name = name

    def count(self, items: list[Rendered]) -> list[tuple[int, int]]:
        return self.spans(items, self.encode(items))

    def start(self, items: list[Rendered]) -> t.Callable[[], list[tuple[int, int]]]:
        """Begin counting `items` on a thread of its own; the callable returned
        waits and gives what `count` gives. The tokenizer's batch call releases
        the GIL, so the caller renders the next batch meanwhile: the rows' Python
        work overlaps the tokenizer's instead of adding to it."""
        return Pending(self.count, items)

    def encode(self, items: list[Rendered]) -> list[t.Any]:
        texts = [r.text for r in items]
        if not any(r.spans for r in items):
            # No spans to map: the batch path without offsets.
            return list(self.tokenizer.encode_batch_fast(texts, add_special_tokens=False))
        return list(self.tokenizer.encode_batch(texts, add_special_tokens=False))

    def spans(self, items: list[Rendered], encodings: list[t.Any]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for r, enc in zip(items, encodings):
            n = len(enc)
            trained = 0
            for a, b in r.spans:
                trained += max(0, _end(enc, b, len(r.text), n) - _start(enc, a))
            out.append((n, trained))
        return out


class Pending:
    """`work(items)` on a daemon thread (one per batch: no pool to outlive a fork);
    calling it joins, and re-raises in the caller's thread what the work raised."""

    def __init__(self, work: t.Callable[[t.Any], list[tuple[int, int]]], items: t.Any) -> None:
        import threading

        self.value: list[tuple[int, int]] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work, items), name="ftprep-tokens", daemon=True)
        self.thread.start()

    def _run(self, work: t.Callable[[t.Any], list[tuple[int, int]]], items: t.Any) -> None:
        try:
            self.value = work(items)
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
            self.error = e

    def __call__(self) -> list[tuple[int, int]]:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value


# A span [a, b) covers the tokens from the first one ending after a to the last
# one starting before b (axolotl's bisect over the token offsets). char_to_token
# answers that without building the offset lists; offsets are the fallback for
# characters no token covers.
def _start(enc: t.Any, a: int) -> int:
    i = enc.char_to_token(a)
    if i is None:
        return bisect.bisect_right([e for _, e in enc.offsets], a)
    return int(i)


def _end(enc: t.Any, b: int, size: int, n: int) -> int:
    if b >= size:
        return n
    i = enc.char_to_token(b)
    if i is None:
        return bisect.bisect_left([s for s, _ in enc.offsets], b)
    return int(i) + (1 if enc.token_to_chars(i)[0] < b else 0)


@functools.lru_cache(maxsize=4)  # several files, one tokenizer: load (and download) it once
def load_tokenizer(spec: str) -> Exact:
    """A local tokenizer.json (or a folder with one), or a Hub model id."""
    try:
        from tokenizers import Tokenizer
    except ImportError as e:
        raise TokenizerError(f"exact token counts need tokenizers: {install_hint(e)}") from None
    path = spec
    if os.path.isdir(path):
        path = os.path.join(path, "tokenizer.json")
    if os.path.isfile(path):
        try:
            return Exact(Tokenizer.from_file(path), spec)
        except Exception as e:  # noqa: BLE001 - any parse failure is a bad tokenizer file
            raise TokenizerError(f"{spec}: not a tokenizer.json the tokenizers library can read ({e})") from None
    if os.path.exists(spec) or spec.count("/") != 1 or spec.endswith((".json", "/")):
        raise TokenizerError(f"{spec}: no such tokenizer file, and not a Hub id (OWNER/NAME)")
    local = hub_tokenizer(spec)
    try:
        return Exact(Tokenizer.from_file(local), spec)
    except Exception as e:  # noqa: BLE001
        raise TokenizerError(f"{spec}: the Hub's tokenizer.json cannot be read ({e})") from None


OFFLINE_HINT = ("pass a local tokenizer.json (or its folder) to --tokenizer, "
                "or fetch it once while online (it is cached)")
PROBE_SECONDS = 3.0


def hub_tokenizer(spec: str) -> str:
    """The local path of the Hub model `spec`'s tokenizer.json, downloaded if need be.

    huggingface_hub retries a refused connection five times (about 24 s of log
    lines) before it falls back to its cache. One short probe first: a Hub
    that cannot be reached means the cached copy, or a clear error, at once.
    """
    try:
        from huggingface_hub import constants, hf_hub_download, try_to_load_from_cache
    except ImportError as e:
        raise TokenizerError(f"a Hub tokenizer needs huggingface_hub: {install_hint(e)}") from None
    from ftprep.core.redact import register_hub

    register_hub()
    cached = try_to_load_from_cache(spec, "tokenizer.json")
    if constants.HF_HUB_OFFLINE:
        if isinstance(cached, str):
            return cached
        raise TokenizerError(f"{spec}: HF_HUB_OFFLINE is set and tokenizer.json is not in the Hub cache; "
                             f"{OFFLINE_HINT}")
    # The request the download starts with, so the probe asks nothing a Hub (or a mirror) lacks.
    unreachable = _unreachable(f"{constants.ENDPOINT.rstrip('/')}/{spec}/resolve/main/tokenizer.json")
    if unreachable:
        if isinstance(cached, str):
            return cached  # what huggingface_hub would fall back to, without its retries
        raise TokenizerError(f"{spec}: cannot reach the Hub at {constants.ENDPOINT} ({unreachable}); {OFFLINE_HINT}")
    try:
        return str(hf_hub_download(spec, "tokenizer.json"))
    except Exception as e:  # noqa: BLE001 - network, auth, missing file: one message
        raise TokenizerError(f"{spec}: cannot fetch tokenizer.json from the Hub ({type(e).__name__}: {e})") from None


def _unreachable(url: str) -> str | None:
    """Why `url` cannot be reached (None when its server answers at all), within PROBE_SECONDS.
    httpx, as huggingface_hub, honours the proxy variables."""
    import httpx

    try:
        httpx.head(url, timeout=PROBE_SECONDS)
    except httpx.TransportError as e:
        if "SSL" in str(e) or "CERTIFICATE" in str(e):
            return None  # a server answered; its certificate is huggingface_hub's to judge (its own CA settings)
        return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return None


def counter(tokenizer: str | t.Any | None) -> Counter:
    """An exact counter for a tokenizer spec (or a loaded `tokenizers.Tokenizer`), else the estimate."""
    if tokenizer is None:
        return CharEstimate()
    if isinstance(tokenizer, str):
        return load_tokenizer(tokenizer)
    return Exact(tokenizer, type(tokenizer).__name__)


def missing_specials(count: Counter, specials: t.Iterable[str]) -> list[str]:
    """Template control strings the tokenizer does not hold as single tokens."""
    if not isinstance(count, Exact):
        return []
    return [s for s in specials if count.tokenizer.token_to_id(s) is None]


__all__ = [
    "BASE_SEQ_LEN",
    "DEFAULT_MAX_SEQ_LEN",
    "TokenizerError",
    "counter",
    "estimate",
    "load_tokenizer",
]
