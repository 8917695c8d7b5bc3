"""Flowsheet views: the numbers in the tables and inside the Sankey figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recyclopt.errors import InputError
from recyclopt.report import (
    element_distribution,
    flowsheet_sankey,
    iplot,
    iplot_distribution,
    iplot_flowsheet,
    iplot_routes,
    plot,
    plot_flowsheet,
    plot_routes,
    stream_tables,
    unit_performance,
)

RTOL = 1e-9


def test_unit_performance_closes_mass_per_unit(rlo):
    t = unit_performance(rlo, unit="kg/h")
    assert list(t.index) == list(rlo.flowsheet.units)
    lhs = t["in [kg/h]"] + t["reagents [kg/h]"]
    rhs = t["out [kg/h]"] + t["losses [kg/h]"]
    np.testing.assert_allclose(lhs, rhs, rtol=RTOL)
    assert t.at["roast", "in [kg/h]"] == pytest.approx(100.0)  # the route's feed, kg/h
    d = rlo.duties()
    np.testing.assert_allclose(t["heat_kW"], d.loc[t.index, "heat_W"].astype(float) / 1e3)
    assert "acid_kg_per_kg_feed" in t.at["leach", "design"]
    t_yr = unit_performance(rlo, unit="t/yr")
    np.testing.assert_allclose(t_yr["in [t/yr]"], t["in [kg/h]"] * 8.0, rtol=RTOL)
    with pytest.raises(InputError, match="unit"):
        unit_performance(rlo, unit="lb/h")


def test_stream_tables_both_bases(rlo):
    t = stream_tables(rlo, "kg/h")
    pd.testing.assert_frame_equal(t["species"], rlo.stream_table("species", "kg/h"))
    pd.testing.assert_frame_equal(t["element"], rlo.stream_table("element", "kg/h"))


def test_element_distribution_sums_to_one(rlo):
    d = element_distribution(rlo)
    assert list(d.columns) == ["kind", "Nd", "Pr", "Dy"]  # the rare earths fed
    np.testing.assert_allclose(d[["Nd", "Pr", "Dy"]].sum(), 1.0, rtol=1e-12)
    assert d.at["mixed_reo", "kind"] == "product"
    el = rlo.stream_table("element", "kg/s")
    assert d.at["mixed_reo", "Nd"] == pytest.approx(el.at["Nd", "mixed_reo"] / el.at["Nd", "feed"])


def test_element_sankey_balances_at_every_unit(rlo):
    s = flowsheet_sankey(rlo, unit="kg/h")
    assert set(s.links["item"]) == {"Nd", "Pr", "Dy"}
    inflow, outflow = s.inflow(), s.outflow()
    units = s.nodes.index[s.nodes["kind"] == "unit"]
    np.testing.assert_allclose(inflow[units], outflow[units], rtol=RTOL)
    el = rlo.stream_table("element", "kg/h")
    feed = s.links[s.links["source"] == "feed:feed"].set_index("item")["value"]
    for e in ("Nd", "Pr", "Dy"):
        assert feed[e] == pytest.approx(el.at[e, "feed"], rel=RTOL)
    prod = s.links[s.links["target"] == "out:mixed_reo"].set_index("item")["value"]
    assert prod["Nd"] == pytest.approx(el.at["Nd", "mixed_reo"], rel=RTOL)
    # flows in t/yr are kg/h x 8 (8000 h/yr, 1000 kg/t)
    s2 = flowsheet_sankey(rlo, unit="t/yr")
    np.testing.assert_allclose(s2.links["value"], s.links["value"] * 8.0, rtol=RTOL)


def test_all_element_sankey_includes_reagents(rlo):
    s = flowsheet_sankey(rlo, items=["Cl", "Nd"])
    assert (s.links["source"] == "reagents").any()  # HCl brings the chlorine
    units = s.nodes.index[s.nodes["kind"] == "unit"]
    np.testing.assert_allclose(s.inflow()[units], s.outflow()[units], rtol=1e-9)


def test_species_sankey(rlo):
    s = flowsheet_sankey(rlo, basis="species")
    items = set(s.links["item"])
    assert "Nd2Fe14B" in items and "Nd2O3" in items  # the speciation along the route
    assert not {"O2", "N2", "H2O(l)"} & items  # only species holding the rare earths
    with pytest.raises(InputError, match="basis"):
        flowsheet_sankey(rlo, basis="phase")


def test_plotly_sankey_carries_the_link_data(rlo):
    s = flowsheet_sankey(rlo, unit="kg/h")
    fig = iplot_flowsheet(rlo, unit="kg/h")
    tr = fig.data[0]
    assert tr.type == "sankey"
    np.testing.assert_allclose(tr.link.value, s.links["value"])
    assert list(tr.node.label) == s.nodes["label"].tolist()
    assert tr.valuesuffix.strip() == "kg/h"
    # nodes sit in their layer's column, left to right (feed first, product last)
    layers = s.nodes["layer"].to_numpy()
    np.testing.assert_allclose(tr.node.x, np.clip(layers / layers.max(), 0.001, 0.999))
    col = {lab: x for lab, x in zip(tr.node.label, tr.node.x, strict=True)}
    assert col["feed"] < col["roast"] < col["leach"] < col["calcine"] < col["mixed_reo"]
    # links into the product node sum to the mixed_reo rare-earth flow
    target = s.nodes.index.get_loc("out:mixed_reo")
    into = sum(v for v, t in zip(tr.link.value, tr.link.target, strict=True) if t == target)
    el = rlo.stream_table("element", "kg/h")
    assert into == pytest.approx(el.loc[["Nd", "Pr", "Dy"], "mixed_reo"].sum(), rel=RTOL)


def test_recycle_loop_sankey(recycle):
    s = flowsheet_sankey(recycle, basis="element", items=["Fe"])
    units = s.nodes.index[s.nodes["kind"] == "unit"]
    np.testing.assert_allclose(s.inflow()[units], s.outflow()[units], rtol=1e-8)
    back = [(a, b) for a, b in zip(s.links["source"], s.links["target"], strict=True)
            if s.nodes.at[b, "layer"] <= s.nodes.at[a, "layer"]]
    assert back  # the recycle stream runs backwards
    fig = plot_flowsheet(recycle, items=["Fe"])
    assert len(fig.axes) == 1
    assert len(iplot_flowsheet(recycle, items=["Fe"]).data[0].link.value) == len(s.links)


def test_static_sankey_draws_one_band_per_link(rlo):
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch, Rectangle

    s = flowsheet_sankey(rlo)
    fig = plot_flowsheet(rlo)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert sum(isinstance(p, PathPatch) for p in ax.patches) == len(s.links)
    assert sum(isinstance(p, Rectangle) for p in ax.patches) == len(s.nodes)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "mixed_reo" in texts and "kg/h" in texts


def test_distribution_charts(rlo):
    d = element_distribution(rlo)
    fig = iplot_distribution(rlo)
    by_name = {tr.name.split(" (")[0]: tr for tr in fig.data}
    np.testing.assert_allclose(by_name["mixed_reo"].x, d.loc["mixed_reo", ["Nd", "Pr", "Dy"]]
                               .astype(float) * 100)
    total = np.sum([tr.x for tr in fig.data], axis=0)
    np.testing.assert_allclose(total, 100.0)
    mfig = plot(rlo, "distribution")
    assert len(mfig.axes[0].patches) == len(fig.data) * 3


def test_dispatch(rlo):
    assert iplot(rlo).data[0].type == "sankey"
    with pytest.raises(InputError, match="kind"):
        iplot(rlo, "waterfall")


def test_route_comparison_charts():
    df = pd.DataFrame({
        "route": ["a", "b", "c"], "status": ["ok", "ok", "refused: no"],
        "recovery_Nd": [0.9, 0.8, np.nan], "recovery_Pr": [0.9, 0.8, np.nan],
        "recovery_Dy": [0.95, 0.7, np.nan], "recovery_Tb": [0.0, 0.1, np.nan],
        "electricity_kWh_per_kg": [1.0, 2.0, np.nan], "heat_kWh_per_kg": [3.0, 0.5, np.nan],
        "co2_kg_per_kg": [1.2, 1.0, np.nan]})
    fig = iplot_routes(df)
    nd = next(t for t in fig.data if t.name == "Nd")
    assert list(nd.x) == ["a", "b"]  # the refused route is left out
    np.testing.assert_allclose(nd.y, [90.0, 80.0])
    assert len(plot_routes(df).axes) == 2
