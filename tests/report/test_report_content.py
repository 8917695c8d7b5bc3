"""What the report says: summary cards, operators, colours, no empty charts, page size."""

from __future__ import annotations

import re
from types import SimpleNamespace

import plotly.graph_objects as go
import pytest

from recyclopt.economics import irr
from recyclopt.report import ReportInput, build_html
from recyclopt.report._common import item_colours
from recyclopt.report.assumptions import describe_operators
from recyclopt.report.html import built_options, capex_basis
from recyclopt.report.plotlyjs import BUNDLE_TRACES, bundle_fits, plotlyjs_gzip, trace_types


@pytest.fixture(scope="module")
def page(plan):
    return build_html(ReportInput(plan=plan, case=plan.case))


def test_report_is_well_under_two_megabytes(page):
    # the full plotly.min.js alone is 4.8 MB; the partial build gzipped + base64 is 0.6 MB
    assert len(page.encode("utf-8")) < 1_200_000
    assert "partial build" in page


def test_every_report_trace_type_is_in_the_partial_build(page, plan):
    from recyclopt.report.make import route_figures

    figs = [f for _, f in route_figures(plan)]
    assert trace_types(figs) <= BUNDLE_TRACES
    assert bundle_fits({"sankey", "bar"})


def test_other_trace_types_get_the_full_plotly_build():
    # a pie is not in the partial build: the page must carry the full library instead
    figs = [go.Figure(go.Pie(values=[1, 2]))]
    assert not bundle_fits(trace_types(figs))
    gz, what = plotlyjs_gzip(trace_types(figs))
    assert "full build" in what and len(gz) > 1_000_000


def test_summary_cards_show_irr_payback_cost_and_capex_basis(page, plan):
    cf = plan.cash_flow
    want = irr(cf["cash_flow_usd"].to_numpy())  # bisection of metrics.irr on the same table
    assert f"{100 * want:.1f} %" in page
    # discounted payback: first year from which the cumulative discounted cash flow >= 0
    cum = cf["discounted_cash_flow_usd"].cumsum().to_numpy()
    year = int(cf["year"].iloc[[i for i in range(len(cum)) if (cum[i:] >= 0).all()][0]])
    assert f"<b>{year} (" in page
    assert "USD per kg of element (levelised)" in page
    assert "Capex basis: costing convention SimpleCosting; Lang factor 1" in page
    assert capex_basis(plan.case) in page.replace("&#x27;", "'")


def test_operators_count_equipment_crews(taiwan_case, plan):
    # taiwan.yaml: manual_hdd has no fixed crew and 1 operator per equipment unit, so
    # 4 units need 4 operators; hd_short_loop has a fixed crew and no equipment, so its
    # operators are that crew whatever its size
    crew = taiwan_case.option("hd_short_loop").operators
    assert crew > 0 and taiwan_case.option("hd_short_loop").equipment is None
    cap = plan.capacities.copy()
    cap.loc["manual_hdd", ["built", "equipment_units"]] = [True, 4]
    cap.loc["hd_short_loop", "built"] = True
    fake = SimpleNamespace(capacities=cap)
    ops = built_options(fake, taiwan_case)["operators"]
    assert ops["manual_hdd"] == 4 and ops["hd_short_loop"] == crew
    assert describe_operators(taiwan_case.option("manual_hdd")) == "1 per equipment unit"
    assert describe_operators(taiwan_case.option("hd_short_loop")) == f"{crew:g}"


def test_products_of_one_element_get_distinct_colours():
    items = ["recycled_magnet:Nd", "mixed_reo:Nd", "ndpr_oxide:Nd", "recycled_magnet:Pr",
             "mixed_reo:Pr", "dy_oxide:Dy"]
    c = item_colours(items)
    assert len(set(c.values())) == len(items)
    assert c["recycled_magnet:Nd"] == "#0072B2"  # the element's own colour comes first


def test_products_chart_uses_distinct_colours(plan):
    fig = plan.iplot("products")
    colours = [t.marker.color for t in fig.data]
    assert len(set(colours)) == len(colours)


def test_nothing_built_without_break_even_draws_no_chart(empty_plan):
    page = build_html(ReportInput(plan=empty_plan, case=empty_plan.case))
    assert "data-chart=" not in page and "plotlyjs-gz" not in page
    assert "No charts: nothing is built" in page
    assert len(page.encode()) < 200_000


def test_nothing_built_shows_the_break_even_plan(empty_plan, plan):
    # the 3x plan stands in for a break-even plan: the page must draw its charts
    page = build_html(ReportInput(plan=empty_plan, case=empty_plan.case, breakeven=plan,
                                  breakeven_factor=3.0))
    assert "Break-even plan (every product price x3.00)" in page
    assert "this section shows the break-even plan" in page
    for chart in ("plan sankey", "products", "capacities", "cash flow", "capex"):
        assert f"data-chart='{chart}'" in page
    assert "chart-missing" not in page


def test_tables_wrap_long_sources(page):
    assert "overflow-wrap:anywhere" in page
    assert re.search(r"<div class='tablewrap'><table>", page)


def test_sankey_products_get_distinct_node_colours(taiwan_case):
    from recyclopt.optimize import optimize

    # at 5x prices the plant makes recycled magnet and mixed REO (two products)
    plan = optimize(taiwan_case, price_factor=5.0)
    fig = plan.iplot("sankey")
    s = fig.data[0]
    labels = list(s.node.label)
    prods = sorted(set(plan.products["product"]))
    colours = [s.node.color[labels.index(p)] for p in prods]
    assert len(prods) >= 2 and len(set(colours)) == len(prods)


def test_vendored_plotly_ships_with_its_licence():
    import gzip
    import hashlib
    import tomllib
    from pathlib import Path

    from recyclopt.report.plotlyjs import BUNDLE_FILE, BUNDLE_VERSION

    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert {"*.gz", "*.txt"} <= set(data["package-data"]["recyclopt.report.vendor"])
    licence = (BUNDLE_FILE.parent / "LICENSE-plotly.txt").read_text()
    assert "MIT License" in licence and "Plotly" in licence
    js = gzip.decompress(BUNDLE_FILE.read_bytes())
    assert js.startswith(f"/*! plotly.js {BUNDLE_VERSION} partial bundle".encode())
    # the checksum recorded in vendor/README.md, so a rebuilt file is noticed
    readme = (BUNDLE_FILE.parent / "README.md").read_text()
    assert hashlib.sha256(js).hexdigest() in readme
