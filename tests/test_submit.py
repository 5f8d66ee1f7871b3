"""ftprep.verbs.submit, the job schema and the pricing table, against the stand-in API."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftprep.testing import FakeApi
from ftprep.api import pricing
from ftprep.api import ApiError, Client, CreateUnconfirmed
from ftprep.api.pending import PendingStore
from ftprep.verbs.submit import RequestInvalid, build_request, model_warnings, submit, validate_request

MODEL = "Qwen/Qwen2.5-7B-Instruct"
BASE = {"name": "my-run", "model": MODEL, "hours": 2}


@pytest.fixture(autouse=True)
def pending_dir(tmp_path, monkeypatch):
    """Records of pending creates go to the test's folder, never the user's cache."""
    folder = tmp_path / "pending"
    monkeypatch.setenv("FTPREP_PENDING_DIR", str(folder))
    return folder


@pytest.fixture
def api():
    with FakeApi() as fake:
        yield fake


@pytest.fixture
def client(api):
    with Client(api.key, api.url, timeout=2.0) as c:
        yield c


def chat_file(tmp_path: Path, rows: int = 5, bad: bool = False) -> Path:
    lines = [{"messages": [{"role": "user", "content": f"hi {i}"}, {"role": "assistant", "content": f"hey {i}"}]}
             for i in range(rows)]
    if bad:
        lines.append({"messages": [{"role": "user", "content": "nobody answers"}]})
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


# --- the schema -----------------------------------------------------------------

@pytest.mark.parametrize("task,extra", [
    ("text", {"dsRepo": "a/b", "fieldInstruction": "q", "fieldOutput": "a"}),
    ("chat", {"dsRepo": "a/b", "chatTemplate": "llama3", "fieldConversation": "messages"}),
    ("dpo", {"dsRepo": "a/b", "fieldPrompt": "p", "fieldChosen": "c", "fieldRejected": "r", "chatTemplate": "chatml"}),
    ("grpo", {"dsRepo": "a/b", "fieldPrompt": "p", "rewardFuncs": ["len", "fmt"], "chatTemplate": "qwen3"}),
    ("image", {"dsRepo": "a/b", "imageModelType": "sdxl"}),
    ("custom_text", {"datasetUrl": "https://x.example/d.jsonl", "fieldInstruction": "q"}),
    ("custom_chat", {"datasetUrl": "https://x.example/d.jsonl", "chatTemplate": "phi_4"}),
])
def test_valid_requests_of_every_task(task, extra):
    assert validate_request({**BASE, "taskType": task, **extra}) == []


@pytest.mark.parametrize("change,expected", [
    ({"name": "my run"}, "the job name must be letters, digits and hyphens"),
    ({"name": "-run"}, "the job name must be"),
    ({"name": "run_1"}, "the job name must be"),
    ({"taskType": "sft"}, "taskType must be one of text, chat, dpo, grpo, image, custom_text, custom_chat"),
    ({"hours": 0}, "hours must be from 1 to 24 (got 0)"),
    ({"hours": 25}, "hours must be from 1 to 24 (got 25)"),
    ({"hours": 1.5}, "hours must be a whole number from 1 to 24 (got 1.5)"),
    ({"hours": "2"}, "hours must be a whole number"),
    ({"chatTemplate": "vicuna"}, "chatTemplate must be one of chatml, llama3, qwen3, mistral_v3_tekken, "
                                 "deepseek_v3, phi_4, gemma3 (got 'vicuna')"),
    ({"dsRepo": None}, "dsRepo is required for taskType chat"),
    ({"dsRepo": "no-owner"}, "dsRepo must be a Hugging Face dataset repo, OWNER/NAME"),
    ({"datasetUrl": "https://x.example/d.jsonl"}, "datasetUrl does not apply to taskType chat"),
    ({"fieldChosen": "c"}, "fieldChosen does not apply to taskType chat"),
    ({"rewardFuncs": ["f"]}, "rewardFuncs does not apply to taskType chat"),
    ({"imageModelType": "flux"}, "imageModelType does not apply to taskType chat"),
    ({"fieldConversation": " "}, "fieldConversation: a column name must not be blank"),
    ({"model": ""}, "the model must be a non-empty id"),
    ({"extra": 1}, "unknown field(s): extra"),
])
def test_each_invalid_request_gets_its_message(change, expected):
    request = {**BASE, "taskType": "chat", "dsRepo": "a/b", **change}
    request = {k: v for k, v in request.items() if v is not None}
    problems = validate_request(request)
    assert len(problems) == 1 and expected in problems[0], problems


def test_custom_tasks_need_a_url_not_a_repo():
    assert validate_request({**BASE, "taskType": "custom_chat", "dsRepo": "a/b"}) == [
        "datasetUrl is required for taskType custom_chat", "dsRepo does not apply to taskType custom_chat"]
    assert validate_request({**BASE, "taskType": "custom_text", "datasetUrl": "ftp://x/y"}) == [
        "datasetUrl must be an http(s) URL of a file (got 'ftp://x/y')"]


def test_build_request_drops_unset_options_and_whole_float_hours():
    assert build_request(name="r", task="grpo", model="m", hours=3.0, repo="a/b", chat_template=None,
                         reward_funcs=("f",)) == {"name": "r", "taskType": "grpo", "model": "m", "hours": 3,
                                                  "dsRepo": "a/b", "rewardFuncs": ["f"]}


def test_models_outside_the_documented_list_warn():
    assert model_warnings({"taskType": "chat", "model": "meta-llama/llama-3.1-8b-instruct"}) == []
    assert "not in VoltageGPU's documented list" in model_warnings({"taskType": "chat", "model": "gpt2"})[0]
    assert model_warnings({"taskType": "image", "model": "black-forest-labs/FLUX.1-dev"}) == []
    assert "image models" in model_warnings({"taskType": "image", "model": "midjourney"})[0]


# --- pricing -------------------------------------------------------------------

@pytest.mark.parametrize("model,hours,task,params_b,cost,tier,between", [
    ("meta-llama/Llama-3.1-8B-Instruct", 2, None, None, 55.50, "medium", False),
    ("Qwen/Qwen2.5-3B", 1, None, None, 18.50, "small", False),
    ("HuggingFaceTB/SmolLM2-135M", 1, None, None, 18.50, "small", False),
    ("meta-llama/Llama-3.1-70B-Instruct", 3, None, None, 138.75, "large", False),
    ("mistralai/Mixtral-8x7B-v0.1", 1, None, None, 46.25, "large", False),
    ("Qwen/Qwen3-30B-A3B", 1, None, None, 46.25, "large", False),
    ("x/model-3.5B", 1, None, None, 27.75, "medium", True),
    ("Qwen/Qwen2.5-14B-Instruct", 1, None, None, 46.25, "large", True),
    ("google/gemma-3-27b-it", 24, None, None, 1110.00, "large", True),
    ("microsoft/phi-4", 2, None, 14.7, 92.50, "large", True),
    ("black-forest-labs/FLUX.1-dev", 2, "image", None, 37.00, "image", False),
])
def test_estimates(model, hours, task, params_b, cost, tier, between):
    est = pricing.estimate(model, hours, task=task, params_b=params_b)
    assert (est.estimated_cost_usd, est.tier.name, est.between_tiers) == (cost, tier, between)
    assert ("higher one" in est.describe()) is between


def test_unknown_size_is_said_not_guessed():
    est = pricing.estimate("gpt2", 2)
    assert est.estimated_cost_usd is None and not est.known
    assert est.describe().startswith("unknown: the model size cannot be read from 'gpt2'")
    assert (est.min_usd, est.max_usd) == (37.0, 92.5)


def test_pricing_lives_in_one_data_file():
    data = json.loads(pricing.PRICING_FILE.read_text())
    assert [t["usd_per_hour"] for t in data["tiers"]] == [18.50, 27.75, 46.25] and data["image"]["usd_per_hour"] == 18.5
    assert "higher tier" in data["between_tiers"]


# --- submit ----------------------------------------------------------------------

def test_dry_run_sends_nothing(api, client):
    sub = submit(name="my-run", task="chat", model=MODEL, hours=2, repo="alice/d", chat_template="qwen3",
                 dry_run=True, client=client)
    assert sub.state == "dry-run" and sub.job is None and api.log == []
    assert sub.to_json()["request"] == {"name": "my-run", "taskType": "chat", "model": MODEL, "hours": 2,
                                        "dsRepo": "alice/d", "chatTemplate": "qwen3"}
    assert sub.to_json()["estimated_cost_usd"] == 55.5


def test_submit_creates_exactly_one_job(api, client):
    asked = []
    sub = submit(name="my-run", task="dpo", model=MODEL, hours=1, repo="alice/d", client=client,
                 confirm=lambda plan: asked.append(plan.estimated_cost_usd) or True)
    assert sub.state == "created" and sub.job.id in api.jobs and asked == [27.75]
    assert api.count("POST") == 1 and api.log[-1].body == sub.request
    assert [r.method for r in api.log] == ["GET", "POST"]  # the name check, then the create


def test_declined_confirmation_creates_nothing(api, client):
    sub = submit(name="my-run", task="chat", model=MODEL, hours=1, repo="alice/d", client=client,
                 confirm=lambda plan: False)
    assert sub.state == "declined" and api.count("POST") == 0


def test_a_taken_name_is_refused(api, client):
    api.add_job("my-run", status="failed")
    with pytest.raises(RequestInvalid, match="a job named 'my-run' already exists"):
        submit(name="my-run", task="chat", model=MODEL, hours=1, repo="alice/d", client=client)
    assert api.count("POST") == 0


def test_invalid_request_sends_nothing(api, client):
    with pytest.raises(RequestInvalid) as info:
        submit(name="bad name", task="chat", model=MODEL, hours=30, client=client)
    assert len(info.value.problems) == 3 and api.log == []


def test_recovered_create_is_reported(api, client):
    api.fail("POST", status=502, store=True)
    sub = submit(name="my-run", task="chat", model=MODEL, hours=1, repo="alice/d", client=client)
    assert sub.state == "recovered" and "HTTP 502" in sub.job.recovered_from and api.count("POST") == 1


def test_data_errors_stop_before_any_request(api, client, tmp_path):
    sub = submit(chat_file(tmp_path, bad=True), name="my-run", task="chat", model=MODEL, hours=1, repo="alice/d",
                 client=client, min_rows=1)
    assert sub.state == "stopped" and sub.report.errors == 1 and "C007" in sub.report.codes()  # too few messages
    assert api.log == []


def test_fields_come_from_the_conversion(tmp_path):
    # The source column is "messages"; the converted (pushed) column is "conversations".
    sub = submit(chat_file(tmp_path), name="my-run", task="chat", model=MODEL, hours=1, repo="alice/d",
                 field_conversation="messages", dry_run=True, min_rows=1)
    assert sub.state == "dry-run" and sub.report.errors == 0
    assert sub.request["fieldConversation"] == "conversations"
    csv = tmp_path / "qa.csv"
    csv.write_text("question,answer\nq1,a1\nq2,a2\n")
    sub = submit(csv, name="qa", task="text", model=MODEL, hours=1, repo="alice/d", field_instruction="question",
                 field_output="answer", dry_run=True, min_rows=1)
    assert (sub.request["fieldInstruction"], sub.request["fieldOutput"]) == ("instruction", "output")


def test_custom_tasks_with_data_are_refused(tmp_path):
    with pytest.raises(RequestInvalid, match="custom_\\* jobs read a file URL"):
        submit(chat_file(tmp_path), name="r", task="custom_chat", model=MODEL, hours=1,
               dataset_url="https://x.example/d.jsonl", dry_run=True)


def test_submit_with_data_pushes_then_creates(api, client, hub, tmp_path):
    sub = submit(chat_file(tmp_path), name="pushed-run", task="chat", model=MODEL, hours=1, repo="alice/submit-1",
                 field_conversation="messages", chat_template="qwen3", client=client, min_rows=1)
    assert sub.state == "created" and sub.push.repo_id == "alice/submit-1" and hub.commits("alice/submit-1") == 1
    assert sub.push.job_fields == {"fieldConversation": "conversations"}
    assert api.log[-1].body == {"name": "pushed-run", "taskType": "chat", "model": MODEL, "hours": 1,
                                "dsRepo": "alice/submit-1", "fieldConversation": "conversations",
                                "chatTemplate": "qwen3"}


def test_no_push_when_the_api_key_is_wrong(api, hub, tmp_path):
    from ftprep.api import AuthError

    with Client("volt_wrong_key_1", api.url) as bad, pytest.raises(AuthError):
        submit(chat_file(tmp_path), name="r", task="chat", model=MODEL, hours=1, repo="alice/submit-2",
               client=bad, min_rows=1)
    assert hub.commits("alice/submit-2") == 0 and api.count("POST") == 0


# --- a lost create answer never charges twice ---------------------------------------------

CHAT = dict(name="my-run", task="chat", model=MODEL, hours=1, repo="alice/d")


def impatient(api):
    """A client that stops looking for a lost create at once, as a user who
    pressed Ctrl-C would: the record is all that is left of the create."""
    return Client(api.key, api.url, timeout=2.0, recovery_seconds=0.01, poll_seconds=0.01)


def patient(api, window=60.0):
    return Client(api.key, api.url, timeout=2.0, recovery_seconds=window, poll_seconds=0.02)


def lose_the_answer(api, pending_dir, store_after):
    """Submit once against a gateway that answers 504 and (unless None) stores the job later."""
    api.fail("POST", status=504, store_after=store_after) if store_after is not None else api.fail("POST", status=504)
    with impatient(api) as c, pytest.raises(CreateUnconfirmed) as info:
        submit(**CHAT, client=c)
    assert "the outcome is unknown" in info.value.message and "safe" not in f"{info.value.message} {info.value.hint}"
    assert "recorded as pending" in info.value.hint
    (record,) = PendingStore(pending_dir).all()
    assert record.name == "my-run" and record.cause == "HTTP 504: injected HTTP 504"
    return record


def later(record, seconds):
    """The user comes back `seconds` after the lost create: the record says when it was sent."""
    PendingStore(record.path.parent).add(dataclasses.replace(record, sent_at=record.sent_at - seconds))


def wait_for_jobs(api, n=1):
    deadline = time.monotonic() + 5
    while len(api.jobs) < n:
        assert time.monotonic() < deadline, "the fake never stored the job"
        time.sleep(0.01)


@pytest.mark.parametrize("user_waits", [0, 5, 70])
def test_stored_after_a_504_one_job_whatever_the_user_does_next(api, pending_dir, user_waits):
    record = lose_the_answer(api, pending_dir, store_after=0.6)
    if user_waits:
        wait_for_jobs(api)
        later(record, user_waits)
    else:
        assert api.jobs == {}  # at once: the job is not there yet, the resubmit must wait for it
    with patient(api) as c:
        sub = submit(**CHAT, client=c)
        assert sub.state == "recovered" and "HTTP 504" in sub.job.recovered_from
        assert list(api.jobs) == [sub.job.id] and api.count("POST") == 1
        assert PendingStore(pending_dir).all() == []
        with pytest.raises(RequestInvalid, match="already exists"):  # and once more: the name is taken
            submit(**CHAT, client=c)
    assert api.count("POST") == 1 and len(api.jobs) == 1


@pytest.mark.parametrize("user_waits", [0, 70])
def test_never_stored_one_job_after_the_window(api, pending_dir, user_waits):
    record = lose_the_answer(api, pending_dir, store_after=None)
    later(record, user_waits)
    before = len(api.log)
    with patient(api, window=60 if user_waits else 1.0) as c:
        sub = submit(**CHAT, client=c)
    assert sub.state == "created" and list(api.jobs) == [sub.job.id] and PendingStore(pending_dir).all() == []
    posts = [r for r in api.log if r.method == "POST"]
    assert len(posts) == 2 and posts[0].idempotency_key == posts[1].idempotency_key == record.idempotency_key
    methods = [r.method for r in api.log[before:]]
    if user_waits:  # the window is over: the name check's list, one look, then the create
        assert methods == ["GET", "GET", "POST"]
    else:  # at once: it looks until the window after the lost create is over
        assert methods[-1] == "POST" and methods.count("GET") >= 4 and time.time() >= record.sent_at + 1.0


def test_a_service_that_honours_the_key_stores_once_even_without_the_record(pending_dir):
    with FakeApi(idempotency=True) as api:
        api.fail("POST", status=504, store=True)
        with Client(api.key, api.url, recovery_seconds=0.01, poll_seconds=0.01) as c:
            sub = submit(**CHAT, client=c)  # found at the first look
        assert sub.state == "recovered"
        (post,) = [r for r in api.log if r.method == "POST"]
        assert post.idempotency_key and len(post.idempotency_key) == 32 and api.keys == {post.idempotency_key:
                                                                                          sub.job.id}


def test_a_different_request_under_the_name_of_a_lost_create_is_refused(api, pending_dir):
    lose_the_answer(api, pending_dir, store_after=0.1)
    with patient(api) as c, pytest.raises(RequestInvalid, match="with other options lost its answer, and it was "
                                                                 "stored as job ft_"):
        submit(**{**CHAT, "hours": 3}, client=c)
    assert api.count("POST") == 1 and len(api.jobs) == 1


def test_an_unreadable_job_list_keeps_the_record_and_sends_nothing(api, pending_dir):
    lose_the_answer(api, pending_dir, store_after=None)
    with patient(api) as c:
        api.fail("GET", status=500, times=100, path="fine-tuning")
        c.retry_seconds = 0.5
        with pytest.raises(ApiError):
            submit(**CHAT, client=c)
    assert api.count("POST") == 1 and len(PendingStore(pending_dir).all()) == 1


def test_a_definite_answer_leaves_no_record(api, pending_dir):
    api.fail("POST", status=422)
    with patient(api) as c:
        with pytest.raises(ApiError, match="HTTP 422"):
            submit(**CHAT, client=c)
        assert submit(**CHAT, client=c).state == "created"
    assert PendingStore(pending_dir).all() == [] and list(pending_dir.iterdir()) == []


def test_a_process_killed_while_the_create_is_out_leaves_a_record_that_resolves(api, pending_dir):
    # The backend stores the job 0.5 s after the POST arrives; the process is killed as soon as it has sent it.
    api.fail("POST", store=True, delay=0.5)
    env = {**os.environ, "VOLTAGEGPU_API_KEY": api.key, "VOLTAGEGPU_BASE_URL": api.url}
    proc = subprocess.Popen([sys.executable, "-m", "ftprep", "submit", "--name", "my-run", "--task", "chat",
                             "--model", MODEL, "--repo", "alice/d", "--hours", "1", "--yes"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while api.count("POST") == 0:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait()
    (record,) = PendingStore(pending_dir).all()
    assert record.name == "my-run" and api.jobs == {}
    with patient(api) as c:
        sub = submit(**CHAT, client=c)
    assert sub.state == "recovered" and api.count("POST") == 1 and len(api.jobs) == 1


def test_no_create_without_a_place_for_its_record(api, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    asked = []
    with patient(api) as c, pytest.raises(OSError, match="cannot keep the record of a create in .*FTPREP_PENDING_DIR"):
        submit(**CHAT, client=c, pending=PendingStore(blocker / "pending"), confirm=asked.append)
    assert api.count("POST") == 0 and asked == []


# --- one request, one mapping, one client, one schema loader --------------------------------

def counting_builds(monkeypatch):
    """Every call of the request builder that `submit` goes through, recorded."""
    import ftprep.verbs.request as request_module

    built = []
    real = request_module.build_request

    def build(**kw):
        built.append(real(**kw))
        return built[-1]

    monkeypatch.setattr(request_module, "build_request", build)
    return built


def test_the_request_is_built_once_and_the_dry_run_shows_what_is_posted(api, client, hub, tmp_path, monkeypatch):
    built = counting_builds(monkeypatch)
    args = dict(name="once-run", task="chat", model=MODEL, hours=1, repo="alice/submit-once",
                field_conversation="messages", chat_template="qwen3", min_rows=1)
    dry = submit(chat_file(tmp_path), dry_run=True, **args)
    assert len(built) == 1 and dry.request is built[0]
    confirmed = []
    sub = submit(chat_file(tmp_path), client=client, confirm=lambda plan: confirmed.append(plan.request) or True,
                 **args)
    assert len(built) == 2 and sub.request is built[1] and confirmed == [sub.request] and confirmed[0] is sub.request
    (post,) = [r for r in api.log if r.method == "POST"]
    # The source column is "messages": the dry run, the POST and the pushed data all name the converted one.
    assert post.body == dry.request == sub.request and post.body["fieldConversation"] == "conversations"
    assert sub.push.job_fields == {"fieldConversation": "conversations"}


def test_without_data_the_mapping_is_sent_as_given(api, client):
    sub = submit(name="given-run", task="dpo", model=MODEL, hours=1, repo="alice/d", field_prompt="q",
                 field_chosen="good", field_rejected="bad", client=client)
    (post,) = [r for r in api.log if r.method == "POST"]
    assert post.body == sub.request and {k: post.body[k] for k in ("fieldPrompt", "fieldChosen", "fieldRejected")} \
        == {"fieldPrompt": "q", "fieldChosen": "good", "fieldRejected": "bad"}


def test_a_source_mapping_the_task_does_not_take_is_refused_before_the_data_is_read(tmp_path):
    with pytest.raises(RequestInvalid) as info:  # the data has errors too: the request is judged first
        submit(chat_file(tmp_path, bad=True), name="r", task="chat", model=MODEL, hours=1, repo="alice/d",
               field_chosen="c", field_conversation=" ", dry_run=True, min_rows=1)
    assert info.value.problems == ["fieldChosen does not apply to taskType chat",
                                   "fieldConversation: a column name must not be blank (got ' ')"]


def test_a_conversion_naming_other_columns_than_the_request_sends_nothing(api, client, hub, tmp_path, monkeypatch):
    import ftprep.engine.converter

    monkeypatch.setattr(ftprep.engine.converter, "JOB_FIELDS", {"chat": {"fieldConversation": "messages"}})
    with pytest.raises(RequestInvalid, match="the converted data has fieldConversation='messages', the request "
                                             "fieldConversation='conversations'"):
        submit(chat_file(tmp_path), name="r", task="chat", model=MODEL, hours=1, repo="alice/submit-apart",
               client=client, min_rows=1)
    assert api.log == [] and hub.commits("alice/submit-apart") == 0


def counting_clients(monkeypatch):
    """The API clients made and closed from now on (each one is a connection pool)."""
    made, closed = [], []
    init, close = Client.__init__, Client.close

    def counting_init(self, *args, **kw):
        init(self, *args, **kw)
        made.append(self)
        self.made_by = sys._getframe(1).f_globals["__name__"]

    def counting_close(self):
        closed.append(self)
        close(self)

    monkeypatch.setattr(Client, "__init__", counting_init)
    monkeypatch.setattr(Client, "close", counting_close)
    return made, closed


def test_the_cli_submit_owns_exactly_one_client(api, hub, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ftprep.cli import cli

    made, closed = counting_clients(monkeypatch)
    env = {"VOLTAGEGPU_API_KEY": api.key, "VOLTAGEGPU_BASE_URL": api.url}
    args = ["submit", str(chat_file(tmp_path)), "--name", "cli-run", "--task", "chat", "--model", MODEL,
            "--repo", "alice/submit-cli", "--hours", "1", "--min-rows", "1", "--isolated"]
    r = CliRunner().invoke(cli, [*args, "--dry-run"], env=env)
    assert r.exit_code == 0, r.output
    assert made == [] and api.log == []  # a dry run needs no key and builds no client
    r = CliRunner().invoke(cli, [*args, "--yes", "--api-key", api.key], env={**env, "VOLTAGEGPU_API_KEY": ""})
    assert r.exit_code == 0, r.output
    assert len(made) == 1 and closed == made  # one client, closed once, for the list, the settle and the create
    assert made[0].made_by == "ftprep.verbs.submit"  # by the library: the CLI hands it the key, not a client
    assert [m.method for m in api.log] == ["GET", "POST"] and {m.key for m in api.log} == {api.key}


def test_the_library_closes_only_the_client_it_made(api, monkeypatch, client):
    made, closed = counting_clients(monkeypatch)
    monkeypatch.setenv("VOLTAGEGPU_BASE_URL", api.url)
    submit(**CHAT, api_key=api.key)
    assert len(made) == 1 and closed == made and made[0]._http.is_closed
    submit(**{**CHAT, "name": "second-run"}, client=client)
    assert len(made) == 1 and not client._http.is_closed  # the caller's client stays open, for the caller
    with pytest.raises(TypeError, match="not both"):
        submit(**CHAT, client=client, api_key=api.key)


def test_a_lost_create_is_not_sent_again_by_a_later_submit_with_its_own_client(api, pending_dir, monkeypatch):
    api.fail("POST", status=504, store_after=0.3)
    monkeypatch.setenv("VOLTAGEGPU_API_KEY", api.key)
    monkeypatch.setenv("VOLTAGEGPU_BASE_URL", api.url)
    monkeypatch.setenv("FTPREP_CREATE_WINDOW", "0.01")
    monkeypatch.setenv("FTPREP_POLL_SECONDS", "0.01")
    with pytest.raises(CreateUnconfirmed):
        submit(**CHAT)
    (record,) = PendingStore(pending_dir).all()
    monkeypatch.setenv("FTPREP_CREATE_WINDOW", "10")
    sub = submit(**CHAT)
    assert sub.state == "recovered" and api.count("POST") == 1 and list(api.jobs) == [sub.job.id]
    assert PendingStore(pending_dir).all() == [] and record.request_hash == pending_hash(sub.request)


def pending_hash(request):
    from ftprep.api.pending import request_hash

    return request_hash(request)


def test_the_job_schema_is_read_in_one_place(tmp_path):
    import ftprep
    from ftprep.core import schema

    def reads_schemas(path):
        """Imports jsonschema, or names the folder of the schemas."""
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "jsonschema" for a in node.names):
                return True
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "jsonschema":
                return True
            if isinstance(node, ast.Constant) and node.value == "schemas":
                return True
        return False

    package = Path(ftprep.__file__).parent
    assert sorted(str(p.relative_to(package)) for p in package.rglob("*.py") if reads_schemas(p)) == ["core/schema.py"]
    schema.schema.cache_clear()
    schema.validator.cache_clear()
    opened, watching = [], [True]
    job_file = str(schema.SCHEMAS / "job.schema.json")
    # An audit hook cannot be removed: it stops counting when the test ends.
    sys.addaudithook(lambda event, args: opened.append(args[0]) if watching and event == "open" and args and
                     str(args[0]) == job_file else None)
    assert validate_request({**BASE, "taskType": "chat", "dsRepo": "a/b"}) == []
    submit(chat_file(tmp_path), name="r", task="chat", model=MODEL, hours=1, repo="alice/d", dry_run=True,
           min_rows=1)
    with pytest.raises(RequestInvalid):
        submit(name="bad name", task="chat", model=MODEL, hours=1, repo="alice/d", dry_run=True)
    watching.clear()
    assert len(opened) == 1
