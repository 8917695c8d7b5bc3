"""The break-even feed scale: the smallest factor on every availability at which a plant pays."""

from __future__ import annotations

import pytest

from recyclopt.optimize import case_from_dict
from recyclopt.optimize.analysis import break_even_feed_scale


def _tiny(units_per_yr: float) -> dict:
    """One feedstock, one option with a flat capex, one product: NPV is linear in the feed."""
    return {
        "name": "tiny",
        "horizon": {"construction_year": 2026, "operating_years": 2},
        "costing": {"convention": "simple", "discount_rate": 0.1},
        "elements": ["Nd"],
        "stages": ["all"],
        "feedstocks": [{"name": "scrap", "content_kg_per_unit": {"Nd": 0.5},
                        "magnet_kg_per_unit": 1.0, "cost_usd_per_unit": 0.0,
                        "availability_units": units_per_yr}],
        "options": [{"name": "plant", "stage": "all", "basis": "units", "yields": {"Nd": 1.0},
                     "products": {"Nd": "oxide"}, "opex_usd_per_basis": 2.0,
                     "capex": {"points": [[100, 10000], [50000, 10000]]}}],
        "products": {"oxide": {"price_usd_per_kg": {"Nd": 10.0}}},
    }


# By hand: margin 0.5 kg x 10 USD/kg - 2 USD = 3 USD per unit, capex 10,000 USD in 2026,
# operating 2027-2028 discounted by d = 1.1^-1 + 1.1^-2; with A units/yr at scale s,
# NPV(s) = 3 d A s - 10000 > 0  <=>  s > 10000 / (3 d A).
D = 1 / 1.1 + 1 / 1.1**2


@pytest.mark.parametrize("units", [1000.0, 5000.0])  # nothing pays today / a plant pays today
def test_break_even_feed_scale_of_a_tiny_case_by_hand(units):
    case = case_from_dict(_tiny(units))
    s_star = 10000 / (3 * D * units)  # 1.9206 (1000 units/yr) or 0.38413 (5000)
    res = break_even_feed_scale(case, rtol=1e-6, pays_usd=1e-6)
    lo, hi = res.bracket
    assert lo <= s_star <= hi
    assert hi / lo - 1 <= 1e-6
    assert res.scale == hi
    assert res.plan.built == ["plant"]
    assert res.npv_usd == pytest.approx(3 * D * units * hi - 10000, abs=1e-6)
    # doubling or halving to the bracket, then ~log2(ln 2 / ln(1 + 1e-6)) = 20 bisections
    assert res.n_milp <= 2 + 20 + 2


def test_no_plant_pays_below_the_largest_scale():
    d = _tiny(1000.0)
    d["options"][0]["opex_usd_per_basis"] = 6.0  # margin 5 - 6 < 0: no feed makes it pay
    res = break_even_feed_scale(case_from_dict(d), max_scale=8.0)
    assert res.scale is None and res.plan is None
    assert res.n_milp == 4  # scales 1, 2, 4, 8
    assert "no plant pays" in res.message


@pytest.mark.parametrize("units", [1000.0, 5000.0])
def test_best_plant_npv_is_negative_when_no_plant_pays(units):
    from recyclopt.optimize.analysis import best_plant_npv

    npv, built, n = best_plant_npv(case_from_dict(_tiny(units)))
    # by hand (above): NPV = 3 d A - 10000: -4,793 at 1,000 units/yr (the plant is required,
    # a second MILP), +16,033 at 5,000 (the NPV optimum itself, one MILP)
    assert npv == pytest.approx(3 * D * units - 10000, rel=1e-9)
    assert built == ["plant"]
    assert n == (2 if units == 1000.0 else 1)


def test_progress_reports_one_step_per_milp(step_sink):
    from recyclopt import progress

    sink = step_sink
    with progress.using(sink):
        res = break_even_feed_scale(case_from_dict(_tiny(1000.0)), rtol=1e-2)
    # by hand: the bracket (1, 2] takes 2 MILPs; bisection from a ratio 2 to 1 + 1e-2 takes
    # ceil(log2(log 2 / log 1.01)) = 7 more; the count is the function's own n_milp
    assert res.n_milp == 9
    assert sink.tasks == [["break-even feed scale", None, "MILP", res.n_milp]]
