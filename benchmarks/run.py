"""The benchmark of issue 7: one markdown table, every target, ratios from one run.

    python benchmarks/run.py                                   # the full run (1M rows; RSS at 100k/1M/5M)
    python benchmarks/run.py --rows 20000 --sizes 10000,20000  # a quick look
    python benchmarks/run.py --only 1,3 --out benchmarks/RESULTS.md

Every measured command runs in its own process (wall time includes the
interpreter start and imports); peak RSS is measured per process tree (see
measure.py). Data files are generated once into benchmarks/data/ and reused.
The together client is installed by this script into its own venv under
benchmarks/.venvs/. Progress goes to stderr; stdout is the table only.
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

TOGETHER = "1.5.35"
TOGETHER_TASKS = ("chat", "text", "dpo")  # grpo has no together format
HEAVY = ("polars", "pyarrow", "datasets", "huggingface_hub", "PIL", "jinja2", "tokenizers")
RSS_GOAL = 300  # MiB
PY = sys.executable


@dataclasses.dataclass
class Row:
    target: str
    dataset: str
    command: str
    m: Measure | None = None
    ratios: str = ""
    goals: list[str] = dataclasses.field(default_factory=list)
    note: str = ""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def size_label(n: int) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.2f} GiB"
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def workers_label(n: int) -> str:
    return f"{n} worker{'s' if n > 1 else ''}"


def mark(ok: bool, text: str) -> str:
    return ("✔ " if ok else "✘ ") + text


class Bench:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.data = os.path.abspath(a.data_dir)
        self.out = os.path.join(self.data, "out")
        os.makedirs(self.out, exist_ok=True)
        self.rows: list[Row] = []
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
    def run(self, cmd: list[str], tag: str, runs: int | None = None, env: dict[str, str] | None = None) -> Measure:
        self.n += 1
        stem = os.path.join(self.out, f"{self.n:03d}-{tag}")
        m = measure(cmd, stem + ".out", stem + ".err", runs=runs or self.a.repeat, env=env, timeout=self.a.timeout)
        log(f"  {tag}: {m.wall:.2f} s, {m.rss:.0f} MiB (tree {m.tree:.0f} MiB, {m.procs} proc), exit {m.rc}")
        return m

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
        """ftprep (1 and N workers) against msgspec, polars and together on one JSONL file."""
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
        mine: list[tuple[str, Measure]] = []
        for w in sorted({1, self.workers}):
            cm = self.run(self.check_cmd(path, task, w), f"{task}-ftprep-w{w}")
            mine.append((f"`ftprep check` ({workers_label(w)})", cm))
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
        for name, cm in mine:
            one = name.startswith("`ftprep check` (1 ")
            goals = []
            if "msgspec" in base:
                r = cm.wall / base["msgspec"].wall
                goals.append(mark(r <= 1.2, "≤ 1.2× msgspec") if one else mark(r < 1.0, "< 1.0× msgspec (all cores)"))
            if "together" in base:
                r = cm.wall / base["together"].wall
                goals.append(mark(r <= 1 / 3, "≥ 3× faster than together"))
            goals.append(mark(cm.peak < RSS_GOAL, f"RSS < {RSS_GOAL} MiB"))
            note = "" if cm.rc == 0 else f"⚠ exit {cm.rc} on a clean file"
            self.rows.append(Row(target, label, name, cm, self.ratios(cm, base), goals, note))
        self.rows.append(Row(target, label, "bare typed msgspec decode, 1 thread", base["msgspec"],
                             "baseline", note=notes["msgspec"]))
        self.rows.append(Row(target, label, "`polars.read_ndjson`", base["polars"], "baseline", note=notes["polars"]))
        if "together" in base:
            self.rows.append(Row(target, label, f"together {TOGETHER} `check_file`", base["together"], "baseline",
                                 note=notes["together"]))
        else:
            self.rows.append(Row(target, label, f"together {TOGETHER} `check_file`", note=why))
        return dict(mine).get(f"`ftprep check` ({workers_label(self.workers)})")

    @staticmethod
    def ratios(m: Measure, base: dict[str, Measure]) -> str:
        return " · ".join(f"{m.wall / b.wall:.2f}× {n}" for n, b in base.items() if b.wall > 0)

    # -- targets ------------------------------------------------------------
    def target1(self) -> None:
        rows = self.a.rows
        main = self.jsonl_set("1", "chat", rows)
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
            self.rows.append(Row("1 RSS", f"chat jsonl at {sizes} rows", "peak RSS, largest / smallest", None,
                                 f"{spread:.2f}×", [mark(max(peaks) < RSS_GOAL, f"flat, all < {RSS_GOAL} MiB")],
                                 ", ".join(f"{p:.0f}" for p in peaks) + " MiB"))

    def target2(self) -> None:
        for task in self.a.tasks:
            if task != "chat":
                self.jsonl_set("2", task, self.a.rows)
        for fmt in ("csv", "parquet"):
            for task in self.a.tasks:
                path = self.dataset(task, self.a.rows, fmt)
                label = self.label(task, fmt, self.a.rows, path)
                log(f"[2] {label}")
                warm(path)
                cm = self.run(self.check_cmd(path, task, self.workers), f"{task}-{fmt}-ftprep")
                pm = self.run([PY, os.path.join(HERE, "baseline_polars.py"), path], f"{task}-{fmt}-polars")
                reader = "read_csv" if fmt == "csv" else "read_parquet"
                self.rows.append(Row("2", label, f"`ftprep check` ({workers_label(self.workers)})", cm,
                                     self.ratios(cm, {f"polars {reader}": pm}),
                                     [mark(cm.peak < RSS_GOAL, f"RSS < {RSS_GOAL} MiB")],
                                     "" if cm.rc == 0 else f"⚠ exit {cm.rc} on a clean file"))
                self.rows.append(Row("2", label, f"`polars.{reader}`", pm, "baseline",
                                     note="" if pm.rc == 0 else f"⚠ exit {pm.rc}"))

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
                goals = [mark(med[k] < polars, "< `import polars`")]
                goals.append(mark(heavy == [], "imports none of " + ", ".join(HEAVY)) if heavy is not None
                             else "✘ import probe failed")
                note = f"imported: {', '.join(heavy)}" if heavy else ""
                self.rows.append(Row("3", label, k, m, f"{med[k] / polars:.2f}× import polars", goals, note))
            else:
                self.rows.append(Row("3", label, k, m, "baseline" if "polars" in k else "reference",
                                     note=f"median of {len(walls[k])}"))

    def target4(self) -> None:
        rows = self.a.rows
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
        elif "--tokenizer" not in helps.stdout:
            self.rows.append(Row("4", label, "`ftprep stats --tokenizer`",
                                 note="skipped: `ftprep stats` has no --tokenizer option"))
        else:
            cmd = self.ftprep + ["stats", path, "--task", "chat", "--tokenizer", tok]
            if "--chat-template" in helps.stdout:
                cmd += ["--chat-template", "chatml"]
            if "--isolated" in helps.stdout:
                cmd += ["--isolated"]
            self.tokens_row(label, "`ftprep stats --tokenizer`", cmd, bm)
        probe = subprocess.run([PY, "-c", "from ftprep.engine.lengths import length_diagnostics"], capture_output=True)
        if probe.returncode != 0:
            self.rows.append(Row("4", label, "`ftprep check --tokenizer`",
                                 note="skipped: ftprep.engine.tokens.length_diagnostics is not available in this checkout"))
        else:
            cmd = self.check_cmd(path, "chat", self.workers, "--tokenizer", tok, "--chat-template", "chatml")
            self.tokens_row(label, f"`ftprep check --tokenizer` ({workers_label(self.workers)})", cmd, bm)

    def tokens_row(self, label: str, name: str, cmd: list[str], bm: Measure) -> None:
        m = self.run(cmd, "tokens-ftprep")
        r = m.wall / bm.wall
        note = "" if m.rc in (0, 1) else f"⚠ exit {m.rc}: {open(m.stderr, errors='replace').read()[-160:].strip()}"
        self.rows.append(Row("4", label, name, m, f"{r:.2f}× tokenizer", [mark(r <= 1.3 and m.rc in (0, 1),
                                                                                "≤ 1.3× tokenizer")], note))

    def target5(self) -> None:
        rows, every = self.a.rows, self.a.bad_every
        clean = self.dataset("chat", rows)
        bad = self.dataset("chat", rows, bad=every)
        label = self.label("chat", "jsonl", rows, bad)
        log(f"[5] {label}, one bad line every {every}")
        warm(clean)
        warm(bad)
        cm = self.run(self.check_cmd(clean, "chat", self.workers, "--format", "json"), "clean-json")
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
                             [mark(r <= 1.5, "≤ 1.5× clean"), mark(seen == len(expected),
                                                                   f"every bad line reported ({shown})")],
                             f"{extra:,} other lines flagged" if extra else ""))

    # -- output -------------------------------------------------------------
    def table(self) -> str:
        head = ("| target | dataset | command | wall s | peak RSS MiB | ratio to baselines | goals | notes |\n"
                "|---|---|---|---:|---:|---|---|---|\n")
        out = []
        for r in self.rows:
            if r.m is None:
                wall = rss = "—"
            else:
                wall = f"{r.m.wall:.3f}" if r.m.wall < 1 else f"{r.m.wall:.2f}"
                rss = f"{r.m.rss:.0f}"
                if r.m.procs > 1 and r.m.tree > r.m.rss * 1.05:
                    rss += f" (Σ {r.m.tree:.0f}, {r.m.procs} proc)"
            cells = [r.target, r.dataset, r.command, wall, rss, r.ratios, " · ".join(r.goals), r.note]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return head + "\n".join(out) + "\n"


def machine(a: argparse.Namespace, workers: int) -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    mem = next((int(ln.split()[1]) // 1024 for ln in open("/proc/meminfo") if ln.startswith("MemTotal")), 0)
    from importlib.metadata import PackageNotFoundError, version

    def v(p: str) -> str:
        try:
            return version(p)
        except PackageNotFoundError:
            return "-"

    try:
        rev = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--", "../ftprep"],
                               capture_output=True, text=True).stdout.strip()
        rev += " (ftprep/ modified)" if dirty else ""
    except OSError:
        rev = "?"
    return (f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}\n"
            f"- machine: {cpu}, {os.cpu_count()} cores, {mem:,} MiB RAM, {platform.platform()}\n"
            f"- Python {platform.python_version()}; ftprep {v('ftprep')} at {rev}; msgspec {v('msgspec')}, "
            f"polars {v('polars')}, pyarrow {v('pyarrow')}, tokenizers {v('tokenizers')}; together {TOGETHER} "
            f"in its own venv\n"
            f"- run: rows {a.rows:,}, RSS sizes {', '.join(f'{n:,}' for n in a.sizes)}, workers {workers}, "
            f"repeat {a.repeat}, start-up runs {a.startup_runs}, bad every {a.bad_every}, "
            f"chat template {a.chat_template}, seed {a.seed}\n"
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


def main(argv: t.Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="ftprep benchmark (issue 7): one markdown table of every target")
    p.add_argument("--rows", type=int, default=1_000_000, help="rows of the files behind targets 1, 2, 4, 5")
    p.add_argument("--sizes", type=ints, default=[100_000, 1_000_000, 5_000_000],
                   help="comma list of chat JSONL sizes for the flat-RSS series of target 1")
    p.add_argument("--only", type=ints, default=[1, 2, 3, 4, 5], metavar="TARGETS", help="e.g. 1 or 1,3")
    p.add_argument("--workers", type=int, default=None,
                   help="ftprep --workers for the parallel rows (default: all cores)")
    p.add_argument("--out", metavar="FILE", help="also write the table (with machine notes) to this markdown file")
    p.add_argument("--tasks", type=lambda s: [x for x in s.split(",") if x], default=list(generate.TASKS),
                   help="tasks for target 2 (comma list of chat,text,dpo,grpo)")
    p.add_argument("--repeat", type=int, default=1, help="runs per throughput command (median wall)")
    p.add_argument("--startup-runs", type=int, default=9, help="runs per start-up command (median)")
    p.add_argument("--bad-every", type=int, default=100, help="target 5: one bad line in every N")
    p.add_argument("--chat-template", default="qwen3", help="--chat-template for chat checks (template rules on)")
    p.add_argument("--vocab-size", type=int, default=32000, help="target 4: BPE vocab of the stand-in tokenizer")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=3600, help="seconds before a command is killed")
    p.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    p.add_argument("--no-together", action="store_true", help="skip the together client")
    a = p.parse_args(argv)
    bad = [x for x in a.tasks if x not in generate.TASKS] + [x for x in a.only if x not in range(1, 6)]
    if bad:
        p.error(f"unknown task or target: {bad}")
    b = Bench(a)
    notes = machine(a, b.workers)
    log(notes)
    for n in sorted(set(a.only)):
        getattr(b, f"target{n}")()
    table = b.table()
    sys.stdout.write(table)
    if a.out:
        write_atomic(a.out, "# ftprep benchmark (issue 7)\n\n" + notes + "\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
