"""What to install when a module is missing.

Every library ftprep is built on is a dependency, so a missing one means a
broken or partial install (a `pip install --no-deps`, a module removed by hand,
a virtualenv from before the dependency was added). The message names the
module and the pip line that brings it back, with the bounds ftprep declares.
"""

from __future__ import annotations

import re

# Import name -> distribution name, where they differ.
DISTRIBUTIONS = {"PIL": "pillow", "huggingface_hub": "huggingface-hub", "yaml": "pyyaml", "jinja2": "jinja2"}


def distribution(module: str) -> str:
    top = module.split(".")[0]
    return DISTRIBUTIONS.get(top, top.replace("_", "-"))


def requirement(dist: str) -> str | None:
    """ftprep's own requirement line for `dist` (e.g. "pillow<14,>=10"), if it declares one."""
    from importlib import metadata

    try:
        requires = metadata.requires("ftprep") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return None
    wanted = _normal(dist)
    for line in requires:
        spec = line.split(";")[0].strip()
        name = re.split(r"[<>=!~\[ (]", spec, maxsplit=1)[0]
        if _normal(name) == wanted and "extra ==" not in line:
            return spec
    return None


def install_hint(error: ImportError) -> str:
    """One line: which module is missing, and the pip command that installs it."""
    module = (error.name or "").split(".")[0]
    if not module or not isinstance(error, ModuleNotFoundError):
        # The module is there but lacks a name (an old or broken version of it).
        what = f"{module}: {error}" if module else str(error)
        dist = distribution(module) if module else "ftprep"
        spec = requirement(dist) or dist
        return f"{what}: the installed {dist} does not fit ftprep; install the version it needs: pip install '{spec}'"
    dist = distribution(module)
    declared = requirement(dist)
    if declared is None:
        return f"the Python module {module} is not installed: pip install {dist}"
    return (f"the Python module {module} is not installed, although ftprep depends on it (a partial install?): "
            f"pip install '{declared}' (or reinstall ftprep with its dependencies)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
