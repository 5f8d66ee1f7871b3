"""`custom_chat`: `chat` rows served from a file URL instead of a Hub repo.

Same URL rules as `custom_text`: JSON or JSON Lines only, HTTP 200 without
auth, at most 2,147,483,646 bytes.
"""

from __future__ import annotations

from ftprep.tasks.chat import (  # noqa: F401
    CANONICAL,
    FIELDS,
    explain,
    make_is_clean,
    row_type,
    text_counts,
    texts,
)
from ftprep.tasks.task import ROWS

NAME = "custom_chat"
SUMMARY = "chat rows from a dataset URL (JSON or JSONL only)"
SCHEMA = "chat.schema.json"
URL_RULES = True
KIND = ROWS
BASE = "chat"
TAKES = "a JSON or JSON Lines file, served at a URL"
# At a URL the trainer loads JSON only: a .json output holds JSON Lines, which it reads too.
WRITES = ("jsonl",)
