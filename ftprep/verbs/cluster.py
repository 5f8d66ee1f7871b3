"""`check --scheduler`: the files checked on a Dask cluster, one task a file.

A corpus of many shards is checked where its compute already is. Each task runs,
on a worker, the per-file check `ftprep.check` runs for each of its files, and
sends back that file's report with what its dataset needs (`--dataset`: its
`Shard`, 8 bytes a row, the row counts, the near-duplicate signatures), never its
rows. The dataset's findings (D001, D002, D003, Q001 over all the files) are made
on the client from those states, by the same merge as in one process, so the
report is the same report.

The workers read the files by the paths the client names: a remote cluster needs
the files at the same paths (shared storage), or hf:// and http(s) inputs.
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import typing as t

from ftprep.core.diagnostics import FileReport
from ftprep.core.errors import ClusterError, SourceError
from ftprep.core.options import Options
from ftprep.core.redact import redact
from ftprep.engine.checker import ElementLines
from ftprep.engine.forked_pool import cores
from ftprep.engine.portable_keys import portable
from ftprep.engine.shards import SHARD

# `--scheduler local`: a cluster started on this machine for the one check.
LOCAL = "local"
# How long a scheduler that does not answer is waited for: a mistyped address fails fast.
CONNECT_SECONDS = 10
INSTALL_HINT = "pip install 'ftprep[dask]'"
# The per-file check a task runs: ftprep.verbs.check.check_one (passed in: this module is below it).
Each = t.Callable[[str, Options], FileReport]


def on_cluster(items: t.Sequence[str], opts: Options, each: Each) -> list[FileReport]:
    """The reports of `items`, in their order, each made by `each` on a worker of
    `opts.scheduler` (an address, "local", or a running `distributed.Client`).
    Raises ClusterError when Dask is not installed, the scheduler cannot be reached
    or the cluster loses a task; a file's own error (SourceError) is raised as is."""
    distributed = _distributed()
    # A worker has no terminal and no caller to tell: the client's callable stays on the client.
    sent = dataclasses.replace(opts, scheduler=None, progress=None)
    with _client(distributed, opts.scheduler) as client:
        futures = client.map(shard_report, list(items), opts=sent, each=each, pure=False)
        try:
            if opts.progress is not None:  # the files done, as the workers finish them
                opts.progress("files", 0, len(futures))
                for done, _ in enumerate(distributed.as_completed(futures), 1):
                    opts.progress("files", done, len(futures))
            reports: list[FileReport] = client.gather(futures)
        except (OSError, distributed.KilledWorker, distributed.client.FutureCancelledError) as e:
            raise ClusterError(f"the Dask cluster at {_shown(opts.scheduler)} lost a task: {redact(str(e))}; check that "
                               "its workers are up and see the files at these paths") from None
    return reports


def shard_report(path: str, opts: Options, each: Each) -> FileReport:
    """One file's report, made on a worker: what `each` gives, its rows keyed so that
    the client can compare them with other workers' (ftprep.engine.portable_keys) and
    its lines made portable."""
    import multiprocessing

    from ftprep.verbs.eval_source import fetched_eval

    if opts.workers is None or multiprocessing.current_process().daemon:
        # One process a file: the cluster's workers are the parallelism, and a daemonic
        # one (dask's default) may not start the pool that splits a big JSON Lines file.
        opts = dataclasses.replace(opts, workers=1)
    with fetched_eval(opts) as fetched, portable():  # a remote eval, fetched where the check runs
        report = each(path, fetched)
    shard = report.stats.get(SHARD)
    if shard is not None and isinstance(shard.placer, ElementLines):
        report.stats[SHARD] = shard._replace(placer=KnownLines.of(shard.placer, shard.rows))
    return report


class KnownLines:
    """A JSON array's record lines, all found on the worker (one read of the file
    it has): the client, which merges, may not see the file. 8 bytes a row, 0 for
    a row without a line."""

    def __init__(self, lines: array.array) -> None:
        self.lines = lines

    @classmethod
    def of(cls, placer: t.Callable[[t.Collection[int]], t.Callable[[int], int | None]], rows: int) -> KnownLines:
        try:
            line_of = placer(range(rows))
        except (OSError, SourceError):  # a URL's copy, gone with its task: the rows name the places
            return cls(array.array("q"))
        return cls(array.array("q", (line_of(r) or 0 for r in range(rows))))

    def __call__(self, rows: t.Collection[int]) -> t.Callable[[int], int | None]:
        return self.line_of

    def line_of(self, row: int) -> int | None:
        return (self.lines[row] or None) if 0 <= row < len(self.lines) else None


# Dask's worker settings that cost a check CPU: its statistical profiler samples the
# running task's stack every 10 ms, and its MALLOC_TRIM_THRESHOLD_ of 64 KiB has
# glibc hand memory back after every free (measured: 0.70 s of CPU a 10,000-row chat
# file on a worker with them, 0.55 s without, 0.44 s in one process).
LEAN = {"distributed.worker.profile.enabled": False, "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


@contextlib.contextmanager
def local_cluster(workers: int) -> t.Iterator[t.Any]:
    """A `distributed.LocalCluster` on this machine alone: on the loopback, one process
    a worker (the checks hold the GIL), no dashboard and its health server on a free
    port (a busy 8787, another user's, is no warning), and `LEAN`."""
    import dask
    import distributed

    with dask.config.set(LEAN), distributed.LocalCluster(
            host="127.0.0.1", n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster:
        yield cluster


def _distributed() -> t.Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"checking on a Dask cluster needs dask[distributed], which is not installed: "
                           f"{INSTALL_HINT}") from None
    return distributed


@contextlib.contextmanager
def _client(distributed: t.Any, scheduler: t.Any) -> t.Iterator[t.Any]:
    if not isinstance(scheduler, str):  # the caller's running Client: used, not closed
        yield scheduler
        return
    if scheduler == LOCAL:
        with local_cluster(cores()) as cluster, distributed.Client(cluster) as client:
            yield client
        return
    if "://" not in scheduler and ":" not in scheduler:
        raise ClusterError(f"scheduler {scheduler!r} is not an address: give tcp://HOST:PORT, or local")
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterError(f"cannot reach the Dask scheduler at {_shown(scheduler)}: {redact(str(e))}; start it "
                           "(dask scheduler), or give another address, or local") from None
    with client:
        yield client


def _shown(scheduler: t.Any) -> str:
    if isinstance(scheduler, str):
        return redact(scheduler)
    address = getattr(getattr(scheduler, "scheduler", None), "address", None)  # a Client's rpc to its scheduler
    return redact(str(address)) if address else "the client's scheduler"


__all__ = ["LEAN", "LOCAL", "KnownLines", "local_cluster", "on_cluster", "shard_report"]
