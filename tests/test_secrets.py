"""No secret is ever shown: the redaction (ftprep.core.redact) and a sweep of every
command in every failure mode, run as `python -m ftprep` subprocesses against
loopback servers that echo what they receive.

The sweep's secrets are recognisable fakes: an HF token, an API key, a URL
password (also as the Basic header httpx derives from it) and presigned
signatures (AWS, GCS, Azure). Each run must keep all of them (and every
12-character piece of them, which a cut message could leave) out of stdout,
stderr and every file it writes.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftprep.testing import FakeApi, FakeHub, FileServer
from ftprep.core.redact import public_url, redact, register_secret, register_url

ROOT = Path(__file__).resolve().parents[1]
HF = "hf_SweepT0kenAbCdEfGhIjKlMnOpQrStUv"
KEY = "volt_sweep_K3y9Xq7Lm2Pd5Rt8"
USER, PW = "bob", "Sw33p-Pa55w0rd"
SIG = "5e1fa9c0d3b7e2f48a6c1d9e0b3f7a2c5e8d1b4a7f0c3e6d9b2a5f8c1e4d7b0a"
CRED = "AKIASWEEPCREDID7Q2"
GSIG = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
AZSIG = "AzSw33pSigQrStUvWxYz0123"
BASIC = base64.b64encode(f"{USER}:{PW}".encode()).decode()
SECRETS = {"HF token": HF, "API key": KEY, "URL password": PW, "AWS signature": SIG, "AWS credential": CRED,
           "GCS signature": GSIG, "Azure signature": AZSIG, "Basic credentials": BASIC}
QUERY = (f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={CRED}%2F20261201%2Fus-east-1%2Fs3%2Faws4_request"
         f"&X-Amz-Signature={SIG}&X-Goog-Signature={GSIG}&sig={AZSIG}")
ROWS = "".join(json.dumps({"instruction": f"question {i}", "output": f"answer {i}"}) + "\n" for i in range(3))
MODEL = "Qwen/Qwen2.5-7B-Instruct"


def pieces(secret: str, size: int = 12) -> set[str]:
    return {secret[i:i + size] for i in range(0, max(1, len(secret) - size + 1))}


def leaks(text: str) -> list[str]:
    """The names of the secrets `text` holds, whole or in part."""
    return [name for name, s in SECRETS.items() if any(p in text for p in pieces(s))]


# --- the redaction itself -------------------------------------------------------

def test_redact_removes_echoed_tokens_passwords_and_signatures():
    register_secret(KEY)
    echoed = [
        f"the Hub answered: 403 Forbidden: bad token Bearer {HF}",
        f"Authorization: Basic {BASIC}; X-API-Key: {KEY}",
        f"GET /d.jsonl?{QUERY} failed",
        f"cannot reach https://{USER}:{PW}@127.0.0.1:9/api/volt ({USER}:{PW})",
        f'{{"datasetUrl": "https://{USER}:{PW}@bucket.s3.amazonaws.com/d.jsonl?{QUERY}"}}',
        f"<Error><SignatureProvided>{SIG}</SignatureProvided></Error>",  # S3's answer to a bad signature
        f"x-amz-signature={SIG}",
        f"ftp://{USER}:{PW}@files.example/d.jsonl: unsupported URL",
        f"http://{USER}:{PW}@[::1/d.jsonl?{QUERY}",
    ]
    register_url(f"https://{USER}:{PW}@bucket.s3.amazonaws.com/d.jsonl?{QUERY}")
    for text in echoed:
        shown = redact(text)
        assert leaks(shown) == [], (text, shown)
        assert redact(shown) == shown  # idempotent: redacting twice changes nothing more
    assert redact(json.dumps({"datasetUrl": f"https://{USER}:{PW}@b.example/d.jsonl?{QUERY}"})) == \
        '{"datasetUrl": "https://b.example/d.jsonl?..."}'  # still valid JSON


def test_redact_leaves_ordinary_text_alone():
    # Only secret query values are registered: the expiry of a presigned URL is not one.
    register_url(f"https://b.example/d.jsonl?X-Amz-Expires=3600&X-Amz-Date=20261201T000000Z&{QUERY}")
    assert redact("3600 rows, 20261201T000000Z") == "3600 rows, 20261201T000000Z"
    for text in ("Basic authentication required", "token mismatch in row 3", "hf://datasets/alice/data@main",
                 "http://127.0.0.1:8080/data.jsonl: HTTP 404 Not Found", "https://host/d.jsonl?...: cannot download",
                 "the instruction has 12 tokens; key 'output' is null", "hf_short", "Bearer of bad news"):
        assert redact(text) == text


def test_public_url_strips_credentials_and_query_and_never_raises():
    assert public_url(f"https://{USER}:{PW}@host:8443/a/d.jsonl?{QUERY}#x") == "https://host:8443/a/d.jsonl?..."
    assert public_url(f"https://{HF}@host/d.jsonl") == "https://host/d.jsonl"
    assert public_url(f"http://{USER}:{PW}@[::1/d.jsonl?{QUERY}") == "http://[::1/d.jsonl?..."
    assert public_url("hf://datasets/alice/data@main") == "hf://datasets/alice/data@main"
    assert public_url("not a url") == "not a url"


@given(st.text(max_size=80), st.text(max_size=80))
def test_a_registered_secret_never_survives_redaction(before, after):
    register_secret(KEY)
    assert KEY not in redact(before + KEY + after)


def test_api_error_cut_after_redaction_leaves_no_piece_of_the_key():
    """A message is cut to a length; the cut must come after the redaction, or a
    prefix of a secret would be left that no pattern recognises."""
    import httpx

    from ftprep.api import Client, ServerError

    for pad in range(150, 210, 7):
        def answer(request: httpx.Request, pad: int = pad) -> httpx.Response:
            return httpx.Response(500, text="x" * pad + " saw " + request.headers["X-API-Key"])

        client = Client(KEY, "https://api.example/api/volt", transport=httpx.MockTransport(answer),
                        max_attempts=1, sleep=lambda s: None)
        with pytest.raises(ServerError) as info:
            client.list_jobs()
        assert leaks(str(info.value)) == [], str(info.value)


def test_submit_shows_a_public_dataset_url_but_sends_the_real_one():
    import ftprep.verbs.submit

    url = f"https://{USER}:{PW}@bucket.s3.amazonaws.com/d.jsonl?{QUERY}"
    with FakeApi(key=KEY) as api:
        from ftprep.api import Client

        with Client(KEY, api.url) as client:
            sub = ftprep.verbs.submit.submit(name="sweep-lib", task="custom_text", model=MODEL, hours=1, dataset_url=url,
                                       client=client)
        posted = [r.body for r in api.log if r.method == "POST"]
    assert posted == [sub.request] and posted[0]["datasetUrl"] == url  # the API gets the real URL
    shown = json.dumps(sub.to_json())
    assert leaks(shown) == [], shown
    assert sub.to_json()["request"]["datasetUrl"] == "https://bucket.s3.amazonaws.com/d.jsonl?..."


def test_logs_and_warnings_are_redacted_once_guarded():
    import io
    import logging
    import warnings

    import ftprep.core.redact as r

    factory, formatwarning = logging.getLogRecordFactory(), warnings.formatwarning
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log = logging.getLogger("ftprep.test.secrets")
    log.addHandler(handler)
    try:
        r._guarded = False
        r.guard_logging()
        log.warning("'%s' thrown while requesting HEAD %s", "refused", f"http://{USER}:{PW}@127.0.0.1:1/x?{QUERY}")
        shown = warnings.formatwarning(f"token Bearer {HF}", UserWarning, "x.py", 1)
    finally:
        log.removeHandler(handler)
        logging.setLogRecordFactory(factory)
        warnings.formatwarning = formatwarning
        r._guarded = False
    assert "HEAD http://127.0.0.1:1/x?..." in stream.getvalue()
    assert leaks(stream.getvalue()) == [] and leaks(shown) == []


def test_click_errors_quote_values_redacted(capsys):
    from ftprep.cli import main

    assert main(["jobs", "list", "--format", f"https://{USER}:{PW}@host/x?{QUERY}"]) == 2
    assert main(["check", f"ftp://{USER}:{PW}@host/d.jsonl?{QUERY}"]) == 2
    out = capsys.readouterr()
    assert "Invalid value for '--format'" in out.err and "unsupported URL" in out.err
    assert leaks(out.out + out.err) == []


# --- the sweep ------------------------------------------------------------------

class Case(t.NamedTuple):
    command: str                  # what is run, for the count ("check URL", "jobs list"...)
    mode: str                     # the failure mode ("echo 403", "unreachable", "malformed URL"...)
    args: list[str]
    env: dict[str, str]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(home: Path, hub_url: str, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGING", "VOLTAGEGPU_", "FTPREP_")) and "PROXY" not in k.upper()}
    env.update({"PYTHONPATH": str(ROOT), "HF_TOKEN": HF, "VOLTAGEGPU_API_KEY": KEY, "HF_HOME": str(home),
                "HF_ENDPOINT": hub_url, "VOLTAGEGPU_BASE_URL": api_url, "HF_HUB_DISABLE_XET": "1",
                "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "NO_COLOR": "1"})
    return env


def cases(echo: FileServer, api: FakeApi, hub: FakeHub, dead: int, job_id: str) -> list[Case]:
    host = echo.url.removeprefix("http://")
    creds = f"{USER}:{PW}@"
    out: list[Case] = []

    # Data at a URL: check, convert, render and stats on it.
    urls = {f"echo {s}": f"http://{creds}{host}/e{s}/d.jsonl?{QUERY}" for s in (401, 403, 404, 500)}
    urls.update({
        "unreachable": f"http://{creds}127.0.0.1:{dead}/d.jsonl?{QUERY}",
        "ftp URL": f"ftp://{creds}files.example/d.jsonl?{QUERY}",
        "malformed hf URL": f"hf://{creds}datasets/alice/data?{QUERY}",
        "malformed port": f"http://{creds}127.0.0.1:notaport/d.jsonl?{QUERY}",
        "malformed host": f"http://{creds}[::1/d.jsonl?{QUERY}",
    })
    for mode, url in urls.items():
        out.append(Case("check URL", mode, ["check", url, "--task", "custom_text", "--html", "report.html"], {}))
        # Three modes stand for all where the output format or the command takes no other path:
        # convert, render and stats read local files only, so every URL fails the same way.
        if mode in ("echo 403", "unreachable", "ftp URL"):
            out.append(Case("check URL --format json", mode,
                            ["check", url, "--task", "custom_text", "--format", "json"], {}))
        if mode in ("echo 403", "ftp URL", "malformed host"):
            out += [Case("convert URL", mode, ["convert", url, "-o", "out.jsonl"], {}),
                    Case("render URL", mode, ["render", url], {}),
                    Case("stats URL", mode, ["stats", url, "--html", "stats.html"], {})]

    # The Hub: HF_ENDPOINT answers with an echo of the request (a proxy repeating
    # the Authorization header), cannot be reached, or is malformed; all with a password.
    # 400 reaches the branch that quotes the Hub's own message.
    endpoints = {f"echo {s}": f"http://{creds}{host}/e{s}" for s in (400, 401, 403, 404, 500)}
    endpoints.update({"unreachable": f"http://{creds}127.0.0.1:{dead}", "malformed HF_ENDPOINT": f"http://{creds}[::1",
                      # Without a password in the URL the client sends the token as Bearer: echoed back.
                      "echo 403 of the Bearer token": f"http://{host}/e403"})
    for mode, endpoint in endpoints.items():
        env = {"HF_ENDPOINT": endpoint}
        out += [Case("check hf://", mode, ["check", "hf://datasets/alice/data", "--task", "text"], env),
                Case("push", mode, ["push", "data.jsonl", "--repo", "alice/sweep", "--task", "text"], env)]
        # The tokenizer download and submit's upload fail through the same client and
        # the same error kinds as push: a few modes each stand for the rest.
        if mode in ("echo 401", "echo 403 of the Bearer token", "unreachable", "malformed HF_ENDPOINT"):
            out.append(Case("stats --tokenizer", mode, ["stats", "data.jsonl", "--tokenizer", "alice/tok"], env))
        if mode in ("echo 400", "echo 403 of the Bearer token", "unreachable"):
            out.append(Case("submit DATA --yes", mode,
                            ["submit", "data.jsonl", "--repo", "alice/sweep", "--name", "sweep-push", "--task", "text",
                             "--model", MODEL, "--hours", "1", "--yes"], {**env, "VOLTAGEGPU_BASE_URL": api.url}))

    # The API: VOLTAGEGPU_BASE_URL answers with an echo (key header, body with the
    # presigned datasetUrl), cannot be reached, is malformed or refused; all with a password.
    # 503 stands for 5xx here: it says Retry-After: 0, so the client's retries do not sleep.
    presigned = f"https://{creds}bucket.s3.amazonaws.com/d.jsonl?{QUERY}"
    bases = {f"echo {s}": f"http://{creds}{host}/e{s}/api/volt" for s in (401, 403, 404, 503)}
    bases.update({
        "unreachable": f"http://{creds}127.0.0.1:{dead}/api/volt",
        "malformed base URL": f"https://{creds}[::1/api/volt",
        "plain http to a remote host": f"http://{creds}api.example.invalid/api/volt",
        "not http": f"ftp://{creds}api.example.invalid/api/volt",
    })
    submit = ["submit", "--name", "sweep-url", "--task", "custom_text", "--model", MODEL, "--hours", "1",
              "--dataset-url", presigned, "--yes"]
    for mode, base in bases.items():
        env = {"VOLTAGEGPU_BASE_URL": base}
        if not mode.startswith(("echo", "unreachable")):  # refused before any request: one path for all
            out += [Case("submit --yes --format json", mode, submit + ["--format", "json"], env),
                    Case("jobs list", mode, ["jobs", "list"], env)]
            continue
        out += [Case("submit --yes", mode, submit, env),
                Case("submit --yes --format json", mode, submit + ["--format", "json"], env),
                Case("jobs list", mode, ["jobs", "list"], env),
                Case("jobs show", mode, ["jobs", "show", job_id, "--format", "json"], env),
                Case("jobs cancel", mode, ["jobs", "cancel", job_id, "--yes"], env),
                Case("jobs watch", mode, ["jobs", "watch", job_id, "--interval", "0.01", "--timeout", "1"], env)]
    # A proxy with a password that cannot be reached (every host here is loopback, proxied or not).
    proxy = {"HTTPS_PROXY": f"http://{creds}127.0.0.1:{dead}", "HF_ENDPOINT": f"https://127.0.0.1:{dead}",
             "VOLTAGEGPU_BASE_URL": f"https://127.0.0.1:{dead}/api/volt"}
    out += [Case("check URL", "HTTPS_PROXY unreachable", ["check", f"https://127.0.0.1:{dead}/d.jsonl?{QUERY}",
                                                           "--task", "custom_text"], proxy),
            Case("check hf://", "HTTPS_PROXY unreachable", ["check", "hf://datasets/alice/data"], proxy),
            Case("jobs list", "HTTPS_PROXY unreachable", ["jobs", "list"], proxy)]
    for mode in ("echo 403", "echo 503"):
        env = {"VOLTAGEGPU_BASE_URL": bases[mode]}
        out += [Case("jobs rename", mode, ["jobs", "rename", job_id, "sweep-model"], env),
                Case("jobs backup", mode, ["jobs", "backup", job_id, "--format", "json"], env)]
    out.append(Case("jobs show", "echo 500 (retried)", ["jobs", "show", job_id],
                    {"VOLTAGEGPU_BASE_URL": f"http://{host}/e500/api/volt"}))
    out.append(Case("jobs list", "echo 401 of a wrong --api-key", ["jobs", "list", "--api-key", KEY + "-wrong"],
                    {"VOLTAGEGPU_BASE_URL": api.url}))

    # Nothing fails, but the answers echo the presigned URL back (the stored job) and
    # the dry run shows the request: what is printed must still be redacted.
    ok = {"VOLTAGEGPU_BASE_URL": api.url}
    out += [Case("submit --dry-run", "presigned URL", submit[:-1] + ["--dry-run"], {}),
            Case("submit --dry-run --format json", "presigned URL",
                 submit[:-1] + ["--dry-run", "--format", "json"], {}),
            Case("submit --dry-run", "URL refused by the schema",
                 ["submit", "--name", "x", "--task", "custom_text", "--model", MODEL, "--hours", "1",
                  "--dataset-url", f"ftp://{creds}files.example/d.jsonl?{QUERY}", "--dry-run"], {}),
            Case("submit --dry-run", "--api-key given", submit[:-1] + ["--dry-run", f"--api-key={KEY}"], {}),
            Case("submit --yes", "answer echoes the URL", submit[:2] + ["sweep-ok"] + submit[3:], ok),
            Case("submit --yes --format json", "answer echoes the URL",
                 submit[:2] + ["sweep-ok-json"] + submit[3:] + ["--format", "json"], ok),
            Case("jobs list", "answer echoes the URL", ["jobs", "list"], ok),
            Case("jobs list --format json", "answer echoes the URL", ["jobs", "list", "--format", "json"], ok),
            Case("jobs show", "answer echoes the URL", ["jobs", "show", job_id], ok),
            Case("jobs watch --format json", "answer echoes the URL",
                 ["jobs", "watch", job_id, "--interval", "0.01", "--format", "json"], ok),
            Case("jobs cancel", "answer echoes the URL", ["jobs", "cancel", job_id, "--yes", "--format", "json"], ok),
            Case("push", "a Hub that works", ["push", "data.jsonl", "--repo", "alice/sweep-ok", "--task", "text"],
                 {"HF_ENDPOINT": hub.url}),
            Case("check hf://", "a Hub that works", ["check", "hf://datasets/alice/seeded", "--task", "text"],
                 {"HF_ENDPOINT": hub.url}),
            Case("push", "the Hub echoes the commit (413)",
                 ["push", "data.jsonl", "--repo", "alice/sweep-echo", "--task", "text"], {"HF_ENDPOINT": hub.url}),
            Case("check hf://", "the Hub echoes the download (403)",
                 ["check", "hf://datasets/alice/seeded-echo", "--task", "text"], {"HF_ENDPOINT": hub.url}),
            Case("cost", "secrets in the environment", ["cost", "--model", MODEL, "--hours", "2"], {}),
            Case("cost --format json", "secrets in the environment",
                 ["cost", "--model", MODEL, "--hours", "2", "--format", "json"], {})]
    return out


def run(case: Case, work: Path, env: dict[str, str]) -> dict[str, t.Any]:
    work.mkdir(parents=True)
    (work / "data.jsonl").write_text(ROWS, encoding="utf-8")
    start = time.monotonic()
    try:
        p = subprocess.run([sys.executable, "-m", "ftprep", *case.args], cwd=work, env={**env, **case.env},
                           capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
        code, stdout, stderr = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        code, stdout, stderr = "timeout", str(e.stdout or ""), str(e.stderr or "")
    found = [(where, name) for where, text in (("stdout", stdout), ("stderr", stderr)) for name in leaks(text)]
    for f in sorted(work.rglob("*")):
        if f.is_file():
            found += [(str(f.relative_to(work)), name) for name in leaks(f.read_bytes().decode("utf-8", "replace"))]
    return {"case": case, "code": code, "leaks": found, "stdout": stdout, "stderr": stderr,
            "seconds": time.monotonic() - start}


def test_secrets_sweep(tmp_path):
    home = tmp_path / "hf-home"
    echo = FileServer().start()
    for status in (400, 401, 403, 404, 500):
        echo.echo(f"/e{status}", status)
    echo.echo("/e503", 503, {"Retry-After": "0"})
    hub = FakeHub(users={"alice": HF}).start()
    hub.seed("alice/seeded", {"data/train.jsonl": ROWS})
    hub.seed("alice/seeded-echo", {"data/train.jsonl": ROWS})
    for method in ("GET", "HEAD"):  # the repo is found, then every download of its files is refused
        hub.echo(method, "/datasets/alice/seeded-echo/resolve/", 403, times=1000)
    hub.echo("POST", "/api/datasets/alice/sweep-echo/commit/", 413, times=1000)
    api = FakeApi(key=KEY).start()
    presigned = f"https://{USER}:{PW}@bucket.s3.amazonaws.com/d.jsonl?{QUERY}"
    job = api.add_job("sweep-existing", status="completed", taskType="custom_text", datasetUrl=presigned)
    api.add_job("sweep-running", status="training", taskType="custom_text", datasetUrl=presigned)
    try:
        env = base_env(home, f"http://{USER}:{PW}@{echo.url.removeprefix('http://')}/e403", api.url)
        todo = cases(echo, api, hub, closed_port(), job["id"])
        with concurrent.futures.ThreadPoolExecutor(8) as pool:  # most of the waiting is retries sleeping
            results = list(pool.map(lambda ic: run(ic[1], tmp_path / f"case{ic[0]:03d}", env), enumerate(todo)))
        posted = [r.body for r in api.log if r.method == "POST"]
    finally:
        api.stop()
        hub.stop()
        echo.stop()
    for f in sorted(home.rglob("*")) if home.exists() else []:
        if f.is_file():
            assert leaks(f.read_bytes().decode("utf-8", "replace")) == [], f
    printed = [(r["case"].command, r["case"].mode, where, name) for r in results for where, name in r["leaks"]]
    odd = [(r["case"].command, r["case"].mode, r["code"], r["stderr"][-300:]) for r in results
           if r["code"] not in (0, 1, 2) or "Traceback" in r["stderr"] or "internal error" in r["stderr"]]
    commands = {r["case"].command for r in results}
    modes = {r["case"].mode for r in results}
    print(f"\nsecrets sweep: {len(results)} runs ({len(commands)} commands, {len(modes)} modes), "
          f"secrets printed: {len(printed)}, tracebacks or internal errors: {len(odd)}")
    slow = sorted(results, key=lambda r: -r["seconds"])[:8]
    print("slowest: " + ", ".join(f"{r['case'].command} / {r['case'].mode} {r['seconds']:.1f} s" for r in slow))
    assert printed == [], printed
    assert odd == [], odd
    # The sweep reached what it meant to: the echo servers answered, the API got the real URL.
    assert any(r.status == 403 for r in echo.log) and any(r.status == 401 for r in echo.log)
    assert posted and all(b["datasetUrl"] == presigned for b in posted if b.get("taskType") == "custom_text")
    by_mode = {(r["case"].command, r["case"].mode): r for r in results}
    assert by_mode[("submit --yes", "answer echoes the URL")]["code"] == 0
    assert "bucket.s3.amazonaws.com/d.jsonl?..." in by_mode[("submit --dry-run", "presigned URL")]["stdout"]
    assert by_mode[("push", "a Hub that works")]["code"] == 0
    assert by_mode[("check URL", "echo 403")]["code"] == 1 and "H006" in by_mode[("check URL", "echo 403")]["stdout"]
    # The echoes came back and were masked, not merely absent: the sweep is not vacuous.
    assert "Bearer ***" in by_mode[("check hf://", "echo 403 of the Bearer token")]["stderr"]
    assert "Bearer ***" in by_mode[("push", "the Hub echoes the commit (413)")]["stderr"]
    assert "X-API-Key: ***" in by_mode[("jobs list", "echo 401")]["stderr"]
    assert "Basic ***" in by_mode[("check URL", "echo 403")]["stdout"]
    assert "X-Amz-Signature=***" in by_mode[("check URL", "echo 403")]["stdout"]
