"""Column-level chat rules: what the trainer's prep drops from a chat row.

The prep keeps only the conversation column and, in each message, only the
role and content. So a KTO `label`, a `tools` column, an `images` column and
per-message weights never reach the trainer: the rules here say what that
does to the row (undesirable answers and masked turns are trained, tool
schemas and images are lost, media placeholders are trained as literal text).
"""

from __future__ import annotations

import typing as t

from ftprep.tasks.base import MEDIA_TOKENS, Finding

MEDIA_PARTS = ("image", "image_url", "input_image", "video", "video_url", "audio", "audio_url", "input_audio")
MEDIA_COLUMNS = ("images", "videos", "audios")
# The per-message weight keys: ShareGPT/OpenAI `weight`, v1 `loss_weight`.
WEIGHT_KEYS = ("weight", "loss_weight")
TOOLS_COLUMNS = ("tools",)
LABEL_COLUMN = "label"


def role_of(m: dict[str, t.Any], aliases: dict[str, str]) -> object:
    """A message's role, ShareGPT `from` and its role names mapped."""
    role = m.get("role", m.get("from"))
    return aliases.get(role.lower(), role) if isinstance(role, str) else role


def masked(m: dict[str, t.Any]) -> bool:
    """Whether a message's weight is 0 (False, 0 and 0.0 alike)."""
    return any(isinstance(m.get(k), (int, float)) and m.get(k) == 0 for k in WEIGHT_KEYS)


def media_in(m: object) -> str | None:
    """What makes a message multimodal (a placeholder or a media part), or None."""
    if not isinstance(m, dict):
        return None
    content = m.get("content", m.get("value"))
    if isinstance(content, str):
        return next((tok for tok in MEDIA_TOKENS if tok in content), None)
    if isinstance(content, list):
        for p in content:
            if not isinstance(p, dict):
                continue
            if p.get("type") in MEDIA_PARTS:
                return f"an {p['type']} part" if str(p["type"])[:1] in "aeiou" else f"a {p['type']} part"
            text = p.get("text", p.get("value"))
            if isinstance(text, str) and (tok := next((x for x in MEDIA_TOKENS if x in text), None)):
                return tok
    return None


def present(value: object) -> bool:
    """A column value that holds something (not null, blank, `[]` or `"[]"`)."""
    if value is None or value == [] or value == {}:
        return False
    return not (isinstance(value, str) and value.strip() in ("", "[]", "{}", "null"))


def undesirable(value: object) -> bool:
    """A KTO label that marks the answer as bad."""
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def explain(obj: dict[str, t.Any], messages: object, col: str, aliases: dict[str, str]) -> list[Finding]:
    """The column-level findings of one chat row; `messages` is the parsed conversation."""
    out: list[Finding] = []
    if col != LABEL_COLUMN and undesirable(obj.get(LABEL_COLUMN)):
        out.append(Finding("S007", f"'{LABEL_COLUMN}' is false: a KTO row whose answer is undesirable; the trainer's "
                           "prep drops the label and trains the answer as a target", LABEL_COLUMN,
                           "drop the row (ftprep convert --task chat drops label=false rows)"))
    for c in TOOLS_COLUMNS:
        if c != col and present(obj.get(c)):
            out.append(Finding("S006", f"column '{c}' (tool schemas) is dropped by the trainer's prep, which keeps "
                               "only the conversation column: the model learns the calls without the schemas", c,
                               "state the tools in the system message if the model must see them"))
    media = next((c for c in MEDIA_COLUMNS if c != col and present(obj.get(c))), None)
    where = media
    if isinstance(messages, list):
        found = next(((i, x) for i, m in enumerate(messages) if (x := media_in(m))), None)
        if found:
            where, media = f"{col}[{found[0]}]", found[1]
    if media and where:
        what = f"column '{media}'" if where == media else media
        out.append(Finding("C022", f"a multimodal row ({what}): the trainer is text-only; it drops the media and "
                           "trains any <image>/<video>/<audio> placeholder as literal text", where,
                           "remove the multimodal rows (ftprep convert refuses them)"))
    if isinstance(messages, list):
        turns = [i for i, m in enumerate(messages)
                 if isinstance(m, dict) and role_of(m, aliases) == "assistant" and masked(m)]
        if turns:
            listed = ", ".join(map(str, turns[:5])) + (", ..." if len(turns) > 5 else "")
            out.append(Finding("C019", f"assistant turn(s) {listed} masked by weight 0: the trainer's prep drops "
                               "per-message weights and trains every assistant turn", f"{col}[{turns[0]}]",
                               "ftprep convert cuts masked final turns (masked middle turns stay trained): rewrite or remove them"))
    return out
