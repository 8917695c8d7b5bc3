"""Scenario views take plain DataFrames; the figures carry exactly their numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recyclopt.errors import InputError
from recyclopt.report import (
    iplot,
    iplot_npv_histogram,
    iplot_pareto,
    iplot_route_frequency,
    iplot_tornado,
    npv_stats,
    plot,
    plot_npv_histogram,
    plot_pareto,
    plot_route_frequency,
    plot_tornado,
    route_counts,
    tornado_data,
)

TORNADO = pd.DataFrame({
    "parameter": ["labour", "NdPr price", "discount rate"],
    "low_npv": [4.5e6, -1.0e6, 5.0e6],
    "high_npv": [3.6e6, 9.0e6, 3.3e6],
    "base_npv": [4.06e6] * 3,
    "low_value": [7.5, 35.7, 0.06],
    "high_value": [13.9, 66.3, 0.10],
})


def test_tornado_sorted_by_swing_and_bars_reach_low_high():
    d = tornado_data(TORNADO)
    assert d["parameter"].tolist() == ["NdPr price", "discount rate", "labour"]
    assert d.loc[0, "label"] == "NdPr price (35.7 / 66.3)"
    fig = iplot_tornado(TORNADO)
    low, high = fig.data
    np.testing.assert_allclose(np.add(low.base, low.x), d["low_npv"])
    np.testing.assert_allclose(np.add(high.base, high.x), d["high_npv"])
    assert list(low.y) == d["label"].tolist()
    m = plot_tornado(TORNADO)
    bars = m.axes[0].patches
    assert len(bars) == 6
    np.testing.assert_allclose([b.get_x() + b.get_width() for b in bars[:3]], d["low_npv"])
    with pytest.raises(InputError, match="low_npv"):
        tornado_data(TORNADO.drop(columns="low_npv"))


def test_npv_histogram_percentiles():
    rng = np.random.default_rng(1)
    x = rng.normal(2e6, 3e6, 500)
    st = npv_stats(x)
    assert st["P50"] == pytest.approx(np.percentile(x, 50))
    assert st["prob_positive"] == pytest.approx((x > 0).mean())
    fig = iplot_npv_histogram(pd.Series(x))
    np.testing.assert_allclose(fig.data[0].x, x)
    lines = sorted(s.x0 for s in fig.layout.shapes)
    np.testing.assert_allclose(lines, [st["P5"], st["P50"], st["P95"]])
    texts = {a.text.split()[0] for a in fig.layout.annotations}
    assert texts == {"P5", "P50", "P95"}
    m = plot_npv_histogram(pd.DataFrame({"npv_usd": x}), bins=20)
    assert sum(p.get_height() for p in m.axes[0].patches) == len(x)
    with pytest.raises(InputError):
        npv_stats([np.nan])


def test_route_counts_from_built_and_route_columns():
    df = pd.DataFrame({"built": ["a,b", "a,b", "", "a,c", ["a", "b"]],
                       "npv_usd": [1, 2, 0, 3, 4]})
    c = route_counts(df)
    assert c.iloc[0].tolist() == ["a + b", 3, 0.6]
    assert "(nothing built)" in set(c["route"])
    assert c["share"].sum() == pytest.approx(1.0)
    o = route_counts(df, by="option").set_index("route")
    assert o.at["a", "count"] == 4 and o.at["b", "count"] == 3
    r = route_counts(pd.DataFrame({"route": ["x", "y", "x"]}))
    assert r.set_index("route")["count"].to_dict() == {"x": 2, "y": 1}
    fig = iplot_route_frequency(df)
    np.testing.assert_allclose(fig.data[0].x, c["share"] * 100)
    assert list(fig.data[0].customdata) == c["count"].tolist()
    assert len(plot_route_frequency(df).axes[0].patches) == len(c)
    assert iplot(df, "route_frequency").data[0].type == "bar"


def test_pareto_synthetic():
    df = pd.DataFrame({"epsilon": [200, 150, 100, 50, 0],
                       "objective": [4e6, 3.5e6, 2e6, 5e5, 0.0],
                       "npv_usd": [4e6, 3.5e6, 2e6, 5e5, 0.0],
                       "co2_t": [200, 150, 100, 50, 0],
                       "recovered_kg": [1e5, 9e4, 5e4, 1e4, 0],
                       "built": ["a,b", "a,b", "a", "a", ""]})
    fig = iplot_pareto(df)
    front = fig.data[0]
    assert list(front.x) == [0, 50, 100, 150, 200]
    assert list(front.y) == [0.0, 5e5, 2e6, 3.5e6, 4e6]
    assert {t.name for t in fig.data[1:]} == {"a + b", "a", "(nothing built)"}
    assert sum(len(t.x) for t in fig.data[1:]) == len(df)
    m = plot_pareto(df, x="recovered_kg")
    assert m.axes[0].get_xlabel().startswith("recovered")
    assert plot(df).axes  # guessed: pareto


def test_pareto_from_the_optimizer(taiwan_case):
    from dataclasses import replace

    from recyclopt.optimize import pareto_front

    # at 3x prices a plant pays, so the front has points with CO2 > 0
    rich = replace(taiwan_case, products={
        k: replace(p, price_usd_per_kg={e: 3 * v for e, v in p.price_usd_per_kg.items()})
        for k, p in taiwan_case.products.items()})
    df = pareto_front(rich, metric="co2_t", n=3)
    fig = iplot_pareto(df)
    np.testing.assert_allclose(sorted(fig.data[0].y), sorted(df["npv_usd"]))
    assert df["co2_t"].max() > 0
