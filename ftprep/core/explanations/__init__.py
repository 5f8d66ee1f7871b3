"""What each diagnostic code means, as `ftprep codes CODE` prints it (as
`ruff rule F401` does): the meaning, why the trainer cares (the stage that
fails or garbles the row, and how), a tiny bad example, and the fix.

The texts are data, one entry per code, in a module per code family; a test
checks that every code of the registry has a complete one. They describe what
ftprep's own golden cases show (tests/golden/<CODE>-*).
"""

from __future__ import annotations

import dataclasses
import difflib
import textwrap

from ftprep.core.codes import CODES, STAGES
from ftprep.core.explanations import (chat, columns, media, parse, quality, quality_junk, quality_pairs,
                                      quality_secrets, remote, rewards)


@dataclasses.dataclass(frozen=True, slots=True)
class Explanation:
    code: str
    meaning: str
    why: str
    example: str
    fix: str

    @property
    def name(self) -> str:
        return CODES[self.code].name

    @property
    def severity(self) -> str:
        return CODES[self.code].severity

    @property
    def stage(self) -> str:
        return CODES[self.code].stage

    def sections(self) -> list[tuple[str, str]]:
        return [("What it means", self.meaning),
                (f"Why the trainer cares ({self.stage}: {STAGES[self.stage]})", self.why),
                ("Example", self.example), ("Fix", self.fix)]

    def text(self) -> str:
        """For a terminal: a heading, then each section indented."""
        c = CODES[self.code]
        out = [f"{self.code} {c.name} ({c.severity}, stage {c.stage})", f"  {c.summary}"]
        for title, body in self.sections():
            lines = (["  " + line for line in body.splitlines()] if title == "Example"
                     else textwrap.wrap(body, 88, initial_indent="  ", subsequent_indent="  ",
                                   break_on_hyphens=False))
            out += ["", title, *lines]
        return "\n".join(out)

    def markdown(self) -> str:
        """For SARIF's rule help: the same sections, the example as a code block."""
        out = [f"**{self.code} {self.name}** ({self.severity}, stage {self.stage})"]
        for title, body in self.sections():
            out += ["", f"**{title}**", "", f"```\n{body}\n```" if title == "Example" else body]
        return "\n".join(out)

    def to_json(self) -> dict[str, str]:
        c = CODES[self.code]
        return {"code": c.code, "name": c.name, "severity": c.severity, "stage": c.stage, "summary": c.summary,
                "meaning": self.meaning, "why": self.why, "example": self.example, "fix": self.fix}


EXPLANATIONS: dict[str, Explanation] = {
    code: Explanation(code, *entry)
    for family in (parse.ENTRIES, columns.ENTRIES, chat.ENTRIES, media.ENTRIES, remote.ENTRIES,
                   quality.ENTRIES, quality_secrets.ENTRIES, quality_junk.ENTRIES, quality_pairs.ENTRIES,
                   rewards.ENTRIES)
    for code, entry in family.items()
}


def lookup(query: str) -> str | None:
    """The code that `query` names: a code in any case (c013) or a kebab name (system-dropped)."""
    q = query.strip()
    if q.upper() in CODES:
        return q.upper()
    return next((c.code for c in CODES.values() if c.name == q.lower()), None)


def explain(query: str) -> Explanation:
    """The explanation of one code, named by code or name; KeyError when `query` names none."""
    code = lookup(query)
    if code is None:
        raise KeyError(query)
    return EXPLANATIONS[code]


def unknown(query: str) -> str:
    """What to say of a query that names no code: the closest codes, if any."""
    close = suggestions(query)
    return f"unknown code {query!r}" + (f"; did you mean {' or '.join(close)}?" if close else "")


def suggestions(query: str) -> list[str]:
    """Codes close to a misspelled one: by code (C31 -> C013) or by name."""
    q = query.strip()
    by_code = difflib.get_close_matches(q.upper(), list(CODES), n=3, cutoff=0.5)
    names = {c.name: c.code for c in CODES.values()}
    by_name = [names[n] for n in difflib.get_close_matches(q.lower(), list(names), n=3, cutoff=0.6)]
    return list(dict.fromkeys(by_code + by_name))[:3]
