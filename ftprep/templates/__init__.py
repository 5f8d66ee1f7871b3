"""The trainer's 7 chat templates, as ftprep's own Python renderers.

Each renderer is written from the documented behaviour of the trainer's
templates (axolotl 0.18+, see the chat-template notes) and is tested byte for
byte against the real Jinja files. A renderer returns the training text and
the character spans of the trained (assistant) content, or raises
`TemplateError` with the template's own message where the real template raises.

Inputs are what the trainer hands the template: message dicts whose `role`
and `content` are strings, plus the extra keys a template reads
(`reasoning_content`, `tool_calls`, `tool_call_id`). No `tools` list: the
trainer's prep keeps only the conversation column, so none reaches it.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ftprep.templates import chatml, deepseek, gemma, llama, mistral, phi, qwen
from ftprep.core.errors import TemplateError
from ftprep.templates.base import Out, Rendered
from ftprep.templates.families import for_model

Message = dict[str, t.Any]


@dataclasses.dataclass(frozen=True)
class Template:
    """One chat template: its renderer and the facts the rest of ftprep needs."""

    name: str
    render_fn: t.Callable[[Out, list[Message], bool, Template, str | None], None]
    bos: str | None
    eos: str
    # Message keys the trainer passes to this template besides role and content
    # (axolotl keeps only the keys a template reads).
    keys: tuple[str, ...] = ()
    # Control strings the template writes; a tokenizer should know them as tokens.
    specials: tuple[str, ...] = ()
    # True when the template injects fixed text of its own (phi_4's system prompt).
    injects_system: bool = False

    def render(self, messages: list[Message], add_generation_prompt: bool = False,
               default_system: str | None = None) -> Rendered:
        """Render `messages`; raises `TemplateError` where the real template raises."""
        if not messages:
            raise TemplateError(self.name, "Cannot apply chat template to an empty conversation")
        for i, m in enumerate(messages):
            if not isinstance(m, dict):
                raise TemplateError(self.name, f"message {i} is not an object", "C003")
            if not isinstance(m.get("role"), str):
                raise TemplateError(self.name, f"message {i} has no string role", "C005")
            if not isinstance(m.get("content"), str):
                # ftprep renders text content only (check reports C006 for the rest).
                raise TemplateError(self.name, f"message {i} content is not a string", "C006")
        out = Out()
        try:
            self.render_fn(out, messages, add_generation_prompt, self, default_system)
        except (TypeError, KeyError, AttributeError) as e:
            # Where Jinja would hit the same Python error (str + dict, a missing key).
            raise TemplateError(self.name, f"{type(e).__name__}: {e}") from None
        return out.result()


TEMPLATES: dict[str, Template] = {
    "chatml": Template("chatml", chatml.render, None, "<|im_end|>", specials=chatml.SPECIALS),
    "llama3": Template("llama3", llama.render, "<|begin_of_text|>", "<|eot_id|>", specials=llama.SPECIALS),
    "qwen3": Template("qwen3", qwen.render, None, "<|im_end|>", ("reasoning_content", "tool_calls"),
                      specials=qwen.SPECIALS),
    "mistral_v3_tekken": Template("mistral_v3_tekken", mistral.render, "<s>", "</s>", ("tool_calls", "tool_call_id"),
                                  specials=mistral.SPECIALS),
    "deepseek_v3": Template("deepseek_v3", deepseek.render, "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>",
                            ("tool_calls",), specials=deepseek.SPECIALS),
    "phi_4": Template("phi_4", phi.render, None, "<|im_end|>", specials=phi.SPECIALS, injects_system=True),
    "gemma3": Template("gemma3", gemma.render, "<bos>", "<eos>", specials=gemma.SPECIALS),
}


def get(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        from ftprep.core.suggestion import did_you_mean

        raise ValueError(f"unknown chat template {name!r}; choose from {', '.join(TEMPLATES)}"
                         f"{did_you_mean(name, TEMPLATES)}") from None


def render(name: str, messages: list[Message], add_generation_prompt: bool = False,
           default_system: str | None = None) -> Rendered:
    """Render `messages` with the template `name` (see `Template.render`)."""
    return get(name).render(messages, add_generation_prompt, default_system)


__all__ = ["TEMPLATES", "Rendered", "Template", "TemplateError", "for_model", "get", "render"]
