"""The findings of a reward-function trial: what the trainer's prep and its
rewards module make of one function's code and of its child's answer
(ftprep/verbs/reward_child.py), and of several functions' names together.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ftprep.core.diagnostics import Diagnostic
from ftprep.core.errors import SourceError

TIME_LIMIT = 10.0
MEMORY_LIMIT = 2 << 30
_HINT_RAISES = "the trainer removes a failing reward function silently; with none left the job fails in prep"
# The trainer's own name of a function: the text after the first "def " of its code.
_FIRST_DEF = re.compile(r"def\s+(\w+)\s*\(")


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


__all__ = ["RewardSource", "collisions", "judged", "signature"]
