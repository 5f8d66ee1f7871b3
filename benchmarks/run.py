"""The benchmark: one markdown table of every target, ratios taken within one run.

    python benchmarks/run.py                                   # the full run (1M rows; README.md: its time)
    python benchmarks/run.py --rows 50000                      # a quick run (under 3 min once the data exists)
    python benchmarks/run.py --only 6,7 --out benchmarks/RESULTS.md

Targets 1-5 hold JSON Lines against a bare typed decode, polars and together,
start-up, tokens and bad lines; 6-10 hold Parquet and CSV against polars'
own readers, a Hub dataset of Parquet shards served by the fake Hub, the
convert of one very long conversation, and shards on a Dask cluster.
`--rows` scales every target (see ROWS_SCALE). Every measured command runs in
its own process (wall time includes the interpreter start and imports); peak
RSS is measured per process tree (see measure.py). Data files are generated
once into benchmarks/data/ and reused. The together client is installed by
this script into its own venv under benchmarks/.venvs/. Progress goes to
stderr; stdout is the summary and the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import typing as t

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate  # noqa: E402
from measure import Measure, measure, warm  # noqa: E402
from table import Goal, Row, detail, log, mark, secs, size_label, summary, workers_label  # noqa: E402
from targets import LaterTargets  # noqa: E402

TOGETHER = "1.5.35"
TOGETHER_TASKS = ("chat", "text", "dpo")  # grpo has no together format
HEAVY = ("polars", "pyarrow", "datasets", "huggingface_hub", "PIL", "jinja2", "tokenizers")
RSS_GOAL = 300  # MiB
PY = sys.executable


# Rows of each target's data, as a fraction of --rows: the full run stays near 25 minutes on 2 cores.
ROWS_SCALE = {"tokens": 0.1, "hub": 0.25, "cluster": 0.5}
TARGETS = range(1, 11)
MARK_BEGIN = "<!-- run.py output: begin -->"
MARK_END = "<!-- run.py output: end -->"


class Bench(LaterTargets):
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.data = os.path.abspath(a.data_dir)
        self.out = os.path.join(self.data, "out")
        os.makedirs(self.out, exist_ok=True)
        self.rows: list[Row] = []
        self.goals: list[Goal] = []
        self.peaks: dict[str, list[float]] = {}  # target -> peak RSS of each ftprep row
        self.jsonl_ratio: dict[tuple[str, str], float] = {}  # (task, row kind) -> ratio to the bare decode
        self.workers = a.workers or os.cpu_count() or 1
        exe = os.path.join(os.path.dirname(PY), "ftprep")
        self.ftprep = [exe] if os.path.exists(exe) else [PY, "-m", "ftprep"]
        self._together: tuple[str | None, str] | None = None
        self.n = 0

    # -- data ---------------------------------------------------------------
    def dataset(self, task: str, rows: int, fmt: str = "jsonl", bad: int = 0, dialect: str = "ftprep") -> str:
        name = f"{task}-{rows}-s{self.a.seed}-v{generate.VERSION}"
        name += f"-bad{bad}" if bad else ""
        name += "-together" if dialect == "together" else ""
        path = os.path.join(self.data, f"{name}.{fmt}")
        manifest = path + ".bad.tsv" if bad else None
        if not os.path.exists(path) or (manifest and not os.path.exists(manifest)):
            log(f"generating {os.path.basename(path)} ...")
            # In a process of its own, so that this runner stays small (pyarrow).
            cmd = [PY, os.path.join(HERE, "generate.py"), "--task", task, "--rows", str(rows), "--format", fmt,
                   "--seed", str(self.a.seed), "--dialect", dialect, "-o", path]
            if bad:
                cmd += ["--bad-every", str(bad), "--manifest", manifest]  # type: ignore[list-item]
            subprocess.run(cmd, check=True)
        return path

    def label(self, task: str, fmt: str, rows: int, path: str) -> str:
        return f"{task} {fmt}, {rows:,} rows, {size_label(os.path.getsize(path))}"

    # -- running ------------------------------------------------------------
    def scaled(self, kind: str) -> int:
        return max(1000, int(self.a.rows * ROWS_SCALE[kind]))

    def run(self, cmd: list[str], tag: str, runs: int | None = None, env: dict[str, str] | None = None,
            extra_pids: t.Sequence[int] = (), folders: t.Sequence[str] = ()) -> Measure:
        self.n += 1
        stem = os.path.join(self.out, f"{self.n:03d}-{tag}")
        m = measure(cmd, stem + ".out", stem + ".err", runs=runs or self.a.repeat, env=env, timeout=self.a.timeout,
                    extra_pids=extra_pids, folders=folders)
        disk = f", disk {m.disk:.1f} MiB" if folders else ""
        log(f"  {tag}: {m.wall:.2f} s, {m.rss:.0f} MiB (tree {m.tree:.0f} MiB, {m.procs} proc{disk}), exit {m.rc}")
        return m

    def goal(self, target: str, text: str, ok: bool | None, measured: str) -> str:
        """Record one goal for the summary; the mark for the detail row."""
        self.goals.append(Goal(target, text, measured, ok))
        return "" if ok is None else mark(ok, text)

    def peak(self, target: str, m: Measure) -> Measure:
        self.peaks.setdefault(target, []).append(m.peak)
        return m

    def rss_goal(self, target: str, what: str = "every `ftprep` row") -> None:
        peaks = self.peaks.pop(target, [])
        if peaks:
            self.goal(target, f"peak RSS < {RSS_GOAL} MiB, {what}", max(peaks) < RSS_GOAL,
                      f"max {max(peaks):.0f} MiB over {len(peaks)} runs")

    def ratio(self, target: str, text: str, m: Measure, base: Measure, limit: float, base_name: str,
              strict: bool = False) -> str:
        """The goal `m` ≤ limit × base (< with strict), recorded; exit codes other than 0/1 fail it."""
        r = m.wall / base.wall if base.wall > 0 else float("inf")
        ok = (r < limit if strict else r <= limit) and m.rc in (0, 1) and base.rc == 0
        bad = "" if m.rc in (0, 1) and base.rc == 0 else f"; ⚠ exit {m.rc}/{base.rc}"
        cpu = f"; CPU {m.cpu / base.cpu:.2f}×" if base.cpu > 0 else ""
        return self.goal(target, text, ok, f"{r:.2f}× ({secs(m.wall)} vs {secs(base.wall)} {base_name}{cpu}){bad}")

    def check_cmd(self, path: str, task: str, workers: int, *extra: str) -> list[str]:
        cmd = self.ftprep + ["check", path, "--task", task, "--workers", str(workers), "--isolated"]
        if task == "chat" and self.a.chat_template and "--chat-template" not in extra:
            cmd += ["--chat-template", self.a.chat_template]
        return cmd + list(extra)

    def together_python(self) -> tuple[str | None, str]:
        """(python of the together venv, or None, and why not)."""
        if self._together is not None:
            return self._together
        if self.a.no_together:
            self._together = (None, "skipped: --no-together")
            return self._together
        venv = os.path.join(HERE, ".venvs", f"together-{TOGETHER}")
        py = os.path.join(venv, "bin", "python")
        probe = [py, "-c", "import importlib.metadata as m; print(m.version('together'))"]
        ok = os.path.exists(py) and subprocess.run(probe, capture_output=True, text=True).stdout.strip() == TOGETHER
        if not ok:
            log(f"installing together=={TOGETHER} into {venv} ...")
            try:
                subprocess.run([PY, "-m", "venv", "--clear", venv], check=True, capture_output=True)
                subprocess.run([py, "-m", "pip", "install", "-q", f"together=={TOGETHER}"], check=True,
                               capture_output=True, text=True, timeout=900)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
                err = getattr(e, "stderr", "") or str(e)
                self._together = (None, f"skipped: cannot install together=={TOGETHER}: {str(err).strip()[-200:]}")
                return self._together
        self._together = (py, "")
        return self._together

    # -- pieces -------------------------------------------------------------
    def parsed(self, m: Measure) -> dict[str, t.Any]:
        try:
            with open(m.stdout, encoding="utf-8") as f:
                lines = [ln for ln in f.read().splitlines() if ln.strip()]
            return json.loads(lines[-1]) if lines else {}
        except (OSError, ValueError):
            return {}

    def jsonl_set(self, target: str, task: str, rows: int) -> Measure | None:
        """ftprep (1 and N workers; default checks and `--ignore Q`) against msgspec, polars and together
        on one JSONL file."""
        path = self.dataset(task, rows)
        label = self.label(task, "jsonl", rows, path)
        log(f"[{target}] {label}")
        warm(path)
        base: dict[str, Measure] = {}
        notes: dict[str, str] = {}
        m = self.run([PY, os.path.join(HERE, "baseline_msgspec.py"), path, "--task", task], f"{task}-msgspec")
        base["msgspec"] = m
        got = self.parsed(m)
        notes["msgspec"] = "" if m.rc == 0 and got.get("rows") == rows else f"⚠ exit {m.rc}, {got}"
        mine: list[tuple[int, bool, Measure]] = []
        for w in sorted({1, self.workers}):
            for structural in (False, True):
                extra = ("--ignore", "Q") if structural else ()
                cm = self.run(self.check_cmd(path, task, w, *extra), f"{task}-ftprep-w{w}" + ("-noQ" if structural else ""))
                mine.append((w, structural, self.peak(target, cm)))
        m = self.run([PY, os.path.join(HERE, "baseline_polars.py"), path], f"{task}-polars")
        base["polars"] = m
        notes["polars"] = "" if m.rc == 0 else f"⚠ exit {m.rc}"
        tpy, why = self.together_python() if task in TOGETHER_TASKS else (None, "no together format for grpo")
        if tpy:
            twin = self.dataset(task, rows, dialect="together")
            warm(twin)
            m = self.run([tpy, os.path.join(HERE, "baseline_together.py"), twin], f"{task}-together",
                         env={**os.environ, "TOGETHER_NO_BANNER": "1"})
            got = self.parsed(m)
            base["together"] = m
            notes["together"] = ("same rows in together's own format" if got.get("passed")
                                 else f"⚠ check did not pass: {str(got.get('message'))[:120]}")
        for w, structural, cm in mine:
            checks = "`--ignore Q`" if structural else "default checks"
            what = f"{task} JSONL, {workers_label(w)}, {checks}"
            goals = []
            bare = base["msgspec"]
            self.jsonl_ratio[(task, f"w{w}" + ("-noQ" if structural else ""))] = cm.wall / bare.wall
            if w == 1:
                goals.append(self.ratio(target, f"{what}: ≤ 1.2× the bare decode", cm, bare, 1.2, "bare"))
            else:
                goals.append(self.ratio(target, f"{what}: < 1.0× the bare decode", cm, bare, 1.0, "bare", strict=True))
            if "together" in base and w == self.workers and not structural:
                goals.append(self.ratio(target, f"{what}: ≥ 3× faster than together", cm, base["together"], 1 / 3,
                                        "together"))
            goals.append(mark(cm.peak < RSS_GOAL, f"RSS < {RSS_GOAL} MiB"))
            note = "" if cm.rc == 0 else f"⚠ exit {cm.rc} on a clean file"
            name = f"`ftprep check` ({workers_label(w)})" + (" `--ignore Q`" if structural else "")
            self.rows.append(Row(target, label, name, cm, self.ratios(cm, base), goals, note))
        self.rows.append(Row(target, label, "bare typed msgspec decode, 1 thread", base["msgspec"],
                             "baseline", note=notes["msgspec"]))
        self.rows.append(Row(target, label, "`polars.read_ndjson`", base["polars"], "baseline", note=notes["polars"]))
        if "together" in base:
            self.rows.append(Row(target, label, f"together {TOGETHER} `check_file`", base["together"], "baseline",
                                 note=notes["together"]))
        else:
            self.rows.append(Row(target, label, f"together {TOGETHER} `check_file`", note=why))
        return next((cm for w, structural, cm in mine if w == self.workers and not structural), None)

    @staticmethod
    def ratios(m: Measure, base: dict[str, Measure]) -> str:
        return " · ".join(f"{m.wall / b.wall:.2f}× {n}" for n, b in base.items() if b.wall > 0)

    # -- targets ------------------------------------------------------------
    def target1(self) -> None:
        rows = self.a.rows
        main = self.jsonl_set("1", "chat", rows)
        self.rss_goal("1", "chat JSONL rows")
        peaks = []
        for n in self.a.sizes:
            if n == rows and main is not None:
                peaks.append(main.peak)
                continue
            path = self.dataset("chat", n)
            label = self.label("chat", "jsonl", n, path)
            log(f"[1] RSS at {label}")
            warm(path)
            m = self.run(self.check_cmd(path, "chat", self.workers), f"chat-{n}-rss")
            peaks.append(m.peak)
            self.rows.append(Row("1 RSS", label, f"`ftprep check` ({workers_label(self.workers)})", m, "",
                                 [mark(m.peak < RSS_GOAL, f"RSS < {RSS_GOAL} MiB")],
                                 "" if m.rc == 0 else f"⚠ exit {m.rc}"))
        if len(peaks) > 1:
            spread = max(peaks) / max(min(peaks), 1e-9)
            sizes = "/".join(f"{n:,}" for n in self.a.sizes)
            shown = ", ".join(f"{p:.0f}" for p in peaks) + " MiB"
            g = self.goal("1 RSS", f"chat JSONL at {sizes} rows: peak RSS < {RSS_GOAL} MiB at every size",
                          max(peaks) < RSS_GOAL, f"{shown} (largest/smallest {spread:.2f}×)")
            self.rows.append(Row("1 RSS", f"chat jsonl at {sizes} rows", "peak RSS, largest / smallest", None,
                                 f"{spread:.2f}×", [g], shown))

    def target2(self) -> None:
        for task in self.a.tasks:
            if task != "chat":
                self.jsonl_set("2", task, self.a.rows)
        self.rss_goal("2", "text/dpo/grpo JSONL rows")
        # GRPO against the other tasks of this run (chat too when target 1 ran), both cores.
        for kind, checks in ((f"w{self.workers}", "default checks"), (f"w{self.workers}-noQ", "`--ignore Q`")):
            mine = self.jsonl_ratio.get(("grpo", kind))
            others = {task: r for (task, k), r in self.jsonl_ratio.items() if k == kind and task != "grpo"}
            if mine is None or not others:
                continue
            worst = max(others.values())
            shown = ", ".join(f"{task} {r:.2f}×" for task, r in sorted(others.items()))
            self.goal("2", f"grpo JSONL, {workers_label(self.workers)}, {checks}: ratio to the bare decode at most "
                      "the other tasks' (the largest of them)", mine <= worst,
                      f"grpo {mine:.2f}× vs {shown}")

    def target3(self) -> None:
        path = self.dataset("chat", 10)
        label = self.label("chat", "jsonl", 10, path)
        log(f"[3] start-up, {label}, median of {self.a.startup_runs}")
        # Plain `ftprep check FILE` as a pre-commit hook runs it (config discovery included).
        cmds = {"python -c pass": [PY, "-c", "pass"], "python -c \"import polars\"": [PY, "-c", "import polars"],
                "`ftprep check` (10 rows)": self.ftprep + ["check", path]}
        walls: dict[str, list[float]] = {k: [] for k in cmds}
        last: dict[str, Measure] = {}
        for _ in range(self.a.startup_runs):  # interleaved, so drift hits every command alike
            for k, cmd in cmds.items():
                m = self.run(cmd, "startup", runs=1)
                walls[k].append(m.wall)
                last[k] = m if k not in last or m.rss > last[k].rss else last[k]
        med = {k: statistics.median(v) for k, v in walls.items()}
        probe = ("import sys, json\nfrom ftprep.cli import main\nmain(['check', sys.argv[1]])\n"
                 f"print('\\nHEAVY', json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
        res = subprocess.run([PY, "-c", probe, path], capture_output=True, text=True)
        heavy_line = [ln for ln in res.stdout.splitlines() if ln.startswith("HEAVY ")]
        heavy = json.loads(heavy_line[-1][6:]) if heavy_line else None
        polars = med["python -c \"import polars\""]
        for k in cmds:
            m = dataclasses.replace(last[k], wall=med[k], walls=walls[k])
            if k.startswith("`ftprep"):
                goals = [self.goal("3", "`ftprep check` of 10 rows < `python -c \"import polars\"`", med[k] < polars,
                                   f"{med[k] / polars:.2f}× ({secs(med[k])} vs {secs(polars)})")]
                goals.append(self.goal("3", "a 10-row check imports none of " + ", ".join(HEAVY),
                                       heavy == [] if heavy is not None else False,
                                       "none" if heavy == [] else ", ".join(heavy) if heavy else "import probe failed"))
                note = f"imported: {', '.join(heavy)}" if heavy else ""
                self.rows.append(Row("3", label, k, m, f"{med[k] / polars:.2f}× import polars", goals, note))
            else:
                self.rows.append(Row("3", label, k, m, "baseline" if "polars" in k else "reference",
                                     note=f"median of {len(walls[k])}"))

    def target4(self) -> None:
        rows = self.scaled("tokens")
        path = self.dataset("chat", rows)
        label = self.label("chat", "jsonl", rows, path)
        tok = os.path.join(self.data, f"tok-bpe{self.a.vocab_size}-chat-{rows}-s{self.a.seed}.json")
        if not os.path.exists(tok):
            log(f"[4] training a stand-in tokenizer ({self.a.vocab_size} BPE) on the first rows ...")
            subprocess.run([PY, os.path.join(HERE, "baseline_tokens.py"), "train", path, "-o", tok,
                            "--vocab-size", str(self.a.vocab_size), "--sample", str(min(rows, 20000))], check=True)
        log(f"[4] {label}")
        warm(path)
        bm = self.run([PY, os.path.join(HERE, "baseline_tokens.py"), "encode", path, "--tokenizer", tok],
                      "tokens-baseline")
        got = self.parsed(bm)
        method = got.get("method", "encode_batch")
        self.rows.append(Row("4", label, f"tokenizer's own `{method}` of the ChatML-rendered rows", bm, "baseline",
                             note=f"{got.get('tokens', 0):,} tokens" if bm.rc == 0 else f"⚠ exit {bm.rc}"))
        helps = subprocess.run(self.ftprep + ["stats", "--help"], capture_output=True, text=True)
        if helps.returncode != 0:
            self.rows.append(Row("4", label, "`ftprep stats --tokenizer`",
                                 note="skipped: `ftprep stats` is not available in this checkout"))
            self.goal("4", "`ftprep stats --tokenizer` ≤ 1.3× the tokenizer", None, "not available")
        elif "--tokenizer" not in helps.stdout:
            self.rows.append(Row("4", label, "`ftprep stats --tokenizer`",
                                 note="skipped: `ftprep stats` has no --tokenizer option"))
            self.goal("4", "`ftprep stats --tokenizer` ≤ 1.3× the tokenizer", None, "not available")
        else:
            cmd = self.ftprep + ["stats", path, "--task", "chat", "--tokenizer", tok]
            if "--chat-template" in helps.stdout:
                cmd += ["--chat-template", "chatml"]
            if "--isolated" in helps.stdout:
                cmd += ["--isolated"]
            self.tokens_row(label, "`ftprep stats --tokenizer`", cmd, bm)
        check_help = subprocess.run(self.ftprep + ["check", "--help"], capture_output=True, text=True).stdout
        if "--tokenizer" not in check_help:
            self.rows.append(Row("4", label, "`ftprep check --tokenizer`",
                                 note="skipped: `ftprep check` has no --tokenizer option in this checkout"))
            self.goal("4", "`ftprep check --tokenizer` ≤ 1.3× the tokenizer", None, "not available")
        else:
            cmd = self.check_cmd(path, "chat", self.workers, "--tokenizer", tok, "--chat-template", "chatml")
            self.tokens_row(label, f"`ftprep check --tokenizer` ({workers_label(self.workers)})", cmd, bm)
        self.rss_goal("4")

    def tokens_row(self, label: str, name: str, cmd: list[str], bm: Measure) -> None:
        m = self.peak("4", self.run(cmd, "tokens-ftprep"))
        r = m.wall / bm.wall
        note = "" if m.rc in (0, 1) else f"⚠ exit {m.rc}: {open(m.stderr, errors='replace').read()[-160:].strip()}"
        g = self.ratio("4", f"{name}, {label}: ≤ 1.3× the tokenizer's `encode_batch_fast`", m, bm, 1.3, "tokenizer")
        self.rows.append(Row("4", label, name, m, f"{r:.2f}× tokenizer", [g], note))

    def target5(self) -> None:
        rows, every = self.a.rows, self.a.bad_every
        clean = self.dataset("chat", rows)
        bad = self.dataset("chat", rows, bad=every)
        label = self.label("chat", "jsonl", rows, bad)
        log(f"[5] {label}, one bad line every {every}")
        warm(clean)
        warm(bad)
        cm = self.run(self.check_cmd(clean, "chat", self.workers, "--format", "json"), "clean-json")
        self.goal("5", "the clean file passes (exit 0)", cm.rc == 0, f"exit {cm.rc}")
        bm = self.run(self.check_cmd(bad, "chat", self.workers, "--format", "json"), "bad-json")
        with open(bad + ".bad.tsv", encoding="utf-8") as f:
            expected = {int(ln.split("\t")[1]) for ln in f.read().splitlines()[1:] if ln}
        try:
            with open(bm.stdout, encoding="utf-8") as f:
                report = json.load(f)
            lines = {d["line"] for fr in report["files"] for d in fr["diagnostics"] if d.get("line")}
            seen = len(expected & lines)
            extra = len(lines - expected)
        except (OSError, ValueError, KeyError):
            seen, extra = -1, 0
        r = bm.wall / cm.wall
        self.rows.append(Row("5", self.label("chat", "jsonl", rows, clean), f"`ftprep check --format json` clean "
                             f"({workers_label(self.workers)})", cm, "baseline",
                             note="" if cm.rc == 0 else f"⚠ exit {cm.rc} on a clean file"))
        shown = f"{seen:,}/{len(expected):,}" if seen >= 0 else "unreadable report"
        self.rows.append(Row("5", label + f", 1 bad in {every}", f"`ftprep check --format json` "
                             f"({workers_label(self.workers)})", bm, f"{r:.2f}× clean",
                             [self.ratio("5", f"1 bad line in {every}: ≤ 1.5× the clean file", bm, cm, 1.5, "clean"),
                              self.goal("5", "every bad line reported", seen == len(expected), shown)],
                             f"{extra:,} other lines flagged" if extra else ""))

    # -- output -------------------------------------------------------------
    def table(self) -> str:
        return detail(self.rows)

    def summary(self) -> str:
        return summary(self.goals)


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", HERE, *args], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine(a: argparse.Namespace, workers: int) -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    mem = next((int(ln.split()[1]) // 1024 for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), 0)
    from importlib.metadata import PackageNotFoundError, version

    def v(p: str) -> str:
        try:
            return version(p)
        except PackageNotFoundError:
            return "-"

    rev = git("rev-parse", "--short", "HEAD") or "?"
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    changed = [ln for ln in git("status", "--porcelain", "--untracked-files=no").splitlines() if ln.strip()]
    tree = (f"dirty: {len(changed)} tracked file(s) modified" if changed else "clean tree")
    product = git("log", "-1", "--format=%h", "--", ":/ftprep")  # the benchmarks may be newer than the product
    tree += f"; ftprep/ last changed in {product}" if product else ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sizes = ", ".join(f"{n:,}" for n in a.sizes)
    return (f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}\n"
            f"- commit: {rev} on {branch or '?'} ({tree})\n"
            f"- machine: {cpu}, {os.cpu_count()} cores, {mem:,} MiB RAM, {platform.platform()}; "
            f"load average {load:.2f} at the start\n"
            f"- Python {platform.python_version()}; ftprep {v('ftprep')}; msgspec {v('msgspec')}, "
            f"polars {v('polars')}, pyarrow {v('pyarrow')}, tokenizers {v('tokenizers')}, "
            f"huggingface_hub {v('huggingface_hub')}, datasets {v('datasets')}, distributed {v('distributed')}; "
            f"together {TOGETHER} in its own venv\n"
            f"- run: rows {a.rows:,} (tokens {int(a.rows * ROWS_SCALE['tokens']):,}, Hub {int(a.rows * ROWS_SCALE['hub']):,} "
            f"in {a.hub_shards} shards, cluster {int(a.rows * ROWS_SCALE['cluster']):,} in {a.cluster_shards} shards), "
            f"RSS sizes {sizes}, workers {workers}, repeat {a.repeat}, start-up runs {a.startup_runs}, "
            f"bad every {a.bad_every}, chat template {a.chat_template}, seed {a.seed}\n"
            f"- command: `python benchmarks/run.py {' '.join(sys.argv[1:])}`\n")


def write_atomic(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def ints(s: str) -> list[int]:
    return [int(x.replace("_", "")) for x in s.split(",") if x.strip()]


def splice(path: str, block: str) -> str:
    """The file's text with `block` between the markers (kept prose around them), or `block` alone."""
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        return "# ftprep benchmark\n\n" + block + "\n"
    if MARK_BEGIN in old and MARK_END in old:
        head, rest = old.split(MARK_BEGIN, 1)
        return head + block + rest.split(MARK_END, 1)[1]
    return "# ftprep benchmark\n\n" + block + "\n"


def main(argv: t.Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="ftprep benchmark: one summary of every goal and one table, from one run")
    p.add_argument("--rows", type=int, default=1_000_000,
                   help="rows of the data of every target (tokens, Hub and cluster take a fraction: ROWS_SCALE)")
    p.add_argument("--sizes", type=ints, default=None,
                   help="comma list of chat JSONL sizes for the flat-RSS series of target 1 "
                        "(default: rows/10, rows, 5×rows)")
    p.add_argument("--only", type=ints, default=list(TARGETS), metavar="TARGETS", help="e.g. 1 or 1,3 (default: 1-10)")
    p.add_argument("--workers", type=int, default=None,
                   help="ftprep --workers for the parallel rows (default: all cores)")
    p.add_argument("--out", metavar="FILE",
                   help="also write the output (machine notes, summary, table) to this markdown file, between its "
                        "run.py markers when it has them (the prose around them is kept)")
    p.add_argument("--tasks", type=lambda s: [x for x in s.split(",") if x], default=list(generate.TASKS),
                   help="tasks for targets 2, 6 and 7 (comma list of chat,text,dpo,grpo)")
    p.add_argument("--repeat", type=int, default=1, help="runs per throughput command (median wall)")
    p.add_argument("--startup-runs", type=int, default=9, help="runs per start-up command (median)")
    p.add_argument("--bad-every", type=int, default=100, help="targets 5 and 10: one bad line in every N")
    p.add_argument("--chat-template", default="qwen3", help="--chat-template for chat checks (template rules on)")
    p.add_argument("--vocab-size", type=int, default=32000, help="target 4: BPE vocab of the stand-in tokenizer")
    p.add_argument("--hub-shards", type=int, default=4, help="target 8: Parquet shards of the Hub dataset")
    p.add_argument("--cluster-shards", type=int, default=8, help="target 10: JSONL shards of the dataset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=3600, help="seconds before a command is killed")
    p.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    p.add_argument("--no-together", action="store_true", help="skip the together client")
    a = p.parse_args(argv)
    if a.sizes is None:
        a.sizes = sorted({max(1000, a.rows // 10), a.rows, a.rows * 5})
    bad = [x for x in a.tasks if x not in generate.TASKS] + [x for x in a.only if x not in TARGETS]
    if bad:
        p.error(f"unknown task or target: {bad}")
    b = Bench(a)
    notes = machine(a, b.workers)
    log(notes)
    for n in sorted(set(a.only)):
        try:
            getattr(b, f"target{n}")()
        except Exception as e:  # one broken target must not lose the others' numbers
            import traceback

            log(traceback.format_exc())
            b.rows.append(Row(str(n), "—", "—", note=f"⚠ the target failed: {type(e).__name__}: {e}"))
            b.goal(str(n), f"target {n} ran to the end", False, f"{type(e).__name__}: {e}")
    text = notes + "\n## Summary\n\n" + b.summary() + "\n## Table\n\n" + b.table()
    sys.stdout.write(text)
    if a.out:
        block = MARK_BEGIN + "\n" + text + MARK_END
        write_atomic(a.out, splice(a.out, block))
    return 0


if __name__ == "__main__":
    sys.exit(main())
