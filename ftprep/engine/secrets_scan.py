"""Credentials (Q010) and personal data (Q011-Q015) in the training text.

A key trained into a model can be extracted from it, and the dataset itself is
pushed to the Hub: both are worth catching before a paid job.

The credential rules are detect-secrets' own plugin regexes (Yelp's maintained
scanner, Apache-2.0; its `denylist` of each plugin, read at run time, not
copied), plus the formats it lacks: GCP API keys, Anthropic and OpenAI project
keys, Hugging Face and GitHub fine-grained tokens, private key blocks whole,
and a value of high entropy after a key-like name (`api_key=`, `X-API-Key:`,
`VOLTAGEGPU_API_KEY=`: VoltageGPU does not publish a key shape, so its key is
caught by the header and the variable that carry it).

Personal data (e-mail, phone, card, IBAN, IP): ftprep.engine.personal_data.

Cost: every rule runs only on a text holding one of its anchors
(ftprep.engine.secret_anchors: literals, digit runs, IBAN heads), found at C
speed; a text beyond `BIG` characters is searched only in windows around its
anchors, so the rules stay linear. The fast path finds the candidate rows of a
whole block at once (ftprep.engine.text_suspects). detect-secrets and
phonenumbers are imported the first time a candidate is seen.
"""

from __future__ import annotations

import functools
import math
import re
import typing as t

from ftprep.core.diagnostics import MAX_PLACES, Diagnostic
from ftprep.engine.example_values import documented
from ftprep.engine.personal_data import PERSONAL, Hit, disjoint, personal
from ftprep.engine.secret_anchors import BIG, anchors, labels, windows
from ftprep.engine.strings import mapped
from ftprep.tasks.finding import Finding

# detect-secrets plugins (module, class) -> (kind, label); each denylist regex is used as is.
_PLUGINS = (
    ("aws", "AWSKeyDetector", "an AWS key", "AWS_ACCESS_KEY"),
    ("azure_storage_key", "AzureStorageKeyDetector", "an Azure storage account key", "AZURE_STORAGE_KEY"),
    ("github_token", "GitHubTokenDetector", "a GitHub token", "GITHUB_TOKEN"),
    ("gitlab_token", "GitLabTokenDetector", "a GitLab token", "GITLAB_TOKEN"),
    ("slack", "SlackDetector", "a Slack token or webhook", "SLACK_TOKEN"),
    ("stripe", "StripeDetector", "a Stripe live key", "STRIPE_KEY"),
    ("openai", "OpenAIDetector", "an OpenAI API key", "OPENAI_KEY"),
    ("sendgrid", "SendGridDetector", "a SendGrid API key", "SENDGRID_KEY"),
    ("pypi_token", "PypiTokenDetector", "a PyPI token", "PYPI_TOKEN"),
    ("npm", "NpmDetector", "an npm token", "NPM_TOKEN"),
    ("square_oauth", "SquareOAuthDetector", "a Square OAuth secret", "SQUARE_SECRET"),
    ("basic_auth", "BasicAuthDetector", "a password in a URL", "URL_PASSWORD"),
)
# Rules whose first group is the secret after its context (aws_secret_access_key = "...", a URL's
# password, an npm token); in GitHub's and GitLab's the group is the prefix, so the whole match is the key.
_VALUE_GROUP = frozenset({"AWS_ACCESS_KEY", "URL_PASSWORD", "NPM_TOKEN"})
# Formats detect-secrets 1.5 has no plugin for (shapes as the providers document them).
_OWN = (
    (r"AIza[0-9A-Za-z_-]{35}", "a Google Cloud API key", "GCP_API_KEY"),
    (r"sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{80,}", "an Anthropic API key", "ANTHROPIC_KEY"),
    (r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}", "an OpenAI API key", "OPENAI_KEY"),
    (r"\bhf_[A-Za-z]{34}\b", "a Hugging Face token", "HF_TOKEN"),
    (r"github_pat_[0-9A-Za-z_]{60,}", "a GitHub token", "GITHUB_TOKEN"),
    (r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*-----|\Z)",
     "a private key block", "PRIVATE_KEY"),
)
# The labels of the rule list's anchors (not "@", "DIGITS", "IBAN", nor "SECRET": _KEYLIKE's).
_RULE_LABELS = frozenset(label for *_, label in _PLUGINS) | frozenset(label for *_, label in _OWN) | {"JWT"}
# A value after a key-like name: a credential only when it looks random (below).
_KEYLIKE = re.compile(
    r"(?i)(?:x-api-key|api[_-]?key|apikey|access[_-]?key|secret(?:[_-]?key)?|auth[_-]?token|access[_-]?token"
    r"|token|passw(?:or)?d|pwd|voltagegpu_api_key|client[_-]?secret)[\"']?\s{0,8}[:=]\s{0,8}[\"']?([A-Za-z0-9_\-+/=.]{16,})")
# Shannon entropy (bits per character) above which such a value is random, not a word:
# detect-secrets' Base64HighEntropyString defaults to 4.5 over whole strings; a key-like
# name before the value is evidence enough for a lower bar.
MIN_ENTROPY = 3.5


_OURS = re.compile(r"<[A-Z0-9_]+>")

@functools.lru_cache(maxsize=1)
def _credential_rules() -> tuple[tuple[re.Pattern[str], str, str, t.Callable[[str], bool] | None], ...]:
    import importlib

    rules: list[tuple[re.Pattern[str], str, str, t.Callable[[str], bool] | None]] = []
    for module, name, kind, label in _PLUGINS:
        plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)
        rules += [(r, kind, label, None) for r in plugin.denylist]
    # A whole token (detect-secrets' pattern stops before the signature), checked by its validator.
    jwt = importlib.import_module("detect_secrets.plugins.jwt").JwtTokenDetector.is_formally_valid
    rules.append((re.compile(r"eyJ[A-Za-z0-9_=-]+\.eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_.+/=-]*"), "a JSON Web Token", "JWT", jwt))
    rules += [(re.compile(p, re.DOTALL), kind, label, None) for p, kind, label in _OWN]
    return tuple(rules)


def entropy(value: str) -> float:
    counts = {c: value.count(c) for c in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def credentials(text: str, present: t.Collection[str] | None = None) -> list[Hit]:
    """Every credential in `text`, by the rules above (overlaps: the first, longest);
    `present`: the labels whose anchors it holds (`labels`), when known."""
    hits = []
    present = labels(text) if present is None else present
    # (detect-secrets is imported only once a text holds some credential rule's anchor)
    for pattern, kind, label, check in _credential_rules() if _RULE_LABELS.intersection(present) else ():
        if label not in present:
            continue
        for m in pattern.finditer(text):
            g = 1 if pattern.groups and label in _VALUE_GROUP else 0
            if check is None or check(m.group(g)):
                hits.append(Hit("Q010", kind, label, m.start(g), m.end(g)))
    for m in _KEYLIKE.finditer(text) if "SECRET" in present else ():
        value = m.group(1)
        if entropy(value) >= MIN_ENTROPY and re.search(r"\d", value) and re.search(r"[A-Za-z]", value):
            hits.append(Hit("Q010", "a high-entropy value after a key-like name", "SECRET", m.start(1), m.end(1)))
    return disjoint(hits)


def scan_text(text: str) -> list[Hit]:
    """Credentials first: a key's digits are not also a phone number. A text beyond
    BIG characters is searched in windows around its anchors only."""
    at = anchors(text)
    if not at:
        return []
    if len(text) <= BIG:
        present = {label for _, label in at}
        hits = disjoint(credentials(text, present) + personal(text, present))
    else:
        hits = []
        for start, end in windows(sorted(p for p, _ in at), len(text)):
            part = text[start:end]
            hits += [h._replace(start=h.start + start, end=h.end + start)
                     for h in disjoint(credentials(part) + personal(part))]
        hits = disjoint(hits)
    # A placeholder convert --redact wrote (postgres://u:<URL_PASSWORD>@host) is not a secret: redacting is idempotent;
    # nor is a documented example value (AKIA...EXAMPLE, a processor's test card): docs quote them on purpose.
    return [h for h in hits if not _OURS.fullmatch(text, h.start, h.end)
            and not documented(h.code, h.label, text[h.start:h.end])]


def preview(hit: Hit, text: str) -> str:
    """A masked preview that never shows the secret: enough to find it, not to use it."""
    value = text[hit.start:hit.end]
    if hit.code == "Q011":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if hit.code in ("Q012", "Q013"):
        digits = re.sub(r"\D", "", value)
        return "…" + digits[-2 if hit.code == "Q012" else -4:]
    if hit.code == "Q015":
        return ".".join(value.split(".")[:2]) + ".*.*"
    if hit.label == "PRIVATE_KEY":
        return value.split("\n", 1)[0][:60]
    if len(value) < 16:
        return value[:2] + "…"
    return f"{value[:4]}…{value[-4:]}" if hit.code == "Q010" else f"{value[:4]}…{value[-2:]}"


def redact(text: str) -> tuple[str, dict[str, int]]:
    """`text` with every hit replaced by its typed placeholder (<EMAIL>), and the count per label."""
    hits = scan_text(text)
    counts: dict[str, int] = {}
    # The pieces joined once: splicing each hit into the whole text would copy it once a hit.
    parts: list[str] = []
    done = 0
    for h in hits:
        parts += (text[done:h.start], f"<{h.label}>")
        done = h.end
        counts[h.label] = counts.get(h.label, 0) + 1
    return ("".join(parts) + text[done:] if parts else text), counts


def masked(text: str) -> str:
    """`text` with each hit starred out but for its first two characters, at the same
    length, so that offsets into it (the trained spans of a rendered sample) still hold."""
    parts: list[str] = []
    done = 0
    for h in scan_text(text):
        keep = min(2, (h.end - h.start) // 4)
        parts += (text[done:h.start + keep], "*" * (h.end - h.start - keep))
        done = h.end
    return "".join(parts) + text[done:] if parts else text


class Redaction:
    """What convert --redact replaced, over the rows of one conversion."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.lines: list[int] = []
        self.first_row: int | None = None
        self.rows = 0

    def row(self, value: t.Any, line: int | None, row: int) -> t.Any:
        """`value` (a canonical row) with every string in it redacted."""
        before = sum(self.counts.values())
        out = self._walk(value)
        if sum(self.counts.values()) > before:
            self.rows += 1
            if self.first_row is None:
                self.first_row = row
            if line is not None and len(self.lines) < MAX_PLACES:
                self.lines.append(line)
        return out

    def _walk(self, value: t.Any) -> t.Any:
        return mapped(value, self._redacted)

    def _redacted(self, value: str) -> str:
        text, counts = redact(value)
        for label, n in counts.items():
            self.counts[label] = self.counts.get(label, 0) + n
        return text

    def diagnostic(self, path: str) -> Diagnostic | None:
        """Q016, at the first row redacted, with the count of rows and of each placeholder."""
        if not self.counts:
            return None
        kinds = ", ".join(f"{n:,} <{label}>" for label, n in sorted(self.counts.items(), key=lambda x: (-x[1], x[0])))
        return Diagnostic("Q016", f"replaced {sum(self.counts.values()):,} secret or personal value(s) in "
                          f"{self.rows:,} row(s): {kinds}", path, line=self.lines[0] if self.lines else None,
                          row=self.first_row, lines=tuple(self.lines) or None,
                          hint="check that the placeholders read well in the answers; revoke any key that was in them")


def findings(texts: t.Iterable[tuple[str, str]]) -> list[Finding]:
    """The findings of one row's texts, each given with the column it is in: one Q010
    (the first credential, with how many more), one finding per kind of personal data."""
    out: list[Finding] = []
    secret: list[tuple[Hit, str, str]] = []
    seen: set[str] = set()
    for text, field in texts:
        for hit in scan_text(text):
            if hit.code == "Q010":
                secret.append((hit, text, field))
            elif hit.code not in seen:
                seen.add(hit.code)
                out.append(Finding(hit.code, f"{hit.kind} ({preview(hit, text)}) in '{field}': personal data "
                                   "trained into a model can be extracted from it", field,
                                   f"remove it, or convert --redact writes <{hit.label}>"))
    if secret:
        hit, text, field = secret[0]
        more = f" (and {len(secret) - 1} more)" if len(secret) > 1 else ""
        out.insert(0, Finding("Q010", f"{hit.kind} ({preview(hit, text)}) in '{field}'{more}: a key trained "
                              "into a model can be extracted from it", field,
                              f"revoke the key and remove it, or convert --redact writes <{hit.label}>"))
    return out

__all__ = ["PERSONAL", "Hit", "Redaction", "credentials", "findings", "masked", "personal", "preview", "redact", "scan_text"]
