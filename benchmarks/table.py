"""The rows of the benchmark's table, its goals and the two markdown tables (summary, detail)."""

from __future__ import annotations

import dataclasses
import sys

from measure import Measure


@dataclasses.dataclass
class Row:
    target: str
    dataset: str
    command: str
    m: Measure | None = None
    ratios: str = ""
    goals: list[str] = dataclasses.field(default_factory=list)
    note: str = ""


@dataclasses.dataclass
class Goal:
    """One line of the summary: a goal of the issue, what this run measured, met or not.
    `met` None: no pass/fail (shown for information, or the command is not available)."""
    target: str
    goal: str
    measured: str
    met: bool | None


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


def secs(x: float) -> str:
    return f"{x:.3f} s" if x < 1 else f"{x:.2f} s"


def _cell(c: str) -> str:
    return c.replace("|", "\\|").replace("\n", " ")


def detail(rows: list[Row]) -> str:
    head = ("| target | dataset | command | wall s | CPU s | peak RSS MiB | ratio to baselines | goals | notes |\n"
            "|---|---|---|---:|---:|---:|---|---|---|\n")
    out = []
    for r in rows:
        if r.m is None:
            wall = cpu = rss = "—"
        else:
            wall = f"{r.m.wall:.3f}" if r.m.wall < 1 else f"{r.m.wall:.2f}"
            cpu = f"{r.m.cpu:.2f}"
            rss = f"{r.m.rss:.0f}"
            if r.m.procs > 1 and r.m.tree > r.m.rss * 1.05:
                rss += f" (Σ {r.m.tree:.0f}, {r.m.procs} proc)"
        cells = [r.target, r.dataset, r.command, wall, cpu, rss, r.ratios, " · ".join(r.goals), r.note]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return head + "\n".join(out) + "\n"


def summary(goals: list[Goal]) -> str:
    head = "| target | goal | measured | result |\n|---|---|---|---|\n"
    word = {True: "met", False: "**not met**", None: "—"}
    met = sum(1 for g in goals if g.met is True)
    judged = sum(1 for g in goals if g.met is not None)
    body = "\n".join(f"| {_cell(g.target)} | {_cell(g.goal)} | {_cell(g.measured)} | {word[g.met]} |" for g in goals)
    return head + body + f"\n\n{met} of {judged} goals met in this run.\n"


__all__ = ["Row", "Goal", "log", "size_label", "workers_label", "mark", "secs", "detail", "summary"]
