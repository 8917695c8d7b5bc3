"""By-products booked as revenue or as a negative cost, through the model, plan and cash flow."""

from __future__ import annotations

import pytest

from recyclopt.optimize import case_from_dict, optimize
from recyclopt.optimize.case import CaseError


def byproduct_case(book_as: str | None = None, convention: str = "qgess") -> dict:
    """One plant: 1000 units/yr of 0.5 kg Nd sold at 80 USD/kg, 0.4 kg iron oxide per unit
    at 1 USD/kg, opex 2 USD/unit, purchased equipment 10,000 USD (flat curve)."""
    prices = {"byproducts_usd_per_kg": {"iron_oxide": 1.0}}
    if book_as:
        prices["byproducts_book_as"] = {"iron_oxide": book_as}
    return {
        "name": "byp", "horizon": {"construction_year": 2026, "operating_years": 2},
        "costing": {"convention": convention}, "elements": ["Nd"], "stages": ["all"],
        "feedstocks": [{"name": "scrap", "content_kg_per_unit": {"Nd": 0.5},
                        "magnet_kg_per_unit": 1.0, "availability_units": 1000}],
        "options": [{"name": "plant", "stage": "all", "basis": "units", "yields": {"Nd": 1.0},
                     "products": {"Nd": "oxide"}, "opex_usd_per_basis": 2.0,
                     "byproducts_kg_per_basis": {"iron_oxide": 0.4},
                     "capex": {"points": [[100, 10000], [5000, 10000]]}}],
        "products": {"oxide": {"price_usd_per_kg": {"Nd": 80.0}}},
        "prices": prices,
    }


def test_qgess_books_byproducts_as_revenue_cash_flows_by_hand():
    plan = optimize(case_from_dict(byproduct_case()))  # QGESS default: revenue
    t = plan.cash_flow.set_index("year")
    # QGESS defaults: Lang 2.97, TOC = 1.177 TPC, capex 10/60/30 % from 2026 escalated 3.6 %/yr,
    # revenue and opex escalated 3 %/yr from the first operating year (2027), fixed opex
    # 0.03 TPC + 0.01 revenue, overhead 0.20 of (variable + labour + fixed), discount 5.77 %.
    tpc = 2.97 * 10000.0  # 29,700
    toc = 1.177 * tpc  # 34,956.9
    exp = {
        2026: {"capex": 0.10 * toc, "rev": 0.0, "byp": 0.0, "var": 0.0, "fixed": 0.0},
        # 2027: 1000 units: 500 kg x 80 = 40,000; 400 kg x 1 = 400; opex 2,000;
        # fixed 0.03 x 29,700 + 0.01 x (40,000 + 400) = 891 + 404 = 1,295
        2027: {"capex": 0.60 * toc * 1.036, "rev": 40000.0, "byp": 400.0, "var": 2000.0,
               "fixed": 891.0 + 404.0},
        # 2028: everything x 1.03; fixed 891 x 1.03 + 0.01 x (41,200 + 412) = 917.73 + 416.12
        2028: {"capex": 0.30 * toc * 1.036**2, "rev": 41200.0, "byp": 412.0, "var": 2060.0,
               "fixed": 917.73 + 416.12},
    }
    npv = 0.0
    for y, e in exp.items():
        row = t.loc[y]
        overhead = 0.20 * (e["var"] + e["fixed"])
        cash = e["rev"] + e["byp"] - e["var"] - e["fixed"] - overhead - e["capex"]
        assert row["capex_usd"] == pytest.approx(e["capex"], rel=1e-12)
        assert row["revenue_usd"] == pytest.approx(e["rev"], rel=1e-12)
        assert row["byproduct_revenue_usd"] == pytest.approx(e["byp"], rel=1e-12)
        assert row["variable_opex_usd"] == pytest.approx(e["var"], rel=1e-12)
        assert row["fixed_opex_usd"] == pytest.approx(e["fixed"], rel=1e-12)
        assert row["overhead_usd"] == pytest.approx(overhead, rel=1e-12)
        assert row["cash_flow_usd"] == pytest.approx(cash, rel=1e-12)
        npv += cash / 1.0577 ** (y - 2026)
    assert plan.npv_usd == pytest.approx(npv, rel=1e-12)
    # the MILP's objective (linear NPV weights) is the same number
    assert plan.objective_value == pytest.approx(npv, rel=1e-9)
    assert "byproduct_revenue_usd" in plan.summary()


def test_negative_cost_booking_moves_the_byproduct_into_opex():
    plan = optimize(case_from_dict(byproduct_case("negative_cost")))
    row = plan.cash_flow.set_index("year").loc[2027]
    # by hand: variable 2,000 - 400 = 1,600; fixed 891 + 0.01 x 40,000 = 1,291
    assert row["byproduct_revenue_usd"] == 0.0
    assert row["variable_opex_usd"] == pytest.approx(1600.0, rel=1e-12)
    assert row["fixed_opex_usd"] == pytest.approx(1291.0, rel=1e-12)
    assert row["overhead_usd"] == pytest.approx(0.2 * (1600.0 + 1291.0), rel=1e-12)
    revenue = optimize(case_from_dict(byproduct_case()))
    # booked as revenue it carries the 1 % sales fee but no overhead: 400 x (1 - 0.01 x 1.2)
    # = 395.2 USD in 2027 against 400 x 1.2 = 480 USD of avoided cost + overhead
    r2 = revenue.cash_flow.set_index("year").loc[2027]
    assert r2["cash_flow_usd"] - row["cash_flow_usd"] == pytest.approx(395.2 - 480.0, rel=1e-9)


def test_simple_costing_defaults_to_negative_cost_with_the_same_npv():
    a = optimize(case_from_dict(byproduct_case(convention="simple")))
    b = optimize(case_from_dict(byproduct_case("revenue", convention="simple")))
    assert a.cash_flow["byproduct_revenue_usd"].sum() == 0.0
    assert b.cash_flow["byproduct_revenue_usd"].sum() == pytest.approx(800.0)
    assert a.npv_usd == pytest.approx(b.npv_usd, rel=1e-12)


def test_bad_booking_is_refused():
    with pytest.raises(CaseError, match="byproducts_book_as.iron_oxide.*allowed"):
        case_from_dict(byproduct_case("sold"))
    d = byproduct_case()
    d["prices"]["byproducts_book_as"] = {"slag": "revenue"}
    with pytest.raises(CaseError, match="no price"):
        case_from_dict(d)
