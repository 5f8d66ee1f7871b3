"""Credentials (Q010) and personal data (Q011-Q015) in training text: the rules,
the fast path's prefilter, the masked previews and redaction.

The planted keys are assembled at run time from pieces, so that this file is
not itself a secret to a scanner, and are random-looking but fake.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ftprep
from ftprep.cli import main
from ftprep.engine import personal_data, secrets_scan
from ftprep.engine.text_suspects import suspect_rows


def _lines(texts: list[str]) -> list[bytes]:
    return [json.dumps({"text": x}).encode() for x in texts]

AWS = "AKIA" + "QX4MPLE7ZT3K2FWN"
HF = "hf_" + "QhZrTmWpLkXvNbYcDsFgJaReTuIoPzMxKq"
GITHUB = "ghp_" + "R7kLmN2pQ9sT4vW8xY1zA3bC5dE6fG0hJ2kL"
GITLAB = "glpat-" + "Xk3mP9qR2sT7vW1yZ4bC"
SLACK = "xoxb-" + "1234567890-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
GCP = "AIza" + "SyD3x9Kq7LmN2pR8sT4vW6yZ1bC5dE0fG7h"
ANTHROPIC = "sk-ant-" + "api03-" + "Q" * 10 + "x7Yz2Kp9Lm4Nq8Rt3Vw6" * 4
OPENAI = "sk-proj-" + "Zq8Lm2Xv9Tn3Wb7Ks1Pd6YhR4cF0gJ5aE2uI7oPzMxKq"
AZURE = "AccountKey=" + "Zq8Lm2Xv9Tn3Wb7Ks1Pd6YhR4cF0gJ5aE2uI7oPzMxKqZq8Lm2Xv9Tn3Wb7Ks1Pd6YhR4cF0gJ5aE2uI7oPzMxKq12=="
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
PRIVATE = "-----BEGIN " + "OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"
URL_PASSWORD = "postgres://admin:" + "Zx9vLq2Rt7Wk" + "@db.acme.io/prod"
VOLTAGE = "X-API-Key: " + "vgpu4Kq9Lm2Xv7Tn3Wb8Ks1Pd6Y"

CREDENTIALS = {
    "AWS_ACCESS_KEY": AWS, "HF_TOKEN": HF, "GITHUB_TOKEN": GITHUB, "GITLAB_TOKEN": GITLAB, "SLACK_TOKEN": SLACK,
    "STRIPE_KEY": STRIPE, "GCP_API_KEY": GCP, "ANTHROPIC_KEY": ANTHROPIC, "OPENAI_KEY": OPENAI,
    "AZURE_STORAGE_KEY": AZURE, "JWT": JWT, "PRIVATE_KEY": PRIVATE, "URL_PASSWORD": URL_PASSWORD, "SECRET": VOLTAGE,
}
PERSONAL = {
    "Q011": "jane.doe@acme-corp.io", "Q012": "+1 415-555-2671", "Q013": "4528 7316 0294 5185",
    "Q014": "DE34 3704 0044 0987 6543 21", "Q015": "8.8.4.4",
}
# The part of each planted value that must never be shown.
SECRET_PARTS = [AWS, HF, GITHUB, GITLAB, SLACK, STRIPE, GCP, ANTHROPIC, OPENAI, AZURE[11:], JWT, "b3BlbnNzaC1rZXkt",
                "Zx9vLq2Rt7Wk", VOLTAGE[11:], "jane.doe@", "415-555-2671", "4528 7316 0294 5185", "0987 6543 21",
                "8.8.4.4"]


@pytest.mark.parametrize("label", sorted(CREDENTIALS))
def test_each_credential_format_is_found_with_its_label(label: str) -> None:
    text = f"Here is what you asked for: {CREDENTIALS[label]} -- keep it safe."
    hits = secrets_scan.scan_text(text)
    assert [(h.code, h.label) for h in hits] == [("Q010", label)]
    assert suspect_rows(["clean prose", text], 1, _lines(["clean prose", text])) == {1}


@pytest.mark.parametrize("code", sorted(PERSONAL))
def test_each_kind_of_personal_data_is_found(code: str) -> None:
    text = f"Details: {PERSONAL[code]} (from the form)."
    assert [h.code for h in secrets_scan.scan_text(text)] == [code]


@pytest.mark.parametrize("text", [
    "X-API-Key: YOUR_API_KEY",                       # the documentation's placeholder
    "api_key = 'xxxxxxxxxxxxxxxxxxxxxxxx'",          # no entropy
    "set password: correcthorsebatterystaple",      # a word, not a random value (no digit)
    "The tokenizer splits text into tokens; sk-learn is a library.",
    "Write to sales@example.com or a@b.test.",       # documentation domains
    "Open 192.168.1.1, 10.0.0.7, 127.0.0.1 or 203.0.113.7.",  # private, loopback, documentation
    "Order 4111 1111 1111 1112 fails the Luhn check; 1234 5678 9012 3456 has no issuer.",
    "DE89 3704 0044 0532 0130 01 fails the IBAN check.",
    "In 2024 about 1200000 people lived there; pi is 3.14159265.",
])
def test_lookalikes_are_not_reported(text: str) -> None:
    assert secrets_scan.scan_text(text) == []
    assert suspect_rows([text], 1, _lines([text])) == set()


def test_an_iban_whose_digits_pass_luhn_is_an_iban() -> None:
    """GB04 NWBK 5500 7721 5473 20: its last 14 digits start like a Mastercard and pass the Luhn check."""
    text = "Pay to IBAN GB04 NWBK 5500 7721 5473 20."
    assert personal_data.luhn("55007721547320")
    assert [h.code for h in secrets_scan.scan_text(text)] == ["Q014"]


def test_luhn_and_iban_checks() -> None:
    assert personal_data.luhn("4111111111111111") and not personal_data.luhn("4111111111111112")
    assert personal_data.iban("GB82WEST12345698765432") and not personal_data.iban("GB82WEST12345698765433")


def test_previews_never_hold_the_value() -> None:
    for label, value in CREDENTIALS.items():
        text = f"x {value} y"
        (hit,) = secrets_scan.scan_text(text)
        shown = secrets_scan.preview(hit, text)
        assert "…" in shown or "BEGIN" in shown, label
        assert text[hit.start:hit.end] not in shown, label
    text = "mail jane.doe@acme-corp.io"
    (hit,) = secrets_scan.scan_text(text)
    assert secrets_scan.preview(hit, text) == "j***@acme-corp.io"


def test_redact_writes_typed_placeholders_and_counts_them() -> None:
    text = f"key {AWS}, mail jane.doe@acme-corp.io and bob@mailbox.org, card 4528 7316 0294 5185."
    out, counts = secrets_scan.redact(text)
    assert out == "key <AWS_ACCESS_KEY>, mail <EMAIL> and <EMAIL>, card <CARD_NUMBER>."
    assert counts == {"AWS_ACCESS_KEY": 1, "EMAIL": 2, "CARD_NUMBER": 1}
    assert secrets_scan.redact("nothing here") == ("nothing here", {})


@pytest.mark.parametrize("label", sorted(CREDENTIALS))
def test_redact_replaces_each_credential_whole(label: str) -> None:
    """The placeholder stands for the whole value: a rule whose group is only the
    token's prefix (ghp, glpat) must not leave the token's body in the text."""
    value = CREDENTIALS[label]
    out, counts = secrets_scan.redact(f"x {value} y")
    assert counts == {label: 1}
    assert out.startswith("x ") and out.endswith(" y") and f"<{label}>" in out
    secret = {"AZURE_STORAGE_KEY": AZURE[11:], "PRIVATE_KEY": "b3BlbnNzaC1rZXkt", "URL_PASSWORD": "Zx9vLq2Rt7Wk",
              "SECRET": VOLTAGE[11:]}.get(label, value)
    assert secret not in out and secret[-8:] not in out, out


def _planted(tmp_path: Path) -> Path:
    rows = [{"instruction": "Give me the config", "output": f"Use {value} there."} for value in CREDENTIALS.values()]
    rows += [{"instruction": "Contact?", "output": f"It is {value}."} for value in PERSONAL.values()]
    rows.append({"instruction": "Say hi", "output": "hi"})
    p = tmp_path / "planted.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_check_reports_every_planted_value_on_its_line(tmp_path: Path) -> None:
    p = _planted(tmp_path)
    report = ftprep.check(str(p), task="text", min_rows=1)
    found = report.files[0].diagnostics
    secret_lines = sorted(d.line for d in found if d.code == "Q010")
    assert secret_lines == list(range(1, len(CREDENTIALS) + 1))
    personal = {d.code: d for d in found if d.code in PERSONAL}
    assert set(personal) == set(PERSONAL)
    assert all(d.severity == "warning" and d.stage == "train" for d in personal.values())
    assert all(d.severity == "error" for d in found if d.code == "Q010")


def test_fast_path_and_explain_path_agree(tmp_path: Path) -> None:
    p = _planted(tmp_path)
    fast = ftprep.check(str(p), task="text", min_rows=1).to_json()
    slow = ftprep.check(str(p), task="text", min_rows=1, explain_all=True).to_json()
    assert fast["files"][0]["diagnostics"] == slow["files"][0]["diagnostics"]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit", "gitlab"])
def test_no_output_format_prints_a_planted_secret(tmp_path: Path, fmt: str, capsys) -> None:
    p = _planted(tmp_path)
    assert main(["check", str(p), "--task", "text", "--min-rows", "1", "--format", fmt]) == 1
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "Q010" in shown and "Q015" in shown
    assert [s for s in SECRET_PARTS if s in shown] == []


def test_html_page_prints_no_planted_secret(tmp_path: Path, capsys) -> None:
    p, page = _planted(tmp_path), tmp_path / "report.html"
    assert main(["check", str(p), "--task", "text", "--min-rows", "1", "--html", str(page)]) == 1
    html = page.read_text()
    assert "Q010" in html
    assert [s for s in SECRET_PARTS if s in html] == []


def test_clean_rows_never_load_the_full_rules(tmp_path: Path) -> None:
    """The prefilter keeps clean rows off the full rules: detect-secrets and phonenumbers stay unimported."""
    p = tmp_path / "clean.jsonl"
    p.write_text("".join(json.dumps({"instruction": f"Question {i}", "output": "A plain answer."}) + "\n"
                         for i in range(50)))
    code = ("import sys, ftprep; ftprep.check(sys.argv[1], task='text', min_rows=1); "
            "print(sorted(m for m in ('detect_secrets', 'phonenumbers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_convert_redact_writes_placeholders_and_counts_them(tmp_path: Path) -> None:
    p = _planted(tmp_path)
    before = p.read_bytes()
    out = tmp_path / "out.jsonl"
    conv = ftprep.convert(str(p), str(out), task="text", min_rows=1, redact=True)
    assert conv.written and p.read_bytes() == before  # the input is never modified
    written = out.read_text()
    assert [s for s in SECRET_PARTS if s in written] == []
    assert "<AWS_ACCESS_KEY>" in written and "<EMAIL>" in written and "<IBAN>" in written
    (q016,) = [d for d in conv.report.files[0].diagnostics if d.code == "Q016"]
    assert q016.severity == "warning" and q016.line == 1
    assert f"in {len(CREDENTIALS) + len(PERSONAL)} row(s)" in q016.message and "1 <CARD_NUMBER>" in q016.message
    assert not [d for d in ftprep.check(str(out), task="text", min_rows=1).files[0].diagnostics
                if d.code.startswith("Q")]


def test_convert_without_redact_keeps_the_text(tmp_path: Path) -> None:
    p = _planted(tmp_path)
    out = tmp_path / "out.jsonl"
    conv = ftprep.convert(str(p), str(out), task="text", min_rows=1, drop_invalid=True)
    assert not [d for d in conv.report.files[0].diagnostics if d.code == "Q016"]
    assert "jane.doe@acme-corp.io" in out.read_text()  # a warning only: the row is written as it is
    assert AWS not in out.read_text()  # Q010 is an error: --drop-invalid drops the row


def test_redacting_twice_changes_nothing_more() -> None:
    once, counts = secrets_scan.redact(f"db {URL_PASSWORD} key {AWS} mail jane.doe@acme-corp.io")
    assert counts == {"URL_PASSWORD": 1, "AWS_ACCESS_KEY": 1, "EMAIL": 1}
    assert secrets_scan.redact(once) == (once, {})
