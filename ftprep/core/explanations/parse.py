"""Explanations of the P (parse and file) and L (load, type inference) codes:
(meaning, why the trainer cares, example, fix) by code."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "P001": (
        "A line of a JSON Lines file (or a .json file) does not parse as JSON: a bare word, a missing quote or comma, a trailing comma.",
        "The trainer reads the file with datasets' JSON loader (pyarrow), which refuses the whole file on one bad record: the job ends in prep_task_failure before a row is trained.",
        '{"conversations": [oops]}',
        "Fix or remove the record at the line shown; write JSON with a JSON library, never by string concatenation.",
    ),
    "P002": (
        "The file holds bytes that are not valid UTF-8 (for example Latin-1 'caf\\xe9').",
        "datasets decodes the file as UTF-8 and fails on the first bad byte, so the file does not load.",
        '{"instruction": "caf<byte 0xe9>", "output": "x"}',
        "Re-encode the file as UTF-8 (iconv -f latin1 -t utf-8, or open(..., encoding=...) and write it back).",
    ),
    "P003": (
        "The last record is cut off: the file ends inside a record, with no closing brace or newline.",
        "The JSON loader fails on the truncated record, and the whole file is refused at load.",
        '{"instruction": "Say hi", "output": "hi"}\n{"instruction": "Say',
        "The file was probably truncated while it was written or copied: write it again, or delete the broken last line.",
    ),
    "P004": (
        "The file is empty, or holds only blank lines: there is no record in it.",
        "The loader finds no rows, so prep has nothing to split or train and the job fails.",
        "(a file of two blank lines)",
        "Check that the export wrote its data, and point ftprep at the right file.",
    ),
    "P005": (
        "A record is valid JSON but not an object: a list, a string or a number on its own line.",
        "Every row must be an object of columns; the JSON loader expects one object per record and cannot load such a file.",
        '[1, 2]\n"just a string"',
        "Wrap each record as an object with the task's columns, e.g. {\"instruction\": ..., \"output\": ...}.",
    ),
    "P006": (
        "A CSV, TSV or Parquet file cannot be parsed: a CSV row with more fields than the header, or a file that is not Parquet.",
        "The trainer reads CSV with pandas and Parquet with pyarrow; both refuse such a file, so the job fails at load.",
        "instruction,output\nToo,many,fields",
        "Quote CSV cells that hold the delimiter, or re-export the table; for Parquet, write the file again with pyarrow or polars.",
    ),
    "P007": (
        "A custom_text or custom_chat job points at data in a format other than JSON or JSON Lines (CSV, TSV, Parquet).",
        "For data at a URL the trainer loads JSON only (load_dataset(\"json\")), so another format fails at load.",
        "task custom_text, file data.csv",
        "Convert the data to JSON Lines (ftprep convert data.csv -o data.jsonl) and host that file.",
    ),
    "P008": (
        "custom_* data is larger than the trainer's limit of 2,147,483,646 bytes (2 GiB, the pyarrow JSON limit).",
        "The trainer checks the size of the downloaded file and of each JSON file it writes, and refuses a larger one at load.",
        "a 2.5 GB data.jsonl given as a URL",
        "Split the data, sample it down, or push it to the Hub (ftprep push) and use a Hub job instead.",
    ),
    "P009": (
        "A .json file is not an array of records: its top level is an object (often one that wraps the records, {\"data\": [...]}) or a scalar.",
        "datasets reads a top-level object as one row whose columns are its keys, so the trainer sees one row of nested data instead of the records, and the columns it needs are missing.",
        '{"data": [{"instruction": "Say hi", "output": "hi"}]}',
        "Write the records as a JSON array or as JSON Lines (ftprep convert does).",
    ),
    "P010": (
        "A .gz file is corrupt or cut off: it cannot be decompressed to its end.",
        "datasets decompresses the file before it reads it, and fails on a broken stream, so the file does not load.",
        "data.jsonl.gz whose last bytes are missing",
        "Compress the data again (gzip -k data.jsonl) and check it with gzip -t.",
    ),
    "P011": (
        "A CSV quote opens a cell that never closes, or closes many lines later: the rows in between are read as one cell.",
        "The trainer reads CSV with pandas: an unclosed quote fails the load (EOF inside string); a late closing quote loads, but the swallowed rows become the text of one cell, trained as one garbled row.",
        'instruction,output\n"Name a colour,red\nName a fruit,apple',
        "Close the quote, or double a quote that is part of the text (\"\").",
    ),
    "P013": (
        "A record is nested so deeply (thousands of [ or {) that decoding it raises RecursionError.",
        "Python's JSON decoding raises RecursionError on the row, as the trainer's does: the row is unusable.",
        '{"instruction": [[[[[[ ... 10,000 levels ... ]]]]]]}',
        "Flatten the value or remove the row (ftprep convert --drop-invalid drops it).",
    ),
    "P014": (
        "A .gz file expands past ftprep's decompression bound (--max-expansion ratio or --max-decompressed size); ftprep stops there.",
        "ftprep did not check the rest of the file, so it cannot say whether the trainer would load it; a real decompression bomb would exhaust the trainer's disk or memory at load.",
        "a 1 KB .gz that expands to 10 GB",
        "If the data is real, raise --max-expansion or --max-decompressed; otherwise do not use the file.",
    ),
    "P015": (
        "An object in a JSON Lines record repeats a key, e.g. \"output\" twice.",
        "pyarrow, the trainer's JSON Lines reader, refuses the whole file on a duplicate key, so the job fails at load (Python's json keeps the last value, which hides the problem).",
        '{"instruction": "Name a fruit.", "output": "Apple.", "output": "Pear."}',
        "Keep one of the two keys; ftprep and Python keep the last.",
    ),
    "L001": (
        "A column the trainer keeps holds only ISO dates or date-times (2024-01-10, 2024-02-29T17:00:00+01:00).",
        "datasets' JSON and CSV loaders infer a timestamp type for such a column, and prep str()s every value, so the model is trained on '2024-01-10 00:00:00' instead of '2024-01-10'.",
        '{"instruction": "When did the meeting take place?", "output": "2024-01-10"}',
        "Write Parquet, which keeps strings as strings (ftprep convert -o data.parquet), or add text around the date.",
    ),
    "L002": (
        "A CSV cell holds a token such as NA, N/A, None, null or NaN that pandas reads as a missing value.",
        "datasets' CSV loader (pandas) turns the cell into null and prep turns null into an empty string: the text is lost, and a DPO row with an empty side is dropped by prep.",
        "prompt,chosen,rejected\nIs water wet?,Yes,NA",
        "Write the data as JSON Lines, where these are plain strings (ftprep convert keeps them as text).",
    ),
    "L003": (
        "A CSV text column holds values that pandas reads as numbers or booleans (02108, 3.50, 16, true).",
        "The loader types the column as int, float or bool and prep str()s it back, changed: '02108' becomes '2108.0', '3.50' becomes '3.5', '16' becomes '16.0' when a blank makes the column float.",
        "instruction,output\nZip code of Boston center?,02108",
        "Write the data as JSON Lines with JSON strings (ftprep convert does).",
    ),
    "L004": (
        "A JSON column mixes strings with numbers, booleans, lists or objects across rows (a chat column that is sometimes a JSON-encoded string and sometimes a list).",
        "The validator's datasets 2.21 infers one type per column and fails to load the file (ArrowInvalid: changed from string to number): the job ends in prep_task_failure. Newer datasets loads it, which hides the problem locally.",
        '{"output": "eight"}\n{"output": 4}',
        "Store every value of a column with one JSON type: text as JSON strings, conversations as lists.",
    ),
    "L005": (
        "A JSON column mixes integers and decimals (2.5 in one row, 16 in another).",
        "datasets reads the column as float64, so prep's str() turns 16 into '16.0': the model is trained on text that was not in the data.",
        '{"output": 2.5}\n{"output": 16}',
        "Store the values as JSON strings (\"16\").",
    ),
    "L006": (
        "A JSON Lines column is all ISO dates in the first 10 MiB that datasets reads to infer types, but holds other text later.",
        "datasets types the column as timestamps from that first chunk, then fails on the first value that is not a date: the file does not load.",
        '{"output": "2024-01-10"} ... (60,000 lines later) {"output": "soon"}',
        "Write Parquet, which keeps strings as strings (ftprep convert -o data.parquet).",
    ),
    "L007": (
        "A column of a JSON array file (.json) holds only ISO dates.",
        "The validator's datasets 2.21 reads a JSON array through pandas and keeps the dates as text, but datasets 5.2 reads it with pyarrow as timestamps, which prep str()s to '2019-06-01 00:00:00': what the model sees depends on the trainer's image.",
        '[{"instruction": "When did the store open?", "output": "2019-06-01"}]',
        "Write Parquet, which keeps strings as strings (ftprep convert -o data.parquet).",
    ),
}
