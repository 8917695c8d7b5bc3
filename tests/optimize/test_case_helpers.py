"""``Option.has_fixed_cost`` and ``Case.wage_usd_per_operator_yr``: the two formulas written
once on the case objects."""

from __future__ import annotations

import dataclasses

import pytest

from recyclopt.optimize import case_from_dict

from .cases import small_case


def test_wage_is_hourly_rate_times_hours():
    case = dataclasses.replace(case_from_dict(small_case()), labour_usd_per_hour=25.0,
                               hours_per_operator_yr=2080.0)
    assert case.wage_usd_per_operator_yr == pytest.approx(52_000.0)  # 25 USD/h x 2080 h/yr


def test_has_fixed_cost_follows_each_of_its_three_causes():
    o = next(o for o in case_from_dict(small_case()).options if o.capex is not None)
    bare = dataclasses.replace(o, capex=None, opex_usd_per_yr=0.0, operators=0.0)
    assert not bare.has_fixed_cost
    assert dataclasses.replace(bare, opex_usd_per_yr=1.0).has_fixed_cost
    assert dataclasses.replace(bare, operators=0.5).has_fixed_cost
    assert dataclasses.replace(bare, capex=o.capex).has_fixed_cost
