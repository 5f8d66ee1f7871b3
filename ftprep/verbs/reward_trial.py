"""GRPO reward functions, tried before paying: each `--reward-func FILE[:NAME]`
is run on the file's first prompts the way the trainer's prep validates a reward
function, in a child process with a time limit, a memory limit and no network.

The trainer's prep (G.O.D validator/utils/reward_functions.py) execs the code of
one registered function and calls the FIRST callable of its namespace on the
first 5 prepared rows, the prompts standing in for completions (with
`extra_data=` when the function has that parameter and the rows hold it). The
result must be a list of numbers as long as the input; a function that fails is
silently removed, and with none left the job ends in prep failure. The trainer
then writes every function into one module and names each by the first `def`
of its code: two with one name collide, the later wins.

A FILE is the code you would register for one function. `:NAME` says which
function in it you mean the reward to be: the trial tells when the trainer's
first callable is another one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import typing as t

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.errors import SourceError

# The trainer validates on the first 5 prepared rows.
VALIDATION_ROWS = 5
# The distribution of rewards is told over this many prompts.
SAMPLE_ROWS = 64
TIME_LIMIT = 10.0
MEMORY_LIMIT = 2 << 30
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reward_child.py")
# The trainer's own name of a function: the text after the first "def " of its code.
_FIRST_DEF = re.compile(r"def\s+(\w+)\s*\(")
_HINT_RAISES = "the trainer removes a failing reward function silently; with none left the job fails in prep"


@dataclasses.dataclass(frozen=True)
class RewardSource:
    """One --reward-func: the file, its code, and the function meant (None: the first callable)."""

    path: str
    code: str
    meant: str | None

    @property
    def trainer_name(self) -> str:
        found = _FIRST_DEF.search(self.code)
        return found.group(1) if found else "unknown_function"

    @staticmethod
    def read(spec: str) -> RewardSource:
        path, meant = spec, None
        head, sep, tail = spec.rpartition(":")
        if sep and tail.isidentifier() and head:
            path, meant = head, tail
        try:
            with open(path, encoding="utf-8") as f:
                code = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise SourceError(f"--reward-func {spec}: cannot read {path}: {e}") from e
        return RewardSource(path, code, meant)


def prepared_rows(records: t.Iterable[t.Mapping[str, t.Any]], prompt: str, extra: str | None) -> list[dict[str, str]]:
    """Rows as prep hands them over: the prompt as `prompt`, the extra column as
    `extra_data`, both str()-ed (None becomes "")."""
    out = []
    for rec in records:
        row = {"prompt": "" if rec.get(prompt) is None else str(rec.get(prompt))}
        if extra is not None and extra in rec:
            row["extra_data"] = "" if rec[extra] is None else str(rec[extra])
        out.append(row)
    return out


def run_child(source: RewardSource, rows: list[dict[str, str]], *, time_limit: float = TIME_LIMIT,
              memory_limit: int = MEMORY_LIMIT) -> dict[str, t.Any]:
    """The child's answer for one function; a time-out or a crash is an answer too."""
    job = {"source": source.code, "validation": rows[:VALIDATION_ROWS], "sample": rows[:SAMPLE_ROWS],
           "memory": memory_limit}
    with tempfile.TemporaryDirectory(prefix="ftprep-reward-") as scratch:
        answer_path = os.path.join(scratch, "answer.json")
        try:
            done = subprocess.run([sys.executable, "-I", CHILD, answer_path], input=json.dumps(job), text=True,
                                  capture_output=True, timeout=time_limit, cwd=scratch, check=False)
        except subprocess.TimeoutExpired:
            return {"outcome": "timeout"}
        try:
            with open(answer_path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):  # killed before answering: the memory cap, or a hard crash
            tail = (done.stderr or "").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            return {"outcome": "memory" if "MemoryError" in tail[0] else "crash", "error": tail[0]}


def _finding(code: str, message: str, source: RewardSource, line: int | None = None,
             hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, source.path, line=line, hint=hint)


def judged(source: RewardSource, answer: dict[str, t.Any], *, time_limit: float = TIME_LIMIT,
           memory_limit: int = MEMORY_LIMIT) -> list[Diagnostic]:
    """The findings of one function's trial."""
    out: list[Diagnostic] = []
    label = source.meant or answer.get("picked") or source.trainer_name
    picked = answer.get("picked")
    if picked is not None and source.meant is not None and picked != source.meant:
        out.append(_finding("G006", f"the trainer calls the first callable of the code, {picked!r}, not {source.meant!r}",
                            source, answer.get("picked_line"),
                            "define the reward function first; put imports and helpers inside it"))
    elif picked is not None and not answer.get("defined_here"):
        out.append(_finding("G006", f"the first callable is {picked!r}, imported, not defined in the file: the trainer "
                            "calls it as the reward function", source, _imported_at(source.code, picked),
                            f"import {picked} inside the reward function's body, as the trainer's own functions do"))
    elif picked is not None and source.meant is None and picked != source.trainer_name:
        out.append(_finding("G006", f"the trainer validates the first callable, {picked!r}, but names the function "
                            f"by the first def, {source.trainer_name!r}", source, answer.get("picked_line"),
                            "define the reward function first"))
    elif picked is not None and source.meant is None and _defs(source.code) > 1:
        out.append(_finding("G007", f"the file defines {_defs(source.code)} functions; the trainer takes the first, "
                            f"{picked!r}, as the reward function", source, answer.get("picked_line"),
                            f"register one function per file, or name it: {source.path}:NAME"))
    outcome = answer.get("outcome")
    if outcome in ("raises", "network", "crash"):
        where = " (network is blocked, as in the trainer's reward containers)" if outcome == "network" else ""
        out.append(_finding("G002", f"reward function {label!r} raises{where}: {answer.get('error')}", source,
                            answer.get("error_line"), _HINT_RAISES))
    elif outcome == "bad":
        out.append(_finding("G003", f"reward function {label!r} {answer.get('error')}", source,
                            answer.get("picked_line"),
                            "return a list with one number per completion"))
    elif outcome in ("timeout", "memory"):
        limit = (f"took longer than the trial's {time_limit:g} s" if outcome == "timeout"
                 else f"ran out of the trial's {memory_limit / (1 << 20):,.0f} MiB of memory")
        out.append(_finding("G004", f"reward function {label!r} {limit}",
                            source, None, "a reward function runs on every completion of every step: keep it fast "
                                          "and small (the limits: --reward-time-limit, --reward-memory-limit)"))
    elif outcome == "ok":
        out += _spread(source, label, answer)
    return out


def _spread(source: RewardSource, label: str, answer: dict[str, t.Any]) -> list[Diagnostic]:
    rewards = answer.get("rewards") or []
    if len(rewards) < 2 or len(set(rewards)) > 1:
        return []
    return [_finding("G008", f"reward function {label!r} gives every one of {len(rewards)} sampled prompts (standing in "
                     f"for completions, as in the trainer's validation) the same reward ({rewards[0]:g}): equal "
                     "rewards in a group give GRPO no advantage to learn from",
                     source, answer.get("picked_line"),
                     "check the function on real completions; a constant reward trains nothing")]


def signature(source: RewardSource) -> list[Diagnostic]:
    """TRL calls a reward function as f(prompts=..., completions=..., **columns), and the
    Gradients registration rewrites the first def to (completions, <its other parameters>, **kwargs):
    either way a first parameter not named `completions`, without a default, gets no value."""
    import ast

    try:
        tree = ast.parse(source.code)
    except SyntaxError:
        return []  # the trial reports it (G002)
    first = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)), None)
    if first is None:
        return []
    params = [*first.args.posonlyargs, *first.args.args]
    required = len(params) - len(first.args.defaults)
    if not params or params[0].arg == "completions" or required < 1:
        return []
    return [_finding("G009", f"the first parameter of {first.name!r} is {params[0].arg!r}, not 'completions': TRL "
                     "passes completions=... by keyword, and the registration makes "
                     f"{params[0].arg!r} a second parameter that nothing fills", source, first.lineno,
                     f"def {first.name}(completions, **kwargs)")]


def _imported_at(code: str, name: str) -> int | None:
    """The line of the module-level import that binds `name`."""
    import ast

    try:
        body = ast.parse(code).body
    except SyntaxError:
        return None
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names):
            return node.lineno
    return None


def _defs(code: str) -> int:
    import ast

    try:
        return sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.parse(code).body)
    except SyntaxError:
        return 0


def collisions(sources: t.Sequence[RewardSource]) -> list[Diagnostic]:
    """Functions the trainer names alike: its rewards module keeps the last; one finding per name, at the last."""
    by_name: dict[str, list[RewardSource]] = {}
    for s in sources:
        by_name.setdefault(s.trainer_name, []).append(s)
    out = []
    for name, group in by_name.items():
        if len(group) > 1:
            others = ", ".join(g.path for g in group[:-1])
            out.append(_finding("G005", f"{len(group)} reward functions are named {name!r} ({others} and this one): "
                                "the trainer writes them all into one module, so this one replaces the others and "
                                "takes their weights too", group[-1], None, "give each reward function its own name"))
    return out


def rewards_summary(answers: t.Sequence[dict[str, t.Any]]) -> list[tuple[str, dict[str, float]]]:
    """min, mean, max and distinct values of each passing function's sampled rewards."""
    out = []
    for a in answers:
        r = a.get("rewards") or []
        if a.get("outcome") == "ok" and r:
            out.append((a.get("picked", "?"), {"n": len(r), "min": min(r), "mean": statistics.fmean(r),
                                               "max": max(r), "distinct": len(set(r))}))
    return out


def reward_trial(specs: t.Sequence[str], rows: list[dict[str, str]], *, time_limit: float = TIME_LIMIT,
                 memory_limit: int = MEMORY_LIMIT) -> tuple[list[Diagnostic], list[dict[str, t.Any]]]:
    """Every finding of the reward functions `specs` (FILE or FILE:NAME) on `rows`
    (`prepared_rows`), and each child's answer. Raises SourceError for a file it cannot read."""
    sources = [RewardSource.read(s) for s in specs]
    found, answers = collisions(sources), []
    for s in sources:
        answers.append(run_child(s, rows, time_limit=time_limit, memory_limit=memory_limit))
        found += signature(s) + judged(s, answers[-1], time_limit=time_limit, memory_limit=memory_limit)
    return found, answers


def first_rows(path: str, opts: t.Any) -> list[dict[str, str]]:
    """The first prompts of a local data file, prepared: the extra column is
    `extra_data` if the file has one, else its one column besides the prompt."""
    import itertools

    from ftprep.reading.records import read_records

    prompt = opts.field("field_prompt", "prompt")
    columns, records = read_records(path)
    others = [c for c in columns if c != prompt]
    extra = "extra_data" if "extra_data" in columns else others[0] if len(others) == 1 else None
    picked = (rec for _, _, rec in records if isinstance(rec, dict))
    return prepared_rows(itertools.islice(picked, SAMPLE_ROWS), prompt, extra)


def with_rewards(report: t.Any, opts: t.Any) -> t.Any:
    """`report` with the reward functions' findings in each local prompts file's
    report, and as notes: their sampled rewards, and the inputs they were not tried on."""
    from ftprep.tasks import find

    specs = [opts.reward_func] if isinstance(opts.reward_func, str) else list(opts.reward_func)
    for fr in report.files:
        task = find(fr.task)
        # the task that maps a prompt alone: GRPO, whose reward functions take the prompts
        if task is None or task.fields != {"field_prompt": "prompt"}:
            continue
        rows = [] if "://" in fr.path or fr.path == "-" else first_rows(fr.path, opts)
        if not rows:
            report.notes.append({"message": f"{fr.path}: reward functions not tried (they are tried on a local "
                                            "file's prompts)"})
            continue
        found, answers = reward_trial(specs, rows, time_limit=opts.reward_time_limit,
                                      memory_limit=opts.reward_memory_limit)
        fr.diagnostics.extend(found)
        for name, spread in rewards_summary(answers):
            report.notes.append({"message": f"{fr.path}: reward {name!r} over {spread['n']} prompts: min "
                                 f"{spread['min']:g}, mean {spread['mean']:g}, max {spread['max']:g}, "
                                 f"{spread['distinct']} distinct", "rewards": {"function": name, **spread}})
        for a in answers:  # past the 5 rows prep tries: not a prep failure, but training may meet the same
            if a.get("sample_error"):
                report.notes.append({"message": f"{fr.path}: reward {a.get('picked')!r} passes the trainer's "
                                                f"5-row validation but raises on later prompts: {a['sample_error']}"})
    return report


__all__ = ["RewardSource", "collisions", "first_rows", "judged", "prepared_rows", "reward_trial", "rewards_summary",
           "run_child", "signature", "with_rewards"]
