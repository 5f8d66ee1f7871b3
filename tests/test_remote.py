"""`ftprep check` on dataset URLs (a local FileServer) and on Hub repos (the fake Hub)."""

from __future__ import annotations

import json
import os
import socket
import uuid
from pathlib import Path

import pytest

import ftprep
from ftprep.cli import main
from ftprep.verbs.remote import check_remote, local_suffix
from ftprep.core.errors import SourceError
from ftprep.core.options import Options

GOLDEN = Path(__file__).parent / "golden"
GOOD = [{"instruction": f"say {i}", "output": f"said {i}"} for i in range(5)]
CHAT = [{"conversations": [{"role": "user", "content": f"hi {i}"}, {"role": "assistant", "content": "hello"}]}
        for i in range(4)]


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def codes(report) -> list[str]:
    return [d.code for d in report.diagnostics]


# --- URLs -------------------------------------------------------------------------
def test_url_good_file(file_server) -> None:
    url = file_server.add("/data/train.jsonl", jsonl(GOOD))
    report = ftprep.check(url, task="custom_text", min_rows=1)
    assert report.ok and report.rows == 5 and report.files[0].path == url
    assert file_server.log[-1] == ("GET", "/data/train.jsonl", 200)


def test_url_row_findings_name_the_url(file_server) -> None:
    url = file_server.add("/c.jsonl", jsonl(CHAT + [{"conversations": [{"role": "user", "content": "x"}]}]))
    report = ftprep.check(url, task="custom_chat", min_rows=1)
    bad = [d for d in report.diagnostics if d.code == "C007"]
    assert bad and bad[0].path == url and bad[0].line == 5 and "ftprep-url" not in bad[0].message


@pytest.mark.parametrize("status", [401, 403, 404, 500])
def test_url_status_is_a_diagnostic(file_server, status: int) -> None:
    url = file_server.add("/x.jsonl", jsonl(GOOD), status=status)
    report = ftprep.check(url, task="custom_text", min_rows=1)
    assert codes(report) == ["H006"] and f"HTTP {status}" in report.diagnostics[0].message
    assert report.diagnostics[0].hint


def test_url_needing_auth_fails_like_the_trainer(file_server) -> None:
    url = file_server.add("/private.jsonl", jsonl(GOOD), auth="Bearer secret")
    report = ftprep.check(url, task="custom_text", min_rows=1)
    assert codes(report) == ["H006"] and "401" in report.diagnostics[0].message
    assert "public or presigned" in (report.diagnostics[0].hint or "")


def test_url_missing_path_is_404(file_server) -> None:
    report = ftprep.check(file_server.url + "/nothing-here.jsonl", task="custom_text", min_rows=1)
    assert codes(report) == ["H006"] and "404" in report.diagnostics[0].message


@pytest.mark.parametrize("chunked", [False, True])
def test_url_oversized_stops_at_the_cap(file_server, chunked: bool) -> None:
    body = jsonl(GOOD * 200)
    url = file_server.add("/big.jsonl", body, chunked=chunked)
    report = check_remote(url, Options(task="custom_text", min_rows=1), max_bytes=1000)
    assert codes(report) == ["P008"] and report.rows == 0
    assert ("Content-Length" in report.diagnostics[0].message) is (not chunked)
    # Under the cap the same file checks clean.
    assert check_remote(url, Options(task="custom_text", min_rows=1), max_bytes=len(body)).errors == 0


def test_url_declared_size_over_the_trainer_limit(file_server) -> None:
    # A server announcing more than 2,147,483,646 bytes is refused before any body is read.
    url = file_server.add("/huge.jsonl", "", headers={"Content-Length": str(3 * 2**30)})
    report = ftprep.check(url, task="custom_text", min_rows=1)
    assert codes(report) == ["P008"] and "3,221,225,472 bytes" in report.diagnostics[0].message


def test_url_csv_is_refused(file_server) -> None:
    url = file_server.add("/train.csv", "instruction,output\nhello,world\n")
    report = ftprep.check(url, task="custom_text", min_rows=1)
    assert codes(report) == ["P007"] and report.rows == 1


def test_url_csv_for_other_tasks_too(file_server) -> None:
    url = file_server.add("/dpo.csv", "prompt,chosen,rejected\np,a,b\n")
    report = ftprep.check(url, task="dpo", min_rows=1)
    assert codes(report) == ["P007"]


def test_url_without_suffix_is_read_as_json(file_server) -> None:
    # Presigned URLs often end in a bare key; the trainer loads them with load_dataset("json").
    url = file_server.add("/bucket/object-key", json.dumps(GOOD))
    assert local_suffix(url + "?X-Amz-Signature=abc") == (".json", False)
    report = ftprep.check(url + "?X-Amz-Signature=abc", task="custom_text", min_rows=1)
    assert report.ok and report.rows == 5
    assert report.files[0].path == url + "?..."  # the signature is a credential: never in a report


def test_url_credentials_never_reach_a_report(file_server) -> None:
    url = file_server.add("/gone.jsonl", b"", status=404)
    secret = url.replace("http://", "http://user:hunter2@") + "?token=s3cret"
    report = ftprep.check(secret, task="custom_chat")
    text = json.dumps(report.to_json())
    assert "hunter2" not in text and "s3cret" not in text and codes(report) == ["H006"]


def test_url_redirect_is_followed(file_server) -> None:
    target = file_server.add("/real.jsonl", jsonl(GOOD))
    url = file_server.add("/short", status=302, headers={"Location": target})
    assert ftprep.check(url, task="custom_text", min_rows=1).rows == 5


def test_url_unreachable_is_a_source_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match="cannot download"):
        ftprep.check(f"http://127.0.0.1:{port}/x.jsonl", task="custom_text")


def test_unknown_scheme() -> None:
    with pytest.raises(SourceError, match="unsupported URL"):
        ftprep.check("ftp://example.invalid/x.jsonl", task="custom_text")


def test_cli_check_url_exit_codes(file_server, capsys: pytest.CaptureFixture[str]) -> None:
    good = file_server.add("/ok.jsonl", jsonl(GOOD))
    assert main(["check", good, "--task", "custom_text", "--min-rows", "1", "--isolated"]) == 0
    assert main(["check", file_server.url + "/gone.jsonl", "--task", "custom_text", "--isolated"]) == 1
    assert "H006" in capsys.readouterr().out


# --- Hub repos ----------------------------------------------------------------------
def seed(hub, files: dict[str, str], **kw) -> str:
    repo = f"bob/r-{uuid.uuid4().hex[:8]}"
    hub.seed(repo, files, **kw)
    return repo


def test_hub_splits_are_merged(hub) -> None:
    repo = seed(hub, {"data/train.jsonl": jsonl(GOOD), "data/test.jsonl": jsonl(GOOD[:2])})
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1)
    assert report.rows == 7
    # Rows 5 and 6 (the test split) repeat rows 0 and 1 of train: found across splits, by merged row.
    dups = [d for d in report.diagnostics if d.code == "D001"]
    assert [(d.row, d.line) for d in dups] == [(5, None), (6, None)] and "row 0" in dups[0].message


def test_hub_first_config_only(hub) -> None:
    card = ("---\nconfigs:\n- config_name: sft\n  data_files: sft.jsonl\n"
            "- config_name: extra\n  data_files: extra.jsonl\n---\n")
    repo = seed(hub, {"README.md": card, "sft.jsonl": jsonl(GOOD), "extra.jsonl": jsonl([{"x": 1}])})
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1)
    assert codes(report) == ["H003"] and report.rows == 5 and "'sft'" in report.diagnostics[0].message


def test_hub_loading_script(hub) -> None:
    repo = seed(hub, {"data.jsonl": jsonl(GOOD)})
    name = repo.split("/")[1]
    hub.seed(repo, {f"{name}.py": "import datasets\n"})
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1)
    assert codes(report) == ["H004"] and report.ok  # a warning: the rows are not checked


def test_hub_split_schemas_differ(hub) -> None:
    extra = [dict(r, system="be brief") for r in GOOD[:2]]
    repo = seed(hub, {"data/train.jsonl": jsonl(GOOD), "data/test.jsonl": jsonl(extra)})
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1)
    assert codes(report)[:2] == ["H002", "H005"] and "column names don't match" in report.diagnostics[0].message
    assert report.diagnostics[1].field == "system" and report.rows == 7


def test_hub_unloadable_repo(hub) -> None:
    repo = seed(hub, {"README.md": "just a card\n"})
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1)
    assert codes(report) == ["H002"] and "doesn't contain any data files" in report.diagnostics[0].message


def test_hub_missing_repo_and_revision(hub) -> None:
    assert codes(ftprep.check("hf://datasets/bob/does-not-exist", task="text")) == ["H001"]
    repo = seed(hub, {"data.jsonl": jsonl(GOOD)})
    report = ftprep.check(f"hf://datasets/{repo}@no-such-branch", task="text")
    assert codes(report) == ["H001"] and "no-such-branch" in report.diagnostics[0].message


def test_hub_private_repo_of_someone_else(hub) -> None:
    repo = f"bob/private-{uuid.uuid4().hex[:6]}"
    hub.seed(repo, {"data.jsonl": jsonl(GOOD)}, private=True)
    assert codes(ftprep.check(f"hf://datasets/{repo}", task="text")) == ["H001"]  # the token is alice's


def test_hub_row_findings(hub) -> None:
    repo = seed(hub, {"data.jsonl": jsonl(GOOD + [{"instruction": "x", "output": "  "}])})
    report = ftprep.check(f"hf://datasets/{repo}", task="text", min_rows=1)
    assert [(d.code, d.row, d.line, d.path) for d in report.diagnostics] == [
        ("V002", 5, None, f"hf://datasets/{repo}")]


def test_hub_parquet_repo(hub, tmp_path: Path) -> None:
    import polars as pl

    path = tmp_path / "x.parquet"
    pl.DataFrame(GOOD).write_parquet(path)
    repo = f"bob/pq-{uuid.uuid4().hex[:6]}"
    hub.seed(repo, {"data/train-00000-of-00001.parquet": path.read_bytes()})
    report = ftprep.check(f"hf://datasets/{repo}", min_rows=1)
    assert report.ok and report.rows == 5 and report.files[0].task == "text"


def test_bad_hf_url() -> None:
    with pytest.raises(SourceError, match="hf://datasets/OWNER/NAME"):
        ftprep.check("hf://bob/name", task="text")


# --- golden cases of the H family (served by tests/remote_cases.golden_source) -------------
H_CASES = sorted(p for p in GOLDEN.glob("H*") if p.is_dir())


@pytest.mark.parametrize("case", H_CASES, ids=[c.name for c in H_CASES])
def test_h_golden(case: Path, fake_hub_session) -> None:
    from remote_cases import golden_source

    args = json.loads((case / "args.json").read_text()) if (case / "args.json").exists() else {}
    name = sorted(p.name for p in case.iterdir() if p.name.startswith("input"))[0]
    old = os.getcwd()
    os.chdir(case)
    try:
        with golden_source(case, name, args) as (source, kwargs, normalize):
            kwargs.setdefault("min_rows", 1)
            got = normalize(ftprep.check(source, **kwargs).to_json())
    finally:
        os.chdir(old)
    expected = case / "expected.json"
    if os.environ.get("FTPREP_UPDATE_GOLDEN"):
        expected.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(expected.read_text())
    assert case.name.split("-")[0] in {d["code"] for f in got["files"] for d in f["diagnostics"]}


def test_every_h_code_has_a_golden_case() -> None:
    from ftprep.core.codes import HUB

    assert sorted(HUB) == sorted({c.name.split("-")[0] for c in H_CASES})
