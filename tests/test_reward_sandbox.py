"""The reward trial's sandbox against hostile reward files (written here), its
inputs beyond local files (the fake Hub, a URL server on 127.0.0.1), and
reward-func paths in a config file."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

import pytest

import ftprep
from ftprep.cli import main
from ftprep.verbs.reward_sandbox import MAX_OUTPUT, child_env, run_sandboxed

PROMPTS = ["Count to three", "Name a colour", "Say hi", "Spell cat", "Add 2 and 2", "Sort b, a", "Greet me"]
LENGTH = "def size(completions, **kwargs):\n    return [float(len(c)) for c in completions]\n"
FLAT = "def flat(completions, **kwargs):\n    return [1.0 for _ in completions]\n"


def lines(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def trial(tmp_path: Path, code: str, **kw: object) -> ftprep.Report:
    data = tmp_path / "prompts.jsonl"
    data.write_text(lines([{"prompt": q} for q in PROMPTS]))
    reward = tmp_path / "r.py"
    reward.write_text(code)
    return ftprep.check(str(data), task="grpo", min_rows=1, reward_func=str(reward), **kw)


def g_codes(report: ftprep.Report) -> list[str]:
    return [d.code for f in report.files for d in f.diagnostics if d.code.startswith("G")]


def notes(report: ftprep.Report) -> str:
    return "\n".join(n["message"] for n in report.notes)


def alive(pid: int, grace: float = 3.0) -> bool:
    """Still running after `grace` seconds (a zombie nobody has reaped yet is dead)."""
    end = time.monotonic() + grace
    while True:
        try:
            with open(f"/proc/{pid}/stat") as f:
                running = f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            running = False
        if not running or time.monotonic() > end:
            return running
        time.sleep(0.05)


def wait_for(path: Path, seconds: float = 5.0) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.02)
    raise AssertionError(f"{path} never written")


# --- processes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("start", [
    "import subprocess; subprocess.Popen(['sleep', '30'])",
    "import os\n    if os.fork() == 0:\n        import time; time.sleep(30)",
    "import os; os.system('sleep 30 &')",
    "import ctypes; ctypes.CDLL(None).fork()",
    "import multiprocessing as mp, time; mp.get_context('spawn').Process(target=time.sleep, args=(30,)).start()",
    "import multiprocessing as mp, time; mp.get_context('fork').Process(target=time.sleep, args=(30,)).start()",
])
def test_starting_a_process_is_refused_and_not_judged(tmp_path: Path, start: str) -> None:
    code = f"def reward(completions, **kwargs):\n    {start}\n    return [1.0 for _ in completions]\n"
    began = time.monotonic()
    report = trial(tmp_path, code)
    assert time.monotonic() - began < 8  # nothing started was waited for
    assert g_codes(report) == []  # the trainer's prep would run it: no verdict against it
    assert "not judged" in notes(report) and "is blocked" in notes(report)


def test_a_refusal_the_code_catches_is_still_told(tmp_path: Path) -> None:
    code = ("def reward(completions, **kwargs):\n    import os\n    try:\n        os.fork()\n    except OSError:\n"
            "        pass\n    return [float(len(c)) for c in completions]\n")
    report = trial(tmp_path, code)
    assert g_codes(report) == [] and "passed although the trial refused starting or signalling a process (os.fork)" \
        in notes(report)


def test_the_parent_process_cannot_be_signalled(tmp_path: Path) -> None:
    code = ("def reward(completions, **kwargs):\n    import os, signal\n    os.kill(os.getppid(), signal.SIGTERM)\n"
            "    return [1.0 for _ in completions]\n")
    assert "os.kill" in notes(trial(tmp_path, code))  # and this test process is still here to tell it


@pytest.fixture(params=["waitid", "no-waitid"])
def platform(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The child watched without reaping it (Linux), or reaped first (a platform without os.waitid)."""
    if request.param == "no-waitid":
        monkeypatch.delattr(os, "waitid")
    return request.param


def test_the_whole_process_group_dies_at_the_time_limit(tmp_path: Path, platform: str) -> None:
    # a child script without the reward child's hook: a grandchild is started, then the child hangs
    pid_file = tmp_path / "pid"
    script = tmp_path / "hang.py"
    script.write_text("import subprocess, sys, time\n"
                      "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                      f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
                      "time.sleep(60)\n")
    start = time.monotonic()
    done = run_sandboxed([str(script)], work=str(tmp_path), time_limit=1.5)
    assert done.status is None and time.monotonic() - start < 10
    assert not alive(int(wait_for(pid_file)))


def test_a_grandchild_left_behind_dies_with_the_child(tmp_path: Path, platform: str) -> None:
    pid_file = tmp_path / "pid"
    script = tmp_path / "leave.py"
    script.write_text("import subprocess, sys\n"
                      "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                      f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n")
    done = run_sandboxed([str(script)], work=str(tmp_path), time_limit=20)
    assert done.status == 0 and not alive(int(wait_for(pid_file)))


# --- files --------------------------------------------------------------------------------------------

def test_writing_outside_the_temp_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "escaped.txt"
    code = f"def reward(completions, **kwargs):\n    open({str(outside)!r}, 'w').write('x')\n    return [1.0]*5\n"
    report = trial(tmp_path, code)
    assert not outside.exists() and g_codes(report) == [] and "not judged" in notes(report)


def test_removing_a_file_outside_is_refused(tmp_path: Path) -> None:
    kept = tmp_path / "kept.txt"
    kept.write_text("mine")
    code = f"import os\nos.remove({str(kept)!r})\ndef reward(completions, **kwargs):\n    return [1.0]*5\n"
    report = trial(tmp_path, code)
    assert kept.read_text() == "mine" and "os.remove" in notes(report)


def test_writing_in_the_working_folder_and_temp_is_fine(tmp_path: Path) -> None:
    code = ("def reward(completions, **kwargs):\n    import tempfile\n    open('scratch.txt', 'w').write('x')\n"
            "    with tempfile.NamedTemporaryFile('w') as f:\n        f.write('y')\n"
            "    return [float(len(c)) for c in completions]\n")
    report = trial(tmp_path, code)
    assert g_codes(report) == [] and "refused" not in notes(report) and "distinct" in notes(report)
    assert not (tmp_path / "scratch.txt").exists() and not (Path.cwd() / "scratch.txt").exists()


# --- environment, output, import ---------------------------------------------------------------------

def test_secrets_of_the_environment_are_not_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = {"HF_TOKEN": "hf_x", "VOLTAGE_API_KEY": "v", "GITHUB_TOKEN": "g", "OPENAI_API_KEY": "o",
              "AWS_SECRET_ACCESS_KEY": "a", "DB_PASSWORD": "p"}
    for k, v in secret.items():
        monkeypatch.setenv(k, v)
    code = (f"import os\nSEEN = [k for k in {sorted(secret)!r} if k in os.environ]\n"
            "def reward(completions, **kwargs):\n    if SEEN:\n        raise RuntimeError(SEEN)\n"
            "    return [float(len(c)) for c in completions]\n")
    report = trial(tmp_path, code)
    assert g_codes(report) == [], [d.message for d in report.files[0].diagnostics]
    env = child_env(str(tmp_path))
    assert not set(secret) & set(env) and env["HOME"] == str(tmp_path) and "PATH" in env


def test_megabytes_of_output_are_read_to_a_bound(tmp_path: Path) -> None:
    code = ("import os, sys\nfor _ in range(40):\n    print('x' * 100_000)\n    os.write(1, b'y' * 100_000)\n"
            "def reward(completions, **kwargs):\n    print('z' * 1_000_000)\n    return [float(len(c)) for c in completions]\n")
    assert g_codes(trial(tmp_path, code)) == []
    script = tmp_path / "loud.py"
    script.write_text("import sys\nfor _ in range(50):\n    sys.stdout.write('x' * 100_000)\nprint('last words')\n")
    done = run_sandboxed([str(script)], work=str(tmp_path), time_limit=20)
    assert done.status == 0 and len(done.output) <= MAX_OUTPUT and done.output.endswith("last words\n")


def test_an_endless_import_is_stopped_by_the_time_limit(tmp_path: Path) -> None:
    start = time.monotonic()
    report = trial(tmp_path, "while True:\n    pass\n" + LENGTH, reward_time_limit=0.5)
    assert g_codes(report) == ["G004"] and time.monotonic() - start < 10


# --- inputs beyond a local file -----------------------------------------------------------------------

def test_a_hub_repo_is_tried_on_the_rows_it_read(hub, tmp_path: Path) -> None:
    repo = f"alice/grpo-{uuid.uuid4().hex[:8]}"
    hub.seed(repo, {"data.jsonl": lines([{"prompt": q} for q in PROMPTS])})
    flat = tmp_path / "flat.py"
    flat.write_text(FLAT)
    twin = repo + "-twin"  # the same rows in a repo of its own: nothing of the first check is cached for it
    hub.seed(twin, {"data.jsonl": lines([{"prompt": q} for q in PROMPTS])})
    plain = ftprep.check(f"hf://datasets/{twin}", task="grpo", min_rows=1)
    report = ftprep.check(f"hf://datasets/{repo}", task="grpo", min_rows=1, reward_func=str(flat))
    gets = [len(hub.requests("GET", f"{r}/resolve/")) for r in (twin, repo)]
    assert gets[0] >= 1 and gets[0] == gets[1]  # the trial downloads nothing more
    assert g_codes(plain) == [] and g_codes(report) == ["G008"]
    assert report.files[0].diagnostics[-1].path == str(flat)
    assert f"hf://datasets/{repo}: reward 'flat' over 7 prompts" in notes(report)
    assert "reward_prompts" not in report.files[0].stats


def test_a_url_is_tried_on_its_download(file_server, tmp_path: Path) -> None:
    url = file_server.add("/prompts.jsonl", lines([{"prompt": q, "extra_data": str(i)} for i, q in enumerate(PROMPTS)]))
    size = tmp_path / "size.py"
    size.write_text("def size(completions, extra_data=None, **kwargs):\n"
                    "    return [float(len(c)) + float(e) for c, e in zip(completions, extra_data)]\n")
    report = ftprep.check(url, task="grpo", min_rows=1, reward_func=str(size))
    assert g_codes(report) == []
    spread = [n["rewards"] for n in report.notes if "rewards" in n]
    expected = [float(len(q) + i) for i, q in enumerate(PROMPTS)]  # the extra column reached the function
    assert spread and (spread[0]["n"], spread[0]["min"], spread[0]["max"]) == (7, min(expected), max(expected))
    assert spread[0]["distinct_share"] == round(spread[0]["distinct"] / 7, 4)


# --- config ---------------------------------------------------------------------------------------------

def test_config_reward_paths_are_read_from_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    (project / "rewards").mkdir(parents=True)
    (project / "rewards" / "flat.py").write_text(FLAT)
    (project / "pyproject.toml").write_text('[tool.ftprep]\nreward-func = ["rewards/flat.py"]\nmin-rows = 1\n')
    (project / "prompts.jsonl").write_text(lines([{"prompt": q} for q in PROMPTS]))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["check", str(project / "prompts.jsonl"), "--task", "grpo", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    found = [d for d in out["files"][0]["diagnostics"] if d["code"] == "G008"]
    assert found and found[0]["path"] == str(project / "rewards" / "flat.py")


def test_the_config_loader_places_reward_paths(tmp_path: Path) -> None:
    from ftprep.cli.config import load

    (tmp_path / "ftprep.toml").write_text(f'reward-func = ["a.py:f", "{sys.prefix}/b.py"]\n')
    assert load(tmp_path / "ftprep.toml")["reward-func"] == [os.path.join(tmp_path, "a.py:f"), f"{sys.prefix}/b.py"]


def test_the_sample_size_is_an_option(tmp_path: Path) -> None:
    many = [f"prompt number {'x' * i}" for i in range(80)]
    data = tmp_path / "many.jsonl"
    data.write_text(lines([{"prompt": q} for q in many]))
    size = tmp_path / "size.py"
    size.write_text(LENGTH)
    sizes = {}
    for n in (None, 5, 70):
        kw = {} if n is None else {"reward_sample": n}
        report = ftprep.check(str(data), task="grpo", min_rows=1, reward_func=str(size), **kw)
        sizes[n] = [x["rewards"] for x in report.notes if "rewards" in x][0]
    assert [sizes[n]["n"] for n in (None, 5, 70)] == [64, 5, 70]
    assert sizes[70]["max"] == float(len(many[69])) and sizes[70]["distinct_share"] == 1.0
    with pytest.raises(ValueError, match="reward_sample"):
        ftprep.check(str(data), task="grpo", reward_func=str(size), reward_sample=4)
