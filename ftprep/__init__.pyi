# The public names of ftprep for type checkers (ftprep/__init__.py loads them lazily).
from ftprep.api import Client as Client
from ftprep.core.codes import CODES as CODES
from ftprep.core.diagnostics import Diagnostic as Diagnostic
from ftprep.core.diagnostics import FileReport as FileReport
from ftprep.core.diagnostics import Report as Report
from ftprep.core.errors import FtprepError as FtprepError
from ftprep.core.errors import SourceError as SourceError
from ftprep.core.results import Conversion as Conversion
from ftprep.engine.lengths import stats as stats
from ftprep.engine.renderer import render as render
from ftprep.tasks import TASKS as TASKS
from ftprep.verbs.check import check as check
from ftprep.verbs.convert import convert as convert
from ftprep.verbs.convert import load as load
from ftprep.verbs.push import push as push
from ftprep.verbs.submit import submit as submit

__version__: str
__all__ = [
    "CODES",
    "Client",
    "Conversion",
    "Diagnostic",
    "FileReport",
    "FtprepError",
    "Report",
    "SourceError",
    "TASKS",
    "check",
    "convert",
    "load",
    "push",
    "render",
    "stats",
    "submit",
]
