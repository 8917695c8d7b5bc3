"""IRR, discounted payback and levelised cost of a plan's cash flows, checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recyclopt.economics.returns import (
    discounted_payback_year,
    irr_or_none,
    levelised_cost,
    plan_returns,
)


def test_irr_of_two_equal_inflows_is_the_quadratic_root():
    # -100 + 60 x + 60 x^2 = 0 with x = 1/(1+r): x = (-60 + sqrt(60^2 + 4*60*100)) / 120
    x = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / 120
    assert irr_or_none([-100, 60, 60]) == pytest.approx(1 / x - 1, abs=1e-10)  # 13.07 %


def test_no_irr_without_a_sign_change():
    assert irr_or_none([0, 0, 0]) is None  # nothing built
    assert irr_or_none([-100, -5, -5]) is None  # never pays


def test_discounted_payback_year_by_hand():
    # at 10 %: -100, 60/1.1 = 54.55, 60/1.21 = 49.59 -> cumulative -100, -45.45, +4.13
    d = [-100, 60 / 1.1, 60 / 1.21]
    assert discounted_payback_year(d, [2026, 2027, 2028]) == 2028
    assert discounted_payback_year([-100, 30, 30], [2026, 2027, 2028]) is None
    assert discounted_payback_year([0, 0, 0], [2026, 2027, 2028]) is None


def test_levelised_cost_by_hand():
    # (100 + 0.9*10 + 0.81*10) / (0.9*5 + 0.81*5) = 117.1 / 8.55
    got = levelised_cost([100, 10, 10], [0, 5, 5], [1, 0.9, 0.81])
    assert got == pytest.approx(117.1 / 8.55, rel=1e-12)
    assert levelised_cost([100, 10], [0, 0], [1, 0.9]) is None


def test_plan_returns_reads_the_cash_flow_table():
    # revenue 80/yr, costs 100 capex then 20/yr: cash flow -100, 60, 60 at 10 %
    cf = pd.DataFrame({"year": [2026, 2027, 2028], "revenue_usd": [0.0, 80.0, 80.0],
                       "cash_flow_usd": [-100.0, 60.0, 60.0],
                       "discount_factor": [1.0, 1 / 1.1, 1 / 1.21]})
    cf["discounted_cash_flow_usd"] = cf["cash_flow_usd"] * cf["discount_factor"]
    r = plan_returns(cf, {2027: 5.0, 2028: 5.0})
    x = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / 120
    assert r.irr == pytest.approx(1 / x - 1, abs=1e-10)
    assert r.discounted_payback_year == 2028 and r.payback_years == 2
    # costs 100, 20, 20 -> (100 + 20/1.1 + 20/1.21) / (5/1.1 + 5/1.21)
    want = (100 + 20 / 1.1 + 20 / 1.21) / (5 / 1.1 + 5 / 1.21)
    assert r.cost_usd_per_kg == pytest.approx(want, rel=1e-12)
