"""The task registry: every task is a module that declares its properties, the
code asks those declarations instead of testing names, and the image task's
declarations are what the CLI, the hooks and the dispatch follow."""

from __future__ import annotations

import re
import types
from pathlib import Path

import click
import pytest

from ftprep import tasks
from ftprep.tasks.task import DEFAULTS, REQUIRED, declared

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ftprep"

# A task name tested as a string: the comparisons the registry replaces.
NAME_TESTS = re.compile(
    r"""[=!]=\s*["'](?:image|custom_\w*)["']"""            # == "image", != "custom_chat"
    r"""|["'](?:image|custom_\w*)["']\s*[=!]="""           # "image" == task
    r"""|\.(?:startswith|removeprefix)\(\s*["']custom_"""  # .startswith("custom_"), .removeprefix("custom_")
    r"""|["']custom_["']\s*\+"""                           # "custom_" + name
    r"""|\bin\s+[(\[{][^)\]}\n]*["'](?:image|custom_\w+)["']"""  # in ("chat", "custom_chat")
    r"""|TASK_NAMES\b[^\n]*\+""")                          # TASK_NAMES = ... + ("image",)


def test_every_task_name_is_a_registered_module_with_its_declarations() -> None:
    assert tasks.TASK_NAMES == tuple(tasks.TASKS) == tasks.MODULES
    for name, task in tasks.TASKS.items():
        module = task.module
        assert isinstance(module, types.ModuleType) and module.__name__ == f"ftprep.tasks.{name}"
        assert module.NAME == task.name == name
        for attribute in REQUIRED:
            assert hasattr(module, attribute), (name, attribute)
        assert task.kind in tasks.KINDS
        assert task.summary and task.takes
        assert task.base in tasks.TASKS and tasks.TASKS[task.base].base == task.base
        assert all(isinstance(m, str) for m in task.image_models)
        if task.kind == tasks.ROWS:  # the row engine's two paths
            assert all(callable(getattr(module, f, None)) for f in ("row_type", "explain"))
            assert task.schema and (PACKAGE / "schemas" / task.schema).is_file()
            assert set(task.writes) <= {"jsonl", "parquet"} and "jsonl" in task.writes
        else:
            assert not hasattr(module, "row_type") and task.schema is None


def test_the_image_task_is_registered_like_the_others() -> None:
    image = tasks.get("image")
    assert image.kind == tasks.IMAGES
    assert tasks.names(tasks.IMAGES) == ("image",)
    assert image.category == "text-to-image" and image.writes == ("imagefolder",)
    assert image.image_models == ("flux", "sdxl") == tasks.image_models()
    assert not image.url_rules
    # The row tasks keep the declarations the code asked of their names before.
    assert [n for n in tasks.TASK_NAMES if tasks.from_url(n)] == ["custom_text", "custom_chat"]
    assert {n: tasks.base_of(n) for n in ("custom_text", "custom_chat", "grpo")} == {
        "custom_text": "text", "custom_chat": "chat", "grpo": "grpo"}
    assert all(tasks.get(n).category == "text-generation" for n in tasks.names(tasks.ROWS))


def test_lookups_answer_for_unknown_names() -> None:
    assert tasks.find("custom_video") is None and tasks.kind_of(None) is None and tasks.kind_of(["image"]) is None
    assert not tasks.from_url("custom_video") and tasks.base_of("custom_video") == "custom_video"
    with pytest.raises(KeyError, match="choose from text, chat, dpo, grpo, custom_text, custom_chat, image"):
        tasks.get("video")


def test_a_module_that_leaves_out_a_declaration_is_refused() -> None:
    module = types.ModuleType("ftprep.tasks.sketch")
    module.NAME, module.SUMMARY, module.KIND = "sketch", "a sketch", tasks.ROWS
    with pytest.raises(TypeError, match="does not declare TAKES, FIELDS, CANONICAL"):
        declared(module)
    module.TAKES, module.FIELDS, module.CANONICAL = "a file", {}, ()
    module.KIND = "video"
    with pytest.raises(TypeError, match="KIND is 'video'"):
        declared(module)
    module.KIND = tasks.IMAGES
    task = declared(module)
    assert (task.base, task.url_rules, task.writes, task.category) == (
        "sketch", DEFAULTS["URL_RULES"], DEFAULTS["WRITES"], DEFAULTS["CATEGORY"])


@pytest.mark.parametrize("line,hit", [
    ('if task == "image":', True), ("if opts.task != 'image':", True), ('if name.startswith("custom_"):', True),
    ('base = name.removeprefix("custom_")', True), ('name = "custom_" + base', True),
    ('if name in ("chat", "custom_chat"):', True), ('TASK_NAMES = tuple(TASKS) + ("image",)', True),
    ('if "image" == task:', True),
    ('if kind_of(task) == IMAGES:', False), ('NAME = "image"', False), ('if base == "chat":', False),
    ('MEDIA_PARTS = ("image", "image_url")', False),
])
def test_the_name_test_pattern(line: str, hit: bool) -> None:
    assert bool(NAME_TESTS.search(line)) is hit


def test_no_product_module_tests_a_task_name() -> None:
    # The test doubles stand in for the remote API, which knows task types by name; they may
    # not import the product's registry (an import-linter contract), so they are not scanned.
    product = [p for p in sorted(PACKAGE.rglob("*.py")) if "testing" not in p.relative_to(PACKAGE).parts]
    found = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in product
             for i, line in enumerate(p.read_text().splitlines(), 1) if NAME_TESTS.search(line)]
    assert found == []


def test_the_cli_choices_come_from_the_declarations() -> None:
    from ftprep.cli import check as check_command
    from ftprep.cli.config import _choices

    params = {p.name: p for p in check_command.check.params}
    task_choice, model_choice = params["task"].type, params["image_model"].type
    assert isinstance(task_choice, click.Choice) and isinstance(model_choice, click.Choice)
    assert tuple(task_choice.choices) == tasks.TASK_NAMES
    assert tuple(model_choice.choices) == tasks.image_models()
    assert _choices()["task"] == tasks.TASK_NAMES and _choices()["image-model"] == tasks.image_models()


def test_the_hooks_follow_the_kind() -> None:
    from ftprep.hooks import FILE_TASKS, URL_FILES, hooks

    by_id = {h["id"]: h for h in hooks()}
    assert list(FILE_TASKS) == list(tasks.names(tasks.ROWS))
    for name, task in tasks.TASKS.items():
        hook = by_id.get(f"ftprep-check-{name.replace('_', '-')}")
        # An image set is a folder, which pre-commit never passes to a hook.
        assert (hook is None) is (task.kind == tasks.IMAGES), name
        if hook is not None:
            assert hook["entry"] == f"ftprep check --task {name}"
            assert (hook["files"] == URL_FILES) is task.url_rules


def test_the_dispatch_follows_the_kind(tmp_path: Path) -> None:
    from ftprep.reading.formats import is_image_set

    folder = tmp_path / "set"
    folder.mkdir()
    data = tmp_path / "rows.jsonl"
    data.write_text('{"instruction": "a", "output": "b"}\n')
    assert is_image_set(str(data), "image") and is_image_set(str(folder), "image")
    assert not any(is_image_set(str(folder), n) for n in tasks.names(tasks.ROWS))


def test_an_image_task_handed_rows_is_a_usage_error_not_a_crash(tmp_path: Path) -> None:
    """Standard input and URLs reach the row checker whatever the task: it refuses an image task by its kind."""
    from ftprep.engine.checker import check_file
    from ftprep.core.options import Options

    data = tmp_path / "rows.jsonl"
    data.write_text('{"instruction": "a", "output": "b"}\n')
    with pytest.raises(ValueError, match=r"^-: the image task takes a folder or a \.zip of images and captions$"):
        check_file(str(data), Options(task="image"), display="-")


def test_the_image_checks_name_the_declared_input(tmp_path: Path) -> None:
    from ftprep.image.sources import open_source

    data = tmp_path / "rows.jsonl"
    data.write_text("{}\n")
    with pytest.raises(ValueError, match=re.escape(f"{data}: the image task takes {tasks.get('image').takes}")):
        open_source(str(data))
