"""The library's errors: one module, one base, the tree in the docstring true to
the classes, and the Hub client's failures mapped to the right one."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types

import pytest

import ftprep
from ftprep.api import errors as api_errors
from ftprep.core import errors
from ftprep.core.redact import register_secret

ERROR_MODULES = ("ftprep.core.errors", "ftprep.api.errors")


def product_errors() -> dict[str, type[BaseException]]:
    """Every exception class defined in the product (the test doubles aside), by qualified name."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(ftprep.__path__, "ftprep."):
        if info.name.startswith("ftprep.testing") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == info.name:
                found[f"{info.name}.{obj.__name__}"] = obj
    return found


def test_every_error_of_the_product_is_defined_in_an_error_module_under_one_base() -> None:
    found = product_errors()
    assert "ftprep.core.errors.SourceError" in found and "ftprep.api.errors.StatusError" in found
    assert {name for name, cls in found.items() if cls.__module__ not in ERROR_MODULES} == set()
    assert {name for name, cls in found.items() if not issubclass(cls, errors.FtprepError)} == set()


def drawn(doc: str) -> dict[str, str | None]:
    """name -> parent name, read from a docstring's indented tree (├── / └── / │ drawing)."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        m = re.match(r"^([ │├└─]{4,})([A-Z]\w+)\b", line)
        if not m:
            continue
        depth, name = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[name] = stack[-1][1] if stack else None
        stack.append((depth, name))
    return parents


@pytest.mark.parametrize("module", [errors, api_errors], ids=["library", "api"])
def test_the_docstring_tree_is_the_class_hierarchy(module: types.ModuleType) -> None:
    tree = drawn(module.__doc__ or "")
    classes = {n: c for n, c in vars(module).items()
               if inspect.isclass(c) and issubclass(c, BaseException) and c.__module__ == module.__name__}
    assert set(classes) <= set(tree), "every class is drawn"
    for name, cls in classes.items():
        parent = tree[name]
        if parent is None:
            continue
        base = getattr(module, parent, None) or getattr(errors, parent)
        assert base in cls.__bases__, f"{name} is drawn under {parent}"
    # The library's tree also names the API's root, which derives from the library's base.
    if module is errors:
        assert tree["ApiError"] == "FtprepError" and issubclass(api_errors.ApiError, errors.FtprepError)


def test_the_errors_callers_catch_as_value_errors_stay_value_errors() -> None:
    for cls in (errors.OutputError, errors.TokenizerError, errors.RequestInvalid):
        assert issubclass(cls, ValueError) and issubclass(cls, errors.FtprepError)
    for cls in (errors.SourceError, errors.HubError, errors.DataErrors, errors.ConfigFileError):
        assert not issubclass(cls, ValueError)


def test_the_public_import_paths_still_lead_to_the_one_class() -> None:
    from ftprep.core.bounds import DecompressionCapped
    from ftprep.engine.tokens import TokenizerError
    from ftprep.reading.formats import SourceError
    from ftprep.reading.tables import TableError
    from ftprep.templates import TemplateError
    from ftprep.verbs.submit import RequestInvalid

    assert ftprep.SourceError is SourceError is errors.SourceError
    assert ftprep.FtprepError is errors.FtprepError
    assert (TableError, DecompressionCapped, TemplateError, TokenizerError, RequestInvalid) == (
        errors.TableError, errors.DecompressionCapped, errors.TemplateError, errors.TokenizerError,
        errors.RequestInvalid)


def test_messages_that_may_quote_a_secret_are_redacted() -> None:
    secret = "hf_errorsTestSecret0123456789"
    register_secret(secret)
    hub = errors.HubAuthError(f"the Hub said: bad token {secret}", f"retry without {secret}")
    assert secret not in str(hub) and secret not in hub.hint and secret not in hub.message
    assert secret not in str(errors.TokenizerError(f"fetch failed: Authorization: Bearer {secret}"))
    invalid = errors.RequestInvalid([f"datasetUrl https://x.test/d.jsonl?sig={secret} is private"])
    assert secret not in str(invalid) and all(secret not in p for p in invalid.problems)


def http_error(status: int, message: str = "refused") -> BaseException:
    from huggingface_hub.errors import HfHubHTTPError

    # The client's error reads only these three of its response.
    response = types.SimpleNamespace(status_code=status, headers={}, request=None)
    return HfHubHTTPError(message, response=response)


@pytest.mark.parametrize("status,kind", [
    (401, errors.HubAuthError), (403, errors.NamespaceError), (404, errors.NamespaceError),
    (408, errors.HubNetworkError), (429, errors.HubNetworkError), (502, errors.HubNetworkError),
    (400, errors.HubError), (412, errors.HubError),
])
def test_each_hub_status_becomes_the_error_that_says_what_to_do(status: int, kind: type) -> None:
    from ftprep.hub.upload import hub_failure

    failure = hub_failure(http_error(status), "https://hub.test", "alice/chats")
    assert type(failure) is kind
    if kind is errors.HubError:  # no known next step: the Hub's own words
        assert f"HTTP {status}: refused" in failure.message
    else:
        assert failure.hint


def test_a_long_refusal_is_cut_to_one_short_line() -> None:
    from ftprep.hub.upload import MAX_SAID, hub_failure

    failure = hub_failure(http_error(400, "x" * 5000 + "\nsecond line"), "https://hub.test", "alice/chats")
    said = failure.message.split("HTTP 400: ", 1)[1]
    assert len(said) == MAX_SAID and said.endswith("…") and "second line" not in failure.message


def test_offline_mode_and_no_connection_are_network_errors_and_others_pass() -> None:
    from huggingface_hub.errors import OfflineModeIsEnabled

    from ftprep.hub.upload import hub_failure, hub_failures

    offline = hub_failure(OfflineModeIsEnabled("offline"), "https://hub.test", "alice/x")
    assert isinstance(offline, errors.HubNetworkError) and "HF_HUB_OFFLINE" in offline.hint
    refused = hub_failure(ConnectionRefusedError(111, "refused"), "https://hub.test", "alice/x")
    assert isinstance(refused, errors.HubNetworkError) and "hub.test" in refused.message
    assert hub_failure(KeyError("x"), "https://hub.test", "alice/x") is None
    api = types.SimpleNamespace(endpoint="https://user:pw@hub.test")
    with pytest.raises(KeyError), hub_failures(api, "alice/x"):
        raise KeyError("x")
    with pytest.raises(errors.HubNetworkError) as info, hub_failures(api, "alice/x"):
        raise TimeoutError("slow")
    assert "pw" not in info.value.message and info.value.__suppress_context__
