"""The converter never invents text: over random rows of every public shape,
every string `convert` writes is made only of the source row's strings, joined
with the documented separators (shapes.py, messages.py): never "None", a repr,
or an empty value the source did not have."""

from __future__ import annotations

import json
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

import ftprep
from ftprep.engine import messages

# Letters only: a repr or a JSON dump brings quotes, braces or colons no source string has.
word = st.text(alphabet=string.ascii_letters + "éß ", min_size=1, max_size=8)
text = st.one_of(word, word, st.sampled_from(["", " ", "None", "ok"]))
SHAREGPT_ROLES = ["human", "gpt", "system", "function_call", "observation", "narrator"]
ROLES = ["user", "assistant", "system", "tool"]
weight = st.sampled_from([0, 1, 0.0, 1.0, False, True])


def part(spelling: str) -> st.SearchStrategy[dict]:
    kinds = st.sampled_from(["text", "text", "reasoning", "tool_call"]) if spelling == "value" else st.just("text")
    return st.builds(lambda k, v: {"type": k, spelling: v}, kinds, text)


sharegpt_msg = st.fixed_dictionaries({"from": st.sampled_from(SHAREGPT_ROLES), "value": text}, optional={"weight": weight})
openai_msg = st.fixed_dictionaries(
    {"role": st.sampled_from(ROLES), "content": st.one_of(text, st.lists(part("text"), min_size=1, max_size=3))},
    optional={"weight": weight})
v1_msg = st.fixed_dictionaries({"role": st.sampled_from(ROLES), "content": st.lists(part("value"), min_size=1, max_size=3)},
                               optional={"loss_weight": weight})
media = st.sampled_from(["<image>", "<video>"]).map(lambda tok: {"role": "user", "content": tok + "look"})


def turns(msg: st.SearchStrategy[dict]) -> st.SearchStrategy[list]:
    return st.lists(msg, min_size=1, max_size=5)


chat_rows = st.one_of(
    st.fixed_dictionaries({"conversations": turns(sharegpt_msg)}, optional={"system": text, "tools": text}),
    st.fixed_dictionaries({"messages": turns(openai_msg)}, optional={"label": st.booleans(), "tools": text}),
    st.fixed_dictionaries({"messages": turns(v1_msg)}, optional={"images": st.lists(text, max_size=1)}),
    st.fixed_dictionaries({"messages": st.builds(lambda a, b: a + b, turns(openai_msg), st.lists(media, max_size=1))}),
)
assistant = st.builds(lambda c: {"role": "assistant", "content": c}, text)


def pair(msg: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    """Two conversations that share their head, or (sometimes) do not."""
    return st.builds(lambda head, other, a, b, same: {"chosen": head + [a], "rejected": (head if same else other) + [b]},
                     st.lists(msg, max_size=3), st.lists(msg, max_size=3), assistant, assistant, st.booleans())


dpo_rows = st.one_of(
    st.fixed_dictionaries({"prompt": text, "chosen": text, "rejected": text}, optional={"system": text}),
    st.builds(lambda conv, c, r: {"conversations": conv, "chosen": {"from": "gpt", "value": c},
                                  "rejected": {"from": "gpt", "value": r}}, turns(sharegpt_msg), text, text),
    st.builds(lambda p, extra: {**p, **extra}, pair(openai_msg), st.fixed_dictionaries({}, optional={"prompt": text})),
    st.builds(lambda p: {"chosen_messages": p["chosen"], "rejected_messages": p["rejected"]}, pair(v1_msg)),
    st.builds(lambda m, c, r: {"input": {"messages": m}, "preferred_output": [c], "non_preferred_output": [r]},
              turns(openai_msg), assistant, assistant),
)
text_rows = st.fixed_dictionaries({"instruction": text, "output": text},
                                  optional={"input": text, "system": text, "history": st.lists(st.lists(text, min_size=2, max_size=2), max_size=2)})

SEPARATORS = ["\n\n", "\n", messages.THINK_OPEN, messages.THINK_CLOSE, messages.CALL_OPEN, messages.CALL_CLOSE]


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def written(row: dict) -> list[str]:
    """Every string convert wrote, but the canonical role names."""
    out = []
    for key, value in row.items():
        if key == "conversations":
            out += [m["content"] for m in value if isinstance(m.get("content"), str)]
        else:
            out += strings(value)
    return out


def atoms(source: dict) -> set[str]:
    found = strings(source)
    roles = {m.get("role", m.get("from")) for m in _messages(source)}
    labels = {f"{r.capitalize()}: " for r in roles if isinstance(r, str)} | {"User: ", "Assistant: ", "Tool: "}
    # Folds strip each part, so a separator can also appear stripped.
    seps = [*SEPARATORS, *(s.strip() for s in SEPARATORS), *(s.strip() for s in labels)]
    return {a for a in [*found, *(s.strip() for s in found), *seps, *labels] if a}


def _messages(value: object) -> list[dict]:
    if isinstance(value, dict):
        own = [value] if ("role" in value or "from" in value) else []
        return own + [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return []


def composed(s: str, parts: set[str]) -> bool:
    """Whether `s` is a concatenation of `parts` (dynamic programming over positions)."""
    reach = [False] * (len(s) + 1)
    reach[0] = True
    for i in range(len(s)):
        if reach[i]:
            for p in parts:
                if s.startswith(p, i):
                    reach[i + len(p)] = True
    return reach[len(s)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=st.sampled_from(["chat", "dpo", "text"]), data=st.data(),
       template=st.sampled_from([None, "qwen3", "chatml"]))
def test_convert_writes_only_the_source_strings(tmp_path: Path, task: str, data: st.DataObject,
                                                template: str | None) -> None:
    row = data.draw({"chat": chat_rows, "dpo": dpo_rows, "text": text_rows}[task])
    case = Path(tempfile.mkdtemp(dir=tmp_path))  # tmp_path is shared by every example
    source = case / "in.jsonl"
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    out = case / "out.jsonl"
    result = ftprep.convert(str(source), str(out), task=task, chat_template=template if task == "chat" else None,
                            min_rows=1, drop_invalid=True)
    if not result.written:
        assert result.rows_written == 0 and not out.exists()
        return
    [canonical] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    have = strings(row)
    parts = atoms(row)
    for s in written(canonical):
        assert s != "" or "" in have, (s, row)
        assert "None" not in s or any("None" in h for h in have), (s, row)
        assert composed(s, parts), (s, row, canonical)
