"""Stable diagnostic codes.

A code is a family letter plus three digits, with a kebab-case name. Codes are
never reused or renumbered: a retired code stays here with its summary. The
README's table of codes is checked against this registry by a test.

Families: P parse and file, L load (type inference), S columns, V values,
C chat, D dataset, G grpo (reward functions too), T templates and tokens, M media (images), H hub and
URL, Q quality of the trained text (near duplicates, leakage, secrets and personal data, junk).

Each code also names the trainer's stage that fails on the row or garbles it,
so a finding says where the money would be lost (`STAGES`).
"""

from __future__ import annotations

import dataclasses

ERROR = "error"
WARNING = "warning"

# The trainer's pipeline, in order: what a finding's `stage` can name.
STAGES = {
    "load": "datasets.load_dataset reads the file (pyarrow/pandas type inference), or the Hub or URL is fetched",
    "prep": "the validator's prep: renames, str() of every value, drop rules, row minimum",
    "template": "axolotl renders the conversation with the job's chat template",
    "train": "tokenising, length filters and the trained spans of the run itself",
    "eval": "the validator's evaluation on the held-out split (its own, older axolotl image)",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    severity: str
    summary: str
    stage: str

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"{self.code}: unknown stage {self.stage!r}")


def _table(*rows: tuple[str, str, str, str, str]) -> dict[str, Code]:
    return {r[0]: Code(*r) for r in rows}


# --- P: parse and file --------------------------------------------------------
PARSE = _table(
    ("P001", "invalid-json", ERROR, "A record is not valid JSON.", "load"),
    ("P002", "invalid-utf8", ERROR, "A record is not valid UTF-8.", "load"),
    ("P003", "truncated-record", ERROR, "The last record is cut off (no closing newline, unparseable).", "load"),
    ("P004", "no-records", ERROR, "The file is empty or holds no records.", "load"),
    ("P005", "record-not-object", ERROR, "A record is JSON but not an object.", "load"),
    ("P006", "unreadable-table", ERROR, "A CSV, TSV or Parquet file cannot be parsed.", "load"),
    ("P007", "url-format", ERROR, "custom_* data at a URL must be JSON or JSON Lines; the trainer does not parse CSV or Parquet there.", "load"),
    ("P008", "url-size", ERROR, "custom_* data is over the trainer's 2,147,483,646-byte limit.", "load"),
    ("P009", "json-not-array", ERROR, "A .json file is not an array of objects.", "load"),
    ("P010", "undecompressable", ERROR, "A .gz file is corrupt or cut off: it cannot be decompressed.", "load"),
    ("P011", "unclosed-quote", ERROR, "A CSV quote never closes, or closes so late that the rows after it are read as one cell.", "load"),
    ("P013", "too-deep", ERROR, "A record is nested too deeply to decode (RecursionError); the row is unusable.", "load"),
    ("P014", "decompression-capped", ERROR, "A .gz file expands past the decompression bound (ratio or size); the rest is not checked.", "load"),
    ("P015", "duplicate-key", ERROR, "An object in a JSON Lines record repeats a key; pyarrow, the trainer's reader, refuses the whole file.", "load"),
)

# --- L: load, the loader's type inference ------------------------------------
LOAD = _table(
    ("L001", "date-as-timestamp", ERROR, "A kept column holds only ISO dates; datasets reads it as timestamps and the trainer sees '2024-01-10 00:00:00'.", "load"),
    ("L002", "csv-na-token", ERROR, "A CSV cell such as NA, N/A, None or null is read as null by datasets' CSV loader; prep makes it an empty string.", "load"),
    ("L003", "csv-number", ERROR, "A CSV text column is read as numbers or booleans and str()ed back changed ('001' -> '1', '16' -> '16.0').", "load"),
    ("L004", "mixed-types", ERROR, "A JSON column mixes strings with numbers, booleans, lists or objects; the validator's datasets 2.x fails to load the file.", "load"),
    ("L005", "int-as-float", ERROR, "A JSON column mixes integers and decimals; it is read as float64 and 16 becomes '16.0'.", "load"),
    ("L006", "chunk-typed-dates", ERROR, "A JSON Lines column is all ISO dates in datasets' first 10 MiB chunk but not later; the chunk types it as timestamps and the load fails.", "load"),
    ("L007", "array-dates-newer", WARNING, "A JSON array column of ISO dates: the validator's datasets 2.21 keeps it as text, datasets 5.2 reads it as timestamps.", "load"),
)

# --- S: columns ---------------------------------------------------------------
COLUMNS = _table(
    ("S001", "missing-column", ERROR, "A required (mapped) column is absent from every record.", "prep"),
    ("S002", "rename-collision", ERROR, "Renaming a mapped column to the trainer's standard name would collide with an existing column.", "prep"),
    ("S003", "dropped-column", WARNING, "A column that looks like training data is not mapped; the trainer drops it.", "prep"),
    ("S004", "task-unknown", ERROR, "The task cannot be inferred from the columns; pass --task.", "prep"),
    ("S005", "unmappable-row", ERROR, "convert cannot map the row's shape to the task's canonical columns.", "prep"),
    ("S006", "tools-dropped", WARNING, "A tools column (function schemas) is dropped by the trainer's prep, which keeps only the conversation; convert drops it too.", "prep"),
    ("S007", "kto-undesirable", ERROR, "A KTO row labelled undesirable (label false): the trainer's prep drops the label and trains the answer as a target.", "prep"),
)

# --- V: values ----------------------------------------------------------------
VALUES = _table(
    ("V001", "missing-value", ERROR, "A required value is null or absent.", "prep"),
    ("V002", "empty-value", ERROR, "A required value is empty or whitespace only.", "prep"),
    ("V003", "not-text", ERROR, "A list or object where text is required; the trainer would train on its Python repr.", "prep"),
    ("V004", "not-string", WARNING, "A number or boolean where text is expected; it is stringified, and mixed types can fail to load.", "load"),
    ("V005", "identical-pair", WARNING, "DPO chosen and rejected are identical: no preference signal.", "eval"),
    ("V006", "pair-prompts-differ", ERROR, "DPO chosen and rejected conversations have different prompts: the pair does not rank two answers to one prompt.", "train"),
    ("V007", "undesirable-dropped", WARNING, "convert dropped the rows a KTO label marks undesirable, which SFT would train as targets.", "prep"),
    ("V010", "unfilled-placeholder", WARNING, "Trained text (assistant turns, text output, DPO chosen) holds an unfilled placeholder: {{name}}, {name}, <PLACEHOLDER>, [INSERT ...], [YOUR ...] or lorem ipsum, outside code, math and JSON; the model learns to write it. One finding per file, with the count.", "train"),
)

# --- C: chat ------------------------------------------------------------------
CHAT = _table(
    ("C001", "conversation-not-list", ERROR, "The conversation is not a list of messages.", "prep"),
    ("C002", "empty-conversation", ERROR, "The conversation is empty.", "prep"),
    ("C003", "message-not-object", ERROR, "A message is not an object.", "prep"),
    ("C004", "message-keys", ERROR, "A message lacks the role/content keys (e.g. ShareGPT from/value); run ftprep convert.", "prep"),
    ("C005", "unknown-role", WARNING, "A role other than system, user, assistant or tool: chatml and llama3 render it as it is; templates that drop it or raise say so (C014, C012).", "template"),
    ("C006", "content-not-string", ERROR, "A message's content is not a string.", "prep"),
    ("C007", "too-few-messages", ERROR, "Fewer than 2 messages; the trainer drops the row.", "prep"),
    ("C008", "no-assistant-turn", ERROR, "No assistant turn: nothing is trained on this row.", "train"),
    ("C009", "last-turn-not-assistant", WARNING, "The conversation does not end with an assistant turn; the tail is not trained.", "train"),
    ("C010", "empty-assistant", ERROR, "An assistant message is empty or whitespace only.", "train"),
    ("C011", "empty-message", WARNING, "A non-assistant message is empty or whitespace only.", "template"),
    ("C012", "template-raises", ERROR, "The chosen chat template raises on this conversation (role order or role not supported).", "template"),
    ("C013", "system-dropped", WARNING, "The chosen chat template drops or merges this system message.", "template"),
    ("C014", "role-dropped", WARNING, "The chosen chat template silently drops messages with this role.", "template"),
    ("C015", "default-system", WARNING, "The chosen chat template injects its own default system prompt when the row has none.", "template"),
    ("C016", "control-token", WARNING, "Content holds a chat-template control token; it becomes a real special token.", "template"),
    ("C017", "reasoning-dropped", WARNING, "The chosen chat template drops this <think> reasoning.", "template"),
    ("C018", "template-version", WARNING, "The chosen chat template is missing from older trainer images.", "template"),
    ("C019", "masked-turn", WARNING, "An assistant turn is masked by a per-message weight (weight 0, loss_weight 0); the trainer's prep drops weights and trains it.", "prep"),
    ("C020", "masked-turn-cut", WARNING, "convert cut masked assistant turns from the end of a conversation, so that they are not trained.", "prep"),
    ("C021", "tool-call-text", WARNING, "convert wrote a tool call (function_call turn, tool_call part) as assistant text holding its JSON: the template has no tool-call rendering convert can target.", "template"),
    ("C022", "multimodal-row", ERROR, "A multimodal row (images column, media part, <image> placeholder): the trainer is text-only and trains the placeholders as literal text.", "train"),
    ("C025", "null-message-dropped", WARNING, "A message's role or content is null: prep drops that message and trains the rest.", "prep"),
    ("C026", "content-parts", ERROR, "Content is a list of parts: current axolotl joins their text, but the validator's evaluation image (axolotl of 2025-04) raises on it.", "eval"),
)

# --- D: dataset ---------------------------------------------------------------
DATASET = _table(
    ("D001", "duplicate-row", WARNING, "The row repeats an earlier row in the trained columns.", "train"),
    ("D002", "too-few-rows", WARNING, "Fewer rows than the service's minimum.", "prep"),
    ("D003", "mostly-empty", ERROR, "More than 80% of rows are empty; the trainer's prep fails.", "prep"),
)

# --- G: grpo ------------------------------------------------------------------
GRPO = _table(
    ("G001", "nested-extra", ERROR, "An extra GRPO column holds objects; prep str()s them to Python repr, a reward function's json.loads fails and prep ends with 'No valid reward functions remain'.", "prep"),
    ("G002", "reward-func-raises", ERROR, "A reward function raises on the first prompts; prep removes it silently, and with none left the job fails.", "prep"),
    ("G003", "reward-func-bad-result", ERROR, "A reward function returns no list, the wrong length or a non-number; prep removes it silently.", "prep"),
    ("G004", "reward-func-too-slow", WARNING, "A reward function's trial ran past its time or memory limit; it runs on every completion of every step.", "train"),
    ("G005", "reward-func-same-name", ERROR, "Two reward functions share a name; the trainer's rewards module keeps the later one.", "train"),
    ("G006", "reward-func-not-first", ERROR, "The trainer's first callable of the code is not the reward function (an import or another function).", "prep"),
    ("G007", "reward-func-helper-first", WARNING, "The code defines several functions; the trainer takes the first as the reward function.", "prep"),
    ("G008", "reward-func-flat", WARNING, "A reward function gives every sampled prompt the same reward: no advantage, no signal.", "train"),
    ("G009", "reward-func-signature", ERROR, "The reward function's first parameter is not `completions`; TRL passes completions by keyword, so it gets no value.", "prep"),
)

# --- T: templates and tokens --------------------------------------------------
TOKENS: dict[str, Code] = _table(
    ("T001", "over-length", WARNING, "The rendered row is longer than the sequence length; the trainer drops it.", "train"),
    ("T002", "no-trained-tokens", WARNING, "The template leaves no trained (assistant) tokens in the row; it teaches nothing.", "train"),
    ("T003", "response-cut", WARNING, "DPO: the trainer's cut of a response out of its rendering keeps the wrong text.", "train"),
)

# --- M: media, images ---------------------------------------------------------
MEDIA = _table(
    ("M001", "image-corrupt", ERROR, "An image does not fully decode (truncated or corrupt); the trainer crashes mid-run.", "prep"),
    ("M002", "not-an-image", ERROR, "A file is not an image, or its format is outside the allow-list.", "prep"),
    ("M003", "caption-missing", ERROR, "An image has no caption (.txt sidecar or metadata row); the trainer skips it.", "prep"),
    ("M004", "caption-empty", ERROR, "A caption is empty or whitespace only.", "prep"),
    ("M005", "image-too-small", ERROR, "The short side is under 256 px, the trainer's smallest bucket.", "prep"),
    ("M006", "image-too-large", ERROR, "More pixels than Pillow's bomb limit (refused from the header), or a file over the byte cap.", "prep"),
    ("M007", "unsafe-file-name", ERROR, "A metadata file_name is absolute, contains '..', or resolves outside the dataset root.", "prep"),
    ("M008", "symlink-escape", ERROR, "A symlink points outside the dataset root.", "prep"),
    ("M009", "zip-unsafe-member", ERROR, "A zip member would escape the root (absolute, '..', link, duplicate or encrypted).", "prep"),
    ("M010", "zip-over-cap", ERROR, "A zip is over the size, member-count or compression-ratio cap.", "prep"),
    ("M011", "too-few-pairs", ERROR, "Fewer usable image/caption pairs than the service's minimum (10).", "prep"),
    ("M012", "too-many-pairs", ERROR, "More usable image/caption pairs than the service's maximum (50).", "prep"),
    ("M013", "caption-unreadable", ERROR, "A caption is not UTF-8 or is over the size cap; the trainer raises on it.", "prep"),
    ("M014", "metadata-invalid", ERROR, "metadata.jsonl/csv cannot be used (parse error, no file_name, bad caption column, duplicate rows).", "prep"),
    ("M015", "image-not-found", ERROR, "A metadata row names an image that does not exist.", "prep"),
    ("M016", "low-resolution", WARNING, "The short side is under 1024 px, the training resolution.", "train"),
    ("M017", "extreme-aspect-ratio", WARNING, "The aspect ratio is beyond 2:1; square crops lose most of the image.", "train"),
    ("M018", "animated-image", WARNING, "An animated image: only its first frame is trained on.", "train"),
    ("M019", "exif-rotation", WARNING, "EXIF orientation is set; kohya trains the image unrotated.", "train"),
    ("M020", "duplicate-image", WARNING, "The image repeats another (same bytes or same pixels).", "train"),
    ("M021", "near-duplicate-image", WARNING, "The image is a near duplicate of another (perceptual hash).", "train"),
    ("M022", "caption-too-long", WARNING, "The caption is over the text encoder's limit (estimated tokens); the tail is cut.", "train"),
    ("M023", "trigger-missing", WARNING, "The trigger word is missing from a caption.", "train"),
    ("M024", "repeated-caption", WARNING, "Most images share the same caption: it teaches nothing.", "train"),
    ("M025", "skipped-name", WARNING, "The trainer skips this file name (upper-case extension, .webp or another format).", "prep"),
    ("M026", "split-keyword-name", WARNING, "A name like test-1.png makes datasets infer a split other than train.", "prep"),
    ("M027", "extension-mismatch", WARNING, "The file extension does not match the image's real format.", "prep"),
    ("M028", "multiline-caption", WARNING, "A caption has several lines; kohya keeps only the first.", "train"),
    ("M029", "orphan-caption", WARNING, "A .txt caption has no image with the same stem.", "prep"),
    ("M030", "archive-junk", WARNING, "__MACOSX/, ._* or .DS_Store in a zip; beside a single folder it hides the images from the trainer.", "prep"),
)

# --- H: hub and URL -----------------------------------------------------------
HUB: dict[str, Code] = _table(
    ("H001", "hub-not-found", ERROR, "The Hub dataset repo or revision does not exist, or is private to this token.", "load"),
    ("H002", "hub-load-fails", ERROR, "datasets.load_dataset fails on the repo, as the trainer's load would.", "load"),
    ("H003", "several-configs", WARNING, "The repo has several configs; the trainer loads only the first.", "load"),
    ("H004", "loading-script", WARNING, "The repo has a loading script; the trainer runs it, ftprep does not, so rows are not checked.", "load"),
    ("H005", "split-schemas-differ", WARNING, "Splits have different columns or types; the trainer merges every split.", "load"),
    ("H006", "url-status", ERROR, "The URL does not answer HTTP 200 to a GET without credentials.", "load"),
)

# --- Q: quality of the trained text ---------------------------------------------
# Q001-Q009: near duplicates and leakage (ftprep/engine/near_duplicates.py).
NEAR: dict[str, Code] = _table(
    ("Q001", "near-duplicate", WARNING, "Rows are near duplicates in the trained text (MinHash, Jaccard >= 0.8 on 5-word shingles).", "train"),
    ("Q002", "eval-duplicate", WARNING, "A training row's trained text is also, exactly, in the evaluation data (--eval: a file, hf:// or a URL) or in the trainer's own test split (--trainer-split).", "eval"),
    ("Q003", "eval-near-duplicate", WARNING, "A training row is a near duplicate of an evaluation row (--eval: a file, hf:// or a URL) or of a row of the trainer's own test split (--trainer-split); MinHash, Jaccard >= 0.8.", "eval"),
    ("Q004", "eval-ngram-overlap", WARNING, "A training row shares a rare 13-word span with an evaluation row (--eval: a file, hf:// or a URL): a span in at most 10 rows of each side (or 0.001% of over a million rows), its 8-word spans too; boilerplate is not counted.", "eval"),
    ("Q005", "deduplicated", WARNING, "convert --dedupe dropped rows whose trained text repeats an earlier row exactly (D001), and with --near-duplicates the later rows of each near-duplicate group (Q001); the finding counts both and names the first lines.", "train"),
)

# Q010-Q019: secrets and personal data (ftprep/engine/secrets_scan.py).
QUALITY_SECRETS = _table(
    ("Q010", "secret-in-text", ERROR, "Training text holds a credential: a provider's API key or token (AWS, GCP, Azure, GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, Hugging Face...), a private key block, a JWT, a password in a URL, or a random value after a key-like name; a key trained into a model can be extracted from it.", "train"),
    ("Q011", "email-address", WARNING, "Training text holds e-mail addresses (not documentation domains such as example.com). One finding per file, with the count.", "train"),
    ("Q012", "phone-number", WARNING, "Training text holds valid phone numbers. One finding per file, with the count.", "train"),
    ("Q013", "card-number", WARNING, "Training text holds payment card numbers (an issuer prefix and a valid Luhn check digit). One finding per file, with the count.", "train"),
    ("Q014", "iban", WARNING, "Training text holds IBANs (a valid ISO 13616 check). One finding per file, with the count.", "train"),
    ("Q015", "ip-address", WARNING, "Training text holds public IPv4 addresses (not private, loopback or documentation ranges). One finding per file, with the count.", "train"),
    ("Q016", "redacted", WARNING, "convert --redact replaced credentials and personal data in the text with typed placeholders (<EMAIL>, <AWS_ACCESS_KEY>); the finding counts them per kind.", "train"),
)

JUNK = _table(
    ("Q020", "refusal", WARNING, "A trained text (assistant turn, text output, DPO chosen) is a refusal or AI boilerplate (\"As an AI language model\", \"I'm sorry, but I can't\", in English, French, German, Spanish or Chinese); the model learns to refuse. One finding per file, with the count.", "train"),
    ("Q021", "refusal-share", WARNING, "More than 2% of the rows (and at least 5) have a refusal or AI boilerplate as a trained answer (Q020's detector): the dataset teaches refusing. One finding per file, with the share and the count.", "train"),
    ("Q022", "mojibake", WARNING, "A trained text holds mojibake (UTF-8 read as Windows-1252: \"cafÃ©\") that ftfy repairs; the model learns the garbage. convert --fix-text repairs it. One finding per file, with the count.", "train"),
    ("Q023", "replacement-character", WARNING, "A trained text holds U+FFFD replacement characters: bytes lost in a decoding, beyond repair. One finding per file, with the count.", "train"),
    ("Q024", "generation-loop", WARNING, "A trained text ends in a generation loop: a span of 4+ words and 16+ characters repeated 4+ times in a row; the model learns to loop. One finding per file, with the count.", "train"),
    ("Q025", "unclosed-code-fence", WARNING, "A trained text opens a ``` code fence and never closes it: the answer was cut off, and the model learns to stop mid-answer. One finding per file, with the count.", "train"),
    ("Q026", "truncated-answers", WARNING, "At least 20 answers, 5% of them (and 5) end mid-word without punctuation after 10 words or more, and half of those have one same length in characters or words: answers cut at a length limit. One finding per file.", "train"),
    ("Q027", "text-fixed", WARNING, "convert --fix-text repaired mojibake (Q022) in the text with ftfy's encoding fix (nothing else normalised); the finding counts the texts and rows and shows the first repair.", "train"),
)

QUALITY_PAIRS = _table(
    ("Q030", "pair-length-bias", WARNING, "The DPO chosen answer is longer than the rejected one in more than 80% of the pairs (at least 20): DPO learns that longer is better.", "train"),
    ("Q031", "answer-language", WARNING, "The answer (DPO chosen, text output, a chat's last assistant turn) is in another language than its prompt (instruction, the user turn before it), both prose long and sure enough to tell and no other language asked for; the model learns to switch language. One finding per file, with the count.", "train"),
)

CODES: dict[str, Code] = {
    **PARSE, **LOAD, **COLUMNS, **VALUES, **CHAT, **DATASET, **GRPO, **TOKENS, **MEDIA, **HUB, **NEAR,
    **QUALITY_SECRETS, **JUNK, **QUALITY_PAIRS,
}


def severity_of(code: str) -> str:
    return CODES[code].severity
