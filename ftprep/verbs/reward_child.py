"""The child process of a reward-function trial: it runs ONE user file's code the
way the trainer's prep validates a reward function, and writes what happened as
JSON into the file it was named.

It is run as a script (`python -I reward_child.py ANSWER_PATH`), never imported by the
product: it imports nothing of ftprep, so the user's code sees a plain
interpreter. Before the user's code runs, the child caps its own address space
(RLIMIT_AS) and refuses sockets with an audit hook: the trainer's reward
containers have no network, so code that needs it fails there.
"""

from __future__ import annotations

import inspect
import json
import numbers
import sys
import traceback
import typing as t

# Audit events that open a connection or a listening socket.
_NETWORK = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname"}


def _no_network(event: str, args: tuple) -> None:
    if event in _NETWORK:
        # A builtin error, marked: this script runs isolated (python -I) and keeps no error classes of its own.
        refusal = PermissionError(f"network access ({event}) is blocked: the trainer's reward functions run "
                                  "without network")
        refusal.network_blocked = True  # type: ignore[attr-defined]
        raise refusal


def _limit_memory(limit: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform: the trial still has its time limit
        pass


def _failure(error: BaseException) -> dict:
    """What raised, with the user's own frames (file "<reward>") only."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<reward>"]
    where = frames[-1].lineno if frames else None
    chain: BaseException | None = error
    seen: list[BaseException] = []
    while chain is not None and len(seen) < 20:  # urllib wraps the refusal in a URLError: look down the chain
        seen.append(chain)
        chain = chain.__cause__ or chain.__context__
    kind = ("memory" if any(isinstance(e, MemoryError) for e in seen)
            else "network" if any(getattr(e, "network_blocked", False) for e in seen) else "raises")
    return {"outcome": kind, "error": f"{type(error).__name__}: {error}", "error_line": where}


def _judged(result: t.Any, expected: int) -> str | None:
    """The trainer's three assertions on a result; None when it passes."""
    if not isinstance(result, list):
        return f"returned {type(result).__name__}, not a list"
    if len(result) != expected:
        return f"returned {len(result)} rewards for {expected} completions"
    if any(not isinstance(r, numbers.Number) for r in result):
        bad = next(r for r in result if not isinstance(r, numbers.Number))
        return f"returned a non-number: {bad!r} ({type(bad).__name__})"
    return None


def _reals(result: list) -> list[float]:
    # complex passes the trainer's numbers.Number test but has no place on a scale
    return [float(r) for r in result if isinstance(r, numbers.Real)]


def _call(func: t.Callable[..., t.Any], rows: list[dict]) -> tuple[list, t.Any]:
    """Called as the trainer's validation calls it: the prompts stand in for the
    completions; with an `extra_data` parameter and rows holding it, extra_data too."""
    takes_extra = False
    try:
        takes_extra = "extra_data" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        pass
    with_extra = [r for r in rows if "extra_data" in r] if takes_extra else []
    if with_extra:
        completions = [r["prompt"] for r in with_extra]
        return completions, func(completions, extra_data=[r["extra_data"] for r in with_extra])
    completions = [r.get("prompt", "Sample prompt") for r in rows]
    return completions, func(completions)


def trial(job: dict) -> dict:
    namespace: dict = {}
    try:
        exec(compile(job["source"], "<reward>", "exec"), namespace)
    except BaseException as e:  # the user's module itself fails: the trainer's exec raises the same
        return {**_failure(e), "step": "exec"}
    picked = next(((k, v) for k, v in namespace.items() if callable(v)), None)
    if picked is None:
        return {"outcome": "raises", "step": "pick", "error": "StopIteration: the module defines no callable",
                "error_line": None}
    name, func = picked
    code = getattr(func, "__code__", None)
    out = {"picked": name, "defined_here": code is not None and code.co_filename == "<reward>",
           "picked_line": code.co_firstlineno if code is not None and code.co_filename == "<reward>" else None}
    try:
        completions, result = _call(func, job["validation"])
    except BaseException as e:
        return {**out, **_failure(e), "step": "validation"}
    wrong = _judged(result, len(completions))
    if wrong is not None:
        return {**out, "outcome": "bad", "step": "validation", "error": wrong}
    out.update(outcome="ok", rewards=_reals(result))
    if len(job["sample"]) > len(job["validation"]):
        try:  # the distribution over a larger sample; a failure here is told, the validation passed
            completions, result = _call(func, job["sample"])
        except BaseException as e:
            return {**out, "sample_error": _failure(e)["error"]}
        if _judged(result, len(completions)) is None:
            out["rewards"] = _reals(result)
    return out


def main() -> None:
    answer_path = sys.argv[1]
    job = json.load(sys.stdin)
    sys.stdout = sys.stderr  # the user's prints must not garble the answer
    _limit_memory(int(job["memory"]))
    sys.addaudithook(_no_network)
    try:
        answer = trial(job)
    except BaseException as e:  # e.g. a MemoryError while building the answer
        answer = _failure(e)
    text = json.dumps(answer, default=repr)
    with open(answer_path, "w", encoding="utf-8") as out:
        out.write(text)


if __name__ == "__main__":
    main()
