"""GRPO reward functions tried before paying: small reward files written here,
run by `check --reward-func` the way the trainer's prep validates them."""

from __future__ import annotations

import json
import time
import typing as t
from pathlib import Path

import pytest

import ftprep
from ftprep.cli import main
from ftprep.core.errors import SourceError
from ftprep.verbs.reward_trial import RewardSource, prepared_rows

PROMPTS = ["Count to three", "Name a colour", "Say hi", "Spell cat", "Add 2 and 2", "Sort b, a", "Greet me"]


def prompts_file(tmp_path: Path, extra: t.Sequence[object] | None = None, column: str = "meta") -> Path:
    p = tmp_path / "prompts.jsonl"
    rows = [{"prompt": q, **({column: extra[i]} if extra else {})} for i, q in enumerate(PROMPTS)]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def reward_file(tmp_path: Path, name: str, code: str) -> str:
    p = tmp_path / name
    p.write_text(code)
    return str(p)


def findings(tmp_path: Path, *specs: str, extra: t.Sequence[object] | None = None, column: str = "meta",
             **kw: t.Any) -> tuple[list[ftprep.Diagnostic], ftprep.Report]:
    report = ftprep.check(str(prompts_file(tmp_path, extra, column)), task="grpo", min_rows=1,
                          reward_func=list(specs), **kw)
    return [d for d in report.files[0].diagnostics if d.code.startswith("G")], report


def codes(found: list[ftprep.Diagnostic]) -> list[str]:
    return [d.code for d in found]


def test_a_function_that_raises_is_an_error_at_its_line(tmp_path: Path) -> None:
    spec = reward_file(tmp_path, "r.py", "def reward(completions, **kwargs):\n    x = 1\n    return 1 / 0\n")
    found, _ = findings(tmp_path, spec)
    assert codes(found) == ["G002"]
    assert found[0].severity == "error" and found[0].line == 3 and "ZeroDivisionError" in found[0].message
    assert found[0].path == spec


def test_a_syntax_error_raises_as_the_trainers_exec_would(tmp_path: Path) -> None:
    found, _ = findings(tmp_path, reward_file(tmp_path, "r.py", "def reward(completions:\n"))
    assert codes(found) == ["G002"] and "SyntaxError" in found[0].message


@pytest.mark.parametrize("body, said", [
    ("return [1.0]", "returned 1 rewards for 5 completions"),
    ("return [str(len(c)) for c in completions]", "non-number: '14' (str)"),
    ("return tuple(0.0 for c in completions)", "returned tuple, not a list"),
    ("return None", "returned NoneType, not a list"),
])
def test_a_wrong_result_is_an_error(tmp_path: Path, body: str, said: str) -> None:
    found, _ = findings(tmp_path, reward_file(tmp_path, "r.py", f"def reward(completions, **kwargs):\n    {body}\n"))
    assert codes(found) == ["G003"] and said in found[0].message, found


def test_a_slow_function_is_stopped_at_the_limit(tmp_path: Path) -> None:
    spec = reward_file(tmp_path, "r.py", "def reward(completions, **kwargs):\n    while True:\n        pass\n")
    start = time.monotonic()
    found, _ = findings(tmp_path, spec, reward_time_limit=0.5)
    assert time.monotonic() - start < 5
    assert codes(found) == ["G004"] and found[0].severity == "warning" and "0.5 s" in found[0].message


def test_a_memory_hog_is_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    spec = reward_file(tmp_path, "r.py", "def reward(completions, **kwargs):\n"
                                         "    hog = bytearray(2 << 30)\n    return [0.0] * len(completions)\n")
    found, _ = findings(tmp_path, spec, reward_memory_limit=256 << 20)
    assert codes(found) == ["G004"] and "256 MiB of memory" in found[0].message


def test_network_access_is_blocked(tmp_path: Path) -> None:
    spec = reward_file(tmp_path, "r.py", "def reward(completions, **kwargs):\n    import socket\n"
                                         "    socket.create_connection(('127.0.0.1', 9))\n"
                                         "    return [0.0] * len(completions)\n")
    found, _ = findings(tmp_path, spec)
    assert codes(found) == ["G002"] and "network is blocked" in found[0].message


def test_two_functions_with_one_name_collide_once_at_the_later(tmp_path: Path) -> None:
    code = "def reward_func(completions, **kwargs):\n    return [float(len(c)) for c in completions]\n"
    a, b = reward_file(tmp_path, "a.py", code), reward_file(tmp_path, "b.py", code.replace("len(c)", "c.count(' ')"))
    found, _ = findings(tmp_path, a, b)
    assert codes(found) == ["G005"] and found[0].path == b and "a.py" in found[0].message


def test_a_helper_defined_first_becomes_the_reward(tmp_path: Path) -> None:
    code = ("def words(completions, **kwargs):\n    return [float(len(c.split())) for c in completions]\n\n\n"
            "def reward(completions, **kwargs):\n    return [w / 10 for w in words(completions)]\n")
    spec = reward_file(tmp_path, "r.py", code)
    found, _ = findings(tmp_path, spec)
    assert codes(found) == ["G007"] and "'words'" in found[0].message and found[0].severity == "warning"
    named, _ = findings(tmp_path, spec + ":reward")  # the intent is said: the trainer calls another one
    assert codes(named) == ["G006"] and named[0].severity == "error" and "not 'reward'" in named[0].message
    first, _ = findings(tmp_path, spec + ":words")
    assert codes(first) == []


def test_an_import_before_the_function_is_the_first_callable(tmp_path: Path) -> None:
    code = "from math import log\n\n\ndef reward(completions, **kwargs):\n    return [log(1 + len(c)) for c in completions]\n"
    found, _ = findings(tmp_path, reward_file(tmp_path, "r.py", code))
    assert codes(found) == ["G006", "G002"] and "'log', imported" in found[0].message
    moved = "def reward(completions, **kwargs):\n    from math import log\n    return [log(1 + len(c)) for c in completions]\n"
    assert codes(findings(tmp_path, reward_file(tmp_path, "r.py", moved))[0]) == []


def test_a_first_parameter_not_named_completions_gets_no_value(tmp_path: Path) -> None:
    found, _ = findings(tmp_path, reward_file(tmp_path, "r.py", "def reward(texts, **kwargs):\n"
                                                                "    return [float(len(t)) for t in texts]\n"))
    assert codes(found) == ["G009"] and found[0].line == 1 and "'texts'" in found[0].message
    for ok in ("def reward(completions):\n", "def reward(texts=(), **kwargs):\n"):
        code = ok + "    return [0.0, 1.0, 2.0, 3.0, 4.0][:5]\n"
        assert "G009" not in codes(findings(tmp_path, reward_file(tmp_path, "r.py", code))[0]), ok


def test_a_module_import_is_not_callable_and_is_fine(tmp_path: Path) -> None:
    code = "import re\n\n\ndef reward(completions, **kwargs):\n    return [float(bool(re.search('a', c))) for c in completions]\n"
    assert codes(findings(tmp_path, reward_file(tmp_path, "r.py", code))[0]) == []


def test_all_equal_rewards_warn_and_the_spread_is_a_note(tmp_path: Path) -> None:
    flat = reward_file(tmp_path, "flat.py", "def flat(completions, **kwargs):\n    return [1 for _ in completions]\n")
    found, report = findings(tmp_path, flat)
    assert codes(found) == ["G008"] and f"{len(PROMPTS)} sampled prompts" in found[0].message
    varied = reward_file(tmp_path, "len.py", "def size(completions, **kwargs):\n    return [len(c) for c in completions]\n")
    found, report = findings(tmp_path, varied)
    assert codes(found) == []
    spread = [n["rewards"] for n in report.notes if "rewards" in n]
    assert spread == [{"function": "size", "n": 7, "min": 6.0, "mean": sum(map(len, PROMPTS)) / 7,
                       "max": 14.0, "distinct": len(set(map(len, PROMPTS))),
                       "distinct_share": round(len(set(map(len, PROMPTS))) / 7, 4)}]


def test_only_the_first_five_rows_validate(tmp_path: Path) -> None:
    # the trainer validates on 5 rows: a failure on the 7th prompt alone is no G002 (nor G003)
    code = ("def reward(completions, **kwargs):\n    if 'Greet me' in completions:\n        raise ValueError('late')\n"
            "    return [float(len(c)) for c in completions]\n")
    found, report = findings(tmp_path, reward_file(tmp_path, "r.py", code))
    assert codes(found) == []
    assert any("raises on later prompts: ValueError: late" in n["message"] for n in report.notes), report.notes


def test_an_extra_data_taker_gets_the_extra_column_as_strings(tmp_path: Path) -> None:
    code = ("def reward(completions, extra_data=None, **kwargs):\n    import json\n"
            "    return [float(json.loads(e)['answer']) for e in extra_data]\n")
    spec = reward_file(tmp_path, "r.py", code)
    good = [json.dumps({"answer": i}) for i in range(len(PROMPTS))]
    found, report = findings(tmp_path, spec, extra=good)
    assert codes(found) == [] and [n["rewards"]["max"] for n in report.notes if "rewards" in n] == [6.0]
    # objects are str()-ed by prep to Python repr: json.loads raises (G001 says why, G002 that it is removed)
    found, report = findings(tmp_path, spec, extra=[{"answer": i} for i in range(len(PROMPTS))])
    assert "G002" in codes(found) and "JSONDecodeError" in found[codes(found).index("G002")].message


def test_without_extra_data_the_prompts_alone_are_passed(tmp_path: Path) -> None:
    code = "def reward(completions, **kwargs):\n    assert not kwargs, kwargs\n    return [0.0 + len(c) for c in completions]\n"
    assert codes(findings(tmp_path, reward_file(tmp_path, "r.py", code), extra=list(range(7)))[0]) == []


def test_prints_of_the_function_do_not_garble_the_answer(tmp_path: Path) -> None:
    code = "print('{not json')\ndef reward(completions, **kwargs):\n    print('hello')\n    return [len(c) for c in completions]\n"
    assert codes(findings(tmp_path, reward_file(tmp_path, "r.py", code))[0]) == []


def test_standard_input_is_tried_on_its_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    flat = reward_file(tmp_path, "flat.py", "def flat(completions, **kwargs):\n    return [1 for _ in completions]\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(prompts_file(tmp_path).read_bytes())))
    report = ftprep.check("-", task="grpo", min_rows=1, reward_func=flat)
    assert [d.code for d in report.files[0].diagnostics if d.code.startswith("G")] == ["G008"]
    assert report.files[0].path == "-" and "reward_prompts" not in report.files[0].stats


def test_the_config_key_names_reward_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    reward_file(tmp_path, "flat.py", "def flat(completions, **kwargs):\n    return [1 for _ in completions]\n")
    (tmp_path / "pyproject.toml").write_text('[tool.ftprep]\nreward-func = ["flat.py"]\nmin-rows = 1\n')
    prompts_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "prompts.jsonl", "--task", "grpo"]) == 0
    assert "G008 [warning]" in capsys.readouterr().out


def test_prepared_rows_are_what_prep_hands_over() -> None:
    rows = prepared_rows([{"q": 1, "x": {"a": 1}}, {"q": None}], "q", "x")
    assert rows == [{"prompt": "1", "extra_data": "{'a': 1}"}, {"prompt": ""}]


def test_the_spec_names_a_function_after_a_colon(tmp_path: Path) -> None:
    p = reward_file(tmp_path, "r.py", "def f(completions, **kwargs):\n    return []\n")
    assert (RewardSource.read(p).meant, RewardSource.read(p + ":f").meant) == (None, "f")
    assert RewardSource.read(p + ":f").path == p and RewardSource.read(p).trainer_name == "f"
    with pytest.raises(SourceError):
        RewardSource.read(str(tmp_path / "missing.py"))


def test_selection_applies_to_the_reward_codes(tmp_path: Path) -> None:
    flat = reward_file(tmp_path, "flat.py", "def flat(completions, **kwargs):\n    return [1 for _ in completions]\n")
    found, _ = findings(tmp_path, flat, ignore="G008")
    assert found == []


def test_a_bad_reward_func_value_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reward_func"):
        ftprep.check(str(prompts_file(tmp_path)), task="grpo", reward_func=3)  # type: ignore[arg-type]


def test_cli_repeats_the_flag_and_exits_by_severity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(prompts_file(tmp_path))
    flat = reward_file(tmp_path, "flat.py", "def flat(completions, **kwargs):\n    return [1 for _ in completions]\n")
    bad = reward_file(tmp_path, "bad.py", "def bad(completions, **kwargs):\n    return [1]\n")
    assert main(["check", data, "--task", "grpo", "--min-rows", "1", "--isolated", "--reward-func", flat]) == 0
    assert "G008 [warning]" in capsys.readouterr().out
    code = main(["check", data, "--task", "grpo", "--min-rows", "1", "--isolated", "--reward-func", flat,
                 "--reward-func", bad, "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and sorted(d["code"] for d in out["files"][0]["diagnostics"]) == ["G003", "G008"]
    assert main(["check", data, "--task", "grpo", "--isolated", "--reward-func", str(tmp_path / "none.py")]) == 2
