"""`ftprep.verbs.submit`: build, check, price and create a fine-tuning job.

The order is chosen so that nothing is spent, uploaded or created until every
local check has passed and the caller has agreed to the price:

1. build the request and validate it against `schemas/job.schema.json`;
2. with DATA: check and convert it (locally); data errors stop here;
3. estimate the cost (`ftprep.api.pricing`);
4. without `dry_run`: list the jobs (the key works), resolve any earlier
   create of this name whose outcome is unknown (`ftprep.api.pending`: if it
   was stored, that job is the result and nothing is sent), check the name is
   not taken (names are how a lost create is found again), then ask `confirm`;
5. with DATA: upload the data converted in step 2 to `repo` (`ftprep.verbs.push.upload`);
6. record the create as pending, create the job once (`Client.create_job`,
   with an idempotency key), and drop the record once the outcome is known.

With DATA the job's field options are those of the converted data, so they
always name the pushed columns; the `field_*` arguments map the source columns.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import contextlib
import os
import typing as t
from importlib import resources
from typing import Unpack

from ftprep.api.pricing import Estimate, estimate
from ftprep.core.keywords import SubmitOptions

if t.TYPE_CHECKING:
    from ftprep.api import Client, Job
    from ftprep.api.pending import PendingCreate, PendingStore
    from ftprep.core.diagnostics import Report
    from ftprep.core.options import Options

# The models VoltageGPU documents ("Supported Base Models"). Others may work,
# may be refused, or may be priced differently: a warning, not an error.
SUPPORTED_MODELS = ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct",
                    "Qwen/Qwen2.5-7B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3")
SUPPORTED_IMAGE_MODELS = ("flux", "sdxl")
# Library argument -> request field, in the order they are written.
FIELDS = {
    "repo": "dsRepo", "dataset_url": "datasetUrl",
    "field_instruction": "fieldInstruction", "field_output": "fieldOutput",
    "field_conversation": "fieldConversation", "field_prompt": "fieldPrompt",
    "field_chosen": "fieldChosen", "field_rejected": "fieldRejected",
    "chat_template": "chatTemplate", "image_model": "imageModelType",
}
MAPPING = ("field_instruction", "field_output", "field_conversation", "field_prompt", "field_chosen",
           "field_rejected")


class RequestInvalid(ValueError):
    """The request would be refused, or must not be sent. `problems` are one-line messages."""

    def __init__(self, problems: list[str]) -> None:
        from ftprep.core.redact import redact

        problems = [redact(p) for p in problems]  # they quote values, such as a datasetUrl with its signature
        super().__init__("; ".join(problems))
        self.problems = problems


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


def build_request(*, name: str, task: str, model: str, hours: t.Any, reward_funcs: t.Sequence[str] = (),
                  **options: str | None) -> dict[str, t.Any]:
    """The JSON body of a create call; options left as None are omitted."""
    unknown = set(options) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    if isinstance(hours, float) and hours.is_integer():
        hours = int(hours)  # 2.0 -> 2: the API takes whole hours
    request: dict[str, t.Any] = {"name": name, "taskType": task, "model": model, "hours": hours}
    for arg, key in FIELDS.items():
        value = options.get(arg)
        if value is not None:
            request[key] = value
    if reward_funcs:
        request["rewardFuncs"] = list(reward_funcs)
    return request


@functools.cache
def _validator() -> t.Any:
    import jsonschema

    text = resources.files("ftprep").joinpath("schemas", "job.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_request(request: dict[str, t.Any]) -> list[str]:
    """Every way `request` breaks the job schema, as one-line messages (empty: valid)."""
    errors = sorted(_validator().iter_errors(request), key=lambda e: (list(e.absolute_path), e.message))
    task = request.get("taskType")
    out = []
    for e in errors:
        msg = _message(e, task)
        if msg not in out:
            out.append(msg)
    return out


def _message(e: t.Any, task: object) -> str:
    field = ".".join(str(p) for p in e.absolute_path) or "request"
    schema = e.schema if isinstance(e.schema, dict) else {}
    if e.validator == "not" and isinstance(e.validator_value, dict) and "required" in e.validator_value:
        return f"{e.validator_value['required'][0]} does not apply to taskType {task}"
    if e.validator == "required":
        missing = e.message.split("'")[1] if "'" in e.message else e.message
        why = f" for taskType {task}" if "allOf" in e.schema_path else ""
        return f"{missing} is required{why}"
    if e.validator == "pattern":
        text = schema.get("x-message", e.message)
        return f"{text if field in text else f'{field}: {text}'} (got {e.instance!r})"
    if e.validator == "enum":
        return f"{field} must be one of {', '.join(map(str, e.validator_value))} (got {e.instance!r})"
    if e.validator == "type" and field == "hours":
        return f"hours must be a whole number from 1 to 24 (got {e.instance!r})"
    if e.validator in ("minimum", "maximum") and field == "hours":
        return f"hours must be from 1 to 24 (got {e.instance!r})"
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        extra = sorted(set(e.instance) - set(schema.get("properties", {})))
        return f"unknown field(s): {', '.join(extra)}"
    return f"{field}: {e.message}"


def model_warnings(request: dict[str, t.Any]) -> list[str]:
    model = str(request.get("model", ""))
    if request.get("taskType") == "image":
        if not any(m in model.lower() for m in SUPPORTED_IMAGE_MODELS) and "stable-diffusion-xl" not in model.lower():
            return [f"model {model!r} is not one of the documented image models (FLUX, SDXL); "
                    "the API may refuse it"]
        return []
    if model.lower() not in {m.lower() for m in SUPPORTED_MODELS}:
        return [f"model {model!r} is not in VoltageGPU's documented list ({', '.join(SUPPORTED_MODELS)}); "
                "the API may refuse it or price it differently"]
    return []


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
    confirm: t.Callable[[Submission], bool] | None = None,
    pending: PendingStore | None = None,
    options: Options | None = None,
    **check_options: Unpack[SubmitOptions],
) -> Submission:
    """Create a fine-tuning job (see the module docstring for the order of steps).

    Raises `RequestInvalid` for a request the API would refuse (or a name
    already taken), `ftprep.api.ApiError` subclasses for API failures, and
    whatever `ftprep.push` raises. Data errors are not raised: the returned
    `Submission` has state "stopped" and the `report`. `pending` holds the
    creates whose outcome is unknown (default: `PendingStore()`, the user's cache).
    `check_options` are those of `SubmitOptions` (TypeError for an unknown one,
    ValueError for a bad value); `options` is an already built `Options` they override.
    """
    from ftprep.core.redact import register_url
    from ftprep.engine.settings import settle

    checked = settle("submit", options, check_options)  # a bad keyword fails before anything is built
    register_url(dataset_url)  # an API that echoes the request must not print its signature
    mapping = dict(field_instruction=field_instruction, field_output=field_output,
                   field_conversation=field_conversation, field_prompt=field_prompt, field_chosen=field_chosen,
                   field_rejected=field_rejected)
    options = dict(repo=repo, dataset_url=dataset_url, chat_template=chat_template, image_model=image_model,
                   **mapping)
    request = build_request(name=name, task=task, model=model, hours=hours, reward_funcs=reward_funcs, **options)
    problems = validate_request(request)
    if data is not None and str(task).startswith("custom_"):
        problems.append("custom_* jobs read a file URL (--dataset-url), while DATA is pushed to a Hub repo: "
                        "use a Hub task type with --repo, or host the file and pass --dataset-url without DATA")
    if problems:
        raise RequestInvalid(problems)
    plan_estimate = estimate(model, request["hours"], task=task, params_b=params_b)
    warnings = model_warnings(request)

    # The stage (the converted data) lives until the upload: it is converted once,
    # and the job names exactly the columns that are pushed.
    with contextlib.ExitStack() as stack:
        stage = None
        report = None
        if data is not None:
            from ftprep.verbs.push import DataErrors, staged

            kwargs = {k: v for k, v in {**mapping, "image_model": image_model}.items() if v is not None}
            try:
                stage = stack.enter_context(staged(os.fspath(data), task=task, chat_template=chat_template,
                                                   options=checked, **kwargs))
            except DataErrors as e:
                return Submission(request, plan_estimate, "stopped", warnings, e.report)
            report = stage.conversion.report
            options.update({k: None for k in MAPPING})
            options.update(_to_args(stage.conversion.job_fields))
            request = build_request(name=name, task=task, model=model, hours=hours, reward_funcs=reward_funcs,
                                    **options)
            problems = validate_request(request)
            if problems:
                raise RequestInvalid(problems)
        plan = Submission(request, plan_estimate, "dry-run" if dry_run else "planned", warnings, report)
        if dry_run:
            return plan
        return _create(plan, stage, name, private, client, confirm, pending)


def _create(plan: Submission, stage: t.Any, name: str, private: bool, client: Client | None,
            confirm: t.Callable[[Submission], bool] | None, pending: PendingStore | None) -> Submission:
    """Resolve earlier creates of the name, check it is free, confirm, push the
    stage if any, then create the job once."""
    from ftprep.api.pending import PendingStore, request_hash, settle

    own_client = client is None
    if client is None:
        from ftprep.api import Client

        client = Client()
    store = pending if pending is not None else PendingStore()
    digest = request_hash(plan.request)
    try:
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
    finally:
        if own_client:
            client.close()
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


def _to_args(job_fields: dict[str, str]) -> dict[str, str]:
    by_key = {v: k for k, v in FIELDS.items()}
    return {by_key[k]: v for k, v in job_fields.items() if k in by_key}
