"""Pointing this process's `huggingface_hub` and `datasets` at a fake Hub, and back.

Both libraries read their endpoint, token and cache folders into module
constants at import time, so setting the environment is not enough once they
are imported: the constants are patched too, and the old values kept for
`restore`.
"""

from __future__ import annotations

import os
import sys
import typing as t
from pathlib import Path


def point_at(url: str, token: str, home: str | None = None) -> dict[t.Any, t.Any]:
    """Set HF_ENDPOINT, HF_TOKEN, HF_HUB_DISABLE_XET=1, HF_HUB_DISABLE_TELEMETRY=1 (and HF_HOME, with
    every cache under it, when `home` is given) in os.environ and in the already-imported constants.
    Returns what it replaced."""
    env = {"HF_ENDPOINT": url, "HF_TOKEN": token, "HF_HUB_DISABLE_XET": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
    consts: dict[tuple[str, str], t.Any] = {
        ("huggingface_hub.constants", "ENDPOINT"): url,
        ("huggingface_hub.constants", "HUGGINGFACE_CO_URL_TEMPLATE"): url + "/{repo_id}/resolve/{revision}/{filename}",
        ("huggingface_hub.constants", "HF_HUB_DISABLE_XET"): True,
        ("huggingface_hub.constants", "HF_HUB_DISABLE_TELEMETRY"): True,
        ("datasets.config", "HF_ENDPOINT"): url,
        ("datasets.config", "HUB_DATASETS_URL"): url + "/datasets/{repo_id}/resolve/{revision}/{path}",
        # The dataset-viewer probe would go to datasets-server.<endpoint host>.
        ("datasets.config", "USE_PARQUET_EXPORT"): False,
    }
    if home:
        env["HF_HOME"] = home
        consts.update({
            ("huggingface_hub.constants", "HF_HOME"): home,
            ("huggingface_hub.constants", "HF_HUB_CACHE"): os.path.join(home, "hub"),
            ("huggingface_hub.constants", "HF_ASSETS_CACHE"): os.path.join(home, "assets"),
            ("huggingface_hub.constants", "HF_XET_CACHE"): os.path.join(home, "xet"),
            ("huggingface_hub.constants", "HF_TOKEN_PATH"): os.path.join(home, "token"),
            ("huggingface_hub.constants", "HF_STORED_TOKENS_PATH"): os.path.join(home, "stored_tokens"),
            ("datasets.config", "HF_CACHE_HOME"): home,
            ("datasets.config", "HF_DATASETS_CACHE"): Path(home, "datasets"),
            ("datasets.config", "HF_MODULES_CACHE"): Path(home, "modules"),
            ("datasets.config", "DOWNLOADED_DATASETS_PATH"): Path(home, "datasets", "downloads"),
            ("datasets.config", "EXTRACTED_DATASETS_PATH"): Path(home, "datasets", "downloads", "extracted"),
        })
    old: dict[t.Any, t.Any] = {("env", k): os.environ.get(k) for k in env}
    os.environ.update(env)
    for (module, name), value in consts.items():
        mod = sys.modules.get(module)
        if mod is not None and hasattr(mod, name):
            old[(module, name)] = getattr(mod, name)
            setattr(mod, name, value)
    return old


def restore(old: dict[t.Any, t.Any]) -> None:
    """Undo `point_at`."""
    for (module, name), value in old.items():
        if module == "env":
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        elif module in sys.modules:
            setattr(sys.modules[module], name, value)
