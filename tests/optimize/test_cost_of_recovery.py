"""The exact cost of recovery (a Dinkelbach / parametric Newton sequence of MILPs)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from recyclopt.optimize import case_from_dict, cost_of_recovery, load_case, optimize
from recyclopt.optimize.analysis import plan_line
from recyclopt.optimize.case import Case

from .cases import one_plant_case


def _priced(case: Case, m: float, only: tuple[str, str] | None = None) -> Case:
    """``case`` with every product price (or the one ``(product, element)``) times ``m``."""
    prods = {}
    for n, p in case.products.items():
        pr = {e: (v * m if only is None or only == (n, e) else v)
              for e, v in p.price_usd_per_kg.items()}
        prods[n] = dataclasses.replace(p, price_usd_per_kg=pr)
    return dataclasses.replace(case, products=prods)


def _bisect(case: Case, lo: float, hi: float, tol: float = 1e-9) -> float:
    """The smallest multiplier at which the optimal plan has an option carrying flow,
    by plain bisection with full solves (the independent check)."""
    def pays(m: float) -> bool:
        return bool(optimize(_priced(case, m), objective="npv").built)

    assert not pays(lo) and pays(hi)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if pays(mid) else (mid, hi)
    return 0.5 * (lo + hi)


def test_exact_break_even_agrees_with_a_fine_bisection_on_the_bundled_case():
    case = load_case()
    res = cost_of_recovery(case)
    ref = _bisect(case, 1.0, 3.0, tol=1e-9)  # ~31 solves
    assert res.multiplier == pytest.approx(ref, rel=1e-6)
    assert res.n_milp <= 6  # measured: 5 (today, start plan, three Newton steps)
    # the plan returned breaks even at the break-even prices (its own cash-flow table)
    assert abs(res.plan.npv_usd) <= 1e-6 * res.plan.cash_flow["capex_usd"].sum()
    assert res.plan.built  # a plant, not the empty plan
    # legacy dict form
    assert res["price_multiplier"] == res.multiplier
    assert res["Dy_oxide:Dy_usd_per_kg"] == pytest.approx(257.2 * res.multiplier)


def test_break_even_price_of_a_tiny_case_by_hand():
    case = case_from_dict(one_plant_case({"convention": "simple", "discount_rate": 0.1}))
    res = cost_of_recovery(case, "oxide:Nd")
    # By hand: 1000 units/yr x 0.5 kg Nd, margin (p * 0.5 - 2) USD/unit, capex 10,000 USD in
    # 2026, operating 2027-2028 discounted by 1.1^-1 + 1.1^-2 = 1.7355372:
    # NPV(p) = 1.7355372 * 1000 * (0.5 p - 2) - 10000 = 0  ->  p = 4 + 20 / 1.7355372
    d = 1 / 1.1 + 1 / 1.1**2
    p_star = 4.0 + 20.0 / d  # 15.5238095 USD/kg
    assert res.prices_usd_per_kg["oxide:Nd"] == pytest.approx(p_star, rel=1e-9)
    assert res.multiplier == pytest.approx(p_star / 10.0, rel=1e-9)
    assert res.npv_today_usd == pytest.approx(d * 1000 * (0.5 * 10 - 2) - 10000, rel=1e-9)
    assert res.plan.capacities.loc["plant", "built"]


def test_qgess_plan_npv_is_affine_in_the_price():
    case = case_from_dict(one_plant_case({"convention": "qgess"}))
    res = cost_of_recovery(case)
    assert res.multiplier is not None
    # the break-even plan's full cash-flow table gives NPV 0 at the break-even prices
    assert abs(res.plan.npv_usd) <= 1e-6 * res.plan.cash_flow["capex_usd"].sum()
    # and its NPV at three prices above break-even (the same plan: the one plant, full feed)
    # lies on one line, escalation, owner's costs and revenue-linked costs included
    npvs = []
    for m in (1.5 * res.multiplier, 2 * res.multiplier, 3 * res.multiplier):
        p = optimize(_priced(case, m))
        assert p.capacities.loc["plant", "built"]
        npvs.append(p.npv_usd)
    assert npvs[2] - npvs[1] == pytest.approx(2 * (npvs[1] - npvs[0]), rel=1e-9)


def test_plan_line_matches_two_solves():
    """plan_line's (a, b) of a fixed plan predict its NPV at another price."""
    from recyclopt.optimize.analysis import _at, _selected_revenue, targeted_prices
    from recyclopt.optimize.model import build_model
    from recyclopt.optimize.solve import solve
    from recyclopt.optimize.superstructure import build

    taiwan_case = load_case()
    sup = build(taiwan_case)
    sel = targeted_prices(taiwan_case, None)
    r1 = _selected_revenue(sup, taiwan_case, sel)
    c3, s3 = _at(taiwan_case, sup, sel, r1, 3.0)
    om3 = build_model(c3, sup=s3)
    x, _ = solve(om3)
    a, b = plan_line(om3, x, r1, 3.0)
    c2, s2 = _at(taiwan_case, sup, sel, r1, 2.0)
    om2 = build_model(c2, sup=s2)
    from recyclopt.optimize.plan import PlanReader

    assert PlanReader(om2).npv(x) == pytest.approx(2.0 * a + b, rel=1e-9, abs=1e-3)
    assert a > 0


def test_named_product_no_plan_and_bad_target():
    case = load_case()
    # sx_separated is the only route to NdPr_oxide; its curve starts at 50,000 kg/yr, so a
    # max_capacity below that leaves no plan that sells the product
    capped = dataclasses.replace(case, options=[
        dataclasses.replace(o, max_capacity=1000.0) if o.name == "sx_separated" else o
        for o in case.options])
    res = cost_of_recovery(capped, "NdPr_oxide")
    assert res.multiplier is None and "no feasible plan" in res.message
    with pytest.raises(Exception, match="not a product, element"):
        cost_of_recovery(case, "Xx")


def test_named_product_built_at_minimum_size():
    case = load_case()
    # less than 50,000 kg/yr can reach sx_separated, but a plant may be built at its curve's
    # first point and run below it: the break-even plan builds it at exactly that size
    res = cost_of_recovery(case, "NdPr_oxide")
    assert res.multiplier is not None and res.multiplier > 1
    caps = res.plan.capacities
    assert caps.loc["sx_separated", "capacity"] == pytest.approx(50_000.0, rel=1e-9)


def test_break_even_of_one_element():
    case = load_case()
    res = cost_of_recovery(case, "Dy")
    assert set(res.prices_usd_per_kg) == {"Dy_oxide:Dy", "mixed_REO:Dy", "recycled_magnet:Dy"}
    m = res.multiplier
    # just above it a plant pays, just below none does (only the Dy prices moved)
    up = dataclasses.replace(case, products={
        n: dataclasses.replace(p, price_usd_per_kg={e: v * (m * (1 + 1e-6) if e == "Dy" else 1)
                                                    for e, v in p.price_usd_per_kg.items()})
        for n, p in case.products.items()})
    down = dataclasses.replace(case, products={
        n: dataclasses.replace(p, price_usd_per_kg={e: v * (m * (1 - 1e-6) if e == "Dy" else 1)
                                                    for e, v in p.price_usd_per_kg.items()})
        for n, p in case.products.items()})
    assert optimize(up).built and not optimize(down).built
    assert np.isfinite(res.npv_today_usd) and res.npv_today_usd < 0


def test_horizon_co2_cap_passes_through():
    case = load_case()
    free = cost_of_recovery(case)
    co2 = float(free.plan.opex["co2_t"].sum())
    assert co2 > 0
    capped = cost_of_recovery(case, extra=[("co2_t", None, -np.inf, 0.5 * co2)])
    # a tighter feasible set can only raise the break-even, and the plan keeps the cap
    assert capped.multiplier >= free.multiplier * (1 - 1e-9)
    assert float(capped.plan.opex["co2_t"].sum()) <= 0.5 * co2 * (1 + 1e-9)


def test_progress_reports_one_step_per_milp(step_sink):
    from recyclopt import progress

    sink = step_sink
    with progress.using(sink):
        res = cost_of_recovery(case_from_dict(one_plant_case({"convention": "simple",
                                                     "discount_rate": 0.1})), "oxide:Nd")
    assert res.n_milp >= 2  # at least today's solve and one at the root
    assert sink.tasks == [["cost of recovery (oxide:Nd)", None, "MILP", res.n_milp]]
