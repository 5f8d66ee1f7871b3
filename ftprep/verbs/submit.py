"""`ftprep.verbs.submit`: build, check, price and create a fine-tuning job.

The order is chosen so that nothing is spent, uploaded or created until every
local check has passed and the caller has agreed to the price:

1. build the request once (`ftprep.verbs.request`) and validate it against
   `schemas/job.schema.json`; the dry run, the price, the confirmation, the
   pending record and the POST all use that one value;
2. estimate the cost (`ftprep.api.pricing`);
3. without `dry_run`: take the caller's API client, or build the one client of
   the command (closed at the end);
4. with DATA: check and convert it (locally); data errors stop here;
5. without `dry_run`: list the jobs (the key works), resolve any earlier
   create of this name whose outcome is unknown (`ftprep.api.pending`: if it
   was stored, that job is the result and nothing is sent), check the name is
   not taken (names are how a lost create is found again), then ask `confirm`;
6. with DATA: upload the data converted in step 4 to `repo` (`ftprep.verbs.push.upload`);
7. record the create as pending, create the job once (`Client.create_job`,
   with an idempotency key), and drop the record once the outcome is known.

With DATA the job's field options are the canonical columns convert writes
(`ftprep.core.schema.JOB_FIELDS`, the table the conversion reads too), so they
always name the pushed columns; the `field_*` arguments map the source columns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import typing as t
from typing import Unpack

from ftprep import tasks as task_registry
from ftprep.api.pricing import Estimate, estimate
from ftprep.core.errors import DataErrors, RequestInvalid
# Part of this module's surface: callers check and build requests through it.
from ftprep.verbs.request import build_request, job_request, model_warnings, takes_chat_template, validate_request
from ftprep.core.keywords import PushOptions, SubmitOptions

if t.TYPE_CHECKING:
    from ftprep.api import Client, Job
    from ftprep.api.pending import PendingCreate, PendingStore
    from ftprep.core.diagnostics import Report
    from ftprep.core.options import Options

__all__ = ["RequestInvalid", "Submission", "build_request", "model_warnings", "submit", "validate_request"]


@dataclasses.dataclass
class Submission:
    """What `submit` did. `state` is one of:
    "dry-run" (nothing sent), "planned" (passed to `confirm`), "stopped" (data errors),
    "declined" (confirm said no), "created", or "recovered" (the create call
    failed, here or in an earlier submit of the same request, but the job list
    shows the job was stored; nothing was sent again)."""

    request: dict[str, t.Any]
    estimate: Estimate
    state: str
    warnings: list[str] = dataclasses.field(default_factory=list)
    report: Report | None = None
    push: t.Any = None
    job: Job | None = None

    @property
    def estimated_cost_usd(self) -> float | None:
        return self.estimate.estimated_cost_usd

    def shown_request(self) -> dict[str, t.Any]:
        """The request as reports show it: the datasetUrl without its password or
        presigned signature (`request` keeps the real one, which is what is sent)."""
        from ftprep.core.redact import public_url

        if isinstance(self.request.get("datasetUrl"), str):
            return {**self.request, "datasetUrl": public_url(self.request["datasetUrl"])}
        return dict(self.request)

    def to_json(self) -> dict[str, t.Any]:
        out: dict[str, t.Any] = {
            "request": self.shown_request(),
            "estimated_cost_usd": self.estimated_cost_usd,
            "estimate": self.estimate.to_json(),
            "state": self.state,
            "warnings": self.warnings,
        }
        if self.report is not None:
            out["report"] = self.report.to_json()
        if self.push is not None:
            out["push"] = {k: getattr(self.push, k, None) for k in ("repo_id", "commit", "url")}
        if self.job is not None:
            from ftprep.core.redact import redact_data

            out["job"] = redact_data(self.job.to_json())  # the API echoes the datasetUrl it was sent
        return out


def submit(
    data: str | os.PathLike[str] | None = None,
    *,
    name: str,
    task: str,
    model: str,
    hours: t.Any,
    repo: str | None = None,
    dataset_url: str | None = None,
    chat_template: str | None = None,
    field_instruction: str | None = None,
    field_output: str | None = None,
    field_conversation: str | None = None,
    field_prompt: str | None = None,
    field_chosen: str | None = None,
    field_rejected: str | None = None,
    reward_funcs: t.Sequence[str] = (),
    image_model: str | None = None,
    params_b: float | None = None,
    private: bool = True,
    dry_run: bool = False,
    client: Client | None = None,
    api_key: str | None = None,
    confirm: t.Callable[[Submission], bool] | None = None,
    pending: PendingStore | None = None,
    options: Options | None = None,
    **check_options: Unpack[SubmitOptions],
) -> Submission:
    """Create a fine-tuning job (see the module docstring for the order of steps).

    Raises `RequestInvalid` for a request the API would refuse (or a name
    already taken), `ftprep.api.ApiError` subclasses for API failures, and
    whatever `ftprep.push` raises. Data errors are not raised: the returned
    `Submission` has state "stopped" and the `report`. `client` is used and
    left open; without one, a `Client(api_key)` is built once for the whole
    command and closed at its end (a dry run builds none). `pending` holds the
    creates whose outcome is unknown (default: `PendingStore()`, the user's cache).
    `check_options` are those of `SubmitOptions` (TypeError for an unknown one,
    ValueError for a bad value); `options` is an already built `Options` they override.
    """
    from ftprep.core.redact import register_url
    from ftprep.engine.settings import settle

    if client is not None and api_key is not None:
        raise TypeError("pass client= or api_key=, not both: the client carries its key")
    checked = settle("submit", options, check_options)  # a bad keyword fails before anything is built
    register_url(dataset_url)  # an API that echoes the request must not print its signature
    inferred = None
    if chat_template is None and takes_chat_template(task):  # the job names what the check checked
        from ftprep.templates import for_model

        chat_template = inferred = for_model(model)
    mapping = dict(field_instruction=field_instruction, field_output=field_output,
                   field_conversation=field_conversation, field_prompt=field_prompt, field_chosen=field_chosen,
                   field_rejected=field_rejected)
    request, problems = job_request(with_data=data is not None, name=name, task=task, model=model, hours=hours,
                                    reward_funcs=reward_funcs, mapping=mapping, repo=repo, dataset_url=dataset_url,
                                    chat_template=chat_template, image_model=image_model)
    if data is not None and task_registry.from_url(task):
        problems.append("custom_* jobs read a file URL (--dataset-url), while DATA is pushed to a Hub repo: "
                        "use a Hub task type with --repo, or host the file and pass --dataset-url without DATA")
    if problems:
        raise RequestInvalid(problems)
    plan = Submission(request, estimate(model, request["hours"], task=task, params_b=params_b),
                      "dry-run" if dry_run else "planned", model_warnings(request))
    said = (f"chat template {inferred} inferred from model {model}; the data is checked with it and the job "
            "names it (pass --chat-template to choose another)")
    if inferred is not None and data is None:  # with DATA, the check's report says it
        plan.warnings.append(said)

    # The client and the stage (the converted data) live until the create: the
    # data is converted once, and the job names exactly the columns that are pushed.
    with contextlib.ExitStack() as stack:
        api = None if dry_run else stack.enter_context(_one_client(client, api_key))
        stage = None
        if data is not None:
            from ftprep.verbs.push import staged

            given = {k: v for k, v in {**mapping, "image_model": image_model}.items() if v is not None}
            kwargs = t.cast("PushOptions", {"task": task, "chat_template": chat_template, **given})
            try:
                stage = stack.enter_context(staged(os.fspath(data), options=checked, **kwargs))
            except DataErrors as e:
                plan.state, plan.report = "stopped", e.report
            else:
                plan.report = stage.conversion.report
            if inferred is not None:
                plan.report.notes.append({"option": "chat_template", "model": model, "value": inferred,
                                          "source": "model", "message": said})
            if stage is None:
                return plan
            _names_the_pushed_columns(request, stage.conversion.job_fields)
        if api is None:
            return plan
        return _create(plan, stage, name, private, api, confirm, pending)


@contextlib.contextmanager
def _one_client(client: Client | None, api_key: str | None) -> t.Iterator[Client]:
    """The command's one API client: the caller's (left open), or one built here and closed once."""
    if client is not None:
        yield client
        return
    from ftprep.api import Client

    with Client(api_key) as own:
        yield own


def _names_the_pushed_columns(request: dict[str, t.Any], job_fields: dict[str, str]) -> None:
    """Both come from one table; if they ever part, the job must not name columns that are not there."""
    wrong = [f"the converted data has {field}={column!r}, the request {field}={request.get(field)!r}"
             for field, column in job_fields.items() if request.get(field) != column]
    if wrong:
        raise RequestInvalid(wrong)


def _create(plan: Submission, stage: t.Any, name: str, private: bool, client: Client,
            confirm: t.Callable[[Submission], bool] | None, pending: PendingStore | None) -> Submission:
    """Resolve earlier creates of the name, check it is free, confirm, push the
    stage if any, then create the job once."""
    from ftprep.api.pending import PendingStore, request_hash, settle

    store = pending if pending is not None else PendingStore()
    digest = request_hash(plan.request)
    existing = client.list_jobs()
    earlier = settle(client, store, name, digest)
    if earlier.job is not None:
        plan.job, plan.state = earlier.job, "recovered"
        return plan
    if earlier.other is not None:
        raise RequestInvalid([f"an earlier submit of job {name!r} with other options lost its answer, and it "
                              f"was stored as job {earlier.other.id} ({earlier.other.status or 'unknown state'}); "
                              "choose another --name, or cancel that job first"])
    taken = [j for j in existing if j.name == name]
    if taken:
        raise RequestInvalid([f"a job named {name!r} already exists ({taken[0].id}, "
                              f"{taken[0].status or 'unknown state'}); choose another --name "
                              "(names are how a failed create is found again)"])
    store.check_writable()  # before the user is asked to pay: no create goes out unrecorded
    if confirm is not None and not confirm(plan):
        plan.state = "declined"
        return plan
    if stage is not None:
        from ftprep.verbs.push import upload

        plan.push = upload(stage, plan.request["dsRepo"], private=private)
    job = _create_once(client, store, plan.request, digest, existing, earlier.reuse)
    plan.job = job
    plan.state = "recovered" if job.recovered_from else "created"
    return plan


def _create_once(client: Client, store: PendingStore, request: dict[str, t.Any], digest: str,
                 existing: list[Job], reuse: PendingCreate | None) -> Job:
    """POST the request with a record written first: a process killed while the
    request is out, or an answer that is lost, leaves the record for the next submit."""
    from ftprep.api.errors import ApiError, CreateUnconfirmed
    from ftprep.api.pending import PendingCreate

    name = request["name"]
    record = PendingCreate(name, digest, client.scope, known_ids=[j.id for j in existing if j.name == name])
    if reuse is not None:  # the same request again: a service that honours the key stores it once
        record.idempotency_key = reuse.idempotency_key
    store.add(record)
    try:
        job = client.create_job(request, existing_ids={j.id for j in existing},
                                idempotency_key=record.idempotency_key)
    except CreateUnconfirmed as e:
        record.cause = e.cause or record.cause
        store.add(record)
        e.hint = ("the create is recorded as pending (`ftprep jobs list` shows it); submitting the same request "
                  "again first looks for the job and sends nothing if it was stored")
        raise
    except ApiError:
        store.remove(record)  # refused, or never sent: known not to exist
        raise
    store.remove(record)
    return job
