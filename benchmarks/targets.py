"""Targets 6-10 of the benchmark: Parquet, CSV, the Hub, convert of a long row, shards on a cluster.

A mixin of run.py's Bench, which gives it `dataset`, `run`, `check_cmd`, `goal`,
`ratio`, `peak`, `rss_goal`, `rows`, `a` (the parsed options) and `workers`.
Each ratio is taken between commands run back to back on the same data.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import typing as t

import generate
from measure import Measure, warm
from table import Row, log, secs, size_label, workers_label

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
RSS_GOAL = 300  # MiB
HUB_REPO = "bench/{name}"
# A local Dask cluster as an existing engine would be: 2 worker processes of 1 thread, no dashboard.
# Its workers fork from one forkserver (and share PYTHONHASHSEED), so that they hash None alike
# before Python 3.12, which ftprep needs to compare duplicate keys across files.
CLUSTER = """
import json, os, sys
import dask
from distributed import LocalCluster
dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
print(json.dumps({"address": c.scheduler_address}), flush=True)
sys.stdin.read()
c.close()
"""


def report_of(m: Measure) -> dict[str, t.Any] | None:
    try:
        with open(m.stdout, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def findings(report: dict[str, t.Any] | None) -> list[tuple[t.Any, ...]] | None:
    """What a report found, without paths and messages (which name the source)."""
    if report is None:
        return None
    return sorted((d["code"], d["severity"], d.get("row") or -1, d.get("field") or "", d.get("count", 1),
                   tuple(d.get("rows") or ())) for f in report.get("files", []) for d in f["diagnostics"])


@contextlib.contextmanager
def helper(cmd: list[str], what: str, cwd: str, env: dict[str, str] | None = None
           ) -> t.Iterator[tuple[dict[str, t.Any] | None, subprocess.Popen[str] | None, str]]:
    """Start a serving helper (fake Hub, cluster) that prints one JSON line, then waits on stdin.
    Yields (that line, the process, why not when it failed); stops it afterwards. `cwd` keeps a
    checkout's ftprep/ in the runner's folder from shadowing the one on PYTHONPATH."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=cwd, env=env)
    except OSError as e:
        yield None, None, f"cannot start the {what}: {e}"
        return
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        try:
            info = json.loads(line)
        except ValueError:
            err = proc.stderr.read()[-300:] if proc.stderr and proc.poll() is not None else ""
            yield None, None, f"the {what} did not start: {err.strip() or line.strip()}"
        else:
            yield info, proc, ""
    finally:
        if proc.stdin:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class LaterTargets:
    a: t.Any
    workers: int
    data: str
    out: str
    rows: list[Row]
    ftprep: list[str]

    if t.TYPE_CHECKING:
        def dataset(self, task: str, rows: int, fmt: str = "jsonl", bad: int = 0, dialect: str = "ftprep") -> str: ...
        def label(self, task: str, fmt: str, rows: int, path: str) -> str: ...
        def run(self, cmd: list[str], tag: str, runs: int | None = None, env: dict[str, str] | None = None,
                extra_pids: t.Sequence[int] = (), folders: t.Sequence[str] = ()) -> Measure: ...
        def check_cmd(self, path: str, task: str, workers: int, *extra: str) -> list[str]: ...
        def goal(self, target: str, text: str, ok: bool | None, measured: str) -> str: ...
        def ratio(self, target: str, text: str, m: Measure, base: Measure, limit: float, base_name: str,
                  strict: bool = False) -> str: ...
        def peak(self, target: str, m: Measure) -> Measure: ...
        def rss_goal(self, target: str, what: str = ...) -> None: ...
        def scaled(self, kind: str) -> int: ...

    def polars_read(self, path: str, tag: str) -> Measure:
        return self.run([PY, os.path.join(HERE, "baseline_polars.py"), path], tag)

    # -- 6: Parquet ---------------------------------------------------------
    def target6(self) -> None:
        rows = self.a.rows
        for task in self.a.tasks:
            pq, js = self.dataset(task, rows, "parquet"), self.dataset(task, rows)
            label = self.label(task, "parquet", rows, pq)
            log(f"[6] {label}")
            warm(pq)
            warm(js)
            polars = self.polars_read(pq, f"{task}-read-parquet")
            mine: list[tuple[int, Measure, Measure]] = []
            for w in sorted({1, self.workers}):  # each Parquet check beside the JSONL check of the same rows
                pm = self.peak("6", self.run(self.check_cmd(pq, task, w), f"{task}-parquet-w{w}"))
                jm = self.run(self.check_cmd(js, task, w), f"{task}-jsonl-w{w}")
                mine.append((w, pm, jm))
            noq = self.peak("6", self.run(self.check_cmd(pq, task, self.workers, "--ignore", "Q"),
                                          f"{task}-parquet-noQ"))
            for w, pm, jm in mine:
                what = f"{task} Parquet, {workers_label(w)}, default checks"
                goals = [self.ratio("6", f"{what}: ≤ 1.2× `polars.read_parquet`", pm, polars, 1.2, "read_parquet"),
                         self.ratio("6", f"{what}: ≤ 1.0× the JSONL check of the same rows", pm, jm, 1.0,
                                    "JSONL check")]
                self.rows.append(Row("6", label, f"`ftprep check` ({workers_label(w)})", pm,
                                     f"{pm.wall / polars.wall:.2f}× read_parquet · {pm.wall / jm.wall:.2f}× JSONL check",
                                     goals, "" if pm.rc == 0 else f"⚠ exit {pm.rc} on a clean file"))
                self.rows.append(Row("6", self.label(task, "jsonl", rows, js), f"`ftprep check` JSONL "
                                     f"({workers_label(w)})", jm, "baseline",
                                     note="" if jm.rc == 0 else f"⚠ exit {jm.rc} on a clean file"))
            what = f"{task} Parquet, {workers_label(self.workers)}, `--ignore Q` (structural checks only)"
            g = self.ratio("6", f"{what}: ≤ 1.2× `polars.read_parquet`", noq, polars, 1.2, "read_parquet")
            default = next(pm for w, pm, _ in mine if w == self.workers)
            self.rows.append(Row("6", label, f"`ftprep check --ignore Q` ({workers_label(self.workers)})", noq,
                                 f"{noq.wall / polars.wall:.2f}× read_parquet · {noq.wall / default.wall:.2f}× "
                                 "default checks", [g], "" if noq.rc == 0 else f"⚠ exit {noq.rc}"))
            self.rows.append(Row("6", label, "`polars.read_parquet`", polars, "baseline",
                                 note="" if polars.rc == 0 else f"⚠ exit {polars.rc}"))
        self.rss_goal("6", "every Parquet check (bounded by a row group)")

    # -- 7: CSV -------------------------------------------------------------
    def target7(self) -> None:
        rows = self.a.rows
        for task in self.a.tasks:
            path = self.dataset(task, rows, "csv")
            label = self.label(task, "csv", rows, path)
            log(f"[7] {label}")
            warm(path)
            polars = self.polars_read(path, f"{task}-read-csv")
            cm = self.peak("7", self.run(self.check_cmd(path, task, self.workers), f"{task}-csv"))
            noq = self.peak("7", self.run(self.check_cmd(path, task, self.workers, "--ignore", "Q"), f"{task}-csv-noQ"))
            for m, checks in ((cm, "default checks"), (noq, "`--ignore Q`")):
                what = f"{task} CSV, {workers_label(self.workers)}, {checks}"
                g = self.ratio("7", f"{what}: ≤ 1.5× `polars.read_csv`", m, polars, 1.5, "read_csv")
                name = "`ftprep check`" + (" `--ignore Q`" if m is noq else "") + f" ({workers_label(self.workers)})"
                self.rows.append(Row("7", label, name, m, f"{m.wall / polars.wall:.2f}× read_csv",
                                     [g, f"RSS {m.peak:.0f} vs polars {polars.peak:.0f} MiB"],
                                     "" if m.rc == 0 else f"⚠ exit {m.rc} on a clean file"))
            self.rows.append(Row("7", label, "`polars.read_csv`", polars, "baseline",
                                 note="" if polars.rc == 0 else f"⚠ exit {polars.rc}"))
        self.rss_goal("7", "every CSV check (bounded)")

    # -- 8: the Hub ---------------------------------------------------------
    def fresh_runs(self, cmd: list[str], tag: str, env: dict[str, str]) -> Measure:
        """`--repeat` runs, each with an empty TMPDIR and HF_HOME (no cache carried over); their
        peak size is the local disk the command used."""
        got = []
        for i in range(max(1, self.a.repeat)):
            scratch = os.path.join(self.data, "scratch", f"{tag}-{i}")
            shutil.rmtree(scratch, ignore_errors=True)
            tmp, home = os.path.join(scratch, "tmp"), os.path.join(scratch, "hf")
            os.makedirs(tmp)
            os.makedirs(home)
            got.append(self.run(cmd, tag, runs=1, env={**env, "TMPDIR": tmp, "HF_HOME": home}, folders=[scratch]))
            shutil.rmtree(scratch, ignore_errors=True)
        last = got[-1]
        return Measure(statistics.median(m.wall for m in got), max(m.rss for m in got), max(m.tree for m in got),
                       max(m.procs for m in got), last.rc, last.stdout, last.stderr, [m.wall for m in got],
                       max(m.disk for m in got), statistics.median(m.cpu for m in got), max(m.written for m in got))

    def target8(self) -> None:
        rows, k = self.scaled("hub"), self.a.hub_shards
        pq = self.dataset("chat", rows, "parquet")
        size = os.path.getsize(pq)
        name = os.path.basename(pq).rsplit(".", 1)[0]
        repo = HUB_REPO.format(name=name)
        label = f"chat, {rows:,} rows, {k} Parquet shards, {size_label(size)}"
        log(f"[8] {label} on the fake Hub")
        warm(pq)
        env = {k_: v for k_, v in os.environ.items() if not k_.startswith("HF_")}
        local = self.peak("8", self.fresh_runs(self.check_cmd(pq, "chat", self.workers, "--format", "json"),
                                               "hub-local-parquet", env))
        serve = [PY, os.path.join(HERE, "hub_serve.py"), pq, "--shards", str(k), "--repo", repo]
        with helper(serve, "fake Hub", self.data) as (info, _, why):
            if info is None:
                self.rows.append(Row("8", label, "`ftprep check hf://datasets/...`", note=f"skipped: {why}"))
                self.goal("8", "Hub check streamed", None, why)
                return
            hub_env = {**env, "HF_ENDPOINT": info["url"], "HF_TOKEN": info["token"], "HF_HUB_DISABLE_XET": "1",
                       "HF_HUB_DISABLE_TELEMETRY": "1"}
            url = f"hf://datasets/{repo}"
            hm = self.peak("8", self.fresh_runs(self.check_cmd(url, "chat", self.workers, "--format", "json"),
                                                "hub-check", hub_env))
        same = findings(report_of(hm)) == findings(report_of(local)) and findings(report_of(hm)) is not None
        r = hm.wall / local.wall
        # A copy (datasets' Arrow cache, a JSONL file) holds at least the Parquet bytes; the
        # allowance is for the small files a Hub client keeps (refs, locks, a README).
        allowed = max(0.1 * info["bytes"], 2**20)
        goals = [self.goal("8", f"Hub check ({k} Parquet shards): no copy of the dataset on local disk (TMPDIR + "
                                f"HF_HOME at their peak, and the bytes written, < {size_label(int(allowed))}: 10% of "
                                f"its {size_label(info['bytes'])}, at least 1 MiB)",
                           max(hm.disk, hm.written) * 2**20 < allowed and hm.rc in (0, 1),
                           f"{hm.disk:.1f} MiB held at the peak, {hm.written:.1f} MiB written"),
                 self.goal("8", "Hub check: the same findings as the local Parquet check of the same rows", same,
                           "same" if same else f"differ (exit {hm.rc}; see {os.path.basename(hm.stdout)})"),
                 self.goal("8", "Hub check: wall time against the local Parquet check (no goal in the issue)",
                           None, f"{r:.2f}× ({secs(hm.wall)} vs {secs(local.wall)})")]
        self.rows.append(Row("8", label, f"`ftprep check {url}` ({workers_label(self.workers)})", hm,
                             f"{r:.2f}× local Parquet check", [g for g in goals if g],
                             f"local disk: {hm.disk:.1f} MiB held at the peak, {hm.written:.1f} MiB written"
                             + ("" if hm.rc in (0, 1) else f"; ⚠ exit {hm.rc}")))
        self.rows.append(Row("8", self.label("chat", "parquet", rows, pq), "`ftprep check` of the local Parquet file "
                             f"({workers_label(self.workers)})", local, "baseline",
                             note=f"local disk: {local.disk:.1f} MiB held at the peak, {local.written:.1f} MiB written"))
        self.rss_goal("8", "local and Hub checks")

    # -- 9: convert of one long row -----------------------------------------
    def long_row(self, messages: int, masked: bool) -> str:
        kind = "masked-" if masked else ""
        path = os.path.join(self.data, f"long-chat-{kind}{messages}-s{self.a.seed}-v{generate.VERSION}.jsonl")
        if not os.path.exists(path):
            log(f"generating {os.path.basename(path)} ...")
            subprocess.run([PY, os.path.join(HERE, "generate.py"), "--task", "chat", "--rows", "1", "--messages",
                            str(messages), "--seed", str(self.a.seed), "-o", path] + (["--masked"] if masked else []),
                           check=True)
        return path

    def target9(self) -> None:
        """Two shapes of one long row: plain alternating turns, and every assistant turn but the last
        masked (weight 0: trained on the last answer), the multi-turn shape that was quadratic."""
        for masked in (False, True):
            shape = "earlier answers masked (weight 0)" if masked else "plain"
            converted: dict[int, Measure] = {}
            for n in (10_000, 100_000):
                path = self.long_row(n, masked)
                label = f"chat jsonl, 1 row of {n:,} messages, {shape}, {size_label(os.path.getsize(path))}"
                log(f"[9] {label}")
                warm(path)
                out = os.path.join(self.out, f"long-{n}.jsonl")
                check = self.run(self.check_cmd(path, "chat", self.workers), f"long-{n}-check")
                cmd = self.ftprep + ["convert", path, "--task", "chat", "-o", out, "--isolated"]
                if self.a.chat_template:
                    cmd += ["--chat-template", self.a.chat_template]
                conv = self.peak("9", self.run(cmd, f"long-{n}-convert"))
                converted[n] = conv
                with contextlib.suppress(OSError):
                    os.unlink(out)
                r = conv.wall / check.wall
                goals = [self.goal("9", f"convert of 1 row of {n:,} messages, {shape}: against its check "
                                        "(no goal in the issue)",
                                   None, f"{r:.2f}× ({secs(conv.wall)} vs {secs(check.wall)})")]
                if n == 100_000:
                    goals.append(self.goal("9", f"convert of 1 row of 100,000 messages, {shape}: < 2 s",
                                           conv.wall < 2 and conv.rc == 0,
                                           f"{secs(conv.wall)} (CPU {conv.cpu:.2f} s)"
                                           + ("" if conv.rc == 0 else f", ⚠ exit {conv.rc}")))
                self.rows.append(Row("9", label, "`ftprep convert --task chat`", conv, f"{r:.2f}× check",
                                     [g for g in goals if g], "" if conv.rc == 0 else f"⚠ exit {conv.rc}"))
                self.rows.append(Row("9", label, f"`ftprep check` ({workers_label(self.workers)})", check,
                                     "baseline", note="" if check.rc == 0 else f"⚠ exit {check.rc}"))
            small, big = converted[10_000], converted[100_000]
            self.goal("9", f"convert linear in the row's size, {shape}: 100,000 / 10,000 messages ≤ 12× "
                           "(10× the data)", big.wall / small.wall <= 12, f"{big.wall / small.wall:.1f}×")
        self.rss_goal("9", "convert")

    # -- 10: shards on a cluster --------------------------------------------
    def shards(self, path: str, n: int) -> list[str]:
        """`path` split into n JSONL shards of consecutive lines (cached beside it)."""
        folder = path.rsplit(".", 1)[0] + f"-{n}shards"
        names = [os.path.join(folder, f"part-{i:03d}.jsonl") for i in range(n)]
        if all(os.path.exists(p) for p in names):
            return names
        os.makedirs(folder, exist_ok=True)
        with open(path, "rb") as f:
            lines = f.read().splitlines(keepends=True)
        for i, p in enumerate(names):
            with open(p + ".tmp", "wb") as f:
                f.writelines(lines[len(lines) * i // n: len(lines) * (i + 1) // n])
            os.replace(p + ".tmp", p)
        return names

    def target10(self) -> None:
        helps = subprocess.run(self.ftprep + ["check", "--help"], capture_output=True, text=True).stdout
        rows, n = self.scaled("cluster"), self.a.cluster_shards
        label = f"chat jsonl, {rows:,} rows in {n} shards, 1 bad in {self.a.bad_every}"
        if "--scheduler" not in helps:
            why = "not available: `ftprep check` has no --scheduler option in this checkout"
            log(f"[10] {why}")
            self.rows.append(Row("10", label, "`ftprep check --dataset --scheduler ...`", note=why))
            self.goal("10", "shards on a local Dask cluster: the merged report equals the single-process report",
                      None, "not available")
            return
        parts = self.shards(self.dataset("chat", rows, bad=self.a.bad_every), n)
        for p in parts:
            warm(p)
        log(f"[10] {label}")
        base = [*self.ftprep, "check", *parts, "--dataset", "--task", "chat", "--format", "json", "--isolated"]
        if self.a.chat_template:
            base += ["--chat-template", self.a.chat_template]
        single = self.run(base + ["--workers", "1"], "cluster-single-w1")
        both = self.run(base + ["--workers", str(self.workers)], f"cluster-single-w{self.workers}")
        want = report_of(single)
        self.rows.append(Row("10", label, "`ftprep check --dataset` (1 worker, one process)", single, "baseline",
                             note="" if single.rc in (0, 1) else f"⚠ exit {single.rc}"))
        self.rows.append(Row("10", label, f"`ftprep check --dataset` ({workers_label(self.workers)})", both,
                             f"{both.wall / single.wall:.2f}× 1 worker"))
        runs: list[tuple[str, Measure]] = []
        if "local" in helps:
            runs.append(("`--scheduler local` (starts its own cluster)",
                         self.run(base + ["--scheduler", "local"], "cluster-local")))
        # -P: no script folder or cwd before PYTHONPATH, so the workers import the ftprep the commands do.
        seeded = {**os.environ, "PYTHONHASHSEED": "0"}
        with helper([PY, "-P", "-c", CLUSTER], "Dask cluster", self.data, seeded) as (info, proc, why):
            if info is None:
                self.rows.append(Row("10", label, "`--scheduler tcp://...` (a running cluster)", note=f"skipped: {why}"))
            else:
                # A running cluster is warm: its workers have imported ftprep and loaded its models.
                warmup = [*self.ftprep, "check", *parts[:2], "--task", "chat", "--isolated", "--scheduler",
                          info["address"]]
                subprocess.run(warmup, capture_output=True, timeout=self.a.timeout)
                m = self.run(base + ["--scheduler", info["address"]], "cluster-tcp",
                             extra_pids=[proc.pid] if proc else ())
                runs.append(("`--scheduler tcp://...` (a running, warmed-up 2-worker cluster; its processes counted)", m))
        for name, m in runs:
            same = want is not None and report_of(m) == want
            goals = [self.goal("10", f"{name}: the merged report equals the single-process report", same,
                               "equal" if same else f"differs (exit {m.rc}; see {os.path.basename(m.stderr)})"),
                     self.goal("10", f"{name}: wall time and peak RSS against one process (no goal in the issue)",
                               None, f"{m.wall / single.wall:.2f}× 1 worker, {m.wall / both.wall:.2f}× "
                               f"{workers_label(self.workers)}; {m.peak:.0f} vs {single.peak:.0f} MiB")]
            self.rows.append(Row("10", label, f"`ftprep check --dataset` {name}", m,
                                 f"{m.wall / single.wall:.2f}× 1 worker · {m.wall / both.wall:.2f}× "
                                 f"{workers_label(self.workers)}", [g for g in goals if g],
                                 "" if m.rc in (0, 1) else f"⚠ exit {m.rc}"))
        if not runs:
            self.goal("10", "shards on a local Dask cluster: the merged report equals the single-process report",
                      None, "no cluster could be started")
