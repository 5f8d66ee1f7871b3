"""ftprep's folders under the user's cache (XDG_CACHE_HOME or ~/.cache), each overridable by its own variable."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder(name: str, env: str) -> Path:
    """`$env` when set, else <cache>/ftprep/<name>."""
    own = os.environ.get(env)
    if own:
        return Path(own)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "ftprep" / name
