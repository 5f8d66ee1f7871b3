"""Every error the ftprep library raises, in one tree.

    FtprepError                 every failure the library raises: catch it to catch them all
    ├── SourceError             an input cannot be read at all: missing, a directory, a FIFO, an unknown type
    ├── TableError              a table cannot be read on; `.code` (P006 unless given) and `.line`
    ├── DecompressionCapped     a .gz stream went past its bound; `.path`, `.line`
    ├── Unmappable              a record that cannot be mapped to the canonical shape; `.code`, `.field`, `.hint`
    ├── ImageRefused            an image that cannot be used (not an image, corrupt, a bomb); `.finding`
    ├── TemplateError           a chat template raises on a conversation; `.template`, `.message`, `.code`
    ├── TokenizerError          (a ValueError) the tokenizer cannot be loaded
    ├── OutputError             (a ValueError) an output ftprep must not write: an input, a file it did not write
    ├── ConfigFileError         ftprep.toml or [tool.ftprep] cannot be used: bad TOML, key, type or choice
    ├── BaselineError           (a ValueError) a baseline file cannot be used: not JSON, not one, another version
    ├── ClusterError            the Dask cluster of check's scheduler: not installed, not reached, a task lost
    ├── RequestInvalid          (a ValueError) the job request would be refused; `.problems`
    ├── DataErrors              the data has errors (or warnings, under strict): nothing uploaded; `.report`
    ├── HubError                pushing failed for a reason outside the data; `.message`, `.hint`
    │   ├── HubAuthError        no token, or the Hub rejected it
    │   ├── NamespaceError      the owner does not exist, or the token cannot create or write repos there
    │   └── HubNetworkError     the Hub could not be reached, or answered with a server error
    └── ApiError                the jobs API client's errors: their own tree in `ftprep.api.errors`

The four after SourceError never reach a caller: a reader stops part-way
(TableError, DecompressionCapped), a row cannot be mapped (Unmappable), an
image is refused (ImageRefused), and the checker or converter turns each into
a finding at its place (P006, P014, C001..., M001...), so a caller of
`ftprep.check` sees a Report, not the exception. The others reach the
caller; the CLI turns them into one line on stderr and exit 2.

Three keep ValueError as a base: callers (and the CLI) catch a bad argument,
a bad tokenizer and an output that must not be written as ValueError.

Messages that may quote a secret (a Hub or proxy echoing the token, a
datasetUrl with its signature) pass through `ftprep.core.redact.redact` before
they are stored. It imports only `ftprep.core.redact`, so that every layer can import it.
"""

from __future__ import annotations

import typing as t

from ftprep.core.redact import redact

if t.TYPE_CHECKING:
    from ftprep.core.diagnostics import Report


class FtprepError(Exception):
    """Base class of every error the library raises."""


class SourceError(FtprepError):
    """The input cannot be read at all (missing, a directory, unknown type): exit 2."""


class TableError(FtprepError):
    """A table that cannot be read on: P006, or the code and line given."""

    def __init__(self, message: str, code: str = "P006", line: int | None = None) -> None:
        super().__init__(message)
        self.code, self.line = code, line


class Unmappable(FtprepError):
    """A record that cannot be mapped to the canonical shape; `code`, `field` and `hint` make its finding."""

    def __init__(self, message: str, field: str | None = None, code: str = "S005", hint: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.hint = hint


class ImageRefused(FtprepError):
    """The image cannot be used; carries its finding (an `ftprep.tasks.base.Finding`)."""

    def __init__(self, finding: t.Any) -> None:
        super().__init__(finding.message)
        self.finding = finding


class DecompressionCapped(FtprepError):
    """A .gz stream went past its bound; `line` is the line being read then."""

    def __init__(self, path: str, reason: str, line: int) -> None:
        self.path, self.line = path, line
        super().__init__(f"decompression stopped at line {line:,}: past the bound of {reason}")


class TemplateError(FtprepError):
    """The template raises on this conversation (the trainer fails or skips the row).

    `message` is the template's own text where it has one (`raise_exception`),
    else a description of the Python error the real template would hit.
    `code` is the diagnostic code to report it with.
    """

    def __init__(self, template: str, message: str, code: str = "C012") -> None:
        super().__init__(f"{template} raises: {message}")
        self.template = template
        self.message = message
        self.code = code


class TokenizerError(FtprepError, ValueError):
    """The tokenizer cannot be loaded (bad path, bad file, Hub error). The message is
    redacted: a Hub (or a proxy) that echoes the Authorization header must not print it."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class OutputError(FtprepError, ValueError):
    """An output ftprep must not write (it is an input, or a file ftprep did not write): exit 2."""


class ConfigFileError(FtprepError):
    """The config file (ftprep.toml, or [tool.ftprep] in pyproject.toml) cannot be used."""


class ClusterError(FtprepError):
    """The Dask cluster a check was to run on cannot be used (dask not installed,
    the scheduler not reached, a worker lost): exit 2. The message says what to do."""


class BaselineError(FtprepError, ValueError):
    """A baseline file (`check --baseline`) that cannot be used."""


class RequestInvalid(FtprepError, ValueError):
    """The request would be refused, or must not be sent. `problems` are one-line messages."""

    def __init__(self, problems: list[str]) -> None:
        problems = [redact(p) for p in problems]  # they quote values, such as a datasetUrl with its signature
        super().__init__("; ".join(problems))
        self.problems = problems


class DataErrors(FtprepError):
    """The data has errors (or warnings, with `strict`): nothing was uploaded."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{report.errors:,} error(s) in the data; nothing was uploaded")
        self.report = report


class HubError(FtprepError):
    """Pushing failed for a reason outside the data. `hint` is the next step.
    Both are redacted: a Hub (or a proxy) may echo the token or the endpoint's password."""

    def __init__(self, message: str, hint: str = "") -> None:
        message, hint = redact(message), redact(hint)
        super().__init__(message)
        self.message = message
        self.hint = hint


class HubAuthError(HubError):
    """No token, or the Hub rejected it."""


class NamespaceError(HubError):
    """The owner does not exist, or the token cannot create or write repos there."""


class HubNetworkError(HubError):
    """The Hub could not be reached, or answered with a server error."""


def transport_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "no connection" in whichever HTTP stack
    huggingface_hub runs on: httpx (1.x), httpx2 (2.x) or requests (0.x).
    Looked up when asked, so that importing this module loads none of them."""
    import importlib

    kinds: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module, names in (("httpx", ("TransportError",)), ("httpx2", ("TransportError",)),
                          ("requests", ("ConnectionError", "Timeout"))):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        kinds += [k for k in (getattr(mod, n, None) for n in names) if isinstance(k, type)]
    return tuple(kinds)


def transported(e: BaseException) -> bool:
    """Whether a connection failure is behind `e`, anywhere in its chain: datasets and
    huggingface_hub wrap the transport's error in their own."""
    kinds = transport_errors()
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, kinds):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


__all__ = [
    "ConfigFileError", "DataErrors", "DecompressionCapped", "FtprepError", "HubAuthError", "HubError",
    "HubNetworkError", "ImageRefused", "NamespaceError", "OutputError", "RequestInvalid", "SourceError",
    "TableError", "TemplateError", "TokenizerError", "Unmappable", "transport_errors",
    "transported",
]
