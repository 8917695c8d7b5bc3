"""Approved-model test (as oemof-solph does): the small cases' models written as LP text and
compared with the approved files in ``tests/optimize/approved/``.

A change to the formulation (a row, a coefficient, a bound, a name) shows as a unified diff.
When the change is intended, re-approve with::

    RECYCLOPT_APPROVE=1 python -m pytest -q tests/optimize/test_approved_model.py

which rewrites the approved files; review and commit them with the change.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from recyclopt.optimize.case import case_from_dict
from recyclopt.optimize.lp_text import lp_text
from recyclopt.optimize.model import build_model

from .cases import small_case

APPROVED = Path(__file__).parent / "approved"


def _policies() -> dict:
    # every optional family on the small case: markets, policy limits, single path, QGESS
    d = small_case()
    d["mode"] = "single_path"
    d["costing"] = {"convention": "qgess", "capex_schedule": [1.0]}
    d["products"]["reo"]["max_kg_per_yr"] = 3000.0
    d["options"][0]["capex"] = {"points": [[20000, 30000], [150000, 90000]]}  # yearly equipment
    d["policy"] = {"min_recovered_kg_per_yr": {"Dy": 10.0}, "max_co2_t_per_yr": 500.0,
                   "recycled_content": {"elements": ["Nd"], "demand_kg_per_yr": 1000.0,
                                        "share": 0.1},
                   "max_feedstock_share": 0.9}
    return d


def _obligations() -> dict:
    # feed obligations: a phased minimum share and "all" (the supply rows' lower bounds)
    d = small_case()
    d["feedstocks"][0]["supply"] = {"min_share": {2028: 0.5, 2030: 1.0}}
    d["feedstocks"][1]["supply"] = "all"
    return d


CASES = {
    "small_obligations": (_obligations, {}),
    "small_npv": (small_case, {}),
    "small_policies_annual_profit": (_policies, {"objective": "annual_profit",
                                                 "extra": [("co2_t", None, 0.0, 2000.0)]}),
    "small_naive_min_co2": (small_case, {"objective": "min_co2", "formulation": "naive"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_matches_the_approved_lp(name):
    make, kw = CASES[name]
    text = lp_text(build_model(case_from_dict(make()), pyomo=False, **kw))
    path = APPROVED / f"{name}.lp"
    if os.environ.get("RECYCLOPT_APPROVE") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no approved file {path}; run with RECYCLOPT_APPROVE=1"
    approved = path.read_text(encoding="utf-8")
    if text != approved:
        diff = "".join(difflib.unified_diff(approved.splitlines(True), text.splitlines(True),
                                            f"approved/{name}.lp", "built", n=1))
        pytest.fail(f"the built model differs from approved/{name}.lp (re-approve with "
                    f"RECYCLOPT_APPROVE=1 if intended):\n{diff[:20000]}", pytrace=False)


def test_lp_text_is_deterministic():
    # two builds of the same case write the same text
    case = case_from_dict(_policies())
    assert lp_text(build_model(case, pyomo=False)) == lp_text(build_model(case, pyomo=False))
