"""Where a route's flowsheet file lives: a path, or a bundled route by name.

Kept apart from :mod:`recyclopt.flowsheet` so that finding (and fingerprinting) a case's route
files does not import the flowsheet solver and its unit families.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any


def flowsheet_root() -> Any:
    """Folder of the bundled route files: the installed ``recyclopt.flowsheets`` data package,
    or the repository's top-level ``flowsheets/`` when running from a source checkout."""
    try:
        return resources.files("recyclopt.flowsheets")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "flowsheets"


def flowsheet_file(name_or_path: str | Path) -> Path | None:
    """The file :func:`recyclopt.flowsheet.load_flowsheet` reads for ``name_or_path`` (a path,
    or a bundled route's file), or None when there is none; used to fingerprint and protect a
    case's inputs."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p if p.is_file() else None
    f = flowsheet_root().joinpath(f"{name_or_path}.yaml")
    return Path(str(f)) if f.is_file() else None
