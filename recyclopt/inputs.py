"""The files a command reads: a case and everything it references, a scenario file and its
price histories.

Used to refuse outputs that would overwrite an input (:func:`recyclopt.io.outputs.check_output`)
and to fingerprint a sweep's store (every file its results depend on, see
:func:`file_digests`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any


def _bundled(package: str, name: str) -> Path | None:
    f = resources.files(package).joinpath(name)
    return Path(str(f)) if f.is_file() else None


def _raw_yaml(path: Path | None) -> Any:
    """The parsed YAML of an input that has already been validated (so it parses, within
    the input limits): safe loading, with libyaml's parser when PyYAML has it (~10x faster)."""
    import yaml

    if path is None:
        return None
    try:
        return yaml.load(path.read_text(encoding="utf-8"),  # noqa: S506
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def case_inputs(case: Any) -> dict[str, Path]:
    """``{description: path}`` of the files a loaded case was made from: the case file, the
    flowsheet file of every option with one, and every bundled availability table.

    Parameters
    ----------
    case : a :class:`recyclopt.optimize.Case` (its ``source`` is the file it was read from, or
        ``<name>.yaml`` for a bundled case).
    """
    from .io.route_files import flowsheet_file

    out: dict[str, Path] = {}
    src = Path(case.source)
    path = src if src.is_file() else _bundled("recyclopt.cases", src.name)
    if path is not None:
        out["case file"] = path
    for opt in case.options:
        if opt.flowsheet:
            f = flowsheet_file(opt.flowsheet)
            if f is not None:
                out[f"flowsheet {opt.flowsheet!r}"] = f
    for fd in case.feedstocks:
        table = fd.availability_table
        f = _bundled("recyclopt.data", f"{table}_availability.csv") if table else None
        if f is not None:
            out[f"availability table {table!r}"] = f
    return out


def scenario_inputs(source: str) -> dict[str, Path]:
    """``{description: path}`` of a scenario file (``source`` of a loaded
    :class:`~recyclopt.scenarios.definition.ScenarioFile`) and the CSV price histories its
    ``resample`` distributions read (relative to the scenario file's folder)."""
    src = Path(source)
    path = src if src.is_file() else _bundled("recyclopt.cases", src.name)
    out: dict[str, Path] = {}
    if path is None:
        return out
    out["scenario file"] = path
    base = path.parent

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("dist") == "resample" and isinstance(node.get("file"), str):
                f = Path(node["file"])
                f = f if f.is_absolute() else base / f
                if f.is_file():
                    out[f"price history {node['file']!r}"] = f
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(_raw_yaml(path))
    return out


def file_digests(files: Mapping[str, Path]) -> dict[str, str]:
    """SHA-256 (hex, first 24 digits) of each file's bytes, by description."""
    return {what: hashlib.sha256(Path(p).read_bytes()).hexdigest()[:24]
            for what, p in sorted(files.items())}
