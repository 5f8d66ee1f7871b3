"""The fast path's one prefilter over a block's texts: which rows may hold a
whitespace-only text, a control token, a placeholder (V010), a credential or
personal data (Q010-Q015) or junk (Q020-Q025), so that only those rows are
explained.

A clean text must cost next to nothing, so the block is searched whole, at C
speed, for the literal anchors every rule needs (ftprep.engine.secrets_scan's
and ftprep.tasks.junk's): ONE Aho-Corasick automaton over the block's raw JSON
lines (joined by a newline, which no JSON line holds), one translate and a
literal-led regex for runs of digits, and str.count / slices for fences and
loops. Only the rows holding an anchor meet the full rules, and only the rows
with a real finding are explained. The rules themselves ask for the same
anchors (`secrets_scan.scan_text`, `junk.marked`), so both paths agree.

The raw lines hold each text as JSON spells it: a non-ASCII mark is searched
in its \\u-escaped forms too, "://" also as ":\\/\\/", and a row with any
escaped ASCII character (\\u0000-\\u007f, which a writer may use for '<', a newline or a
letter) is a candidate of every rule.

A family whose codes are all deselected (`--ignore Q`) costs nothing: its
anchors are left out of the automaton, and its rules are not run.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import typing as t

from ftprep.core.options import Options
from ftprep.core.selection import Selection
from ftprep.engine import secret_anchors, secrets_scan
from ftprep.engine.digit_runs import digit_rows, digits_hit
from ftprep.tasks import Task, chat_rules
from ftprep.tasks import junk as junk_rules
from ftprep.tasks.base import control_patterns, placeholder_suspects

# What an anchor opens: the secrets rules, the junk rules, the secrets rules when a
# ":" or "=" follows (a key-like name), or the e-mail rule alone (an '@': a row whose
# line holds no other anchor can hold no other secret, and is searched for e-mails only),
# or the digit rules (a run of digits: a row with no other anchor can hold only a card,
# an IP address or a phone number, and most runs are too short for any of them).
SECRET, JUNK, KEYLIKE, EMAIL, DIGITS = 1, 2, 4, 8, 16
# JSON's \u escapes of the ASCII characters (\u0000 to \u007f).
_ESCAPED_ASCII = [f"\\u00{d}".encode() for d in "01234567"]
# Rows with a run of digits that a block's texts meet one by one (digits_hit); beyond, the
# block is searched whole for runs long enough for a rule (ftprep.engine.digit_runs).
FEW_RUNS = 64
FAMILIES = {"placeholders": ("V010",), "secrets": ("Q010", "Q011", "Q012", "Q013", "Q014", "Q015"),
            "junk": ("Q020", "Q021", "Q022", "Q023", "Q024", "Q025", "Q026"), "truncation": ("Q026",)}


def families(opts: Options) -> set[str]:
    """The families of text rules whose codes some selection keeps (per-file ignores
    are not known here: they count as kept)."""
    try:
        chosen = Selection.of(opts.select, opts.ignore, opts.extend_select).chosen
    except ValueError:  # a bad pattern is the selection's to report
        return set(FAMILIES)
    return {name for name, codes in FAMILIES.items() if any(map(chosen, codes))}


_automata: dict[frozenset[str], tuple[t.Any, list[int]]] = {}


def _automaton(kept: frozenset[str]) -> tuple[t.Any, list[int]] | None:
    """The automaton of the kept families' anchors over raw JSON lines, and each pattern's families."""
    if kept in _automata:  # (built once per selection: a block must not pay for the patterns)
        return _automata[kept]
    groups: dict[bytes, int] = {}
    if "secrets" in kept:
        for anchor in secret_anchors.CREDENTIAL_ANCHORS:
            group = KEYLIKE if anchor in secret_anchors.KEYLIKE_ANCHORS else EMAIL if anchor == "@" else SECRET
            for form in {anchor.encode(), anchor.replace("/", "\\/").encode()}:
                groups[form] = groups.get(form, 0) | group
    if "junk" in kept:
        for mark in junk_rules.TEXT_MARKS:
            for form in junk_rules.json_forms(mark):
                groups[form] = groups.get(form, 0) | JUNK
    if not groups:
        return None
    for form in _ESCAPED_ASCII:
        groups[form] = SECRET | JUNK
    import ahocorasick_rs

    patterns = sorted(groups)
    _automata[kept] = (ahocorasick_rs.BytesAhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.DFA),
                       [groups[p] for p in patterns])
    return _automata[kept]


def _starts(counts: list[int] | int, n: int) -> t.Sequence[int]:
    """The index of each row's first text, and one past the last."""
    return [0, *itertools.accumulate(counts)] if isinstance(counts, list) else range(0, n + 1, counts)


def suspect_rows(texts: list[str], counts: list[int] | int, lines: list[bytes],
                 kept: t.Collection[str] = tuple(FAMILIES), known: t.Collection[int] = (),
                 trained: t.Sequence[int] | None = None) -> set[int]:
    """Rows (indices into `lines`, whose texts are `texts`, `counts` per row) that hold
    a placeholder, a credential, personal data or junk by the kept families' rules.
    `known`: rows explained anyway, whose lines need no search for marks; `trained`: the
    indices of the texts the junk rules judge (None: every text)."""
    found: set[int] = set()
    if known:  # (an empty line keeps the others' offsets)
        lines = [b"" if r in known else x for r, x in enumerate(lines)]
    starts = _starts(counts, len(texts))
    if "placeholders" in kept:
        found.update(rows_of(counts, placeholder_suspects(texts)))
    marks = _automaton(frozenset(kept) & {"secrets", "junk"})
    if marks is not None:
        automaton, groups = marks
        joined = b"\n".join(lines)
        # (one past each line's newline)
        ends = list(map(operator.add, itertools.accumulate(map(len, lines)), itertools.count(1)))
        wanted: dict[int, int] = {}
        for pattern, at, end in automaton.find_matches_as_indexes(joined, overlapping=True):
            group = groups[pattern]
            if group & KEYLIKE:
                group = group & ~KEYLIKE | (SECRET if secret_anchors.separated(joined, end) else 0)
                if not group:
                    continue
            r = bisect.bisect_right(ends, at)
            wanted[r] = wanted.get(r, 0) | group
        if "secrets" in kept:  # runs of digits (phones, cards, IBANs, IP addresses): one hit per row is enough
            translated, search = joined.translate(secret_anchors.DIGIT_CLASSES), secret_anchors.DIGITS_IN_BYTES.search
            runs: list[int] = []
            m = search(translated)
            while m is not None and len(runs) <= FEW_RUNS:
                runs.append(r := bisect.bisect_right(ends, m.start()))
                m = search(translated, ends[r]) if r + 1 < len(ends) else None
            if len(runs) > FEW_RUNS:  # (many: the rows whose runs are long enough for a rule, found over the block)
                runs = [r for r in digit_rows(joined, translated, ends)
                        if search(translated, ends[r - 1] if r else 0, ends[r]) is not None]
            for r in runs:
                wanted[r] = wanted.get(r, 0) | DIGITS
            at = translated.find(secret_anchors.IBAN_IN_BYTES)
            while at >= 0:
                r = bisect.bisect_right(ends, at)
                wanted[r] = wanted.get(r, 0) | SECRET
                at = translated.find(secret_anchors.IBAN_IN_BYTES, ends[r]) if r + 1 < len(ends) else -1
        for r, group in wanted.items():
            if r in found:
                continue
            own = texts[starts[r]:starts[r + 1]]
            if (group & SECRET and any(map(secrets_scan.scan_text, own))) or \
                    (group & (SECRET | EMAIL) == EMAIL and any(map(_emailed, own))) or \
                    (group & (SECRET | DIGITS) == DIGITS and any(map(digits_hit, own))) or \
                    (group & JUNK and any(map(junk_rules.marked, own))):
                found.add(r)
    if "junk" in kept:
        if trained is None:
            found.update(rows_of(counts, _structure(texts)))
        else:  # (a loop or an open fence in a prompt is no finding: only the trained texts are searched)
            found.update(rows_of(counts, map(trained.__getitem__, _structure(list(map(texts.__getitem__, trained))))))
    return found


def _emailed(text: str) -> bool:
    """Whether a text whose only anchors are '@' holds an e-mail address: what
    `secrets_scan.scan_text` finds in it then, without its other rules' anchor search."""
    if "@" not in text:
        return False
    if len(text) > secret_anchors.BIG:  # (searched in windows there)
        return bool(secrets_scan.scan_text(text))
    return bool(secrets_scan.personal(text, ("@",)))


def _structure(texts: list[str]) -> list[int]:
    """Texts ending in a loop or with an unclosed fence (Q024, Q025): their supersets at C speed."""
    found: set[int] = set()
    everything = range(len(texts))
    # An unclosed fence leaves an odd count of ```.
    odd = map((1).__and__, map(str.count, texts, itertools.repeat("```")))
    found.update(filter(lambda k: junk_rules.unclosed_fence(texts[k]), itertools.compress(everything, odd)))
    # A loop has no mark: a text ending in LOOP_COPIES copies of a span of p characters
    # (LOOP_CHARS <= p <= LOOP_MAX_SPAN) holds its last LOOP_CHARS characters again p
    # characters earlier, so they start within the LOOP_MAX_SPAN + LOOP_CHARS characters
    # before its end and end LOOP_CHARS before it: one find over that window (slice
    # positions counted from the end, clamped at the start of a short text).
    stripped = list(map(str.rstrip, texts))  # (the same objects when nothing is stripped)
    tails: t.Iterator[str] = map(operator.getitem, stripped, itertools.repeat(slice(-junk_rules.LOOP_CHARS, None)))
    again = map(str.find, stripped, tails, itertools.repeat(-junk_rules.LOOP_MAX_SPAN - junk_rules.LOOP_CHARS),
                itertools.repeat(-junk_rules.LOOP_CHARS))
    # The few texts left: the tail found LOOP_COPIES times in the last LOOP_COPIES spans
    # (the copies do not overlap), then the rule itself.
    window, copies = -junk_rules.LOOP_COPIES * junk_rules.LOOP_MAX_SPAN, junk_rules.LOOP_COPIES
    found.update(k for k in itertools.compress(everything, map((-1).__lt__, again))
                 if stripped[k].count(stripped[k][-junk_rules.LOOP_CHARS:], window) >= copies
                 and junk_rules.loop(texts[k]))
    return sorted(found)


def rows_of(counts: list[int] | int, text_indices: t.Iterable[int]) -> list[int]:
    """The rows holding these texts (`counts`: texts per row, or one count for every row)."""
    if isinstance(counts, int):
        return [k // counts for k in text_indices]
    ends = list(itertools.accumulate(counts))
    return [bisect.bisect_right(ends, k) for k in text_indices]


class TextSuspects:
    """The prefilter of one task's rows, bound to its options and selection."""

    def __init__(self, task: Task, opts: Options) -> None:
        self.task, self.opts = task, opts
        self.kept = families(opts)
        self.tokens = control_patterns()
        self.think = opts.chat_template in chat_rules.THINK_TEMPLATES

    def rows(self, rows: list[t.Any], texts: list[str], raw: list[bytes], known: t.Collection[int] = ()) -> set[int]:
        """Indices of the typed `rows` (with their `texts` and raw lines) that a text rule may find something in;
        `known`: rows explained anyway."""
        counts = self.task.text_counts(rows)
        found: set[int] = set()
        if any(map(str.isspace, texts)):
            found.update(rows_of(counts, [k for k, x in enumerate(texts) if x.isspace()]))
        # Control tokens: a C-level pass finds the few texts holding '<' or '[',
        # and only those are searched for the tokens themselves.
        everything = range(len(texts))
        for char, pattern in self.tokens.items():
            has = list(map(str.__contains__, texts, itertools.repeat(char)))
            if not any(has):
                continue
            candidates = list(itertools.compress(everything, has))
            found.update(rows_of(counts, [k for k in candidates if pattern.search(texts[k])]))
            if char == "<" and self.think:
                thinking = [k for k in candidates if "</think>" in texts[k]]
                if thinking:
                    found.update(self._think_rows(rows, t.cast("list[int]", counts), thinking))
        trained = self._trained(rows, len(texts), counts) if "junk" in self.kept else None
        found |= suspect_rows(texts, counts, raw, self.kept, known, trained)
        return found

    def _trained(self, rows: list[t.Any], n: int, counts: list[int] | int) -> t.Sequence[int] | None:
        """The indices of the texts the junk rules judge (ftprep.tasks.junk's callers: a text
        row's output, a pair's chosen answer, a conversation's assistant turns), at C speed;
        None (every text) for any other layout."""
        base = self.task.base
        if (base, counts) in (("text", 2), ("dpo", 3)):  # (instruction, output), (prompt, chosen, rejected)
            return range(1, n, t.cast(int, counts))
        if base == "chat":
            try:
                messages = list(itertools.chain.from_iterable(map(operator.attrgetter("f0"), rows)))
                roles = list(map(operator.attrgetter("role"), messages))
            except AttributeError:  # (a row type without messages)
                return None
            if len(roles) == n:
                return list(itertools.compress(range(n), map("assistant".__eq__, roles)))
        return None

    def _think_rows(self, rows: list[t.Any], counts: list[int], text_indices: list[int]) -> list[int]:
        """Rows where a `</think>` would be dropped by the template (C017)."""
        # Only the chat task sets `think`, and its rows give a list of counts (one per message).
        ends = list(itertools.accumulate(counts))
        out = []
        for k in text_indices:
            r = bisect.bisect_right(ends, k)
            msgs = rows[r].f0
            j = k - (ends[r] - len(msgs))
            if chat_rules.drops_thinking(self.opts.chat_template, msgs[j].role, j, len(msgs)):
                out.append(r)
        return out


__all__ = ["FAMILIES", "TextSuspects", "families", "rows_of", "suspect_rows"]
