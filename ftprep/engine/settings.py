"""The registries behind the options' choices, and `settle` with them.

ftprep/core/options.py names a registry ("tasks", "chat_templates",
"stdin_formats") where an option's values come from one; core imports nothing
above itself, so this module, above the registries, resolves the names for the
verbs and for the CLI.
"""

from __future__ import annotations

import typing as t

from ftprep.core import options as declared
from ftprep.core.options import Options


def choices(registry: str) -> tuple[str, ...]:
    """The values of a registry named in the declaration."""
    if registry == declared.TASKS:
        from ftprep.tasks import TASK_NAMES

        return tuple(TASK_NAMES)
    if registry == declared.TEMPLATES:
        from ftprep.templates import TEMPLATES

        return tuple(TEMPLATES)
    if registry == declared.STDIN:
        from ftprep.disk.inputs import STDIN_FORMATS

        return tuple(STDIN_FORMATS)
    raise KeyError(registry)


def settle(verb: str, options: Options | None, keywords: t.Mapping[str, t.Any]) -> Options:
    """`verb`'s one `Options`: `options` with `keywords` applied and checked
    (TypeError for an unknown keyword, ValueError for a bad value)."""
    return declared.settle(verb, options, keywords, choices)
