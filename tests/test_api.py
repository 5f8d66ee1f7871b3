"""The API client against the stand-in API (ftprep.testing.FakeApi) over real HTTP."""

from __future__ import annotations

import logging
import socket
import time

import httpx
import pytest

from ftprep.testing import FakeApi
from ftprep.api import (
    AuthError, Client, ConfigError, Conflict, CreateUnconfirmed, JobNotCreated, MalformedResponse, NetworkError,
    NotFound, RateLimited, ServerError, StatusError, WatchTimeout, parse_job, parse_jobs,
)
from ftprep.api.models import error_message
from fakeclock import REQUEST, Clock, client



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
def clock():
    return Clock()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- endpoints --------------------------------------------------------------------

def test_every_endpoint_round_trip(api):
    with client(api) as c:
        job = c.create_job(REQUEST)
        assert job.id.startswith("ft_") and job.name == "my-run" and job.status == "pending"
        assert job.raw["dsRepo"] == "alice/d" and job.hours == 2 and job.task_type == "chat"
        assert [j.id for j in c.list_jobs()] == [job.id]
        assert c.list_jobs(status="completed") == []
        assert c.get_job(job.id).status == "pending"
        seen = []
        done = c.watch(job.id, interval=0.01, on_change=lambda j, prev: seen.append((prev, j.status)))
        assert done.outcome == "completed"
        assert seen == [(None, "training"), ("training", "evaluating"), ("evaluating", "completed")]
        assert c.rename_model(job.id, "my-llama-v2").raw["modelName"] == "my-llama-v2"
        assert c.backup(job.id).raw["backupRepo"] == "voltage-backups/my-run"
    # The key goes as X-API-Key on every request; the body of create is the request as given.
    assert all(r.key == api.key for r in api.log)
    post = [r for r in api.log if r.method == "POST"]
    assert len(post) == 1 and post[0].body == REQUEST and post[0].path == "/api/volt/fine-tuning"
    lists = [r.query for r in api.log if r.method == "GET" and r.path.endswith("fine-tuning")]
    assert lists == [{}, {"status": "completed"}]
    patches = [r.body for r in api.log if r.method == "PATCH"]
    assert patches == [{"action": "rename", "modelName": "my-llama-v2"}, {"action": "backup"}]


def test_cancel_pending_and_conflict_on_finished(api):
    pending = api.add_job("a")
    done = api.add_job("b", status="completed")
    with client(api) as c:
        job = c.cancel_job(pending["id"])
        assert job.status == "cancelled" and job.outcome == "cancelled" and job.raw["refunded"] is True
        with pytest.raises(Conflict, match="already completed"):
            c.cancel_job(done["id"])
        with pytest.raises(Conflict, match="only completed jobs"):
            c.rename_model(api.add_job("c")["id"], "x")
    assert api.count("DELETE") == 2  # a 409 is not retried


@pytest.mark.parametrize("job_shape,list_shape,id_key,error_key", [
    ("bare", "bare", "id", "message"),
    ("job", "jobs", "jobId", "error"),
    ("data", "data", "_id", "detail"),
])
def test_response_shapes(job_shape, list_shape, id_key, error_key):
    with FakeApi(job_shape=job_shape, list_shape=list_shape, id_key=id_key, error_key=error_key) as api:
        with client(api) as c:
            job = c.create_job(REQUEST)
            assert job.id.startswith("ft_") and job.name == "my-run"
            assert c.get_job(job.id).id == job.id
            assert [j.id for j in c.list_jobs()] == [job.id]
            with pytest.raises(NotFound, match="Job not found: nope"):
                c.get_job("nope")


def test_unknown_state_is_kept_and_watch_goes_on(api, clock):
    job = api.add_job("odd", status="queued_for_gpu")
    with client(api, clock) as c:
        assert c.get_job(job["id"]).status == "queued_for_gpu"
        seen = []
        with pytest.raises(WatchTimeout) as info:
            c.watch(job["id"], interval=5, timeout=20, on_change=lambda j, p: seen.append(j.status))
    assert info.value.job.status == "queued_for_gpu" and not info.value.job.done
    assert seen == ["queued_for_gpu"] and clock.sleeps == [5, 5, 5, 5]  # polls at 0, 5, 10, 15, 20 s


def test_watch_failed_and_time_based_lifecycle():
    with FakeApi(advance="time", seconds_per_state=0.15) as api:
        api.outcomes["bad-run"] = "failed"
        with client(api) as c:
            job = c.create_job({**REQUEST, "name": "bad-run"})
            seen = []
            final = c.watch(job.id, interval=0.05, on_change=lambda j, p: seen.append(j.status))
    assert final.outcome == "failed" and seen == ["pending", "training", "failed"]


# --- errors and retries -------------------------------------------------------------

def test_401_is_not_retried(api):
    with Client("volt_wrong_key_123", api.url) as c, pytest.raises(AuthError) as info:
        c.list_jobs()
    assert info.value.status == 401 and "Invalid API key" in str(info.value)
    assert api.count("GET") == 1


def test_429_honours_retry_after(api):
    api.fail("GET", status=429, headers={"Retry-After": "1"})
    with client(api) as c:
        start = time.monotonic()
        assert c.list_jobs() == []
        elapsed = time.monotonic() - start
    assert elapsed >= 1.0 and api.count("GET") == 2


def test_429_beyond_the_budget_raises_at_once(api, clock):
    api.fail("GET", status=429, headers={"Retry-After": "3600"})
    with client(api, clock) as c, pytest.raises(RateLimited) as info:
        c.list_jobs()
    assert info.value.retry_after == 3600 and clock.sleeps == [] and api.count("GET") == 1
    assert "retry after 3600 s" in str(info.value)


def test_5xx_backs_off_then_succeeds(api, clock):
    api.fail("GET", status=503, times=2)
    with client(api, clock) as c:
        assert c.list_jobs() == []
    assert api.count("GET") == 3
    assert len(clock.sleeps) == 2 and 0.5 <= clock.sleeps[0] < clock.sleeps[1] <= 1.25


def test_retries_are_bounded(api, clock):
    api.fail("GET", status=500, times=100)
    with client(api, clock, retry_seconds=10, max_attempts=50) as c, pytest.raises(ServerError) as info:
        c.list_jobs()
    assert sum(clock.sleeps) <= 10 and api.count("GET") == len(clock.sleeps) + 1 >= 4
    assert "gave up after" in str(info.value)


def test_malformed_bodies(api, clock):
    api.fail("GET", status=200, body="<html>oops</html>")
    api.fail("GET", status=200, body={"unexpected": True})
    api.fail("GET", status=200, body={"jobs": [{"name": "no id"}]})
    with client(api, clock) as c:
        with pytest.raises(MalformedResponse, match="not JSON"):
            c.list_jobs()
        with pytest.raises(MalformedResponse, match="expected a list of jobs"):
            c.list_jobs()
        with pytest.raises(MalformedResponse, match="job 0 of the list"):
            c.list_jobs()
    job = api.add_job("x")
    api.fail("GET", status=200, body={"foo": 1})
    with client(api, clock) as c, pytest.raises(MalformedResponse, match="holds no job"):
        c.get_job(job["id"])


def test_connection_refused_is_a_network_error(clock):
    with Client("volt_k_1234", f"http://127.0.0.1:{closed_port()}/api", sleep=clock.sleep, clock=clock) as c:
        with pytest.raises(NetworkError, match="Connection refused|connect"):
            c.list_jobs()
        assert len(clock.sleeps) == 4  # five attempts
        with pytest.raises(JobNotCreated, match="not sent"):
            c.create_job(REQUEST)


def test_slow_get_times_out_and_is_retried(api, clock):
    api.fail("GET", delay=1.0)
    with client(api, clock, timeout=0.3) as c:
        assert c.list_jobs() == []
    assert len(clock.sleeps) == 1


def test_redirects_are_not_followed(api):
    api.fail("GET", status=302, headers={"Location": "https://elsewhere.example/steal"})
    with client(api) as c, pytest.raises(StatusError, match="redirect"):
        c.list_jobs()
    assert api.count("GET") == 1


# --- create: never twice ------------------------------------------------------------

def test_5xx_after_store_recovers_the_job(api):
    api.fail("POST", status=502, store=True)
    with client(api) as c:
        job = c.create_job(REQUEST)
    assert job.name == "my-run" and "HTTP 502" in job.recovered_from
    assert api.count("POST") == 1 and len(api.jobs) == 1 and job.id in api.jobs


def test_5xx_without_store_is_an_unknown_outcome_never_none_created(api):
    api.fail("POST", status=500)
    with client(api) as c, pytest.raises(CreateUnconfirmed, match="within 0.3 s: the outcome is unknown") as info:
        c.create_job(REQUEST)
    assert api.count("POST") == 1 and api.jobs == {} and api.count("GET") >= 2  # it kept looking
    assert info.value.cause == "HTTP 500: injected HTTP 500" and "safe" not in info.value.hint


def test_timeout_after_store_recovers(api, clock):
    api.fail("POST", store=True, delay_after=1.5)
    with client(api, clock, timeout=0.3) as c:
        job = c.create_job(REQUEST)
    assert "no answer within 0.3 s" in job.recovered_from and api.count("POST") == 1


def test_timeout_before_store_waits_for_the_job_to_appear(api):
    # The server stores the job 0.8 s in, after the client gave up at 0.3 s:
    # the first look finds nothing, a later one finds it.
    api.fail("POST", store=True, delay=0.8)
    with client(api, timeout=0.3, recovery_seconds=5) as c:
        job = c.create_job(REQUEST)
    assert job.recovered_from and api.count("POST") == 1
    assert api.count("GET", "fine-tuning") >= 2


def test_timeout_never_stored_is_unknown_after_the_window(api, clock):
    api.fail("POST", status=504, delay=1.0)
    with client(api, clock, timeout=0.3, recovery_seconds=5, poll_seconds=1) as c:
        with pytest.raises(CreateUnconfirmed, match="within 5 s: the outcome is unknown"):
            c.create_job(REQUEST)
    assert api.count("POST") == 1 and sum(clock.sleeps) == pytest.approx(5)


def test_unreadable_2xx_create_is_looked_up(api):
    api.fail("POST", status=200, body="<html>created</html>", store=True)
    api.fail("POST", status=200, body={"ok": True})
    with client(api) as c:
        assert c.create_job(REQUEST).recovered_from.startswith("the answer could not be read")
        with pytest.raises(CreateUnconfirmed):
            c.create_job({**REQUEST, "name": "other"})
    assert api.count("POST") == 2


def test_existing_job_of_the_same_name_is_not_mistaken_for_the_new_one(api):
    old = api.add_job("my-run")
    api.fail("POST", status=503)
    with client(api) as c, pytest.raises(CreateUnconfirmed):
        c.create_job(REQUEST, existing_ids={old["id"]})


def test_unreadable_job_list_leaves_the_outcome_open(api, clock):
    api.fail("POST", status=502, store=True)
    api.fail("GET", status=500, times=100)
    with client(api, clock, retry_seconds=3) as c, pytest.raises(CreateUnconfirmed, match="could not be read .*the outcome is unknown"):
        c.create_job(REQUEST)
    assert api.count("POST") == 1


@pytest.mark.parametrize("status,cls", [(400, StatusError), (401, AuthError), (422, StatusError), (429, RateLimited)])
def test_4xx_on_create_is_final(api, status, cls):
    api.fail("POST", status=status, headers={"Retry-After": "5"})
    with client(api) as c, pytest.raises(cls) as info:
        c.create_job(REQUEST)
    assert info.value.status == status and "no job was created" in info.value.hint
    assert api.count("POST") == 1 and api.count("GET") == 0


def test_invalid_request_is_refused_by_the_fake_with_400(api):
    with client(api) as c, pytest.raises(StatusError) as info:
        c.create_job({**REQUEST, "hours": 30})
    assert info.value.status == 400 and "hours" in info.value.message


# --- configuration and secrets ------------------------------------------------------

def test_configuration_errors(api, monkeypatch):
    monkeypatch.delenv("VOLTAGEGPU_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="no API key"):
        Client(None, api.url)
    with pytest.raises(ConfigError, match="spaces"):
        Client("volt key", api.url)
    with pytest.raises(ConfigError, match="plain http"):
        Client("volt_k_1234", "http://api.example.com/api/volt")
    with pytest.raises(ValueError, match="invalid job id"):
        Client("volt_k_1234", api.url).get_job("..")
    monkeypatch.setenv("VOLTAGEGPU_API_KEY", api.key)
    monkeypatch.setenv("VOLTAGEGPU_BASE_URL", api.url)
    with Client() as c:
        assert c.list_jobs() == [] and c.base_url == api.url
    assert Client("volt_k_1234").base_url == api.url
    monkeypatch.delenv("VOLTAGEGPU_BASE_URL")
    assert Client("volt_k_1234").base_url == "https://api.voltagegpu.com/api/volt"


def test_key_is_redacted_from_errors_repr_and_logs(caplog):
    caplog.set_level(logging.DEBUG)
    with FakeApi(echo_key=True) as api:
        secret = "volt_leaky_secret_4242"
        c = Client(secret, api.url)
        with pytest.raises(AuthError) as info:
            c.list_jobs()
        api.fail("GET", status=500, body={"message": f"upstream saw key {api.key}"}, times=10)
        c2 = Client(api.key, api.url, retry_seconds=0)
        with pytest.raises(ServerError) as info2:
            c2.list_jobs()
    for text in (str(info.value), repr(info.value), repr(c), str(info2.value), caplog.text):
        assert secret not in text and api.key not in text
    assert "***" in str(info.value) and "***" in str(info2.value)


def test_transport_is_injectable():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [{"_id": 7, "name": "n", "state": "training"}]})

    with Client("volt_mock_key", "https://api.voltagegpu.com/api/volt", transport=httpx.MockTransport(handler)) as c:
        jobs = c.list_jobs()
    assert jobs[0].id == "7" and jobs[0].status == "training"
    assert seen[0].headers["X-API-Key"] == "volt_mock_key"
    assert str(seen[0].url) == "https://api.voltagegpu.com/api/volt/fine-tuning"


# --- parsing ------------------------------------------------------------------------

def test_parsing_is_defensive():
    assert parse_job({"job": {"jobId": "a1", "status": "evaluating"}}).status == "evaluating"
    assert parse_job({"data": {"data": {"_id": "z"}}}).id == "z"
    assert parse_job({"message": "Job cancelled"}, fallback_id="q").id == "q"
    assert parse_jobs({"data": {"jobs": [{"id": 1}]}})[0].id == "1"
    for bad in (None, [], "x", {"id": ""}, {"id": True}, {"job": "x"}):
        with pytest.raises(MalformedResponse):
            parse_job(bad)
    for bad in (None, {"jobs": "x"}, 3, {"data": {"items": []}}):
        with pytest.raises(MalformedResponse):
            parse_jobs(bad)
    assert error_message({"error": {"message": "nested"}}) == "nested"
    assert error_message({"detail": [{"loc": ["body", "hours"], "msg": "too big"}]}) == "body.hours: too big"
    assert error_message({"detail": "plain"}) == "plain" and error_message({"x": 1}) is None
    job = parse_job({"id": "j", "status": "SUCCESS"})
    assert job.outcome == "completed" and parse_job({"id": "j", "status": "prep_task_failure"}).outcome == "failed"



def test_reads_and_changes_share_one_retry_loop():
    """One loop sends every retried call (GET, DELETE, PATCH): a fix to the retry rules reaches them all."""
    import inspect

    from ftprep.api.client import Client as ApiClient

    senders = [name for name, f in inspect.getmembers(ApiClient, inspect.isfunction)
               if "self._attempt(" in inspect.getsource(f)]
    assert senders == ["_call"]
    callers = {name for name, f in inspect.getmembers(ApiClient, inspect.isfunction)
               if "self._call(" in inspect.getsource(f)}
    assert {"list_jobs", "get_job", "_change"} <= callers
