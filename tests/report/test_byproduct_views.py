"""By-products booked as revenue in the report's cash-flow views."""

from __future__ import annotations

import pytest

from recyclopt.optimize import case_from_dict, optimize
from recyclopt.report import iplot_cash_flow, npv_waterfall
from tests.optimize.test_byproducts import byproduct_case


def test_waterfall_and_cash_flow_show_byproduct_revenue():
    plan = optimize(case_from_dict(byproduct_case()))  # QGESS: the iron oxide is booked as revenue
    w = npv_waterfall(plan).set_index("item")
    cf = plan.cash_flow
    # the by-product part is its discounted sales, and the parts still sum to the NPV
    assert w.loc["by-products", "value_usd"] == pytest.approx(
        float(cf["byproduct_revenue_usd"] @ cf["discount_factor"]), rel=1e-12)
    assert w.loc["NPV", "value_usd"] == pytest.approx(plan.npv_usd, rel=1e-9)
    names = [t.name for t in iplot_cash_flow(plan).data]
    assert "by-products" in names
