"""The child process of a reward-function trial: it runs ONE user file's code the
way the trainer's prep validates a reward function, and writes what happened as
JSON into the file it was named.

It is run as a script (`python -I reward_child.py JOB_PATH ANSWER_PATH`), never
imported by the product: it imports nothing of ftprep, so the user's code sees
a plain interpreter. Its working folder is a fresh temporary one. Before the
user's code runs, the child caps its own address space (RLIMIT_AS) and installs
an audit hook that refuses sockets (the trainer's reward containers have no
network, so code that needs it fails there), starting or signalling processes,
and writing anywhere but the working folder: the user's own machine must not
pay for a hostile file. An audit hook is no security boundary (the parent also
kills the child's whole process group), but it stops the plain ways.
"""

from __future__ import annotations

import inspect
import json
import numbers
import os
import sys
import traceback
import typing as t

# Audit events that open a connection or a listening socket.
_NETWORK = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname"}
# Audit events that start a process or signal one.
_PROCESS = {"os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "subprocess.Popen",
            "os.startfile", "os.kill", "os.killpg", "signal.pthread_kill", "_winapi.CreateProcess"}
# Audit events that change the file system, and which of their arguments are the paths changed
# (a symlink's target is not changed by making the link; a hard link's source is shared by it).
_CHANGES = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.truncate": (0,), "os.chmod": (0,),
            "os.chown": (0,), "os.utime": (0,), "shutil.rmtree": (0,), "os.rename": (0, 1), "os.link": (0, 1),
            "os.symlink": (1,)}
# C functions whose lookup through ctypes would start a process behind the hook's back.
_NATIVE = {"fork", "vfork", "clone", "clone3", "execve", "execv", "execvp", "execl", "system", "posix_spawn",
           "posix_spawnp", "popen", "daemon", "setsid", "kill", "killpg", "syscall"}
_WRITES = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
# What the hook refused, in order: told even when the user's code caught the refusal.
REFUSED: list[str] = []


def _refuse(what: str, why: str, kind: str) -> t.NoReturn:
    REFUSED.append(what)
    # A builtin error, marked: this script runs isolated (python -I) and keeps no error classes of its own.
    refusal = PermissionError(f"{what} is blocked: {why}")
    refusal.refused = kind  # type: ignore[attr-defined]
    raise refusal


def _inside(path: t.Any, work: str) -> bool:
    if isinstance(path, int):  # an open descriptor: opened under the same rules
        return True
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return real == os.devnull or real == work or real.startswith(work + os.sep)


def _writes(mode: t.Any, flags: t.Any) -> bool:
    # builtin open passes its mode string; os.open passes permission bits as the mode, and its flags
    return (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and
                                                                           bool(flags & _WRITES))


def guard(work: str) -> t.Callable[[str, tuple], None]:
    """The audit hook of a child working in `work`."""
    def hook(event: str, args: tuple) -> None:
        if event in _NETWORK:
            _refuse(f"network access ({event})", "the trainer's reward functions run without network", "network")
        if event in _PROCESS and not (event == "os.kill" and args and args[0] == os.getpid()):
            _refuse(f"starting or signalling a process ({event})", "ftprep's trial runs none", "process")
        if event == "ctypes.dlsym" and len(args) > 1 and str(args[1]) in _NATIVE:
            _refuse(f"the C function {args[1]}() through ctypes", "ftprep's trial starts no process", "process")
        if event == "open" and len(args) > 2 and _writes(args[1], args[2]) and not _inside(args[0], work):
            _refuse(f"writing {args[0]!r}", "ftprep's trial writes only in its temporary folder", "write")
        if event in _CHANGES and not all(_inside(args[i], work) for i in _CHANGES[event] if i < len(args)):
            _refuse(f"changing {args[0]!r} ({event})", "ftprep's trial writes only in its temporary folder", "write")
    return hook


def _no_fork_exec() -> None:
    """subprocess raises an audit event before it starts a process; multiprocessing's spawn and
    forkserver call the C helper beneath it directly, so the helper itself refuses."""
    try:
        import _posixsubprocess
    except ImportError:  # not POSIX: _winapi.CreateProcess raises its own audit event
        return

    def refused(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        _refuse("starting a process (_posixsubprocess.fork_exec)", "ftprep's trial runs none", "process")

    _posixsubprocess.fork_exec = refused


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
    refused = next((getattr(e, "refused") for e in seen if getattr(e, "refused", None)), None)
    kind = ("memory" if any(isinstance(e, MemoryError) for e in seen)
            else "network" if refused == "network" else "refused" if refused else "raises")
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
    job_path, answer_path = sys.argv[1], sys.argv[2]
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    # Opened before the hook: the answer lies outside the working folder, where the user's code cannot forge it.
    out = open(answer_path, "w", encoding="utf-8")
    sys.stdout = sys.stderr  # the user's prints must not garble anything
    _limit_memory(int(job["memory"]))
    _no_fork_exec()
    sys.addaudithook(guard(os.path.realpath(os.getcwd())))
    try:
        answer = trial(job)
    except BaseException as e:  # e.g. a MemoryError while building the answer
        answer = _failure(e)
    if REFUSED:
        answer["refused"] = REFUSED[:5]
    out.write(json.dumps(answer, default=repr))
    out.close()


if __name__ == "__main__":
    main()
