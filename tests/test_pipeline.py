"""The whole path, with the real clients over real HTTP on 127.0.0.1:
data file → check → push (fake Hub) → create job (stand-in API) → watch to completion.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ftprep.testing import FakeApi
from ftprep.cli import cli

MODEL = "meta-llama/Llama-3.1-8B-Instruct"

# task -> (source rows with non-canonical column names, mapping flags, the job fields expected)
CASES = {
    "chat": (
        [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
         for i in range(6)],
        ["--field-conversation", "messages", "--chat-template", "llama3"],
        {"fieldConversation": "conversations"},
    ),
    "text": (
        [{"question": f"what is {i}?", "answer": f"it is {i}"} for i in range(6)],
        ["--field-instruction", "question", "--field-output", "answer"],
        {"fieldInstruction": "instruction", "fieldOutput": "output"},
    ),
    "dpo": (
        [{"question": f"p{i}", "good": f"yes {i}", "bad": f"no {i}"} for i in range(6)],
        ["--field-prompt", "question", "--field-chosen", "good", "--field-rejected", "bad"],
        {"fieldPrompt": "prompt", "fieldChosen": "chosen", "fieldRejected": "rejected"},
    ),
}


@pytest.mark.parametrize("task", sorted(CASES))
def test_data_to_completed_job(task, hub, tmp_path):
    rows, flags, fields = CASES[task]
    data = tmp_path / "raw.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    repo = f"alice/pipeline-{task}"
    runner = CliRunner()
    with FakeApi() as api:
        env = {"VOLTAGEGPU_API_KEY": api.key, "VOLTAGEGPU_BASE_URL": api.url}

        checked = runner.invoke(cli, ["check", str(data), "--task", task, "--min-rows", "1", *flags,
                                      "--format", "json", "--isolated"])
        assert checked.exit_code == 0, checked.output
        assert json.loads(checked.stdout)["summary"]["errors"] == 0

        submitted = runner.invoke(cli, ["submit", str(data), "--name", f"pipe-{task}", "--task", task,
                                        "--model", MODEL, "--repo", repo, "--hours", "1", "--min-rows", "1",
                                        *flags, "--yes", "--format", "json", "--isolated"], env=env)
        assert submitted.exit_code == 0, submitted.output
        out = json.loads(submitted.stdout)
        assert out["state"] == "created" and out["estimated_cost_usd"] == 27.75
        assert out["push"]["repo_id"] == repo and hub.commits(repo) == 1
        assert api.count("POST") == 1
        sent = api.log[-1].body
        assert sent["dsRepo"] == repo and {k: v for k, v in sent.items() if k.startswith("field")} == fields

        # The job's fields name the columns the trainer will load from the pushed repo.
        from datasets import load_dataset

        pushed = load_dataset(repo, split="train")
        assert sorted(pushed.column_names) == sorted(fields.values()) and pushed.num_rows == len(rows)

        watched = runner.invoke(cli, ["jobs", "watch", out["job"]["id"], "--interval", "0.01"], env=env)
        assert watched.exit_code == 0, watched.output
        assert watched.stdout.splitlines()[-1] == f"job {out['job']['id']} completed"
        assert [r.method for r in api.log].count("GET") >= 4


def test_data_errors_push_and_create_nothing(hub, tmp_path):
    data = tmp_path / "raw.jsonl"
    data.write_text(json.dumps({"conversations": [{"role": "user", "content": "alone"}]}) + "\n")
    with FakeApi() as api:
        r = CliRunner().invoke(cli, ["submit", str(data), "--name", "bad", "--task", "chat", "--model", MODEL,
                                     "--repo", "alice/pipeline-bad", "--hours", "1", "--yes", "--isolated"],
                               env={"VOLTAGEGPU_API_KEY": api.key, "VOLTAGEGPU_BASE_URL": api.url})
        assert r.exit_code == 1 and api.log == []
    assert hub.requests() == [] and hub.commits("alice/pipeline-bad") == 0
