"""A small check (the pre-commit case) must not import the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
HEAVY = ("polars", "datasets", "huggingface_hub", "PIL", "jinja2", "tokenizers", "pyarrow", "httpx", "jsonschema")

PROBE = """
import json, sys
from ftprep.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported(*args: str) -> tuple[int, set[str]]:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT)
    doc = json.loads(r.stderr.strip().splitlines()[-1])
    return doc["code"], {m.split(".")[0] for m in doc["modules"]}


def test_small_jsonl_check_imports_nothing_heavy() -> None:
    for sample in ("chat_good.jsonl", "chat_broken.jsonl", "dpo_good.jsonl", "grpo_broken.jsonl"):
        code, modules = imported("check", f"sample_data/{sample}", "--isolated")
        assert code in (0, 1)
        assert not modules & set(HEAVY), (sample, sorted(modules & set(HEAVY)))


def test_help_imports_nothing_heavy() -> None:
    code, modules = imported("--help")
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_import_ftprep_is_cheap() -> None:
    r = subprocess.run([sys.executable, "-c", "import ftprep, sys; print(sorted(sys.modules))"],
                       capture_output=True, text=True, cwd=ROOT)
    modules = {m.split(".")[0] for m in eval(r.stdout)}
    assert not modules & set(HEAVY) and "msgspec" not in modules
