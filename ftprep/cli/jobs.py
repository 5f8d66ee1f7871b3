"""`ftprep jobs ...`: list, show, follow, cancel, rename and back up jobs, thin
layers over `ftprep.api.Client` (one client per command, closed at its end).

Exit codes: 0 done; 1 a watched job that failed or was cancelled, or a
declined confirmation; 2 usage, auth, network and API errors. The API key is
never printed.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t

import click

from ftprep.cli.api_console import api_options, confirm_or_refuse, emit, errors_handled, fail, interactive, say


def _client(api_key: str | None) -> t.Any:
    from ftprep.api import Client

    return Client(api_key)


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
        emit(fmt, [j.to_json() for j in found], "")
        for note in notes:
            say(note, err=True)
    else:
        emit(fmt, None, "\n".join([text, "", *notes]) if notes else text)


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
    emit(fmt, job.to_json(), text)


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
            say(json.dumps({"time": now, "id": job.id, "status": job.status, "previous": previous}))
        else:
            arrow = f"{previous} -> " if previous else ""
            say(f"{now}  {job.id}  {arrow}{job.status or '(no status)'}")

    with _client(api_key) as api:
        job = api.watch(job_id, interval=interval, on_change=changed, timeout=timeout)
    detail = f": {job.message}" if job.outcome != "completed" and job.message else ""
    if fmt == "json":  # one object per line, like the changes before it
        say(json.dumps({"id": job.id, "outcome": job.outcome, "job": job.to_json()}, ensure_ascii=False))
    else:
        say(f"job {job.id} {job.outcome}{detail}")
    ctx.exit(0 if job.outcome == "completed" else 1)


@jobs.command()
@click.argument("job_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
@api_options
@click.pass_context
@errors_handled
def cancel(ctx: click.Context, job_id: str, yes: bool, fmt: str, api_key: str | None) -> None:
    """Cancel a pending or running job (refunded only if training has not started)."""
    if not yes and not interactive():
        fail("refusing to cancel without confirmation: not a terminal", "pass --yes")
    with _client(api_key) as api:
        if not yes:
            current = api.get_job(job_id)
            refund = "it is refunded" if current.status == "pending" else "it may not be refunded"
            if not confirm_or_refuse(False, f"Cancel job {job_id} ({current.status or 'no status'}); {refund}?"):
                say("not cancelled", err=True)
                ctx.exit(1)
        job = api.cancel_job(job_id)
    lost = f"; the answer was lost ({job.recovered_from}), the job shows it took effect" if job.recovered_from else ""
    emit(fmt, job.to_json(), f"cancelled job {job.id} ({job.status or job.message or 'cancel requested'}){lost}")


@jobs.command()
@click.argument("job_id", metavar="ID")
@click.argument("model_name")
@api_options
@errors_handled
def rename(job_id: str, model_name: str, fmt: str, api_key: str | None) -> None:
    """Rename the result model of a completed job."""
    with _client(api_key) as api:
        job = api.rename_model(job_id, model_name)
    emit(fmt, job.to_json(), f"renamed the model of job {job.id} to {model_name}")


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
    emit(fmt, job.to_json(), f"backup of job {job.id}: {where}{lost}")
