"""Shared fixtures of the scenario tests: the tiny case and a scenario file on disk."""

from __future__ import annotations

import pytest
import yaml

from recyclopt.optimize import case_from_dict

from .cases import tiny_case


@pytest.fixture(scope="session")
def case():
    return case_from_dict(tiny_case(), source="tiny")


@pytest.fixture()
def case_file(tmp_path):
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(tiny_case()), encoding="utf-8")
    return p
