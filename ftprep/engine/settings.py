"""The registries behind the options' choices, and `settle` with them.

ftprep/core/options.py names a registry ("tasks", "chat_templates",
"stdin_formats") where an option's values come from one; core imports nothing
above itself, so this module, above the registries, resolves the names for the
verbs and for the CLI.
"""

from __future__ import annotations

import dataclasses
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


def with_model_template(opts: Options) -> tuple[Options, dict[str, t.Any] | None]:
    """`opts` with the chat template of `opts.model`'s family when none was
    given, and a note saying what was chosen (or that nothing could be): a
    check must say which template its verdict holds for. No note when the
    given template is the family's own."""
    if not opts.model:
        return opts, None
    from ftprep.templates.families import family

    found = family(opts.model)
    name = found.name if found else None
    template = found.template if found and found.template else None
    note: dict[str, t.Any] = {"option": "chat_template", "model": opts.model, "family": name}
    if opts.chat_template is None and template is not None:
        message = (f"chat template {template} inferred from model {opts.model} ({name} family); "
                   "give chat_template (--chat-template) to choose another")
        return dataclasses.replace(opts, chat_template=template), {**note, "value": template, "source": "model",
                                                                    "message": message}
    if opts.chat_template is None:
        why = f"the {name} family fits none of the trainer's templates" if found else "its family is unknown"
        message = (f"no chat template inferred from model {opts.model}: {why}; chat rows are checked without "
                   "template rules unless chat_template (--chat-template) is given")
        return opts, {**note, "value": None, "source": None, "message": message}
    if template is not None and template != opts.chat_template:
        message = (f"model {opts.model} is of the {name} family, whose template is {template}; "
                   f"checking with {opts.chat_template} as given")
        return opts, {**note, "value": opts.chat_template, "source": "given", "message": message}
    return opts, None
