"""What each of the 7 chat templates does to a valid conversation.

Facts from the trainer's templates (axolotl 0.18+), see docs/chat-templates.md
in the shared notes: which orders raise, which messages are dropped or merged,
and what fixed text a template injects. `explain` reports them on one
conversation; `is_clean` is the same rules as a cheap test on the role list.
"""

from __future__ import annotations

import json
import typing as t

from ftprep.tasks.base import Finding

# Alternating role lists by length, so the hot path is one list comparison.
# Only the short lengths are kept: keeping every length up to a long row's
# would cost the square of its length (100,000 messages: 5e9 list slots).
_ALT: list[list[str]] = []
ALT_KEPT = 256


def alternating(n: int) -> list[str]:
    if n >= ALT_KEPT:
        return ["user" if i % 2 == 0 else "assistant" for i in range(n)]
    while len(_ALT) <= n:
        k = len(_ALT)
        _ALT.append(["user" if i % 2 == 0 else "assistant" for i in range(k)])
    return _ALT[n]


ALTERNATION_MSG = {
    "mistral_v3_tekken": "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...",
    "gemma3": "Conversation roles must alternate user/assistant/user/assistant/...",
}
VERSION_RISKY = {"phi_4": "phi_4 exists only in axolotl images from 2025-06 on; older trainer images raise \"Template 'phi_4' not found\""}
THINK_TEMPLATES = ("qwen3", "deepseek_v3")
# Templates that accept any order of the four roles (think tags aside).
ANY_ORDER = ("chatml", "llama3", "qwen3")


# Templates that silently skip a message whose role is none of system, user,
# assistant, tool (chatml and llama3 render any role as it is).
SKIP_UNKNOWN = ("qwen3", "deepseek_v3", "phi_4")
STANDARD = ("system", "user", "assistant", "tool")


def explain(messages: list[dict[str, t.Any]], template: str | None, base: str,
            index: list[int] | None = None) -> list[Finding]:
    """Template findings for a conversation whose messages all have a string role
    and content. `base` is the JSON path of the list, e.g. `$.conversations`;
    `index`: each message's position in the source list (prep drops some)."""
    if template is None:
        return []
    roles = [m["role"] for m in messages]
    out: list[Finding] = []
    at = lambda i: f"{base}[{index[i] if index else i}]"  # noqa: E731

    if template in SKIP_UNKNOWN:
        for i, r in enumerate(roles):
            if r not in STANDARD:
                out.append(Finding("C014", f"{template} silently drops messages with role {r!r}", at(i) + ".role"))

    if template == "mistral_v3_tekken":
        for i, r in enumerate(roles):
            if r not in ("user", "assistant", "tool") and not (r == "system" and i == 0):
                out.append(Finding("C012", "mistral_v3_tekken raises: Only user and assistant roles are supported, "
                                   "with the exception of an initial optional system message!", at(i) + ".role"))
                return out
        # As the template: a message whose tool_calls is not None is a call, outside the alternation.
        body = [(i, r) for i, r in enumerate(roles)
                if r in ("user", "assistant") and messages[i].get("tool_calls") is None]
        for k, (i, r) in enumerate(body):
            if r != ("user" if k % 2 == 0 else "assistant"):
                out.append(Finding("C012", f"mistral_v3_tekken raises: {ALTERNATION_MSG[template]}", at(i) + ".role",
                                   "merge consecutive turns of the same role"))
                break
        else:
            out += tekken_ids(messages, roles, at)
        if roles and roles[0] == "system" and roles[-1] != "user":
            out.append(Finding("C013", "mistral_v3_tekken drops the system message unless the conversation ends "
                               "with a user turn", at(0), "fold the system text into the first user message"))
    elif template == "gemma3":
        start = 1 if roles and roles[0] == "system" else 0
        for i in range(start, len(roles)):
            k = i - start
            if (k % 2 == 0) != (roles[i] == "user"):
                out.append(Finding("C012", f"gemma3 raises: {ALTERNATION_MSG[template]}", at(i) + ".role",
                                   "merge consecutive turns of the same role"))
                break
        if start:
            msg = ("gemma3 merges the system message into the first user turn" if len(roles) > 1
                   else "gemma3 loses a system message that nothing follows")
            out.append(Finding("C013", msg, at(0)))
    elif template == "deepseek_v3":
        for i, m in enumerate(messages):
            # Any call raises: the trainer turns its arguments into a dict (a null list is dropped in prep).
            calls = m.get("tool_calls")
            if roles[i] == "assistant" and isinstance(calls, list) and calls:
                out.append(Finding("C012", "deepseek_v3 raises a TypeError on tool calls in SFT (arguments become dicts)",
                                   at(i) + ".tool_calls"))
            if roles[i] == "system" and i > 0:
                out.append(Finding("C013", "deepseek_v3 moves every system message to the top of the conversation", at(i)))
    elif template == "phi_4":
        if not roles or roles[0] != "system":
            out.append(Finding("C015", "phi_4 injects its built-in reasoning system prompt when a conversation "
                               "has no system message", base, "add a system message of your own"))
        for i, r in enumerate(roles):
            if r == "system" and i > 0:
                out.append(Finding("C013", "phi_4 drops a system message that is not first", at(i)))
            elif r == "tool":
                out.append(Finding("C014", "phi_4 drops tool messages", at(i)))
    if template in THINK_TEMPLATES:
        for i, m in enumerate(messages):
            if "</think>" in m["content"] and drops_thinking(template, roles[i], i, len(roles)):
                msg = ("deepseek_v3 drops the reasoning before </think> in every assistant turn"
                       if template == "deepseek_v3" else
                       "qwen3 drops <think> reasoning from assistant turns before the last user turn")
                out.append(Finding("C017", msg, at(i) + ".content"))
    return out


TEKKEN_ID = "Tool call IDs should be alphanumeric strings with length 9!"


def tekken_ids(messages: list[dict[str, t.Any]], roles: list[str], at: t.Callable[[int], str]) -> list[Finding]:
    """mistral_v3_tekken raises on a tool call, or a tool result, whose id is
    absent or not 9 characters long (its check is on the length only)."""
    for i, m in enumerate(messages):
        calls = m.get("tool_calls")
        if roles[i] == "tool":
            ids = [("tool_call_id", m.get("tool_call_id"))]
        elif calls is not None and isinstance(calls, list):
            ids = [("tool_calls[].id", c.get("id") if isinstance(c, dict) else None) for c in calls]
        else:
            continue
        for key, value in ids:
            if not isinstance(value, str) or len(value) != 9:
                shown = "no id" if value is None else f"the id {json.dumps(value)}"
                return [Finding("C012", f"mistral_v3_tekken raises: {TEKKEN_ID} (message {at(i).rsplit('[', 1)[1][:-1]} "
                                f"has {shown} in {key})", at(i) + "." + key.split("[")[0],
                                "use 9-character ids such as 'a1b2c3d4e' for calls and their results")]
    return []


def drops_thinking(template: str | None, role: str, index: int, count: int) -> bool:
    """Whether the template drops the reasoning of a message holding `</think>`:
    deepseek_v3 in every assistant turn, qwen3 in all but the last message."""
    if role != "assistant":
        return False
    return template == "deepseek_v3" or (template == "qwen3" and index != count - 1)


def is_clean(roles: list[str], template: str | None) -> bool:
    """True only when `explain` would find nothing. May be conservative."""
    if template is None or template in ANY_ORDER:
        return True
    if template in ("mistral_v3_tekken", "gemma3"):
        return roles == alternating(len(roles))
    if template == "deepseek_v3":
        return "system" not in roles[1:]
    if template == "phi_4":
        return roles[0] == "system" and "system" not in roles[1:] and "tool" not in roles
    return False
