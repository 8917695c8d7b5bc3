"""Plan views: the data inside the plan figures match the plan's own tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from recyclopt.errors import InputError
from recyclopt.report import (
    capex_breakdown,
    iplot,
    iplot_capacities,
    iplot_capex,
    iplot_cash_flow,
    iplot_npv_waterfall,
    iplot_opex,
    iplot_plan_sankey,
    iplot_products,
    load_results,
    npv_waterfall,
    opex_breakdown,
    plan_sankey,
    plot,
    plot_capex,
    plot_npv_waterfall,
    plot_plan_sankey,
)

RTOL = 1e-9


def test_recovered_sankey_matches_products(plan):
    s = plan_sankey(plan)
    into_products = s.links[s.links["target"].str.startswith("prod:")]
    by_el = into_products.groupby("item")["value"].sum()
    expected = plan.products.groupby("element")["kg"].sum()
    for e, v in expected.items():
        assert by_el[e] == pytest.approx(v, rel=RTOL)
    by_prod = into_products.groupby("target")["value"].sum()
    for p, v in plan.products.groupby("product")["kg"].sum().items():
        assert by_prod[f"prod:{p}"] == pytest.approx(v, rel=RTOL)
    # what leaves the feedstocks is what reaches the products; options pass it on
    out_fs = s.links[s.links["source"].str.startswith("fs:")]["value"].sum()
    assert out_fs == pytest.approx(expected.sum(), rel=RTOL)
    opts = s.nodes.index[s.nodes["kind"] == "option"]
    np.testing.assert_allclose(s.inflow()[opts], s.outflow()[opts], rtol=RTOL)
    # the options drawn are those built plus the blank pass-throughs that carry flow
    # (a blank skips a stage: drawn, never reported as built)
    flowing = set(plan.option_flows.index[plan.option_flows.max(axis=1) > 0])
    blanks = {o.name for o in plan.case.options if o.blank}
    assert set(o.removeprefix("opt:") for o in opts) == set(plan.built) | (blanks & flowing)
    assert not blanks & set(plan.built)
    # columns: feedstocks, one per stage, products
    # the swarf intake feeds the acid-free route (it recovers oxidised swarf, issue 17)
    assert s.nodes.loc["opt:acid_free_mixed_reo", "layer"] == 2
    assert s.nodes.loc["prod:mixed_REO", "layer"] == 3


def test_sankey_for_one_year_and_some_elements(plan):
    y = int(plan.flows["year"].min())
    s = plan_sankey(plan, elements=["Dy"], year=y)
    assert set(s.links["item"]) == {"Dy"}
    got = s.links[s.links["target"].str.startswith("prod:")]["value"].sum()
    p = plan.products
    assert got == pytest.approx(p[(p["year"] == y) & (p["element"] == "Dy")]["kg"].sum(), rel=RTOL)


def test_magnet_sankey_balances(plan):
    s = plan_sankey(plan, basis="magnet")
    fs = s.links[s.links["source"].str.startswith("fs:")].groupby("source")["value"].sum()
    exp = plan.flows.groupby("feedstock")["magnet_kg"].sum()
    for f, v in exp.items():
        assert fs[f"fs:{f}"] == pytest.approx(v, rel=RTOL)
    opts = s.nodes.index[s.nodes["kind"] == "option"]
    np.testing.assert_allclose(s.inflow()[opts], s.outflow()[opts], rtol=RTOL)
    rest = s.inflow()["rest"]
    assert rest == pytest.approx(exp.sum() - plan.products["kg"].sum(), rel=RTOL)


def test_plotly_plan_sankey_values(plan):
    s = plan_sankey(plan)
    fig = iplot_plan_sankey(plan)
    tr = fig.data[0]
    np.testing.assert_allclose(tr.link.value, s.links["value"])
    prod_idx = {i for i, n in enumerate(s.nodes.index) if n.startswith("prod:")}
    into = sum(v for v, t in zip(tr.link.value, tr.link.target, strict=True) if t in prod_idx)
    assert into == pytest.approx(plan.products["kg"].sum(), rel=RTOL)
    assert tr.valuesuffix.strip() == "kg"
    m = plot_plan_sankey(plan)
    assert len(m.axes[0].patches) == len(s.links) + len(s.nodes)


def test_waterfall_total_is_npv(plan):
    w = npv_waterfall(plan)
    assert w.iloc[-1]["item"] == "NPV"
    assert w.iloc[-1]["value_usd"] == pytest.approx(plan.npv_usd, rel=RTOL)
    assert w[w["measure"] == "relative"]["value_usd"].sum() == pytest.approx(plan.npv_usd,
                                                                             rel=RTOL)
    cf = plan.cash_flow
    assert w.set_index("item").at["revenue", "value_usd"] == pytest.approx(
        float(cf["revenue_usd"] @ cf["discount_factor"]), rel=RTOL)
    fig = iplot_npv_waterfall(plan)
    tr = fig.data[0]
    assert tr.type == "waterfall"
    assert list(tr.measure)[-1] == "total"
    assert tr.y[-1] == pytest.approx(plan.npv_usd, rel=RTOL)
    assert sum(tr.y[:-1]) == pytest.approx(plan.npv_usd, rel=RTOL)
    m = plot_npv_waterfall(plan)
    heights = [p.get_height() for p in m.axes[0].patches]
    assert heights[-1] == pytest.approx(plan.npv_usd, rel=RTOL)


def test_capex_breakdown_sums_to_cash_flow_capex(plan):
    c = capex_breakdown(plan)
    assert c["capex_usd"].sum() == pytest.approx(plan.cash_flow["capex_usd"].sum(), rel=RTOL)
    assert "acid_free_mixed_reo" in set(c["item"])
    fig = iplot_capex(plan)
    assert sum(fig.data[0].x) == pytest.approx(plan.cash_flow["capex_usd"].sum(), rel=RTOL)
    assert len(plot_capex(plan).axes[0].patches) == len(c)


def test_capex_breakdown_shows_convention_additions(plan):
    cf = plan.cash_flow.copy()
    cf.loc[0, "capex_usd"] *= 2.97  # e.g. a Lang factor applied by the convention
    fake = pd.Series({"capacities": plan.capacities, "cash_flow": cf})
    c = capex_breakdown(fake)
    assert c["capex_usd"].sum() == pytest.approx(cf["capex_usd"].sum(), rel=RTOL)
    assert c.iloc[-1]["stage"] == "costing convention"


def test_opex_breakdown_matches_cash_flow(plan):
    o = opex_breakdown(plan)
    cf = plan.cash_flow.set_index("year").loc[o.index]
    exp = cf[["variable_opex_usd", "fixed_opex_usd", "labour_usd", "overhead_usd"]].sum(axis=1)
    np.testing.assert_allclose(o.sum(axis=1), exp, rtol=RTOL)
    np.testing.assert_allclose(o["heat"], plan.opex.set_index("year")["heat_usd"], rtol=RTOL)
    fig = iplot_opex(plan)
    stacked = np.sum([tr.y for tr in fig.data], axis=0)
    np.testing.assert_allclose(stacked, exp, rtol=RTOL)


def test_cash_flow_chart(plan):
    fig = iplot_cash_flow(plan)
    names = [t.name for t in fig.data]
    assert "revenue" in names and "capex" in names
    cum = next(t for t in fig.data if t.name == "cumulative discounted")
    assert cum.y[-1] == pytest.approx(plan.npv_usd, rel=RTOL)
    net = next(t for t in fig.data if t.name == "net cash flow")
    np.testing.assert_allclose(net.y, plan.cash_flow["cash_flow_usd"])
    bars = np.sum([t.y for t in fig.data if t.type == "bar"], axis=0)
    np.testing.assert_allclose(bars, plan.cash_flow["cash_flow_usd"], rtol=1e-9, atol=1e-6)
    assert plot(plan, "cash_flow").axes


def test_capacities_and_products(plan):
    fig = iplot_capacities(plan)
    caps = {x: y for t in fig.data if t.name == "capacity" for x, y in zip(t.x, t.y,
                                                                           strict=True)}
    built = plan.capacities[plan.capacities["built"]]
    assert set(caps) == set(built.index)
    for o, v in caps.items():
        assert v == pytest.approx(built.at[o, "capacity"])
    fig = iplot_products(plan)
    tot = sum(sum(t.y) for t in fig.data)
    assert tot == pytest.approx(plan.products["kg"].sum(), rel=RTOL)
    assert plot(plan, "capacities").axes and plot(plan, "products").axes


def test_empty_plan_renders(empty_plan):
    assert capex_breakdown(empty_plan).empty
    assert npv_waterfall(empty_plan).iloc[-1]["value_usd"] == 0.0
    assert plan_sankey(empty_plan).links.empty
    for kind in ("sankey", "cash_flow", "waterfall", "capex", "opex", "capacities",
                 "products"):
        assert iplot(empty_plan, kind) is not None
        assert plot(empty_plan, kind) is not None


def test_saved_plan_round_trip(plan, tmp_path):
    f = tmp_path / "plan.json"
    plan.to_file(f)
    saved, scen = load_results(f)
    assert scen == {}
    assert saved.npv_usd == pytest.approx(plan.npv_usd)
    assert saved.built == plan.built
    w = npv_waterfall(saved)
    assert w.iloc[-1]["value_usd"] == pytest.approx(plan.npv_usd, rel=RTOL)
    # the file carries the resolved case: the recovered-element Sankey is the original's
    pd.testing.assert_frame_equal(plan_sankey(saved).links, plan_sankey(plan).links)
    bare = dataclasses.replace(saved, case=None)  # an older file, without its case
    s = plan_sankey(bare, basis="magnet")  # no case: stops at the last option
    exp = plan.flows["magnet_kg"].sum()
    assert s.links[s.links["source"].str.startswith("fs:")]["value"].sum() == pytest.approx(exp)
    with pytest.raises(InputError, match="case"):
        plan_sankey(bare)
    pd.testing.assert_frame_equal(opex_breakdown(saved), opex_breakdown(plan),
                                  check_dtype=False)
