"""`ftprep submit`, `ftprep jobs ...` and `ftprep cost`: through click's CliRunner,
as real subprocesses, and on a real pseudo-terminal for the confirmation."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from ftprep.testing import FakeApi
from ftprep.cli import cli

MODEL = "Qwen/Qwen2.5-7B-Instruct"
SUBMIT = ["submit", "--name", "my-run", "--task", "chat", "--model", MODEL, "--repo", "alice/chat-data",
          "--hours", "2", "--chat-template", "qwen3"]


@pytest.fixture(autouse=True)
def pending_dir(tmp_path, monkeypatch):
    """Records of pending creates go to the test's folder, never the user's cache."""
    folder = tmp_path / "pending"
    monkeypatch.setenv("FTPREP_PENDING_DIR", str(folder))
    # A lost create is looked for 0.3 s, not a minute.
    monkeypatch.setenv("FTPREP_CREATE_WINDOW", "0.3")
    monkeypatch.setenv("FTPREP_POLL_SECONDS", "0.02")
    return folder


@pytest.fixture
def api():
    with FakeApi() as fake:
        yield fake


def env_for(api: FakeApi, key: str | None = None) -> dict[str, str]:
    return {"VOLTAGEGPU_API_KEY": key or api.key, "VOLTAGEGPU_BASE_URL": api.url}


def run(api: FakeApi, *args: str, key: str | None = None, input: str | None = None):
    return CliRunner().invoke(cli, list(args), env=env_for(api, key), input=input)


def spawn_env(api: FakeApi, key: str | None = None) -> dict[str, str]:
    return {**os.environ, **env_for(api, key), "NO_COLOR": "1"}


def run_process(api: FakeApi, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftprep", *args], env=spawn_env(api, key), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


# --- cost ----------------------------------------------------------------------

def test_cost_text_and_json(api):
    r = run(api, "cost", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--hours", "2")
    assert r.exit_code == 0
    assert r.stdout == ("meta-llama/Llama-3.1-8B-Instruct: $55.50 = 2 h × $27.75/h (medium tier (4B to 13B); "
                        "8B from the model name), charged upfront\n")
    r = run(api, "cost", "--model", "FLUX", "--hours", "3", "--task", "image", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["estimated_cost_usd"] == 55.5
    r = run(api, "cost", "--model", "Qwen/Qwen2.5-14B", "--hours", "1", "--format", "json")
    assert json.loads(r.stdout)["between_tiers"] is True and json.loads(r.stdout)["estimated_cost_usd"] == 46.25
    assert api.log == []


def test_cost_unknown_size_and_bad_hours(api):
    r = run(api, "cost", "--model", "gpt2", "--hours", "2", "--format", "json")
    assert r.exit_code == 1 and json.loads(r.stdout)["estimated_cost_usd"] is None
    assert run(api, "cost", "--model", "gpt2", "--hours", "2", "--params", "1.5").exit_code == 0
    r = run(api, "cost", "--model", "gpt2", "--hours", "2.5")
    assert r.exit_code == 2 and "hours must be a whole number from 1 to 24, got 2.5" in r.stderr


# --- submit --------------------------------------------------------------------

def test_submit_dry_run_json(api):
    r = run(api, *SUBMIT, "--dry-run", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["request"] == {"name": "my-run", "taskType": "chat", "model": MODEL, "hours": 2,
                              "dsRepo": "alice/chat-data", "chatTemplate": "qwen3"}
    assert out["estimated_cost_usd"] == 55.5 and out["state"] == "dry-run"
    assert api.log == []


def test_submit_without_a_terminal_needs_yes(api):
    r = run(api, *SUBMIT)
    assert r.exit_code == 2 and "pass --yes" in r.stderr and api.log == []


def test_submit_yes_creates_and_prints_the_id(api):
    r = run(api, *SUBMIT, "--yes")
    assert r.exit_code == 0, r.output
    (job_id,) = api.jobs
    assert f"created job {job_id} (pending); follow it with: ftprep jobs watch {job_id}" in r.stdout
    assert "Estimated cost: $55.50 = 2 h × $27.75/h" in r.stdout and '"chatTemplate": "qwen3"' in r.stdout
    assert api.count("POST") == 1


def test_submit_json_and_recovery(api):
    api.fail("POST", status=503, store=True)
    r = run(api, *SUBMIT, "--yes", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["state"] == "recovered" and out["job"]["id"] in api.jobs and "HTTP 503" in out["job"]["recovered_from"]
    assert api.count("POST") == 1


def test_submit_failure_without_a_job_is_unknown_never_safe(api, pending_dir):
    api.fail("POST", status=500)
    r = run(api, *SUBMIT, "--yes")
    assert r.exit_code == 2 and api.count("POST") == 1 and api.jobs == {}
    assert "failed (HTTP 500: injected HTTP 500) and no job with that name appeared within 0.3 s: the outcome is " \
           "unknown" in r.stderr and "safe" not in r.stderr and len(r.stderr.splitlines()) == 1
    assert r.stderr.strip().endswith("the create is recorded as pending (`ftprep jobs list` shows it); submitting "
                                     "the same request again first looks for the job and sends nothing if it was "
                                     "stored")
    assert len(list(pending_dir.glob("*.json"))) == 1


def test_submit_invalid_request(api):
    r = run(api, "submit", "--name", "my run", "--task", "chat", "--model", MODEL, "--hours", "30", "--yes")
    assert r.exit_code == 2 and api.log == []
    assert r.stderr.splitlines() == [
        "ftprep: error: request: dsRepo is required for taskType chat",
        "ftprep: error: request: hours must be from 1 to 24 (got 30)",
        "ftprep: error: request: the job name must be letters, digits and hyphens, starting and ending with a "
        "letter or digit (got 'my run'); nothing was sent"]


def test_submit_data_errors_exit_1(api, tmp_path):
    data = tmp_path / "chat.jsonl"
    data.write_text(json.dumps({"conversations": [{"role": "user", "content": "alone"}]}) + "\n")
    r = run(api, *SUBMIT, str(data), "--yes", "--min-rows", "1")
    assert r.exit_code == 1 and "C007" in r.stdout and "not submitted" in r.stderr and api.log == []


# --- jobs ------------------------------------------------------------------------

def test_jobs_list_and_show(api):
    a = api.add_job("first", status="completed", createdAt="2025-01-01T00:00:00Z")
    api.add_job("second", status="training", createdAt="2025-01-02T00:00:00Z")
    r = run(api, "jobs", "list")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "STATUS", "TASK", "MODEL", "HOURS", "CREATED"]
    assert lines[1].split() == [a["id"], "first", "completed", "chat", MODEL, "1", "2025-01-01T00:00:00Z"]
    r = run(api, "jobs", "list", "--status", "training", "--format", "json")
    assert [j["name"] for j in json.loads(r.stdout)] == ["second"]
    r = run(api, "jobs", "show", a["id"])
    assert r.exit_code == 0 and r.stdout == (
        f"id:        {a['id']}\nstatus:    completed\ncreatedAt: 2025-01-01T00:00:00Z\nname:      first\n"
        f"taskType:  chat\nmodel:     {MODEL}\nhours:     1\ndsRepo:    alice/data\n")
    assert json.loads(run(api, "jobs", "show", a["id"], "--format", "json").stdout)["raw"]["dsRepo"] == "alice/data"
    api.jobs.clear()
    assert run(api, "jobs", "list").stdout == "no jobs\n"


def test_watch_exit_codes(api):
    ok = api.add_job("ok-run")
    r = run(api, "jobs", "watch", ok["id"], "--interval", "0.01")
    assert r.exit_code == 0
    assert [line.split("  ", 2)[2] for line in r.stdout.splitlines()[:-1]] == [
        "pending", "pending -> training", "training -> evaluating", "evaluating -> completed"]
    assert r.stdout.splitlines()[-1] == f"job {ok['id']} completed"
    api.outcomes["bad-run"] = "failed"
    bad = api.add_job("bad-run")
    r = run(api, "jobs", "watch", bad["id"], "--interval", "0.01", "--format", "json")
    assert r.exit_code == 1
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["status"] for e in events[:-1]] == ["pending", "training", "failed"] and events[-1]["outcome"] == "failed"
    cancelled = api.add_job("c-run", status="cancelled")
    assert run(api, "jobs", "watch", cancelled["id"]).exit_code == 1
    odd = api.add_job("odd-run", status="queued_for_gpu")
    r = run(api, "jobs", "watch", odd["id"], "--interval", "0.05", "--timeout", "0.2")
    assert r.exit_code == 2 and "queued_for_gpu" in r.stdout and "still queued_for_gpu after 0.2 s" in r.stderr


def test_cancel_rename_backup(api):
    job = api.add_job("to-cancel")
    r = run(api, "jobs", "cancel", job["id"])
    assert r.exit_code == 2 and "pass --yes" in r.stderr and api.log == []
    r = run(api, "jobs", "cancel", job["id"], "--yes")
    assert r.exit_code == 0 and r.stdout == f"cancelled job {job['id']} (cancelled)\n"
    r = run(api, "jobs", "cancel", job["id"], "--yes")
    assert r.exit_code == 2 and "HTTP 409: Job is already cancelled" in r.stderr
    done = api.add_job("done", status="completed")
    r = run(api, "jobs", "rename", done["id"], "my-model-v2")
    assert r.exit_code == 0 and api.jobs[done["id"]]["modelName"] == "my-model-v2"
    r = run(api, "jobs", "backup", done["id"], "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["raw"]["backupRepo"] == "voltage-backups/done"


def test_errors_are_one_line_with_exit_2(api):
    r = run(api, "jobs", "list", key="volt_wrong_key_7")
    assert r.exit_code == 2 and r.stderr == ("ftprep: error: HTTP 401: Invalid API key; check VOLTAGEGPU_API_KEY "
                                             "or --api-key\n")
    r = run(api, "jobs", "show", "nope")
    assert r.exit_code == 2 and r.stderr.startswith("ftprep: error: HTTP 404: Job not found: nope;")
    api.fail("GET", status=429, headers={"Retry-After": "3600"})
    r = run(api, "jobs", "list")
    assert r.exit_code == 2 and "retry after 3600 s" in r.stderr
    api.fail("GET", status=503, headers={"Retry-After": "0"}, times=5)
    before = api.count("GET")
    r = run(api, "jobs", "list")
    assert r.exit_code == 2 and "gave up after 5 attempts" in r.stderr and api.count("GET") - before == 5
    api.fail("GET", status=200, body="<html>")
    r = run(api, "jobs", "list")
    assert r.exit_code == 2 and "not JSON" in r.stderr and len(r.stderr.splitlines()) == 1
    r = CliRunner().invoke(cli, ["jobs", "list"], env={"VOLTAGEGPU_API_KEY": "", "VOLTAGEGPU_BASE_URL": api.url})
    assert r.exit_code == 2 and "no API key" in r.stderr


# --- real processes ------------------------------------------------------------------

def test_subprocess_submit_and_watch(api):
    p = run_process(api, *SUBMIT, "--yes", "--format", "json")
    assert p.returncode == 0, p.stderr
    job_id = json.loads(p.stdout)["job"]["id"]
    p = run_process(api, "jobs", "watch", job_id, "--interval", "0.01")
    assert p.returncode == 0 and p.stdout.splitlines()[-1] == f"job {job_id} completed"
    p = run_process(api, "jobs", "list", key="volt_wrong_key_8")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def _on_terminal(api: FakeApi, args: list[str], answer: bytes) -> tuple[int, str, str]:
    """Run ftprep with stdin and stderr on a pseudo-terminal; answer its prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ftprep", *args], stdin=slave, stderr=slave,
                            stdout=subprocess.PIPE, env=spawn_env(api))
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while b"upfront?" not in seen and b"refunded?" not in seen:
            assert time.monotonic() < deadline, seen
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                seen += os.read(master, 4096)
        os.write(master, answer)
        stdout, _ = proc.communicate(timeout=60)
        while select.select([master], [], [], 0.2)[0]:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, stdout.decode(), seen.decode(errors="replace")


def test_confirmation_on_a_terminal(api):
    code, out, term = _on_terminal(api, SUBMIT, b"n\n")
    assert code == 1 and "Create job 'my-run' and pay $55.50 upfront? [y/N]" in term
    assert "not submitted" in term and api.count("POST") == 0 and "Estimated cost: $55.50" in out
    code, out, term = _on_terminal(api, SUBMIT, b"y\n")
    assert code == 0 and api.count("POST") == 1 and "created job" in out
    job = api.add_job("running", status="pending")
    code, out, term = _on_terminal(api, ["jobs", "cancel", job["id"]], b"y\n")
    assert code == 0 and "it is refunded?" in term and api.jobs[job["id"]]["status"] == "cancelled"


# --- the key never shows -------------------------------------------------------------

def test_the_key_never_appears_in_any_output(tmp_path, caplog):
    caplog.set_level("DEBUG")
    secret = "volt_top_secret_5150"
    with FakeApi(key=secret, echo_key=True) as api:
        job = api.add_job("leak-test")
        api.fail("GET", status=500, body={"message": f"db error for key {secret}"}, path=job["id"],
                 headers={"Retry-After": "0"}, times=1)
        outputs = []
        commands = [
            ["jobs", "list"], ["jobs", "show", job["id"]], ["jobs", "watch", job["id"], "--interval", "0.01"],
            ["jobs", "list", "--format", "json"], ["jobs", "show", "missing"], [*SUBMIT, "--yes"],
            [*SUBMIT, "--dry-run"], ["jobs", "rename", job["id"], "m"],
        ]
        for args in commands:
            r = run(api, *args)
            outputs += [r.stdout, r.stderr]
        api.fail("POST", status=502, body={"error": f"bad key {secret}"})
        outputs.append(run(api, *SUBMIT[:2], "other-run", *SUBMIT[3:], "--yes").stderr)
        # A wrong key that the server echoes back.
        wrong = "volt_wrong_but_private_77"
        for args in (["jobs", "list", "--api-key", wrong], ["jobs", "show", job["id"], "--api-key", wrong]):
            r = run(api, *args)
            outputs += [r.stdout, r.stderr]
            p = subprocess.run([sys.executable, "-m", "ftprep", *args], env=spawn_env(api), capture_output=True,
                               text=True, timeout=60)
            outputs += [p.stdout, p.stderr]
            assert p.returncode == 2 and "Invalid API key: ***" in p.stderr
        p = run_process(api, "jobs", "watch", job["id"], "--interval", "0.01")
        outputs += [p.stdout, p.stderr]
        assert len(api.log) > 10 and any(r.status == 500 for r in api.log)
    outputs.append(caplog.text)
    for text in outputs:
        assert secret not in text and wrong not in text
    assert any("***" in text for text in outputs)


# --- lost answers and the deadline -------------------------------------------------------

def test_jobs_list_shows_the_creates_whose_outcome_is_unknown(api, pending_dir):
    api.fail("POST", status=504)
    assert run(api, *SUBMIT, "--yes").exit_code == 2
    r = run(api, "jobs", "list")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "no jobs" and lines[2].startswith("1 create(s) with an unknown outcome")
    assert lines[3].split() == ["NAME", "SENT", "CAUSE"]
    assert lines[4].split()[0] == "my-run" and lines[4].endswith("HTTP 504: injected HTTP 504")
    r = run(api, "jobs", "list", "--format", "json")
    assert json.loads(r.stdout) == [] and "1 create(s) with an unknown outcome" in r.stderr
    # The backend stores it after all: the next full list shows the job and settles the record.
    job = api.add_job("my-run")
    r = run(api, "jobs", "list")
    assert r.stdout.splitlines()[-1].startswith("the create of 'my-run' at ") and r.stdout.rstrip().endswith(
        f"lost its answer (HTTP 504: injected HTTP 504); it was stored as job {job['id']}")
    assert list(pending_dir.glob("*.json")) == []
    assert "unknown" not in run(api, "jobs", "list").stdout


def test_submit_again_after_a_lost_answer_reports_the_stored_job(api, monkeypatch):
    api.fail("POST", status=504, store_after=0.5)
    monkeypatch.setenv("FTPREP_CREATE_WINDOW", "0.05")
    assert run(api, *SUBMIT, "--yes").exit_code == 2  # gave up before the job was stored
    monkeypatch.setenv("FTPREP_CREATE_WINDOW", "10")
    r = run(api, *SUBMIT, "--yes")
    assert r.exit_code == 0, r.output
    (job_id,) = api.jobs
    assert "the create call failed (HTTP 504: injected HTTP 504, in the submit of " in r.stdout
    assert "but the job was stored; it was not sent again:" in r.stdout and f"created job {job_id}" in r.stdout
    assert api.count("POST") == 1


def test_cancel_and_backup_under_502_are_sent_once_and_verified(api):
    job = api.add_job("to-cancel")
    api.fail("DELETE", status=502, store=True)
    r = run(api, "jobs", "cancel", job["id"], "--yes")
    assert r.exit_code == 0 and r.stdout == (f"cancelled job {job['id']} (cancelled); the answer was lost (HTTP 502: "
                                             "injected HTTP 502), the job shows it took effect\n")
    done = api.add_job("done", status="completed")
    api.fail("PATCH", status=502, store=True)
    r = run(api, "jobs", "backup", done["id"])
    assert r.exit_code == 0 and r.stdout.startswith(f"backup of job {done['id']}: voltage-backups/done; the answer")
    assert api.count("DELETE") == 1 and api.count("PATCH") == 1


def test_a_trickling_server_cannot_hold_a_command_past_its_deadline(api, monkeypatch):
    monkeypatch.setenv("FTPREP_API_DEADLINE", "0.5")
    api.fail("GET", trickle=0.05)
    start = time.monotonic()
    r = run(api, "jobs", "list")
    assert time.monotonic() - start < 2.0
    assert r.exit_code == 2 and r.stderr == ("ftprep: error: GET /fine-tuning: no complete answer within the 0.5 s "
                                             "deadline; check the network and VOLTAGEGPU_BASE_URL, then try again\n")
    monkeypatch.setenv("FTPREP_API_DEADLINE", "soon")
    r = run(api, "jobs", "list")
    assert r.exit_code == 2 and "FTPREP_API_DEADLINE must be a number of seconds, got 'soon'" in r.stderr
