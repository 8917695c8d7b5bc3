"""Plan views: Sankey of feedstocks -> options -> products, capex and opex breakdowns, cash
flow, NPV waterfall, capacities and recovered products.

Each view takes a :class:`~recyclopt.optimize.PlantPlan`, or any object with the same
DataFrame attributes (``capacities``, ``flows``, ``option_flows``, ``products``,
``cash_flow``, ``capex``, ``opex``) and ``npv_usd`` such as
:class:`~recyclopt.report.results.PlanTables` read back from an exported plan. The data
functions (:func:`plan_sankey`, :func:`capex_breakdown`, :func:`opex_breakdown`,
:func:`npv_waterfall`) return the numbers the charts draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ._common import (
    COST_COLOURS,
    colour_for,
    fmt,
    item_colours,
    new_figure,
    require_plotly,
    usd_axis,
)
from .sankey import SankeyData, iplot_sankey, make_sankey, plot_sankey

#: Cash-flow table columns that are costs, with their chart labels.
COST_COLUMNS = {
    "capex_usd": "capex",
    "variable_opex_usd": "variable opex",
    "fixed_opex_usd": "fixed opex",
    "labour_usd": "labour",
    "overhead_usd": "overhead",
}
NOT_RECOVERED = "not recovered (Fe, B, losses)"


def _case(plan: Any) -> Any:
    return getattr(plan, "case", None)


def _title(plan: Any, what: str) -> str:
    case = _case(plan)
    name = getattr(case, "name", None) or getattr(plan, "name", "") or ""
    return f"{name}: {what}" if name else what


# --------------------------------------------------------------------------- Sankey
def _path_recovery(plan: Any) -> pd.DataFrame:
    """Recovered kg of (product, element) per end-of-life unit of each (feedstock, path)."""
    from ..optimize.superstructure import build

    sup = build(_case(plan))
    rec = sup.recovered.copy()
    rec.index = pd.MultiIndex.from_frame(sup.pairs[["feedstock", "path"]])
    return rec


def plan_sankey(plan: Any, basis: str = "recovered", elements: Sequence[str] | None = None,
                year: int | None = None) -> SankeyData:
    """Sankey description of a plan: feedstocks -> options (stage by stage) -> products.

    Parameters
    ----------
    plan : a PlantPlan (or PlanTables with its ``case``).
    basis : ``"recovered"``: kg of each element recovered, followed along the path that
        recovered it (link items are elements; the links into each product sum to the plan's
        ``products``). ``"magnet"``: kg of magnet material processed on each path; the last
        option sends the recovered elements to their products and the rest to a
        ``not recovered`` node (needs the case; without it the diagram stops at the last
        option).
    elements : elements to show (recovered basis); default all the case's elements.
    year : one operating year; default the whole horizon.

    Returns
    -------
    SankeyData
        Values in kg over the horizon (or in ``year``).
    """
    if basis not in ("recovered", "magnet"):
        raise InputError(f"basis {basis!r}; allowed: recovered, magnet", field="basis")
    flows = plan.flows
    if year is not None:
        flows = flows[flows["year"] == int(year)]
    case = _case(plan)
    if case is None and basis == "recovered":
        raise InputError("a Sankey of recovered elements needs the plan's case (to split the "
                         "products by path); use basis='magnet'", field="basis")
    stage_of = plan.capacities["stage"].to_dict()
    stages = list(dict.fromkeys(plan.capacities["stage"]))
    rec = _path_recovery(plan) if case is not None else None
    els = list(elements) if elements else (list(case.elements) if case is not None else [])
    link_rows: list[tuple[str, str, float, str, str]] = []
    if not flows.empty:
        g = flows.groupby(["feedstock", "path"], sort=False)[["units", "magnet_kg"]].sum()
        for (f, path), row in g.iterrows():
            opts = path.split("/")
            chain = [f"fs:{f}"] + [f"opt:{o}" for o in opts]
            by_prod: dict[tuple[str, str], float] = {}
            if rec is not None:
                r = rec.loc[(f, path)]
                by_prod = {(p, e): float(v) * row["units"] for (p, e), v in r.items()
                           if v > 0 and (basis == "magnet" or e in els)}
            if basis == "recovered":
                per_el: dict[str, float] = {}
                for (_p, e), v in by_prod.items():
                    per_el[e] = per_el.get(e, 0.0) + v
                for a, b in zip(chain[:-1], chain[1:], strict=True):
                    for e, v in per_el.items():
                        link_rows.append((a, b, v, e, path))
            else:
                for a, b in zip(chain[:-1], chain[1:], strict=True):
                    link_rows.append((a, b, float(row["magnet_kg"]), "magnet", path))
                if rec is not None:
                    rest = float(row["magnet_kg"]) - sum(by_prod.values())
                    link_rows.append((chain[-1], "rest", max(rest, 0.0), "not recovered", path))
            for (p, e), v in by_prod.items():
                link_rows.append((chain[-1], f"prod:{p}", v, e, path))
    links = pd.DataFrame(link_rows, columns=["source", "target", "value", "item", "label"])
    links = links.groupby(["source", "target", "item"], as_index=False, sort=False).agg(
        value=("value", "sum"), label=("label", lambda s: ", ".join(dict.fromkeys(s))))
    feedstocks = list(dict.fromkeys(flows["feedstock"])) if not flows.empty else []
    products = list(dict.fromkeys(plan.products["product"])) if not plan.products.empty else []
    node_rows = [(f"fs:{f}", f, "feedstock", 0) for f in feedstocks]
    node_rows += [(f"opt:{o}", o, "option", 1 + stages.index(s)) for o, s in stage_of.items()]
    last = len(stages) + 1
    node_rows += [(f"prod:{p}", p, "product", last) for p in products]
    node_rows.append(("rest", NOT_RECOVERED, "waste", last))
    nodes = pd.DataFrame(node_rows, columns=["id", "label", "kind", "layer"]).set_index("id")
    when = f"in {year}" if year is not None else "over the horizon"
    what = "elements recovered" if basis == "recovered" else "magnet material processed"
    return make_sankey(links, nodes, "kg", _title(plan, f"{what} {when}"))


def iplot_plan_sankey(plan: Any, basis: str = "recovered",
                      elements: Sequence[str] | None = None, year: int | None = None,
                      **kw: Any) -> Any:
    """Interactive plotly Sankey of :func:`plan_sankey`.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    return iplot_sankey(plan_sankey(plan, basis, elements, year), **kw)


def plot_plan_sankey(plan: Any, basis: str = "recovered",
                     elements: Sequence[str] | None = None, year: int | None = None,
                     **kw: Any) -> Any:
    """Static matplotlib Sankey of :func:`plan_sankey`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    return plot_sankey(plan_sankey(plan, basis, elements, year), **kw)


# --------------------------------------------------------------------------- capex
def capex_breakdown(plan: Any) -> pd.DataFrame:
    """Capital cost by built option plus the costing convention's additions.

    Returns
    -------
    pandas.DataFrame
        Columns ``item``, ``stage``, ``capex_usd``. One row per built option with capital
        cost (its capex curve and equipment units), and a row ``installation, indirect,
        owner's, escalation`` holding the difference between the cash-flow table's total
        capex (undiscounted) and the option sum. ``capex_usd`` sums to the cash-flow capex.
    """
    cap = plan.capacities
    built = cap[cap["built"].astype(bool)]
    rows = [(o, r["stage"], float(r["capex_usd"])) for o, r in built.iterrows()
            if float(r["capex_usd"]) > 0]
    total = float(plan.cash_flow["capex_usd"].sum())
    extra = total - sum(r[2] for r in rows)
    if abs(extra) > 1e-9 * max(abs(total), 1.0):
        rows.append(("installation, indirect, owner's, escalation", "costing convention",
                     extra))
    return pd.DataFrame(rows, columns=["item", "stage", "capex_usd"])


def plot_capex(plan: Any, ax: Any = None) -> Any:
    """Static horizontal bars of :func:`capex_breakdown`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = capex_breakdown(plan)
    fig = new_figure(8, 1.2 + 0.45 * max(len(d), 1)) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    if d.empty:
        ax.text(0.5, 0.5, "no capital spent (nothing built)", ha="center", va="center")
        ax.axis("off")
        return fig
    ax.barh(d["item"], d["capex_usd"], color=[colour_for(s, list(d["stage"]))
                                               for s in d["stage"]])
    for i, v in enumerate(d["capex_usd"]):
        ax.text(v, i, " " + fmt(v, "USD"), va="center", fontsize=8)
    ax.invert_yaxis()
    usd_axis(ax, "x")
    ax.set_title(_title(plan, f"capital cost, total {fmt(d['capex_usd'].sum(), 'USD')}"))
    return fig


def iplot_capex(plan: Any) -> Any:
    """Interactive horizontal bars of :func:`capex_breakdown`.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace; ``x`` holds ``capex_usd``.
    """
    go = require_plotly()
    d = capex_breakdown(plan)
    fig = go.Figure(go.Bar(y=d["item"].tolist(), x=d["capex_usd"].tolist(), orientation="h",
                           marker_color=[colour_for(s, list(d["stage"])) for s in d["stage"]],
                           customdata=d["stage"].tolist(),
                           hovertemplate="%{y} (%{customdata}): %{x:,.0f} USD<extra></extra>"))
    fig.update_layout(title=_title(plan, f"capital cost, total "
                                         f"{fmt(d['capex_usd'].sum(), 'USD')}"),
                      xaxis_title="USD", yaxis_autorange="reversed",
                      height=180 + 40 * max(len(d), 1))
    return fig


# --------------------------------------------------------------------------- opex
def opex_breakdown(plan: Any) -> pd.DataFrame:
    """Operating cost per operating year by category (nominal USD, as in the cash flow).

    Variable opex is split into electricity, fuel heat and the rest (feedstock purchase,
    reagents, other per-unit costs) in the proportions of the plan's ``opex`` table.

    Returns
    -------
    pandas.DataFrame
        Indexed by year, columns ``electricity``, ``heat``, ``feedstock, reagents, other``,
        ``fixed opex``, ``labour``, ``overhead``; each row sums to the cash-flow table's
        variable + fixed + labour + overhead of that year.
    """
    cf = plan.cash_flow.set_index("year")
    op = plan.opex.set_index("year")
    years = op.index
    var = cf.loc[years, "variable_opex_usd"].to_numpy(dtype=float)
    base = op["variable_opex_usd"].to_numpy(dtype=float)
    ratio = np.divide(var, base, out=np.ones_like(var), where=np.abs(base) > 0)
    elec = op["electricity_usd"].to_numpy(dtype=float) * ratio
    heat = op["heat_usd"].to_numpy(dtype=float) * ratio
    out = pd.DataFrame({
        "electricity": elec,
        "heat": heat,
        "feedstock, reagents, other": var - elec - heat,
        "fixed opex": cf.loc[years, "fixed_opex_usd"].to_numpy(dtype=float),
        "labour": cf.loc[years, "labour_usd"].to_numpy(dtype=float),
        "overhead": cf.loc[years, "overhead_usd"].to_numpy(dtype=float)
        if "overhead_usd" in cf else 0.0,
    }, index=pd.Index(years.astype(int), name="year"))
    return out


def plot_opex(plan: Any, ax: Any = None) -> Any:
    """Static stacked bars of :func:`opex_breakdown` per year.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = opex_breakdown(plan)
    fig = new_figure(8, 4) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    bottom = np.zeros(len(d))
    for c in d.columns:
        if not (d[c].abs() > 0).any():
            continue
        ax.bar(d.index, d[c], bottom=bottom, label=c, color=COST_COLOURS[c])
        bottom += d[c].to_numpy()
    usd_axis(ax)
    ax.set_xlabel("year")
    if bottom.any():
        ax.legend(fontsize=8, ncol=3)
    ax.set_title(_title(plan, f"operating cost, {fmt(d.to_numpy().sum(), 'USD')} over the "
                              "horizon"))
    return fig


def iplot_opex(plan: Any) -> Any:
    """Interactive stacked bars of :func:`opex_breakdown` per year.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per non-zero category (``name`` = category, ``y`` = USD per year).
    """
    go = require_plotly()
    d = opex_breakdown(plan)
    traces = [go.Bar(x=d.index.tolist(), y=d[c].tolist(), name=c,
                     marker_color=COST_COLOURS[c],
                     hovertemplate="%{x}: %{y:,.0f} USD<extra>" + c + "</extra>")
              for c in d.columns if (d[c].abs() > 0).any()]
    fig = go.Figure(traces)
    fig.update_layout(barmode="stack", yaxis_title="USD per year", xaxis_title="year",
                      title=_title(plan, f"operating cost, {fmt(d.to_numpy().sum(), 'USD')} "
                                         "over the horizon"), height=420)
    return fig


# --------------------------------------------------------------------------- cash flow
def _has_byproducts(cf: pd.DataFrame) -> bool:
    """Whether the cash-flow table books by-product sales as revenue in some year."""
    return "byproduct_revenue_usd" in cf and bool((cf["byproduct_revenue_usd"] != 0).any())


def plot_cash_flow(plan: Any, ax: Any = None) -> Any:
    """Static chart of the yearly cash flow: revenue up, costs down (stacked), the net cash
    flow as a line and the cumulative discounted cash flow, which ends at the NPV.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cf = plan.cash_flow
    fig = new_figure(9, 4.5) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    yrs = cf["year"].to_numpy()
    ax.bar(yrs, cf["revenue_usd"], color=COST_COLOURS["revenue"], label="revenue")
    if _has_byproducts(cf):
        ax.bar(yrs, cf["byproduct_revenue_usd"], bottom=cf["revenue_usd"],
               color=COST_COLOURS["by-products"], label="by-products")
    bottom = np.zeros(len(cf))
    for col, name in COST_COLUMNS.items():
        if col in cf and (cf[col].abs() > 0).any():
            ax.bar(yrs, -cf[col], bottom=bottom, color=COST_COLOURS[name], label=name)
            bottom -= cf[col].to_numpy()
    ax.plot(yrs, cf["cash_flow_usd"], "k.-", label="net cash flow")
    ax.plot(yrs, cf["discounted_cash_flow_usd"].cumsum(), color="#0072B2", ls="--",
            marker="o", ms=3, label="cumulative discounted")
    ax.axhline(0, color="#333333", lw=0.6)
    ax.margins(y=0.06)
    usd_axis(ax)
    ax.set_xlabel("year")
    ax.legend(fontsize=8, ncol=3)
    ax.set_title(_title(plan, f"cash flow; NPV {fmt(plan.npv_usd, 'USD')}"))
    return fig


def iplot_cash_flow(plan: Any) -> Any:
    """Interactive yearly cash flow (see :func:`plot_cash_flow`).

    Returns
    -------
    plotly.graph_objects.Figure
        Bar traces ``revenue`` and one per cost (negative), line traces ``net cash flow`` and
        ``cumulative discounted`` (its last point is the NPV).
    """
    go = require_plotly()
    cf = plan.cash_flow
    yrs = cf["year"].astype(int).tolist()
    traces = [go.Bar(x=yrs, y=cf["revenue_usd"].tolist(), name="revenue",
                     marker_color=COST_COLOURS["revenue"])]
    if _has_byproducts(cf):
        traces.append(go.Bar(x=yrs, y=cf["byproduct_revenue_usd"].tolist(), name="by-products",
                             marker_color=COST_COLOURS["by-products"]))
    for col, name in COST_COLUMNS.items():
        if col in cf and (cf[col].abs() > 0).any():
            traces.append(go.Bar(x=yrs, y=(-cf[col]).tolist(), name=name,
                                 marker_color=COST_COLOURS[name]))
    traces.append(go.Scatter(x=yrs, y=cf["cash_flow_usd"].tolist(), name="net cash flow",
                             mode="lines+markers", line={"color": "black"}))
    traces.append(go.Scatter(x=yrs, y=cf["discounted_cash_flow_usd"].cumsum().tolist(),
                             name="cumulative discounted", mode="lines+markers",
                             line={"color": "#0072B2", "dash": "dash"}))
    fig = go.Figure(traces)
    fig.update_layout(barmode="relative", yaxis_title="USD", xaxis_title="year", height=440,
                      title=_title(plan, f"cash flow; NPV {fmt(plan.npv_usd, 'USD')}"))
    return fig


# --------------------------------------------------------------------------- NPV waterfall
def npv_waterfall(plan: Any) -> pd.DataFrame:
    """The NPV as the sum of its discounted parts.

    Returns
    -------
    pandas.DataFrame
        Columns ``item``, ``value_usd`` (discounted, signed: revenue positive, costs
        negative) and ``measure`` (``relative`` for the parts, ``total`` for the last row,
        ``NPV``). The parts sum to the NPV, which equals the cash-flow table's discounted sum.
    """
    cf = plan.cash_flow
    df = cf["discount_factor"].to_numpy(dtype=float)
    rows = [("revenue", float(cf["revenue_usd"].to_numpy(dtype=float) @ df), "relative")]
    if _has_byproducts(cf):
        rows.append(("by-products", float(cf["byproduct_revenue_usd"].to_numpy(dtype=float)
                                          @ df), "relative"))
    for col, name in COST_COLUMNS.items():
        if col in cf:
            v = -float(cf[col].to_numpy(dtype=float) @ df)
            if v != 0.0:
                rows.append((name, v, "relative"))
    total = sum(r[1] for r in rows)
    rows.append(("NPV", total, "total"))
    return pd.DataFrame(rows, columns=["item", "value_usd", "measure"])


def plot_npv_waterfall(plan: Any, ax: Any = None) -> Any:
    """Static waterfall of :func:`npv_waterfall`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = npv_waterfall(plan)
    fig = new_figure(8, 4) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    level = 0.0
    for i, r in d.iterrows():
        if r["measure"] == "total":
            bottom, h = 0.0, r["value_usd"]
            c = COST_COLOURS["NPV"]
        else:
            bottom, h = level, r["value_usd"]
            level += h
            c = COST_COLOURS["revenue"] if h >= 0 else COST_COLOURS.get(r["item"], "#D55E00")
        ax.bar(i, h, bottom=bottom, color=c)
        ax.text(i, bottom + h, fmt(r["value_usd"]), ha="center",
                va="bottom" if h >= 0 else "top", fontsize=8)
    ax.set_xticks(range(len(d)), d["item"], rotation=15)
    ax.margins(y=0.1)
    ax.axhline(0, color="#333333", lw=0.6)
    usd_axis(ax)
    ax.set_title(_title(plan, f"NPV waterfall (discounted), NPV {fmt(plan.npv_usd, 'USD')}"))
    return fig


def iplot_npv_waterfall(plan: Any) -> Any:
    """Interactive waterfall of :func:`npv_waterfall`.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Waterfall`` trace; its ``y`` are the parts and, last, the NPV (``measure``
        ``total``).
    """
    go = require_plotly()
    d = npv_waterfall(plan)
    fig = go.Figure(go.Waterfall(
        x=d["item"].tolist(), y=d["value_usd"].tolist(), measure=d["measure"].tolist(),
        text=[fmt(v) for v in d["value_usd"]], textposition="outside",
        increasing={"marker": {"color": COST_COLOURS["revenue"]}},
        decreasing={"marker": {"color": COST_COLOURS["capex"]}},
        totals={"marker": {"color": "#333333"}},
        hovertemplate="%{x}: %{y:,.0f} USD<extra></extra>"))
    fig.update_layout(title=_title(plan, f"NPV waterfall (discounted), NPV "
                                         f"{fmt(plan.npv_usd, 'USD')}"),
                      yaxis_title="USD (present value)", height=420, showlegend=False)
    return fig


# --------------------------------------------------------------------------- capacities
def _built_capacities(plan: Any) -> pd.DataFrame:
    cap = plan.capacities
    return cap[cap["built"].astype(bool)]


def plot_capacities(plan: Any) -> Any:
    """Static bars of installed capacity and peak throughput per built option, one panel per
    capacity basis (units/yr, kg/yr).

    Returns
    -------
    matplotlib.figure.Figure
    """
    cap = _built_capacities(plan)
    bases = list(dict.fromkeys(cap["basis"])) or ["-"]
    fig = new_figure(4.5 * len(bases) + 1, 3.8)
    axes = np.atleast_1d(fig.subplots(1, len(bases)))
    if cap.empty:
        axes[0].text(0.5, 0.5, "nothing built", ha="center", va="center")
        axes[0].axis("off")
        return fig
    for ax, b in zip(axes, bases, strict=True):
        c = cap[cap["basis"] == b]
        x = np.arange(len(c))
        ax.bar(x - 0.2, c["capacity"], 0.4, label="capacity", color="#0072B2")
        ax.bar(x + 0.2, c["peak_throughput"], 0.4, label="peak throughput", color="#E69F00")
        ax.set_xticks(x, c.index, rotation=15, ha="right")
        ax.set_ylabel(f"{b} per year")
        ax.legend(fontsize=8)
    fig.suptitle(_title(plan, "capacities of the options built"))
    return fig


def iplot_capacities(plan: Any) -> Any:
    """Interactive bars of capacity and peak throughput per built option (one panel per basis).

    Returns
    -------
    plotly.graph_objects.Figure
        Per basis, a ``capacity`` and a ``peak throughput`` bar trace over the built options.
    """
    go = require_plotly()
    from plotly.subplots import make_subplots

    cap = _built_capacities(plan)
    bases = list(dict.fromkeys(cap["basis"])) or ["-"]
    fig = make_subplots(rows=1, cols=len(bases),
                        subplot_titles=[f"{b} per year" for b in bases])
    for j, b in enumerate(bases, start=1):
        c = cap[cap["basis"] == b]
        fig.add_trace(go.Bar(x=c.index.tolist(), y=c["capacity"].tolist(), name="capacity",
                             marker_color="#0072B2", showlegend=j == 1, legendgroup="cap"),
                      1, j)
        fig.add_trace(go.Bar(x=c.index.tolist(), y=c["peak_throughput"].tolist(),
                             name="peak throughput", marker_color="#E69F00",
                             showlegend=j == 1, legendgroup="peak"), 1, j)
    fig.update_layout(barmode="group", height=400,
                      title=_title(plan, "capacities of the options built"))
    return fig


# --------------------------------------------------------------------------- products
def products_by_year(plan: Any) -> pd.DataFrame:
    """Recovered kg per year (rows) and product:element (columns) from ``plan.products``."""
    p = plan.products
    if p.empty:
        return pd.DataFrame()
    t = p.assign(item=p["product"] + ":" + p["element"]).pivot_table(
        index="year", columns="item", values="kg", aggfunc="sum", fill_value=0.0)
    return t


def plot_products(plan: Any, ax: Any = None) -> Any:
    """Static stacked bars of the elements recovered per year, by product and element.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = products_by_year(plan)
    fig = new_figure(8, 4) if ax is None else ax.figure
    ax = ax if ax is not None else fig.add_subplot()
    if t.empty:
        ax.text(0.5, 0.5, "nothing recovered", ha="center", va="center")
        ax.axis("off")
        return fig
    bottom = np.zeros(len(t))
    colours = item_colours(list(t.columns))
    for c in t.columns:
        ax.bar(t.index, t[c], bottom=bottom, label=c, color=colours[c])
        bottom += t[c].to_numpy()
    ax.set_ylabel("kg of element per year")
    ax.set_xlabel("year")
    ax.legend(fontsize=8, ncol=4)
    ax.set_title(_title(plan, "elements recovered"))
    return fig


def iplot_products(plan: Any) -> Any:
    """Interactive stacked bars of the elements recovered per year.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per product:element with kg per year.
    """
    go = require_plotly()
    t = products_by_year(plan)
    colours = item_colours(list(t.columns))
    fig = go.Figure([go.Bar(x=t.index.tolist(), y=t[c].tolist(), name=c,
                            marker_color=colours[c],
                            hovertemplate="%{x}: %{y:,.1f} kg<extra>" + c + "</extra>")
                     for c in t.columns])
    fig.update_layout(barmode="stack", yaxis_title="kg of element per year", xaxis_title="year",
                      title=_title(plan, "elements recovered"), height=400)
    return fig
