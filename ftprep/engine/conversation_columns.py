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

import typing as t

from ftprep.core.options import Options
from ftprep.engine import language
from ftprep.engine.column_base import Judged, allowed, keys
from ftprep.engine.column_suspects import count_answers, suspect_rows
from ftprep.engine.pairs_quality import PairTally, asking_text
from ftprep.engine.scan_state import Scan
from ftprep.tasks import chat, chat_rules

if t.TYPE_CHECKING:
    import polars as pl

    from ftprep.engine.row_checker import RowChecker

ROLES = ("system", "user", "assistant", "tool")


def _messages(*fields: str) -> t.Any:
    import polars as pl

    return pl.List(pl.Struct({f: pl.String for f in fields}))


def applies(checker: RowChecker, opts: Options, schema: t.Mapping[str, t.Any]) -> bool:
    """Whether frames of this polars schema are judged here: a chat task's one
    conversation column of {role, content} strings, keys compared within the file
    only, and no per-row accounting that needs every row (tokens, explain-all)."""
    col = checker.conversation
    template = opts.chat_template
    messages = (_messages("role", "content"), _messages("content", "role"))
    return (col is not None and checker.task.base == "chat" and checker.task.module.row_type is chat.row_type
            and list(schema) == [col] and schema[col] in messages
            and allowed(checker, opts))


class ConversationColumns:
    """The column-wise rules of one chat task's checker."""

    # A flagged row is keyed by the row engine: a null message and a message of nulls are one
    # to polars' hash, two rows to the engine's. Flags follow the conversation alone, so a clean
    # row never repeats a flagged one.
    engine_keys = True
    # Its column types are counts (no test in row order): the row engine counts the flagged rows'.
    engine_types = True

    def __init__(self, checker: RowChecker) -> None:
        self.checker = checker
        self.column = t.cast(str, checker.conversation)
        self.kept = checker.suspects.kept

    def judge(self, frame: pl.DataFrame, first: int, scan: Scan) -> Judged:
        """Flag the frame's rows the row engine must see; tally the others into `scan`
        (`first`: the scan's row of the frame's first row)."""
        import polars as pl

        conv = frame.get_column(self.column)
        length = conv.list.len()
        messages = (frame.with_row_index("r").with_columns(n=length).filter(pl.col("n") >= 2)
                    .explode(self.column).unnest(self.column)
                    .with_columns(pos=pl.int_range(pl.len()).over("r")))
        flagged = set(range(frame.height)) - set(messages.get_column("r").unique().to_list())
        flagged.update(self._flagged(messages))
        clean = messages.filter(~pl.col("r").is_in(sorted(flagged))) if flagged else messages
        self._tally(scan, clean, frame, first)
        return Judged(sorted(flagged), self.keys(frame))

    def keys(self, frame: pl.DataFrame) -> list[int]:
        """Every row's key: polars' hash of its conversation (a flagged row's is the row engine's)."""
        return keys(frame.get_column(self.column))

    def _flagged(self, messages: pl.DataFrame) -> set[int]:
        """The rows of these messages that the row engine must decode or explain."""
        import polars as pl

        role, template = pl.col("role"), self.checker.opts.chat_template
        # decode: a role of the four (the content: column_suspects); is_clean: the assistant answers last
        wrong = role.is_null() | ~role.is_in(ROLES) | ((pl.col("pos") == pl.col("n") - 1) & (role != "assistant"))
        if template in chat_rules.THINK_TEMPLATES:  # (a `</think>` the template may drop: the engine's to judge)
            wrong = wrong | pl.col("content").str.contains("</think>", literal=True)
        flagged = set(messages.filter(wrong.fill_null(True)).get_column("r").to_list())
        if template is not None and template not in chat_rules.ANY_ORDER:  # the template's order of roles
            turns = messages.group_by("r", maintain_order=True).agg("role")
            flagged.update(r for r, roles in zip(turns.get_column("r").to_list(), turns.get_column("role").to_list())
                           if r not in flagged and not chat_rules.is_clean(roles, template))
        texts = messages.select("r", "content", trained=(role == "assistant").fill_null(False))
        return suspect_rows(texts, self.kept, flagged)

    def _tally(self, scan: Scan, clean: pl.DataFrame, frame: pl.DataFrame, first: int) -> None:
        """What the row engine counts over typed rows, for the clean ones: column types,
        the last answers (Q026) and the exchanges sampled for Q031."""
        import polars as pl

        checker = self.checker
        rows = clean.get_column("r").unique(maintain_order=True)
        if not len(rows):
            return
        start = first + rows[0]
        _, what = checker.layout
        scan.types.counted(what, "list", len(rows), start)
        for column, kind in ((f"{what}[]", "object"), (f"{what}[].role", "string"), (f"{what}[].content", "string")):
            scan.types.counted(column, kind, clean.height, start)
        answers = clean.filter(pl.col("pos") == pl.col("n") - 1)
        if checker.truncation:
            count_answers(scan, checker.answer_field, answers.get_column("content"), answers.get_column("r"), first)
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


__all__ = ["ConversationColumns", "applies"]
