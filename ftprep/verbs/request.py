"""`ftprep.verbs.request`: the body of a job create, built once from `submit`'s
arguments and checked against the job schema (`ftprep.core.schema`, the one
loader) before anything is converted, priced or sent.

With DATA the request names the columns `convert` writes (`JOB_FIELDS`, the
table the conversion reads too), and the `field_*` arguments name the source
columns convert maps from; without DATA they name the columns of the data
already at `repo` or `dataset_url`. Either way each is translated to the API's
field once (`COLUMN_FIELDS`).
"""

from __future__ import annotations

import typing as t

from ftprep import tasks as task_registry
from ftprep.core.schema import COLUMN_FIELDS, JOB_FIELDS, validator

# The models VoltageGPU documents ("Supported Base Models"). Others may work,
# may be refused, or may be priced differently: a warning, not an error.
SUPPORTED_MODELS = ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct",
                    "Qwen/Qwen2.5-7B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3")
SUPPORTED_IMAGE_MODELS = task_registry.image_models()
# Library argument -> request field, in the order they are written.
FIELDS = {
    "repo": "dsRepo", "dataset_url": "datasetUrl", **COLUMN_FIELDS,
    "chat_template": "chatTemplate", "image_model": "imageModelType",
}


def build_request(*, name: str, task: str, model: str, hours: t.Any, reward_funcs: t.Sequence[str] = (),
                  columns: t.Mapping[str, str] | None = None, **options: str | None) -> dict[str, t.Any]:
    """The JSON body of a create call; options left as None are omitted.
    `columns` (request field -> column), when given, name the data's columns
    instead of the `field_*` options."""
    unknown = set(options) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    if isinstance(hours, float) and hours.is_integer():
        hours = int(hours)  # 2.0 -> 2: the API takes whole hours
    if columns is not None:
        options = {**options, **{arg: columns.get(key) for arg, key in COLUMN_FIELDS.items()}}
    request: dict[str, t.Any] = {"name": name, "taskType": task, "model": model, "hours": hours}
    for arg, key in FIELDS.items():
        value = options.get(arg)
        if value is not None:
            request[key] = value
    if reward_funcs:
        request["rewardFuncs"] = list(reward_funcs)
    return request


def job_request(*, with_data: bool, name: str, task: str, model: str, hours: t.Any,
                reward_funcs: t.Sequence[str] = (), mapping: t.Mapping[str, str | None],
                **options: str | None) -> tuple[dict[str, t.Any], list[str]]:
    """The request a submit sends, and every way it (or, with DATA, the source
    mapping) breaks the job schema, as one-line messages (empty: valid)."""
    columns = (JOB_FIELDS.get(task, {}) if isinstance(task, str) else {}) if with_data else None
    request = build_request(name=name, task=task, model=model, hours=hours, reward_funcs=reward_funcs,
                            columns=columns, **options, **({} if with_data else mapping))
    found = list(_errors(request))
    if with_data:  # the rules for columns hold for the source columns too (a field the task does not take)
        given = {COLUMN_FIELDS[k]: v for k, v in mapping.items() if v is not None}
        found += [e for e in _errors({"taskType": task, **given}) if _names_a_column(e)]
    return request, _messages(found, task)


def validate_request(request: dict[str, t.Any]) -> list[str]:
    """Every way `request` breaks the job schema, as one-line messages (empty: valid)."""
    return _messages(list(_errors(request)), request.get("taskType"))


def model_warnings(request: dict[str, t.Any]) -> list[str]:
    model = str(request.get("model", ""))
    if task_registry.kind_of(request.get("taskType")) == task_registry.IMAGES:
        if not any(m in model.lower() for m in SUPPORTED_IMAGE_MODELS) and "stable-diffusion-xl" not in model.lower():
            return [f"model {model!r} is not one of the documented image models (FLUX, SDXL); "
                    "the API may refuse it"]
        return []
    if model.lower() not in {m.lower() for m in SUPPORTED_MODELS}:
        return [f"model {model!r} is not in VoltageGPU's documented list ({', '.join(SUPPORTED_MODELS)}); "
                "the API may refuse it or price it differently"]
    return []


def takes_chat_template(task: object) -> bool:
    """Whether the job schema lets `task` name a chat template (chat, dpo, grpo)."""
    return not any(e.validator == "not" and "chatTemplate" in e.validator_value.get("required", ())
                   for e in _errors({"taskType": task, "chatTemplate": "chatml"}))


def _errors(instance: dict[str, t.Any]) -> t.Iterator[t.Any]:
    return validator("job").iter_errors(instance)


def _names_a_column(e: t.Any) -> bool:
    """An error about a column field: its value, or a field the task does not take."""
    columns = set(COLUMN_FIELDS.values())
    if e.validator == "not" and isinstance(e.validator_value, dict):
        return bool(set(e.validator_value.get("required", ())) & columns)
    return bool(e.absolute_path) and e.absolute_path[0] in columns


def _messages(errors: list[t.Any], task: object) -> list[str]:
    out = []
    for e in sorted(errors, key=lambda e: (list(e.absolute_path), e.message)):
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
