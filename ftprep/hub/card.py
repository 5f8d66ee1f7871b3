"""The dataset card pushed next to the data, as `README.md`.

Its YAML `configs` point the `train` split at the data, so that
`load_dataset("OWNER/NAME")` (the trainer) and the Hub viewer read exactly
what was checked. It is deterministic (no dates, no local paths): the Hub
client skips files whose content the Hub already holds, so pushing the same
data twice makes no second commit.
"""

from __future__ import annotations

import json
import typing as t

from ftprep import tasks as task_registry

if t.TYPE_CHECKING:
    from ftprep.core.results import Conversion


def card(repo: str, conv: Conversion, data_path: str) -> str:
    """The dataset card: YAML `configs` for the trainer and the viewer, then the job fields and check stats."""
    q = json.dumps  # a JSON string is a valid YAML scalar, whatever it holds
    report = conv.report
    file = report.files[0] if report.files else None
    warnings: dict[str, int] = {}
    for d in report.diagnostics:
        warnings[d.code] = warnings.get(d.code, 0) + 1
    if file is not None:
        for code, n in file.dropped.items():
            warnings[code] = warnings.get(code, 0) + n
    lines = [
        "---",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {q(data_path)}",
        "task_categories:",
        f"- {task_registry.get(conv.task).category}",
        "tags:",
        "- ftprep",
        f"- {q('ftprep-' + conv.task)}",
        "---",
        "",
        f"# {repo}",
        "",
        f"Checked and converted by [ftprep](https://pypi.org/project/ftprep/) for a `{conv.task}` fine-tuning job.",
        "",
        "## Job fields",
        "",
        "| API field | Value |",
        "|---|---|",
        f"| `taskType` | `{conv.task}` |",
        f"| `dsRepo` | `{repo}` |",
    ]
    lines += [f"| `{k}` | `{v}` |" for k, v in conv.job_fields.items()]
    lines += ["", "## Check", "", "| | |", "|---|---|",
              f"| rows | {conv.rows_written:,} |", f"| source shape | {conv.shape or '-'} |",
              f"| errors | {report.errors:,} |", f"| warnings | {report.warnings:,} |"]
    lines += [f"| {code} | {n:,} |" for code, n in sorted(warnings.items())]
    stats = file.stats if file is not None else {}
    lines += [f"| {k} | {_cell(v)} |" for k, v in sorted(stats.items())]
    lines += ["", "Load it as the trainer does:", "", "```python", "from datasets import load_dataset", "",
              f"ds = load_dataset({q(repo)})", "```", ""]
    return "\n".join(lines)


def _cell(value: t.Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("|", "\\|").replace("\n", " ")


__all__ = ["card"]
