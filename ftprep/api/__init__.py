"""The VoltageGPU fine-tuning API: `Client`, typed `Job`s and the error tree.

See `ftprep.api.errors` for the exception tree and `ftprep.api.models` for how
undocumented response bodies are read. `Client` (and with it httpx) is loaded
on first use, so importing the errors stays cheap for the CLI.
"""

from __future__ import annotations

import importlib
import typing as t

from ftprep.api.errors import (
    ApiError, AuthError, BadRequest, ConfigError, Conflict, CreateUnconfirmed, Forbidden, JobNotCreated,
    MalformedResponse, NetworkError, NotFound, OutcomeUnknown, RateLimited, ServerError, StatusError,
    Unprocessable, WatchTimeout,
)
from ftprep.api.models import STATES, Job, parse_job, parse_jobs

_LAZY = {"Client": "ftprep.api.client", "DEFAULT_BASE_URL": "ftprep.api.client"}

__all__ = [
    "DEFAULT_BASE_URL", "STATES", "ApiError", "AuthError", "BadRequest", "Client", "ConfigError", "Conflict",
    "CreateUnconfirmed", "Forbidden", "Job", "JobNotCreated", "MalformedResponse", "NetworkError", "NotFound",
    "OutcomeUnknown", "RateLimited", "ServerError", "StatusError", "Unprocessable", "WatchTimeout", "parse_job",
    "parse_jobs",
]


def __getattr__(name: str) -> t.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ftprep.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
