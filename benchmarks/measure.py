"""Run one command in its own process and measure its wall time and peak memory.

Peak RSS comes from two sources:
- the kernel's `ru_maxrss` of the command: the largest RSS of the process or
  of any descendant it waited for (exact, but the largest single process, not
  the sum). It is read through GNU `/usr/bin/time -f %M`, which forks the
  command from a small process: a child forked (or vforked) straight from
  this runner would carry the runner's own RSS into its high-water mark,
  since Linux keeps the pre-exec peak. Without /usr/bin/time, `os.wait4` of
  the direct child is used and small figures are floored by the runner's RSS;
- a poller that sums the memory of the whole process tree from /proc every
  20 ms: PSS from smaps_rollup (pages shared after fork are split between the
  processes, so the sum is what the tree really holds), or RSS where PSS is
  not readable (then shared pages count once per process and the sum errs
  high). It catches parallel workers alive at the same time; it may miss a
  spike shorter than the interval.

The poller can also add processes outside the tree (`extra_pids`: the workers
of a cluster the command talks to) and sample the bytes held in some folders
(`folders`: the TMPDIR and HF_HOME given to the command), whose peak is the
local disk a command held, temporary files included; with folders watched it
also sums the bytes each process of the tree made the kernel write
(/proc/PID/io write_bytes, sampled, so the last 20 ms of a process may be missed).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import statistics
import subprocess
import threading
import time
import typing as t

PAGE = os.sysconf("SC_PAGE_SIZE")
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
MIB = 1 << 20


@dataclasses.dataclass
class Measure:
    wall: float          # seconds, median over the runs
    rss: float           # MiB, kernel ru_maxrss (largest single process), max over the runs
    tree: float          # MiB, sampled peak of the summed RSS of the process tree
    procs: int           # most processes seen alive at once
    rc: int              # exit code of the last run
    stdout: str          # path of the last run's stdout
    stderr: str
    walls: list[float] = dataclasses.field(default_factory=list)
    disk: float = 0.0    # MiB, sampled peak of the bytes held in the watched folders
    cpu: float = 0.0     # s, user + system CPU of the command and the children it waited for (median)
    written: float = 0.0  # MiB, bytes the tree sent to storage (/proc/PID/io write_bytes, last sample per process)

    @property
    def peak(self) -> float:
        """The figure held against a memory goal: the larger of the two."""
        return max(self.rss, self.tree)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                continue
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    """PSS (shared pages split between the processes that share them), else RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _written(pid: int) -> int:
    """write_bytes of /proc/PID/io: what the process made the kernel write to storage, temporary
    files included (counted when the pages are dirtied, even if the file is deleted before)."""
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


def folder_bytes(folders: t.Sequence[str]) -> int:
    """Bytes of the regular files below `folders` (files vanishing meanwhile are skipped)."""
    total, todo = 0, list(folders)
    while todo:
        try:
            with os.scandir(todo.pop()) as it:
                for e in it:
                    try:
                        if e.is_dir(follow_symlinks=False):
                            todo.append(e.path)
                        elif e.is_file(follow_symlinks=False):
                            total += e.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        continue
        except OSError:
            continue
    return total


class _Poller(threading.Thread):
    def __init__(self, pid: int, interval: float, skip_root: bool, extra_pids: t.Sequence[int] = (),
                 folders: t.Sequence[str] = ()) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.skip_root = pid, interval, skip_root
        self.extra, self.folders = list(extra_pids), list(folders)
        self.stop = threading.Event()
        self.peak = 0
        self.procs = 0
        self.disk = 0
        self.rounds = 0
        self.io: dict[int, int] = {}  # pid -> the largest write_bytes seen

    def run(self) -> None:
        while not self.stop.is_set():
            tree, todo = [], [self.pid]
            while todo:
                p = todo.pop()
                tree.append(p)
                todo += _children(p)
            if self.skip_root:  # the /usr/bin/time wrapper
                tree = tree[1:]
            todo = list(self.extra)
            while todo:
                p = todo.pop()
                tree.append(p)
                todo += _children(p)
            total = sum(_rss(p) for p in tree)
            self.peak = max(self.peak, total)
            self.procs = max(self.procs, sum(1 for p in tree if os.path.exists(f"/proc/{p}/statm")))
            # Walking folders costs more than reading /proc: every fifth round.
            if self.folders and self.rounds % 5 == 0:
                self.disk = max(self.disk, folder_bytes(self.folders))
            if self.folders:
                for p in tree:
                    self.io[p] = max(self.io.get(p, 0), _written(p))
            self.rounds += 1
            self.stop.wait(self.interval)


def run_once(cmd: t.Sequence[str], stdout: str, stderr: str, env: dict[str, str] | None = None,
             timeout: float = 3600, interval: float = 0.02, extra_pids: t.Sequence[int] = (),
             folders: t.Sequence[str] = ()) -> tuple[float, float, float, int, int, float, float, float]:
    """(wall s, ru_maxrss MiB, sampled tree MiB, processes, exit code, peak folder MiB, CPU s, written MiB)
    of one run. Bytes written are sampled only when `folders` are watched."""
    rss_file = stdout + ".maxrss"
    argv = [TIME, "-f", "%M", "-o", rss_file, *cmd] if TIME else list(cmd)
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
        poller = _Poller(proc.pid, interval, TIME is not None, extra_pids, folders)
        poller.start()
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        poller.stop.set()
        poller.join()
        if folders:  # what the command left behind counts too
            poller.disk = max(poller.disk, folder_bytes(folders))
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    kib = usage.ru_maxrss  # KiB on Linux
    if TIME:
        try:
            with open(rss_file) as f:
                # The last line; GNU time puts "Command exited with non-zero status N" before it.
                kib = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            kib = 0
        if os.path.exists(rss_file):
            os.unlink(rss_file)
    # CPU is less disturbed than wall time by other load on a shared machine.
    cpu = usage.ru_utime + usage.ru_stime
    written = sum(poller.io.values()) / MIB
    return wall, kib * 1024 / MIB, poller.peak / MIB, max(poller.procs, 1), rc, poller.disk / MIB, cpu, written


def measure(cmd: t.Sequence[str], stdout: str, stderr: str | None = None, *, runs: int = 1,
            env: dict[str, str] | None = None, timeout: float = 3600, extra_pids: t.Sequence[int] = (),
            folders: t.Sequence[str] = ()) -> Measure:
    stderr = stderr or stdout + ".err"
    walls, cpus, rss, tree, procs, rc, disk, written = [], [], 0.0, 0.0, 1, 0, 0.0, 0.0
    for _ in range(max(1, runs)):
        w, r, tr, p, rc, d, c, wr = run_once(cmd, stdout, stderr, env, timeout, extra_pids=extra_pids,
                                             folders=folders)
        walls.append(w)
        cpus.append(c)
        rss, tree, procs, disk, written = max(rss, r), max(tree, tr), max(procs, p), max(disk, d), max(written, wr)
    return Measure(statistics.median(walls), rss, tree, procs, rc, stdout, stderr, walls, disk,
                   statistics.median(cpus), written)


def warm(path: str, block: int = 16 << 20) -> None:
    """Read a file once so that every contender finds it in the page cache."""
    with open(path, "rb", buffering=0) as f:
        while f.read(block):
            pass
