"""Parts of one file scanned by forked worker processes, the results taken in the
parts' order as soon as each is ready, progress counted as parts finish in any order.

Fork, not spawn: what the caller built before (a task's row type, so that every
worker hashes rows alike; a loaded tokenizer) is the workers' too, and nothing is
pickled but the arguments and the results.
"""

from __future__ import annotations

import typing as t

R = t.TypeVar("R")


def cores() -> int:
    """The cores this process may run on (its affinity, where the system tells it)."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(workers: int | None) -> int:
    """The `workers` option: as given, or one a core."""
    return workers if workers is not None else cores()


def in_order(workers: int, work: t.Callable[..., R], jobs: t.Sequence[tuple[t.Any, ...]], sizes: t.Sequence[int],
             finished: t.Callable[[int], None], take: t.Callable[[R], bool]) -> None:
    """`work(*job)` for every job on up to `workers` forked processes. `finished(n)`:
    the sizes of the jobs done so far add up to n (any order). `take(result)`: each
    result in the jobs' order; True stops there (the jobs not started are cancelled)."""
    import concurrent.futures
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max(1, min(workers, len(jobs))), mp_context=ctx) as pool:
        futures = [pool.submit(work, *job) for job in jobs]
        size_of = dict(zip(futures, sizes))
        done = taken = 0
        for fut in concurrent.futures.as_completed(futures):
            done += size_of[fut]
            finished(done)
            while taken < len(futures) and futures[taken].done():
                taken += 1
                if take(futures[taken - 1].result()):
                    for later in futures[taken:]:
                        later.cancel()
                    return


__all__ = ["cores", "in_order", "worker_count"]
