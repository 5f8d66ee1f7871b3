"""Chat rows held in Arrow columns (a Parquet row group read by polars), judged
column-wise: the row rules and the text rules' prefilters are polars expressions
over the flattened messages, and only the rows they flag become JSON lines for
the row engine (`RowChecker.lines`), which explains them as it explains JSON Lines.
The other rows never become Python objects: their duplicate keys are polars'
hash of the conversation, and their tallies (column types, the answers Q026
counts, the pairs Q031 samples) are taken from the columns.

Why the report is the row engine's: a row is passed here only when the columns
prove that the row engine would decode it into the row type, find it clean and
find nothing in its texts; a row flagged by a superset (a literal that may open a
placeholder, an anchor of a credential) is sent on, and the row engine passing it
then adds nothing. So each prefilter may be loose, never tight: its Python rule
runs on the few texts it keeps, and a row is flagged on that rule's answer alone.
A flag depends on the conversation only (the frame holds no other column), so two
equal conversations are both keyed here or both by the row engine.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

from ftprep.core.options import Options
from ftprep.engine import answer_tally, language, portable_keys, secret_anchors, secrets_scan
from ftprep.engine.pairs_quality import PairTally, asking_text
from ftprep.engine.scan_state import Scan
from ftprep.tasks import chat, chat_rules, junk, placeholders
from ftprep.tasks.control import control_literals

if t.TYPE_CHECKING:
    import polars as pl

    from ftprep.engine.row_checker import RowChecker

ROLES = ("system", "user", "assistant", "tool")
# polars' hash of a conversation, the key of a clean row (fixed: the same in every worker process).
SEED = 0x5EED
# A credential's key-like name followed by ':' or '=' (secret_anchors.separated); polars'
# \w and \s are Unicode, so this finds at least what the ASCII rule finds.
_KEYLIKE = "(?:" + "|".join(sorted(secret_anchors.KEYLIKE_ANCHORS)) + r")[\w-]{0,8}[\"']?\s{0,8}[:=]"
# The runs of digits and the IBAN heads of secret_anchors.anchors (a backslash counts as a
# separator there, in a JSON line; here too, for a superset).
_DIGITS = r"[0-9][0-9 .()/+\\-]{5,}[0-9]|[A-Z]{2}[0-9]{2}"
_OTHER_ANCHORS = [a for a in secret_anchors.CREDENTIAL_ANCHORS if a not in secret_anchors.KEYLIKE_ANCHORS]
# A text whose first character is printable ASCII (not a space) is not whitespace only.
_MAY_BE_BLANK = r"^[^!-~]"
_whitespace: list[str] = []


def whitespace() -> str:
    """Every character `str.isspace` holds (none lies above U+3000), for polars' strip."""
    if not _whitespace:
        _whitespace.append("".join(filter(str.isspace, map(chr, range(0x3001)))))
    return _whitespace[0]


def applies(checker: RowChecker, opts: Options, schema: t.Mapping[str, t.Any]) -> bool:
    """Whether frames of this polars schema are judged here: a chat task's one
    conversation column of {role, content} strings, keys compared within the file
    only, no per-row accounting that needs every row (tokens, explain-all), and a
    template whose clean rows need only the last turn to be the assistant's."""
    import polars as pl

    col = checker.conversation
    template = opts.chat_template
    return (col is not None and checker.task.base == "chat" and checker.task.module.row_type is chat.row_type
            and list(schema) == [col] and schema[col] == pl.List(pl.Struct({"role": pl.String, "content": pl.String}))
            and checker.tally is None and not opts.explain_all and not opts.dataset
            and not portable_keys.on()
            and (template is None or template in chat_rules.ANY_ORDER)
            and template not in chat_rules.THINK_TEMPLATES)


@dataclasses.dataclass
class Judged:
    """A frame's rows the row engine must see (indices in the frame, ascending) and every row's key."""

    flagged: list[int]
    keys: list[int]


class ConversationColumns:
    """The column-wise rules of one chat task's checker."""

    def __init__(self, checker: RowChecker) -> None:
        self.checker = checker
        self.column = t.cast(str, checker.conversation)
        self.kept = checker.suspects.kept
        self.tokens = control_literals()

    def judge(self, frame: pl.DataFrame, first: int, scan: Scan) -> Judged:
        """Flag the frame's rows the row engine must see; tally the others into `scan`
        (`first`: the scan's row of the frame's first row)."""
        import polars as pl

        conv = frame.get_column(self.column)
        keys = conv.hash(SEED).reinterpret(signed=True).to_list()
        length = conv.list.len()
        messages = (frame.with_row_index("r").with_columns(n=length).filter(pl.col("n") >= 2)
                    .explode(self.column).unnest(self.column)
                    .with_columns(pos=pl.int_range(pl.len()).over("r")))
        flagged = set(range(frame.height)) - set(messages.get_column("r").unique().to_list())
        flagged.update(self._flagged(messages))
        keys = [k or 1 for k in keys]
        for k in flagged:  # (keyed by the row engine)
            keys[k] = 0
        clean = messages.filter(~pl.col("r").is_in(sorted(flagged))) if flagged else messages
        self._tally(scan, clean, frame, first)
        return Judged(sorted(flagged), keys)

    def _flagged(self, messages: pl.DataFrame) -> set[int]:
        """The rows of these messages that the row engine must decode or explain."""
        import polars as pl

        role, content = pl.col("role"), pl.col("content")
        last = pl.col("pos") == pl.col("n") - 1
        marks = {
            # decode: a role of the four, a non-empty content; is_clean: the assistant answers last
            "row": (role.is_null() | ~role.is_in(ROLES) | content.is_null() | (content == "")
                    | (last & (role != "assistant")) | content.str.contains_any(self.tokens)),
            "blank": content.str.contains(_MAY_BE_BLANK),
        }
        if "placeholders" in self.kept:
            marks["placeholder"] = content.str.contains_any(list(placeholders.RAW_LITERALS))
        if "secrets" in self.kept:
            marks["secret"] = (content.str.contains_any(_OTHER_ANCHORS) | content.str.contains(_KEYLIKE)
                               | content.str.contains(_DIGITS))
        if "junk" in self.kept:
            answer = role == "assistant"
            stripped = content.str.strip_chars_end(whitespace())
            marks["junk"] = content.str.contains_any(junk.TEXT_MARKS)
            marks["fence"] = answer & (content.str.count_matches("```", literal=True) % 2 == 1)
            # A loop's last LOOP_CHARS characters occur again within LOOP_MAX_SPAN before them.
            window = stripped.str.head(-junk.LOOP_CHARS).str.tail(junk.LOOP_MAX_SPAN)
            marks["loop"] = answer & window.str.contains(stripped.str.tail(junk.LOOP_CHARS), literal=True)
        found = messages.select(pl.col("r"), pl.col("content"), **{k: v.fill_null(True) for k, v in marks.items()})
        hit = found.filter(pl.any_horizontal(*marks))
        rows = set(hit.filter(pl.col("row")).get_column("r").to_list())
        rules: dict[str, t.Callable[[str], t.Any]] = {
            "blank": str.isspace, "secret": secrets_scan.scan_text, "junk": junk.marked,
            "fence": junk.unclosed_fence, "loop": junk.loop}
        for name, rule in rules.items():
            if name in marks:
                part = hit.filter(pl.col(name) & ~pl.col("r").is_in(sorted(rows)))
                rows.update(r for r, x in zip(part.get_column("r").to_list(), part.get_column("content").to_list())
                            if rule(x))
        if "placeholder" in marks:
            part = hit.filter(pl.col("placeholder") & ~pl.col("r").is_in(sorted(rows)))
            owners = part.get_column("r").to_list()
            rows.update(owners[k] for k in placeholders.placeholder_suspects(part.get_column("content").to_list()))
        return rows

    def _tally(self, scan: Scan, clean: pl.DataFrame, frame: pl.DataFrame, first: int) -> None:
        """What the row engine counts over typed rows, for the clean ones: column types,
        the last answers (Q026) and the exchanges sampled for Q031."""
        import polars as pl

        checker = self.checker
        rows = clean.get_column("r").unique(maintain_order=True)
        if not len(rows):
            return
        start = first + rows[0]
        how, what = checker.layout
        scan.types.counted(what, "list", len(rows), start)
        for column, kind in ((f"{what}[]", "object"), (f"{what}[].role", "string"), (f"{what}[].content", "string")):
            scan.types.counted(column, kind, clean.height, start)
        answers = clean.filter(pl.col("pos") == pl.col("n") - 1)
        if checker.truncation:
            at = answers.get_column("r").to_list()
            answer_tally.count(scan, checker.answer_field, answers.get_column("content").to_list(),
                               lambda k: first + at[k])
        if checker.languages:
            self._exchanges(scan, clean, answers, frame, first)

    def _exchanges(self, scan: Scan, clean: pl.DataFrame, answers: pl.DataFrame, frame: pl.DataFrame,
                   first: int) -> None:
        """Each clean row's last turn (the assistant's) against the last user turn before it, offered to Q031's sample."""
        import polars as pl

        least = language.MIN_CHARS
        if scan.pairs is None:
            scan.pairs = PairTally()
        asked = (clean.filter((pl.col("role") == "user") & (pl.col("pos") < pl.col("n") - 1))
                 .group_by("r").agg(pl.col("content").sort_by("pos").last()))
        pairs = (answers.select("r", "n", answer="content").join(asked, on="r").sort("r")
                 .filter((pl.col("content").str.len_chars() >= least) & (pl.col("answer").str.len_chars() >= least)))
        conv = frame.get_column(self.column)
        local, ends = pairs.get_column("r").to_list(), pairs.get_column("n").to_list()

        def asking(k: int) -> str:  # (the turns before the answer: asked for the few pairs that enter the sample)
            return asking_text((m["role"], m["content"]) for m in conv[local[k]][:ends[k] - 1].to_list())

        scan.pairs.sample.offer_all([first + r for r in local], self.checker.required[0],
                                    pairs.get_column("content").to_list(), pairs.get_column("answer").to_list(),
                                    asking, "chat")


__all__ = ["ConversationColumns", "Judged", "applies", "whitespace"]
