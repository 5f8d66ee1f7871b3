"""Shared pytest configuration. Each engineer adds fixtures in a marked block."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# CI replays a fixed sequence of examples, so a run cannot fail by luck on a
# case nobody saw; local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


# --- fake Hugging Face Hub and URL server (ftprep.testing, tests/remote_cases.py) ---
@pytest.fixture(scope="session")
def fake_hub_session():
    """The process's fake Hub. Starting it points HF_ENDPOINT, HF_TOKEN, HF_HOME (a
    temp dir), HF_HUB_DISABLE_XET=1 and HF_HUB_DISABLE_TELEMETRY=1 at it, in the
    environment and in the already-imported huggingface_hub/datasets constants."""
    from remote_cases import shared_hub

    return shared_hub()


@pytest.fixture
def hub(fake_hub_session):
    """The shared fake Hub with an empty request log (use a unique repo per test)."""
    fake_hub_session.log.clear()
    fake_hub_session.errors.clear()
    yield fake_hub_session
    assert not fake_hub_session.errors, fake_hub_session.errors[0]
    assert not fake_hub_session.unknown, fake_hub_session.unknown


@pytest.fixture
def file_server():
    """A local FileServer for dataset URLs: file_server.add('/x.jsonl', body) returns the URL."""
    from ftprep.testing import FileServer

    with FileServer() as server:
        yield server
# --- end fake Hub and URL server -----------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def pending_creates(tmp_path_factory: pytest.TempPathFactory):
    """Records of creates whose outcome is unknown go to a temp folder, never the user's cache;
    subprocesses inherit it through the environment."""
    folder = tmp_path_factory.mktemp("pending")
    old = os.environ.get("FTPREP_PENDING_DIR")
    os.environ["FTPREP_PENDING_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("FTPREP_PENDING_DIR", None)
    else:
        os.environ["FTPREP_PENDING_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def model_copies(tmp_path_factory: pytest.TempPathFactory):
    """The language model's unpacked copy goes to a temp folder, never the user's cache."""
    folder = tmp_path_factory.mktemp("models")
    old = os.environ.get("FTPREP_MODEL_DIR")
    os.environ["FTPREP_MODEL_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("FTPREP_MODEL_DIR", None)
    else:
        os.environ["FTPREP_MODEL_DIR"] = old
