"""Every option ftprep takes, declared once: the `Options` object and its declaration.

Each field of `Options` is one option. Its `dataclasses.field` metadata says the
rest (`_option` below): the help text, the flag, the choices, the bounds, whether
`[tool.ftprep]` may set it, which CLI commands show it and which library verbs
take it as a keyword. The CLI's click options (ftprep/cli/options.py), the config
keys (ftprep/cli/config.py), the defaults shown in --help and the verbs' checks
of their keywords (`settle`) are all derived from it; `CLI_ONLY` declares the few
options that steer only the command line (output format, config file, HTML page).

Choices that come from a registry (task names, chat templates, stdin formats)
are named here, not listed: core imports nothing above itself, so the layer that
calls `settle` or builds click options resolves the name (ftprep/engine/settings.py).
"""

from __future__ import annotations

import dataclasses
import functools
import typing as t

from ftprep.core.bounds import MAX_DECOMPRESSED, MAX_EXPANSION
from ftprep.core.command_line import CLI_ONLY
from ftprep.core.declaration import Declaration
from ftprep.core.declaration import declared_field as _option

# The trainer keeps min-rows configurable: its MINIMUM_DATASET_ROWS moved
# 5,000 -> 2,000 -> 4,000 -> 8,000. The latest seen is the default.
DEFAULT_MIN_ROWS = 8000
# The trainer's limit for data at a URL (pyarrow's JSON limit).
MAX_URL_BYTES = 2_147_483_646
# The evaluation's sequence_len: stats reports rows longer than this by default.
DEFAULT_MAX_SEQ_LEN = 4096
# Training tokens per second assumed by the stats time view: LoRA on a ~7B model on
# one H100 at ~35% of its bf16 peak (6 x 7e9 FLOPs per token). Real trainers differ several-fold.
THROUGHPUT = 8_000

# Registries the choices of an option may name (resolved above core).
TASKS, TEMPLATES, STDIN = "tasks", "chat_templates", "stdin_formats"
# Verbs (library functions) and commands, by name.
DATA = ("check", "convert", "load", "push", "submit")
COLUMNS = ("check", "convert", "load", "push", "render", "stats")  # submit names its columns itself
SHOWN = ("check", "convert", "render", "stats", "push", "submit")  # commands with the mapping flags
IMAGES = ("check", "convert", "push", "submit")
CHECKED = ("check", "push", "submit")


# Progress: the long passes that report how far they are, and what they count.
# A pass calls `progress(stage, done, total)`: `done` grows from 0 to `total`
# (None when the end is not known in advance, as for standard input or rows).
PROGRESS_UNITS = {
    "check": "B",        # bytes of a JSON Lines file read by the check's scan (the compressed bytes of a .gz)
    "rows": "rows",      # records of a CSV, TSV, Parquet or JSON array file checked (a table's total comes at its end)
    "tokens": "rows",    # rows rendered and counted in tokens by `stats` (and an HTML page drawn later)
    "images": "images",  # images decoded by an image set's check
    "write": "images",   # images written by an image set's convert
    "files": "files",    # files checked by the workers of a Dask cluster (check's scheduler)
}


class Progress(t.Protocol):
    """What `Options.progress` is called as. It is called from the thread that runs
    the pass, at most about once per megabyte or per batch of rows: never per row."""

    def __call__(self, stage: str, done: int, total: int | None) -> None: ...


_MAPPED = {"metavar": "COL", "config": True, "commands": SHOWN, "verbs": COLUMNS}
_IMAGE = {"config": True, "commands": IMAGES, "verbs": DATA}


@dataclasses.dataclass(frozen=True)
class Options:
    """Everything a check, convert, render, stats, push or submit can be told:
    built once (from CLI flags, `[tool.ftprep]` config or library keywords) and handed down."""

    task: str | None = _option(
        None, "Task type; inferred from the columns when omitted.", choices=TASKS, config=True,
        commands=SHOWN + ("cost",), verbs=COLUMNS,
        per_command={"submit": {"required": True, "help": "Task type."},
                     "cost": {"help": "Task type; image has its own rate."}})
    field_instruction: str | None = _option(None, "text: instruction column (default instruction).", **_MAPPED)
    field_output: str | None = _option(None, "text: output column (default output).", **_MAPPED)
    field_conversation: str | None = _option(None, "chat: conversation column (default conversations).", **_MAPPED)
    field_prompt: str | None = _option(None, "dpo/grpo: prompt column (default prompt).", **_MAPPED)
    field_chosen: str | None = _option(None, "dpo: chosen column (default chosen).", **_MAPPED)
    field_rejected: str | None = _option(None, "dpo: rejected column (default rejected).", **_MAPPED)
    chat_template: str | None = _option(None, "The job's chat template; its rules are checked.",
                                        **{**_MAPPED, "metavar": None, "choices": TEMPLATES})
    image_model: str | None = _option(None, "image: the diffusion model (caption limits).", choices=("flux", "sdxl"),
                                      config=True, commands=IMAGES, verbs=("check", "convert", "load", "push"))
    trigger: str | None = _option(None, "image: a trigger word every caption should hold.", metavar="WORD", **_IMAGE)
    field_caption: str | None = _option(None, "image: caption column of metadata.jsonl/csv (default text).",
                                        metavar="COL", **_IMAGE)
    min_pairs: int = _option(10, "image: fewest usable pairs.", kind="int", **_IMAGE)
    max_pairs: int = _option(50, "image: most usable pairs.", kind="int", **_IMAGE)
    min_rows: int = _option(DEFAULT_MIN_ROWS, "Warn below this many rows (the service's minimum).", kind="int",
                            minimum=0, config=True, commands=("check", "convert", "push", "submit"), verbs=DATA,
                            per_command={"convert": {"help": "Warn below this many rows."}})
    max_per_code: int = _option(100_000, "Keep at most this many diagnostics per code in memory; the rest are counted.",
                                kind="int", minimum=1, config=True, commands=CHECKED, verbs=DATA)
    workers: int | None = _option(None, "Processes for big JSON Lines files (default: all cores).", kind="int",
                                  minimum=1, config=True, commands=CHECKED, verbs=DATA)
    # Tokens: exact counts with a tokenizer (a path, a Hub id or a loaded one), else an estimate.
    tokenizer: t.Any = _option(
        None, "tokenizer.json or Hub id: exact token counts for --max-seq-len.", metavar="PATH_OR_ID", config=True,
        commands=("check", "push", "stats"), verbs=DATA + ("stats",),
        per_command={"stats": {"help": "tokenizer.json (or folder) or Hub id: exact counts."}})
    max_seq_len: int | None = _option(
        None, "Report rows longer than this many tokens.", kind="int", minimum=1, config=True,
        commands=("check", "push", "stats"), verbs=DATA + ("stats",),
        per_command={"stats": {"default": DEFAULT_MAX_SEQ_LEN, "help": "Rows longer than this are dropped by the "
                               f"trainer ({DEFAULT_MAX_SEQ_LEN} is the evaluation length)."}})
    # How far a .gz may expand (ratio to its size, and bytes); ftprep.core.bounds.
    max_expansion: float = _option(
        MAX_EXPANSION, "A .gz may expand to this many times its size (16 MiB always pass); past it: P014.",
        kind="float", minimum=1, commands=("check", "convert", "render", "stats"), verbs=DATA + ("render", "stats"))
    max_decompressed: int = _option(
        MAX_DECOMPRESSED, "A .gz may expand to at most this many bytes (e.g. 512M, 20G); past it: P014.",
        kind="bytes", minimum=1, commands=("check", "convert", "render", "stats"), verbs=DATA + ("render", "stats"))
    strict: bool = _option(False, "Treat warnings as errors.", kind="bool", config=True, commands=("check", "push"),
                           verbs=("check", "push", "submit"),
                           per_command={"push": {"help": "Treat warnings as errors: push nothing if there are any."}})
    # custom_* data at a URL: the trainer's size limit (lower it to test).
    max_url_bytes: int = _option(MAX_URL_BYTES, "custom_* tasks: the trainer's size limit for data at a URL.",
                                 kind="int", minimum=1, commands=("check",), verbs=DATA)
    stdin_format: str = _option("jsonl", "What '-' (standard input) holds; gzip is recognised by itself.",
                                choices=STDIN, commands=("check",), verbs=("check",))
    drop_invalid: bool = _option(False, "Write only the valid rows instead of refusing.", kind="bool", config=True,
                                 commands=("convert",), verbs=("convert", "load", "push", "submit"))
    also_zip: bool = _option(False, "image: also write the flat image+.txt zip the trainer consumes.", kind="bool",
                             commands=("convert",), verbs=("convert", "load", "push", "submit"))
    force: bool = _option(False, "image: replace an existing OUTPUT.zip that ftprep did not write.", kind="bool",
                          commands=("convert",), verbs=("convert", "load", "push", "submit"))
    rows: int | None = _option(None, "Render only the first N rows.", kind="int", minimum=1, commands=("render",),
                               verbs=("render", "stats"))
    default_system: str | None = _option(None, "The text phi_4 injects into a chat without a system message "
                                               "(default: a marker, and C015).", verbs=("render",))
    as_converted: bool = _option(
        False, "Show the rows `ftprep convert` would write (shape mapped, input folded in) instead of what the "
               "trainer gets from this file.", kind="bool", commands=("render", "stats"), verbs=("render", "stats"))
    hours: float | None = _option(None, "The job's hours, for the time view.", kind="float", minimum=0,
                                  open_minimum=True, commands=("stats",), verbs=("stats",))
    throughput: float = _option(THROUGHPUT, "Assumed training tokens per second, for the time view.", kind="float",
                                minimum=0, open_minimum=True, commands=("stats",), verbs=("stats",))
    # Tests: the fast path and the explain path must agree.
    explain_all: bool = _option(False, "Send every row through the explain path.", kind="bool", verbs=DATA)
    # A report page draws the token lengths: counted in the check's own pass, so the file is read once.
    count_lengths: bool = _option(False, "Count every row's tokens in the check's pass (an estimate without a "
                                         "tokenizer), for `Report` stats; over-length findings only with "
                                         "max_seq_len or tokenizer.", kind="bool", verbs=("check",))
    progress: t.Any = _option(None, "A `Progress` callable(stage, done, total) told how far each long pass is; "
                                    "the CLI passes one that draws a bar on a terminal.", kind="callable",
                              verbs=DATA + ("stats",))
    # In-memory data (DataFrames, Arrow tables, datasets, lists of dicts): what reports call it.
    name: str | None = _option(None, "The name reports give in-memory data (default: its kind, e.g. "
                                     "<polars.DataFrame>).", verbs=("check", "convert", "load", "push"))
    # Rule selection, as ruff's: codes, prefixes (C, C01) or names (system-dropped); ftprep/core/selection.py.
    select: str | t.Sequence[str] | None = _option(
        None, "Report only these codes: codes, prefixes or names, comma-separated (e.g. C,D001,system-dropped).",
        kind="codes", metavar="CODES", hashed=False, config=True, commands=("check",), verbs=("check",))
    ignore: str | t.Sequence[str] | None = _option(
        None, "Do not report these codes (codes, prefixes or names, comma-separated).", kind="codes",
        metavar="CODES", hashed=False, config=True, commands=("check",), verbs=("check",))
    extend_select: str | t.Sequence[str] | None = _option(
        None, "Report these codes besides those of --select.", kind="codes", metavar="CODES", hashed=False, config=True,
        commands=("check",), verbs=("check",))
    per_file_ignores: t.Mapping[str, str | t.Sequence[str]] | None = _option(
        None, "Codes not reported in the files a glob matches (config: [tool.ftprep.per-file-ignores]).",
        kind="table", hashed=False, config=True, verbs=("check",))
    # The base model: its family names the chat template when none is given (ftprep/templates/families.py).
    model: str | None = _option(
        None, "Base model id; without --chat-template, its family's template is checked (said in the report).",
        metavar="ID", config=True, commands=("check", "submit", "cost"), verbs=("check",),
        per_command={"submit": {"required": True, "help": "Base model id; names the chat template when none is "
                                "given.", "config": False},
                     "cost": {"required": True, "help": "Base model id, e.g. meta-llama/Llama-3.1-8B-Instruct.",
                              "config": False}})
    # One dataset in several files: the shards' rows counted, and their duplicates found, as one.
    dataset: bool = _option(False, "Check the files as ONE dataset (shards of one split): the row minimum on the "
                                   "total, duplicates across files, one task.", kind="bool", config=True,
                            commands=("check",), verbs=("check",))
    # Shards checked on a Dask cluster (ftprep/verbs/cluster.py); the merge runs here, so the report is the same.
    scheduler: t.Any = _option(None, "Check each file on a Dask cluster (needs ftprep[dask]): its scheduler's address "
                                     "(tcp://HOST:PORT), or local to start one on this machine; the library also takes "
                                     "a running distributed.Client. Same report as in one process.",
                               metavar="ADDRESS", hashed=False, commands=("check",), verbs=("check",))
    # Near duplicates (ftprep/engine/near_duplicates.py): MinHash over the trained text's word shingles.
    near_duplicates: bool = _option(False, "Also report near-duplicate rows (Q001): MinHash over 5-word shingles of "
                                           "the trained text, estimated Jaccard >= 0.8.", kind="bool", config=True,
                                    commands=("check", "convert"), verbs=("check", "convert", "load", "push", "submit"),
                                    per_command={"convert": {"help": "With --dedupe, also drop the later rows of each "
                                                             "near-duplicate group (Q001), keeping its first."}})
    eval: str | None = _option(None, "Evaluation data of the same task (a local file, hf://OWNER/NAME[@REV][:SPLIT] or "
                               "an http(s) URL of JSON Lines): report training rows that are in it exactly, nearly, "
                               "or by a 13-word span (Q002-Q004).", metavar="FILE_OR_URL",
                               commands=("check",), verbs=("check",))
    # Secrets and personal data: convert replaces them with typed placeholders (ftprep/engine/secrets_scan.py).
    redact: bool = _option(False, "Replace credentials and personal data in the text with typed placeholders "
                                  "(<EMAIL>, <AWS_ACCESS_KEY>) and say how many of each (Q016).", kind="bool",
                           commands=("convert",), verbs=("convert", "load", "push", "submit"))
    # GRPO reward functions tried before paying: files of code, run in a child process with limits.
    reward_func: str | t.Sequence[str] = _option(
        (), "grpo: a reward function's code (FILE or FILE:NAME), run on the first prompts as the trainer's prep "
            "validates it (repeatable).", kind="files", metavar="FILE[:NAME]", hashed=False, config=True,
        commands=("check",), verbs=("check",))
    reward_time_limit: float = _option(10.0, "grpo: seconds a reward function's trial may take.", kind="float",
                                       minimum=0, open_minimum=True, config=True, commands=("check",),
                                       verbs=("check",))
    reward_memory_limit: int = _option(2 << 30, "grpo: memory a reward function's trial may take (e.g. 512M).",
                                       kind="bytes", minimum=1, config=True, commands=("check",), verbs=("check",))
    # The reward trial's sample: the first prompts the distribution of rewards is told over.
    reward_sample: int = _option(64, "grpo: how many first prompts the reward functions' distribution is told over "
                                     "(at least the 5 the trainer validates on).", kind="int", minimum=5,
                                 config=True, commands=("check",), verbs=("check",))
    # The convert remedies (ftprep/engine/remedies.py): applied as fix-text, redact, dedupe.
    dedupe: bool = _option(False, "Drop rows whose trained text repeats an earlier row (D001), and with "
                                  "--near-duplicates the later rows of each near-duplicate group; say how many (Q005).",
                           kind="bool", commands=("convert",), verbs=("convert", "load", "push", "submit"))
    fix_text: bool = _option(False, "Repair mojibake (Q022) in the text with ftfy's encoding fix only, and say how "
                                    "many texts (Q027).", kind="bool", commands=("convert",),
                             verbs=("convert", "load", "push", "submit"))

    # The trainer's own test split (ftprep/engine/trainer_split.py): leaks into the rows it holds out.
    trainer_split: bool = _option(False, "Also report training rows that are, exactly or nearly, in the test split "
                                         "the trainer carves out of the data (10%, at most 1,000 rows, seed 42; "
                                         "Q002/Q003).", kind="bool", config=True, commands=("check",),
                                  verbs=("check",))

    def field(self, option: str, default: str) -> str:
        value = getattr(self, option)
        return value if value else default

    def mapping(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name.startswith("field_") and getattr(self, f.name)}


@functools.cache
def declarations() -> tuple[Declaration, ...]:
    """Every option: the fields of `Options` in order, then `CLI_ONLY`."""
    hints = t.get_type_hints(Options)
    out = []
    for f in dataclasses.fields(Options):
        spec = dict(f.metadata)
        commands = spec.get("commands", ())
        flag = "--" + f.name.replace("_", "-") if commands else None
        out.append(Declaration(f.name, hints[f.name], f.default, spec.pop("help"), flag, f.name, **spec))
    return tuple(out) + tuple(dataclasses.replace(d, param=d.param or d.name) for d in CLI_ONLY)


def declared(name: str) -> Declaration:
    return next(d for d in declarations() if d.name == name)


def for_verb(verb: str) -> dict[str, Declaration]:
    """The keywords `verb` takes, by name."""
    return {d.name: d for d in declarations() if verb in d.verbs}


def settle(verb: str, options: Options | None, keywords: t.Mapping[str, t.Any],
           choices: t.Callable[[str], t.Sequence[str]]) -> Options:
    """`options` (default: the defaults) with `keywords` applied: the one place a
    verb's keywords are checked. An unknown keyword raises TypeError, a bad value
    ValueError. A keyword given as None is not given: the option keeps its value
    in `options`, or its default. `choices` resolves a registry's name to its values."""
    allowed = for_verb(verb)
    unknown = [k for k in keywords if k not in allowed]
    if unknown:
        raise TypeError(f"{verb}() got an unexpected keyword argument {unknown[0]!r}")
    given = {name: value for name, value in keywords.items() if value is not None}
    for name, value in given.items():
        _check(allowed[name], value, choices)
    base = options if options is not None else Options()
    return dataclasses.replace(base, **given) if given else base


def _check(decl: Declaration, value: t.Any, choices: t.Callable[[str], t.Sequence[str]]) -> None:
    label = decl.name.replace("_", " ")
    if decl.kind in ("codes", "table"):
        from ftprep.core.selection import validated

        validated(decl.name, value)
    elif decl.kind in ("int", "bytes", "float"):
        whole = decl.kind != "float"
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            raise ValueError(f"{decl.name} must be {'a whole number' if whole else 'a number'}, not {value!r}")
        low = decl.minimum
        if low is not None and (value < low or (decl.open_minimum and value == low)):
            raise ValueError(f"{decl.name} must be {'above' if decl.open_minimum else 'at least'} {low:g}, "
                             f"not {value!r}")
    elif decl.kind == "files" and not (isinstance(value, str) or (isinstance(value, (list, tuple))
                                                                  and all(isinstance(v, str) for v in value))):
        raise ValueError(f"{decl.name} must be a path or a list of paths, not {value!r}")
    elif decl.kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"{decl.name} must be True or False, not {value!r}")
    elif decl.kind == "callable" and not callable(value):
        raise ValueError(f"{decl.name} must be a callable, not {value!r}")
    elif decl.kind == "str" and decl.annotation is not t.Any and not isinstance(value, str):
        raise ValueError(f"{decl.name} must be a string, not {value!r}")
    if decl.choices is not None:
        allowed = choices(decl.choices) if isinstance(decl.choices, str) else decl.choices
        if value not in allowed:
            from ftprep.core.suggestion import did_you_mean

            raise ValueError(f"unknown {label} {value!r}; choose from {', '.join(allowed)}"
                             f"{did_you_mean(value, allowed)}")
