"""Lost answers against the stand-in API over real HTTP: the idempotency key,
changes sent once and verified, and the deadline over a whole call."""

from __future__ import annotations

import json
import time

import pytest

from ftprep.testing import FakeApi
from ftprep.api import Client, ConfigError, NetworkError, OutcomeUnknown, ServerError
from fakeclock import REQUEST, Clock, client



@pytest.fixture(autouse=True)
def pending_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FTPREP_PENDING_DIR", str(tmp_path / "pending"))
    return tmp_path / "pending"


@pytest.fixture
def api():
    with FakeApi() as fake:
        yield fake


@pytest.fixture
def clock():
    return Clock()


# --- create: idempotency key ----------------------------------------------------------

def test_create_sends_the_idempotency_key_and_a_service_that_honours_it_stores_once():
    with FakeApi(idempotency=True) as api, client(api) as c:
        first = c.create_job(REQUEST, idempotency_key="k-123")
        again = c.create_job(REQUEST, idempotency_key="k-123")
        other = c.create_job({**REQUEST, "name": "other-run"}, idempotency_key="k-456")
    assert [r.idempotency_key for r in api.log if r.method == "POST"] == ["k-123", "k-123", "k-456"]
    assert first.id == again.id != other.id and len(api.jobs) == 2


def test_a_job_stored_after_a_504_is_found_in_the_same_call(api):
    # A gateway answers 504 at once; the backend stores the job 0.2 s later.
    api.fail("POST", status=504, store_after=0.2)
    with client(api, recovery_seconds=5) as c:
        job = c.create_job(REQUEST)
    assert job.recovered_from == "HTTP 504: injected HTTP 504" and list(api.jobs) == [job.id]
    assert api.count("POST") == 1 and api.count("GET") >= 2


# --- changes: sent once, then verified ---------------------------------------------------

def test_cancel_answered_502_after_it_took_effect_is_sent_once(api):
    job = api.add_job("to-cancel")
    api.fail("DELETE", status=502, store=True)
    with client(api) as c:
        done = c.cancel_job(job["id"])
    assert done.outcome == "cancelled" and done.recovered_from == "HTTP 502: injected HTTP 502"
    assert [r.method for r in api.log] == ["DELETE", "GET"]  # sent once, then checked


def test_cancel_answered_502_before_it_took_effect_is_checked_then_sent_again(api, clock):
    job = api.add_job("to-cancel")
    api.fail("DELETE", status=502)
    with client(api, clock) as c:
        done = c.cancel_job(job["id"])
    assert done.outcome == "cancelled" and done.recovered_from is None and done.raw["refunded"] is True
    assert [r.method for r in api.log] == ["DELETE", "GET", "DELETE"] and len(clock.sleeps) == 1


def test_backup_answered_502_after_it_took_effect_is_sent_once(api):
    job = api.add_job("done", status="completed")
    api.fail("PATCH", status=502, store=True)
    with client(api) as c:
        done = c.backup(job["id"])
    assert done.raw["backupRepo"] == "voltage-backups/done" and "HTTP 502" in done.recovered_from
    assert api.count("PATCH") == 1


def test_a_change_that_never_takes_effect_gives_up_and_says_so(api, clock):
    job = api.add_job("done", status="completed")
    api.fail("PATCH", status=502, times=100)
    with client(api, clock) as c, pytest.raises(ServerError) as info:
        c.backup(job["id"])
    assert api.count("PATCH") == 5 and api.count("GET") == 5  # every send but the first was checked first
    assert f"gave up after 5 attempts; job {job['id']} shows the backup did not take effect" in str(info.value)


def test_a_lost_answer_to_a_change_that_cannot_be_checked_is_unknown(api, clock):
    job = api.add_job("to-cancel")
    api.fail("DELETE", status=502, store=True)
    api.fail("GET", status=500, times=100)
    with client(api, clock, retry_seconds=2) as c, pytest.raises(OutcomeUnknown) as info:
        c.cancel_job(job["id"])
    assert api.count("DELETE") == 1 and "could not be read to check whether it took effect" in str(info.value)
    assert info.value.hint == f"run `ftprep jobs show {job['id']}` to see before you try again"


def test_a_timed_out_rename_is_checked_not_resent(api):
    job = api.add_job("done", status="completed")
    api.fail("PATCH", store=True, delay_after=1.0)
    with client(api, timeout=0.3) as c:
        done = c.rename_model(job["id"], "v2")
    assert done.raw["modelName"] == "v2" and "no answer within 0.3 s" in done.recovered_from
    assert api.count("PATCH") == 1


# --- the deadline over a whole call -----------------------------------------------------

def test_a_trickling_answer_ends_at_the_deadline(api):
    # One byte every 0.05 s: each read succeeds well within the 2 s timeout, so
    # only the deadline over the whole call can stop it (the answer takes ~5 s).
    api.fail("GET", trickle=0.05)
    with client(api, timeout=2.0, deadline=0.4) as c:
        start = time.monotonic()
        with pytest.raises(NetworkError, match="no complete answer within the 0.4 s deadline"):
            c.list_jobs()
        elapsed = time.monotonic() - start
        assert c.list_jobs() == []  # the next call has its own deadline
    assert 0.35 <= elapsed < 1.2 and api.count("GET") == 2


def test_the_deadline_bounds_retries_and_checks(api):
    api.fail("GET", status=500, times=100)
    with client(api, deadline=0.3, retry_seconds=60, max_attempts=50) as c:
        start = time.monotonic()
        with pytest.raises(ServerError):
            c.list_jobs()
        assert time.monotonic() - start < 1.0
        api.faults.clear()
        job = api.add_job("done", status="completed")
        api.fail("PATCH", trickle=0.05)
        start = time.monotonic()
        with pytest.raises(OutcomeUnknown):  # the answer never completes, and the check finds no time left
            c.backup(job["id"])
        assert time.monotonic() - start < 1.0


def test_durations_come_from_the_environment(api, monkeypatch):
    monkeypatch.setenv("FTPREP_API_DEADLINE", "7.5")
    monkeypatch.setenv("FTPREP_CREATE_WINDOW", "12")
    with Client(api.key, api.url) as c:
        assert (c.deadline, c.recovery_seconds, c.poll_seconds) == (7.5, 12.0, 1.0)
    for value in ("soon", "0", "-1", "inf"):
        monkeypatch.setenv("FTPREP_API_DEADLINE", value)
        with pytest.raises(ConfigError, match="FTPREP_API_DEADLINE must be a"):
            Client(api.key, api.url)


# --- the records ---------------------------------------------------------------------------

def test_records_are_written_whole_scoped_and_never_dropped_unread(pending_dir):
    from ftprep.api.pending import PendingCreate, PendingStore, request_hash

    store = PendingStore()
    assert store.folder == pending_dir
    mine = store.add(PendingCreate("my-run", request_hash(REQUEST), "scope-a", cause="HTTP 504: gateway"))
    store.add(PendingCreate("my-run", request_hash({**REQUEST, "hours": 3}), "scope-b"))
    (pending_dir / "scope-a.broken.json").write_text("{not json")
    assert [r.to_json() for r in store.named("my-run", "scope-a")] == [mine.to_json()]
    assert len(store.all()) == 2 and (pending_dir / "scope-a.broken.json").exists()
    assert not [p for p in pending_dir.iterdir() if p.name.startswith(".ftprep-")]  # no temporary left
    assert request_hash(dict(reversed(list(REQUEST.items())))) == request_hash(REQUEST)  # key order does not matter
    store.remove(mine)
    store.remove(mine)  # a record another process resolved first is not an error
    assert store.named("my-run", "scope-a") == []
    on_disk = json.loads(next(pending_dir.glob("scope-b.*.json")).read_text())
    assert set(on_disk) == {"name", "request_hash", "scope", "idempotency_key", "sent_at", "known_ids", "cause"}


def test_a_create_trickled_past_its_deadline_is_looked_for_not_resent(api):
    api.fail("POST", trickle=0.05, store=True)
    with client(api, deadline=0.4, recovery_seconds=2) as c:
        start = time.monotonic()
        job = c.create_job(REQUEST)
        assert time.monotonic() - start < 1.5
    assert job.recovered_from == "no complete answer within the 0.4 s deadline" and api.count("POST") == 1
