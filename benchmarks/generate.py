"""Realistic synthetic fine-tuning datasets for the benchmarks (issue 7).

    python benchmarks/generate.py --task chat --rows 100000 -o benchmarks/data/chat.jsonl
    python benchmarks/generate.py --task dpo --rows 20000 --format parquet --bad-every 100 -o dpo.parquet

Rows look like real SFT data: prose, numbered lists, fenced code with quotes,
backslashes and tabs, non-ASCII text (accents, CJK, Cyrillic, Arabic, emoji),
optional system prompts, 1-4 user/assistant turns with long-tailed lengths,
and a few `<think>` blocks. Every row is unique (no accidental duplicates).

Deterministic: the same --seed gives the same bytes. The clean file and the
file with --bad-every N hold the same rows, except that row N, 2N, 3N ... is
replaced by a defect, cycling through the defect kinds of the task that the
format can hold. --manifest writes where each bad row is (row, line, kind).

Streams to disk with bounded memory and writes atomically (a temp file in the
same folder, then os.replace).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import random
import re
import sys
import tempfile
import typing as t

import msgspec

TASKS = ("chat", "text", "dpo", "grpo")
FORMATS = ("jsonl", "csv", "parquet")
# Bump when the output changes, so cached benchmark files are regenerated.
VERSION = 1

TOPICS = (
    "photosynthesis", "binary search", "compound interest", "the French revolution", "TCP handshakes",
    "plate tectonics", "vaccines", "black holes", "sourdough baking", "recursion", "garbage collection",
    "the water cycle", "supply and demand", "Fourier transforms", "CRISPR", "the Roman Empire",
    "neural networks", "public-key cryptography", "ocean currents", "quantum entanglement", "Kubernetes",
    "SQL joins", "the Krebs cycle", "impressionism", "game theory", "RAID levels", "the immune system",
    "inflation", "Rust ownership", "B-trees", "Schrödinger's cat", "la Révolution française",
    "the café economy", "naïve Bayes", "東京の地下鉄", "машинное обучение", "الذكاء الاصطناعي",
    "el ciclo del agua", "Übersetzung und Grammatik", "the Big-O notation",
)
SUBJECTS = (
    "The key idea", "In practice, {t}", "A common mistake", "Historically, {t}", "The short answer",
    "What most people miss", "For a beginner, {t}", "Mathematically, {t}", "The trade-off here",
    "One useful mental model", "Put simply, {t}", "The tricky part", "In production systems, {t}",
)
PREDICATES = (
    "depends on how the inputs are framed", "reduces to a handful of simple rules",
    "is easier to see with a concrete example", "was refined over several decades",
    "trades memory for speed", "only works when the assumptions hold",
    "can be checked with a quick experiment", "is often confused with a related idea",
    "scales well until the data no longer fits in memory", "follows from the definition directly",
    "needs a careful look at the edge cases", "is the reason the results look the way they do",
    "has a cost that grows with the size of the input", "becomes obvious once you draw it",
)
TAILS = (
    ".", ".", ".", " — at least in the simple case.", ", which surprises most beginners.",
    " (see the example below).", "; the details matter less than the intuition.", ", as we will see.",
    " … and that is the whole trick.", ": keep this in mind.",
)
FOREIGN = (
    "En français : c'est une idée élégante, même si elle paraît naïve au début.",
    "Auf Deutsch: Die Größe der Eingabe bestimmt die Laufzeit.",
    "例えば、入力が大きくなると処理時間も長くなります。",
    "举个例子：数据越多，模型越准确。",
    "Пример: чем больше данных, тем точнее модель.",
    "مثال: كلما زادت البيانات زادت دقة النموذج.",
    "En español: el costo crece con el tamaño de la entrada.",
    "Result: 42 ✓ — done in 3 ms 🚀",
    "Price: 12,50 € (≈ $13.40), ±5 %.",
)
SYSTEMS = (
    "You are a helpful assistant.", "You are a concise tutor. Answer in plain English.",
    "You are an expert Python programmer. Use type hints and explain your code.",
    "Tu es un assistant serviable qui répond toujours en français.",
    "You are a careful reviewer. Point out mistakes politely.",
    "Answer as briefly as possible. Use Markdown when it helps.",
    "You are a math teacher. Show your reasoning step by step.",
    "You are a customer-support agent for an online shop. Be friendly.",
)
ASKS = (
    "Explain {t} in simple terms.", "Can you give me an example of {t}?",
    "Write a short paragraph about {t} for a high-school student.",
    "What is the difference between {t} and {u}?", "Summarize {t} in a few bullet points.",
    "Why does {t} matter in practice?", "I keep getting confused by {t}. Can you help?",
    "Fix this code:\n```python\n{code}\n```", "Translate to French: {s}", "Is this right? {s}",
    "Compare {t} with {u}, with pros and cons.",
)
UNIQUE = (
    " Assume a dataset of {n} rows.", " This is question {n} of my study set.", " (ticket #{n})",
    " Use {n} as the seed value.", " My budget is ${n}.", " Reference: case-{n}.",
)
CODE = (
    'def greet(name: str) -> str:\n    return f"Hello, {{name}}!\\n"\n\nprint(greet("{t}"))',
    'import re\npattern = re.compile(r"\\d+\\.\\d*")\nprint(pattern.findall("v1.2 and 3.45"))',
    'const parts = "a\\tb\\tc".split("\\t");\nconsole.log(JSON.stringify({{parts, topic: "{t}"}}));',
    'grep -E "^[a-z]+\\s" notes.txt | sort | uniq -c | sort -rn | head -n {k}',
    'printf("%s: \\"%d\\"\\n", "count", {k});',
    "SELECT name, COUNT(*) AS n\nFROM users\nWHERE email LIKE '%@example.com'\nGROUP BY name\nHAVING n > {k};",
    'for i in range({k}):\n\tif i % 2 == 0:\n\t\tprint(f"{{i}} is even")',
    'path = "C:\\\\Users\\\\me\\\\{t}.txt"\nwith open(path, encoding="utf-8") as f:\n    data = f.read()',
)


SYLLABLES = ("ka", "lo", "mi", "tren", "sta", "por", "vel", "an", "qui", "dre", "ox", "bel", "ru", "cen", "tal",
             "gra", "fi", "son", "ul", "mer", "ze", "pha", "nor", "ist", "ber", "co", "lu", "dan", "es", "tiv")


def _pools(rng: random.Random) -> tuple[list[str], list[str], list[str], list[int]]:
    """Sentences, code snippets and a Zipf-weighted vocabulary, built once from the seed."""
    sentences = []
    for _ in range(8000):
        if rng.random() < 0.08:
            sentences.append(rng.choice(FOREIGN))
            continue
        t_ = rng.choice(TOPICS)
        s = rng.choice(SUBJECTS).format(t=t_) + " " + rng.choice(PREDICATES) + rng.choice(TAILS)
        sentences.append(s)
    code = [rng.choice(CODE).format(t=rng.choice(TOPICS), k=rng.randint(2, 99)) for _ in range(400)]
    real = sorted({w.lower() for s in SUBJECTS + PREDICATES + ASKS for w in re.findall(r"[A-Za-z]+", s)})
    made = {"".join(rng.choices(SYLLABLES, k=rng.choice((1, 2, 2, 3, 3, 4)))) for _ in range(6000)}
    vocab = real + sorted(made - set(real))
    rng.shuffle(vocab)
    cum, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 1)
        cum.append(total)
    return sentences, code, vocab, cum


class Maker:
    """Clean rows of one task, in order. Row i is the same whatever the format."""

    def __init__(self, task: str, seed: int) -> None:
        self.task = task
        self.rng = random.Random(seed)
        self.sentences, self.code, self.vocab, self.cum = _pools(random.Random(seed * 7919 + 1))

    def _prose(self, median: float) -> str:
        r = self.rng
        k = max(1, min(60, int(r.lognormvariate(0, 0.8) * median)))
        parts = r.choices(self.sentences, k=k)
        # Fresh word salad in about a third of the sentences keeps the text from
        # compressing like a template (real chat data gzips ~4x, not ~12x).
        for j in range(0, k, 3):
            words = r.choices(self.vocab, cum_weights=self.cum, k=r.randint(6, 16))
            parts[j] = " ".join(words).capitalize() + r.choice((".", ".", ",", "?", ";", "!"))
        return " ".join(parts)

    def _answer(self) -> str:
        r = self.rng
        shape = r.random()
        if shape < 0.55:
            paras = [self._prose(3) for _ in range(r.choice((1, 1, 2, 3)))]
            return "\n\n".join(paras)
        if shape < 0.8:
            items = r.choices(self.sentences, k=r.randint(2, 8))
            return "Here are the main points:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(items, 1))
        lang = "python" if r.random() < 0.7 else "text"
        return (self._prose(1.5) + f"\n\n```{lang}\n" + r.choice(self.code) + "\n```\n\n" + self._prose(2))

    def _ask(self, n: int | None) -> str:
        r = self.rng
        s = r.choice(ASKS).format(t=r.choice(TOPICS), u=r.choice(TOPICS), code=r.choice(self.code),
                                  s=r.choice(self.sentences))
        if r.random() < 0.3:
            s += " " + self._prose(1)
        return s + r.choice(UNIQUE).format(n=n) if n is not None else s

    def row(self, i: int) -> dict[str, t.Any]:
        r = self.rng
        if self.task == "chat":
            msgs = []
            if r.random() < 0.4:
                msgs.append({"role": "system", "content": r.choice(SYSTEMS)})
            turns = r.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
            for k in range(turns):
                msgs.append({"role": "user", "content": self._ask(i if k == 0 else None)})
                msgs.append({"role": "assistant", "content": self._answer()})
            if r.random() < 0.05:  # reasoning traces, in the last turn only
                msgs[-1]["content"] = "<think>\n" + self._prose(2) + "\n</think>\n\n" + msgs[-1]["content"]
            return {"conversations": msgs}
        if self.task == "text":
            return {"instruction": self._ask(i), "output": self._answer()}
        if self.task == "dpo":
            chosen, rejected = self._answer(), self._prose(1)
            return {"prompt": self._ask(i), "chosen": chosen, "rejected": rejected}
        a, b = r.randint(2, 999), r.randint(2, 999)
        op = r.choice(("+", "-", "*"))
        answer = str(eval(f"{a}{op}{b}"))  # noqa: S307 - two ints and a fixed operator
        prompt = (f"Solve {a} {op} {b}. " + r.choice(("Show your reasoning.", "Answer with a number only.",
                                                     "Explain each step, then give the result."))
                  + r.choice(UNIQUE).format(n=i))
        if r.random() < 0.3:
            prompt = r.choice(SYSTEMS) + "\n\n" + prompt
        return {"prompt": prompt, "answer": answer}


# -- defects -----------------------------------------------------------------
# Kind -> formats that can hold it. Raw kinds break the JSON line itself.
RAW = {"invalid_json", "truncated", "not_object"}
KINDS: dict[str, list[tuple[str, str]]] = {
    "chat": [("invalid_json", "j"), ("wrong_role", "jcp"), ("empty_assistant", "jcp"), ("missing_column", "jcp"),
             ("list_where_text", "jc"), ("truncated", "j"), ("ends_with_user", "jcp"), ("null_content", "jcp"),
             ("not_object", "j"), ("duplicate", "jcp"), ("sharegpt_keys", "jc")],
    "text": [("invalid_json", "j"), ("missing_column", "jcp"), ("list_where_text", "j"), ("empty_value", "jcp"),
             ("truncated", "j"), ("whitespace_value", "jcp"), ("number_value", "j"), ("not_object", "j"),
             ("duplicate", "jcp"), ("null_value", "jp")],
    "dpo": [("invalid_json", "j"), ("identical_pair", "jcp"), ("missing_column", "jcp"), ("list_where_text", "j"),
            ("truncated", "j"), ("empty_value", "jcp"), ("null_value", "jp"), ("not_object", "j"),
            ("duplicate", "jcp")],
    "grpo": [("invalid_json", "j"), ("missing_column", "jcp"), ("list_where_text", "j"), ("empty_value", "jcp"),
             ("truncated", "j"), ("nested_extra", "j"), ("whitespace_value", "jcp"), ("not_object", "j"),
             ("duplicate", "jcp")],
}
TEXT_COLUMN = {"text": "output", "dpo": "rejected", "grpo": "prompt"}


def kinds_for(task: str, fmt: str) -> list[str]:
    return [k for k, where in KINDS[task] if fmt[0] in where]


def defect(kind: str, task: str, row: dict[str, t.Any], prev: dict[str, t.Any]) -> t.Any:
    """The bad version of `row`: a dict, or for raw kinds the line bytes (no newline)."""
    if kind == "duplicate":
        return prev
    if kind in RAW:
        line = msgspec.json.encode(row)
        if kind == "invalid_json":
            return line[:-1] + b",}"  # a trailing comma
        if kind == "truncated":
            return line[: len(line) // 2].decode("utf-8", "ignore").encode()
        return msgspec.json.encode(list(row.values()))
    bad = json.loads(json.dumps(row))  # deep copy
    if task == "chat":
        msgs = bad["conversations"]
        last = msgs[-1]
        if kind == "wrong_role":
            last["role"] = "bot"
        elif kind == "empty_assistant":
            last["content"] = ""
        elif kind == "missing_column":
            del bad["conversations"]
        elif kind == "list_where_text":
            last["content"] = [{"type": "text", "text": last["content"]}]
        elif kind == "ends_with_user":
            msgs.append({"role": "user", "content": "Thanks! One more question?"})
        elif kind == "null_content":
            msgs[-2]["content"] = None
        elif kind == "sharegpt_keys":
            bad["conversations"] = [{"from": {"user": "human", "assistant": "gpt"}.get(m["role"], m["role"]),
                                     "value": m["content"]} for m in msgs]
        return bad
    col = TEXT_COLUMN[task]
    if kind == "missing_column":
        del bad[col]
    elif kind == "list_where_text":
        bad[col] = [{"role": "assistant", "content": bad[col]}]
    elif kind == "empty_value":
        bad[col] = ""
    elif kind == "whitespace_value":
        bad[col] = "   \n"
    elif kind == "number_value":
        bad[col] = 42
    elif kind == "null_value":
        bad["prompt" if task == "dpo" else "instruction"] = None
    elif kind == "identical_pair":
        bad["rejected"] = bad["chosen"]
    elif kind == "nested_extra":
        bad["answer"] = {"value": bad["answer"], "unit": None}
    return bad


def together_row(task: str, row: dict[str, t.Any]) -> dict[str, t.Any]:
    """The same row in the together client's own JSONL format."""
    if task == "chat":
        return {"messages": row["conversations"]}
    if task == "text":
        return {"prompt": row["instruction"], "completion": row["output"]}
    if task == "dpo":
        return {"input": {"messages": [{"role": "user", "content": row["prompt"]}]},
                "preferred_output": [{"role": "assistant", "content": row["chosen"]}],
                "non_preferred_output": [{"role": "assistant", "content": row["rejected"]}]}
    raise ValueError("the together client has no GRPO format")


# -- writers -----------------------------------------------------------------
@dataclasses.dataclass
class Summary:
    path: str
    rows: int
    bytes: int
    bad: int
    kinds: dict[str, int]


class _Sink:
    """A text sink for csv.writer: one write() call per row."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)


def _parquet_schema(task: str) -> t.Any:
    import pyarrow as pa

    if task == "chat":
        msg = pa.struct([("role", pa.string()), ("content", pa.string())])
        return pa.schema([("conversations", pa.list_(msg))])
    cols = {"text": ("instruction", "output"), "dpo": ("prompt", "chosen", "rejected"),
            "grpo": ("prompt", "answer")}[task]
    return pa.schema([(c, pa.string()) for c in cols])


def generate(path: str, task: str, rows: int, fmt: str = "jsonl", *, seed: int = 0, bad_every: int = 0,
             dialect: str = "ftprep", json_style: str = "compact", crlf: bool = False,
             manifest: str | None = None, flush_bytes: int = 4 << 20, batch_rows: int = 20_000) -> Summary:
    """Write `rows` rows of `task` to `path` (atomically) and return what was written."""
    if task not in TASKS or fmt not in FORMATS:
        raise ValueError(f"task must be one of {TASKS} and format one of {FORMATS}")
    if bad_every and bad_every < 2:
        raise ValueError("--bad-every must be at least 2")
    if dialect == "together" and (fmt != "jsonl" or bad_every or task == "grpo"):
        raise ValueError("the together dialect is clean JSONL of chat, text or dpo")
    kinds = kinds_for(task, fmt)
    maker = Maker(task, seed)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    counts: dict[str, int] = {}
    bad_at: list[tuple[int, int | None, str]] = []
    if json_style == "python":
        encode = lambda o: json.dumps(o).encode()  # noqa: E731 - ", " and ": ", \\u escapes
    else:
        encode = msgspec.json.Encoder().encode
    eol = "\r\n" if crlf else "\n"
    try:
        with os.fdopen(fd, "wb") as raw:
            if fmt == "parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                schema = _parquet_schema(task)
                writer = pq.ParquetWriter(raw, schema)
                batch: list[dict[str, t.Any]] = []
            elif fmt == "csv":
                sink = _Sink()
                header = list(maker_columns(task))
                writer = csv.writer(sink, lineterminator=eol)
                writer.writerow(header)
                line_no = 2
            out: list[bytes] = []
            size = 0
            prev: dict[str, t.Any] = {}
            for i in range(rows):
                row = maker.row(i)
                item: t.Any = row
                kind = None
                if bad_every and (i + 1) % bad_every == 0:
                    kind = kinds[len(bad_at) % len(kinds)]
                    item = defect(kind, task, row, prev)
                    counts[kind] = counts.get(kind, 0) + 1
                prev = row
                if fmt == "jsonl":
                    if dialect == "together":
                        item = together_row(task, item)
                    line = item if isinstance(item, bytes) else encode(item)
                    out.append(line + eol.encode())
                    size += len(line) + 1
                    if size >= flush_bytes:
                        raw.write(b"".join(out))
                        out, size = [], 0
                    if kind:
                        bad_at.append((i, i + 1, kind))
                elif fmt == "csv":
                    cells = [_cell(item.get(c)) for c in header]
                    writer.writerow(cells)
                    text = sink.parts[-1]
                    if kind:
                        bad_at.append((i, line_no, kind))
                    line_no += text.count("\n")
                    if len(sink.parts) >= 2000:
                        raw.write("".join(sink.parts).encode())
                        sink.parts.clear()
                else:
                    batch.append(item)
                    if kind:
                        bad_at.append((i, None, kind))
                    if len(batch) >= batch_rows:
                        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                        batch = []
            if fmt == "jsonl":
                raw.write(b"".join(out))
            elif fmt == "csv":
                raw.write("".join(sink.parts).encode())
            else:
                if batch:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        if manifest:
            _write_manifest(manifest, bad_at)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return Summary(path, rows, os.path.getsize(path), len(bad_at), counts)


def long_conversation(path: str, messages: int, seed: int = 0, masked: bool = False) -> Summary:
    """One chat row of `messages` alternating user/assistant messages (a sentence or two each), as JSONL.
    `masked`: every assistant message but the last has "weight": 0 (trained on the last answer only)."""
    if messages < 2 or messages % 2:
        raise ValueError("--messages must be an even number, at least 2")
    maker = Maker("chat", seed)
    msgs: list[dict[str, t.Any]] = [{"role": "user" if k % 2 == 0 else "assistant",
                                     "content": maker._ask(k) if k % 2 == 0 else maker._prose(1)}
                                    for k in range(messages)]
    if masked:
        for m in msgs[1:-1:2]:
            m["weight"] = 0
    line = msgspec.json.encode({"conversations": msgs}) + b"\n"
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "wb") as f:
        f.write(line)
    os.replace(tmp, path)
    return Summary(path, 1, len(line), 0, {})


def maker_columns(task: str) -> tuple[str, ...]:
    return {"chat": ("conversations",), "text": ("instruction", "output"), "dpo": ("prompt", "chosen", "rejected"),
            "grpo": ("prompt", "answer")}[task]


def _cell(value: t.Any) -> str:
    """A CSV cell: text as is, lists and objects as JSON (as exported tables hold them)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return msgspec.json.encode(value).decode()


def _write_manifest(path: str, bad_at: list[tuple[int, int | None, str]]) -> None:
    """row (0-based), line (1-based, empty for Parquet) and kind of each bad row, as TSV."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("row\tline\tkind\n")
        for row, line, kind in bad_at:
            f.write(f"{row}\t{'' if line is None else line}\t{kind}\n")
    os.replace(tmp, path)


def main(argv: t.Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", choices=TASKS, required=True)
    p.add_argument("--rows", type=int, required=True, help="number of rows (records)")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="jsonl")
    p.add_argument("-o", "--output", required=True, help="file to write (atomically)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bad-every", type=int, default=0, metavar="N",
                   help="replace rows N, 2N, 3N ... with defects, cycling through the kinds the format can hold")
    p.add_argument("--manifest", metavar="TSV", help="write row, line and kind of every bad row here")
    p.add_argument("--dialect", choices=("ftprep", "together"), default="ftprep",
                   help="together: the same clean rows in the together client's JSONL format")
    p.add_argument("--json-style", choices=("compact", "python"), default="compact",
                   help="compact UTF-8 (msgspec, pandas) or python json.dumps (spaces, \\u escapes)")
    p.add_argument("--crlf", action="store_true", help="end lines with CRLF")
    p.add_argument("--messages", type=int, default=0, metavar="N",
                   help="chat JSONL only: ONE row of N alternating messages (--rows must be 1)")
    p.add_argument("--masked", action="store_true",
                   help="with --messages: every assistant message but the last has weight 0")
    a = p.parse_args(argv)
    try:
        if a.messages:
            if a.task != "chat" or a.fmt != "jsonl" or a.rows != 1:
                raise ValueError("--messages writes one chat JSONL row: --task chat --format jsonl --rows 1")
            s = long_conversation(a.output, a.messages, a.seed, a.masked)
        else:
            s = generate(a.output, a.task, a.rows, a.fmt, seed=a.seed, bad_every=a.bad_every, dialect=a.dialect,
                         json_style=a.json_style, crlf=a.crlf, manifest=a.manifest)
    except (ValueError, OSError) as e:
        print(f"generate: {e}", file=sys.stderr)
        return 2
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(s.kinds.items()))
    print(f"wrote {s.path}: {s.rows:,} rows, {s.bytes / 2**20:.1f} MiB, {s.bad:,} bad rows"
          + (f" ({kinds})" if kinds else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
