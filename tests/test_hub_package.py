"""ftprep.hub is handed staged data: it never checks, converts or reaches the
verbs, and the push verb leaves every Hub call to it. The card it writes is
deterministic, so pushing the same data twice makes no second commit."""

from __future__ import annotations

import grimp
import pytest
import yaml

from ftprep.core.diagnostics import Diagnostic, FileReport, Report
from ftprep.core.results import Conversion
from ftprep.hub.card import card
from ftprep.hub.upload import valid_repo


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ftprep", include_external_packages=True, cache_dir=None)


@pytest.mark.parametrize("above", ["ftprep.engine", "ftprep.image", "ftprep.verbs", "ftprep.api", "ftprep.cli"])
def test_the_hub_side_reaches_no_checking_converting_or_dispatching_module(graph: grimp.ImportGraph,
                                                                          above: str) -> None:
    assert not graph.chain_exists(importer="ftprep.hub", imported=above, as_packages=True)


def test_the_push_verb_leaves_every_hub_call_to_the_hub_package(graph: grimp.ImportGraph) -> None:
    assert "huggingface_hub" not in graph.find_modules_directly_imported_by("ftprep.verbs.push")
    assert "ftprep.hub.upload" in graph.find_modules_directly_imported_by("ftprep.verbs.push")
    assert "huggingface_hub" in graph.find_modules_directly_imported_by("ftprep.hub.upload")


def conversion(task: str = "text", stats: dict | None = None) -> Conversion:
    file = FileReport("raw.jsonl", task, rows=3, stats=stats or {},
                      diagnostics=[Diagnostic("D001", "duplicate of line 1", "raw.jsonl", line=2)])
    return Conversion(Report([file]), "out.jsonl", task, "alpaca", 3, 3, 0, True,
                      {"fieldInstruction": "instruction", "fieldOutput": "output"})


def test_the_card_points_the_trainer_at_the_data_and_is_the_same_every_time() -> None:
    text = card("alice/chats", conversion(stats={"note": "a|b\nc"}), "data/train.jsonl")
    assert text == card("alice/chats", conversion(stats={"note": "a|b\nc"}), "data/train.jsonl")
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["configs"] == [{"config_name": "default", "data_files": [{"split": "train",
                                                                          "path": "data/train.jsonl"}]}]
    assert meta["task_categories"] == ["text-generation"] and meta["tags"] == ["ftprep", "ftprep-text"]
    assert "| D001 | 1 |" in text and "| note | a\\|b c |" in text  # a cell cannot break the table


def test_an_image_card_names_its_category() -> None:
    meta = yaml.safe_load(card("alice/pics", conversion("image"), "train/**").split("---")[1])
    assert meta["task_categories"] == ["text-to-image"]


@pytest.mark.parametrize("repo", ["alice/../x", "alice/x/y", "-alice/x", "", "alice/" + "x" * 97])
def test_a_repo_id_the_hub_would_refuse_is_refused_before_any_call(repo: str) -> None:
    with pytest.raises(ValueError, match="expected OWNER/NAME"):
        valid_repo(repo)


def test_a_plain_name_or_owner_and_name_is_accepted() -> None:
    for repo in ("chats", "alice/chats", "org-1/my.data_set"):
        valid_repo(repo)
