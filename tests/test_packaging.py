"""Packaging: every subpackage ships in the wheel, and the route files load by name."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "recyclopt").rglob("__init__.py")}
    missing = sorted(found - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert "recyclopt.flowsheets" in listed  # the top-level flowsheets/ folder, mapped


def test_route_files_are_package_data():
    routes = sorted(p.stem for p in (ROOT / "flowsheets").glob("*.yaml"))
    assert routes, "no route files in flowsheets/"
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert data["package-dir"]["recyclopt.flowsheets"] == "flowsheets"
    assert "*.yaml" in data["package-data"]["recyclopt.flowsheets"]
