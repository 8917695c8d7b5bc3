"""Capex reported from the case's own curve next to the MILP's piecewise-linear value."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from recyclopt.economics import points_for_error, power_law_chord_error, scaling_law_curve
from recyclopt.io import parse_yaml
from recyclopt.optimize import case_from_dict, optimize
from recyclopt.optimize.case import CaseError


def _taiwan(**extra) -> dict:
    text = resources.files("recyclopt.cases").joinpath("taiwan.yaml").read_text("utf-8")
    d = parse_yaml(text, "taiwan.yaml", CaseError)
    d.update(extra)
    return d


def test_plan_reports_the_power_law_capex_and_says_when_the_chords_differ():
    plan = optimize(case_from_dict(_taiwan(), source="taiwan.yaml"), price_factor=3.0)
    cap = plan.capacities.loc["acid_free_mixed_reo"]
    assert cap["built"]
    # taiwan.yaml: acid_free_mixed_reo capex 5,320,000 USD x (capacity / 345,000) ^ 0.6
    law = 5.32e6 * (cap["capacity"] / 3.45e5) ** 0.6
    assert cap["capex_curve_usd"] == pytest.approx(law, rel=1e-12)
    # the chords of a concave law lie below it: the MILP's figure is lower by > 0.1 %
    assert cap["capex_usd"] < law * (1 - 1e-3)
    assert "the case's curves at the built capacities" in plan.summary()
    # the cash flow pays the MILP's (piecewise) capex, as the optimum was priced
    assert plan.cash_flow["capex_usd"].sum() == pytest.approx(
        plan.capacities.loc[plan.capacities["built"], "capex_usd"].sum(), rel=1e-12)


def test_capex_max_error_refines_the_breakpoints_below_the_tolerance():
    plan = optimize(case_from_dict(_taiwan(capex_max_error=5e-4), source="taiwan.yaml"),
                    price_factor=3.0)
    cap = plan.capacities[plan.capacities["built"]]
    assert len(cap) >= 3
    rel = (cap["capex_curve_usd"] - cap["capex_usd"]).abs() / cap["capex_curve_usd"].clip(1.0)
    assert (rel <= 5e-4).all()
    assert "the case's curves at the built capacities" not in plan.summary()


def test_points_for_error_is_the_fewest_that_meet_the_tolerance():
    n = points_for_error(2e4, 2e6, 0.6, 1e-3)
    curve = scaling_law_curve(1.0, 1.0, 0.6, 2e4, 2e6, n)
    # checked on a dense grid against the law itself (independent of the chord formula)
    x = np.geomspace(2e4, 2e6, 20001)
    err = np.max(np.abs(np.interp(x, curve.points, curve.costs) - x**0.6) / x**0.6)
    assert err <= 1e-3
    coarse = scaling_law_curve(1.0, 1.0, 0.6, 2e4, 2e6, n - 1)
    err_c = np.max(np.abs(np.interp(x, coarse.points, coarse.costs) - x**0.6) / x**0.6)
    assert err_c > 1e-3
    assert power_law_chord_error(2e4, 2e4 * 100 ** (1 / (n - 1)), 0.6) <= 1e-3


def test_capex_max_error_out_of_range_is_refused():
    with pytest.raises(CaseError, match="capex_max_error"):
        case_from_dict(_taiwan(capex_max_error=0.0), source="taiwan.yaml")
