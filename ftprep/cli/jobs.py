"""`ftprep submit`, `ftprep jobs ...` and `ftprep cost`: thin layers over
`ftprep.verbs.submit`, `ftprep.api.Client` and `ftprep.api.pricing`.

Exit codes: 0 done; 1 data errors, a declined confirmation, a watched job that
failed or was cancelled, or a cost that cannot be estimated; 2 usage, request,
auth, network and API errors. The API key is never printed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import typing as t

import click

from ftprep.cli.options import declared_options

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


api_key_option = click.option("--api-key", metavar="KEY", default=None,
                              help="API key (default: $VOLTAGEGPU_API_KEY). Base URL: $VOLTAGEGPU_BASE_URL.")


def api_options(f: F) -> F:
    """--format and --api-key, for the jobs commands."""
    return api_key_option(declared_options("jobs")(f))


def _interactive() -> bool:
    return sys.stdin.isatty()


def _say(text: str, file: t.TextIO | None = None, err: bool = False) -> None:
    """Every line these commands print goes through here, redacted: a server that
    echoes the key, or a datasetUrl with its signature, must not be printed."""
    from ftprep.core.redact import redact

    click.echo(redact(text), file=file, err=err)


def _emit(fmt: str, data: t.Any, text: str) -> None:
    _say(json.dumps(data, indent=2, ensure_ascii=False) if fmt == "json" else text)


def _fail(message: str, hint: str = "", code: int = 2) -> t.NoReturn:
    _say(f"ftprep: error: {message}" + (f"; {hint}" if hint else ""), err=True)
    raise click.exceptions.Exit(code)


def errors_handled(f: F) -> F:
    """Known failures become one line on stderr and exit 2, never a traceback."""

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        from ftprep.api.errors import ApiError
        from ftprep.verbs.push import HubError
        from ftprep.reading.formats import SourceError
        from ftprep.verbs.submit import RequestInvalid

        try:
            return f(*args, **kwargs)
        except (ApiError, HubError) as e:
            _fail(e.message, e.hint)
        except RequestInvalid as e:
            for problem in e.problems[:-1]:
                _say(f"ftprep: error: request: {problem}", err=True)
            _fail(f"request: {e.problems[-1]}", "nothing was sent")
        except (ValueError, OSError, SourceError) as e:
            _fail(str(e))

    return t.cast(F, wrapper)


def _client(api_key: str | None) -> t.Any:
    from ftprep.api import Client

    return Client(api_key)


def _confirm_or_refuse(yes: bool, question: str) -> bool:
    if yes:
        return True
    if not _interactive():
        _fail("refusing to go on without confirmation: not a terminal", "pass --yes to confirm")
    return click.confirm(question, default=False, err=True)


# --- cost ----------------------------------------------------------------------

@click.command()
@click.option("--model", required=True, help="Base model id, e.g. meta-llama/Llama-3.1-8B-Instruct.")
@click.option("--hours", required=True, type=float, help="Whole hours, 1-24 (charged upfront).")
@declared_options("cost")
@click.option("--params", "params_b", type=float, help="Model size in billions, when the name does not say.")
@click.pass_context
@errors_handled
def cost(ctx: click.Context, model: str, hours: float, task: str | None, params_b: float | None, fmt: str) -> None:
    """Estimate what a job costs: hours × the rate of the model's size tier.

    Sizes between the published tiers (3-4B, 13-30B) are priced at the higher
    tier. Exits 1 when the size cannot be told from the model name.
    """
    from ftprep.api.pricing import estimate

    est = estimate(model, hours, task=task, params_b=params_b)
    _emit(fmt, est.to_json(), f"{model}: {est.describe()}")
    ctx.exit(0 if est.known else 1)


# --- submit --------------------------------------------------------------------

@click.command()
@click.argument("data", required=False)
@click.option("--name", required=True, help="Job name: letters, digits and hyphens.")
@click.option("--model", required=True, help="Base model id.")
@click.option("--repo", metavar="OWNER/NAME", help="Hub dataset repo (dsRepo); DATA is pushed there.")
@click.option("--dataset-url", metavar="URL", help="custom_*: direct URL of the dataset file (datasetUrl).")
@click.option("--hours", required=True, type=float, help="Training hours, a whole number 1-24; charged upfront.")
@click.option("--reward-func", "reward_funcs", multiple=True, metavar="NAME",
              help="grpo: reward function (repeatable).")
@declared_options("submit")
@click.option("--params", "params_b", type=float, help="Model size in billions, for the estimate.")
@click.option("--public", is_flag=True, help="Push DATA to a public repo (default private).")
@click.option("--dry-run", is_flag=True, help="Check, build and price the request; send nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
@api_key_option
@click.pass_context
@errors_handled
def submit(ctx: click.Context, data: str | None, fmt: str, api_key: str | None, yes: bool, dry_run: bool,
           public: bool, **params: t.Any) -> None:
    """Create a fine-tuning job. With DATA: check, convert and push it to --repo first.

    The request is validated against schemas/job.schema.json and priced before
    anything is sent; on a terminal you are asked to confirm the cost.
    """
    from ftprep.cli.options import settings
    from ftprep.verbs.submit import submit as run_submit

    opts, request = settings(ctx, "submit", [data] if data else [], params)  # request: the job's own fields
    if not dry_run and not yes and not _interactive():
        _fail("refusing to create a paid job without confirmation: not a terminal", "pass --yes, or --dry-run")
    out = sys.stdout if fmt == "text" else sys.stderr

    def confirm(plan: t.Any) -> bool:
        _show_plan(plan, out)
        cost = plan.estimate.estimated_cost_usd
        price = f"${cost:,.2f}" if cost is not None else "an unknown amount (see above)"
        return _confirm_or_refuse(yes, f"Create job {plan.request['name']!r} and pay {price} upfront?")

    client = None if dry_run else _client(api_key)
    try:
        sub = run_submit(data, private=not public, dry_run=dry_run, client=client, confirm=confirm, options=opts,
                         **request)
    finally:
        if client is not None:
            client.close()
    if fmt == "json":
        _emit(fmt, sub.to_json(), "")
    elif sub.state in ("dry-run", "stopped"):
        _show_plan(sub, out)
    if sub.state == "stopped":
        _say(f"not submitted: the data has {sub.report.errors:,} error(s); nothing was pushed or created",
                   err=True)
        ctx.exit(1)
    if sub.state == "declined":
        _say("not submitted: nothing was created", err=True)
        ctx.exit(1)
    if fmt == "text" and sub.job is not None:
        if sub.push is not None:
            _say(f"pushed {getattr(sub.push, 'repo_id', '')} at {getattr(sub.push, 'commit', '')}")
        if sub.job.recovered_from:
            _say(f"the create call failed ({sub.job.recovered_from}), but the job was stored; "
                 "it was not sent again:")
        _say(f"created job {sub.job.id} ({sub.job.status or 'no status'}); "
             f"follow it with: ftprep jobs watch {sub.job.id}")


def _show_plan(plan: t.Any, out: t.TextIO) -> None:
    if plan.report is not None:
        from ftprep.output.reporters import REPORTERS

        REPORTERS["text"](plan.report, out)
    if plan.state == "stopped":
        return
    head = "Request (dry run, not sent)" if plan.state == "dry-run" else "Request"
    _say(f"{head}: POST /fine-tuning", file=out)
    _say(json.dumps(plan.shown_request(), indent=2, ensure_ascii=False), file=out)
    _say(f"Estimated cost: {plan.estimate.describe()}", file=out)
    for w in plan.warnings:
        _say(f"warning: {w}", file=out)


# --- jobs ----------------------------------------------------------------------

@click.group()
def jobs() -> None:
    """List, show, follow, cancel, rename and back up fine-tuning jobs."""


def _row(job: t.Any) -> list[str]:
    hours = "" if job.hours is None else f"{job.hours:g}"
    return [job.id, job.name or "", job.status or "?", job.task_type or "", job.model or "", hours,
            job.created_at or ""]


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


@jobs.command("list")
@click.option("--status", help="Only jobs in this state (pending, training, evaluating, completed, failed).")
@api_options
@errors_handled
def list_(status: str | None, fmt: str, api_key: str | None) -> None:
    """List your jobs, then the creates whose outcome is not known yet.

    A create whose answer was lost is kept as pending (in $FTPREP_PENDING_DIR,
    default ~/.cache/ftprep/pending) until a full list shows its job or a
    `submit` of the same request resolves it.
    """
    from ftprep.api.pending import PendingStore, sort_listed

    with _client(api_key) as api:
        found = api.list_jobs(status)
        scope = api.scope
    store = PendingStore()
    settled, unresolved = sort_listed(store, scope, found) if not status else ([], store.all(scope))
    header = ["ID", "NAME", "STATUS", "TASK", "MODEL", "HOURS", "CREATED"]
    text = _table([header] + [_row(j) for j in found]) if found else "no jobs"
    notes = [f"the create of {r.name!r} at {r.since} lost its answer ({r.cause}); it was stored as job {j.id}"
             for r, j in settled]
    if unresolved:
        notes.append(f"{len(unresolved)} create(s) with an unknown outcome (the answer was lost; the job may still "
                     "appear; submitting the same request again looks for it first):")
        notes.append(_table([["NAME", "SENT", "CAUSE"]] + [[r.name, r.since, r.cause] for r in unresolved]))
    if fmt == "json":  # stdout stays the job list; the notes go beside it
        _emit(fmt, [j.to_json() for j in found], "")
        for note in notes:
            _say(note, err=True)
    else:
        _emit(fmt, None, "\n".join([text, "", *notes]) if notes else text)


@jobs.command()
@click.argument("job_id", metavar="ID")
@api_options
@errors_handled
def show(job_id: str, fmt: str, api_key: str | None) -> None:
    """Show a job's state and every field the API returned."""
    with _client(api_key) as api:
        job = api.get_job(job_id)
    fields = {"id": job.id, "status": job.status or "?", **{k: v for k, v in job.raw.items()
                                                           if k not in ("id", "jobId", "_id", "status")}}
    width = max(len(k) for k in fields) + 1
    text = "\n".join(f"{k + ':':<{width}} {v if isinstance(v, str) else json.dumps(v)}" for k, v in fields.items())
    _emit(fmt, job.to_json(), text)


@jobs.command()
@click.argument("job_id", metavar="ID")
@click.option("--interval", type=click.FloatRange(min=0.01), default=30.0, show_default=True,
              help="Seconds between polls (the API allows 1,000 requests an hour).")
@click.option("--timeout", type=click.FloatRange(min=0), help="Give up (exit 2) after this many seconds.")
@api_options
@click.pass_context
@errors_handled
def watch(ctx: click.Context, job_id: str, interval: float, timeout: float | None, fmt: str,
          api_key: str | None) -> None:
    """Follow a job to its end, printing each change of state.

    Exits 0 when it completes, 1 when it fails or is cancelled. With --format
    json, one JSON object per line for each change, then the final job.
    """

    def changed(job: t.Any, previous: str | None) -> None:
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        if fmt == "json":
            _say(json.dumps({"time": now, "id": job.id, "status": job.status, "previous": previous}))
        else:
            arrow = f"{previous} -> " if previous else ""
            _say(f"{now}  {job.id}  {arrow}{job.status or '(no status)'}")

    with _client(api_key) as api:
        job = api.watch(job_id, interval=interval, on_change=changed, timeout=timeout)
    detail = f": {job.message}" if job.outcome != "completed" and job.message else ""
    if fmt == "json":  # one object per line, like the changes before it
        _say(json.dumps({"id": job.id, "outcome": job.outcome, "job": job.to_json()}, ensure_ascii=False))
    else:
        _say(f"job {job.id} {job.outcome}{detail}")
    ctx.exit(0 if job.outcome == "completed" else 1)


@jobs.command()
@click.argument("job_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
@api_options
@click.pass_context
@errors_handled
def cancel(ctx: click.Context, job_id: str, yes: bool, fmt: str, api_key: str | None) -> None:
    """Cancel a pending or running job (refunded only if training has not started)."""
    if not yes and not _interactive():
        _fail("refusing to cancel without confirmation: not a terminal", "pass --yes")
    with _client(api_key) as api:
        if not yes:
            current = api.get_job(job_id)
            refund = "it is refunded" if current.status == "pending" else "it may not be refunded"
            if not _confirm_or_refuse(False, f"Cancel job {job_id} ({current.status or 'no status'}); {refund}?"):
                _say("not cancelled", err=True)
                ctx.exit(1)
        job = api.cancel_job(job_id)
    lost = f"; the answer was lost ({job.recovered_from}), the job shows it took effect" if job.recovered_from else ""
    _emit(fmt, job.to_json(), f"cancelled job {job.id} ({job.status or job.message or 'cancel requested'}){lost}")


@jobs.command()
@click.argument("job_id", metavar="ID")
@click.argument("model_name")
@api_options
@errors_handled
def rename(job_id: str, model_name: str, fmt: str, api_key: str | None) -> None:
    """Rename the result model of a completed job."""
    with _client(api_key) as api:
        job = api.rename_model(job_id, model_name)
    _emit(fmt, job.to_json(), f"renamed the model of job {job.id} to {model_name}")


@jobs.command()
@click.argument("job_id", metavar="ID")
@api_options
@errors_handled
def backup(job_id: str, fmt: str, api_key: str | None) -> None:
    """Back up a job's training repo."""
    with _client(api_key) as api:
        job = api.backup(job_id)
    where = job.raw.get("backupRepo") or job.message or "requested"
    lost = f"; the answer was lost ({job.recovered_from}), the job shows it took effect" if job.recovered_from else ""
    _emit(fmt, job.to_json(), f"backup of job {job.id}: {where}{lost}")
