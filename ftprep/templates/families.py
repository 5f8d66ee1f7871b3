"""Which of the trainer's chat templates fits a base model, by model family.

The trainer applies the template the job names (`chatTemplate`), whatever the
model; one that does not match the model's own markup trains it on foreign
control text. The table maps a model id to the template written with the same
turn markup and special tokens as the family's own template (the comparison
of official and axolotl templates is in the chat-template notes). A family
that none of the seven fits (Llama 2 and 4, Phi-3, Phi-4-mini, older DeepSeek
chat models, ...) maps to nothing: the user must choose.
"""

from __future__ import annotations

import dataclasses
import re


@dataclasses.dataclass(frozen=True)
class Family:
    """A model family, the pattern its Hub ids match and its template."""

    name: str
    pattern: re.Pattern[str]
    template: str


def _family(name: str, pattern: str, template: str) -> Family:
    return Family(name, re.compile(pattern, re.IGNORECASE), template)


# Matched against the repo name (the part after the owner), first match wins:
# the exceptions stand before the rule they break.
FAMILIES: tuple[Family, ...] = (
    # Phi-4-mini and -multimodal use <|user|>...<|end|>, not Phi-4's <|im_sep|> turns.
    _family("Phi-4-mini", r"phi-?4-?(mini|multimodal)", ""),
    _family("Phi-4", r"phi-?4", "phi_4"),
    # R1 distills onto Qwen or Llama keep DeepSeek's own <｜User｜> markup.
    _family("DeepSeek-V3 / R1", r"deepseek-?(v3|r1|v2\.5|prover-v2)", "deepseek_v3"),
    _family("Qwen3", r"qwen-?3", "qwen3"),
    # Qwen2 / 2.5 speak ChatML (<|im_start|>, <|im_end|>) without qwen3's <think> block.
    _family("Qwen2 / Qwen2.5", r"qwen-?(2|1\.5)|qwq", "chatml"),
    _family("Llama 3", r"llama-?3", "llama3"),
    # Nemo, Small 3.x, Ministral and Pixtral use the tekken [INST] markup the template writes.
    _family("Mistral", r"mistral|ministral|mixtral|nemo(?!tron)|pixtral|codestral|devstral|magistral",
            "mistral_v3_tekken"),
    # Gemma 2 writes the same <start_of_turn> turns; only Gemma 3's template merges a system turn.
    _family("Gemma 2 / 3", r"gemma-?[23]", "gemma3"),
)


def family(model: str) -> Family | None:
    """The family of a Hub model id (`google/gemma-3-4b-it`), or None when unknown."""
    name = model.rsplit("/", 1)[-1]
    return next((f for f in FAMILIES if f.pattern.search(name)), None)


def for_model(model: str) -> str | None:
    """The chat template for `model`, or None when its family is unknown or fits none."""
    found = family(model)
    return found.template if found and found.template else None
