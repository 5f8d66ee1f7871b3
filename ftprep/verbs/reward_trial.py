"""GRPO reward functions, tried before paying: each `--reward-func FILE[:NAME]`
is run on the input's first prompts (a local file's, or those a URL, Hub or
standard-input check kept from its temporary copy: nothing is read twice from
the network) the way the trainer's prep validates a reward function, in a
sandboxed child process (ftprep/verbs/reward_sandbox.py, reward_child.py).

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

import json
import os
import statistics
import tempfile
import typing as t

from ftprep.core.diagnostics import Diagnostic
from ftprep.verbs.reward_findings import MEMORY_LIMIT, TIME_LIMIT, RewardSource, collisions, judged, signature

# The trainer validates on the first 5 prepared rows.
VALIDATION_ROWS = 5
# The distribution of rewards is told over this many prompts, unless --reward-sample says otherwise.
SAMPLE_ROWS = 64
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reward_child.py")
# Where a check keeps the first prompts of an input it read from a temporary copy (a URL, the Hub, stdin).
PROMPTS = "reward_prompts"


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
    """The child's answer for one function on `rows` (the first 5 validate, all make the
    distribution); a time-out or a crash is an answer too."""
    from ftprep.verbs.reward_sandbox import run_sandboxed

    job = {"source": source.code, "validation": rows[:VALIDATION_ROWS], "sample": rows,
           "memory": memory_limit}
    with tempfile.TemporaryDirectory(prefix="ftprep-reward-") as scratch:
        # The job and the answer lie beside the child's working folder, out of the user's code's reach.
        work, job_path, answer_path = (os.path.join(scratch, n) for n in ("work", "job.json", "answer.json"))
        os.mkdir(work)
        with open(job_path, "w", encoding="utf-8") as f:
            json.dump(job, f)
        done = run_sandboxed(["-I", "-B", CHILD, job_path, answer_path], work=work, time_limit=time_limit)
        if done.status is None:
            return {"outcome": "timeout"}
        try:
            with open(answer_path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):  # killed before answering: the memory cap, or a hard crash
            tail = done.output.strip().splitlines()[-1:] or [f"exit status {done.status}"]
            return {"outcome": "memory" if "MemoryError" in tail[0] else "crash", "error": tail[0][:500]}


def rewards_summary(answers: t.Sequence[dict[str, t.Any]]) -> list[tuple[str, dict[str, float]]]:
    """min, mean, max, the number of distinct values and their share of the sample,
    of each passing function's sampled rewards."""
    out = []
    for a in answers:
        r = a.get("rewards") or []
        if a.get("outcome") == "ok" and r:
            distinct = len(set(r))
            out.append((a.get("picked", "?"), {"n": len(r), "min": min(r), "mean": statistics.fmean(r),
                                               "max": max(r), "distinct": distinct,
                                               "distinct_share": round(distinct / len(r), 4)}))
    return out


def reward_trial(specs: t.Sequence[str], rows: list[dict[str, str]], *, time_limit: float = TIME_LIMIT,
                 memory_limit: int = MEMORY_LIMIT) -> tuple[list[Diagnostic], list[dict[str, t.Any]]]:
    """Every finding of the reward functions `specs` (FILE or FILE:NAME) on `rows`
    (`prepared_rows`), and each child's answer. Raises SourceError for a file it cannot read."""
    sources = [RewardSource.read(s) for s in specs]
    found, answers = collisions(sources), []
    for s in sources:
        answers.append({**run_child(s, rows, time_limit=time_limit, memory_limit=memory_limit), "path": s.path})
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
    sample = max(VALIDATION_ROWS, getattr(opts, "reward_sample", SAMPLE_ROWS))
    return prepared_rows(itertools.islice(picked, sample), prompt, extra)


def _prompts_task(task_name: str | None) -> bool:
    from ftprep.tasks import find

    task = find(task_name)
    # the task that maps a prompt alone: GRPO, whose reward functions take the prompts
    return task is not None and task.fields == {"field_prompt": "prompt"}


def keep_prompts(report: t.Any, local: str, opts: t.Any) -> t.Any:
    """`report` of a temporary copy (a URL's download, a Hub repo's merged rows, standard
    input) holding the copy's first prompts for `with_rewards`, read while the copy exists."""
    if opts.reward_func and _prompts_task(report.task):
        try:
            report.stats[PROMPTS] = first_rows(local, opts)
        except Exception:  # rows it cannot read are the check's findings already; no trial then
            report.stats[PROMPTS] = []
    return report


def _notes(path: str, answers: t.Sequence[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    out = []
    for name, spread in rewards_summary(answers):
        out.append({"message": f"{path}: reward {name!r} over {spread['n']} prompts: min {spread['min']:g}, mean "
                    f"{spread['mean']:g}, max {spread['max']:g}, {spread['distinct']} distinct "
                    f"({spread['distinct_share']:.0%})", "rewards": {"function": name, **spread}})
    for a in answers:
        label = a.get("picked") or a.get("path")
        if a.get("sample_error"):  # past the 5 rows prep tries: not a prep failure, but training may meet the same
            out.append({"message": f"{path}: reward {label!r} passes the trainer's 5-row validation but raises "
                                   f"on later prompts: {a['sample_error']}"})
        if a.get("outcome") == "refused":  # the trainer's prep would run it: no verdict about the trainer
            out.append({"message": f"{path}: reward {label!r} not judged: {a.get('error')} (the trainer's prep "
                                   "runs it with a plain exec; ftprep's trial on your machine does not)"})
        elif a.get("refused"):
            out.append({"message": f"{path}: reward {label!r} passed although the trial refused "
                                   f"{'; '.join(a['refused'])}"})
    return out


def with_rewards(report: t.Any, opts: t.Any) -> t.Any:
    """`report` with the reward functions' findings in each prompts input's report
    (a local file, or the first prompts a remote or standard-input check kept), and
    as notes: their sampled rewards, and the inputs they were not tried on."""
    specs = [opts.reward_func] if isinstance(opts.reward_func, str) else list(opts.reward_func)
    for fr in report.files:
        kept = fr.stats.pop(PROMPTS, None)
        if not _prompts_task(fr.task):
            continue
        rows = kept if kept is not None else [] if "://" in fr.path or fr.path == "-" else first_rows(fr.path, opts)
        if not rows:
            report.notes.append({"message": f"{fr.path}: reward functions not tried (no prompts were read)"})
            continue
        found, answers = reward_trial(specs, rows, time_limit=opts.reward_time_limit,
                                      memory_limit=opts.reward_memory_limit)
        fr.diagnostics.extend(found)
        report.notes += _notes(fr.path, answers)
    return report


__all__ = ["RewardSource", "first_rows", "keep_prompts", "prepared_rows", "reward_trial", "rewards_summary",
           "run_child", "with_rewards"]
