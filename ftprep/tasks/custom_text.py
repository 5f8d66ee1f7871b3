"""`custom_text`: `text` rows served from a file URL instead of a Hub repo.

The trainer downloads the URL with a plain GET (HTTP 200, no auth) and loads it
with `load_dataset("json")`: only JSON arrays or JSON Lines, at most
2,147,483,646 bytes. CSV or Parquet at a URL is not parsed.
"""

from __future__ import annotations

from ftprep.tasks.task import ROWS
from ftprep.tasks.text import CANONICAL, FIELDS, explain, is_clean, row_type, texts  # noqa: F401

NAME = "custom_text"
SUMMARY = "text rows from a dataset URL (JSON or JSONL only)"
SCHEMA = "text.schema.json"
URL_RULES = True
KIND = ROWS
BASE = "text"
TAKES = "a JSON or JSON Lines file, served at a URL"
# At a URL the trainer loads JSON only: a .json output holds JSON Lines, which it reads too.
WRITES = ("jsonl",)
